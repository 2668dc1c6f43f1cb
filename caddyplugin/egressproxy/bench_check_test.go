package egressproxy

import (
	"bytes"
	"net"
	"strconv"
	"testing"
)

// BenchmarkTunnelHostCheck is BenchmarkTunnel with the target's port in
// http_ports: the request in the tunnel is read, its Host judged, and
// written upstream as parsed (tunnelhttp.go). Compare with BenchmarkTunnel
// in the same run.
func BenchmarkTunnelHostCheck(b *testing.B) {
	ip := startInProcess(b, AuditAsync, nil)
	_, port, _ := net.SplitHostPort(ip.target)
	n, _ := strconv.Atoi(port)
	ip.p.httpPorts = []int{n}
	loopTunnels(b, ip.srv.Listener.Addr().String(), ip.target)
}

// BenchmarkScreenHello is the SNI check's parse of a ClientHello (sni.go).
func BenchmarkScreenHello(b *testing.B) {
	rec := clientHelloRecord(b, "api.example.com")
	r := bytes.NewReader(rec)
	loop(b, func() {
		r.Reset(rec)
		_, hello, err := readClientHello(r)
		if err != nil {
			b.Fatal(err)
		}
		if name, err := serverName(hello); err != nil || name != "api.example.com" {
			b.Fatal(name, err)
		}
	})
}
