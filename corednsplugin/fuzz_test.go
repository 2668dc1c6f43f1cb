package corednsplugin

import (
	"context"
	"strings"
	"testing"

	"github.com/coredns/coredns/plugin/pkg/dnstest"
	"github.com/coredns/coredns/plugin/test"
	"github.com/miekg/dns"
)

// FuzzServeDNS feeds arbitrary wire messages to the plugin and checks the
// one property that matters: nothing reaches the next plugin unless it is a
// plain IN query with one question for a name the list allows. The oracle
// is written out here, not borrowed from the plugin.
func FuzzServeDNS(f *testing.F) {
	for _, m := range []*dns.Msg{
		query("allowed.example.", dns.TypeA, true),
		query("A.B.Wild.Example.", dns.TypeAAAA, false),
		query(`a\.b.wild.example.`, dns.TypeTXT, true),
		query("c2VjcmV0.attacker.example.", dns.TypeTXT, true),
		query("wild.example.", dns.TypeA, false),
	} {
		b, err := m.Pack()
		if err != nil {
			f.Fatal(err)
		}
		f.Add(b)
	}
	e, _ := newTestEgress(f, "allowed.example\n*.wild.example\n", nil)
	f.Fuzz(func(t *testing.T, wire []byte) {
		r := new(dns.Msg)
		if r.Unpack(wire) != nil {
			return // CoreDNS drops what miekg/dns cannot unpack
		}
		u := &upstream{}
		e.Next = u
		rec := dnstest.NewRecorder(&test.ResponseWriter{})
		if _, err := e.ServeDNS(context.Background(), rec, r); err != nil {
			t.Fatal(err)
		}
		if u.calls == 0 {
			if rec.Msg == nil {
				t.Fatal("a query that was not forwarded got no answer")
			}
			return
		}
		if r.Response || r.Opcode != dns.OpcodeQuery || len(r.Question) != 1 || r.Question[0].Qclass != dns.ClassINET {
			t.Fatalf("forwarded a query the plugin cannot judge: %v", r)
		}
		name := strings.ToLower(r.Question[0].Name)
		ok := name == "allowed.example." ||
			(strings.HasSuffix(name, ".wild.example.") && !strings.Contains(name, `\`) && !strings.Contains(name, ".."))
		if !ok {
			t.Fatalf("forwarded %q, which the list does not allow", r.Question[0].Name)
		}
	})
}
