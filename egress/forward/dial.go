package forward

import (
	"context"
	"errors"
	"net"
	"net/netip"
	"time"
)

// DefaultDialTimeout bounds the connection attempt to one address.
const DefaultDialTimeout = 10 * time.Second

// Dialer connects to the addresses of an allowed Decision and to nothing
// else: it takes addresses, never names, so nothing is resolved again
// between the check and the connection.
type Dialer struct {
	// Timeout bounds each address's attempt. Default DefaultDialTimeout.
	Timeout time.Duration
	// KeepAlive is the TCP keep-alive period of upstream connections.
	// Zero means none: a tunnel has its own idle limit, and the probes'
	// socket options cost three system calls per connection.
	KeepAlive time.Duration
}

// Dial connects to the first of addrs that answers, in order, at port. It
// returns the connection and the address it reached. d must be allowed.
// Each address's attempt ends after Timeout, or when ctx is done.
func (dl *Dialer) Dial(ctx context.Context, d Decision) (net.Conn, netip.AddrPort, error) {
	if !d.Allowed || len(d.Addrs) == 0 {
		return nil, netip.AddrPort{}, errors.New("egress: dial of a target that was not allowed")
	}
	timeout := dl.Timeout
	if timeout <= 0 {
		timeout = DefaultDialTimeout
	}
	keepAlive := dl.KeepAlive
	if keepAlive == 0 {
		keepAlive = -1
	}
	nd := net.Dialer{KeepAlive: keepAlive}
	if ctx.Done() == nil {
		// A context that is never done: the dialer's own timer context.
		nd.Timeout = timeout
	}
	var buf [len("[ffff:ffff:ffff:ffff:ffff:ffff:255.255.255.255%zone]:65535")]byte
	var last error
	for _, a := range d.Addrs {
		// Not net.Dialer.DialTCP: as of Go 1.26 it binds the socket to
		// the zero local address it is given (bind(0.0.0.0:0) before the
		// connect), which takes an ephemeral port without regard to the
		// destination and fails with EADDRINUSE once the ports are held
		// by connections in TIME_WAIT; connect alone shares them per
		// destination.
		ap := netip.AddrPortFrom(a, d.Target.Port)
		dctx := ctx
		if nd.Timeout == 0 {
			dctx = withDialDeadline(ctx, time.Now().Add(timeout))
		}
		c, err := nd.DialContext(dctx, "tcp", string(ap.AppendTo(buf[:0])))
		if err == nil {
			return c, ap, nil
		}
		last = err
		if ctx.Err() != nil {
			break
		}
	}
	return nil, netip.AddrPort{}, last
}

// dialDeadline is ctx with an earlier deadline that it does not enforce
// itself: the dial's connect does, with the socket's write deadline in the
// runtime's poller, which net.Dialer sets from the context's deadline. A
// net.Dialer with a Timeout would instead derive a timer context (a timer,
// its cancellation registered with ctx and undone after the connect: about
// ten allocations and a timer per connection). ctx's Done, Err and Value are
// ctx's own, so a caller that gives up (a client that hangs up) still ends
// the attempt. ctx.Done() must not be nil: net.Dialer applies the deadline
// only to a context that can be done.
type dialDeadline struct {
	context.Context
	deadline time.Time
}

func withDialDeadline(ctx context.Context, deadline time.Time) context.Context {
	if d, ok := ctx.Deadline(); ok && d.Before(deadline) {
		return ctx
	}
	return &dialDeadline{Context: ctx, deadline: deadline}
}

func (c *dialDeadline) Deadline() (time.Time, bool) { return c.deadline, true }
