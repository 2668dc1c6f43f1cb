package egressproxy

import (
	"bufio"
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"net"
	"net/http"
	"net/http/httptest"
	"net/url"
	"os"
	"path/filepath"
	"strconv"
	"sync"
	"testing"
	"time"

	"github.com/caddyserver/caddy/v2"
	"github.com/caddyserver/caddy/v2/modules/caddyhttp"
	"github.com/prometheus/client_golang/prometheus"
	dto "github.com/prometheus/client_model/go"

	"github.com/openclaw-secure-stack/securestack/auditlog"
	"github.com/openclaw-secure-stack/securestack/caddyplugin/internal/auditcfg"
)

// inProcess is an egress_proxy served by an httptest server in this test,
// in front of a target on 127.0.0.1 that raw-IP requests may reach
// (allow_cidr 127.0.0.0/8); 10.9.9.9 is refused before any dial.
type inProcess struct {
	p       *Proxy
	srv     *httptest.Server
	target  string // 127.0.0.1:port
	audit   string
	client  *http.Client
	cleaned bool
}

func startInProcess(t testing.TB, mode AuditMode, opts map[string]string) *inProcess {
	t.Helper()
	target := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		io.Copy(io.Discard, r.Body)
		io.WriteString(w, "ok from the target")
	}))
	t.Cleanup(target.Close)
	return proxyFor(t, mode, opts, target.Listener.Addr().String())
}

// proxyFor is startInProcess in front of the target at addr (127.0.0.1:port).
func proxyFor(t testing.TB, mode AuditMode, opts map[string]string, addr string) *inProcess {
	t.Helper()
	dir := t.TempDir()
	_, tport, _ := net.SplitHostPort(addr)
	port, _ := strconv.Atoi(tport)
	list := filepath.Join(dir, "allowlist.txt")
	if err := os.WriteFile(list, []byte("example.com\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	ip := &inProcess{target: addr, audit: filepath.Join(dir, "audit.jsonl")}
	ip.p = &Proxy{Allowlist: []string{list}, AllowCIDR: []string{"127.0.0.0/8"}, Ports: []int{port}, Resolvers: []string{"127.0.0.1"},
		Reload: -1, AuditMode: mode, AuditLog: &auditcfg.Config{Path: ip.audit, Options: opts}}
	ctx, cancel := caddy.NewContext(caddy.Context{Context: context.Background()})
	t.Cleanup(cancel)
	if err := ip.p.Provision(ctx); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(ip.cleanup)
	next := caddyhttp.HandlerFunc(func(w http.ResponseWriter, r *http.Request) error {
		http.Error(w, "not a proxy request", http.StatusNotFound)
		return nil
	})
	ip.srv = httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if err := ip.p.ServeHTTP(w, r, next); err != nil {
			t.Error(err)
		}
	}))
	t.Cleanup(ip.srv.Close)
	u, _ := url.Parse(ip.srv.URL)
	tr := &http.Transport{Proxy: http.ProxyURL(u), MaxIdleConnsPerHost: 64}
	t.Cleanup(tr.CloseIdleConnections)
	ip.client = &http.Client{Transport: tr, Timeout: 20 * time.Second}
	return ip
}

// cleanup is the configuration being unloaded (once).
func (ip *inProcess) cleanup() {
	if !ip.cleaned {
		ip.cleaned = true
		ip.p.Cleanup()
	}
}

// get sends an absolute-form GET to host through the proxy and returns the
// status and X-Egress-Rule.
func (ip *inProcess) get(t *testing.T, host string) (int, string) {
	t.Helper()
	res, err := ip.client.Get("http://" + host + "/x")
	if err != nil {
		t.Fatal(err)
	}
	io.Copy(io.Discard, res.Body)
	res.Body.Close()
	return res.StatusCode, res.Header.Get(headerRule)
}

// tunnel opens a CONNECT tunnel to the target and returns it after the 200.
func (ip *inProcess) tunnel(t *testing.T) (net.Conn, *bufio.Reader) {
	t.Helper()
	c, err := net.Dial("tcp", ip.srv.Listener.Addr().String())
	if err != nil {
		t.Fatal(err)
	}
	fmt.Fprintf(c, "CONNECT %s HTTP/1.1\r\nHost: %[1]s\r\n\r\n", ip.target)
	br := bufio.NewReader(c)
	res, err := http.ReadResponse(br, &http.Request{Method: http.MethodConnect})
	if err != nil {
		c.Close()
		t.Fatal(err)
	}
	if res.StatusCode != http.StatusOK {
		c.Close()
		t.Fatalf("CONNECT: %s", res.Status)
	}
	return c, br
}

// through sends one request through an open tunnel and reads the answer.
func through(t *testing.T, c net.Conn, br *bufio.Reader) {
	t.Helper()
	io.WriteString(c, "GET /x HTTP/1.1\r\nHost: example.com\r\n\r\n")
	res, err := http.ReadResponse(br, nil)
	if err != nil {
		t.Fatal(err)
	}
	io.Copy(io.Discard, res.Body)
	res.Body.Close()
}

// records reads every complete record of the log as written (readAudit
// also waits for the last line and fills in empty rules).
func records(t *testing.T, path string) []auditRecord {
	t.Helper()
	b, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	var out []auditRecord
	for _, line := range bytes.Split(b, []byte("\n")) {
		if len(line) == 0 {
			continue
		}
		var r auditRecord
		if err := json.Unmarshal(line, &r); err != nil {
			t.Fatalf("audit line %q: %v", line, err)
		}
		out = append(out, r)
	}
	return out
}

func countOutcomes(recs []auditRecord) map[string]int {
	n := map[string]int{}
	for _, r := range recs {
		n[r.Outcome]++
	}
	return n
}

func verifyChain(t *testing.T, path string, want int) {
	t.Helper()
	files, err := auditlog.Files(path)
	if err != nil {
		t.Fatal(err)
	}
	rep, err := auditlog.Verify(files, auditlog.VerifyOptions{})
	if err != nil {
		t.Fatal(err)
	}
	if rep.Problem != nil {
		t.Fatalf("the chain does not verify: %+v", rep.Problem)
	}
	if rep.Records != want {
		t.Fatalf("the chain has %d records, want %d", rep.Records, want)
	}
}

// TestAuditBurst: under a concurrent burst of tunnels, HTTP requests and
// refusals, every exchange has exactly one record and the chain verifies,
// in both audit modes.
func TestAuditBurst(t *testing.T) {
	for _, mode := range []AuditMode{AuditAsync, AuditSync} {
		t.Run(string(mode), func(t *testing.T) {
			ip := startInProcess(t, mode, map[string]string{"sync": "batch"})
			const workers, each = 8, 15
			var wg sync.WaitGroup
			for w := range workers {
				wg.Add(1)
				go func() {
					defer wg.Done()
					for i := range each {
						switch (w + i) % 3 {
						case 0:
							if st, _ := ip.get(t, ip.target); st != http.StatusOK {
								t.Errorf("allowed GET: %d", st)
							}
						case 1:
							c, br := ip.tunnel(t)
							through(t, c, br)
							c.Close()
						case 2:
							if st, rule := ip.get(t, "10.9.9.9:"+portOf(ip.target)); st != http.StatusForbidden || rule != "ip_not_allowed" {
								t.Errorf("refused GET: %d %q", st, rule)
							}
						}
					}
				}()
			}
			wg.Wait()
			// Unload the configuration: the log stays open until the last
			// exchange has recorded itself (httptest's Close does not wait
			// for hijacked tunnels), then closes, writing what was queued.
			ip.srv.Close()
			ip.cleanup()
			waitUntil(t, "every exchange to end and the log to close", func() bool { return ip.p.users.active() == 0 })
			recs := records(t, ip.audit)
			n := countOutcomes(recs)
			total := workers * each
			if n["allowed"] != total*2/3 || n["denied"] != total/3 || len(recs) != total {
				t.Fatalf("outcomes %v in %d records, want %d allowed and %d denied", n, len(recs), total*2/3, total/3)
			}
			connects := 0
			for _, r := range recs {
				if r.Outcome == "allowed" && r.Fields["bytes_down"] == nil {
					t.Errorf("allowed record without byte counts: %+v", r)
				}
				if r.Route == "CONNECT "+ip.target {
					connects++
				}
			}
			if connects != total/3 {
				t.Errorf("%d CONNECT records, want %d", connects, total/3)
			}
			verifyChain(t, ip.audit, total)
		})
	}
}

func portOf(hostport string) string {
	_, p, _ := net.SplitHostPort(hostport)
	return p
}

// TestAuditAsyncQueuesAllowedWritesRefusals: in audit_mode async an allowed
// exchange's record is queued, not written, when the client has its
// answer; a refusal's record is on the disk before the client has the
// refusal, and its group commit takes the queued record along, in order.
func TestAuditAsyncQueuesAllowedWritesRefusals(t *testing.T) {
	ip := startInProcess(t, AuditAsync, map[string]string{"sync": "batch", "flush_interval": "1h"})
	if st, _ := ip.get(t, ip.target); st != http.StatusOK {
		t.Fatalf("allowed GET: %d", st)
	}
	ip.srv.CloseClientConnections()
	// The handler has returned once the record is queued; give it the
	// moment between the client's answer and the handler's return.
	deadline := time.Now().Add(5 * time.Second)
	for ip.p.users.active() > 0 && time.Now().Before(deadline) {
		time.Sleep(5 * time.Millisecond)
	}
	if recs := records(t, ip.audit); len(recs) != 0 {
		t.Fatalf("the allowed record was written at once in audit_mode async (flush_interval 1h): %+v", recs)
	}
	st, rule := ip.get(t, "10.9.9.9:"+portOf(ip.target))
	if st != http.StatusForbidden {
		t.Fatalf("refused GET: %d %q", st, rule)
	}
	recs := records(t, ip.audit) // no waiting: it must be there already
	if len(recs) != 2 || recs[0].Outcome != "allowed" || recs[1].Outcome != "denied" || recs[1].Rules[0] != rule {
		t.Fatalf("after the refusal, records %+v; want the queued allowed record, then the denial", recs)
	}
	if recs[1].Fields["status"] != float64(http.StatusForbidden) {
		t.Errorf("the denial's record: %+v", recs[1])
	}
	ip.srv.Close()
	ip.cleanup()
	verifyChain(t, ip.audit, 2)
}

// TestAuditSyncWritesAllowedBeforeReturning: in audit_mode sync the
// allowed record is on the disk when the handler returns.
func TestAuditSyncWritesAllowedBeforeReturning(t *testing.T) {
	ip := startInProcess(t, AuditSync, map[string]string{"sync": "batch", "flush_interval": "1h"})
	c, br := ip.tunnel(t)
	through(t, c, br)
	c.Close()
	deadline := time.Now().Add(5 * time.Second)
	for ip.p.users.active() > 0 && time.Now().Before(deadline) {
		time.Sleep(5 * time.Millisecond)
	}
	recs := records(t, ip.audit)
	if len(recs) != 1 || recs[0].Outcome != "allowed" || recs[0].Route != "CONNECT "+ip.target {
		t.Fatalf("records %+v, want the tunnel's", recs)
	}
}

// TestBrokenLogRefuses: once a queued record cannot be written (here the
// rotation it needs fails: a directory holds the rotated name), allowed
// requests are refused with 503 audit_unavailable; refusals are still
// refusals.
func TestBrokenLogRefuses(t *testing.T) {
	for _, mode := range []AuditMode{AuditAsync, AuditSync} {
		t.Run(string(mode), func(t *testing.T) {
			ip := startInProcess(t, mode, map[string]string{"sync": "batch", "rotate_size": "1B", "flush_interval": "20ms"})
			if err := os.Mkdir(ip.audit+".00000000000000000001", 0o700); err != nil {
				t.Fatal(err)
			}
			errorsBefore := counterValue(t, auditErrors)
			// The first record goes to an empty file (no rotation).
			if st, _ := ip.get(t, ip.target); st != http.StatusOK {
				t.Fatalf("first GET: %d", st)
			}
			waitUntil(t, "the first record on the disk", func() bool { return len(records(t, ip.audit)) == 1 })
			// The next needs a rotation, which fails: the log stops.
			var st int
			var rule string
			waitUntil(t, "an allowed request refused for the broken log", func() bool {
				st, rule = ip.get(t, ip.target)
				return st != http.StatusOK
			})
			if st != http.StatusServiceUnavailable || rule != ruleAuditUnavailable {
				t.Fatalf("allowed request on a broken log: %d %q, want 503 %s", st, rule, ruleAuditUnavailable)
			}
			if c, err := net.Dial("tcp", ip.srv.Listener.Addr().String()); err == nil {
				fmt.Fprintf(c, "CONNECT %s HTTP/1.1\r\nHost: %[1]s\r\n\r\n", ip.target)
				res, err := http.ReadResponse(bufio.NewReader(c), &http.Request{Method: http.MethodConnect})
				if err != nil || res.StatusCode != http.StatusServiceUnavailable {
					t.Errorf("CONNECT on a broken log: %v %v", res, err)
				}
				c.Close()
			}
			if st, rule := ip.get(t, "10.9.9.9:"+portOf(ip.target)); st != http.StatusForbidden || rule != "ip_not_allowed" {
				t.Errorf("a refusal on a broken log: %d %q", st, rule)
			}
			if counterValue(t, auditErrors) <= errorsBefore {
				t.Error("audit_errors_total did not count the failed records")
			}
			if n := len(records(t, ip.audit)); n != 1 {
				t.Errorf("%d records in the broken log, want the first one only", n)
			}
		})
	}
}

func waitUntil(t *testing.T, what string, cond func() bool) {
	t.Helper()
	deadline := time.Now().Add(10 * time.Second)
	for !cond() {
		if time.Now().After(deadline) {
			t.Fatalf("timed out waiting for %s", what)
		}
		time.Sleep(10 * time.Millisecond)
	}
}

// TestTunnelOutlivesCleanup: a tunnel still open when its configuration is
// unloaded keeps the audit log open, and its record is written when it
// ends.
func TestTunnelOutlivesCleanup(t *testing.T) {
	ip := startInProcess(t, AuditAsync, map[string]string{"sync": "batch"})
	c, br := ip.tunnel(t)
	ip.cleanup()
	through(t, c, br)
	c.Close()
	waitUntil(t, "the tunnel's record", func() bool { return len(records(t, ip.audit)) == 1 })
	recs := records(t, ip.audit)
	if recs[0].Outcome != "allowed" || recs[0].Route != "CONNECT "+ip.target || recs[0].Fields["bytes_down"] == float64(0) {
		t.Fatalf("record %+v", recs[0])
	}
	waitUntil(t, "the log to be released", func() bool { return ip.p.users.active() == 0 })
	// A request that still reaches the unloaded configuration is refused.
	if st, rule := ip.get(t, ip.target); st != http.StatusServiceUnavailable || rule != ruleAuditUnavailable {
		t.Fatalf("request after Cleanup: %d %q", st, rule)
	}
	verifyChain(t, ip.audit, 1)
}

// TestAllowlistGaugePerList: two instances on different allowlists keep
// their own allowlist_entries series; cleaning one up removes its series
// only.
func TestAllowlistGaugePerList(t *testing.T) {
	dir := t.TempDir()
	a, b := filepath.Join(dir, "a.txt"), filepath.Join(dir, "b.txt")
	os.WriteFile(a, []byte("one.example\n"), 0o600)
	os.WriteFile(b, []byte("one.example\ntwo.example\nthree.example\n"), 0o600)
	provision := func(list, log string) *Proxy {
		p := &Proxy{Allowlist: []string{list}, Resolvers: []string{"127.0.0.1"}, Reload: -1,
			AuditLog: &auditcfg.Config{Path: filepath.Join(dir, log)}}
		ctx, cancel := caddy.NewContext(caddy.Context{Context: context.Background()})
		t.Cleanup(cancel)
		if err := p.Provision(ctx); err != nil {
			t.Fatal(err)
		}
		return p
	}
	pa, pb := provision(a, "a.jsonl"), provision(b, "b.jsonl")
	pa2 := provision(a, "a2.jsonl") // a reload of the first: same files
	defer pb.Cleanup()
	defer pa2.Cleanup()
	if got, _ := series(t, a); got != 1 {
		t.Errorf("allowlist_entries{allowlist=%q} = %v, want 1", a, got)
	}
	if got, _ := series(t, b); got != 3 {
		t.Errorf("allowlist_entries{allowlist=%q} = %v, want 3", b, got)
	}
	pa.Cleanup() // the old configuration goes; the reload still uses the series
	if !hasSeries(t, a) || !hasSeries(t, b) {
		t.Fatal("cleaning up one of two configurations on a list removed its series")
	}
	pa2.Cleanup()
	if hasSeries(t, a) || !hasSeries(t, b) {
		t.Fatal("the last configuration on a list left its series behind, or took another's")
	}
}

func hasSeries(t *testing.T, list string) bool {
	_, ok := series(t, list)
	return ok
}

// series is the allowlist_entries value for list, and whether it exists.
func series(t *testing.T, list string) (float64, bool) {
	t.Helper()
	ch := make(chan prometheus.Metric, 64)
	go func() { allowlistEntries.Collect(ch); close(ch) }()
	var v float64
	found := false
	for m := range ch {
		var pb dto.Metric
		if err := m.Write(&pb); err != nil {
			t.Fatal(err)
		}
		for _, l := range pb.GetLabel() {
			if l.GetName() == "allowlist" && l.GetValue() == list {
				v, found = pb.GetGauge().GetValue(), true
			}
		}
	}
	return v, found
}

func counterValue(t *testing.T, c prometheus.Counter) float64 {
	t.Helper()
	var pb dto.Metric
	if err := c.Write(&pb); err != nil {
		t.Fatal(err)
	}
	return pb.GetCounter().GetValue()
}
