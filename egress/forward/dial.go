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
	nd := net.Dialer{Timeout: timeout, KeepAlive: keepAlive}
	var last error
	for _, a := range d.Addrs {
		// Not net.Dialer.DialTCP: as of Go 1.26 it binds the socket to
		// the zero local address it is given (bind(0.0.0.0:0) before the
		// connect), which takes an ephemeral port without regard to the
		// destination and fails with EADDRINUSE once the ports are held
		// by connections in TIME_WAIT; connect alone shares them per
		// destination.
		ap := netip.AddrPortFrom(a, d.Target.Port)
		c, err := nd.DialContext(ctx, "tcp", ap.String())
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
