package egress

import (
	"errors"
	"fmt"
	"net/netip"
	"net/url"
	"strconv"
	"strings"
)

// Target is where a proxy client asks to go: a host name or an IP address,
// and a port.
type Target struct {
	// Host is a lower-case ASCII host name without a trailing dot, or an IP
	// address in its canonical form.
	Host string
	Port uint16
	// Addr is the address when Host is an IP literal; otherwise it is the
	// zero Addr and Host must be resolved.
	Addr netip.Addr
}

// IsIP reports whether the target names an address rather than a host name.
func (t Target) IsIP() bool { return t.Addr.IsValid() }

// String is host:port, with an IPv6 address in brackets.
func (t Target) String() string {
	return joinHostPort(t.Host, t.Port)
}

func joinHostPort(host string, port uint16) string {
	if strings.IndexByte(host, ':') >= 0 {
		return "[" + host + "]:" + strconv.Itoa(int(port))
	}
	return host + ":" + strconv.Itoa(int(port))
}

// TargetError says why a request-target was refused. Reason is one of a
// small fixed set ("bad_target", "ip_noncanonical"), fit for a metric label.
type TargetError struct {
	Reason string
	Input  string
	Msg    string
}

func (e *TargetError) Error() string {
	return fmt.Sprintf("egress: request target %q: %s", e.Input, e.Msg)
}

const (
	// ReasonBadTarget: the target is not a host name or IP literal with a
	// valid port.
	ReasonBadTarget = "bad_target"
	// ReasonIPNonCanonical: the host is an IPv4 address in a spelling other
	// than dotted decimal (2130706433, 0177.0.0.1, 0x7f.1, 127.1). Resolver
	// libraries read these as addresses, allowlist entries cannot name them,
	// and no legitimate client sends them, so they are refused rather than
	// guessed at.
	ReasonIPNonCanonical = "ip_noncanonical"
)

func badTarget(in, format string, args ...any) *TargetError {
	return &TargetError{Reason: ReasonBadTarget, Input: in, Msg: fmt.Sprintf(format, args...)}
}

// ParseAuthority parses the request-target of a CONNECT request, which is
// authority-form (RFC 9110, section 9.3.6): host ":" port, the port
// required. The host is a host name, a dotted-decimal IPv4 address, or an
// IPv6 address in brackets.
func ParseAuthority(s string) (Target, error) {
	host, port, err := splitHostPort(s, false, 0)
	if err != nil {
		return Target{}, err
	}
	return parseHost(s, host, port)
}

// ParseHostPort parses host[:port], as found in an absolute-form URI's
// authority with its userinfo removed; defaultPort applies when the port is
// absent.
func ParseHostPort(s string, defaultPort uint16) (Target, error) {
	host, port, err := splitHostPort(s, true, defaultPort)
	if err != nil {
		return Target{}, err
	}
	return parseHost(s, host, port)
}

// ParseURL parses the request-target of an absolute-form proxy request
// (RFC 9112, section 3.2.2), "http://host[:port]/path" or "https://...".
// It refuses other schemes, userinfo (credentials meant for the origin that
// a proxy would otherwise pass on or drop silently), and a missing host.
func ParseURL(u *url.URL) (Target, error) {
	in := u.String()
	var port uint16
	switch strings.ToLower(u.Scheme) {
	case "http":
		port = 80
	case "https":
		port = 443
	default:
		return Target{}, badTarget(in, "scheme %q is not proxied; want http or https", u.Scheme)
	}
	if u.User != nil {
		return Target{}, badTarget(in, "userinfo in the URL is not accepted")
	}
	if u.Opaque != "" {
		return Target{}, badTarget(in, "not an absolute URL with an authority")
	}
	return ParseHostPort(u.Host, port)
}

// ParseRequestURI parses an absolute-form request-target as it appears on
// the request line. It is ParseURL on url.ParseRequestURI's result.
func ParseRequestURI(s string) (Target, error) {
	u, err := url.ParseRequestURI(s)
	if err != nil {
		return Target{}, badTarget(s, "not a URL: %v", errors.Unwrap(err))
	}
	return ParseURL(u)
}

func splitHostPort(s string, portOptional bool, defaultPort uint16) (host string, port uint16, err error) {
	if s == "" {
		return "", 0, badTarget(s, "empty")
	}
	var rest string
	if s[0] == '[' {
		end := strings.IndexByte(s, ']')
		if end < 0 {
			return "", 0, badTarget(s, "missing ] after an IPv6 address")
		}
		host, rest = s[:end+1], s[end+1:]
	} else {
		i := strings.LastIndexByte(s, ':')
		if i < 0 {
			host, rest = s, ""
		} else {
			host, rest = s[:i], s[i:]
		}
	}
	if rest == "" {
		if !portOptional {
			return "", 0, badTarget(s, "no port; CONNECT needs host:port")
		}
		return host, defaultPort, nil
	}
	if rest[0] != ':' {
		return "", 0, badTarget(s, "unexpected %q after the host", rest)
	}
	p := rest[1:]
	if p == "" && portOptional {
		return host, defaultPort, nil // RFC 3986 allows an empty port
	}
	if p == "" || len(p) > 5 || strings.Trim(p, "0123456789") != "" {
		return "", 0, badTarget(s, "port %q is not a number from 1 to 65535", p)
	}
	n, _ := strconv.Atoi(p)
	if n < 1 || n > 65535 {
		return "", 0, badTarget(s, "port %q is not a number from 1 to 65535", p)
	}
	return host, uint16(n), nil
}

// parseHost checks host and returns the target. in is the whole input, for
// error messages.
func parseHost(in, host string, port uint16) (Target, error) {
	if host == "" {
		return Target{}, badTarget(in, "empty host")
	}
	if host[0] == '[' {
		if host[len(host)-1] != ']' {
			return Target{}, badTarget(in, "missing ] after an IPv6 address")
		}
		lit := host[1 : len(host)-1]
		if strings.IndexByte(lit, '%') >= 0 {
			return Target{}, badTarget(in, "IPv6 zones are not accepted")
		}
		ip, err := netip.ParseAddr(lit)
		if err != nil || !ip.Is6() {
			return Target{}, badTarget(in, "%q is not an IPv6 address", lit)
		}
		return Target{Host: ip.String(), Port: port, Addr: ip}, nil
	}
	for i := 0; i < len(host); i++ {
		c := host[i]
		if !('a' <= c && c <= 'z' || 'A' <= c && c <= 'Z' || '0' <= c && c <= '9' || c == '-' || c == '.' || c == '_') {
			if c >= 0x80 {
				return Target{}, badTarget(in, "the host is not ASCII; send its punycode (xn--) form")
			}
			return Target{}, badTarget(in, "character %q is not allowed in a host name", c)
		}
	}
	name := strings.ToLower(strings.TrimSuffix(host, "."))
	if name == "" || len(name) > maxName {
		return Target{}, badTarget(in, "the host name is empty or longer than %d octets", maxName)
	}
	if !validLabels(name) {
		return Target{}, badTarget(in, "a label of the host name is empty or longer than 63 octets")
	}
	if endsInNumber(name[strings.LastIndexByte(name, '.')+1:]) {
		ip, err := netip.ParseAddr(name)
		if err == nil && ip.Is4() && ip.String() == name {
			return Target{Host: name, Port: port, Addr: ip}, nil
		}
		msg := "a host that ends in a number must be an IPv4 address in dotted-decimal form"
		if v4, ok := ParseLegacyIPv4(name); ok {
			msg = fmt.Sprintf("%s; resolvers read %q as %s", msg, name, v4)
		}
		return Target{}, &TargetError{Reason: ReasonIPNonCanonical, Input: in, Msg: msg}
	}
	return Target{Host: name, Port: port}, nil
}

// endsInNumber is the WHATWG URL Standard's test for a host that must be
// parsed as IPv4: its last label is all digits, or 0x followed by hex.
func endsInNumber(label string) bool {
	if label == "" {
		return false
	}
	if allDigits(label) {
		return true
	}
	if len(label) >= 2 && label[0] == '0' && (label[1] == 'x' || label[1] == 'X') {
		return strings.Trim(label[2:], "0123456789abcdefABCDEF") == ""
	}
	return false
}

// ParseLegacyIPv4 reads s the way inet_aton(3) and the WHATWG URL parser do:
// one to four parts separated by dots, each decimal, octal (leading 0) or
// hexadecimal (leading 0x), the last part filling the remaining bytes.
// "2130706433", "0177.0.0.1", "0x7f.1" and "127.1" all give 127.0.0.1.
func ParseLegacyIPv4(s string) (netip.Addr, bool) {
	parts := strings.Split(s, ".")
	if len(parts) > 4 {
		return netip.Addr{}, false
	}
	nums := make([]uint64, len(parts))
	for i, p := range parts {
		base := 10
		switch {
		case len(p) >= 2 && p[0] == '0' && (p[1] == 'x' || p[1] == 'X'):
			base, p = 16, p[2:]
			if p == "" {
				p = "0"
			}
		case len(p) >= 2 && p[0] == '0':
			base, p = 8, p[1:]
		}
		if p == "" || strings.ContainsAny(p, "+-_") {
			return netip.Addr{}, false
		}
		n, err := strconv.ParseUint(p, base, 32)
		if err != nil {
			return netip.Addr{}, false
		}
		nums[i] = n
	}
	last := nums[len(nums)-1]
	if last >= 1<<(8*(5-len(nums))) {
		return netip.Addr{}, false
	}
	v := last
	for i, n := range nums[:len(nums)-1] {
		if n > 255 {
			return netip.Addr{}, false
		}
		v |= n << (8 * (3 - i))
	}
	return netip.AddrFrom4([4]byte{byte(v >> 24), byte(v >> 16), byte(v >> 8), byte(v)}), true
}
