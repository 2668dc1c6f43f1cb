package corednsplugin

import (
	"bufio"
	"bytes"
	"fmt"
	"io"
	"math/rand/v2"
	"net"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"

	"github.com/coredns/coredns/plugin/test"
	"github.com/miekg/dns"

	"github.com/openclaw-secure-stack/securestack/auditlog"
	"github.com/openclaw-secure-stack/securestack/internal/testbin"
	"github.com/openclaw-secure-stack/securestack/internal/testport"
)

// countingUpstream is the fake resolver behind forward. It records every
// question it receives, by lower-cased name, and answers A and AAAA with
// public addresses, except for a few names that test the answer filter.
type countingUpstream struct {
	addr string
	mu   sync.Mutex
	seen map[string]int
	nets map[string]int // queries per transport
	srvs []*dns.Server
}

func startUpstream(t *testing.T) *countingUpstream {
	t.Helper()
	u := &countingUpstream{seen: map[string]int{}, nets: map[string]int{}}
	var (
		pc  net.PacketConn
		ln  net.Listener
		err error
	)
	for range 10 {
		if ln, err = net.Listen("tcp", "127.0.0.1:0"); err != nil {
			continue
		}
		if pc, err = net.ListenPacket("udp", ln.Addr().String()); err == nil {
			break
		}
		ln.Close()
	}
	if err != nil {
		t.Fatalf("fake upstream: %v", err)
	}
	u.addr = ln.Addr().String()
	u.srvs = []*dns.Server{{PacketConn: pc, Handler: u}, {Listener: ln, Handler: u}}
	for _, s := range u.srvs {
		started := make(chan struct{})
		s.NotifyStartedFunc = func() { close(started) }
		go s.ActivateAndServe()
		<-started
	}
	t.Cleanup(func() {
		for _, s := range u.srvs {
			s.Shutdown()
		}
	})
	return u
}

func (u *countingUpstream) ServeDNS(w dns.ResponseWriter, r *dns.Msg) {
	m := new(dns.Msg)
	m.SetReply(r)
	if len(r.Question) != 1 {
		m.Rcode = dns.RcodeFormatError
		w.WriteMsg(m)
		return
	}
	q := r.Question[0]
	name := strings.ToLower(q.Name)
	u.mu.Lock()
	u.seen[name]++
	u.nets[w.RemoteAddr().Network()]++
	u.mu.Unlock()

	rr := func(s string) dns.RR {
		x, err := dns.NewRR(s)
		if err != nil {
			panic(err)
		}
		return x
	}
	switch {
	case strings.HasPrefix(name, "cname-out."):
		m.Answer = []dns.RR{rr(q.Name + " 300 IN CNAME c2VjcmV0.attacker.example."), rr("c2VjcmV0.attacker.example. 300 IN A 93.184.215.14")}
	case strings.HasPrefix(name, "cname-in."):
		m.Answer = []dns.RR{rr(q.Name + " 300 IN CNAME target.dot.test."), rr("target.dot.test. 300 IN A 93.184.215.14")}
	case strings.HasPrefix(name, "rebind."):
		m.Answer = []dns.RR{rr(q.Name + " 300 IN A 127.0.0.1"), rr(q.Name + " 300 IN A 10.1.2.3"), rr(q.Name + " 300 IN A 93.184.215.14")}
	case q.Qtype == dns.TypeA:
		m.Answer = []dns.RR{rr(q.Name + " 300 IN A 93.184.215.14")}
	case q.Qtype == dns.TypeAAAA:
		m.Answer = []dns.RR{rr(q.Name + " 300 IN AAAA 2606:4700::6810:84e5")}
	}
	w.WriteMsg(m)
}

func (u *countingUpstream) count(name string) int {
	u.mu.Lock()
	defer u.mu.Unlock()
	return u.seen[name]
}

// syncBuffer is the process's output, written by exec's copier while the
// test reads it.
type syncBuffer struct {
	mu sync.Mutex
	b  bytes.Buffer
}

func (s *syncBuffer) Write(p []byte) (int, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.Write(p)
}

func (s *syncBuffer) String() string {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.String()
}

// coredns is a running bin/coredns.
type coredns struct {
	cmd     *exec.Cmd
	addr    string
	metrics string
	out     *syncBuffer
	exited  chan struct{}
}

func startCoreDNS(t *testing.T, dir, corefile string) *coredns {
	t.Helper()
	port, mport := testport.Port(t), testport.Port(t)
	corefile = strings.NewReplacer("PORT", fmt.Sprint(port), "METRICS", fmt.Sprint(mport)).Replace(corefile)
	conf := filepath.Join(dir, "Corefile")
	if err := os.WriteFile(conf, []byte(corefile), 0o644); err != nil {
		t.Fatal(err)
	}
	c := &coredns{addr: fmt.Sprintf("127.0.0.1:%d", port), metrics: fmt.Sprintf("127.0.0.1:%d", mport), out: &syncBuffer{}, exited: make(chan struct{})}
	c.cmd = exec.Command(testbin.Path(t, "coredns"), "-conf", conf)
	c.cmd.Dir = dir
	c.cmd.Stdout, c.cmd.Stderr = c.out, c.out
	if err := c.cmd.Start(); err != nil {
		t.Fatal(err)
	}
	go func() { c.cmd.Wait(); close(c.exited) }()
	t.Cleanup(func() { c.stop(t) })
	deadline := time.Now().Add(60 * time.Second)
	for {
		cl := dns.Client{Timeout: 500 * time.Millisecond}
		if _, _, err := cl.Exchange(query("ready.probe.", dns.TypeA, false), c.addr); err == nil {
			return c
		}
		select {
		case <-c.exited:
			t.Fatalf("bin/coredns exited:\n%s", c.out)
		default:
		}
		if time.Now().After(deadline) {
			t.Fatalf("bin/coredns did not answer on %s:\n%s", c.addr, c.out)
		}
		time.Sleep(100 * time.Millisecond)
	}
}

// stop ends CoreDNS with SIGTERM, which runs the plugins' shutdown (and so
// closes the audit log).
func (c *coredns) stop(t *testing.T) {
	select {
	case <-c.exited:
		return
	default:
	}
	c.cmd.Process.Signal(syscall.SIGTERM)
	select {
	case <-c.exited:
	case <-time.After(20 * time.Second):
		c.cmd.Process.Kill()
		<-c.exited
		t.Errorf("bin/coredns did not stop on SIGTERM:\n%s", c.out)
	}
}

// genQuery is one generated query and what the test expects of it. The
// expectation comes from how the name was built, never from the plugin.
type genQuery struct {
	name    string // as sent
	canon   string // lower case with the trailing dot, as the upstream records it
	qtype   uint16
	allowed bool
	tcp     bool
}

var qtypes = []uint16{
	dns.TypeA, dns.TypeAAAA, dns.TypeTXT, dns.TypeMX, dns.TypeCNAME, dns.TypeNS, dns.TypeSOA, dns.TypeSRV,
	dns.TypePTR, dns.TypeCAA, dns.TypeHTTPS, dns.TypeSVCB, dns.TypeDS, dns.TypeDNSKEY, dns.TypeANY, dns.TypeNAPTR,
}

const integrationList = `# integration test allowlist
*.wild.test
.dot.test
*.Bücher.test
%s
`

func genName(rng *rand.Rand, i int) (name string, allowed bool) {
	const alnum = "abcdefghijklmnopqrstuvwxyz0123456789"
	label := func(n int) string {
		b := make([]byte, n)
		for j := range b {
			b[j] = alnum[rng.IntN(len(alnum))]
		}
		if n > 2 && rng.IntN(4) == 0 {
			b[n/2] = '-'
		}
		return string(b)
	}
	// A unique first label keeps the cache from hiding a name.
	uniq := fmt.Sprintf("q%d", i)
	rlabel := func() string {
		if rng.IntN(5) == 0 {
			return label(63) // the longest label DNS allows
		}
		return label(1 + rng.IntN(20))
	}
	secret := label(10 + rng.IntN(53))
	switch rng.IntN(16) {
	case 0:
		return fmt.Sprintf("exact-%d.test", rng.IntN(200)), true
	case 1:
		return uniq + "." + rlabel() + ".wild.test", true
	case 2:
		return uniq + "-" + label(63-len(uniq)-1) + "." + label(63) + "." + label(63) + ".wild.test", true // 201 octets
	case 3:
		return uniq + ".dot.test", true
	case 4:
		return uniq + "." + rlabel() + ".xn--bcher-kva.test", true // what a client sends for *.bücher.test
	case 5:
		return uniq + "." + secret + ".attacker.example", false
	case 6:
		return "wild.test", false // the apex of a wildcard entry
	case 7:
		return uniq + ".exact-" + fmt.Sprint(rng.IntN(200)) + ".test", false
	case 8:
		return uniq + ".wild.test." + secret + ".example", false
	case 9:
		return uniq + "xwild.test", false
	case 10:
		return uniq + ".dot.test.attacker.example", false
	case 11:
		return uniq + ".bücher.test", false // raw UTF-8 on the wire is not the punycode name
	case 12:
		return uniq + `\.` + label(8) + ".wild.test", false // an escaped dot: refused by policy
	case 13:
		return uniq + `\000` + ".wild.test", false
	case 14:
		return "exact-" + fmt.Sprint(200+rng.IntN(50)) + ".test", false // not on the list
	default:
		return secret + "." + rlabel(), false // a bare TLD of its own
	}
}

func randomCase(rng *rand.Rand, s string) string {
	b := []byte(s)
	for i, c := range b {
		if 'a' <= c && c <= 'z' && rng.IntN(2) == 0 {
			b[i] = c - 'a' + 'A'
		}
	}
	return string(b)
}

// canonical is the name as the upstream records it: through the wire and
// back (so raw UTF-8 comes back as \DDD escapes), in lower case.
func canonical(name string) string {
	b, err := query(dns.Fqdn(name), dns.TypeA, false).Pack()
	if err != nil {
		panic(fmt.Sprintf("%q: %v", name, err))
	}
	var m dns.Msg
	if err := m.Unpack(b); err != nil {
		panic(err)
	}
	return strings.ToLower(m.Question[0].Name)
}

func TestIntegrationNoBlockedNameReachesUpstream(t *testing.T) {
	dir := t.TempDir()
	up := startUpstream(t)
	var exact strings.Builder
	for i := range 200 {
		fmt.Fprintf(&exact, "exact-%d.test\n", i)
	}
	list := filepath.Join(dir, "allowlist.txt")
	if err := os.WriteFile(list, fmt.Appendf(nil, integrationList, exact.String()), 0o644); err != nil {
		t.Fatal(err)
	}
	audit := filepath.Join(dir, "dns-audit.jsonl")
	cd := startCoreDNS(t, dir, `.:PORT {
    bind 127.0.0.1
    prometheus 127.0.0.1:METRICS
    egress {
        allowlist allowlist.txt
        reload 100ms
        audit_log dns-audit.jsonl sync none
        deny_private_answers
    }
    cache
    forward . `+up.addr+`
}
`)

	rng := rand.New(rand.NewPCG(4, 2026))
	var qs []genQuery
	for i := range 12000 {
		name, allowed := genName(rng, i)
		name = randomCase(rng, name)
		if rng.IntN(2) == 0 {
			name += "."
		}
		qs = append(qs, genQuery{name: dns.Fqdn(name), canon: canonical(name), qtype: qtypes[rng.IntN(len(qtypes))], allowed: allowed, tcp: i%2 == 1})
	}
	answers := exchangeAll(t, cd.addr, qs)

	blocked, allowedNames := 0, map[string]bool{}
	for i, q := range qs {
		r := answers[i]
		if q.allowed {
			allowedNames[q.canon] = true
			if r.Rcode != dns.RcodeSuccess {
				t.Errorf("allowed %q %s: rcode %s", q.name, dns.TypeToString[q.qtype], dns.RcodeToString[r.Rcode])
			}
			if up.count(q.canon) == 0 {
				t.Errorf("allowed %q never reached the upstream", q.name)
			}
			continue
		}
		blocked++
		if r.Rcode != dns.RcodeNameError || ede(r) == nil || ede(r).InfoCode != dns.ExtendedErrorCodeBlocked {
			t.Errorf("blocked %q: rcode %s, EDE %v; want NXDOMAIN with EDE 15", q.name, dns.RcodeToString[r.Rcode], ede(r))
		}
		if n := up.count(q.canon); n != 0 {
			t.Errorf("BLOCKED NAME REACHED THE UPSTREAM %d times: %q", n, q.name)
		}
	}
	// The upstream's own record, read the other way round: it saw nothing
	// but allowed names.
	up.mu.Lock()
	for name := range up.seen {
		if !allowedNames[name] && name != "." && name != "ready.probe." {
			t.Errorf("the upstream saw %q, which is not an allowed name", name)
		}
	}
	if up.nets["udp"] == 0 || up.nets["tcp"] == 0 {
		t.Errorf("the upstream should have seen UDP and TCP queries: %v", up.nets)
	}
	up.mu.Unlock()
	t.Logf("%d queries: %d allowed (%d distinct names reached the upstream), %d blocked, 0 blocked names forwarded",
		len(qs), len(qs)-blocked, len(allowedNames), blocked)
	if blocked < 5000 || len(qs)-blocked < 2000 {
		t.Fatalf("the generator should make plenty of both: %d blocked of %d", blocked, len(qs))
	}

	t.Run("queries the plugin cannot judge are refused and not forwarded", func(t *testing.T) {
		chaos := query("chaos.wild.test.", dns.TypeTXT, true)
		chaos.Question[0].Qclass = dns.ClassCHAOS
		notify := query("notify.wild.test.", dns.TypeSOA, true)
		notify.Opcode = dns.OpcodeNotify
		smuggle := query("smuggle.wild.test.", dns.TypeA, true)
		smuggle.Ns = []dns.RR{test.TXT("c2VjcmV0.smuggle.wild.test. 0 IN TXT data")}
		two := query("two-a.wild.test.", dns.TypeA, false)
		two.Question = append(two.Question, dns.Question{Name: "two-b.wild.test.", Qtype: dns.TypeA, Qclass: dns.ClassINET})
		for _, m := range []*dns.Msg{chaos, notify, smuggle, two} {
			for _, net := range []string{"udp", "tcp"} {
				cl := dns.Client{Net: net, Timeout: 5 * time.Second}
				r, _, err := cl.Exchange(m, cd.addr)
				if err != nil {
					t.Fatalf("%s %v: %v", net, m.Question, err)
				}
				if r.Rcode == dns.RcodeSuccess {
					t.Errorf("%s %v: NOERROR, want a refusal", net, m.Question)
				}
			}
		}
		for _, name := range []string{"chaos.wild.test.", "notify.wild.test.", "smuggle.wild.test.", "two-a.wild.test.", "two-b.wild.test."} {
			if up.count(name) != 0 {
				t.Errorf("%s reached the upstream", name)
			}
		}
	})

	t.Run("a CNAME out of the list is refused, from the cache too", func(t *testing.T) {
		for round := range 2 {
			r := exchange(t, cd.addr, "udp", query("cname-out.wild.test.", dns.TypeA, true))
			if r.Rcode != dns.RcodeRefused {
				t.Errorf("round %d: rcode %s, want REFUSED", round, dns.RcodeToString[r.Rcode])
			}
		}
		if n := up.count("cname-out.wild.test."); n != 1 {
			t.Errorf("the upstream saw cname-out %d times; want 1, the second answer coming from the cache", n)
		}
		if up.count("c2VjcmV0.attacker.example.") != 0 {
			t.Error("the CNAME target reached the upstream")
		}
		r := exchange(t, cd.addr, "tcp", query("cname-in.wild.test.", dns.TypeA, true))
		if r.Rcode != dns.RcodeSuccess || len(r.Answer) != 2 {
			t.Errorf("a CNAME inside the list: %v", r)
		}
	})

	t.Run("deny_private_answers drops internal addresses", func(t *testing.T) {
		r := exchange(t, cd.addr, "udp", query("rebind.wild.test.", dns.TypeA, true))
		if len(r.Answer) != 1 || r.Answer[0].(*dns.A).A.String() != "93.184.215.14" {
			t.Errorf("answer %v, want only the public address", r.Answer)
		}
	})

	t.Run("a changed allowlist applies without a restart", func(t *testing.T) {
		if r := exchange(t, cd.addr, "udp", query("newly.test.", dns.TypeA, true)); r.Rcode != dns.RcodeNameError {
			t.Fatalf("newly.test before the change: %s", dns.RcodeToString[r.Rcode])
		}
		if r := exchange(t, cd.addr, "udp", query("cached.dot.test.", dns.TypeA, true)); r.Rcode != dns.RcodeSuccess {
			t.Fatalf("cached.dot.test before the change: %s", dns.RcodeToString[r.Rcode])
		}
		rewrite(t, list, "newly.test\n")
		waitFor(t, func() bool {
			return exchange(t, cd.addr, "udp", query("newly.test.", dns.TypeA, true)).Rcode == dns.RcodeSuccess
		})
		// Its answer is still in the cache: only egress running before
		// cache keeps it from being served.
		if r := exchange(t, cd.addr, "udp", query("cached.dot.test.", dns.TypeA, true)); r.Rcode != dns.RcodeNameError {
			t.Errorf("a name dropped from the list is still answered (%s): the cache runs before egress", dns.RcodeToString[r.Rcode])
		}
		rewrite(t, list, "newly.test\nbad entry\n")
		time.Sleep(500 * time.Millisecond)
		if exchange(t, cd.addr, "udp", query("newly.test.", dns.TypeA, true)).Rcode != dns.RcodeSuccess {
			t.Error("a bad file replaced the last good list")
		}
		if !strings.Contains(cd.out.String(), "allowlist.txt:2") {
			t.Errorf("the reload error does not name the file and line:\n%s", cd.out)
		}
	})

	t.Run("metrics count results and show the list", func(t *testing.T) {
		res, err := http.Get("http://" + cd.metrics + "/metrics")
		if err != nil {
			t.Fatal(err)
		}
		body, _ := io.ReadAll(res.Body)
		res.Body.Close()
		server := "dns://" + cd.addr
		for _, want := range []string{
			`coredns_egress_requests_total{result="blocked",server="` + server + `"}`,
			`coredns_egress_requests_total{result="allowed",server="` + server + `"}`,
			`coredns_egress_requests_total{result="refused",server="` + server + `"}`,
			`coredns_egress_answers_filtered_total{reason="name",server="` + server + `"}`,
			`coredns_egress_answers_filtered_total{reason="private",server="` + server + `"}`,
			`coredns_egress_allowlist_entries{server="` + server + `"} 1`,
			`coredns_egress_allowlist_reload_timestamp_seconds{server="` + server + `"}`,
			`coredns_egress_allowlist_reload_errors_total{server="` + server + `"} 1`,
		} {
			if !bytes.Contains(body, []byte(want)) {
				t.Errorf("metrics lack %s", want)
			}
		}
	})

	t.Run("a Corefile reload with a bad allowlist keeps the running server", func(t *testing.T) {
		cd.cmd.Process.Signal(syscall.SIGUSR1)
		waitForOutput(t, cd, "Restart failed")
		if r := exchange(t, cd.addr, "udp", query("newly.test.", dns.TypeA, true)); r.Rcode != dns.RcodeSuccess {
			t.Errorf("after the failed reload: %s", dns.RcodeToString[r.Rcode])
		}
	})

	t.Run("a Corefile reload that changes the audit options is refused and says to restart", func(t *testing.T) {
		rewrite(t, list, "newly.test\n")
		conf := filepath.Join(dir, "Corefile")
		orig, err := os.ReadFile(conf)
		if err != nil {
			t.Fatal(err)
		}
		changed := strings.Replace(string(orig), "audit_log dns-audit.jsonl sync none", "audit_log dns-audit.jsonl sync batch", 1)
		if changed == string(orig) {
			t.Fatal("the test Corefile no longer has the audit_log line this test edits")
		}
		rewrite(t, conf, changed)
		before := strings.Count(cd.out.String(), "Restart failed")
		cd.cmd.Process.Signal(syscall.SIGUSR1)
		waitFor(t, func() bool { return strings.Count(cd.out.String(), "Restart failed") > before })
		if !strings.Contains(cd.out.String(), "restart to apply the new options") {
			t.Errorf("the refused reload does not say to restart:\n%s", cd.out)
		}
		if r := exchange(t, cd.addr, "udp", query("newly.test.", dns.TypeA, true)); r.Rcode != dns.RcodeSuccess {
			t.Errorf("after the refused reload: %s", dns.RcodeToString[r.Rcode])
		}
		rewrite(t, conf, string(orig))
	})

	t.Run("a Corefile reload shares the open audit log and keeps the counters", func(t *testing.T) {
		blockedBefore := metricValue(t, cd, `coredns_egress_requests_total{result="blocked",server="dns://`+cd.addr+`"}`)
		cd.cmd.Process.Signal(syscall.SIGUSR1)
		waitForOutput(t, cd, "Reloading complete")
		if r := exchange(t, cd.addr, "udp", query("after-reload.attacker.example.", dns.TypeA, true)); r.Rcode != dns.RcodeNameError {
			t.Errorf("after the reload: %s", dns.RcodeToString[r.Rcode])
		}
		if after := metricValue(t, cd, `coredns_egress_requests_total{result="blocked",server="dns://`+cd.addr+`"}`); after != blockedBefore+1 {
			t.Errorf("blocked counter %v after the reload and one more blocked query, want %v: the reload reset it", after, blockedBefore+1)
		}
	})

	t.Run("the audit log records every blocked query", func(t *testing.T) {
		cd.stop(t)
		n := 0
		var sawReload bool
		for _, l := range readAudit(t, audit) {
			if l.Outcome == "blocked" {
				n++
				sawReload = sawReload || l.Fields["qname"] == "after-reload.attacker.example."
			}
		}
		// blocked generated queries, newly.test once, cached.dot.test once, the one after the reload
		if want := blocked + 3; n < want {
			t.Errorf("%d blocked records, want at least %d", n, want)
		}
		if !sawReload {
			t.Error("the query after the Corefile reload was not audited")
		}
		// One chain across the reload: the new instance wrote on after the old one.
		if rep, err := auditlog.Verify([]string{audit}, auditlog.VerifyOptions{}); err != nil || rep.Problem != nil {
			t.Errorf("the audit chain does not verify across the reload: %v %+v", err, rep)
		}
	})
}

func exchange(t *testing.T, addr, network string, m *dns.Msg) *dns.Msg {
	t.Helper()
	cl := dns.Client{Net: network, Timeout: 5 * time.Second}
	var err error
	for range 3 {
		var r *dns.Msg
		if r, _, err = cl.Exchange(m, addr); err == nil {
			return r
		}
	}
	t.Fatalf("%s %v: %v", network, m.Question, err)
	return nil
}

// exchangeAll sends the queries from a few workers, each with one UDP and
// one TCP connection, and returns the answers in order.
func exchangeAll(t *testing.T, addr string, qs []genQuery) []*dns.Msg {
	t.Helper()
	answers := make([]*dns.Msg, len(qs))
	next := make(chan int)
	var wg sync.WaitGroup
	errs := make(chan error, 16)
	for range 16 {
		wg.Go(func() {
			for i := range next {
				q := qs[i]
				m := query(q.name, q.qtype, true)
				network := "udp"
				if q.tcp {
					network = "tcp"
				}
				cl := dns.Client{Net: network, Timeout: 5 * time.Second}
				var err error
				for range 3 {
					if answers[i], _, err = cl.Exchange(m, addr); err == nil {
						break
					}
				}
				if err != nil {
					select {
					case errs <- fmt.Errorf("%s %q: %w", network, q.name, err):
					default:
					}
				}
			}
		})
	}
	for i := range qs {
		next <- i
	}
	close(next)
	wg.Wait()
	close(errs)
	for err := range errs {
		t.Fatal(err)
	}
	return answers
}

func waitForOutput(t *testing.T, c *coredns, s string) {
	t.Helper()
	deadline := time.Now().Add(15 * time.Second)
	for !strings.Contains(c.out.String(), s) {
		if time.Now().After(deadline) {
			t.Fatalf("bin/coredns did not log %q within 15s:\n%s", s, c.out)
		}
		time.Sleep(50 * time.Millisecond)
	}
}

func waitFor(t *testing.T, cond func() bool) {
	t.Helper()
	deadline := time.Now().Add(15 * time.Second)
	for !cond() {
		if time.Now().After(deadline) {
			t.Fatal("condition not met within 15s")
		}
		time.Sleep(50 * time.Millisecond)
	}
}

// TestExampleCorefile runs examples/coredns as the README tells operators
// to, with only the ports and the upstream swapped for the test's own.
func TestExampleCorefile(t *testing.T) {
	root, err := testbin.ModuleRoot()
	if err != nil {
		t.Fatal(err)
	}
	example := filepath.Join(root, "examples", "coredns")
	corefile, err := os.ReadFile(filepath.Join(example, "Corefile"))
	if err != nil {
		t.Fatal(err)
	}
	list, err := os.ReadFile(filepath.Join(example, "allowlist.txt"))
	if err != nil {
		t.Fatal(err)
	}
	dir := t.TempDir()
	if err := os.WriteFile(filepath.Join(dir, "allowlist.txt"), list, 0o644); err != nil {
		t.Fatal(err)
	}
	// The key the Corefile's comment makes: 32 random bytes, hex, owner-only.
	if err := os.WriteFile(filepath.Join(dir, "audit.key"), []byte(strings.Repeat("5e", 32)+"\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	up := startUpstream(t)
	conf := string(corefile)
	for old, new := range map[string]string{".:5353 {": ".:PORT {", "prometheus 127.0.0.1:9153": "prometheus 127.0.0.1:METRICS", "forward . 1.1.1.1 9.9.9.9": "forward . " + up.addr} {
		if !strings.Contains(conf, old) {
			t.Fatalf("examples/coredns/Corefile no longer has %q; update this test with it", old)
		}
		conf = strings.Replace(conf, old, new, 1)
	}
	cd := startCoreDNS(t, dir, conf)
	if r := exchange(t, cd.addr, "udp", query("api.openai.com.", dns.TypeA, true)); r.Rcode != dns.RcodeSuccess || len(r.Answer) != 1 {
		t.Errorf("api.openai.com: %v", r)
	}
	if r := exchange(t, cd.addr, "udp", query("c2VjcmV0.attacker.example.", dns.TypeA, true)); r.Rcode != dns.RcodeNameError {
		t.Errorf("a blocked name: %s", dns.RcodeToString[r.Rcode])
	}
	if up.count("c2VjcmV0.attacker.example.") != 0 {
		t.Error("the blocked name reached the upstream")
	}
	cd.stop(t)
	found := false
	for _, r := range readAudit(t, filepath.Join(dir, "dns-audit.jsonl")) {
		found = found || (r.Outcome == "blocked" && r.Fields["qname"] == "c2VjcmV0.attacker.example.")
	}
	if !found {
		t.Error("the blocked query is not in dns-audit.jsonl")
	}
	// The log is keyed: it verifies with audit.key and not as a plain chain.
	key, err := auditlog.ReadKeyFile(filepath.Join(dir, "audit.key"))
	if err != nil {
		t.Fatal(err)
	}
	files, err := auditlog.Files(filepath.Join(dir, "dns-audit.jsonl"))
	if err != nil {
		t.Fatal(err)
	}
	if rep, err := auditlog.Verify(files, auditlog.VerifyOptions{Key: key}); err != nil || rep.Problem != nil {
		t.Errorf("the example's log does not verify with its key: %v %+v", err, rep)
	}
	if rep, err := auditlog.Verify(files, auditlog.VerifyOptions{}); err == nil && rep.Problem == nil {
		t.Error("the example's log verifies without a key: it is not keyed")
	}
}

func TestPluginsListsEgress(t *testing.T) {
	out, err := exec.Command(testbin.Path(t, "coredns"), "-plugins").CombinedOutput()
	if err != nil {
		t.Fatalf("coredns -plugins: %v\n%s", err, out)
	}
	if !slices.Contains(strings.Fields(string(out)), "egress") {
		t.Errorf("coredns -plugins does not list egress:\n%s", out)
	}
}

// metricValue reads one sample of CoreDNS's /metrics by its exact name and labels.
func metricValue(t *testing.T, c *coredns, series string) float64 {
	t.Helper()
	res, err := http.Get("http://" + c.metrics + "/metrics")
	if err != nil {
		t.Fatal(err)
	}
	defer res.Body.Close()
	sc := bufio.NewScanner(res.Body)
	for sc.Scan() {
		if v, ok := strings.CutPrefix(sc.Text(), series+" "); ok {
			f, err := strconv.ParseFloat(v, 64)
			if err != nil {
				t.Fatalf("%s: %v", series, err)
			}
			return f
		}
	}
	t.Fatalf("/metrics has no %s", series)
	return 0
}
