package egressproxy

import (
	"bufio"
	"fmt"
	"io"
	"net"
	"net/http"
	"testing"
)

// The handler's cost per exchange, in process: an httptest server running
// egress_proxy (audit_mode async, the default), a target on loopback, and
// the client, all in this process, so ns/op, cpu-ns/op (the process's user
// and system time per exchange: the figure least disturbed by other load on
// a shared machine) and allocs/op count all three; compare runs of the same
// benchmark. `make bench-egress` measures the built bin/caddy against Squid.

// loop runs f b.N times and reports the process's CPU time per call.
func loop(b *testing.B, f func()) {
	b.ReportAllocs()
	t0, ok := processCPU()
	for b.Loop() {
		f()
	}
	if t1, _ := processCPU(); ok {
		b.ReportMetric(float64(t1-t0)/float64(b.N), "cpu-ns/op")
	}
}

// loopTunnels runs loop over tunnels through proxy to target: CONNECT, one
// request through the tunnel, close.
func loopTunnels(b *testing.B, proxy, target string) {
	connect := []byte(fmt.Sprintf("CONNECT %s HTTP/1.1\r\nHost: %[1]s\r\n\r\n", target))
	req := []byte("GET /x HTTP/1.1\r\nHost: example.com\r\n\r\n")
	connectReq := &http.Request{Method: http.MethodConnect}
	loop(b, func() {
		c, err := net.Dial("tcp", proxy)
		if err != nil {
			b.Fatal(err)
		}
		c.Write(connect)
		br := bufio.NewReader(c)
		res, err := http.ReadResponse(br, connectReq)
		if err != nil || res.StatusCode != http.StatusOK {
			b.Fatalf("CONNECT: %v %v", res, err)
		}
		c.Write(req)
		res, err = http.ReadResponse(br, nil)
		if err != nil || res.StatusCode != http.StatusOK {
			b.Fatalf("through the tunnel: %v %v", res, err)
		}
		io.Copy(io.Discard, res.Body)
		c.Close()
	})
}

// BenchmarkTunnel: CONNECT, one request through the tunnel, close.
func BenchmarkTunnel(b *testing.B) {
	ip := startInProcess(b, AuditAsync, nil)
	proxy := ip.srv.Listener.Addr().String()
	loopTunnels(b, proxy, ip.target)
}

// BenchmarkForward: an absolute-form GET on a keep-alive connection.
func BenchmarkForward(b *testing.B) {
	ip := startInProcess(b, AuditAsync, nil)
	url := "http://" + ip.target + "/x"
	loop(b, func() {
		res, err := ip.client.Get(url)
		if err != nil {
			b.Fatal(err)
		}
		io.Copy(io.Discard, res.Body)
		res.Body.Close()
		if res.StatusCode != http.StatusOK {
			b.Fatalf("GET: %s", res.Status)
		}
	})
}
