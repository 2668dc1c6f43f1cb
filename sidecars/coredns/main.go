// Command coredns is CoreDNS with the plugins the stack needs plus egress,
// the allowlist plugin from corednsplugin. `coredns -plugins` lists them.
//
// People who build CoreDNS themselves get the same plugin by adding this
// line to CoreDNS's plugin.cfg just before the cache line, then running
// `go generate && go build`:
//
//	egress:github.com/openclaw-secure-stack/securestack/corednsplugin
package main

import (
	"slices"

	"github.com/coredns/coredns/core/dnsserver"
	_ "github.com/coredns/coredns/plugin/bind"
	_ "github.com/coredns/coredns/plugin/cache"
	_ "github.com/coredns/coredns/plugin/errors"
	_ "github.com/coredns/coredns/plugin/forward"
	_ "github.com/coredns/coredns/plugin/health"
	_ "github.com/coredns/coredns/plugin/hosts"
	_ "github.com/coredns/coredns/plugin/log"
	_ "github.com/coredns/coredns/plugin/metrics"
	_ "github.com/coredns/coredns/plugin/ready"
	_ "github.com/coredns/coredns/plugin/reload"
	_ "github.com/coredns/coredns/plugin/template"
	_ "github.com/coredns/coredns/plugin/whoami"

	"github.com/coredns/coredns/coremain"

	_ "github.com/openclaw-secure-stack/securestack/corednsplugin"
)

// init puts egress just before cache. Before forward is not enough: cache
// sits above forward, and a cache hit would skip the allowlist. Every plugin
// after cache (template, hosts, forward, whoami) is behind it too.
func init() {
	i := slices.Index(dnsserver.Directives, "cache")
	if i < 0 {
		panic("coredns: no cache directive to put egress before")
	}
	dnsserver.Directives = slices.Insert(dnsserver.Directives, i, "egress")
}

func main() {
	coremain.Run()
}
