package egressproxy

import (
	"bufio"
	"bytes"
	"errors"
	"io"
	"net"
	"net/http"
	"strconv"
	"strings"
	"sync"
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

// idleConn moves its deadline on with reads and writes (at most every
// eighth of the idle limit, as the pipe does), so that a tunnel read
// request by request keeps the pipe's idle and total limits.
type idleConn struct {
	net.Conn
	idle  time.Duration
	until time.Time // the total limit, or zero
	armed time.Time // when the deadline was last moved
	n     int64     // bytes read
	w     int64     // bytes written
}

func (c *idleConn) arm() {
	if c.idle <= 0 && c.until.IsZero() {
		return
	}
	now := time.Now()
	if !c.armed.IsZero() && (c.idle <= 0 || now.Sub(c.armed) < c.idle/8) {
		return
	}
	c.armed = now
	var d time.Time
	if c.idle > 0 {
		d = now.Add(c.idle)
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
	var src io.Reader = cc
	pre := bufferedPart(cbr)
	if pre.Len() > 0 {
		src = io.MultiReader(pre, cc)
	}
	cr, ur := relayReaders.Get().(*bufio.Reader), relayReaders.Get().(*bufio.Reader)
	uw, cw := relayWriters.Get().(*bufio.Writer), relayWriters.Get().(*bufio.Writer)
	cr.Reset(src)
	ur.Reset(uc)
	uw.Reset(uc)
	cw.Reset(cc)
	end := forward.EndClosed
	defer func() {
		cr.Reset(nil)
		ur.Reset(nil)
		uw.Reset(nil)
		cw.Reset(nil)
		relayReaders.Put(cr)
		relayReaders.Put(ur)
		relayWriters.Put(uw)
		relayWriters.Put(cw)
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
		if req.ProtoMajor != 1 {
			// "PRI * HTTP/2.0": HTTP/2 with prior knowledge, whose streams
			// each name their own :authority; not read here.
			req.Body.Close()
			p.refuseInTunnel(cc, ex, "HTTP/2 in the tunnel to "+ex.dest+" is not relayed on an HTTP port; send HTTP/1.1")
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
		// An upgrade to h2c would carry HTTP/2 streams, each naming its own
		// :authority, past this check: the request goes on without it (the
		// server answers in HTTP/1.1). Other upgrades (WebSocket) keep to
		// the origin that accepted them.
		if httpguts.HeaderValuesContainsToken(req.Header["Upgrade"], "h2c") {
			req.Header.Del("Upgrade")
			req.Header.Del("Http2-Settings")
		}
		upgrade := httpguts.HeaderValuesContainsToken(req.Header["Connection"], "upgrade") && len(req.Header["Upgrade"]) > 0
		// Bodies stream: what is buffered goes out before each wait for more.
		if req.Body != nil && req.Body != http.NoBody {
			req.Body = flushReader{req.Body, uw}
		}
		err = req.Write(relayWriter{uw})
		if err == nil {
			err = uw.Flush()
		}
		if err != nil {
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
				if err := writeResponse(cw, res); err != nil {
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
			werr := writeResponse(cw, res)
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

// writeResponse writes res to w and flushes it; its body streams (see
// relayWriter).
func writeResponse(w *bufio.Writer, res *http.Response) error {
	if res.Body != nil && res.Body != http.NoBody {
		res.Body = flushReader{res.Body, w}
	}
	if err := res.Write(relayWriter{w}); err != nil {
		return err
	}
	return w.Flush()
}

// relayWriter is a buffered writer whose ReadFrom (what io.Copy of a body
// uses) sends what is buffered before each wait for more of the body, so
// a stream (server-sent events, a chunked upload) is not held back, and
// copies through a pooled buffer. bufio.Writer's own ReadFrom reads into
// its buffer and cannot flush between reads.
type relayWriter struct{ w *bufio.Writer }

func (r relayWriter) Write(b []byte) (int, error)       { return r.w.Write(b) }
func (r relayWriter) WriteString(s string) (int, error) { return r.w.WriteString(s) }
func (r relayWriter) WriteByte(c byte) error            { return r.w.WriteByte(c) }

func (r relayWriter) ReadFrom(src io.Reader) (int64, error) {
	return r.copy(r.w, src)
}

// copy copies src to dst through a pooled buffer, flushing r's buffer
// before each read.
func (r relayWriter) copy(dst io.Writer, src io.Reader) (int64, error) {
	bp := copyBufs.Get().(*[]byte)
	defer copyBufs.Put(bp)
	buf := *bp
	var n int64
	for {
		if r.w.Buffered() > 0 {
			if err := r.w.Flush(); err != nil {
				return n, err
			}
		}
		nr, err := src.Read(buf)
		if nr > 0 {
			nw, werr := dst.Write(buf[:nr])
			n += int64(nw)
			if werr != nil {
				return n, werr
			}
		}
		if err == io.EOF {
			return n, nil
		}
		if err != nil {
			return n, err
		}
	}
}

// flushReader is a body that flushes w (where the body is being written)
// before each read of it: what was written goes out before the relay waits
// for more. Its WriteTo (what io.Copy uses for a chunked or unbounded
// body) copies through a pooled buffer.
type flushReader struct {
	r io.ReadCloser
	w *bufio.Writer
}

func (f flushReader) Read(b []byte) (int, error) {
	if f.w.Buffered() > 0 {
		if err := f.w.Flush(); err != nil {
			return 0, err
		}
	}
	return f.r.Read(b)
}

func (f flushReader) Close() error { return f.r.Close() }

func (f flushReader) WriteTo(dst io.Writer) (int64, error) {
	return relayWriter{f.w}.copy(dst, f)
}

// The relay's buffers, reused across tunnels.
var (
	relayReaders = sync.Pool{New: func() any { return bufio.NewReaderSize(nil, 4<<10) }}
	relayWriters = sync.Pool{New: func() any { return bufio.NewWriterSize(nil, 4<<10) }}
)

// bufferedPart is what r holds already, as a reader of its own.
func bufferedPart(r *bufio.Reader) *strings.Reader {
	if r == nil || r.Buffered() == 0 {
		return strings.NewReader("")
	}
	b, _ := r.Peek(r.Buffered())
	return strings.NewReader(string(b)) // a copy: r's buffer goes back to the pool
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
	return bytes.NewReader(b)
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
