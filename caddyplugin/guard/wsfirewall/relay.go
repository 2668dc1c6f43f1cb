package wsfirewall

import (
	"bufio"
	"bytes"
	"crypto/rand"
	"errors"
	"io"
	"net"
	"net/http"
	"sync"
	"time"
)

// The relay sits inside the reverse proxy's own tunnel instead of beside it.
// Caddy's reverse_proxy (and net/http/httputil.ReverseProxy) hijacks the
// client connection after the gateway answers 101 and copies bytes both
// ways. Wrap gives it a ResponseWriter whose Hijack returns a Conn:
//
//   - reading from it (the client-to-gateway direction) parses RFC 6455
//     frames, unmasks a copy of each message, judges it, and hands on the
//     client's original bytes of the messages it allows, unchanged;
//   - writing to it (the gateway-to-client direction) goes straight to the
//     client, with only frame boundaries tracked, so a refusal or a close
//     frame can be slipped in between two gateway frames.
//
// So the gateway-to-client direction costs what a plain proxy costs, and
// the other direction adds one unmask and one JSON scan per message. No
// message is re-encoded, so the bytes the gateway gets are the bytes the
// firewall judged. docs/control-ui.md says why this beats terminating the
// socket with a WebSocket library on both sides.

// Peer is who holds the client side of a socket.
type Peer struct {
	// Role names a role of the firewall's Policy.
	Role string
	// Ended, when not nil, closes when the session ends (logout, revocation);
	// the socket is then closed with 1008.
	Ended <-chan struct{}
	// Expires, when not zero, is when the session ends by itself.
	Expires time.Time
}

// ErrClosedByFirewall is what a Conn's Read returns after the firewall
// closed the socket; the proxy then tears the tunnel down.
var ErrClosedByFirewall = errors.New("openclaw_guard: WebSocket closed by the firewall")

// ResponseWriter passes a firewalled connection to whoever hijacks it.
type ResponseWriter struct {
	http.ResponseWriter
	fw   *Firewall
	peer Peer
}

// Wrap returns w with a Hijack that gives a firewalled Conn. The request
// must have passed PrepareUpgrade.
func (f *Firewall) Wrap(w http.ResponseWriter, peer Peer) *ResponseWriter {
	return &ResponseWriter{ResponseWriter: w, fw: f, peer: peer}
}

// Unwrap lets http.ResponseController reach the wrapped writer.
func (w *ResponseWriter) Unwrap() http.ResponseWriter { return w.ResponseWriter }

// Hijack hijacks the client connection and wraps it. The returned
// ReadWriter writes to the raw connection (the proxy writes the 101 answer
// there) and reads through the firewall, with nothing buffered: Caddy sends
// whatever the client's bufio.Reader holds straight to the gateway, so that
// Reader must never hold unjudged bytes.
func (w *ResponseWriter) Hijack() (net.Conn, *bufio.ReadWriter, error) {
	raw, brw, err := http.NewResponseController(w.ResponseWriter).Hijack()
	if err != nil {
		return nil, nil, err
	}
	var src io.Reader = raw
	if n := brw.Reader.Buffered(); n > 0 {
		early, _ := brw.Peek(n)
		src = io.MultiReader(bytes.NewReader(bytes.Clone(early)), raw)
	}
	c := newConn(raw, src, w.fw, w.peer)
	return c, bufio.NewReadWriter(bufio.NewReaderSize(c, 16), bufio.NewWriter(raw)), nil
}

// Conn is the client side of a firewalled WebSocket.
type Conn struct {
	net.Conn // the client connection
	fw       *Firewall
	sess     session
	src      io.Reader

	// Read side: touched only by the goroutine that reads.
	buf      []byte // buf[r:w] is read from the client and not yet judged
	r, w     int
	outq     [][]byte // judged bytes for the reader, in order
	held     []byte   // raw frames of a fragmented message so far
	heldMsg  []byte   // its unmasked payload
	inMsg    bool
	scratch  []byte
	srcErr   error  // from src, reported once the buffered frames are done
	closeOut []byte // a close frame for the gateway, queued after what was judged before it
	rerr     error  // sticky

	// Write side.
	wmu     sync.Mutex
	wt      tracker
	pending []byte        // frames to slip in at the next boundary
	flushed chan struct{} // closed when pending is written
	wclosed bool          // a close frame went to the client

	done      chan struct{}
	closeOnce sync.Once
}

func newConn(raw net.Conn, src io.Reader, fw *Firewall, peer Peer) *Conn {
	c := &Conn{Conn: raw, fw: fw, sess: session{role: peer.Role}, src: src,
		buf: make([]byte, 32<<10), done: make(chan struct{})}
	if peer.Ended != nil || !peer.Expires.IsZero() {
		go c.watch(peer)
	}
	return c
}

// watch closes the socket when its session ends.
func (c *Conn) watch(peer Peer) {
	var expired <-chan time.Time
	if !peer.Expires.IsZero() {
		t := time.NewTimer(time.Until(peer.Expires))
		defer t.Stop()
		expired = t.C
	}
	select {
	case <-peer.Ended:
	case <-expired:
	case <-c.done:
		return
	}
	if c.fw.OnDecision != nil {
		c.fw.OnDecision(Decision{Action: Close, Role: c.sess.role, Reason: "session_ended",
			CloseCode: ClosePolicyViolation, Message: "openclaw_guard: session ended"})
	}
	c.terminate(ClosePolicyViolation, "openclaw_guard: session ended; log in again")
}

// Close closes the client connection.
func (c *Conn) Close() error {
	c.closeOnce.Do(func() { close(c.done) })
	return c.Conn.Close()
}

// terminate sends the client a close frame (waiting briefly for a frame
// boundary) and closes the connection, which ends the proxy's tunnel.
func (c *Conn) terminate(code int, reason string) {
	c.inject(appendFrame(nil, opClose, closePayload(code, reason), nil), true)
	c.Close()
}

// Read returns the client's bytes that the firewall allows.
func (c *Conn) Read(p []byte) (int, error) {
	for {
		for len(c.outq) > 0 {
			if len(c.outq[0]) == 0 {
				c.outq = c.outq[1:]
				continue
			}
			n := copy(p, c.outq[0])
			c.outq[0] = c.outq[0][n:]
			return n, nil
		}
		c.outq = c.outq[:0]
		if c.closeOut != nil {
			c.outq = append(c.outq, c.closeOut)
			c.closeOut = nil
			c.rerr = ErrClosedByFirewall
			continue
		}
		if c.rerr != nil {
			return 0, c.rerr
		}
		if c.judge() {
			continue
		}
		if c.srcErr != nil {
			// A frame cut off by the end of the stream is dropped, never
			// forwarded in part.
			c.rerr = c.srcErr
			continue
		}
		c.compact()
		n, err := c.src.Read(c.buf[c.w:])
		c.w += n
		if err != nil {
			c.srcErr = err
		}
	}
}

// compact moves unjudged bytes to the front of buf. Only called when the
// reader has taken every judged byte, since those may point into buf.
func (c *Conn) compact() {
	if c.r > 0 {
		c.w = copy(c.buf, c.buf[c.r:c.w])
		c.r = 0
	}
	if c.w == len(c.buf) {
		c.buf = append(c.buf, make([]byte, len(c.buf))...)
	}
}

// judge judges the whole frames in buf[r:w]. It reports whether it produced
// output for the reader or ended the stream.
func (c *Conn) judge() bool {
	start := c.r // buf[start:r] are judged frames not yet queued
	flush := func() {
		if c.r > start {
			c.outq = append(c.outq, c.buf[start:c.r])
		}
	}
	for {
		h, err := parseHeader(c.buf[c.r:c.w])
		if err != nil {
			break
		}
		if code, why := c.checkHeader(h); code != 0 {
			flush()
			if c.fw.OnDecision != nil {
				c.fw.OnDecision(Decision{Action: Close, Role: c.sess.role, Reason: "unjudgeable_frame", CloseCode: code, Message: why})
			}
			c.fail(code, why)
			return true
		}
		end := c.r + h.size + int(h.length)
		if end > c.w {
			if need := end - c.r; need > len(c.buf) {
				// Make room for the whole frame (bounded by checkHeader).
				c.buf = append(c.buf[:len(c.buf)], make([]byte, need-len(c.buf))...)
			}
			break
		}
		if isControl(h.opcode) {
			c.r = end
			continue
		}
		payload := c.unmask(h, c.buf[c.r+h.size:end])
		if c.inMsg || !h.fin {
			flush()
			c.held = append(c.held, c.buf[c.r:end]...)
			c.heldMsg = append(c.heldMsg, payload...)
			c.inMsg = !h.fin
			c.r = end
			start = c.r
			if c.inMsg {
				if len(c.outq) > 0 {
					return true
				}
				continue
			}
			msg, raw := c.heldMsg, c.held
			c.held, c.heldMsg = nil, nil
			if c.decide(msg) {
				c.outq = append(c.outq, raw)
			}
			return true
		}
		frameStart := c.r
		if c.decide(payload) {
			c.r = end
			continue
		}
		// Refused or closed: queue what came before, skip this frame.
		c.r = end
		if frameStart > start {
			c.outq = append(c.outq, c.buf[start:frameStart])
		}
		return true
	}
	if c.r > start {
		flush()
		return true
	}
	return false
}

// checkHeader returns the close code and reason for a client frame header
// the firewall refuses, or 0. Frames it cannot judge (binary where JSON is
// expected, over the size limit) get 1008; broken framing gets 1002.
func (c *Conn) checkHeader(h header) (int, string) {
	max := uint64(c.fw.maxMessage())
	switch {
	case !h.masked:
		return CloseProtocolError, "openclaw_guard: client frames must be masked"
	case h.rsv != 0:
		return CloseProtocolError, "openclaw_guard: reserved bits set, but no extension was negotiated"
	case isControl(h.opcode):
		if h.opcode != opClose && h.opcode != opPing && h.opcode != opPong {
			return CloseProtocolError, "openclaw_guard: unknown control opcode"
		}
		if !h.fin || h.length > 125 {
			return CloseProtocolError, "openclaw_guard: control frames must be whole and at most 125 bytes"
		}
		return 0, ""
	case h.opcode == opBinary:
		return ClosePolicyViolation, "openclaw_guard: binary frame where JSON text is expected"
	case h.opcode == opText && c.inMsg:
		return CloseProtocolError, "openclaw_guard: a new message began inside a fragmented one"
	case h.opcode == opContinuation && !c.inMsg:
		return CloseProtocolError, "openclaw_guard: continuation frame outside a message"
	case h.opcode != opText && h.opcode != opContinuation:
		return CloseProtocolError, "openclaw_guard: unknown opcode"
	case h.length > max || uint64(len(c.heldMsg))+h.length > max:
		return ClosePolicyViolation, "openclaw_guard: message larger than the firewall's limit"
	case uint64(len(c.held))+uint64(h.size)+h.length > 2*max:
		// The raw frames of a fragmented message are held too: fragments
		// without payload must not pile up (red team round 9).
		return ClosePolicyViolation, "openclaw_guard: message cut into more fragments than the firewall holds"
	}
	return 0, ""
}

// unmask returns an unmasked copy of a frame's payload in scratch space.
func (c *Conn) unmask(h header, masked []byte) []byte {
	c.scratch = append(c.scratch[:0], masked...)
	maskBytes(c.scratch, h.mask, 0)
	return c.scratch
}

// decide judges one whole message and acts on a refusal or close. It
// reports whether to forward the message.
func (c *Conn) decide(msg []byte) bool {
	d := c.fw.Inspect(&c.sess, msg)
	switch d.Action {
	case Forward:
		return true
	case Refuse:
		c.inject(appendFrame(nil, opText, d.Reply, nil), false)
		return false
	default:
		c.fail(d.CloseCode, d.Message)
		return false
	}
}

// fail closes the socket on both sides: a close frame to the client, a
// masked close frame to the gateway, then the end of the stream.
func (c *Conn) fail(code int, reason string) {
	c.inject(appendFrame(nil, opClose, closePayload(code, reason), nil), true)
	var mask [4]byte
	rand.Read(mask[:])
	c.closeOut = appendFrame(nil, opClose, closePayload(code, reason), &mask)
}

// Write sends gateway bytes to the client, slipping queued frames in at
// the first frame boundary.
func (c *Conn) Write(p []byte) (int, error) {
	c.wmu.Lock()
	defer c.wmu.Unlock()
	if c.wclosed {
		return 0, net.ErrClosed
	}
	if len(c.pending) == 0 {
		c.wt.skip(p)
		return c.Conn.Write(p)
	}
	written := 0
	for len(p) > 0 {
		if err := c.flushPendingLocked(); err != nil {
			return written, err
		}
		k := c.wt.next(p)
		n, err := c.Conn.Write(p[:k])
		written += n
		if err != nil {
			return written, err
		}
		p = p[k:]
	}
	return written, c.flushPendingLocked()
}

func (c *Conn) flushPendingLocked() error {
	if len(c.pending) == 0 || !c.wt.atBoundary() {
		return nil
	}
	_, err := c.Conn.Write(c.pending)
	c.pending = nil
	if c.flushed != nil {
		close(c.flushed)
		c.flushed = nil
	}
	return err
}

// inject queues a frame for the client and writes it at once when the
// gateway's stream is between frames. A close frame waits up to a second
// for its turn and marks the client side closed.
func (c *Conn) inject(frame []byte, wait bool) {
	c.wmu.Lock()
	if c.wclosed {
		c.wmu.Unlock()
		return
	}
	isClose := frame[0]&0x0F == opClose
	c.pending = append(c.pending, frame...)
	if c.wt.atBoundary() {
		c.flushPendingLocked()
		c.wclosed = c.wclosed || isClose
		c.wmu.Unlock()
		return
	}
	if c.flushed == nil {
		c.flushed = make(chan struct{})
	}
	ch := c.flushed
	c.wmu.Unlock()
	if wait {
		select {
		case <-ch:
		case <-time.After(time.Second):
		}
	}
	if isClose {
		c.wmu.Lock()
		c.wclosed = true
		c.wmu.Unlock()
	}
}

// tracker follows frame boundaries in the gateway's byte stream.
type tracker struct {
	hdr    [14]byte
	nhdr   int
	remain uint64
}

func (t *tracker) atBoundary() bool { return t.nhdr == 0 && t.remain == 0 }

// skip follows p to its end.
func (t *tracker) skip(p []byte) {
	for len(p) > 0 {
		p = p[t.next(p):]
	}
}

// next consumes p up to the next frame boundary (or its end) and returns
// how many bytes that was.
func (t *tracker) next(p []byte) int {
	n := 0
	for n < len(p) {
		if t.remain > 0 {
			k := uint64(len(p) - n)
			if k > t.remain {
				k = t.remain
			}
			n += int(k)
			t.remain -= k
			if t.remain == 0 {
				return n
			}
			continue
		}
		var h header
		var err error
		if t.nhdr == 0 {
			if h, err = parseHeader(p[n:]); err == nil {
				n += h.size
			}
		}
		if t.nhdr > 0 || err != nil {
			t.hdr[t.nhdr] = p[n]
			t.nhdr++
			n++
			if h, err = parseHeader(t.hdr[:t.nhdr]); err != nil {
				continue
			}
			t.nhdr = 0
		}
		t.remain = h.length
		if t.remain == 0 {
			return n
		}
	}
	return n
}
