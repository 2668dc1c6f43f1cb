package egressproxy

import (
	"bufio"
	"context"
	"errors"
	"fmt"
	"io"
	"math"
	"mime"
	"net"
	"net/http"
	"net/netip"
	"net/textproto"
	"net/url"
	"strings"
	"sync"
	"syscall"
	"time"

	"golang.org/x/net/http/httpguts"

	"github.com/openclaw-secure-stack/securestack/egress/forward"
)

// The plain-HTTP forwarder: an absolute-form http:// request from an
// HTTP/1.x client is sent on by the handler's own goroutine over a
// keep-alive connection to one of the decision's checked addresses, and the
// response is read and streamed back on the same goroutine. It sends what
// httputil.ReverseProxy with the proxy's Rewrite and http.Transport send
// (Request.Write, the same header removals) and answers what they answer,
// without the Transport's two goroutines per connection, its channel
// hand-offs, the request clones and the client trace.
//
// What it does not handle goes to the ReverseProxy (see plainForward):
// https:// (TLS, HTTP/2 upstreams), HTTP/2 or HTTP/3 clients, Upgrade
// (WebSocket), Expect (100-continue), request trailers, and header fields
// net/http would refuse to send.

// Upstream keep-alive limits: the Transport's settings.
const (
	upIdlePerAddr  = 256
	upIdleTotal    = 1024
	upIdleTimeout  = 90 * time.Second
	upHeaderLimit  = 10 << 20 // http.Transport's default MaxResponseHeaderBytes
	upBufSize      = 4 << 10
	upSweepEvery   = 30 * time.Second
	upRetryOnFresh = 1
)

// plainForward reports whether r is for the single-goroutine forwarder.
// Everything else takes the ReverseProxy, which handles every case.
func plainForward(r *http.Request) bool {
	if r.ProtoMajor != 1 || r.Trailer != nil || !strings.EqualFold(r.URL.Scheme, "http") {
		return false
	}
	for k, vv := range r.Header {
		switch k {
		case "Upgrade", "Expect":
			return false
		}
		if !httpguts.ValidHeaderFieldName(k) {
			return false
		}
		for _, v := range vv {
			if !httpguts.ValidHeaderFieldValue(v) {
				return false
			}
		}
	}
	return true
}

// hopHeaders are removed in both directions (ReverseProxy's list), with
// the headers a Connection field names.
var hopHeaders = [...]string{
	"Connection", "Proxy-Connection", "Keep-Alive", "Proxy-Authenticate",
	"Proxy-Authorization", "Te", "Trailer", "Transfer-Encoding", "Upgrade",
}

func isHop(k string) bool {
	for _, h := range hopHeaders {
		if k == h {
			return true
		}
	}
	return false
}

// connectionListed is the set of header names h's Connection fields name,
// canonical, or nil.
func connectionListed(h http.Header) map[string]bool {
	var m map[string]bool
	for _, f := range h["Connection"] {
		for sf := range strings.SplitSeq(f, ",") {
			if sf = textproto.TrimString(sf); sf != "" {
				if m == nil {
					m = map[string]bool{}
				}
				m[http.CanonicalHeaderKey(sf)] = true
			}
		}
	}
	return m
}

// outHeader is the header sent upstream: the client's, without hop-by-hop
// fields, the fields its Connection names, and the forwarding headers
// (Forwarded, X-Forwarded-*), with Te: trailers kept when the client sent
// it and an empty User-Agent when it sent none (so none is added). The
// values are shared with in, which is not changed.
func outHeader(in http.Header) http.Header {
	listed := connectionListed(in)
	out := make(http.Header, len(in)+1)
	for k, vv := range in {
		if isHop(k) || listed[k] {
			continue
		}
		switch k {
		case "Forwarded", "X-Forwarded-For", "X-Forwarded-Host", "X-Forwarded-Proto":
			continue
		}
		out[k] = vv
	}
	if httpguts.HeaderValuesContainsToken(in["Te"], "trailers") {
		out["Te"] = []string{"trailers"}
	}
	if _, ok := out["User-Agent"]; !ok {
		out["User-Agent"] = []string{""}
	}
	return out
}

// copyResponseHeader adds the upstream's header fields, less the
// hop-by-hop ones, to dst (ReverseProxy's copyHeader: values add to what
// is there, such as Caddy's Server). src is not used again, so its value
// slices are taken over where dst has none.
func copyResponseHeader(dst, src http.Header) {
	listed := connectionListed(src)
	for k, vv := range src {
		if isHop(k) || listed[k] {
			continue
		}
		if have, ok := dst[k]; ok {
			dst[k] = append(have, vv...)
		} else {
			dst[k] = vv
		}
	}
}

// upConn is one upstream connection with its buffers.
type upConn struct {
	conn  net.Conn
	addr  netip.AddrPort
	rd    upReader
	br    *bufio.Reader
	bw    *bufio.Writer
	idle  time.Time // when it went back to the pool
	raw   syscall.RawConn
	fresh bool // dialled for this request, not taken from the pool
}

// upReader is what the bufio.Reader reads: the connection, with a bound
// on the response header's size (the Transport's) and a count of the
// bytes read since the request was sent.
type upReader struct {
	c     net.Conn
	limit int64
	n     int64
}

func (u *upReader) Read(p []byte) (int, error) {
	if u.limit <= 0 {
		return 0, fmt.Errorf("the upstream's response header exceeded %d bytes", upHeaderLimit)
	}
	if int64(len(p)) > u.limit {
		p = p[:u.limit]
	}
	n, err := u.c.Read(p)
	u.limit -= int64(n)
	u.n += int64(n)
	return n, err
}

func newUpConn(c net.Conn, addr netip.AddrPort) *upConn {
	uc := &upConn{conn: c, addr: addr, fresh: true}
	uc.rd.c = c
	uc.br = bufio.NewReaderSize(&uc.rd, upBufSize)
	uc.bw = bufio.NewWriterSize(c, upBufSize)
	if sc, ok := c.(syscall.Conn); ok {
		uc.raw, _ = sc.SyscallConn()
	}
	return uc
}

// upPool holds idle upstream connections by the address they reach.
type upPool struct {
	mu     sync.Mutex
	idle   map[netip.AddrPort][]*upConn
	n      int
	closed bool
	sweep  *time.Timer
}

// get returns an idle connection to one of addrs at port, or nil. A
// connection whose upstream has closed it (or sent something unasked)
// while it was idle is closed and skipped.
func (p *upPool) get(d forward.Decision) *upConn {
	p.mu.Lock()
	if p.n == 0 {
		p.mu.Unlock()
		return nil
	}
	now := time.Now()
	for _, a := range d.Addrs {
		ap := netip.AddrPortFrom(a, d.Target.Port)
		for {
			list := p.idle[ap]
			if len(list) == 0 {
				break
			}
			uc := list[len(list)-1]
			list[len(list)-1] = nil
			p.idle[ap] = list[:len(list)-1]
			p.n--
			if now.Sub(uc.idle) >= upIdleTimeout {
				uc.conn.Close()
				continue
			}
			p.mu.Unlock()
			if uc.alive() {
				uc.fresh = false
				return uc
			}
			uc.conn.Close()
			p.mu.Lock()
		}
	}
	p.mu.Unlock()
	return nil
}

// put keeps uc for the next request to its address, or closes it.
func (p *upPool) put(uc *upConn) {
	uc.idle = time.Now()
	p.mu.Lock()
	if p.closed || p.n >= upIdleTotal || len(p.idle[uc.addr]) >= upIdlePerAddr {
		p.mu.Unlock()
		uc.conn.Close()
		return
	}
	if p.idle == nil {
		p.idle = map[netip.AddrPort][]*upConn{}
	}
	p.idle[uc.addr] = append(p.idle[uc.addr], uc)
	p.n++
	if p.sweep == nil {
		p.sweep = time.AfterFunc(upSweepEvery, p.expire)
	}
	p.mu.Unlock()
}

// expire closes the connections idle for longer than upIdleTimeout, and
// runs again while any are left.
func (p *upPool) expire() {
	now := time.Now()
	p.mu.Lock()
	defer p.mu.Unlock()
	if p.closed {
		return
	}
	for ap, list := range p.idle {
		keep := list[:0]
		for _, uc := range list {
			if now.Sub(uc.idle) >= upIdleTimeout {
				uc.conn.Close()
				p.n--
			} else {
				keep = append(keep, uc)
			}
		}
		clear(list[len(keep):])
		if len(keep) == 0 {
			delete(p.idle, ap)
		} else {
			p.idle[ap] = keep
		}
	}
	if p.n > 0 {
		p.sweep.Reset(upSweepEvery)
	} else {
		p.sweep = nil
	}
}

// close closes the idle connections; connections in use are closed when
// they come back.
func (p *upPool) close() {
	p.mu.Lock()
	defer p.mu.Unlock()
	p.closed = true
	if p.sweep != nil {
		p.sweep.Stop()
	}
	for _, list := range p.idle {
		for _, uc := range list {
			uc.conn.Close()
		}
	}
	p.idle, p.n = nil, 0
}

// alive reports whether an idle connection is still open with nothing
// unread: one non-blocking peek (peekOpen). Without it a request would go
// out on a connection the upstream closed while it was idle (a server's
// keep-alive timeout), and only a request that can be sent again could be
// retried.
func (uc *upConn) alive() bool {
	if uc.br.Buffered() > 0 {
		return false
	}
	if uc.raw == nil {
		return true
	}
	return peekOpen(uc.raw)
}

// errNotForwarded marks a failure before any byte of a response came back
// on a connection from the pool: the request may be sent again on a new
// connection if it is idempotent and has no body.
type errNotForwarded struct{ err error }

func (e errNotForwarded) Error() string { return e.err.Error() }
func (e errNotForwarded) Unwrap() error { return e.err }

// roundTrip writes out on uc and reads the final response, passing 1xx
// responses on to w as ReverseProxy does.
func (uc *upConn) roundTrip(out *http.Request, w http.ResponseWriter) (*http.Response, error) {
	uc.rd.limit, uc.rd.n = upHeaderLimit, 0
	err := out.Write(uc.bw)
	if err == nil {
		err = uc.bw.Flush()
	}
	if err != nil {
		if uc.rd.n == 0 && !uc.fresh {
			return nil, errNotForwarded{err}
		}
		return nil, err
	}
	for {
		res, err := http.ReadResponse(uc.br, out)
		if err != nil {
			if uc.rd.n == 0 && !uc.fresh {
				return nil, errNotForwarded{err}
			}
			return nil, err
		}
		if res.StatusCode >= 100 && res.StatusCode <= 199 && res.StatusCode != http.StatusSwitchingProtocols {
			h := w.Header()
			for k, vv := range res.Header {
				for _, v := range vv {
					h.Add(k, v)
				}
			}
			w.WriteHeader(res.StatusCode)
			clear(h)
			uc.rd.limit = upHeaderLimit
			continue
		}
		uc.rd.limit = math.MaxInt64
		return res, nil
	}
}

// aLongTimeAgo is a deadline that has passed: it ends a blocked read or
// write at once.
var aLongTimeAgo = time.Unix(1, 0)

// upstream returns a connection to one of the decision's addresses: an
// idle one, or a new one dialled to the first address that answers.
func (p *Proxy) upstream(ctx context.Context, ex *exchange, pooled bool) (*upConn, error) {
	if pooled {
		if uc := p.pool.get(ex.d); uc != nil {
			return uc, nil
		}
	}
	c, addr, err := p.dialer.Dial(ctx, ex.d)
	if err != nil {
		return nil, err
	}
	return newUpConn(c, addr), nil
}

// forwardPlain sends r on and streams the response to cw, on this
// goroutine. It does what ReverseProxy's ServeHTTP does with the proxy's
// Rewrite and ErrorHandler for the requests plainForward accepts.
func (p *Proxy) forwardPlain(cw *countingWriter, r *http.Request, ex *exchange) {
	ctx := r.Context()
	in := r.URL
	out := &http.Request{
		Method:     r.Method,
		URL:        &url.URL{Scheme: "http", Host: ex.dest, Path: in.Path, RawPath: in.RawPath, RawQuery: in.RawQuery},
		Proto:      "HTTP/1.1",
		ProtoMajor: 1,
		ProtoMinor: 1,
		Header:     outHeader(r.Header),
		Host:       hostHeader(ex.target, ex.dest, "http"),
	}
	if r.ContentLength != 0 && r.Body != nil && r.Body != http.NoBody {
		out.Body = &ex.body
		out.ContentLength = r.ContentLength
		out.TransferEncoding = r.TransferEncoding
	}
	// A request that can be sent twice: one that does not change anything
	// (RFC 9110's idempotent methods, less PUT and DELETE, whose effect
	// the client may not expect twice) and has no body.
	replayable := out.Body == nil && (r.Method == http.MethodGet || r.Method == http.MethodHead ||
		r.Method == http.MethodOptions || r.Method == http.MethodTrace)

	var (
		uc   *upConn
		res  *http.Response
		err  error
		stop func() bool
	)
	for attempt := 0; ; attempt++ {
		uc, err = p.upstream(ctx, ex, attempt == 0)
		if err != nil {
			break
		}
		ex.dialed = uc.addr // where the request went, whatever comes back
		c := uc.conn
		stop = context.AfterFunc(ctx, func() { c.SetDeadline(aLongTimeAgo) })
		res, err = uc.roundTrip(out, cw)
		if err == nil {
			break
		}
		stop()
		uc.conn.Close()
		var nf errNotForwarded
		if !replayable || attempt >= upRetryOnFresh || ctx.Err() != nil || !errors.As(err, &nf) {
			break
		}
	}
	if err != nil {
		if ctx.Err() != nil {
			ex.end = forward.EndError
			return
		}
		p.refuse(cw, ex, dialRefusal(ex, err))
		return
	}

	reuse := false
	defer func() {
		if !stop() {
			reuse = false // the context ended: the connection's deadline is spent
		}
		if reuse {
			p.pool.put(uc)
		} else {
			uc.conn.Close()
		}
	}()

	if res.StatusCode == http.StatusSwitchingProtocols {
		// Nothing asked for an upgrade (such requests take the
		// ReverseProxy), so this is ReverseProxy's refusal of it.
		p.refuse(cw, ex, dialRefusal(ex, fmt.Errorf("backend tried to switch protocol %q when %q was requested",
			upgradeOf(res.Header), "")))
		return
	}

	ok, err := relay(cw, res)
	if err != nil {
		// The response cannot be completed: cut the client's connection,
		// as ReverseProxy does, so that it does not take a short body for
		// a whole one. forward records the exchange as ended in error.
		panic(http.ErrAbortHandler)
	}
	reuse = ok && uc.br.Buffered() == 0
}

// relay writes res to w: its header less the hop-by-hop fields, the status,
// the body (flushed as it comes for a stream), then the trailers. It
// returns an error when the body could not be read to its end or written
// whole, and whether the upstream connection may take another request.
func relay(w http.ResponseWriter, res *http.Response) (keepAlive bool, err error) {
	h := w.Header()
	copyResponseHeader(h, res.Header)
	announced := len(res.Trailer)
	if announced > 0 {
		keys := make([]string, 0, announced)
		for k := range res.Trailer {
			keys = append(keys, k)
		}
		h.Add("Trailer", strings.Join(keys, ", "))
	}
	w.WriteHeader(res.StatusCode)

	var rc *http.ResponseController
	if streamed(res) {
		rc = http.NewResponseController(w)
	}
	if err := copyBody(w, res.Body, rc); err != nil {
		return false, err
	}
	res.Body.Close() // at EOF: fills res.Trailer

	if len(res.Trailer) > 0 {
		http.NewResponseController(w).Flush() // chunked, so the trailers can follow
	}
	if len(res.Trailer) == announced {
		for k, vv := range res.Trailer {
			for _, v := range vv {
				h.Add(k, v)
			}
		}
	} else {
		for k, vv := range res.Trailer {
			k = http.TrailerPrefix + k
			for _, v := range vv {
				h.Add(k, v)
			}
		}
	}
	return !res.Close, nil
}

func upgradeOf(h http.Header) string {
	if !httpguts.HeaderValuesContainsToken(h["Connection"], "Upgrade") {
		return ""
	}
	return h.Get("Upgrade")
}

// streamed reports whether each piece of the body is flushed to the client
// as it comes (ReverseProxy's rule): an event stream, or a body of unknown
// length.
func streamed(res *http.Response) bool {
	if res.ContentLength == -1 {
		return true
	}
	ct := res.Header.Get("Content-Type")
	if len(ct) < len("text/event-stream") || !strings.EqualFold(ct[:len("text/event-stream")], "text/event-stream") {
		return false
	}
	mt, _, err := mime.ParseMediaType(ct)
	return err == nil && mt == "text/event-stream"
}

// copyBody copies the response body to w, flushing after each write when
// rc is set. It returns nil only when the body was read to its end and
// written whole.
func copyBody(w io.Writer, body io.Reader, rc *http.ResponseController) error {
	bp := copyBufs.Get().(*[]byte)
	defer copyBufs.Put(bp)
	buf := *bp
	for {
		nr, rerr := body.Read(buf)
		if nr > 0 {
			nw, werr := w.Write(buf[:nr])
			if werr != nil {
				return werr
			}
			if nw != nr {
				return io.ErrShortWrite
			}
			if rc != nil {
				rc.Flush()
			}
		}
		if rerr == io.EOF {
			return nil
		}
		if rerr != nil {
			return rerr
		}
	}
}
