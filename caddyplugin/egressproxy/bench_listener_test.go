package egressproxy

import (
	"bufio"
	"context"
	"io"
	"net"
	"net/http"
	"testing"
	"time"

	"github.com/openclaw-secure-stack/securestack/auditlog"
	"github.com/openclaw-secure-stack/securestack/egress"
	"github.com/openclaw-secure-stack/securestack/egress/forward"
)

// BenchmarkTunnelListener is BenchmarkTunnel with the CONNECT taken from a
// bare listener instead of net/http: the request read with
// http.ReadRequest, the same decision, dial, 200, Pipe and audit record.
// The difference between the two is what a listener-level CONNECT path
// would save of net/http's work per tunnel (Caddy's own request setup,
// which the in-process benchmarks do not run, comes on top); see
// docs/DESIGN.md.
func BenchmarkTunnelListener(b *testing.B) {
	ip := startInProcess(b, AuditAsync, nil)
	p := ip.p
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		b.Fatal(err)
	}
	b.Cleanup(func() { ln.Close() })
	go func() {
		for {
			c, err := ln.Accept()
			if err != nil {
				return
			}
			go p.serveConnectConn(c)
		}
	}()
	proxy := ln.Addr().String()
	loopTunnels(b, proxy, ip.target)
}

// serveConnectConn is the measurement's bare CONNECT path (allowed
// requests only; a refusal just closes).
func (p *Proxy) serveConnectConn(c net.Conn) {
	br := bufio.NewReader(c)
	c.SetReadDeadline(time.Now().Add(10 * time.Second))
	r, err := http.ReadRequest(br)
	if err != nil || r.Method != http.MethodConnect {
		c.Close()
		return
	}
	ctx := context.WithValue(context.Background(), http.LocalAddrContextKey, c.LocalAddr())
	host, _, _ := net.SplitHostPort(c.RemoteAddr().String())
	ex := &exchange{start: time.Now(), kind: "connect", method: r.Method, client: host}
	p.users.hold()
	defer p.users.unhold()
	defer p.record(ex)
	if ex.target, err = egress.ParseAuthority(r.RequestURI); err != nil {
		c.Close()
		return
	}
	ex.dest = ex.target.String()
	if ex.d = p.policy.Decide(ctx, ex.target); !ex.d.Allowed || p.audit.Err() != nil {
		c.Close()
		return
	}
	ex.rule, ex.outcome = ex.d.Rule, auditlog.OutcomeAllowed
	up, addr, err := p.dialer.Dial(ctx, ex.d)
	if err != nil {
		c.Close()
		return
	}
	ex.dialed = addr
	c.SetReadDeadline(time.Time{})
	io.WriteString(c, "HTTP/1.1 200 Connection established\r\n\r\n")
	ex.status = http.StatusOK
	res := forward.Pipe(forward.NewBufferedConn(c, br), up, p.pipeCfg)
	ex.up, ex.down, ex.end = res.Up, res.Down, res.End
}
