package egressproxy

import (
	"bufio"
	"bytes"
	"crypto/rand"
	"crypto/sha256"
	"crypto/tls"
	"encoding/base64"
	"encoding/json"
	"fmt"
	"io"
	"net"
	"net/http"
	"net/http/httptest"
	"net/url"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"syscall"
	"testing"
	"time"

	"golang.org/x/net/websocket"

	"github.com/openclaw-secure-stack/securestack/internal/testbin"
	"github.com/openclaw-secure-stack/securestack/internal/testdns"
	"github.com/openclaw-secure-stack/securestack/internal/testport"
)

// world is bin/caddy with egress_proxy sites, a scripted DNS server and
// target servers, all on loopback.
type world struct {
	dir                          string
	dns                          *testdns.Server
	proxy, authProxy, tightProxy string // host:port of each proxy site
	proxyPort                    int
	plain                        *httptest.Server // HTTP target
	tlsSrv                       *httptest.Server // HTTPS target
	plainPort, tlsPort           string
	release                      chan struct{} // lets the streaming handler send its second chunk
	allowlist                    string
	audit                        string
	out                          *bytes.Buffer
}

const proxyToken = "egress-test-secret-0123456789"

func startWorld(t *testing.T) *world {
	t.Helper()
	if testing.Short() {
		t.Skip("starts bin/caddy; skipped with -short")
	}
	w := &world{dir: t.TempDir(), release: make(chan struct{}, 16), out: &bytes.Buffer{}}
	var err error
	if w.dns, err = testdns.Start(); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(w.dns.Close)

	mux := http.NewServeMux()
	mux.HandleFunc("/echo", func(rw http.ResponseWriter, r *http.Request) {
		b, _ := io.ReadAll(r.Body)
		rw.Header().Set("X-Seen-Host", r.Host)
		rw.Header().Set("X-Seen-Proxy-Auth", r.Header.Get("Proxy-Authorization"))
		rw.Header().Set("X-Body-Sha256", fmt.Sprintf("%x", sha256.Sum256(b)))
		rw.Write(b)
	})
	mux.HandleFunc("/big", func(rw http.ResponseWriter, r *http.Request) {
		n, _ := strconv.Atoi(r.URL.Query().Get("n"))
		io.CopyN(rw, zeroReader{}, int64(n))
	})
	mux.HandleFunc("/stream", func(rw http.ResponseWriter, r *http.Request) {
		rw.Header().Set("Content-Type", "text/event-stream")
		io.WriteString(rw, "data: first\n\n")
		rw.(http.Flusher).Flush()
		select {
		case <-w.release:
		case <-time.After(20 * time.Second):
		}
		io.WriteString(rw, "data: second\n\n")
	})
	mux.Handle("/ws", websocket.Handler(func(c *websocket.Conn) {
		for {
			var msg string
			if websocket.Message.Receive(c, &msg) != nil || websocket.Message.Send(c, msg) != nil {
				return
			}
		}
	}))
	w.plain = httptest.NewServer(mux)
	t.Cleanup(w.plain.Close)
	w.tlsSrv = httptest.NewTLSServer(mux)
	t.Cleanup(w.tlsSrv.Close)
	_, w.plainPort, _ = net.SplitHostPort(w.plain.Listener.Addr().String())
	_, w.tlsPort, _ = net.SplitHostPort(w.tlsSrv.Listener.Addr().String())

	w.proxy, w.authProxy, w.tightProxy = testport.Free(t), testport.Free(t), testport.Free(t)
	_, pp, _ := net.SplitHostPort(w.proxy)
	w.proxyPort, _ = strconv.Atoi(pp)
	w.allowlist = filepath.Join(w.dir, "allowlist.txt")
	w.audit = filepath.Join(w.dir, "audit.jsonl")
	writeFile(t, w.allowlist, "# test allowlist\nallowed.test\n.wild.test\nrebind.test\nprivate.test\nmeta.test\ncgnat.test\nula.test\nmcast.test\nzero.test\n"+
		"nat64.test\nsixtofour.test\nteredo.test\nmapped.test\nmixed.test\nself.test\nnxdomain.test\nservfail.test\n")
	writeFile(t, filepath.Join(w.dir, "tokens"), "agent "+proxyToken+"\n")

	for _, n := range []string{"allowed.test", "a.wild.test"} {
		w.dns.Static(n, 0, "127.0.0.1")
	}
	w.dns.Static("private.test", 0, "10.1.2.3")
	w.dns.Static("meta.test", 0, "169.254.169.254")
	w.dns.Static("cgnat.test", 0, "100.64.1.1")
	w.dns.Static("ula.test", 0, "fd00::1")
	w.dns.Static("mcast.test", 0, "224.0.0.251")
	w.dns.Static("zero.test", 0, "0.0.0.0")
	w.dns.Static("nat64.test", 0, "64:ff9b::a9fe:a9fe")
	w.dns.Static("sixtofour.test", 0, "2002:a00:1::1")
	w.dns.Static("teredo.test", 0, "2001:0:5db8:d70e::80ff:fffe")
	w.dns.Static("mapped.test", 0, "::ffff:10.0.0.1")
	w.dns.Static("mixed.test", 0, "127.0.0.1", "192.168.1.1")
	w.dns.Static("self.test", 0, "127.0.0.1")
	w.dns.Set("servfail.test", func(uint16, int) ([]string, int) { return nil, 2 })
	// The first answer is allowed (127.0.0.1 stands in for a public
	// address, allowed here by allow_cidr); every later one is private.
	w.dns.Set("rebind.test", func(qtype uint16, n int) ([]string, int) {
		if qtype != 1 {
			return nil, -1
		}
		if n == 1 {
			return []string{"0 IN A 127.0.0.1"}, -1
		}
		return []string{"0 IN A 10.0.0.1"}, -1
	})

	ports := fmt.Sprintf("443 80 %s %s %d", w.plainPort, w.tlsPort, w.proxyPort)
	caddyfile := fmt.Sprintf(`{
	admin off
	auto_https off
	persist_config off
}

http://:%[1]s {
	bind 127.0.0.1
	egress_proxy {
		allowlist %[4]s
		reload 100ms
		allow_cidr 127.0.0.0/8
		ports %[5]s
		resolver %[6]s
		audit_log %[7]s
	}
	respond /health "ok" 200
}

http://:%[2]s {
	bind 127.0.0.1
	egress_proxy {
		allowlist %[4]s
		allow_cidr 127.0.0.0/8
		ports %[5]s
		resolver %[6]s
		token_file %[8]s
		reload 100ms
		audit_log %[7]s
	}
}

http://:%[3]s {
	bind 127.0.0.1
	egress_proxy {
		allowlist %[4]s
		allow_cidr 127.0.0.0/8
		ports %[5]s
		resolver %[6]s
		idle_timeout 1s
		max_tunnels_per_client 1
		audit_log %[7]s
	}
}
`, port(w.proxy), port(w.authProxy), port(w.tightProxy), w.allowlist, ports, w.dns.Addr, w.audit, filepath.Join(w.dir, "tokens"))
	writeFile(t, filepath.Join(w.dir, "Caddyfile"), caddyfile)

	cmd := exec.Command(testbin.Path(t, "caddy"), "run", "--adapter", "caddyfile", "--config", filepath.Join(w.dir, "Caddyfile"))
	cmd.Env = append(os.Environ(), "XDG_DATA_HOME="+w.dir, "XDG_CONFIG_HOME="+w.dir, "HTTP_PROXY=", "HTTPS_PROXY=")
	cmd.Stdout, cmd.Stderr = w.out, w.out
	cmd.SysProcAttr = &syscall.SysProcAttr{Setpgid: true}
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	exited := make(chan struct{})
	go func() { cmd.Wait(); close(exited) }()
	t.Cleanup(func() {
		syscall.Kill(-cmd.Process.Pid, syscall.SIGTERM)
		select {
		case <-exited:
		case <-time.After(10 * time.Second):
			syscall.Kill(-cmd.Process.Pid, syscall.SIGKILL)
			<-exited
		}
		if t.Failed() {
			t.Logf("caddy output:\n%s", w.out)
		}
	})
	deadline := time.Now().Add(60 * time.Second)
	for {
		select {
		case <-exited:
			t.Fatalf("caddy exited:\n%s", w.out)
		default:
		}
		ready := true
		for _, a := range []string{w.proxy, w.authProxy, w.tightProxy} {
			c, err := net.DialTimeout("tcp", a, time.Second)
			if err != nil {
				ready = false
				break
			}
			c.Close()
		}
		if ready {
			break
		}
		if time.Now().After(deadline) {
			t.Fatalf("caddy did not listen:\n%s", w.out)
		}
		time.Sleep(50 * time.Millisecond)
	}
	return w
}

func port(hostport string) string {
	_, p, _ := net.SplitHostPort(hostport)
	return p
}

func writeFile(t *testing.T, path, text string) {
	t.Helper()
	tmp := path + ".tmp"
	if err := os.WriteFile(tmp, []byte(text), 0o600); err != nil {
		t.Fatal(err)
	}
	if err := os.Rename(tmp, path); err != nil {
		t.Fatal(err)
	}
}

type zeroReader struct{}

func (zeroReader) Read(p []byte) (int, error) {
	clear(p)
	return len(p), nil
}

// connect sends CONNECT target through proxy and returns the connection
// (tunnel open on 200) and the response.
func connect(t *testing.T, proxy, target string, header ...string) (net.Conn, *bufio.Reader, *http.Response) {
	t.Helper()
	c, err := net.DialTimeout("tcp", proxy, 5*time.Second)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { c.Close() })
	c.SetDeadline(time.Now().Add(15 * time.Second))
	req := "CONNECT " + target + " HTTP/1.1\r\nHost: " + target + "\r\n"
	for i := 0; i+1 < len(header); i += 2 {
		req += header[i] + ": " + header[i+1] + "\r\n"
	}
	if _, err := io.WriteString(c, req+"\r\n"); err != nil {
		t.Fatal(err)
	}
	br := bufio.NewReader(c)
	res, err := http.ReadResponse(br, &http.Request{Method: http.MethodConnect})
	if err != nil {
		t.Fatalf("CONNECT %s: %v", target, err)
	}
	c.SetDeadline(time.Time{})
	return c, br, res
}

// refusal reads a refused reply's rule and message.
func refusalOf(t *testing.T, res *http.Response) (rule, status string) {
	t.Helper()
	body, _ := io.ReadAll(res.Body)
	res.Body.Close()
	var e struct {
		Error struct{ Code, Message string } `json:"error"`
	}
	if err := json.Unmarshal(body, &e); err != nil || e.Error.Code != res.Header.Get("X-Egress-Rule") || e.Error.Message == "" {
		t.Errorf("refusal body %q does not carry the rule %q and a message", body, res.Header.Get("X-Egress-Rule"))
	}
	if !strings.HasPrefix(res.Header.Get("Proxy-Status"), "securestack-egress; error=") {
		t.Errorf("Proxy-Status = %q", res.Header.Get("Proxy-Status"))
	}
	return res.Header.Get("X-Egress-Rule"), res.Status
}

func proxyClient(proxy string) *http.Client {
	u, _ := url.Parse("http://" + proxy)
	return &http.Client{
		Transport: &http.Transport{Proxy: http.ProxyURL(u), TLSClientConfig: &tls.Config{InsecureSkipVerify: true}, DisableKeepAlives: true},
		Timeout:   30 * time.Second,
	}
}

func TestDenialMatrix(t *testing.T) {
	w := startWorld(t)
	p := w.plainPort
	for _, tc := range []struct {
		target, status, rule, why string
	}{
		{"unlisted.test:" + p, "403 Forbidden", "name_not_allowed", "a name not on the list"},
		{"evil.wild.test.attacker.example:" + p, "403 Forbidden", "name_not_allowed", "an allowed name as a prefix of another"},
		{"10.0.0.1:" + p, "403 Forbidden", "ip_not_allowed", "a raw private IP"},
		{"93.184.215.14:443", "403 Forbidden", "ip_not_allowed", "a raw public IP"},
		{"[2606:4700::1111]:443", "403 Forbidden", "ip_not_allowed", "a raw public IPv6"},
		{"allowed.test:22", "403 Forbidden", "port_not_allowed", "a port not on the list"},
		{"private.test:" + p, "403 Forbidden", "address_private", "a name resolving to 10.1.2.3"},
		{"meta.test:80", "403 Forbidden", "address_link_local", "a name resolving to 169.254.169.254"},
		{"cgnat.test:" + p, "403 Forbidden", "address_cgnat", "a name resolving to CGNAT"},
		{"ula.test:" + p, "403 Forbidden", "address_unique_local", "a name resolving to a ULA"},
		{"mcast.test:" + p, "403 Forbidden", "address_multicast", "a name resolving to multicast"},
		{"zero.test:" + p, "403 Forbidden", "address_unspecified", "a name resolving to 0.0.0.0"},
		{"nat64.test:" + p, "403 Forbidden", "address_link_local", "NAT64 of the metadata address"},
		{"sixtofour.test:" + p, "403 Forbidden", "address_private", "6to4 of 10.0.0.1"},
		{"teredo.test:" + p, "403 Forbidden", "address_loopback", "Teredo of 127.0.0.1, outside allow_cidr as IPv6"},
		{"mapped.test:" + p, "403 Forbidden", "address_private", "IPv4-mapped 10.0.0.1"},
		{"mixed.test:" + p, "403 Forbidden", "address_private", "one private address among allowed ones"},
		{"[64:ff9b::7f00:1]:" + p, "403 Forbidden", "ip_not_allowed", "a raw NAT64 address of loopback"},
		{"[2002:7f00:1::1]:" + p, "403 Forbidden", "ip_not_allowed", "a raw 6to4 address of loopback"},
		{"2130706433:" + p, "403 Forbidden", "ip_noncanonical", "a decimal IPv4 spelling"},
		{"0177.0.0.1:" + p, "403 Forbidden", "ip_noncanonical", "an octal IPv4 spelling"},
		{"0x7f.1:" + p, "403 Forbidden", "ip_noncanonical", "a hexadecimal short IPv4 spelling"},
		{"127.1:" + p, "403 Forbidden", "ip_noncanonical", "a short IPv4 spelling"},
		{"127.0.0.1:" + strconv.Itoa(w.proxyPort), "403 Forbidden", "proxy_loop", "a CONNECT to the proxy itself"},
		{"self.test:" + strconv.Itoa(w.proxyPort), "403 Forbidden", "proxy_loop", "a CONNECT to the proxy itself by name"},
		{"nxdomain.test:" + p, "502 Bad Gateway", "dns_no_address", "a listed name that does not exist"},
		{"servfail.test:" + p, "502 Bad Gateway", "dns_failed", "a listed name whose lookup fails"},
		{"allowed.test", "400 Bad Request", "bad_target", "a CONNECT without a port"},
	} {
		t.Run(tc.why, func(t *testing.T) {
			c, _, res := connect(t, w.proxy, tc.target)
			rule, status := refusalOf(t, res)
			if status != tc.status || rule != tc.rule {
				t.Errorf("CONNECT %s: %s rule %q, want %s %q", tc.target, status, rule, tc.status, tc.rule)
			}
			// The refusal closes the connection: nothing the client sent
			// after the CONNECT is read as a request.
			c.SetReadDeadline(time.Now().Add(5 * time.Second))
			if n, err := c.Read(make([]byte, 1)); n != 0 || err == nil {
				t.Errorf("the connection stayed open after a refusal (%d, %v)", n, err)
			}
		})
	}
	t.Run("names off the list and bad ports never reach DNS", func(t *testing.T) {
		if n := w.dns.Total("unlisted.test") + w.dns.Total("allowed.test"); n != 0 {
			t.Errorf("%d queries for a name the proxy refused before resolving", n)
		}
	})
	t.Run("absolute-form requests are judged the same way", func(t *testing.T) {
		cl := proxyClient(w.proxy)
		for _, tc := range []struct{ url, rule string }{
			{"http://unlisted.test:" + p + "/echo", "name_not_allowed"},
			{"http://private.test:" + p + "/echo", "address_private"},
			{"http://2130706433:" + p + "/echo", "ip_noncanonical"},
			{"http://127.0.0.1:" + strconv.Itoa(w.proxyPort) + "/health", "proxy_loop"},
		} {
			res, err := cl.Get(tc.url)
			if err != nil {
				t.Fatal(err)
			}
			if rule, _ := refusalOf(t, res); res.StatusCode != 403 || rule != tc.rule {
				t.Errorf("GET %s: %d %q, want 403 %q", tc.url, res.StatusCode, rule, tc.rule)
			}
		}
	})
	t.Run("rebinding: the first answer is used, the next one refused, each resolved once", func(t *testing.T) {
		target := "rebind.test:" + p
		c, br, res := connect(t, w.proxy, target)
		if res.StatusCode != 200 {
			t.Fatalf("first CONNECT: %s", res.Status)
		}
		// The tunnel reaches the target the first answer named.
		io.WriteString(c, "GET /echo HTTP/1.1\r\nHost: rebind.test\r\nContent-Length: 2\r\n\r\nhi")
		got, err := http.ReadResponse(br, nil)
		if err != nil || got.StatusCode != 200 {
			t.Fatalf("through the tunnel: %v %v", got, err)
		}
		if n := w.dns.Count("rebind.test", "A"); n != 1 {
			t.Errorf("%d A queries for one CONNECT, want 1: the proxy must resolve once and dial what it checked", n)
		}
		_, _, res = connect(t, w.proxy, target)
		if rule, _ := refusalOf(t, res); res.StatusCode != 403 || rule != "address_private" {
			t.Errorf("second CONNECT after the answer changed: %s %q, want 403 address_private", res.Status, rule)
		}
	})
	t.Run("every refusal is audited with host, port, rule and address", func(t *testing.T) {
		recs := readAudit(t, w.audit)
		var found bool
		for _, r := range recs {
			if r.Rules[0] == "address_link_local" && r.Fields["host"] == "meta.test" {
				found = true
				if r.Outcome != "denied" || r.Fields["addr"] != "169.254.169.254" || r.Fields["port"] != float64(80) || r.Event != "egress.proxy" {
					t.Errorf("record %+v", r)
				}
			}
		}
		if !found {
			t.Error("no audit record for the metadata refusal")
		}
	})
}

type auditRecord struct {
	Seq       uint64         `json:"seq"`
	Event     string         `json:"event"`
	ClientIP  string         `json:"client_ip"`
	TokenName string         `json:"token_name"`
	Route     string         `json:"route"`
	Outcome   string         `json:"outcome"`
	Rules     []string       `json:"rules"`
	Fields    map[string]any `json:"fields"`
}

// readAudit reads the audit log, waiting briefly for records the proxy
// writes when an exchange ends.
func readAudit(t *testing.T, path string) []auditRecord {
	t.Helper()
	b, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	var out []auditRecord
	lines := bytes.Split(b, []byte("\n"))
	for _, line := range lines[:len(lines)-1] { // the last is empty or not yet complete
		var r auditRecord
		if err := json.Unmarshal(line, &r); err != nil {
			t.Fatalf("audit line %q: %v", line, err)
		}
		if len(r.Rules) == 0 {
			r.Rules = []string{""}
		}
		out = append(out, r)
	}
	return out
}

func waitAudit(t *testing.T, path string, match func(auditRecord) bool) auditRecord {
	t.Helper()
	deadline := time.Now().Add(10 * time.Second)
	for {
		for _, r := range readAudit(t, path) {
			if match(r) {
				return r
			}
		}
		if time.Now().After(deadline) {
			t.Fatal("no matching audit record")
		}
		time.Sleep(50 * time.Millisecond)
	}
}

func TestAllowedPath(t *testing.T) {
	w := startWorld(t)
	payload := make([]byte, 3<<20)
	rand.Read(payload)
	sum := fmt.Sprintf("%x", sha256.Sum256(payload))

	t.Run("HTTP through a CONNECT tunnel arrives intact", func(t *testing.T) {
		c, br, res := connect(t, w.proxy, "allowed.test:"+w.plainPort)
		if res.StatusCode != 200 {
			t.Fatalf("CONNECT: %s", res.Status)
		}
		go fmt.Fprintf(c, "POST /echo HTTP/1.1\r\nHost: allowed.test\r\nContent-Length: %d\r\n\r\n%s", len(payload), payload)
		got, err := http.ReadResponse(br, nil)
		if err != nil {
			t.Fatal(err)
		}
		body, _ := io.ReadAll(got.Body)
		if got.Header.Get("X-Body-Sha256") != sum || !bytes.Equal(body, payload) {
			t.Error("the body changed on its way through the tunnel")
		}
		c.Close()
		r := waitAudit(t, w.audit, func(r auditRecord) bool {
			return r.Route == "CONNECT allowed.test:"+w.plainPort && r.Outcome == "allowed" && r.Fields["bytes_up"].(float64) > float64(len(payload))
		})
		if r.Fields["addr"] != "127.0.0.1:"+w.plainPort || r.Fields["bytes_down"].(float64) < float64(len(payload)) || r.Rules[0] != "allowlist" {
			t.Errorf("audit record %+v", r)
		}
		if _, ok := r.Fields["duration_ms"]; !ok {
			t.Error("no duration in the audit record")
		}
	})
	t.Run("TLS through a CONNECT tunnel", func(t *testing.T) {
		res, err := proxyClient(w.proxy).Get("https://allowed.test:" + w.tlsPort + "/big?n=1000000")
		if err != nil {
			t.Fatal(err)
		}
		n, _ := io.Copy(io.Discard, res.Body)
		res.Body.Close()
		if res.StatusCode != 200 || n != 1_000_000 {
			t.Errorf("status %d, %d bytes", res.StatusCode, n)
		}
	})
	t.Run("absolute-form HTTP: body intact, checked Host, no proxy credentials upstream", func(t *testing.T) {
		req, _ := http.NewRequest(http.MethodPost, "http://A.Wild.Test:"+w.plainPort+"/echo", bytes.NewReader(payload))
		res, err := proxyClient(w.proxy).Do(req)
		if err != nil {
			t.Fatal(err)
		}
		body, _ := io.ReadAll(res.Body)
		res.Body.Close()
		if res.StatusCode != 200 || !bytes.Equal(body, payload) {
			t.Fatalf("status %d, body intact %v", res.StatusCode, bytes.Equal(body, payload))
		}
		if h := res.Header.Get("X-Seen-Host"); h != "a.wild.test:"+w.plainPort {
			t.Errorf("the upstream saw Host %q", h)
		}
	})
	t.Run("a streamed response is not buffered", func(t *testing.T) {
		res, err := proxyClient(w.proxy).Get("http://allowed.test:" + w.plainPort + "/stream")
		if err != nil {
			t.Fatal(err)
		}
		defer res.Body.Close()
		br := bufio.NewReader(res.Body)
		line, err := br.ReadString('\n')
		if err != nil || line != "data: first\n" {
			t.Fatalf("first event %q, %v", line, err)
		}
		w.release <- struct{}{} // the server sends the second event only now
		rest, _ := io.ReadAll(br)
		if !strings.Contains(string(rest), "data: second") {
			t.Errorf("second event missing: %q", rest)
		}
	})
	t.Run("WebSocket over CONNECT", func(t *testing.T) {
		c, br, res := connect(t, w.proxy, "allowed.test:"+w.plainPort)
		if res.StatusCode != 200 || br.Buffered() != 0 {
			t.Fatalf("CONNECT: %s", res.Status)
		}
		cfg, _ := websocket.NewConfig("ws://allowed.test:"+w.plainPort+"/ws", "http://allowed.test")
		ws, err := websocket.NewClient(cfg, c)
		if err != nil {
			t.Fatal(err)
		}
		for i := range 20 {
			msg := strings.Repeat(strconv.Itoa(i), 1000*i+1)
			if err := websocket.Message.Send(ws, msg); err != nil {
				t.Fatal(err)
			}
			var back string
			if err := websocket.Message.Receive(ws, &back); err != nil || back != msg {
				t.Fatalf("message %d came back changed (%v)", i, err)
			}
		}
		ws.Close()
	})
	t.Run("a changed allowlist applies without a restart", func(t *testing.T) {
		w.dns.Static("newly.test", 0, "127.0.0.1")
		_, _, res := connect(t, w.proxy, "newly.test:"+w.plainPort)
		if res.StatusCode != 403 {
			t.Fatalf("before the change: %s", res.Status)
		}
		b, _ := os.ReadFile(w.allowlist)
		writeFile(t, w.allowlist, string(b)+"newly.test\n")
		deadline := time.Now().Add(10 * time.Second)
		for {
			_, _, res := connect(t, w.proxy, "newly.test:"+w.plainPort)
			if res.StatusCode == 200 {
				break
			}
			if time.Now().After(deadline) {
				t.Fatalf("after the change: still %s", res.Status)
			}
			time.Sleep(100 * time.Millisecond)
		}
		writeFile(t, w.allowlist, string(b)+"newly.test\nbad entry\n")
		time.Sleep(500 * time.Millisecond)
		if _, _, res := connect(t, w.proxy, "newly.test:"+w.plainPort); res.StatusCode != 200 {
			t.Errorf("a broken file replaced the last good list: %s", res.Status)
		}
	})
	t.Run("origin-form requests go to the next handler", func(t *testing.T) {
		res, err := http.Get("http://" + w.proxy + "/health")
		if err != nil {
			t.Fatal(err)
		}
		res.Body.Close()
		if res.StatusCode != 200 {
			t.Errorf("GET /health: %d", res.StatusCode)
		}
	})
}

func TestAuthAndLimits(t *testing.T) {
	w := startWorld(t)
	target := "allowed.test:" + w.plainPort
	basic := func(s string) string { return "Basic " + base64.StdEncoding.EncodeToString([]byte(s)) }

	t.Run("without credentials: 407 with a challenge", func(t *testing.T) {
		_, _, res := connect(t, w.authProxy, target)
		if rule, _ := refusalOf(t, res); res.StatusCode != 407 || rule != "proxy_auth" || !strings.HasPrefix(res.Header.Get("Proxy-Authenticate"), "Basic") {
			t.Errorf("%s %q %q", res.Status, rule, res.Header.Get("Proxy-Authenticate"))
		}
	})
	t.Run("wrong credentials: 407", func(t *testing.T) {
		for _, h := range []string{basic("agent:wrong-secret-0123456789"), basic("other:" + proxyToken), "Bearer wrong-secret-0123456789"} {
			_, _, res := connect(t, w.authProxy, target, "Proxy-Authorization", h)
			if res.StatusCode != 407 {
				t.Errorf("%q: %s", h, res.Status)
			}
		}
	})
	t.Run("the right token: tunnel open, its name audited, credentials not passed on", func(t *testing.T) {
		c, br, res := connect(t, w.authProxy, target, "Proxy-Authorization", basic("agent:"+proxyToken))
		if res.StatusCode != 200 {
			t.Fatalf("%s", res.Status)
		}
		c.Close()
		_ = br
		waitAudit(t, w.audit, func(r auditRecord) bool {
			return r.TokenName == "agent" && r.Route == "CONNECT "+target && r.Outcome == "allowed"
		})
		u, _ := url.Parse("http://agent:" + proxyToken + "@" + w.authProxy)
		cl := &http.Client{Transport: &http.Transport{Proxy: http.ProxyURL(u)}}
		res2, err := cl.Get("http://" + target + "/echo")
		if err != nil {
			t.Fatal(err)
		}
		res2.Body.Close()
		if res2.StatusCode != 200 || res2.Header.Get("X-Seen-Proxy-Auth") != "" {
			t.Errorf("absolute-form with credentials: %d, upstream saw Proxy-Authorization %q", res2.StatusCode, res2.Header.Get("X-Seen-Proxy-Auth"))
		}
	})
	t.Run("a rotated token file is read without a reload: the new token works, the old one no longer", func(t *testing.T) {
		const rotated = "egress-test-rotated-secret-9876543210"
		tokens := filepath.Join(w.dir, "tokens")
		writeFile(t, tokens, "agent "+rotated+"\n")
		defer writeFile(t, tokens, "agent "+proxyToken+"\n")
		// reload 100ms; each early try is a failure the limiter counts.
		time.Sleep(400 * time.Millisecond)
		deadline := time.Now().Add(10 * time.Second)
		for {
			c, _, res := connect(t, w.authProxy, target, "Proxy-Authorization", basic("agent:"+rotated))
			if res.StatusCode == 200 {
				c.Close()
				break
			}
			if time.Now().After(deadline) {
				t.Fatalf("the rotated token was never accepted: %s", res.Status)
			}
			time.Sleep(50 * time.Millisecond)
		}
		_, _, res := connect(t, w.authProxy, target, "Proxy-Authorization", basic("agent:"+proxyToken))
		if res.StatusCode != 407 {
			t.Errorf("the replaced token: %s, want 407", res.Status)
		}
	})
	t.Run("a client over its tunnel limit gets 429", func(t *testing.T) {
		c, _, res := connect(t, w.tightProxy, target)
		if res.StatusCode != 200 {
			t.Fatalf("first tunnel: %s", res.Status)
		}
		_, _, res = connect(t, w.tightProxy, target)
		if rule, _ := refusalOf(t, res); res.StatusCode != 429 || rule != "limit" {
			t.Errorf("second tunnel: %s %q", res.Status, rule)
		}
		c.Close()
	})
	t.Run("an idle tunnel is closed and audited as idle", func(t *testing.T) {
		deadline := time.Now().Add(10 * time.Second)
		var c net.Conn
		for {
			var res *http.Response
			c, _, res = connect(t, w.tightProxy, target)
			if res.StatusCode == 200 {
				break
			}
			if time.Now().After(deadline) {
				t.Fatalf("the slot of the closed tunnel was never released: %s", res.Status)
			}
			time.Sleep(50 * time.Millisecond)
		}
		start := time.Now()
		c.SetReadDeadline(time.Now().Add(10 * time.Second))
		n, err := c.Read(make([]byte, 1))
		if n != 0 || err == nil || time.Since(start) > 8*time.Second {
			t.Fatalf("the idle tunnel stayed open (%d, %v after %v)", n, err, time.Since(start))
		}
		waitAudit(t, w.audit, func(r auditRecord) bool { return r.Fields["end"] == "idle" })
	})
}
