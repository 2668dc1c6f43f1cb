package egressproxy

import (
	"bufio"
	"errors"
	"io"
	"net"
	"net/http"
	"strconv"
	"strings"
	"time"

	"golang.org/x/net/http/httpguts"

	"github.com/openclaw-secure-stack/securestack/auditlog"
	"github.com/openclaw-secure-stack/securestack/egress"
	"github.com/openclaw-secure-stack/securestack/egress/forward"
)

// The Host check of a CONNECT tunnel on a plain-HTTP port (REDTEAM round 4).
//
// OpenClaw's managed proxy tunnels http:// requests too (undici's
// proxyTunnel: true): "CONNECT api.example.com:80", then the request in
// clear. A CDN or shared front end at those addresses routes each request
// by its Host header, so a request in the tunnel with "Host: evil.example"
// reaches any site the CDN serves ("domain fronting" by Host, the
// port-80 twin of SNI fronting). On the ports in http_ports (default 80)
// the proxy therefore reads the tunnel as HTTP/1.1, one request and its
// response at a time: each request's Host must be the CONNECT's host or
// another allowed name, and each request is written upstream as it was
// parsed (Request.Write: one framing, no smuggling between the proxy's
// reading and the upstream's). A protocol switch (101, WebSocket) hands
// the rest of the tunnel to the byte pipe; a stream that is not HTTP is
// refused.

// ruleHostNotAllowed refuses a tunnel whose HTTP request names a host off
// the list.
const ruleHostNotAllowed = "tunnel_host_not_allowed"

// DefaultHTTPPorts are the destination ports whose tunnels are read as
// HTTP/1.1 and held to their Host.
var DefaultHTTPPorts = []int{80}

func (p *Proxy) httpPort(port uint16) bool {
	for _, n := range p.httpPorts {
		if int(port) == n {
			return true
		}
	}
	return false
}

// idleConn moves its deadline on with every read and write, so that a
// tunnel read request by request keeps the pipe's idle and total limits.
type idleConn struct {
	net.Conn
	idle  time.Duration
	until time.Time // the total limit, or zero
	n     int64     // bytes read
	w     int64     // bytes written
}

func (c *idleConn) arm() {
	var d time.Time
	if c.idle > 0 {
		d = time.Now().Add(c.idle)
	}
	if !c.until.IsZero() && (d.IsZero() || c.until.Before(d)) {
		d = c.until
	}
	c.Conn.SetDeadline(d)
}

func (c *idleConn) Read(b []byte) (int, error) {
	c.arm()
	n, err := c.Conn.Read(b)
	c.n += int64(n)
	return n, err
}

func (c *idleConn) Write(b []byte) (int, error) {
	c.arm()
	n, err := c.Conn.Write(b)
	c.w += int64(n)
	return n, err
}

// relayHTTP serves a tunnel on an HTTP port: request by request, each
// checked, until either side closes, a request is refused, or a protocol
// switch hands the rest to forward.Pipe. It sets the exchange's counts and
// end (and, for a refusal, its outcome).
func (p *Proxy) relayHTTP(conn net.Conn, cbr *bufio.Reader, up net.Conn, ex *exchange) {
	var until time.Time
	if p.pipeCfg.Total > 0 {
		until = time.Now().Add(p.pipeCfg.Total)
	}
	cc := &idleConn{Conn: conn, idle: p.pipeCfg.Idle, until: until}
	uc := &idleConn{Conn: up, idle: p.pipeCfg.Idle, until: until}
	// The client's reader keeps what the server's reader already holds.
	pre := bufferedPart(cbr)
	cr := bufio.NewReaderSize(io.MultiReader(pre, cc), 4<<10)
	ur := bufio.NewReaderSize(uc, 4<<10)
	uw := bufio.NewWriterSize(uc, 4<<10)
	end := forward.EndClosed
	defer func() {
		if ex.end == "" {
			ex.end = end
		}
		ex.up += uc.w
		ex.down += cc.w
		conn.Close()
		up.Close()
	}()
	for {
		// A stream that cannot start a request (TLS, SSH) is refused at
		// its first byte, rather than read until a line ends.
		if b, err := cr.Peek(1); err == nil && !httpguts.IsTokenRune(rune(b[0])) {
			p.refuseInTunnel(cc, ex, "the tunnel to "+ex.dest+" is on an HTTP port and did not carry an HTTP/1.1 request")
			return
		}
		req, err := http.ReadRequest(cr)
		if err != nil {
			if errors.Is(err, io.EOF) {
				return // the client is done
			}
			end = endOf(err)
			if end == forward.EndError && !isNetErr(err) {
				p.refuseInTunnel(cc, ex, "the tunnel to "+ex.dest+" is on an HTTP port and did not carry an HTTP/1.1 request: "+err.Error())
			}
			return
		}
		if msg, ok := p.tunnelHost(req, ex); !ok {
			req.Body.Close()
			p.refuseInTunnel(cc, ex, msg)
			return
		}
		if req.Host == "" {
			req.Host = hostHeader(ex.target, ex.dest, "http")
		}
		// The proxy relays one exchange at a time: a client that waits for
		// 100 Continue would wait for the body the proxy is reading.
		req.Header.Del("Expect")
		if _, ok := req.Header["User-Agent"]; !ok {
			req.Header["User-Agent"] = []string{""} // Request.Write would add Go's
		}
		upgrade := httpguts.HeaderValuesContainsToken(req.Header["Connection"], "upgrade")
		if err := req.Write(uw); err == nil {
			err = uw.Flush()
		} else {
			end = endOf(err)
			return
		}
		req.Body.Close()
		for {
			res, err := http.ReadResponse(ur, req)
			if err != nil {
				end = endOf(err)
				if errors.Is(err, io.EOF) || errors.Is(err, io.ErrUnexpectedEOF) {
					end = forward.EndClosed
				}
				return
			}
			if res.StatusCode == http.StatusSwitchingProtocols {
				if !upgrade {
					end = forward.EndError
					return
				}
				if err := res.Write(cc); err != nil {
					end = endOf(err)
					return
				}
				conn.SetDeadline(time.Time{})
				up.SetDeadline(time.Time{})
				// The rest is the upgraded protocol's: bytes, both ways.
				client := &readerConn{Conn: conn, r: io.MultiReader(heldPart(cr), pre, conn)}
				upstream := &readerConn{Conn: up, r: io.MultiReader(heldPart(ur), up)}
				r := forward.Pipe(client, upstream, p.pipeCfg)
				ex.up += r.Up
				ex.down += r.Down
				ex.end = r.End
				return
			}
			werr := res.Write(cc)
			res.Body.Close()
			if werr != nil {
				end = endOf(werr)
				return
			}
			if res.StatusCode >= 100 && res.StatusCode < 200 {
				continue
			}
			if res.Close || req.Close {
				return
			}
			break
		}
	}
}

// tunnelHost judges a request's Host in a tunnel: the CONNECT's host, or
// another name on the list (with any port; the connection's port is the
// CONNECT's).
func (p *Proxy) tunnelHost(req *http.Request, ex *exchange) (string, bool) {
	if req.Host == "" {
		return "", true // the address's default site: what the CONNECT named
	}
	t, err := egress.ParseHostPort(req.Host, ex.target.Port)
	if err != nil {
		return "the Host " + quoteName(req.Host) + " of a request in the tunnel to " + ex.dest + " is not a host name", false
	}
	if t.Host == ex.target.Host {
		return "", true
	}
	if !t.IsIP() && p.lists.List().Match(t.Host) {
		if ex.sni == "" {
			ex.sni = t.Host // audited as the name asked for
		}
		return "", true
	}
	ex.sni = t.Host
	return "the Host " + quoteName(req.Host) + " of a request in the tunnel to " + ex.dest +
		" is not on the egress allowlist (Host header domain fronting)", false
}

// refuseInTunnel answers the refused request with a 403 in the tunnel and
// ends it.
func (p *Proxy) refuseInTunnel(c net.Conn, ex *exchange, msg string) {
	ex.outcome, ex.rule, ex.message = auditlog.OutcomeBlocked, ruleHostNotAllowed, msg
	body := "egress_proxy: " + msg + "\n"
	io.WriteString(c, "HTTP/1.1 403 Forbidden\r\nContent-Type: text/plain; charset=utf-8\r\n"+
		headerRule+": "+ruleHostNotAllowed+"\r\nConnection: close\r\nContent-Length: "+strconv.Itoa(len(body))+"\r\n\r\n"+body)
}

// bufferedPart is what r holds already, as a reader of its own.
func bufferedPart(r *bufio.Reader) io.Reader {
	if r == nil || r.Buffered() == 0 {
		return strings.NewReader("")
	}
	b, _ := r.Peek(r.Buffered())
	return strings.NewReader(string(b))
}

func endOf(err error) string {
	var ne net.Error
	if errors.As(err, &ne) && ne.Timeout() {
		return forward.EndIdle
	}
	return forward.EndError
}

func isNetErr(err error) bool {
	var ne net.Error
	var oe *net.OpError
	return errors.As(err, &ne) || errors.As(err, &oe) || errors.Is(err, net.ErrClosed) || errors.Is(err, io.ErrUnexpectedEOF)
}

// heldPart is what r has buffered, taken out of it.
func heldPart(r *bufio.Reader) io.Reader {
	b := make([]byte, r.Buffered())
	io.ReadFull(r, b)
	return strings.NewReader(string(b))
}

// readerConn is a connection read through r (what was buffered, then the
// connection itself).
type readerConn struct {
	net.Conn
	r io.Reader
}

func (c *readerConn) Read(b []byte) (int, error) { return c.r.Read(b) }

func (c *readerConn) CloseWrite() error {
	if cw, ok := c.Conn.(interface{ CloseWrite() error }); ok {
		return cw.CloseWrite()
	}
	return errors.ErrUnsupported
}
