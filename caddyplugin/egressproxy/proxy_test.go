package egressproxy

import (
	"context"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/caddyserver/caddy/v2"
	"github.com/caddyserver/caddy/v2/caddyconfig/caddyfile"

	"github.com/openclaw-secure-stack/securestack/caddyplugin/internal/auditcfg"
)

func TestUnmarshalCaddyfileErrors(t *testing.T) {
	for _, tc := range []struct{ name, input, want string }{
		{"an unknown option is named", "egress_proxy {\nallowlist /a\ncolour blue\n}", `unrecognized egress_proxy option "colour"`},
		{"an allowlist is required", "egress_proxy {\nports 443\n}", "needs an allowlist"},
		{"a bad duration", "egress_proxy {\nallowlist /a\nidle_timeout soon\n}", "idle_timeout"},
		{"off is not a DNS timeout", "egress_proxy {\nallowlist /a\ndns_timeout off\n}", "dns_timeout"},
		{"a bad tunnel limit", "egress_proxy {\nallowlist /a\nmax_tunnels 0\n}", "max_tunnels"},
		{"a bad CIDR", "egress_proxy {\nallowlist /a\nallow_cidr 10.0.0.0/33\n}", "allow_cidr"},
		{"a mapped CIDR", "egress_proxy {\nallowlist /a\nallow_cidr ::ffff:10.0.0.0/104\n}", "IPv4-mapped"},
		{"a repeated single option", "egress_proxy {\nallowlist /a\nreload 1s\nreload 2s\n}", "set twice"},
		{"an argument on the directive", "egress_proxy extra", "wrong argument count"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			var p Proxy
			err := p.UnmarshalCaddyfile(caddyfile.NewTestDispenser(tc.input))
			if err == nil || !strings.Contains(err.Error(), tc.want) {
				t.Fatalf("error = %v, want %q", err, tc.want)
			}
		})
	}
}

func TestProvision(t *testing.T) {
	dir := t.TempDir()
	list := filepath.Join(dir, "allowlist.txt")
	if err := os.WriteFile(list, []byte("example.com\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	audit := &auditcfg.Config{Path: filepath.Join(dir, "audit.jsonl")}
	provision := func(p *Proxy) error {
		ctx, cancel := caddy.NewContext(caddy.Context{Context: context.Background()})
		t.Cleanup(cancel)
		p.AuditLog = audit
		err := p.Provision(ctx)
		if err == nil {
			t.Cleanup(func() { p.Cleanup() })
		}
		return err
	}
	for _, tc := range []struct {
		name string
		p    Proxy
		want string
	}{
		{"no allowlist", Proxy{}, "allowlist"},
		{"a missing allowlist file", Proxy{Allowlist: []string{filepath.Join(dir, "none.txt")}}, "none.txt"},
		{"a port out of range", Proxy{Allowlist: []string{list}, Ports: []int{0}}, "ports"},
		{"an empty port list", Proxy{Allowlist: []string{list}, Ports: []int{}}, "ports"},
		{"http_ports naming the default tls port", Proxy{Allowlist: []string{list}, HTTPPorts: []int{443}}, "also in tls_ports"},
		{"tls_ports naming the default http port", Proxy{Allowlist: []string{list}, TLSPorts: []int{80}}, "also in tls_ports"},
		{"a resolver that is not an address", Proxy{Allowlist: []string{list}, Resolvers: []string{"dns.example"}}, "resolver"},
		{"a missing token file", Proxy{Allowlist: []string{list}, Resolvers: []string{"127.0.0.1"}, TokenFiles: []string{filepath.Join(dir, "tokens")}}, "token_file"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			p := tc.p
			err := provision(&p)
			if err == nil || !strings.Contains(err.Error(), tc.want) {
				t.Fatalf("Provision error = %v, want %q", err, tc.want)
			}
		})
	}
	t.Run("defaults", func(t *testing.T) {
		p := Proxy{Allowlist: []string{list}, Resolvers: []string{"127.0.0.1"}}
		if err := provision(&p); err != nil {
			t.Fatal(err)
		}
		if err := p.Validate(); err != nil {
			t.Fatal(err)
		}
		if fmt.Sprint(p.Ports) != "[443 80]" || p.MaxTunnels != DefaultMaxTunnels || p.pipeCfg.Idle != DefaultIdleTimeout {
			t.Errorf("defaults not applied: %+v", p)
		}
	})
	t.Run("a reload shares the tunnel slots", func(t *testing.T) {
		a := Proxy{Allowlist: []string{list}, Resolvers: []string{"127.0.0.1"}, MaxTunnels: 7}
		b := Proxy{Allowlist: []string{list}, Resolvers: []string{"127.0.0.1"}, MaxTunnels: 7}
		if err := provision(&a); err != nil {
			t.Fatal(err)
		}
		if err := provision(&b); err != nil {
			t.Fatal(err)
		}
		if a.slots != b.slots {
			t.Error("two configs with the same limits have separate slots: a reload would double the limit")
		}
	})
}
