package egressproxy

import (
	"bufio"
	"bytes"
	"context"
	"crypto/tls"
	"errors"
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
)

// sniWorld is an in-process egress_proxy in front of a TLS target on
// 127.0.0.1 (reached as a raw IP through allow_cidr), whose port is one of
// tls_ports. The allowlist holds example.com and *.allowed.test. The
// target records every server name it is asked for.
type sniWorld struct {
	p      *Proxy
	proxy  string
	target string
	audit  string
	mu     sync.Mutex
	asked  []string
}

func startSNIWorld(t *testing.T, tlsPorts bool) *sniWorld {
	t.Helper()
	w := &sniWorld{}
	ts := httptest.NewUnstartedServer(http.HandlerFunc(func(rw http.ResponseWriter, r *http.Request) {
		io.WriteString(rw, "ok from "+r.TLS.ServerName)
	}))
	ts.TLS = &tls.Config{GetConfigForClient: func(h *tls.ClientHelloInfo) (*tls.Config, error) {
		w.mu.Lock()
		w.asked = append(w.asked, h.ServerName)
		w.mu.Unlock()
		return nil, nil
	}}
	ts.StartTLS()
	t.Cleanup(ts.Close)
	w.target = ts.Listener.Addr().String()
	_, tport, _ := net.SplitHostPort(w.target)
	port, _ := strconv.Atoi(tport)

	dir := t.TempDir()
	list := filepath.Join(dir, "allowlist.txt")
	if err := os.WriteFile(list, []byte("example.com\n*.allowed.test\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	w.audit = filepath.Join(dir, "audit.jsonl")
	w.p = &Proxy{Allowlist: []string{list}, AllowCIDR: []string{"127.0.0.0/8"}, Ports: []int{port}, Resolvers: []string{"127.0.0.1"},
		Reload: -1, AuditMode: AuditSync, AuditLog: &auditcfg.Config{Path: w.audit}}
	if tlsPorts {
		w.p.TLSPorts = []int{port}
	}
	ctx, cancel := caddy.NewContext(caddy.Context{Context: context.Background()})
	t.Cleanup(cancel)
	if err := w.p.Provision(ctx); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { w.p.Cleanup() })
	next := caddyhttp.HandlerFunc(func(rw http.ResponseWriter, r *http.Request) error {
		http.Error(rw, "not a proxy request", http.StatusNotFound)
		return nil
	})
	srv := httptest.NewServer(http.HandlerFunc(func(rw http.ResponseWriter, r *http.Request) {
		if err := w.p.ServeHTTP(rw, r, next); err != nil {
			t.Error(err)
		}
	}))
	t.Cleanup(srv.Close)
	w.proxy = srv.Listener.Addr().String()
	return w
}

// open sends CONNECT for the target and returns the tunnel after the 200.
func (w *sniWorld) open(t *testing.T) net.Conn {
	t.Helper()
	c, err := net.Dial("tcp", w.proxy)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { c.Close() })
	fmt.Fprintf(c, "CONNECT %s HTTP/1.1\r\nHost: %[1]s\r\n\r\n", w.target)
	br := bufio.NewReader(c)
	res, err := http.ReadResponse(br, &http.Request{Method: http.MethodConnect})
	if err != nil {
		t.Fatal(err)
	}
	if res.StatusCode != http.StatusOK {
		t.Fatalf("CONNECT: %s", res.Status)
	}
	if br.Buffered() > 0 {
		t.Fatal("bytes after the 200")
	}
	return c
}

// fetch makes a TLS request through a tunnel with the given server name
// (empty: none, as for an IP) and returns the body or the error.
func (w *sniWorld) fetch(t *testing.T, sni string) (string, error) {
	t.Helper()
	c := w.open(t)
	defer c.Close() // the tunnel ends, and is audited
	c.SetDeadline(time.Now().Add(10 * time.Second))
	cfg := &tls.Config{InsecureSkipVerify: true, ServerName: sni}
	if sni == "" {
		cfg.ServerName = "127.0.0.1" // an IP: Go sends no server_name
	}
	tc := tls.Client(c, cfg)
	if err := tc.Handshake(); err != nil {
		return "", err
	}
	fmt.Fprintf(tc, "GET / HTTP/1.1\r\nHost: %s\r\nConnection: close\r\n\r\n", cfg.ServerName)
	res, err := http.ReadResponse(bufio.NewReader(tc), nil)
	if err != nil {
		return "", err
	}
	defer res.Body.Close()
	b, err := io.ReadAll(res.Body)
	return string(b), err
}

func (w *sniWorld) askedFor(name string) bool {
	w.mu.Lock()
	defer w.mu.Unlock()
	for _, a := range w.asked {
		if a == name {
			return true
		}
	}
	return false
}

// TestSNIFronting is REDTEAM round 4's SNI domain fronting: a tunnel to an
// allowed destination whose ClientHello names another server. Before the
// check, the target was asked for evil.test.
func TestSNIFronting(t *testing.T) {
	w := startSNIWorld(t, true)

	for _, sni := range []string{"", "example.com", "EXAMPLE.com", "api.allowed.test"} {
		body, err := w.fetch(t, sni)
		if err != nil || !strings.EqualFold(body, "ok from "+sni) {
			t.Errorf("server name %q: %q, %v; want it through", sni, body, err)
		}
	}
	rec := waitAudit(t, w.audit, func(r auditRecord) bool { return r.Fields["sni"] == "api.allowed.test" })
	if rec.Outcome != "allowed" {
		t.Errorf("another allowed name: %s, want allowed (audited with its sni)", rec.Outcome)
	}

	for _, sni := range []string{"evil.test", "allowed.test.evil.test", "example.com.evil.test"} {
		if body, err := w.fetch(t, sni); err == nil {
			t.Errorf("server name %q: got %q through the tunnel, want it refused", sni, body)
		} else if !isAccessDenied(err) {
			t.Errorf("server name %q: %v, want the access_denied alert", sni, err)
		}
		if w.askedFor(sni) {
			t.Errorf("server name %q reached the target", sni)
		}
		rec := waitAudit(t, w.audit, func(r auditRecord) bool { return r.Fields["sni"] == sni })
		if rec.Outcome != "blocked" || rec.Rules[0] != ruleSNINotAllowed {
			t.Errorf("server name %q: audited %s %v, want blocked %s", sni, rec.Outcome, rec.Rules, ruleSNINotAllowed)
		}
	}
}

func isAccessDenied(err error) bool {
	var ae tls.AlertError
	if errors.As(err, &ae) {
		return ae == 49
	}
	return bytes.Contains([]byte(err.Error()), []byte("access denied"))
}

// TestSNIFrontingFragmented splits the ClientHello over two TLS records
// and three TCP writes, the name in the second record: it is put together
// and refused as a whole one is.
func TestSNIFrontingFragmented(t *testing.T) {
	w := startSNIWorld(t, true)
	hello := clientHelloRecord(t, "evil.test")
	body := hello[5:]
	cut := 20
	rec1 := append([]byte{22, 3, 1, byte(cut >> 8), byte(cut)}, body[:cut]...)
	rest := body[cut:]
	rec2 := append([]byte{22, 3, 1, byte(len(rest) >> 8), byte(len(rest))}, rest...)
	c := w.open(t)
	c.SetDeadline(time.Now().Add(10 * time.Second))
	c.Write(rec1[:3])
	time.Sleep(20 * time.Millisecond)
	c.Write(rec1[3:])
	time.Sleep(20 * time.Millisecond)
	c.Write(rec2)
	got, _ := io.ReadAll(c)
	if !bytes.Equal(got, tlsAlertAccessDenied) {
		t.Errorf("fragmented ClientHello for evil.test: read %.32x, want the access_denied alert", got)
	}
	if w.askedFor("evil.test") {
		t.Error("the fragmented ClientHello reached the target")
	}
}

// TestSNIFrontingAfterAlert: a warning alert before the ClientHello (which
// a TLS server skips) does not make the tunnel an unread byte pipe.
func TestSNIFrontingAfterAlert(t *testing.T) {
	w := startSNIWorld(t, true)
	c := w.open(t)
	c.SetDeadline(time.Now().Add(10 * time.Second))
	c.Write([]byte{21, 3, 1, 0, 2, 1, 90}) // alert: warning, user_canceled
	c.Write(clientHelloRecord(t, "evil.test"))
	got, _ := io.ReadAll(c)
	if !bytes.Equal(got, tlsAlertAccessDenied) {
		t.Errorf("alert then ClientHello for evil.test: read %.32x, want the access_denied alert", got)
	}
	if w.askedFor("evil.test") {
		t.Error("the ClientHello after an alert reached the target")
	}
	rec := waitAudit(t, w.audit, func(r auditRecord) bool { return r.Outcome == "blocked" })
	if rec.Rules[0] != ruleSNINotAllowed {
		t.Errorf("audited %v, want %s", rec.Rules, ruleSNINotAllowed)
	}
}

// TestSNICheckOnlyOnTLSPorts: with tls_ports not naming the target's port
// (the default, 443), the tunnel is not read (the check's scope).
func TestSNICheckOnlyOnTLSPorts(t *testing.T) {
	w := startSNIWorld(t, false)
	if body, err := w.fetch(t, "evil.test"); err != nil || body != "ok from evil.test" {
		t.Fatalf("%q, %v", body, err)
	}
}

// clientHelloRecord is crypto/tls's ClientHello for sni, as the first
// record it writes.
func clientHelloRecord(t testing.TB, sni string) []byte {
	t.Helper()
	a, b := net.Pipe()
	defer a.Close()
	defer b.Close()
	go tls.Client(a, &tls.Config{ServerName: sni, InsecureSkipVerify: true}).Handshake()
	var hdr [5]byte
	if _, err := io.ReadFull(b, hdr[:]); err != nil {
		t.Fatal(err)
	}
	n := int(hdr[3])<<8 | int(hdr[4])
	rec := make([]byte, 5+n)
	copy(rec, hdr[:])
	if _, err := io.ReadFull(b, rec[5:]); err != nil {
		t.Fatal(err)
	}
	return rec
}

func TestServerName(t *testing.T) {
	rec := clientHelloRecord(t, "api.example.com")
	raw, hello, err := readClientHello(bytes.NewReader(rec))
	if err != nil || !bytes.Equal(raw, rec) {
		t.Fatalf("readClientHello: %v", err)
	}
	if got, err := serverName(hello); got != "api.example.com" || err != nil {
		t.Errorf("serverName = %q, %v", got, err)
	}
	// Not TLS: one byte read, nothing judged.
	raw, plain, err := readClientHello(bytes.NewReader([]byte("GET / HTTP/1.1\r\n")))
	if err != nil || plain != nil || string(raw) != "G" {
		t.Errorf("plain text: %q %v %v", raw, plain, err)
	}
	// A second server_name extension is refused, not read either way.
	dup := twoServerNames(t, hello)
	if dup == nil {
		t.Fatal("no server_name extension found")
	}
	if _, err := serverName(dup); err == nil {
		t.Error("two server_name extensions: no error")
	}
	// Truncated messages are errors, never a name.
	_, h, _ := readClientHello(bytes.NewReader(clientHelloRecord(t, "a.example")))
	for i := 4; i < len(h); i += 7 {
		m := append([]byte(nil), h[:i]...)
		n := i - 4
		m[1], m[2], m[3] = byte(n>>16), byte(n>>8), byte(n)
		if name, err := serverName(m); err == nil && name != "" && name != "a.example" {
			t.Errorf("cut at %d: name %q", i, name)
		}
	}
}

// twoServerNames returns the ClientHello m with its server_name extension
// written twice, or nil if m has none.
func twoServerNames(t *testing.T, m []byte) []byte {
	t.Helper()
	b := m[4:]
	skip(&b, 34)
	vector(&b, 1)
	vector(&b, 2)
	vector(&b, 1)
	extStart := len(m) - len(b)
	exts, _ := vector(&b, 2)
	for e := exts; len(e) > 4; {
		typ := int(e[0])<<8 | int(e[1])
		start := len(m) - len(b) - len(e)
		e = e[2:]
		data, _ := vector(&e, 2)
		if typ == 0 {
			ext := m[start : start+4+len(data)]
			out := append([]byte(nil), m[:extStart]...)
			n := len(exts) + len(ext)
			out = append(out, byte(n>>8), byte(n))
			out = append(out, exts...)
			out = append(out, ext...)
			size := len(out) - 4
			out[1], out[2], out[3] = byte(size>>16), byte(size>>8), byte(size)
			return out
		}
	}
	return nil
}

func FuzzServerName(f *testing.F) {
	f.Add(clientHelloRecord(f, "example.com"))
	f.Add(clientHelloRecord(f, "xn--bcher-kva.example"))
	f.Add([]byte{22, 3, 1, 0, 4, 1, 0, 0, 0})
	f.Add([]byte("CONNECT"))
	f.Fuzz(func(t *testing.T, in []byte) {
		raw, hello, err := readClientHello(bytes.NewReader(in))
		if !bytes.HasPrefix(in, raw) {
			t.Fatalf("raw %x is not what was read", raw)
		}
		if err != nil || hello == nil {
			return
		}
		if len(hello) > maxClientHello {
			t.Fatalf("message of %d bytes", len(hello))
		}
		name, err := serverName(hello)
		if err == nil && name != "" && !bytes.Contains(hello, []byte(name)) {
			t.Fatalf("name %q is not in the message", name)
		}
	})
}
