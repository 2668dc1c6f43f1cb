package forward

import (
	"context"
	"errors"
	"fmt"
	"net"
	"net/netip"
	"strings"
	"sync"
	"time"

	"github.com/miekg/dns"
	"golang.org/x/sync/singleflight"
)

// DefaultDNSTimeout bounds one name's lookup, A and AAAA together, across
// every server tried.
const DefaultDNSTimeout = 5 * time.Second

// DefaultMaxTTL caps how long an answer is reused, whatever its TTL says.
const DefaultMaxTTL = 5 * time.Minute

// maxCached bounds the answer cache; past it, entries are dropped at random.
const maxCached = 10000

// DNSError says why a name could not be resolved. Reason is RuleDNSFailed,
// RuleDNSTimeout or RuleDNSNoAddress.
type DNSError struct {
	Name   string
	Reason string
	Err    error
}

func (e *DNSError) Error() string {
	switch e.Reason {
	case RuleDNSNoAddress:
		return fmt.Sprintf("%s has no A or AAAA record", e.Name)
	case RuleDNSTimeout:
		return fmt.Sprintf("resolving %s timed out: %v", e.Name, e.Err)
	}
	return fmt.Sprintf("resolving %s failed: %v", e.Name, e.Err)
}

func (e *DNSError) Unwrap() error { return e.Err }

// ResolverConfig configures a Resolver.
type ResolverConfig struct {
	// Servers are DNS servers as host:port (a bare host means port 53).
	// Empty means the nameservers of /etc/resolv.conf.
	Servers []string
	// Timeout bounds one lookup. Default DefaultDNSTimeout.
	Timeout time.Duration
	// MaxTTL caps the reuse of an answer. Default DefaultMaxTTL; a negative
	// value turns the cache off.
	MaxTTL time.Duration
	// Now is the clock; default time.Now.
	Now func() time.Time
}

// Resolver looks up the addresses of a name by asking DNS servers directly:
// no /etc/hosts, no search domains, so the address the proxy checks is the
// address DNS (in this stack, the allowlisting CoreDNS) gave. Answers are
// reused for their TTL, capped at MaxTTL; concurrent lookups of one name
// share one query. A Resolver is safe for concurrent use.
type Resolver struct {
	servers []string
	timeout time.Duration
	maxTTL  time.Duration
	now     func() time.Time
	udp     *dns.Client
	tcp     *dns.Client
	group   singleflight.Group

	mu    sync.Mutex
	cache map[string]cached
}

type cached struct {
	addrs   []netip.Addr
	expires time.Time
}

// NewResolver returns a resolver for cfg.
func NewResolver(cfg ResolverConfig) (*Resolver, error) {
	r := &Resolver{timeout: cfg.Timeout, maxTTL: cfg.MaxTTL, now: cfg.Now, cache: map[string]cached{}}
	if r.timeout <= 0 {
		r.timeout = DefaultDNSTimeout
	}
	if r.maxTTL == 0 {
		r.maxTTL = DefaultMaxTTL
	}
	if r.now == nil {
		r.now = time.Now
	}
	servers := cfg.Servers
	if len(servers) == 0 {
		cc, err := dns.ClientConfigFromFile("/etc/resolv.conf")
		if err != nil {
			return nil, fmt.Errorf("no resolver given and /etc/resolv.conf is unreadable: %w", err)
		}
		for _, s := range cc.Servers {
			servers = append(servers, net.JoinHostPort(s, cc.Port))
		}
		if len(servers) == 0 {
			return nil, errors.New("no resolver given and /etc/resolv.conf names no nameserver")
		}
	}
	for _, s := range servers {
		addr, err := serverAddr(s)
		if err != nil {
			return nil, err
		}
		r.servers = append(r.servers, addr)
	}
	r.udp = &dns.Client{Net: "udp", UDPSize: 1232}
	r.tcp = &dns.Client{Net: "tcp"}
	return r, nil
}

// serverAddr checks a DNS server address and adds port 53 if it has none.
func serverAddr(s string) (string, error) {
	if ap, err := netip.ParseAddrPort(s); err == nil {
		return ap.String(), nil
	}
	if ip, err := netip.ParseAddr(strings.Trim(s, "[]")); err == nil {
		return netip.AddrPortFrom(ip, 53).String(), nil
	}
	return "", fmt.Errorf("resolver %q: want an IP address with an optional port (127.0.0.1:53, [::1]:53)", s)
}

// Servers returns the DNS servers asked, in order.
func (r *Resolver) Servers() []string { return append([]string(nil), r.servers...) }

// LookupAddrs returns the IPv4 and IPv6 addresses of name (an FQDN, with or
// without the trailing dot), IPv4 first. Both queries must succeed: an
// answer that cannot be had is an error, never a partial list. Errors are
// *DNSError.
func (r *Resolver) LookupAddrs(ctx context.Context, name string) ([]netip.Addr, error) {
	key := strings.ToLower(strings.TrimSuffix(name, ".")) // no allocation for a canonical name
	if addrs, ok := r.fromCache(key); ok {
		return addrs, nil
	}
	ch := r.group.DoChan(key, func() (any, error) {
		// The lookup is shared: it must not die with the first caller's
		// context, only with the resolver's own timeout.
		ctx, cancel := context.WithTimeout(context.WithoutCancel(ctx), r.timeout)
		defer cancel()
		return r.lookup(ctx, key)
	})
	select {
	case res := <-ch:
		if res.Err != nil {
			return nil, res.Err
		}
		return res.Val.([]netip.Addr), nil
	case <-ctx.Done():
		return nil, &DNSError{Name: name, Reason: RuleDNSTimeout, Err: ctx.Err()}
	}
}

func (r *Resolver) fromCache(key string) ([]netip.Addr, bool) {
	r.mu.Lock()
	defer r.mu.Unlock()
	c, ok := r.cache[key]
	if !ok {
		return nil, false
	}
	if !r.now().Before(c.expires) {
		delete(r.cache, key)
		return nil, false
	}
	return c.addrs, true
}

func (r *Resolver) store(key string, addrs []netip.Addr, ttl time.Duration) {
	if r.maxTTL < 0 || ttl <= 0 {
		return
	}
	ttl = min(ttl, r.maxTTL)
	r.mu.Lock()
	defer r.mu.Unlock()
	if len(r.cache) >= maxCached {
		for k := range r.cache {
			delete(r.cache, k)
			if len(r.cache) < maxCached*9/10 {
				break
			}
		}
	}
	r.cache[key] = cached{addrs: addrs, expires: r.now().Add(ttl)}
}

type answer struct {
	addrs []netip.Addr
	ttl   uint32
	err   error
}

func (r *Resolver) lookup(ctx context.Context, key string) ([]netip.Addr, error) {
	fqdn := key + "."
	var v4, v6 answer
	var wg sync.WaitGroup
	wg.Add(1)
	go func() { defer wg.Done(); v6 = r.query(ctx, fqdn, dns.TypeAAAA) }()
	v4 = r.query(ctx, fqdn, dns.TypeA)
	wg.Wait()
	name := key
	for _, a := range []answer{v4, v6} {
		if a.err != nil {
			reason := RuleDNSFailed
			if ctx.Err() != nil || errors.Is(a.err, context.DeadlineExceeded) || isTimeout(a.err) {
				reason = RuleDNSTimeout
			}
			return nil, &DNSError{Name: name, Reason: reason, Err: a.err}
		}
	}
	addrs := append(v4.addrs, v6.addrs...)
	if len(addrs) == 0 {
		return nil, &DNSError{Name: name, Reason: RuleDNSNoAddress}
	}
	ttl := v4.ttl
	if len(v4.addrs) == 0 || (len(v6.addrs) > 0 && v6.ttl < ttl) {
		ttl = v6.ttl
	}
	r.store(key, addrs, time.Duration(ttl)*time.Second)
	return addrs, nil
}

func isTimeout(err error) bool {
	var ne net.Error
	return errors.As(err, &ne) && ne.Timeout()
}

// query asks each server in turn until one answers NOERROR or NXDOMAIN.
func (r *Resolver) query(ctx context.Context, fqdn string, qtype uint16) answer {
	m := new(dns.Msg)
	m.SetQuestion(fqdn, qtype)
	m.SetEdns0(1232, false)
	var last error
	for _, s := range r.servers {
		res, _, err := r.udp.ExchangeContext(ctx, m, s)
		if err == nil && res.Truncated {
			res, _, err = r.tcp.ExchangeContext(ctx, m, s)
		}
		if err != nil {
			last = err
			if ctx.Err() != nil {
				break
			}
			continue
		}
		switch res.Rcode {
		case dns.RcodeSuccess:
			return collect(res, fqdn, qtype)
		case dns.RcodeNameError:
			return answer{}
		default:
			last = fmt.Errorf("%s answered %s", s, dns.RcodeToString[res.Rcode])
		}
	}
	return answer{err: last}
}

// collect follows the CNAME chain from fqdn through the answer section and
// returns the addresses of qtype at its end, and the smallest TTL on the
// way. Records for other names are ignored.
func collect(res *dns.Msg, fqdn string, qtype uint16) answer {
	names := map[string]bool{strings.ToLower(fqdn): true}
	var a answer
	a.ttl = ^uint32(0)
	for changed := true; changed; {
		changed = false
		for _, rr := range res.Answer {
			h := rr.Header()
			if c, ok := rr.(*dns.CNAME); ok && names[strings.ToLower(h.Name)] && !names[strings.ToLower(c.Target)] {
				names[strings.ToLower(c.Target)] = true
				a.ttl = min(a.ttl, h.Ttl)
				changed = true
			}
		}
	}
	for _, rr := range res.Answer {
		h := rr.Header()
		if h.Rrtype != qtype || !names[strings.ToLower(h.Name)] {
			continue
		}
		var ip netip.Addr
		switch rr := rr.(type) {
		case *dns.A:
			ip, _ = netip.AddrFromSlice(rr.A.To4())
		case *dns.AAAA:
			ip, _ = netip.AddrFromSlice(rr.AAAA)
		}
		if ip.IsValid() {
			a.addrs = append(a.addrs, ip)
			a.ttl = min(a.ttl, h.Ttl)
		}
	}
	if len(a.addrs) == 0 {
		a.ttl = 0
	}
	return a
}
