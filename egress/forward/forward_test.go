package forward

import (
	"context"
	"errors"
	"io"
	"net"
	"net/netip"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/miekg/dns"

	"github.com/openclaw-secure-stack/securestack/egress"
	"github.com/openclaw-secure-stack/securestack/internal/testdns"
)

type fakeLookup map[string][]string

func (f fakeLookup) LookupAddrs(_ context.Context, name string) ([]netip.Addr, error) {
	v, ok := f[name]
	if !ok {
		return nil, &DNSError{Name: name, Reason: RuleDNSNoAddress}
	}
	if len(v) == 1 && v[0] == "timeout" {
		return nil, &DNSError{Name: name, Reason: RuleDNSTimeout, Err: context.DeadlineExceeded}
	}
	var out []netip.Addr
	for _, s := range v {
		out = append(out, netip.MustParseAddr(s))
	}
	return out, nil
}

func TestDecide(t *testing.T) {
	list, err := egress.ParseAllowlist(strings.NewReader(
		"public.test\nprivate.test\nmeta.test\nmixed.test\nnat64.test\ninternal.test\nself.test\nslow.test\ngone.test\n.wild.test\n192.0.2.10\n"), "t")
	if err != nil {
		t.Fatal(err)
	}
	var looked atomic.Int32
	lookup := fakeLookup{
		"public.test":   {"93.184.215.14", "2606:4700::1111"},
		"private.test":  {"10.1.2.3"},
		"meta.test":     {"169.254.169.254"},
		"mixed.test":    {"93.184.215.14", "127.0.0.2"},
		"nat64.test":    {"64:ff9b::a00:1"},
		"internal.test": {"10.20.0.5"},
		"self.test":     {"127.0.0.1"},
		"slow.test":     {"timeout"},
		"a.wild.test":   {"93.184.215.14"},
	}
	pol := &Policy{
		Allowlist: func() *egress.Allowlist { return list },
		AllowCIDR: []netip.Prefix{netip.MustParsePrefix("10.20.0.0/16"), netip.MustParsePrefix("127.0.0.1/32")},
		Ports:     []uint16{443, 80},
		Resolver: lookuperFunc(func(ctx context.Context, name string) ([]netip.Addr, error) {
			looked.Add(1)
			return lookup.LookupAddrs(ctx, name)
		}),
		Self: func(_ context.Context, ap netip.AddrPort) bool { return ap == netip.MustParseAddrPort("127.0.0.1:443") },
	}
	for _, tc := range []struct {
		target  string
		allowed bool
		rule    string
		noDNS   bool
		why     string
	}{
		{"public.test:443", true, RuleAllowlist, false, "a listed name with public addresses"},
		{"a.wild.test:80", true, RuleAllowlist, false, "a name under a dot entry"},
		{"internal.test:443", true, RuleAllowlist, false, "a private address named by allow_cidr"},
		{"unlisted.test:443", false, RuleNameNotAllowed, true, "a name not on the list, without a DNS query"},
		{"public.test:22", false, RulePort, true, "a port not on the list, without a DNS query"},
		{"private.test:443", false, "address_private", false, "a name resolving to a private address"},
		{"meta.test:80", false, "address_link_local", false, "a name resolving to the metadata address"},
		{"mixed.test:443", false, "address_loopback", false, "one internal address among public ones"},
		{"nat64.test:443", false, "address_private", false, "NAT64 of a private address"},
		{"slow.test:443", false, RuleDNSTimeout, false, "a lookup that times out"},
		{"gone.test:443", false, RuleDNSNoAddress, false, "a name with no address"},
		{"93.184.215.14:443", false, RuleIPNotAllowed, true, "a raw public IP not listed"},
		{"10.20.1.1:443", true, RuleAllowAddr, true, "a raw IP inside allow_cidr"},
		{"192.0.2.10:443", true, RuleAllowAddr, true, "a raw IP on an allowlist line"},
		{"[::ffff:10.20.1.1]:443", true, RuleAllowAddr, true, "a mapped raw IP judged as IPv4"},
		{"[64:ff9b::a14:101]:443", false, RuleIPNotAllowed, true, "a NAT64 raw IP is not its IPv4 address"},
		{"127.0.0.1:443", false, RuleProxyLoop, true, "the proxy itself by address"},
		{"self.test:443", false, RuleProxyLoop, false, "the proxy itself by name"},
	} {
		t.Run(tc.why, func(t *testing.T) {
			tg, err := egress.ParseAuthority(tc.target)
			if err != nil {
				t.Fatal(err)
			}
			before := looked.Load()
			d := pol.Decide(context.Background(), tg)
			if d.Allowed != tc.allowed || d.Rule != tc.rule {
				t.Fatalf("Decide(%s) = allowed %v rule %q (%s); want %v %q", tc.target, d.Allowed, d.Rule, d.Message, tc.allowed, tc.rule)
			}
			if tc.noDNS && looked.Load() != before {
				t.Errorf("Decide(%s) asked DNS", tc.target)
			}
			if !d.Allowed && d.Message == "" {
				t.Error("a refusal without a message")
			}
			if !d.Allowed && strings.HasPrefix(tc.rule, RuleAddressPrefix) && !d.Refused.IsValid() {
				t.Error("an address refusal does not name the address")
			}
		})
	}
}

type lookuperFunc func(ctx context.Context, name string) ([]netip.Addr, error)

func (f lookuperFunc) LookupAddrs(ctx context.Context, name string) ([]netip.Addr, error) {
	return f(ctx, name)
}

func startDNS(t *testing.T) *testdns.Server {
	t.Helper()
	s, err := testdns.Start()
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(s.Close)
	return s
}

func TestResolver(t *testing.T) {
	srv := startDNS(t)
	srv.Static("both.test", 60, "93.184.215.14", "2606:4700::1111")
	srv.Static("zero-ttl.test", 0, "93.184.215.14")
	srv.Set("cname.test", func(qtype uint16, _ int) ([]string, int) {
		if qtype == dns.TypeA {
			return []string{"60 IN CNAME target.test.", "60 IN A 93.184.215.20"}, -1
		}
		return nil, -1
	})
	srv.Set("servfail.test", func(uint16, int) ([]string, int) { return nil, dns.RcodeServerFailure })
	srv.Set("aaaa-fails.test", func(qtype uint16, _ int) ([]string, int) {
		if qtype == dns.TypeAAAA {
			return nil, dns.RcodeServerFailure
		}
		return []string{"60 IN A 93.184.215.14"}, -1
	})
	now := time.Unix(1_700_000_000, 0)
	r, err := NewResolver(ResolverConfig{Servers: []string{srv.Addr}, Now: func() time.Time { return now }})
	if err != nil {
		t.Fatal(err)
	}
	ctx := context.Background()

	t.Run("A and AAAA, IPv4 first", func(t *testing.T) {
		got, err := r.LookupAddrs(ctx, "Both.Test.")
		if err != nil || len(got) != 2 || got[0].String() != "93.184.215.14" || got[1].String() != "2606:4700::1111" {
			t.Fatalf("LookupAddrs = %v, %v", got, err)
		}
	})
	t.Run("an answer is reused within its TTL and asked again after", func(t *testing.T) {
		before := srv.Total("both.test")
		r.LookupAddrs(ctx, "both.test")
		if srv.Total("both.test") != before {
			t.Error("a cached answer was asked again")
		}
		now = now.Add(61 * time.Second)
		r.LookupAddrs(ctx, "both.test")
		if srv.Total("both.test") != before+2 {
			t.Errorf("an expired answer was not asked again (%d queries, want %d)", srv.Total("both.test"), before+2)
		}
	})
	t.Run("a zero TTL is never reused", func(t *testing.T) {
		r.LookupAddrs(ctx, "zero-ttl.test")
		r.LookupAddrs(ctx, "zero-ttl.test")
		if n := srv.Count("zero-ttl.test", "A"); n != 2 {
			t.Errorf("%d A queries, want 2", n)
		}
	})
	t.Run("a CNAME chain is followed", func(t *testing.T) {
		got, err := r.LookupAddrs(ctx, "cname.test")
		if err != nil || len(got) != 1 || got[0].String() != "93.184.215.20" {
			t.Fatalf("LookupAddrs = %v, %v", got, err)
		}
	})
	for _, tc := range []struct{ name, reason string }{
		{"nxdomain.test", RuleDNSNoAddress},
		{"servfail.test", RuleDNSFailed},
		{"aaaa-fails.test", RuleDNSFailed},
	} {
		t.Run(tc.name+" is "+tc.reason, func(t *testing.T) {
			_, err := r.LookupAddrs(ctx, tc.name)
			var de *DNSError
			if !errors.As(err, &de) || de.Reason != tc.reason {
				t.Fatalf("LookupAddrs(%s) error = %v, want %s", tc.name, err, tc.reason)
			}
		})
	}
	t.Run("a server that does not answer times out", func(t *testing.T) {
		pc, err := net.ListenPacket("udp", "127.0.0.1:0")
		if err != nil {
			t.Fatal(err)
		}
		defer pc.Close()
		slow, _ := NewResolver(ResolverConfig{Servers: []string{pc.LocalAddr().String()}, Timeout: 200 * time.Millisecond})
		start := time.Now()
		_, err = slow.LookupAddrs(ctx, "both.test")
		var de *DNSError
		if !errors.As(err, &de) || de.Reason != RuleDNSTimeout {
			t.Fatalf("error = %v, want a timeout", err)
		}
		if time.Since(start) > 5*time.Second {
			t.Errorf("the timeout of 200ms took %v", time.Since(start))
		}
	})
	t.Run("a server address must be an IP", func(t *testing.T) {
		if _, err := NewResolver(ResolverConfig{Servers: []string{"dns.example:53"}}); err == nil {
			t.Error("a host name was accepted as a server")
		}
		r, err := NewResolver(ResolverConfig{Servers: []string{"127.0.0.1", "[::1]:5353"}})
		if err != nil || strings.Join(r.Servers(), " ") != "127.0.0.1:53 [::1]:5353" {
			t.Errorf("servers = %v, %v", r.Servers(), err)
		}
	})
}

func TestSlots(t *testing.T) {
	s := NewSlots(3, 2)
	for _, want := range []bool{true, true, false} {
		if ok, _ := s.Acquire("a"); ok != want {
			t.Fatalf("Acquire(a) = %v, want %v", ok, want)
		}
	}
	if ok, limit := s.Acquire("a"); ok || limit != "max_tunnels_per_client" {
		t.Errorf("per-client limit: %v %q", ok, limit)
	}
	if ok, _ := s.Acquire("b"); !ok {
		t.Fatal("another client was refused")
	}
	if ok, limit := s.Acquire("c"); ok || limit != "max_tunnels" {
		t.Errorf("global limit: %v %q", ok, limit)
	}
	s.Release("a")
	if ok, _ := s.Acquire("c"); !ok {
		t.Error("a released slot was not reusable")
	}
	if s.InUse() != 3 {
		t.Errorf("InUse = %d, want 3", s.InUse())
	}
	unlimited := NewSlots(0, 0)
	for range 1000 {
		if ok, _ := unlimited.Acquire("x"); !ok {
			t.Fatal("no limit refused")
		}
	}
}

// tcpPair returns two ends of a real loopback TCP connection.
func tcpPair(t *testing.T) (net.Conn, net.Conn) {
	t.Helper()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer ln.Close()
	accepted := make(chan net.Conn, 1)
	go func() {
		c, _ := ln.Accept()
		accepted <- c
	}()
	c, err := net.Dial("tcp", ln.Addr().String())
	if err != nil {
		t.Fatal(err)
	}
	s := <-accepted
	t.Cleanup(func() { c.Close(); s.Close() })
	return c, s
}

func TestPipe(t *testing.T) {
	t.Run("bytes pass both ways and half-closes pass on", func(t *testing.T) {
		client, proxyClient := tcpPair(t)
		proxyUp, upstream := tcpPair(t)
		done := make(chan PipeResult, 1)
		go func() { done <- Pipe(proxyClient, proxyUp, PipeConfig{Idle: 5 * time.Second}) }()
		payload := strings.Repeat("0123456789", 100_000)
		go func() {
			io.WriteString(client, payload)
			client.(*net.TCPConn).CloseWrite()
		}()
		got, _ := io.ReadAll(upstream)
		if string(got) != payload {
			t.Fatalf("upstream got %d bytes, want %d", len(got), len(payload))
		}
		io.WriteString(upstream, "reply")
		upstream.(*net.TCPConn).CloseWrite()
		back, _ := io.ReadAll(client)
		if string(back) != "reply" {
			t.Fatalf("client got %q", back)
		}
		res := <-done
		if res.Up != int64(len(payload)) || res.Down != 5 || res.End != EndClosed {
			t.Errorf("result %+v", res)
		}
	})
	t.Run("an idle tunnel ends after the idle limit", func(t *testing.T) {
		_, proxyClient := tcpPair(t)
		proxyUp, _ := tcpPair(t)
		start := time.Now()
		res := Pipe(proxyClient, proxyUp, PipeConfig{Idle: 200 * time.Millisecond})
		if res.End != EndIdle {
			t.Fatalf("end %q (%v), want idle", res.End, res.Err)
		}
		if d := time.Since(start); d < 200*time.Millisecond || d > 5*time.Second {
			t.Errorf("ended after %v", d)
		}
	})
	t.Run("traffic one way keeps the other way open", func(t *testing.T) {
		client, proxyClient := tcpPair(t)
		proxyUp, upstream := tcpPair(t)
		done := make(chan PipeResult, 1)
		go func() { done <- Pipe(proxyClient, proxyUp, PipeConfig{Idle: 300 * time.Millisecond}) }()
		// The upstream streams for three idle periods while the client
		// only listens, like a server-sent event stream.
		go func() {
			for range 12 {
				io.WriteString(upstream, "tick\n")
				time.Sleep(75 * time.Millisecond)
			}
			upstream.Close()
		}()
		got, _ := io.ReadAll(client)
		if n := strings.Count(string(got), "tick"); n != 12 {
			t.Errorf("client got %d ticks, want 12: the tunnel was judged idle while one side talked", n)
		}
		client.Close()
		<-done
	})
	t.Run("the total limit ends a busy tunnel", func(t *testing.T) {
		client, proxyClient := tcpPair(t)
		proxyUp, upstream := tcpPair(t)
		stop := make(chan struct{})
		defer close(stop)
		go func() {
			for {
				select {
				case <-stop:
					return
				default:
				}
				if _, err := io.WriteString(upstream, "busy"); err != nil {
					return
				}
				time.Sleep(10 * time.Millisecond)
			}
		}()
		go io.Copy(io.Discard, client)
		res := Pipe(proxyClient, proxyUp, PipeConfig{Idle: time.Second, Total: 300 * time.Millisecond})
		if res.End != EndTotal || res.Down == 0 {
			t.Errorf("result %+v, want total after some bytes", res)
		}
	})
	t.Run("the total limit alone ends a quiet tunnel", func(t *testing.T) {
		_, proxyClient := tcpPair(t)
		proxyUp, _ := tcpPair(t)
		start := time.Now()
		res := Pipe(proxyClient, proxyUp, PipeConfig{Total: 200 * time.Millisecond})
		if res.End != EndTotal {
			t.Fatalf("end %q (%v), want total", res.End, res.Err)
		}
		if d := time.Since(start); d < 200*time.Millisecond || d > 5*time.Second {
			t.Errorf("ended after %v", d)
		}
	})
	t.Run("a peer that does not read ends the tunnel as idle", func(t *testing.T) {
		client, proxyClient := tcpPair(t)
		proxyUp, _ := tcpPair(t) // the upstream never reads
		go func() {
			chunk := make([]byte, 64<<10)
			for {
				if _, err := client.Write(chunk); err != nil {
					return
				}
			}
		}()
		res := Pipe(proxyClient, proxyUp, PipeConfig{Idle: 300 * time.Millisecond, Total: time.Minute})
		if res.End != EndIdle || res.Up == 0 {
			t.Errorf("result %+v, want idle after some bytes", res)
		}
	})
}

func testdnsStart() (*testdns.Server, error) { return testdns.Start() }
