package forward

import (
	"bufio"
	"errors"
	"io"
	"net"
	"sync"
	"sync/atomic"
	"time"
)

// A direction starts with a 32 KiB buffer, which keeps an idle or chatty
// tunnel small, and moves to a 256 KiB one once a read fills the small
// buffer: a bulk transfer then takes an eighth of the system calls.
const (
	bufSize     = 32 << 10
	bulkBufSize = 256 << 10
)

var (
	bufPool     = sync.Pool{New: func() any { b := make([]byte, bufSize); return &b }}
	bulkBufPool = sync.Pool{New: func() any { b := make([]byte, bulkBufSize); return &b }}
)

// PipeConfig bounds a tunnel in time.
type PipeConfig struct {
	// Idle ends the tunnel when no byte has moved either way for this long
	// (a direction blocked on a peer that does not read counts as idle).
	// Zero means no idle limit.
	Idle time.Duration
	// Total ends the tunnel this long after it started, busy or not. Zero
	// means no limit.
	Total time.Duration
}

// How a tunnel ended.
const (
	EndClosed = "closed" // both sides finished (EOF each way)
	EndIdle   = "idle"   // PipeConfig.Idle passed without a byte
	EndTotal  = "total"  // PipeConfig.Total passed
	EndError  = "error"  // a read or write failed (reset, broken pipe)
)

// PipeResult is what moved through a tunnel and how it ended.
type PipeResult struct {
	Up   int64 // bytes from the client to the upstream
	Down int64 // bytes from the upstream to the client
	End  string
	Err  error // the first error, for EndError
}

// Pipe copies bytes both ways between client and upstream until both
// directions end, then closes both. An EOF from one side is passed on as a
// half-close (CloseWrite) to the other, so protocols that finish writing
// before they finish reading keep working. Any error, the idle limit or the
// total limit ends both directions at once.
func Pipe(client, upstream net.Conn, cfg PipeConfig) PipeResult {
	p := &pipe{start: time.Now(), idle: cfg.Idle, total: cfg.Total, conns: [2]net.Conn{client, upstream}}
	// Both limits are connection deadlines, so a tunnel needs no timer of
	// its own: a read or write that times out asks expired whether the
	// tunnel is over.
	if p.idle > 0 || p.total > 0 {
		p.arm(0)
	}
	p.wg.Add(1)
	go p.down()
	var res PipeResult
	res.Up = p.copy(upstream, client)
	p.wg.Wait()
	client.Close()
	upstream.Close()
	p.mu.Lock()
	res.Down, res.End, res.Err = p.downBytes, p.end, p.err
	p.mu.Unlock()
	if res.End == "" {
		res.End = EndClosed
	}
	return res
}

// down copies upstream to client, on the tunnel's second goroutine.
func (p *pipe) down() {
	defer p.wg.Done()
	p.downBytes = p.copy(p.conns[0], p.conns[1])
}

type pipe struct {
	start time.Time
	idle  time.Duration
	total time.Duration
	conns [2]net.Conn
	last  atomic.Int64 // time.Since(start) of the last byte read either way
	armed atomic.Int64 // time.Since(start) when the deadlines were last moved
	eofs  atomic.Int32 // directions that have ended with EOF

	wg        sync.WaitGroup // the second goroutine (down)
	downBytes int64          // what down copied; read after wg.Wait

	mu   sync.Mutex
	end  string
	err  error
	done bool
}

// arm sets both connections' read and write deadlines to the idle limit
// counted from at (time since start), or the total limit if that comes
// first. One deadline per connection covers both directions (the runtime
// keeps one timer for a connection whose read and write deadlines are
// equal); a byte moving either way moves it for both, as Idle says.
func (p *pipe) arm(at time.Duration) {
	p.armed.Store(int64(at))
	var until time.Duration
	switch {
	case p.idle <= 0:
		until = p.total
	case p.total > 0 && p.total < at+p.idle:
		until = p.total
	default:
		until = at + p.idle
	}
	d := p.start.Add(until)
	for _, c := range p.conns {
		c.SetDeadline(d)
	}
}

// expired is called after a read or write timed out. It returns why the
// tunnel is over, or "" when it is not (the other direction moved since
// this one's deadline was set): then the deadlines are moved on.
func (p *pipe) expired() string {
	now := time.Since(p.start)
	if p.total > 0 && now >= p.total {
		return EndTotal
	}
	if p.idle > 0 {
		last := time.Duration(p.last.Load())
		if now-last >= p.idle {
			return EndIdle
		}
	}
	p.arm(time.Duration(p.last.Load()))
	return ""
}

// stop ends the tunnel for reason; the first reason is kept.
func (p *pipe) stop(reason string, err error) {
	p.mu.Lock()
	if p.done {
		p.mu.Unlock()
		return
	}
	p.done, p.end, p.err = true, reason, err
	p.mu.Unlock()
	for _, c := range p.conns {
		c.Close()
	}
}

func (p *pipe) stopped() bool {
	p.mu.Lock()
	defer p.mu.Unlock()
	return p.done
}

// copy moves src to dst and returns the bytes written. Deadlines are moved
// forward at most every idle/8, not on every read, to keep timer updates
// off the hot path; a read that times out checks whether the other
// direction moved before it declares the tunnel idle.
func (p *pipe) copy(dst, src net.Conn) int64 {
	bp, bulk := bufPool.Get().(*[]byte), false
	buf := *bp
	var n int64
	for {
		nr, rerr := src.Read(buf)
		if nr > 0 {
			now := time.Since(p.start)
			p.last.Store(int64(now))
			if p.idle > 0 && now-time.Duration(p.armed.Load()) > p.idle/8 {
				p.arm(now)
			}
			nw, werr := dst.Write(buf[:nr])
			n += int64(nw)
			if nr == bufSize && !bulk {
				bufPool.Put(bp)
				bp, bulk = bulkBufPool.Get().(*[]byte), true
				buf = *bp
			}
			if werr == nil && nw != nr {
				werr = io.ErrShortWrite
			}
			if werr != nil {
				// A write that times out is a peer that does not read:
				// the tunnel is idle (or out of time), whatever the
				// other direction did.
				p.fail(werr)
				break
			}
		}
		if rerr == nil {
			continue
		}
		if rerr == io.EOF {
			// Pass the half-close on, unless the other direction is done
			// too: then both connections are closed at once, and a
			// shutdown first would only cost a system call.
			if p.eofs.Add(1) == 1 {
				if cw, ok := dst.(interface{ CloseWrite() error }); ok {
					cw.CloseWrite()
				}
			}
			break
		}
		if (p.idle > 0 || p.total > 0) && isTimeout(rerr) && !p.stopped() {
			if end := p.expired(); end != "" {
				p.stop(end, nil)
				break
			}
			continue
		}
		p.fail(rerr)
		break
	}
	if bulk {
		bulkBufPool.Put(bp)
	} else {
		bufPool.Put(bp)
	}
	return n
}

// fail ends the tunnel for err, unless it already ended (in which case err
// is only the echo of the close).
func (p *pipe) fail(err error) {
	if (p.idle > 0 || p.total > 0) && isTimeout(err) {
		if p.total > 0 && time.Since(p.start) >= p.total {
			p.stop(EndTotal, nil)
		} else {
			p.stop(EndIdle, nil)
		}
		return
	}
	p.stop(EndError, err)
}

// BufferedConn is a hijacked connection whose bufio.Reader may already hold
// bytes the client sent after its request (a TLS ClientHello sent without
// waiting for the 200). Reads drain those first.
type BufferedConn struct {
	net.Conn
	r *bufio.Reader
}

// NewBufferedConn returns c reading first from r's buffer, or c itself when
// r holds nothing.
func NewBufferedConn(c net.Conn, r *bufio.Reader) net.Conn {
	if r == nil || r.Buffered() == 0 {
		return c
	}
	return &BufferedConn{Conn: c, r: r}
}

func (b *BufferedConn) Read(p []byte) (int, error) {
	if b.r != nil {
		if b.r.Buffered() > 0 {
			return b.r.Read(p)
		}
		b.r = nil
	}
	return b.Conn.Read(p)
}

// CloseWrite half-closes the underlying connection when it can.
func (b *BufferedConn) CloseWrite() error {
	if cw, ok := b.Conn.(interface{ CloseWrite() error }); ok {
		return cw.CloseWrite()
	}
	return errors.ErrUnsupported
}
