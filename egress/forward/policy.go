package forward

import (
	"context"
	"errors"
	"fmt"
	"net/netip"
	"slices"

	"github.com/openclaw-secure-stack/securestack/egress"
)

// Rules name why a target was allowed or refused. They are a small fixed
// set, used as the audit record's rule and as a metric label.
const (
	RuleAllowlist      = "allowlist"          // allowed: the name is on the allowlist
	RuleAllowAddr      = "allow_addr"         // allowed: a raw IP target named by allow_cidr or an allowlist IP/CIDR line
	RuleBadTarget      = "bad_target"         // refused: not a host name or IP literal with a valid port
	RuleIPNonCanonical = "ip_noncanonical"    // refused: an IPv4 address spelled in decimal, octal, hex or short form
	RulePort           = "port_not_allowed"   // refused: the port is not on the ports list
	RuleNameNotAllowed = "name_not_allowed"   // refused: the name is not on the allowlist
	RuleIPNotAllowed   = "ip_not_allowed"     // refused: a raw IP target not named by allow_cidr or the allowlist
	RuleDNSFailed      = "dns_failed"         // refused: DNS gave no usable answer (SERVFAIL, REFUSED, no server)
	RuleDNSTimeout     = "dns_timeout"        // refused: DNS did not answer in time
	RuleDNSNoAddress   = "dns_no_address"     // refused: the name has no A or AAAA record
	RuleProxyLoop      = "proxy_loop"         // refused: the target is the proxy itself
	RuleAddressPrefix  = "address_"           // refused: an address of the class that follows ("address_loopback")
	RuleAuth           = "proxy_auth"         // refused: missing or wrong Proxy-Authorization
	RuleLimit          = "limit"              // refused: too many tunnels, globally or for this client
	RuleDialFailed     = "dial_failed"        // allowed, but the checked address could not be reached
	RuleMethod         = "method_not_proxied" // refused: not CONNECT or an absolute-form request
)

// Lookuper resolves a name to its addresses. *Resolver is one.
type Lookuper interface {
	LookupAddrs(ctx context.Context, name string) ([]netip.Addr, error)
}

// Policy decides whether a proxy may connect to a target, and to which
// addresses. The decision is made on the host name (allowlist), then on
// every address the name resolves to, once: the caller dials only the
// addresses in an allowed Decision, so what was checked is what is
// reached (no DNS rebinding between check and connect).
type Policy struct {
	// Allowlist returns the list in force (an egress.Reloader's List).
	Allowlist func() *egress.Allowlist
	// AllowCIDR are prefixes whose addresses are allowed although they are
	// not public unicast (an internal service), and which raw-IP targets
	// may name. The allowlist file's own IP and CIDR lines count the same.
	AllowCIDR []netip.Prefix
	// Ports are the destination ports allowed.
	Ports []uint16
	// Resolver resolves names that are on the allowlist.
	Resolver Lookuper
	// Self reports whether an address and port are the proxy's own
	// listener, so that a client cannot make the proxy connect to itself
	// (a loop, and a way around its own limits). It gets Decide's context,
	// which may say which listener the request came in on. May be nil.
	Self func(ctx context.Context, ap netip.AddrPort) bool
}

// Decision is the outcome of Policy.Decide.
type Decision struct {
	Target  egress.Target
	Allowed bool
	// Rule is why: one of the Rule constants, or RuleAddressPrefix plus an
	// egress.Class name.
	Rule string
	// Addrs are the addresses that were checked; when Allowed, the only
	// ones the caller may dial.
	Addrs []netip.Addr
	// Refused is the address that failed its check, if one did.
	Refused netip.Addr
	// Message says why a target was refused, in a sentence for the client
	// and the audit log. It is empty when Allowed (the rule says why).
	Message string
}

// Decide checks t. The port is checked first and the name before any DNS
// query, so a name that is not on the list never reaches a resolver (the
// query itself could carry data out).
func (p *Policy) Decide(ctx context.Context, t egress.Target) Decision {
	d := Decision{Target: t}
	if !slices.Contains(p.Ports, t.Port) {
		return d.refuse(RulePort, fmt.Sprintf("port %d is not on the egress proxy's ports list", t.Port))
	}
	list := p.Allowlist()
	if t.IsIP() {
		d.Addrs = []netip.Addr{t.Addr}
		if !p.addrListed(list, t.Addr) {
			d.Refused = t.Addr
			return d.refuse(RuleIPNotAllowed, fmt.Sprintf("%s is an IP address; only names on the allowlist, or addresses an allow_cidr or allowlist line names, may be reached", t.Addr))
		}
		if d, bad := p.checkSelf(ctx, d); bad {
			return d
		}
		d.Allowed, d.Rule = true, RuleAllowAddr
		return d
	}
	if !list.Match(t.Host) {
		return d.refuse(RuleNameNotAllowed, fmt.Sprintf("%s is not on the egress allowlist", t.Host))
	}
	addrs, err := p.Resolver.LookupAddrs(ctx, t.Host)
	if err != nil {
		var de *DNSError
		if errors.As(err, &de) {
			return d.refuse(de.Reason, de.Error())
		}
		return d.refuse(RuleDNSFailed, fmt.Sprintf("resolving %s failed: %v", t.Host, err))
	}
	d.Addrs = addrs
	for _, a := range addrs {
		if c := egress.ClassOf(a); c != egress.Global && !p.addrListed(list, a) {
			d.Refused = a
			return d.refuse(RuleAddressPrefix+c.String(),
				fmt.Sprintf("%s resolves to %s, a %s address; add an allow_cidr entry if this internal service is meant to be reached", t.Host, a, className(c)))
		}
	}
	if d, bad := p.checkSelf(ctx, d); bad {
		return d
	}
	d.Allowed, d.Rule = true, RuleAllowlist
	return d
}

func (p *Policy) checkSelf(ctx context.Context, d Decision) (Decision, bool) {
	if p.Self == nil {
		return d, false
	}
	for _, a := range d.Addrs {
		if p.Self(ctx, netip.AddrPortFrom(a, d.Target.Port)) {
			d.Refused = a
			return d.refuse(RuleProxyLoop, fmt.Sprintf("%s is the egress proxy itself", netip.AddrPortFrom(a, d.Target.Port))), true
		}
	}
	return d, false
}

func (p *Policy) addrListed(list *egress.Allowlist, a netip.Addr) bool {
	a = a.WithZone("").Unmap()
	for _, c := range p.AllowCIDR {
		if c.Contains(a) {
			return true
		}
	}
	return list.MatchAddr(a)
}

func (d Decision) refuse(rule, msg string) Decision {
	d.Allowed, d.Rule, d.Message = false, rule, msg
	return d
}

func className(c egress.Class) string {
	switch c {
	case egress.LinkLocal:
		return "link-local"
	case egress.UniqueLocal:
		return "unique-local"
	case egress.CGNAT:
		return "CGNAT (100.64.0.0/10)"
	case egress.Reserved:
		return "reserved special-purpose"
	}
	return c.String()
}
