package egressproxy

import (
	"bufio"
	"context"
	"fmt"
	"io"
	"net"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/caddyserver/caddy/v2"
	"github.com/caddyserver/caddy/v2/modules/caddyhttp"

	"github.com/openclaw-secure-stack/securestack/caddyplugin/internal/auditcfg"
	"github.com/openclaw-secure-stack/securestack/egress"
)

// hostWorld is an in-process egress_proxy whose http_ports names the port
// of a plain HTTP target on 127.0.0.1 (a raw IP through allow_cidr). The
// allowlist holds example.com and *.allowed.test; the target records the
// Host of every request it serves, and answers /ws with a 101 and an echo.
type hostWorld struct {
	proxy   string
	target  string
	audit   string
	mu      sync.Mutex
	hosts   []string
	sseRead chan struct{}
}

func startHostWorld(t *testing.T) *hostWorld {
	t.Helper()
	w := &hostWorld{sseRead: make(chan struct{})}
	ts := httptest.NewServer(http.HandlerFunc(func(rw http.ResponseWriter, r *http.Request) {
		w.mu.Lock()
		w.hosts = append(w.hosts, r.Host)
		w.mu.Unlock()
		if r.URL.Path == "/ws" {
			c, brw, err := http.NewResponseController(rw).Hijack()
			if err != nil {
				return
			}
			defer c.Close()
			io.WriteString(c, "HTTP/1.1 101 Switching Protocols\r\nConnection: Upgrade\r\nUpgrade: echo\r\n\r\n")
			io.Copy(c, brw)
			return
		}
		if r.URL.Path == "/sse" {
			// The second event is sent only once the client has read the
			// first: a relay that held the body back would never finish.
			rw.Header().Set("Content-Type", "text/event-stream")
			io.WriteString(rw, "data: one\n\n")
			http.NewResponseController(rw).Flush()
			select {
			case <-w.sseRead:
			case <-time.After(5 * time.Second):
				return
			}
			io.WriteString(rw, "data: two\n\n")
			return
		}
		if r.URL.Path == "/stream" {
			rc := http.NewResponseController(rw)
			for i := range 3 {
				fmt.Fprintf(rw, "part %d\n", i)
				rc.Flush()
			}
			return
		}
		b, _ := io.ReadAll(r.Body)
		if ua, ok := r.Header["User-Agent"]; ok {
			fmt.Fprintf(rw, "ua=%q ", ua)
		}
		fmt.Fprintf(rw, "host=%s body=%q", r.Host, b)
	}))
	t.Cleanup(ts.Close)
	w.target = ts.Listener.Addr().String()
	_, tport, _ := net.SplitHostPort(w.target)
	port, _ := strconv.Atoi(tport)

	dir := t.TempDir()
	var p *Proxy
	// A tunnel's record is written when it ends, after the test's
	// connection is closed and the server is gone (Caddy does not wait
	// for hijacked connections): the directory goes once it is written.
	t.Cleanup(func() {
		for end := time.Now().Add(5 * time.Second); p != nil && p.users != nil && p.users.active() > 0 && time.Now().Before(end); {
			time.Sleep(5 * time.Millisecond)
		}
	})
	list := filepath.Join(dir, "allowlist.txt")
	if err := os.WriteFile(list, []byte("example.com\n*.allowed.test\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	w.audit = filepath.Join(dir, "audit.jsonl")
	p = &Proxy{Allowlist: []string{list}, AllowCIDR: []string{"127.0.0.0/8"}, Ports: []int{port}, Resolvers: []string{"127.0.0.1"},
		Reload: -1, AuditMode: AuditSync, AuditLog: &auditcfg.Config{Path: w.audit}, HTTPPorts: []int{port}}
	ctx, cancel := caddy.NewContext(caddy.Context{Context: context.Background()})
	t.Cleanup(cancel)
	if err := p.Provision(ctx); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { p.Cleanup() })
	next := caddyhttp.HandlerFunc(func(rw http.ResponseWriter, r *http.Request) error {
		http.Error(rw, "not a proxy request", http.StatusNotFound)
		return nil
	})
	srv := httptest.NewServer(http.HandlerFunc(func(rw http.ResponseWriter, r *http.Request) {
		if err := p.ServeHTTP(rw, r, next); err != nil {
			t.Error(err)
		}
	}))
	t.Cleanup(srv.Close)
	w.proxy = srv.Listener.Addr().String()
	return w
}

func (w *hostWorld) open(t *testing.T) (net.Conn, *bufio.Reader) {
	t.Helper()
	c, err := net.Dial("tcp", w.proxy)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { c.Close() })
	c.SetDeadline(time.Now().Add(10 * time.Second))
	fmt.Fprintf(c, "CONNECT %s HTTP/1.1\r\nHost: %[1]s\r\n\r\n", w.target)
	br := bufio.NewReader(c)
	res, err := http.ReadResponse(br, &http.Request{Method: http.MethodConnect})
	if err != nil || res.StatusCode != http.StatusOK {
		t.Fatalf("CONNECT: %v %v", res, err)
	}
	return c, br
}

func (w *hostWorld) saw(host string) bool {
	w.mu.Lock()
	defer w.mu.Unlock()
	for _, h := range w.hosts {
		if strings.EqualFold(strings.Split(h, ":")[0], host) {
			return true
		}
	}
	return false
}

func readOne(t *testing.T, br *bufio.Reader) (int, string, string) {
	t.Helper()
	res, err := http.ReadResponse(br, nil)
	if err != nil {
		t.Fatalf("reading a response in the tunnel: %v", err)
	}
	b, _ := io.ReadAll(res.Body)
	res.Body.Close()
	return res.StatusCode, res.Header.Get(headerRule), string(b)
}

// TestTunnelHostFronting is REDTEAM round 4's Host fronting on port 80: a
// tunnel to an allowed destination carries requests for another site.
// Before the check the target served every one of them.
func TestTunnelHostFronting(t *testing.T) {
	w := startHostWorld(t)
	cases := []struct {
		name, send, refusedHost string
	}{
		{"a Host off the list after an allowed request on one keep-alive tunnel",
			"GET / HTTP/1.1\r\nHost: example.com\r\n\r\nGET / HTTP/1.1\r\nHost: evil.test\r\n\r\n", "evil.test"},
		{"an absolute-form URL naming another host",
			"GET http://evil2.test/ HTTP/1.1\r\nHost: example.com\r\n\r\n", "evil2.test"},
		{"an allowed name as a prefix",
			"GET / HTTP/1.1\r\nHost: example.com.evil3.test\r\n\r\n", "example.com.evil3.test"},
		{"CL and TE smuggling a second request",
			"POST / HTTP/1.1\r\nHost: example.com\r\nContent-Length: 0\r\nTransfer-Encoding: chunked\r\n\r\n0\r\n\r\nGET / HTTP/1.1\r\nHost: evil4.test\r\n\r\n", "evil4.test"},
		{"a request in the body of a Content-Length request is body",
			"POST / HTTP/1.1\r\nHost: example.com\r\nContent-Length: 40\r\n\r\nGET / HTTP/1.1\r\nHost: evil5.test\r\n\r\n\r\n\r\nGET / HTTP/1.1\r\nHost: evil5.test\r\n\r\n", "evil5.test"},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			c, br := w.open(t)
			io.WriteString(c, tc.send)
			var refused bool
			for range 3 {
				code, rule, body := readOne(t, br)
				if code == http.StatusForbidden {
					if rule != ruleHostNotAllowed {
						t.Errorf("refused with rule %q", rule)
					}
					refused = true
					break
				}
				if code != http.StatusOK || !strings.Contains(body, "host=example.com") {
					t.Errorf("allowed request: %d %q", code, body)
				}
			}
			if !refused {
				t.Error("not refused")
			}
			if w.saw(tc.refusedHost) {
				t.Errorf("the target served Host %s", tc.refusedHost)
			}
			rec := waitAudit(t, w.audit, func(r auditRecord) bool { return r.Fields["sni"] == tc.refusedHost })
			if rec.Outcome != "blocked" || rec.Rules[0] != ruleHostNotAllowed {
				t.Errorf("audited %s %v", rec.Outcome, rec.Rules)
			}
		})
	}
}

// TestTunnelHostAllowed: what the check lets through, as before it.
func TestTunnelHostAllowed(t *testing.T) {
	w := startHostWorld(t)
	c, br := w.open(t)
	io.WriteString(c, "GET / HTTP/1.1\r\nHost: example.com\r\nUser-Agent: curl/8\r\n\r\n"+
		"POST / HTTP/1.1\r\nHost: api.allowed.test:8080\r\nTransfer-Encoding: chunked\r\n\r\n3\r\nabc\r\n0\r\n\r\n"+
		"GET / HTTP/1.1\r\nHost: "+w.target+"\r\n\r\n"+
		"GET /stream HTTP/1.1\r\nHost: EXAMPLE.com.\r\n\r\n")
	for i, want := range []string{`ua=["curl/8"] host=example.com body=""`, `host=api.allowed.test:8080 body="abc"`, `host=` + w.target + ` body=""`, "part 0\npart 1\npart 2\n"} {
		code, _, body := readOne(t, br)
		if code != 200 || body != want {
			t.Errorf("request %d: %d %q, want 200 %q", i, code, body, want)
		}
	}
	// A stream goes through as it comes.
	io.WriteString(c, "GET /sse HTTP/1.1\r\nHost: example.com\r\n\r\n")
	res, err := http.ReadResponse(br, nil)
	if err != nil {
		t.Fatal(err)
	}
	sse := bufio.NewReader(res.Body)
	if line, err := sse.ReadString('\n'); err != nil || line != "data: one\n" {
		t.Fatalf("first event: %q %v", line, err)
	}
	close(w.sseRead)
	if rest, err := io.ReadAll(sse); err != nil || string(rest) != "\ndata: two\n\n" {
		t.Fatalf("the rest of the stream: %q %v", rest, err)
	}
	// A protocol switch hands the rest of the tunnel over as bytes.
	io.WriteString(c, "GET /ws HTTP/1.1\r\nHost: example.com\r\nConnection: Upgrade\r\nUpgrade: echo\r\n\r\n")
	res, err = http.ReadResponse(br, nil)
	if err != nil || res.StatusCode != http.StatusSwitchingProtocols {
		t.Fatalf("upgrade: %v %v", res, err)
	}
	io.WriteString(c, "GET / HTTP/1.1\r\nHost: evil.test\r\n\r\n")
	got := make([]byte, len("GET / HTTP/1.1\r\nHost: evil.test\r\n\r\n"))
	if _, err := io.ReadFull(br, got); err != nil || !strings.HasPrefix(string(got), "GET / HTTP/1.1") {
		t.Errorf("after the upgrade: %q %v", got, err)
	}
	if w.saw("evil.test") {
		t.Error("bytes after the upgrade were read as a request by the target")
	}
}

// TestTunnelNoHTTP2: HTTP/2 streams name their own :authority, so a
// tunnel on an HTTP port does not carry them: prior knowledge is refused,
// and an upgrade to h2c goes on as a plain HTTP/1.1 request.
func TestTunnelNoHTTP2(t *testing.T) {
	w := startHostWorld(t)
	c, br := w.open(t)
	io.WriteString(c, "PRI * HTTP/2.0\r\n\r\nSM\r\n\r\n")
	if code, rule, _ := readOne(t, br); code != http.StatusForbidden || rule != ruleHostNotAllowed {
		t.Errorf("HTTP/2 prior knowledge: %d %q", code, rule)
	}
	c, br = w.open(t)
	io.WriteString(c, "GET /ws HTTP/1.1\r\nHost: example.com\r\nConnection: Upgrade, HTTP2-Settings\r\nUpgrade: h2c\r\nHTTP2-Settings: AAMAAABkAAQAAP__\r\n\r\n")
	res, err := http.ReadResponse(br, nil)
	if err == nil && res.StatusCode == http.StatusSwitchingProtocols {
		t.Error("an upgrade to h2c was passed on and accepted")
	}
}

// TestTunnelNotHTTP: a tunnel on an HTTP port that does not carry HTTP is
// refused; a tunnel the client closes at once is not an error.
func TestTunnelNotHTTP(t *testing.T) {
	w := startHostWorld(t)
	c, br := w.open(t)
	io.WriteString(c, "\x16\x03\x01\x00\x05hello")
	code, rule, _ := readOne(t, br)
	if code != http.StatusForbidden || rule != ruleHostNotAllowed {
		t.Errorf("TLS on an HTTP port: %d %q", code, rule)
	}
}

// FuzzRelayHTTP feeds a tunnel on an HTTP port with arbitrary client
// bytes: every request the upstream reads must be for the CONNECT's host
// or an allowed name.
func FuzzRelayHTTP(f *testing.F) {
	f.Add([]byte("GET / HTTP/1.1\r\nHost: example.com\r\n\r\nGET / HTTP/1.1\r\nHost: evil.test\r\n\r\n"))
	f.Add([]byte("POST / HTTP/1.1\r\nHost: example.com\r\nContent-Length: 0\r\nTransfer-Encoding: chunked\r\n\r\n0\r\n\r\nGET / HTTP/1.1\r\nHost: evil.test\r\n\r\n"))
	f.Add([]byte("GET http://evil.test/ HTTP/1.1\r\nHost: example.com\r\n\r\n"))
	f.Add([]byte("GET / HTTP/1.1\nHost: example.com\n X-Fold: a\nHost: evil.test\n\n"))
	f.Add([]byte("GET / HTTP/1.0\r\n\r\n"))
	dir := f.TempDir()
	list := filepath.Join(dir, "allowlist.txt")
	if err := os.WriteFile(list, []byte("example.com\n*.allowed.test\n"), 0o600); err != nil {
		f.Fatal(err)
	}
	p := &Proxy{Allowlist: []string{list}}
	p.defaults()
	var err error
	if p.lists, err = egress.NewReloader(list); err != nil {
		f.Fatal(err)
	}
	// The relay ends on its idle limit once it has read every request.
	p.pipeCfg.Idle = 30 * time.Millisecond
	f.Fuzz(func(t *testing.T, in []byte) {
		client, proxySide := net.Pipe()
		upSide, upstream := net.Pipe()
		ex := &exchange{}
		ex.target.Host, ex.target.Port, ex.dest = "example.com", 80, "example.com:80"
		done := make(chan struct{})
		go func() {
			defer close(done)
			p.relayHTTP(proxySide, nil, upSide, ex)
		}()
		var bad []string
		upDone := make(chan struct{})
		go func() {
			defer close(upDone)
			br := bufio.NewReader(upstream)
			for {
				req, err := http.ReadRequest(br)
				if err != nil {
					upstream.Close()
					return
				}
				io.Copy(io.Discard, req.Body)
				h := strings.ToLower(strings.TrimSuffix(strings.Split(req.Host, ":")[0], "."))
				if h != "example.com" && !strings.HasSuffix(h, ".allowed.test") {
					bad = append(bad, req.Host)
				}
				io.WriteString(upstream, "HTTP/1.1 200 OK\r\nContent-Length: 0\r\n\r\n")
			}
		}()
		go io.Copy(io.Discard, client)
		client.SetDeadline(time.Now().Add(time.Second))
		client.Write(in)
		<-done
		client.Close()
		<-upDone
		if len(bad) > 0 {
			t.Fatalf("the upstream read requests for %q", bad)
		}
	})
}
