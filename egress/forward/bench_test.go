package forward

import (
	"context"
	"net/netip"
	"strings"
	"testing"
	"time"

	"github.com/openclaw-secure-stack/securestack/egress"
)

// BenchmarkDecide is the per-request cost of the decision for a listed
// name whose answer is cached: parse, port, allowlist, cache, classes.
func BenchmarkDecide(b *testing.B) {
	list, err := egress.ParseAllowlist(strings.NewReader("api.openai.com\n.githubusercontent.com\n"), "b")
	if err != nil {
		b.Fatal(err)
	}
	srv, err := testdnsStart()
	if err != nil {
		b.Fatal(err)
	}
	defer srv.Close()
	srv.Static("api.openai.com", 300, "162.159.140.245", "2606:4700::6812:1")
	res, err := NewResolver(ResolverConfig{Servers: []string{srv.Addr}, Timeout: time.Second})
	if err != nil {
		b.Fatal(err)
	}
	pol := &Policy{Allowlist: func() *egress.Allowlist { return list }, Ports: []uint16{443, 80}, Resolver: res,
		Self: func(context.Context, netip.AddrPort) bool { return false }}
	ctx := context.Background()
	b.ReportAllocs()
	b.RunParallel(func(pb *testing.PB) {
		for pb.Next() {
			t, err := egress.ParseAuthority("api.openai.com:443")
			if err != nil {
				b.Fatal(err)
			}
			if d := pol.Decide(ctx, t); !d.Allowed {
				b.Fatal(d.Message)
			}
		}
	})
}

func BenchmarkClassOf(b *testing.B) {
	addrs := []netip.Addr{netip.MustParseAddr("162.159.140.245"), netip.MustParseAddr("2606:4700::6812:1"), netip.MustParseAddr("10.1.2.3")}
	b.ReportAllocs()
	for i := 0; b.Loop(); i++ {
		egress.ClassOf(addrs[i%len(addrs)])
	}
}
