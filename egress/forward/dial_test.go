package forward

import (
	"context"
	"errors"
	"net"
	"net/netip"
	"testing"
	"time"

	"github.com/openclaw-secure-stack/securestack/egress"
)

func allowedTo(t *testing.T, ap netip.AddrPort) Decision {
	t.Helper()
	return Decision{Target: egress.Target{Host: "x.test", Port: ap.Port()}, Allowed: true, Rule: RuleAllowlist,
		Addrs: []netip.Addr{ap.Addr()}}
}

func TestDialer(t *testing.T) {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer ln.Close()
	go func() {
		for {
			c, err := ln.Accept()
			if err != nil {
				return
			}
			c.Close()
		}
	}()
	open := netip.MustParseAddrPort(ln.Addr().String())

	t.Run("refuses a decision that is not allowed", func(t *testing.T) {
		d := allowedTo(t, open)
		d.Allowed = false
		if c, _, err := (&Dialer{}).Dial(context.Background(), d); err == nil {
			c.Close()
			t.Fatal("dialed a refused decision")
		}
		if c, _, err := (&Dialer{}).Dial(context.Background(), Decision{Allowed: true}); err == nil {
			c.Close()
			t.Fatal("dialed a decision without addresses")
		}
	})

	for _, tc := range []struct {
		name string
		ctx  func() (context.Context, context.CancelFunc)
	}{
		{"a context that can be cancelled", func() (context.Context, context.CancelFunc) { return context.WithCancel(context.Background()) }},
		{"a context that is never done", func() (context.Context, context.CancelFunc) { return context.Background(), func() {} }},
	} {
		t.Run("reaches the checked address, after one that refuses: "+tc.name, func(t *testing.T) {
			ctx, cancel := tc.ctx()
			defer cancel()
			d := allowedTo(t, open)
			// The first address refuses the connection; the second is open.
			d.Addrs = []netip.Addr{netip.MustParseAddr("127.0.0.2"), open.Addr()}
			closed := closedPort(t, "127.0.0.2")
			d.Target.Port = closed
			if _, _, err := (&Dialer{}).Dial(ctx, d); err == nil {
				t.Fatal("dial of a closed port succeeded")
			}
			d.Target.Port = open.Port()
			c, ap, err := (&Dialer{}).Dial(ctx, d)
			if err != nil {
				t.Fatal(err)
			}
			defer c.Close()
			if c.RemoteAddr().String() != ap.String() || ap.Addr() != d.Addrs[0] && ap.Addr() != d.Addrs[1] {
				t.Fatalf("connected to %v, reported %v", c.RemoteAddr(), ap)
			}
		})

		t.Run("an address that does not answer times out: "+tc.name, func(t *testing.T) {
			ctx, cancel := tc.ctx()
			defer cancel()
			silent := silentListener(t)
			dl := &Dialer{Timeout: 300 * time.Millisecond}
			start := time.Now()
			var err error
			// The silent listener's queue fills with the first attempts.
			for range 5 {
				var c net.Conn
				if c, _, err = dl.Dial(ctx, allowedTo(t, silent)); err != nil {
					break
				}
				t.Cleanup(func() { c.Close() })
				start = time.Now()
			}
			took := time.Since(start)
			var ne net.Error
			if !errors.As(err, &ne) || !ne.Timeout() {
				t.Fatalf("err = %v, want a timeout", err)
			}
			if took < 250*time.Millisecond || took > 5*time.Second {
				t.Fatalf("the attempt took %v with a 300ms timeout", took)
			}
		})
	}

	t.Run("a cancelled context ends the attempt", func(t *testing.T) {
		silent := silentListener(t)
		dl := &Dialer{Timeout: time.Minute}
		ctx, cancel := context.WithCancel(context.Background())
		// Fill the silent listener's queue first.
		for range 5 {
			fctx, fcancel := context.WithTimeout(context.Background(), 300*time.Millisecond)
			c, _, err := dl.Dial(fctx, allowedTo(t, silent))
			fcancel()
			if err != nil {
				break
			}
			t.Cleanup(func() { c.Close() })
		}
		time.AfterFunc(200*time.Millisecond, cancel)
		start := time.Now()
		c, _, err := dl.Dial(ctx, allowedTo(t, silent))
		if err == nil {
			c.Close()
			t.Fatal("dial succeeded")
		}
		if took := time.Since(start); took > 10*time.Second {
			t.Fatalf("cancel ended the attempt after %v", took)
		}
		if !errors.Is(err, context.Canceled) {
			t.Fatalf("err = %v, want context.Canceled", err)
		}
	})
}

// closedPort returns a port on ip where nothing listens.
func closedPort(t *testing.T, ip string) uint16 {
	t.Helper()
	ln, err := net.Listen("tcp", ip+":0")
	if err != nil {
		t.Skipf("cannot listen on %s: %v", ip, err)
	}
	ap := netip.MustParseAddrPort(ln.Addr().String())
	ln.Close()
	return ap.Port()
}
