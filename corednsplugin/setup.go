package corednsplugin

import (
	"fmt"
	"net"
	"path/filepath"
	"strings"
	"time"

	"github.com/coredns/caddy"
	"github.com/coredns/coredns/core/dnsserver"
	"github.com/coredns/coredns/plugin"
	clog "github.com/coredns/coredns/plugin/pkg/log"
	"github.com/miekg/dns"

	"github.com/openclaw-secure-stack/securestack/auditlog"
)

const pluginName = "egress"

func init() { plugin.Register(pluginName, setup) }

// config is the parsed egress block of one server block.
type config struct {
	files       []string
	reload      time.Duration
	blockRcode  int
	denyPrivate bool
	auditPath   string
	auditOpts   auditlog.Options
}

func setup(c *caddy.Controller) error {
	srv := dnsserver.GetConfig(c)
	cfg, err := parse(c, srv.Root)
	if err != nil {
		return plugin.Error(pluginName, err)
	}
	e, err := newEgress(cfg, clog.NewWithPlugin(pluginName), time.Now)
	if err != nil {
		return plugin.Error(pluginName, err)
	}
	// The audit log is opened at startup, not here, so that a Corefile that
	// fails later in setup does not leave a reference behind.
	c.OnStartup(func() error {
		e.servers = serverAddrs(srv)
		return e.start()
	})
	c.OnShutdown(e.stop)
	srv.AddPlugin(func(next plugin.Handler) plugin.Handler {
		e.Next = next
		return e
	})
	return nil
}

// parse reads
//
//	egress {
//	    allowlist FILE...
//	    reload DURATION
//	    block nxdomain|refused
//	    audit_log FILE [OPTION VALUE]...
//	    deny_private_answers
//	}
func parse(c *caddy.Controller, root string) (config, error) {
	cfg := config{reload: 5 * time.Second, blockRcode: dns.RcodeNameError}
	seen := false
	for c.Next() {
		if seen {
			return cfg, plugin.ErrOnce
		}
		seen = true
		if args := c.RemainingArgs(); len(args) > 0 {
			return cfg, c.Errf("egress takes no arguments, got %q; it judges every query of its server block", args)
		}
		firstLine := map[string]int{}
		for c.NextBlock() {
			prop := c.Val()
			// allowlist may repeat (each adds files); any other option set twice
			// would silently replace the first.
			if line, ok := firstLine[prop]; ok && prop != "allowlist" {
				return cfg, c.Errf("%s is set twice (first on line %d); keep one", prop, line)
			}
			firstLine[prop] = c.Line()
			args := c.RemainingArgs()
			switch prop {
			case "allowlist":
				if len(args) == 0 {
					return cfg, c.Errf("allowlist needs at least one FILE")
				}
				for _, f := range args {
					cfg.files = append(cfg.files, inRoot(root, f))
				}
			case "reload":
				if len(args) != 1 {
					return cfg, c.Errf("reload needs one DURATION (for example 5s; 0 turns reloading off)")
				}
				d, err := time.ParseDuration(args[0])
				if err != nil || d < 0 {
					return cfg, c.Errf("reload %q: want a duration such as 5s, or 0 to turn reloading off", args[0])
				}
				cfg.reload = d
			case "block":
				if len(args) != 1 {
					return cfg, c.Errf("block needs one of nxdomain or refused")
				}
				switch strings.ToLower(args[0]) {
				case "nxdomain":
					cfg.blockRcode = dns.RcodeNameError
				case "refused":
					cfg.blockRcode = dns.RcodeRefused
				default:
					return cfg, c.Errf("block %q: want nxdomain or refused", args[0])
				}
			case "audit_log":
				if len(args) == 0 || len(args)%2 == 0 {
					return cfg, c.Errf("audit_log needs a FILE followed by OPTION VALUE pairs (sync batch, key_file PATH, rotate_size 100MiB, ...)")
				}
				cfg.auditPath = inRoot(root, args[0])
				for i := 1; i < len(args); i += 2 {
					if err := cfg.auditOpts.Set(args[i], args[i+1]); err != nil {
						return cfg, c.Errf("audit_log: %v", err)
					}
				}
			case "deny_private_answers":
				if len(args) != 0 {
					return cfg, c.Errf("deny_private_answers takes no arguments")
				}
				cfg.denyPrivate = true
			default:
				return cfg, c.Errf("unknown property %q (want allowlist, reload, block, audit_log or deny_private_answers)", prop)
			}
		}
	}
	if len(cfg.files) == 0 {
		return cfg, c.Err("egress needs at least one allowlist FILE; without one every name would be blocked")
	}
	return cfg, nil
}

// inRoot resolves a relative path against the Corefile's root directive,
// as the hosts and file plugins do.
func inRoot(root, path string) string {
	if root == "" || filepath.IsAbs(path) {
		return path
	}
	return filepath.Join(root, path)
}

// serverAddrs returns the server labels CoreDNS will give this server
// block's listeners (the same spelling as metrics.WithServer), so that the
// gauges set at load time line up with the per-query counters.
func serverAddrs(c *dnsserver.Config) []string {
	var out []string
	for _, h := range c.ListenHosts {
		addr, err := net.ResolveTCPAddr("tcp", net.JoinHostPort(h, c.Port))
		if err != nil {
			continue
		}
		out = append(out, fmt.Sprintf("%s://%s", c.Transport, addr))
	}
	return out
}
