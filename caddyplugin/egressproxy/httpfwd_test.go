package egressproxy

import (
	"bufio"
	"bytes"
	"crypto/sha256"
	"fmt"
	"io"
	"net"
	"net/http"
	"net/http/httptest"
	"net/http/httptrace"
	"net/netip"
	"net/textproto"
	"net/url"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"
)

// The plain-HTTP forwarder (httpfwd.go): which requests take it, that it
// sends what the ReverseProxy sends, its upstream keep-alive pool, and the
// responses whose framing it must follow.

func TestPlainForwardPredicate(t *testing.T) {
	mk := func(raw string, edit func(*http.Request)) *http.Request {
		r, err := http.ReadRequest(bufio.NewReader(strings.NewReader(raw)))
		if err != nil {
			t.Fatal(err)
		}
		if edit != nil {
			edit(r)
		}
		return r
	}
	const get = "GET http://example.com/x HTTP/1.1\r\nHost: example.com\r\n\r\n"
	for _, tc := range []struct {
		name string
		r    *http.Request
		want bool
	}{
		{"plain GET", mk(get, nil), true},
		{"HTTP/1.0", mk("GET http://example.com/x HTTP/1.0\r\n\r\n", nil), true},
		{"POST with a length", mk("POST http://example.com/x HTTP/1.1\r\nHost: example.com\r\nContent-Length: 3\r\n\r\nabc", nil), true},
		{"POST chunked", mk("POST http://example.com/x HTTP/1.1\r\nHost: example.com\r\nTransfer-Encoding: chunked\r\n\r\n3\r\nabc\r\n0\r\n\r\n", nil), true},
		{"upper-case scheme", mk("GET HTTP://example.com/x HTTP/1.1\r\nHost: example.com\r\n\r\n", nil), true},
		{"https", mk("GET https://example.com/x HTTP/1.1\r\nHost: example.com\r\n\r\n", nil), false},
		{"WebSocket upgrade", mk("GET http://example.com/ws HTTP/1.1\r\nHost: example.com\r\nConnection: Upgrade\r\nUpgrade: websocket\r\n\r\n", nil), false},
		{"Expect: 100-continue", mk("POST http://example.com/x HTTP/1.1\r\nHost: example.com\r\nExpect: 100-continue\r\nContent-Length: 3\r\n\r\nabc", nil), false},
		{"request trailers", mk("POST http://example.com/x HTTP/1.1\r\nHost: example.com\r\nTrailer: X-Sum\r\nTransfer-Encoding: chunked\r\n\r\n0\r\nX-Sum: 1\r\n\r\n", nil), false},
		{"HTTP/2 client", mk(get, func(r *http.Request) { r.ProtoMajor, r.ProtoMinor = 2, 0 }), false},
		{"a header value net/http would not send", mk(get, func(r *http.Request) { r.Header.Set("X-Bad", "a\r\nInjected: 1") }), false},
		{"a header name net/http would not send", mk(get, func(r *http.Request) { r.Header["Bad Name"] = []string{"1"} }), false},
	} {
		if got := plainForward(tc.r); got != tc.want {
			t.Errorf("%s: plainForward = %v, want %v", tc.name, got, tc.want)
		}
	}
}

// rawTarget is a TCP server on loopback that hands each connection, with
// its number (from 1), to serve.
type rawTarget struct {
	ln    net.Listener
	conns atomic.Int32
}

func startRawTarget(t *testing.T, serve func(n int, c net.Conn, br *bufio.Reader)) *rawTarget {
	t.Helper()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	rt := &rawTarget{ln: ln}
	var wg sync.WaitGroup
	t.Cleanup(func() { ln.Close(); wg.Wait() })
	wg.Add(1)
	go func() {
		defer wg.Done()
		for {
			c, err := ln.Accept()
			if err != nil {
				return
			}
			n := int(rt.conns.Add(1))
			wg.Add(1)
			go func() {
				defer wg.Done()
				defer c.Close()
				serve(n, c, bufio.NewReader(c))
			}()
		}
	}()
	return rt
}

func (rt *rawTarget) addr() string { return rt.ln.Addr().String() }

// readHead reads a request head as sent, through the blank line.
func readHead(br *bufio.Reader) (string, error) {
	var b strings.Builder
	for {
		line, err := br.ReadString('\n')
		b.WriteString(line)
		if err != nil {
			return b.String(), err
		}
		if line == "\r\n" {
			return b.String(), nil
		}
	}
}

// rawExchange sends one request as written to the proxy on a new
// connection and returns the response with its body read.
func rawExchange(t *testing.T, proxy, req string) (*http.Response, []byte) {
	t.Helper()
	c, err := net.Dial("tcp", proxy)
	if err != nil {
		t.Fatal(err)
	}
	defer c.Close()
	c.SetDeadline(time.Now().Add(10 * time.Second))
	io.WriteString(c, req)
	method, _, _ := strings.Cut(req, " ")
	res, err := http.ReadResponse(bufio.NewReader(c), &http.Request{Method: method})
	if err != nil {
		t.Fatalf("%q: %v", req, err)
	}
	body, err := io.ReadAll(res.Body)
	if err != nil {
		t.Fatalf("%q: body: %v", req, err)
	}
	return res, body
}

// TestPlainForwardSendsWhatReverseProxySends: the same requests through the
// single-goroutine forwarder and through the ReverseProxy reach the upstream
// with the same request head byte for byte (hop-by-hop fields, the fields
// Connection names and forwarding headers removed, the checked Host, no
// User-Agent added, the body's framing) and the same body; the client gets
// the same status, header fields and body back.
func TestPlainForwardSendsWhatReverseProxySends(t *testing.T) {
	var mu sync.Mutex
	var heads []string
	var bodies []string
	rt := startRawTarget(t, func(n int, c net.Conn, br *bufio.Reader) {
		for {
			head, err := readHead(br)
			if err != nil {
				return
			}
			req, err := http.ReadRequest(bufio.NewReader(io.MultiReader(strings.NewReader(head), br)))
			if err != nil {
				return
			}
			body, _ := io.ReadAll(req.Body)
			mu.Lock()
			heads = append(heads, head)
			bodies = append(bodies, string(body))
			mu.Unlock()
			resp := "up:" + string(body)
			fmt.Fprintf(c, "HTTP/1.1 201 Created\r\nX-Up: 1\r\nConnection: X-Up-Secret, keep-alive\r\nX-Up-Secret: s\r\nKeep-Alive: timeout=5\r\nContent-Length: %d\r\n\r\n", len(resp))
			if req.Method != http.MethodHead { // HEAD: the length is announced, no body sent
				io.WriteString(c, resp)
			}
		}
	})
	port := portOf(rt.addr())
	reqs := []string{
		"GET http://127.0.0.1:" + port + "/a%2Fb/c?q=1&x=%20y HTTP/1.1\r\nHost: ignored.example\r\nAccept: */*\r\n\r\n",
		"GET HTTP://127.0.0.1:" + port + "/ HTTP/1.1\r\nHost: example.com\r\nUser-Agent: agent/1\r\nConnection: X-Secret, keep-alive\r\nX-Secret: 1\r\nKeep-Alive: 300\r\nProxy-Connection: keep-alive\r\n" +
			"X-Forwarded-For: 10.0.0.1\r\nX-Forwarded-Host: a\r\nX-Forwarded-Proto: http\r\nForwarded: for=10.0.0.1\r\nTe: trailers, deflate\r\nProxy-Authorization: Basic eDp5\r\nX-Multi: 1\r\nX-Multi: 2\r\n\r\n",
		"POST http://127.0.0.1:" + port + "/post HTTP/1.1\r\nHost: example.com\r\nContent-Type: text/plain\r\nContent-Length: 11\r\n\r\nhello world",
		"POST http://127.0.0.1:" + port + "/chunked HTTP/1.1\r\nHost: example.com\r\nTransfer-Encoding: chunked\r\n\r\n5\r\nhello\r\n6\r\n world\r\n0\r\n\r\n",
		"PUT http://127.0.0.1:" + port + "/empty HTTP/1.1\r\nHost: example.com\r\nContent-Length: 0\r\n\r\n",
		"DELETE http://127.0.0.1:" + port + "/d HTTP/1.0\r\n\r\n",
		"HEAD http://127.0.0.1:" + port + "/h HTTP/1.1\r\nHost: example.com\r\n\r\n",
		"OPTIONS http://127.0.0.1:" + port + " HTTP/1.1\r\nHost: example.com\r\n\r\n",
		"PATCH http://127.0.0.1:" + port + "/p?a HTTP/1.1\r\nHost: example.com\r\nUser-Agent: one\r\nUser-Agent: two\r\n\r\n",
		"GET http://127.0.0.1:" + port + "/ua HTTP/1.1\r\nHost: example.com\r\nUser-Agent:\r\nX-Tab: a\tb \r\nZ-Last: z\r\nA-First: a\r\nContent-Length: 0\r\n\r\n",
		"POST http://127.0.0.1:" + port + "/empty HTTP/1.1\r\nHost: example.com\r\n\r\n",
	}
	type seen struct {
		status int
		header http.Header
		body   string
	}
	run := func(viaRP bool) ([]string, []string, []seen) {
		mu.Lock()
		heads, bodies = nil, nil
		mu.Unlock()
		ip := proxyFor(t, AuditAsync, nil, rt.addr())
		ip.p.viaReverseProxy = viaRP
		var got []seen
		for _, req := range reqs {
			res, body := rawExchange(t, ip.srv.Listener.Addr().String(), req)
			res.Header.Del("Date")
			got = append(got, seen{res.StatusCode, res.Header, string(body)})
		}
		mu.Lock()
		defer mu.Unlock()
		return heads, bodies, got
	}
	plainHeads, plainBodies, plainSeen := run(false)
	rpHeads, rpBodies, rpSeen := run(true)
	if len(plainHeads) != len(reqs) || len(rpHeads) != len(reqs) {
		t.Fatalf("the upstream saw %d and %d requests, want %d each", len(plainHeads), len(rpHeads), len(reqs))
	}
	for i := range reqs {
		if plainHeads[i] != rpHeads[i] {
			t.Errorf("request %d: the upstream saw\n%q\nfrom the plain forwarder and\n%q\nfrom the ReverseProxy", i, plainHeads[i], rpHeads[i])
		}
		if plainBodies[i] != rpBodies[i] {
			t.Errorf("request %d: body %q against %q", i, plainBodies[i], rpBodies[i])
		}
		if fmt.Sprint(plainSeen[i]) != fmt.Sprint(rpSeen[i]) {
			t.Errorf("request %d: the client got\n%v\nfrom the plain forwarder and\n%v\nfrom the ReverseProxy", i, plainSeen[i], rpSeen[i])
		}
	}
	// What both must do, checked on the plain forwarder's output.
	h := plainHeads[1]
	for _, gone := range []string{"X-Secret", "Keep-Alive", "Proxy-Connection", "Connection", "X-Forwarded", "Forwarded", "Proxy-Authorization"} {
		if strings.Contains(h, gone) {
			t.Errorf("the upstream saw %s: %q", gone, h)
		}
	}
	if !strings.Contains(h, "Host: 127.0.0.1:"+port+"\r\n") || !strings.Contains(h, "Te: trailers\r\n") || !strings.Contains(h, "User-Agent: agent/1\r\n") {
		t.Errorf("head %q", h)
	}
	if strings.Contains(plainHeads[0], "User-Agent") || !strings.HasPrefix(plainHeads[0], "GET /a%2Fb/c?q=1&x=%20y HTTP/1.1\r\nHost: 127.0.0.1:"+port+"\r\n") {
		t.Errorf("head %q", plainHeads[0])
	}
	if plainSeen[1].header.Get("X-Up-Secret") != "" || plainSeen[1].header.Get("Keep-Alive") != "" || plainSeen[1].header.Get("X-Up") != "1" {
		t.Errorf("response header %v", plainSeen[1].header)
	}
	if plainBodies[3] != "hello world" || plainSeen[3].body != "up:hello world" {
		t.Errorf("chunked body: upstream %q, client %q", plainBodies[3], plainSeen[3].body)
	}
}

// keepAliveTarget is an httptest server counting its connections.
func keepAliveTarget(t *testing.T, h http.Handler) (*httptest.Server, *atomic.Int32) {
	t.Helper()
	var conns atomic.Int32
	srv := httptest.NewUnstartedServer(h)
	srv.Config.ConnState = func(_ net.Conn, st http.ConnState) {
		if st == http.StateNew {
			conns.Add(1)
		}
	}
	srv.Start()
	t.Cleanup(srv.Close)
	return srv, &conns
}

// TestPlainForwardKeepAlive: one upstream connection carries a run of
// requests whose responses are framed every way (length, chunked, HEAD,
// 204, 304) and request bodies with a length and chunked; every record
// names the address the request went to.
func TestPlainForwardKeepAlive(t *testing.T) {
	mux := http.NewServeMux()
	mux.HandleFunc("/len", func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Length", "5")
		io.WriteString(w, "fixed")
	})
	mux.HandleFunc("/chunked", func(w http.ResponseWriter, r *http.Request) {
		for i := range 3 {
			fmt.Fprintf(w, "part %d;", i)
			w.(http.Flusher).Flush()
		}
	})
	mux.HandleFunc("/204", func(w http.ResponseWriter, r *http.Request) { w.WriteHeader(http.StatusNoContent) })
	mux.HandleFunc("/304", func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("ETag", `"v1"`)
		w.WriteHeader(http.StatusNotModified)
	})
	mux.HandleFunc("/echo", func(w http.ResponseWriter, r *http.Request) {
		b, _ := io.ReadAll(r.Body)
		w.Header().Set("X-Length", strconv.FormatInt(r.ContentLength, 10))
		w.Header().Set("X-Chunked", strconv.FormatBool(len(r.TransferEncoding) > 0))
		fmt.Fprintf(w, "%x", sha256.Sum256(b))
	})
	srv, conns := keepAliveTarget(t, mux)
	ip := proxyFor(t, AuditSync, nil, srv.Listener.Addr().String())
	base := "http://" + srv.Listener.Addr().String()
	big := bytes.Repeat([]byte("0123456789abcdef"), 20000) // 320 KB
	sum := fmt.Sprintf("%x", sha256.Sum256(big))

	do := func(method, path string, body io.Reader) (*http.Response, string) {
		t.Helper()
		req, _ := http.NewRequest(method, base+path, body)
		res, err := ip.client.Do(req)
		if err != nil {
			t.Fatalf("%s %s: %v", method, path, err)
		}
		b, err := io.ReadAll(res.Body)
		res.Body.Close()
		if err != nil {
			t.Fatalf("%s %s: body: %v", method, path, err)
		}
		return res, string(b)
	}
	for round := range 2 {
		if res, b := do("GET", "/len", nil); res.StatusCode != 200 || b != "fixed" {
			t.Errorf("GET /len: %d %q", res.StatusCode, b)
		}
		if res, b := do("HEAD", "/len", nil); res.StatusCode != 200 || b != "" || res.ContentLength != 5 {
			t.Errorf("HEAD /len: %d %q length %d", res.StatusCode, b, res.ContentLength)
		}
		if res, b := do("GET", "/chunked", nil); res.StatusCode != 200 || b != "part 0;part 1;part 2;" || res.ContentLength != -1 {
			t.Errorf("GET /chunked: %d %q length %d", res.StatusCode, b, res.ContentLength)
		}
		if res, b := do("GET", "/204", nil); res.StatusCode != 204 || b != "" {
			t.Errorf("GET /204: %d %q", res.StatusCode, b)
		}
		if res, b := do("GET", "/304", nil); res.StatusCode != 304 || b != "" || res.Header.Get("ETag") != `"v1"` {
			t.Errorf("GET /304: %d %q %v", res.StatusCode, b, res.Header)
		}
		if res, b := do("POST", "/echo", bytes.NewReader(big)); b != sum || res.Header.Get("X-Length") != strconv.Itoa(len(big)) {
			t.Errorf("POST with a length: %q %v", b, res.Header)
		}
		pr, pw := io.Pipe()
		go func() {
			for i := 0; i < len(big); i += 7000 {
				pw.Write(big[i:min(i+7000, len(big))])
			}
			pw.Close()
		}()
		if res, b := do("POST", "/echo", pr); b != sum || res.Header.Get("X-Chunked") != "true" {
			t.Errorf("POST chunked: %q %v", b, res.Header)
		}
		if n := conns.Load(); n != 1 {
			t.Fatalf("round %d: the upstream saw %d connections, want 1 (kept alive and reused)", round, n)
		}
	}
	recs := records(t, ip.audit)
	if len(recs) != 14 {
		t.Fatalf("%d records, want 14", len(recs))
	}
	for _, r := range recs {
		if r.Outcome != "allowed" || r.Fields["addr"] != srv.Listener.Addr().String() || r.Fields["end"] != "closed" {
			t.Errorf("record %+v", r)
		}
	}
	if up := recs[5].Fields["bytes_up"]; up != float64(len(big)) {
		t.Errorf("bytes_up %v, want %d", up, len(big))
	}
}

// TestPlainForwardUpstreamCloses: an upstream that closes a kept-alive
// connection. Closed while idle: the next request (even a POST) goes on a
// new connection. Closed when the next request arrives: a GET (idempotent,
// no body) is sent again on a new connection; a POST fails with 502
// dial_failed, since the upstream may have acted on it.
func TestPlainForwardUpstreamCloses(t *testing.T) {
	const ok = "HTTP/1.1 200 OK\r\nContent-Length: 2\r\n\r\nok"
	t.Run("closed while idle", func(t *testing.T) {
		closed := make(chan struct{}, 4)
		rt := startRawTarget(t, func(n int, c net.Conn, br *bufio.Reader) {
			req, err := http.ReadRequest(br)
			if err != nil {
				return
			}
			io.Copy(io.Discard, req.Body)
			io.WriteString(c, ok)
			c.Close()
			closed <- struct{}{}
		})
		ip := proxyFor(t, AuditSync, nil, rt.addr())
		for i := range 3 {
			res, err := ip.client.Post("http://"+rt.addr()+"/p", "text/plain", strings.NewReader("body"))
			if err != nil {
				t.Fatal(err)
			}
			b, _ := io.ReadAll(res.Body)
			res.Body.Close()
			if res.StatusCode != 200 || string(b) != "ok" {
				t.Fatalf("POST %d: %d %q", i, res.StatusCode, b)
			}
			<-closed
			time.Sleep(20 * time.Millisecond) // the FIN reaches the proxy's idle connection
		}
		if n := rt.conns.Load(); n != 3 {
			t.Errorf("%d connections, want 3", n)
		}
	})
	t.Run("closed on the next request", func(t *testing.T) {
		rt := startRawTarget(t, func(n int, c net.Conn, br *bufio.Reader) {
			req, err := http.ReadRequest(br)
			if err != nil {
				return
			}
			io.Copy(io.Discard, req.Body)
			io.WriteString(c, ok)
			readHead(br) // the second request: hang up without an answer
		})
		ip := proxyFor(t, AuditSync, nil, rt.addr())
		for i := range 3 {
			if st, _ := ip.get(t, rt.addr()); st != 200 {
				t.Fatalf("GET %d: %d", i, st)
			}
		}
		if n := rt.conns.Load(); n != 3 {
			t.Errorf("%d connections for 3 GETs, want 3 (each retried once on a new one)", n)
		}
		res, err := ip.client.Post("http://"+rt.addr()+"/p", "text/plain", strings.NewReader("body"))
		if err != nil {
			t.Fatal(err)
		}
		io.Copy(io.Discard, res.Body)
		res.Body.Close()
		if res.StatusCode != http.StatusBadGateway || res.Header.Get(headerRule) != "dial_failed" {
			t.Errorf("POST on a connection the upstream drops: %d %q, want 502 dial_failed", res.StatusCode, res.Header.Get(headerRule))
		}
		recs := records(t, ip.audit)
		last := recs[len(recs)-1]
		if last.Outcome != "error" || last.Rules[0] != "dial_failed" || last.Route != "POST "+rt.addr() {
			t.Errorf("record %+v", last)
		}
	})
}

// TestPlainForwardCutBody: a response body that ends before its length
// reaches the client as a cut connection, not a short body, its record
// ends in error, and the connection is not used again.
func TestPlainForwardCutBody(t *testing.T) {
	rt := startRawTarget(t, func(n int, c net.Conn, br *bufio.Reader) {
		for {
			req, err := http.ReadRequest(br)
			if err != nil {
				return
			}
			if req.URL.Path == "/cut" {
				io.WriteString(c, "HTTP/1.1 200 OK\r\nContent-Length: 100\r\n\r\n"+strings.Repeat("x", 50))
				return
			}
			io.WriteString(c, "HTTP/1.1 200 OK\r\nContent-Length: 2\r\n\r\nok")
		}
	})
	ip := proxyFor(t, AuditSync, nil, rt.addr())
	if st, _ := ip.get(t, rt.addr()); st != 200 {
		t.Fatalf("GET: %d", st)
	}
	// The client sees an error: at the header (the proxy had not flushed
	// it yet) or in the body, never a whole response.
	// (A client of its own: on a kept-alive connection net/http would
	// send the GET again after the cut.)
	if res, err := proxyClient(ip.srv.Listener.Addr().String()).Get("http://" + rt.addr() + "/cut"); err == nil {
		b, err := io.ReadAll(res.Body)
		res.Body.Close()
		if err == nil || len(b) >= 100 {
			t.Errorf("a cut body read as whole: %d bytes, %v", len(b), err)
		}
	}
	if st, _ := ip.get(t, rt.addr()); st != 200 {
		t.Fatalf("GET after the cut: %d", st)
	}
	if n := rt.conns.Load(); n != 2 {
		t.Errorf("%d upstream connections, want 2 (the cut one not reused)", n)
	}
	recs := records(t, ip.audit)
	if len(recs) != 3 || recs[1].Fields["end"] != "error" || recs[1].Fields["bytes_down"] != float64(50) || recs[2].Fields["end"] != "closed" {
		t.Errorf("records %+v", recs)
	}
}

// TestPlainForwardTrailersAnd1xx: response trailers and a 103 Early Hints
// reach the client.
func TestPlainForwardTrailersAnd1xx(t *testing.T) {
	mux := http.NewServeMux()
	mux.HandleFunc("/trailer", func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Trailer", "X-Sum")
		io.WriteString(w, "body")
		w.Header().Set("X-Sum", "42")
	})
	mux.HandleFunc("/early", func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Link", "</style.css>; rel=preload")
		w.WriteHeader(http.StatusEarlyHints)
		io.WriteString(w, "late")
	})
	srv, _ := keepAliveTarget(t, mux)
	ip := proxyFor(t, AuditAsync, nil, srv.Listener.Addr().String())
	res, err := ip.client.Get(srv.URL + "/trailer")
	if err != nil {
		t.Fatal(err)
	}
	b, _ := io.ReadAll(res.Body)
	res.Body.Close()
	if string(b) != "body" || res.Trailer.Get("X-Sum") != "42" {
		t.Errorf("trailer: %q %v", b, res.Trailer)
	}
	var hints []string
	req, _ := http.NewRequest("GET", srv.URL+"/early", nil)
	req = req.WithContext(httptrace.WithClientTrace(req.Context(), &httptrace.ClientTrace{
		Got1xxResponse: func(code int, h textproto.MIMEHeader) error {
			hints = append(hints, strconv.Itoa(code)+" "+h.Get("Link"))
			return nil
		},
	}))
	res, err = ip.client.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	b, _ = io.ReadAll(res.Body)
	res.Body.Close()
	if string(b) != "late" || len(hints) != 1 || hints[0] != "103 </style.css>; rel=preload" {
		t.Errorf("early hints: %q %q", b, hints)
	}
}

// TestPlainForwardRefusesUnaskedUpgrade: a 101 to a request that asked for
// no upgrade is a 502, as from the ReverseProxy.
func TestPlainForwardRefusesUnaskedUpgrade(t *testing.T) {
	rt := startRawTarget(t, func(n int, c net.Conn, br *bufio.Reader) {
		if _, err := http.ReadRequest(br); err == nil {
			io.WriteString(c, "HTTP/1.1 101 Switching Protocols\r\nConnection: Upgrade\r\nUpgrade: websocket\r\n\r\n")
			io.Copy(io.Discard, c)
		}
	})
	ip := proxyFor(t, AuditSync, nil, rt.addr())
	if st, rule := ip.get(t, rt.addr()); st != http.StatusBadGateway || rule != "dial_failed" {
		t.Errorf("unasked 101: %d %q", st, rule)
	}
}

// fuzzConn is an upstream whose answer is fixed bytes; what is written to
// it is dropped.
type fuzzConn struct {
	net.Conn
	r io.Reader
}

func (c fuzzConn) Read(p []byte) (int, error)  { return c.r.Read(p) }
func (c fuzzConn) Write(p []byte) (int, error) { return len(p), nil }
func (c fuzzConn) Close() error                { return nil }

// fuzzWriter records what relay writes to the client.
type fuzzWriter struct {
	h      http.Header
	status int
	infos  int
	body   bytes.Buffer
}

func (w *fuzzWriter) Header() http.Header { return w.h }
func (w *fuzzWriter) WriteHeader(code int) {
	if code < 200 {
		w.infos++
		return
	}
	if w.status == 0 {
		w.status = code
	}
}
func (w *fuzzWriter) Write(b []byte) (int, error) {
	if w.status == 0 {
		w.status = 200
	}
	return w.body.Write(b)
}
func (w *fuzzWriter) Flush() {}

// FuzzPlainResponse: whatever an upstream answers, reading and relaying it
// does not panic, a relayed response of known length is passed on whole,
// no hop-by-hop field reaches the client, and a connection is offered for
// reuse only after a response that allows it.
func FuzzPlainResponse(f *testing.F) {
	for _, s := range []string{
		"HTTP/1.1 200 OK\r\nContent-Length: 2\r\n\r\nok",
		"HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\nTrailer: X-Sum\r\n\r\n3\r\nabc\r\n0\r\nX-Sum: 1\r\n\r\n",
		"HTTP/1.1 103 Early Hints\r\nLink: </a>\r\n\r\nHTTP/1.1 204 No Content\r\n\r\n",
		"HTTP/1.0 200 OK\r\n\r\nuntil close",
		"HTTP/1.1 200 OK\r\nConnection: close, X-A\r\nX-A: 1\r\nKeep-Alive: 5\r\nContent-Length: 1\r\n\r\nx",
		"HTTP/1.1 200 OK\r\nContent-Length: 10\r\n\r\nshort",
		"HTTP/1.1 304 Not Modified\r\nContent-Length: 99\r\n\r\n",
		"HTTP/1.1 101 Switching Protocols\r\nUpgrade: x\r\n\r\n",
		"HTTP/1.1 200 OK\r\nContent-Length: 1\r\nContent-Length: 2\r\n\r\nxx",
		"garbage\r\n\r\n",
	} {
		f.Add([]byte(s), false)
		f.Add([]byte(s), true)
	}
	f.Fuzz(func(t *testing.T, answer []byte, head bool) {
		uc := newUpConn(fuzzConn{r: bytes.NewReader(answer)}, netip.MustParseAddrPort("192.0.2.1:80"))
		method := http.MethodGet
		if head {
			method = http.MethodHead
		}
		out := &http.Request{Method: method, URL: &url.URL{Scheme: "http", Host: "example.com", Path: "/"}, Host: "example.com",
			Proto: "HTTP/1.1", ProtoMajor: 1, ProtoMinor: 1, Header: outHeader(http.Header{"Connection": {"X-B"}, "X-B": {"1"}})}
		w := &fuzzWriter{h: http.Header{}}
		res, err := uc.roundTrip(out, w)
		if err != nil || res.StatusCode == http.StatusSwitchingProtocols {
			return
		}
		keep, err := relay(w, res)
		if err != nil {
			return
		}
		if w.status != res.StatusCode {
			t.Fatalf("status %d relayed as %d", res.StatusCode, w.status)
		}
		if res.ContentLength > 0 && !head && int64(w.body.Len()) != res.ContentLength {
			t.Fatalf("a body of length %d relayed as %d bytes", res.ContentLength, w.body.Len())
		}
		for k := range w.h {
			if isHop(k) && k != "Trailer" {
				t.Fatalf("hop-by-hop field %s relayed", k)
			}
		}
		if keep && res.Close {
			t.Fatal("a connection the response closes offered for reuse")
		}
	})
}

// TestPlainForwardClientGoesAway: a client that hangs up while the
// upstream has not answered ends the exchange (the upstream connection is
// closed, the record written), as the Transport's cancellation did.
func TestPlainForwardClientGoesAway(t *testing.T) {
	upstreamClosed, giveUp := make(chan struct{}), make(chan struct{})
	rt := startRawTarget(t, func(n int, c net.Conn, br *bufio.Reader) {
		if _, err := http.ReadRequest(br); err != nil {
			return
		}
		go func() { <-giveUp; c.Close() }() // lets a failed test end
		io.Copy(io.Discard, br)             // no answer; returns when the proxy closes
		close(upstreamClosed)
	})
	var once sync.Once
	stop := func() { once.Do(func() { close(giveUp) }) }
	t.Cleanup(stop)
	ip := proxyFor(t, AuditSync, nil, rt.addr())
	c, err := net.Dial("tcp", ip.srv.Listener.Addr().String())
	if err != nil {
		t.Fatal(err)
	}
	fmt.Fprintf(c, "GET http://%s/hang HTTP/1.1\r\nHost: x\r\n\r\n", rt.addr())
	waitUntil(t, "the request to reach the upstream", func() bool { return rt.conns.Load() == 1 })
	c.Close()
	select {
	case <-upstreamClosed:
	case <-time.After(10 * time.Second):
		stop()
		t.Fatal("the upstream connection stayed open after the client left")
	}
	waitUntil(t, "the exchange to end", func() bool { return ip.p.users.active() == 0 })
	recs := records(t, ip.audit)
	if len(recs) != 1 || recs[0].Outcome != "error" || recs[0].Fields["end"] != "error" || recs[0].Fields["addr"] != rt.addr() {
		t.Errorf("records %+v", recs)
	}
}
