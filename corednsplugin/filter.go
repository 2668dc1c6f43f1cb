package corednsplugin

import (
	"net"
	"net/netip"

	"github.com/miekg/dns"

	"github.com/openclaw-secure-stack/securestack/auditlog"
	"github.com/openclaw-secure-stack/securestack/egress"
)

// answerFilter judges the answer to an allowed query on its way back to the
// client. egress runs before cache, so cache hits pass through it too: a
// poisoned answer in the cache is filtered every time it is served.
//
// WriteMsg only holds the message; flush judges and writes it once the
// chain below has returned (see ServeDNS for why). A plugin that writes
// several messages gets each one written, in order, when the next arrives.
type answerFilter struct {
	dns.ResponseWriter
	e      *Egress
	list   *egress.Allowlist // the list the query was judged by
	req    *dns.Msg
	server string
	held   *dns.Msg
}

// WriteMsg holds res until flush.
func (f *answerFilter) WriteMsg(res *dns.Msg) error {
	err := f.flush()
	f.held = res
	return err
}

// Write handles a plugin that writes wire bytes: they are unpacked and
// judged like a message. Bytes that do not unpack are refused.
func (f *answerFilter) Write(b []byte) (int, error) {
	m := new(dns.Msg)
	if err := m.Unpack(b); err != nil {
		answersFiltered.WithLabelValues(f.server, "unreadable").Inc()
		m = refusal(f.req, dns.RcodeRefused, "the answer could not be read")
	}
	if err := f.WriteMsg(m); err != nil {
		return 0, err
	}
	return len(b), nil
}

// flush judges and writes the held message, if any.
func (f *answerFilter) flush() error {
	if f.held == nil {
		return nil
	}
	res := f.held
	f.held = nil
	return f.ResponseWriter.WriteMsg(f.judge(res))
}

// judge refuses an answer that names a host outside the allowlist (a CNAME
// or DNAME target, or the owner of an answer record) and, with
// deny_private_answers, drops address records that point inside the
// network (DNS rebinding). res is never modified in place: the cache below
// may hold the same slices.
func (f *answerFilter) judge(res *dns.Msg) *dns.Msg {
	if name, ok := f.foreignName(res); !ok {
		answersFiltered.WithLabelValues(f.server, "name").Inc()
		f.e.record(f.server, f.ResponseWriter, f.req, auditlog.OutcomeRefused, "egress.answer_not_allowed", map[string]any{"answer_name": name})
		return refusal(f.req, dns.RcodeRefused, "the answer leads to "+name+", which is not on the egress allowlist")
	}
	if f.e.cfg.denyPrivate {
		if out, dropped := f.dropPrivate(res); len(dropped) > 0 {
			answersFiltered.WithLabelValues(f.server, "private").Inc()
			f.e.record(f.server, f.ResponseWriter, f.req, auditlog.OutcomeFiltered, "egress.private_answer", map[string]any{"dropped": dropped})
			return out
		}
	}
	return res
}

// foreignName returns the first name in the answer section that is neither
// the question nor allowed, and false; or "", true.
func (f *answerFilter) foreignName(res *dns.Msg) (string, bool) {
	qname := f.req.Question[0].Name
	ok := func(name string) bool {
		return equalFold(name, qname) || f.list.Match(name)
	}
	for _, rr := range res.Answer {
		if name := rr.Header().Name; !ok(name) {
			return name, false
		}
		switch rr := rr.(type) {
		case *dns.CNAME:
			if !ok(rr.Target) {
				return rr.Target, false
			}
		case *dns.DNAME:
			if !ok(rr.Target) {
				return rr.Target, false
			}
		}
	}
	return "", true
}

// equalFold compares two DNS names ASCII-case-insensitively, without the
// allocation strings.EqualFold's Unicode handling does not need here.
func equalFold(a, b string) bool {
	if len(a) != len(b) {
		return false
	}
	for i := 0; i < len(a); i++ {
		x, y := a[i], b[i]
		if 'A' <= x && x <= 'Z' {
			x += 'a' - 'A'
		}
		if 'A' <= y && y <= 'Z' {
			y += 'a' - 'A'
		}
		if x != y {
			return false
		}
	}
	return true
}

// dropPrivate returns res without the records whose addresses are internal,
// and those addresses. Addresses the allowlist names by IP or CIDR are kept:
// that is how an operator allows an internal service.
func (f *answerFilter) dropPrivate(res *dns.Msg) (*dns.Msg, []string) {
	var dropped []string
	keep := func(rrs []dns.RR) []dns.RR {
		var out []dns.RR
		for i, rr := range rrs {
			bad := f.internalAddrs(rr)
			if len(bad) == 0 {
				if out != nil {
					out = append(out, rr)
				}
				continue
			}
			dropped = append(dropped, bad...)
			if out == nil {
				out = append(make([]dns.RR, 0, len(rrs)), rrs[:i]...)
			}
		}
		if out == nil && len(dropped) == 0 {
			return rrs
		}
		return out
	}
	answer := keep(res.Answer)
	n := len(dropped)
	extra := keep(res.Extra)
	if len(dropped) == 0 {
		return res, nil
	}
	out := *res // shallow: the slices we keep are shared, the ones we change are new
	if n > 0 {
		out.Answer = answer
	}
	if len(dropped) > n {
		out.Extra = extra
	}
	return &out, dropped
}

// internalAddrs returns the internal addresses rr carries: A, AAAA, and the
// address hints of SVCB and HTTPS records. "Internal" is every address that
// is not public unicast by egress.ClassOf, the same judgement the egress
// proxy makes: loopback, private, link-local, CGNAT, unique-local,
// multicast, reserved, and IPv6 addresses that carry such an IPv4 address.
func (f *answerFilter) internalAddrs(rr dns.RR) []string {
	var ips []net.IP
	switch rr := rr.(type) {
	case *dns.A:
		ips = []net.IP{rr.A}
	case *dns.AAAA:
		ips = []net.IP{rr.AAAA}
	case *dns.SVCB:
		ips = svcbHints(rr.Value)
	case *dns.HTTPS:
		ips = svcbHints(rr.Value)
	}
	var bad []string
	for _, ip := range ips {
		a, ok := netip.AddrFromSlice(ip)
		if !ok || (!egress.IsGlobal(a) && !f.list.MatchAddr(a)) {
			bad = append(bad, ip.String())
		}
	}
	return bad
}

func svcbHints(kv []dns.SVCBKeyValue) []net.IP {
	var ips []net.IP
	for _, v := range kv {
		switch v := v.(type) {
		case *dns.SVCBIPv4Hint:
			ips = append(ips, v.Hint...)
		case *dns.SVCBIPv6Hint:
			ips = append(ips, v.Hint...)
		}
	}
	return ips
}
