package corednsplugin

import (
	"context"
	"fmt"
	"net"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/coredns/coredns/plugin"
	"github.com/coredns/coredns/plugin/pkg/dnstest"
	"github.com/coredns/coredns/plugin/test"
	"github.com/miekg/dns"
	"github.com/prometheus/client_golang/prometheus"
	dto "github.com/prometheus/client_model/go"
)

const testList = `
allowed.example
*.wild.example
.dot.example
10.1.0.0/16
`

// testLogger collects what the plugin logs.
type testLogger struct {
	mu    sync.Mutex
	lines []string
}

func (l *testLogger) add(level, format string, v ...any) {
	l.mu.Lock()
	defer l.mu.Unlock()
	l.lines = append(l.lines, level+" "+fmt.Sprintf(format, v...))
}
func (l *testLogger) Infof(f string, v ...any)    { l.add("INFO", f, v...) }
func (l *testLogger) Warningf(f string, v ...any) { l.add("WARNING", f, v...) }
func (l *testLogger) Errorf(f string, v ...any)   { l.add("ERROR", f, v...) }

func (l *testLogger) count(level string) int {
	l.mu.Lock()
	defer l.mu.Unlock()
	n := 0
	for _, s := range l.lines {
		if strings.HasPrefix(s, level+" ") {
			n++
		}
	}
	return n
}

var testClock = func() time.Time { return time.Date(2026, 1, 2, 3, 4, 5, 0, time.UTC) }

func writeList(t testing.TB, dir, text string) string {
	t.Helper()
	p := filepath.Join(dir, "allow.txt")
	if err := os.WriteFile(p, []byte(text), 0o644); err != nil {
		t.Fatal(err)
	}
	return p
}

func newTestEgress(t testing.TB, list string, mod func(*config)) (*Egress, *testLogger) {
	t.Helper()
	cfg := config{files: []string{writeList(t, t.TempDir(), list)}, blockRcode: dns.RcodeNameError}
	if mod != nil {
		mod(&cfg)
	}
	log := &testLogger{}
	e, err := newEgress(cfg, log, testClock)
	if err != nil {
		t.Fatal(err)
	}
	return e, log
}

// upstream stands for the rest of the chain (cache, forward): it counts the
// queries that reach it and answers with answer(r).
type upstream struct {
	calls  int
	last   *dns.Msg
	answer func(r *dns.Msg) *dns.Msg
}

func (u *upstream) Name() string { return "upstream" }
func (u *upstream) ServeDNS(_ context.Context, w dns.ResponseWriter, r *dns.Msg) (int, error) {
	u.calls++
	u.last = r
	m := new(dns.Msg)
	if u.answer != nil {
		m = u.answer(r)
	} else {
		m.SetReply(r)
		m.Answer = []dns.RR{test.A(r.Question[0].Name + " 60 IN A 93.184.215.14")}
	}
	w.WriteMsg(m)
	return dns.RcodeSuccess, nil
}

func query(name string, qtype uint16, edns bool) *dns.Msg {
	m := new(dns.Msg)
	m.SetQuestion(name, qtype)
	if edns {
		m.SetEdns0(1232, false)
	}
	return m
}

func ede(m *dns.Msg) *dns.EDNS0_EDE {
	if opt := m.IsEdns0(); opt != nil {
		for _, o := range opt.Option {
			if e, ok := o.(*dns.EDNS0_EDE); ok {
				return e
			}
		}
	}
	return nil
}

func serve(t *testing.T, e *Egress, u *upstream, r *dns.Msg) *dns.Msg {
	t.Helper()
	e.Next = u
	rec := dnstest.NewRecorder(&test.ResponseWriter{})
	rcode, err := e.ServeDNS(context.Background(), rec, r)
	if err != nil {
		t.Fatalf("ServeDNS: %v", err)
	}
	if rcode != dns.RcodeSuccess {
		t.Fatalf("ServeDNS returned rcode %s; the plugin writes its own answers", dns.RcodeToString[rcode])
	}
	if rec.Msg == nil {
		t.Fatal("no answer was written")
	}
	return rec.Msg
}

func TestServeDNSJudgesQueries(t *testing.T) {
	twoQuestions := query("allowed.example.", dns.TypeA, false)
	twoQuestions.Question = append(twoQuestions.Question, dns.Question{Name: "other.example.", Qtype: dns.TypeA, Qclass: dns.ClassINET})
	chaos := query("allowed.example.", dns.TypeTXT, false)
	chaos.Question[0].Qclass = dns.ClassCHAOS
	notify := query("allowed.example.", dns.TypeSOA, false)
	notify.Opcode = dns.OpcodeNotify
	update := query("allowed.example.", dns.TypeSOA, false)
	update.Opcode = dns.OpcodeUpdate
	response := query("allowed.example.", dns.TypeA, false)
	response.Response = true
	withAnswer := query("allowed.example.", dns.TypeA, false)
	withAnswer.Answer = []dns.RR{test.TXT("allowed.example. 0 IN TXT c2VjcmV0")}
	withExtra := query("allowed.example.", dns.TypeA, true)
	withExtra.Extra = append(withExtra.Extra, test.TXT("x.example. 0 IN TXT c2VjcmV0"))
	noQuestion := query("allowed.example.", dns.TypeA, false)
	noQuestion.Question = nil

	tests := []struct {
		name        string
		q           *dns.Msg
		block       int
		wantRcode   int
		wantForward bool
		wantEDE     bool
	}{
		{"an exact entry is forwarded", query("allowed.example.", dns.TypeA, true), 0, dns.RcodeSuccess, true, false},
		{"a name in mixed case is forwarded", query("AlLoWeD.ExAmPlE.", dns.TypeAAAA, false), 0, dns.RcodeSuccess, true, false},
		{"a subdomain of a wildcard entry is forwarded", query("a.b.wild.example.", dns.TypeHTTPS, true), 0, dns.RcodeSuccess, true, false},
		{"the apex of a dot entry is forwarded", query("dot.example.", dns.TypeMX, false), 0, dns.RcodeSuccess, true, false},
		{"a name off the list gets NXDOMAIN with EDE 15", query("c2VjcmV0.attacker.example.", dns.TypeA, true), 0, dns.RcodeNameError, false, true},
		{"a name off the list without EDNS gets NXDOMAIN and no OPT", query("c2VjcmV0.attacker.example.", dns.TypeA, false), 0, dns.RcodeNameError, false, false},
		{"block refused answers REFUSED", query("attacker.example.", dns.TypeTXT, true), dns.RcodeRefused, dns.RcodeRefused, false, true},
		{"the apex of a wildcard entry is blocked", query("wild.example.", dns.TypeA, true), 0, dns.RcodeNameError, false, true},
		{"a subdomain of an exact entry is blocked", query("x.allowed.example.", dns.TypeA, true), 0, dns.RcodeNameError, false, true},
		{"a look-alike suffix is blocked", query("allowed.example.attacker.example.", dns.TypeA, true), 0, dns.RcodeNameError, false, true},
		{"an escaped dot under a wildcard is blocked", query(`a\.b.wild.example.`, dns.TypeA, true), 0, dns.RcodeNameError, false, true},
		{"an escaped byte under a wildcard is blocked", query(`\255.wild.example.`, dns.TypeA, true), 0, dns.RcodeNameError, false, true},
		{"the root is blocked", query(".", dns.TypeNS, true), 0, dns.RcodeNameError, false, true},
		{"two questions are refused", twoQuestions, 0, dns.RcodeRefused, false, false},
		{"no question is refused", noQuestion, 0, dns.RcodeRefused, false, false},
		{"class CHAOS is refused", chaos, 0, dns.RcodeRefused, false, false},
		{"opcode NOTIFY is refused", notify, 0, dns.RcodeRefused, false, false},
		{"opcode UPDATE is refused", update, 0, dns.RcodeRefused, false, false},
		{"a message with QR set is refused", response, 0, dns.RcodeRefused, false, false},
		{"a query carrying an answer record is refused", withAnswer, 0, dns.RcodeRefused, false, false},
		{"a query carrying an extra record is refused", withExtra, 0, dns.RcodeRefused, false, false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			e, _ := newTestEgress(t, testList, func(c *config) {
				if tt.block != 0 {
					c.blockRcode = tt.block
				}
			})
			u := &upstream{}
			got := serve(t, e, u, tt.q)
			if got.Rcode != tt.wantRcode {
				t.Errorf("rcode = %s, want %s", dns.RcodeToString[got.Rcode], dns.RcodeToString[tt.wantRcode])
			}
			if forwarded := u.calls > 0; forwarded != tt.wantForward {
				t.Errorf("forwarded = %v, want %v", forwarded, tt.wantForward)
			}
			x := ede(got)
			if tt.wantEDE && (x == nil || x.InfoCode != dns.ExtendedErrorCodeBlocked) {
				t.Errorf("want EDE 15 (Blocked), got %v", got.Extra)
			}
			if !tt.wantEDE && !tt.wantForward && tt.q.IsEdns0() == nil && got.IsEdns0() != nil {
				t.Error("an OPT record went to a client that did not send one")
			}
		})
	}
}

func TestServeDNSStripsEDNSOptions(t *testing.T) {
	e, _ := newTestEgress(t, testList, nil)
	q := query("allowed.example.", dns.TypeA, true)
	opt := q.IsEdns0()
	opt.SetDo()
	opt.Option = []dns.EDNS0{
		&dns.EDNS0_SUBNET{Code: dns.EDNS0SUBNET, Family: 1, SourceNetmask: 24, Address: net.IPv4(198, 51, 100, 0)},
		&dns.EDNS0_LOCAL{Code: 65001, Data: []byte("c2VjcmV0")},
	}
	u := &upstream{}
	serve(t, e, u, q)
	if u.calls != 1 {
		t.Fatalf("not forwarded")
	}
	fwd := u.last.IsEdns0()
	if fwd == nil || len(fwd.Option) != 0 || !fwd.Do() || fwd.UDPSize() != 1232 {
		t.Errorf("forwarded OPT = %v; want the options gone and DO and the size kept", fwd)
	}
}

func TestAnswerFilter(t *testing.T) {
	rrs := func(s ...string) []dns.RR {
		var out []dns.RR
		for _, x := range s {
			rr, err := dns.NewRR(x)
			if err != nil {
				panic(err)
			}
			out = append(out, rr)
		}
		return out
	}
	tests := []struct {
		name        string
		qname       string
		answer      []dns.RR
		extra       []dns.RR
		denyPrivate bool
		wantRcode   int
		wantAnswer  int // records left in the answer section
		wantExtra   int // records left besides OPT
	}{
		{
			name: "a CNAME chain inside the list passes", qname: "a.wild.example.",
			answer:    rrs("a.wild.example. 60 IN CNAME b.wild.example.", "b.wild.example. 60 IN CNAME dot.example.", "dot.example. 60 IN A 93.184.215.14"),
			wantRcode: dns.RcodeSuccess, wantAnswer: 3,
		},
		{
			name: "a CNAME to a name off the list is refused", qname: "allowed.example.",
			answer:    rrs("allowed.example. 60 IN CNAME c2VjcmV0.attacker.example.", "c2VjcmV0.attacker.example. 60 IN A 93.184.215.14"),
			wantRcode: dns.RcodeRefused,
		},
		{
			name: "a CNAME at the end of a chain off the list is refused", qname: "a.wild.example.",
			answer:    rrs("a.wild.example. 60 IN CNAME dot.example.", "dot.example. 60 IN CNAME attacker.example."),
			wantRcode: dns.RcodeRefused,
		},
		{
			name: "a DNAME to a name off the list is refused", qname: "a.dot.example.",
			answer:    rrs("dot.example. 60 IN DNAME attacker.example.", "a.dot.example. 60 IN CNAME a.attacker.example."),
			wantRcode: dns.RcodeRefused,
		},
		{
			name: "an answer record owned by a name off the list is refused", qname: "allowed.example.",
			answer:    rrs("allowed.example. 60 IN A 93.184.215.14", "attacker.example. 60 IN A 93.184.215.15"),
			wantRcode: dns.RcodeRefused,
		},
		{
			name: "the question name in another case passes", qname: "allowed.example.",
			answer:    rrs("ALLOWED.example. 60 IN A 93.184.215.14"),
			wantRcode: dns.RcodeSuccess, wantAnswer: 1,
		},
		{
			name: "private answers pass when deny_private_answers is off", qname: "allowed.example.",
			answer:    rrs("allowed.example. 60 IN A 10.0.0.1", "allowed.example. 60 IN A 127.0.0.1"),
			wantRcode: dns.RcodeSuccess, wantAnswer: 2,
		},
		{
			name: "private, loopback, link-local and CGNAT addresses are dropped", qname: "allowed.example.", denyPrivate: true,
			answer: rrs("allowed.example. 60 IN A 10.0.0.1", "allowed.example. 60 IN A 127.0.0.1", "allowed.example. 60 IN A 169.254.169.254",
				"allowed.example. 60 IN A 100.64.0.1", "allowed.example. 60 IN A 172.16.5.4", "allowed.example. 60 IN A 192.168.1.1",
				"allowed.example. 60 IN A 0.0.0.0", "allowed.example. 60 IN A 93.184.215.14"),
			wantRcode: dns.RcodeSuccess, wantAnswer: 1,
		},
		{
			name: "internal IPv6 addresses are dropped, including mapped and NAT64 ones", qname: "allowed.example.", denyPrivate: true,
			answer: rrs("allowed.example. 60 IN AAAA ::1", "allowed.example. 60 IN AAAA fe80::1", "allowed.example. 60 IN AAAA fd00::1",
				"allowed.example. 60 IN AAAA ::ffff:192.168.0.1", "allowed.example. 60 IN AAAA 64:ff9b::7f00:1", "allowed.example. 60 IN AAAA ::",
				"allowed.example. 60 IN AAAA 2606:4700::1111"),
			wantRcode: dns.RcodeSuccess, wantAnswer: 1,
		},
		{
			name: "an HTTPS record with an internal address hint is dropped", qname: "allowed.example.", denyPrivate: true,
			answer:    rrs(`allowed.example. 60 IN HTTPS 1 . alpn="h2" ipv4hint="127.0.0.1"`, `allowed.example. 60 IN HTTPS 2 . ipv6hint="2606:4700::1"`),
			wantRcode: dns.RcodeSuccess, wantAnswer: 1,
		},
		{
			name: "an internal address in the additional section is dropped", qname: "allowed.example.", denyPrivate: true,
			answer:    rrs("allowed.example. 60 IN MX 10 mx.allowed.example."),
			extra:     rrs("mx.allowed.example. 60 IN A 10.9.9.9"),
			wantRcode: dns.RcodeSuccess, wantAnswer: 1, wantExtra: 0,
		},
		{
			name: "an internal address the list names by CIDR is kept", qname: "allowed.example.", denyPrivate: true,
			answer:    rrs("allowed.example. 60 IN A 10.1.2.3", "allowed.example. 60 IN A 10.2.2.3"),
			wantRcode: dns.RcodeSuccess, wantAnswer: 1,
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			e, _ := newTestEgress(t, testList, func(c *config) { c.denyPrivate = tt.denyPrivate })
			var sent *dns.Msg
			u := &upstream{answer: func(r *dns.Msg) *dns.Msg {
				m := new(dns.Msg)
				m.SetReply(r)
				m.Answer = tt.answer
				m.Extra = append(tt.extra, m.Extra...)
				sent = m
				return m
			}}
			before := len(tt.answer)
			got := serve(t, e, u, query(tt.qname, dns.TypeA, true))
			if got.Rcode != tt.wantRcode {
				t.Fatalf("rcode = %s, want %s", dns.RcodeToString[got.Rcode], dns.RcodeToString[tt.wantRcode])
			}
			if tt.wantRcode == dns.RcodeRefused {
				if len(got.Answer) != 0 || ede(got) == nil {
					t.Errorf("a refusal should carry no answer and an EDE: %v", got)
				}
				return
			}
			extra := 0
			for _, rr := range got.Extra {
				if rr.Header().Rrtype != dns.TypeOPT {
					extra++
				}
			}
			if len(got.Answer) != tt.wantAnswer || extra != tt.wantExtra {
				t.Errorf("answer %d, extra %d records; want %d and %d:\n%v", len(got.Answer), extra, tt.wantAnswer, tt.wantExtra, got)
			}
			if len(sent.Answer) != before {
				t.Error("the upstream's message was changed in place; the cache may hold it")
			}
		})
	}
}

func TestAnswerFilterWritesEveryMessage(t *testing.T) {
	e, _ := newTestEgress(t, testList, nil)
	tests := []struct {
		name  string
		write func(w dns.ResponseWriter, r *dns.Msg)
		want  []int // rcodes the client gets, in order
	}{
		{"bytes that do not unpack are refused", func(w dns.ResponseWriter, r *dns.Msg) { w.Write([]byte{1, 2, 3}) }, []int{dns.RcodeRefused}},
		{"bytes that unpack are judged and written", func(w dns.ResponseWriter, r *dns.Msg) {
			m := new(dns.Msg)
			m.SetReply(r)
			b, _ := m.Pack()
			w.Write(b)
		}, []int{dns.RcodeSuccess}},
		{"several messages are all written, in order", func(w dns.ResponseWriter, r *dns.Msg) {
			m := new(dns.Msg)
			m.SetReply(r)
			w.WriteMsg(m)
			w.WriteMsg(new(dns.Msg).SetRcode(r, dns.RcodeNameError))
			m = new(dns.Msg)
			m.SetReply(r)
			m.Answer = []dns.RR{test.CNAME("allowed.example. 60 IN CNAME attacker.example.")}
			w.WriteMsg(m)
		}, []int{dns.RcodeSuccess, dns.RcodeNameError, dns.RcodeRefused}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			e.Next = plugin.HandlerFunc(func(_ context.Context, w dns.ResponseWriter, r *dns.Msg) (int, error) {
				tt.write(w, r)
				return dns.RcodeSuccess, nil
			})
			rec := &multiRecorder{ResponseWriter: &test.ResponseWriter{}}
			if _, err := e.ServeDNS(context.Background(), rec, query("allowed.example.", dns.TypeA, false)); err != nil {
				t.Fatal(err)
			}
			var got []int
			for _, m := range rec.msgs {
				got = append(got, m.Rcode)
			}
			if !slices.Equal(got, tt.want) {
				t.Errorf("rcodes written %v, want %v", got, tt.want)
			}
		})
	}
}

type multiRecorder struct {
	dns.ResponseWriter
	msgs []*dns.Msg
}

func (m *multiRecorder) WriteMsg(res *dns.Msg) error {
	m.msgs = append(m.msgs, res)
	return nil
}

func TestServeDNSCountsResults(t *testing.T) {
	e, _ := newTestEgress(t, testList, nil)
	read := func(result string) float64 { return counterValue(t, requestCount.WithLabelValues("", result)) }
	allowed, blocked, refused := read("allowed"), read("blocked"), read("refused")
	chaos := query("allowed.example.", dns.TypeA, false)
	chaos.Question[0].Qclass = dns.ClassCHAOS
	for _, q := range []*dns.Msg{query("allowed.example.", dns.TypeA, false), query("x.example.", dns.TypeA, false), query("y.example.", dns.TypeA, false), chaos} {
		serve(t, e, &upstream{}, q)
	}
	if d := read("allowed") - allowed; d != 1 {
		t.Errorf("allowed went up by %v, want 1", d)
	}
	if d := read("blocked") - blocked; d != 2 {
		t.Errorf("blocked went up by %v, want 2", d)
	}
	if d := read("refused") - refused; d != 1 {
		t.Errorf("refused went up by %v, want 1", d)
	}
}

// BenchmarkServeDNS measures the plugin in process, against a cheap
// stand-in for cache and forward; "stand-in alone" is that stand-in without
// the plugin, so the difference is the plugin's own cost per query.
func BenchmarkServeDNS(b *testing.B) {
	e, _ := newTestEgress(b, testList, func(c *config) { c.denyPrivate = true })
	answer := []dns.RR{test.A("a.b.wild.example. 60 IN A 93.184.215.14")}
	standIn := &upstream{answer: func(r *dns.Msg) *dns.Msg {
		m := new(dns.Msg)
		m.SetReply(r)
		m.Answer = answer
		return m
	}}
	e.Next = standIn
	e.servers = []string{""} // the server label a bare context gives
	if err := e.start(); err != nil {
		b.Fatal(err)
	}
	defer e.stop()
	ctx := context.Background()
	for _, c := range []struct {
		name string
		h    plugin.Handler
		q    string
	}{
		{"stand-in alone", standIn, "a.b.wild.example."},
		{"allowed", e, "a.b.wild.example."},
		{"blocked", e, "c2VjcmV0.attacker.example."},
	} {
		b.Run(c.name, func(b *testing.B) {
			q := query(c.q, dns.TypeA, true)
			w := &test.ResponseWriter{}
			b.ReportAllocs()
			for b.Loop() {
				c.h.ServeDNS(ctx, w, q)
			}
		})
	}
}

func counterValue(t testing.TB, c prometheus.Counter) float64 {
	t.Helper()
	var m dto.Metric
	if err := c.Write(&m); err != nil {
		t.Fatal(err)
	}
	return m.GetCounter().GetValue()
}
