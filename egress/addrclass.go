package egress

import (
	"net/netip"
)

// Class says whether an address is a public unicast destination and, if it
// is not, why. The egress proxy refuses to connect to any address whose
// class is not Global (unless an allow_cidr or allowlist entry names it),
// and the CoreDNS plugin drops such addresses from answers with
// deny_private_answers. The set of classes is small and fixed, so a class
// can serve as a metric label and an audit rule.
type Class uint8

const (
	Global      Class = iota // public unicast
	Unspecified              // 0.0.0.0/8 ("this network"; 0.0.0.0 reaches the host itself), ::/128
	Loopback                 // 127.0.0.0/8, ::1
	Private                  // RFC 1918 (10/8, 172.16/12, 192.168/16)
	LinkLocal                // 169.254.0.0/16 (cloud metadata at 169.254.169.254), fe80::/10
	CGNAT                    // 100.64.0.0/10, RFC 6598 shared address space
	UniqueLocal              // fc00::/7 (RFC 4193), fec0::/10 (deprecated site-local)
	Multicast                // 224.0.0.0/4, ff00::/8
	Reserved                 // special-purpose: documentation, benchmarking, 240/4, broadcast, discard, ORCHID, local-use NAT64, ...
	Invalid                  // the zero netip.Addr
)

var classNames = [...]string{
	Global:      "global",
	Unspecified: "unspecified",
	Loopback:    "loopback",
	Private:     "private",
	LinkLocal:   "link_local",
	CGNAT:       "cgnat",
	UniqueLocal: "unique_local",
	Multicast:   "multicast",
	Reserved:    "reserved",
	Invalid:     "invalid",
}

// String is the class's name in snake case ("link_local").
func (c Class) String() string {
	if int(c) < len(classNames) {
		return classNames[c]
	}
	return "invalid"
}

// rangeClass is one special-purpose range and its class.
type rangeClass struct {
	p netip.Prefix
	c Class
}

// ranges4 and ranges6 follow the IANA IPv4 and IPv6 Special-Purpose Address
// Registries: every block that is not "globally reachable" is here. Ranges
// that carry an IPv4 address (mapped, NAT64, 6to4, Teredo) are not: they are
// judged by the address they carry, in ClassOf.
var ranges4 = []rangeClass{
	{netip.MustParsePrefix("0.0.0.0/8"), Unspecified},
	{netip.MustParsePrefix("10.0.0.0/8"), Private},
	{netip.MustParsePrefix("100.64.0.0/10"), CGNAT},
	{netip.MustParsePrefix("127.0.0.0/8"), Loopback},
	{netip.MustParsePrefix("169.254.0.0/16"), LinkLocal},
	{netip.MustParsePrefix("172.16.0.0/12"), Private},
	{netip.MustParsePrefix("192.0.0.0/24"), Reserved},    // IETF protocol assignments (DS-Lite, NAT64 discovery, ...)
	{netip.MustParsePrefix("192.0.2.0/24"), Reserved},    // TEST-NET-1
	{netip.MustParsePrefix("192.31.196.0/24"), Reserved}, // AS112-v4
	{netip.MustParsePrefix("192.52.193.0/24"), Reserved}, // AMT
	{netip.MustParsePrefix("192.88.99.0/24"), Reserved},  // 6to4 relay anycast (deprecated)
	{netip.MustParsePrefix("192.168.0.0/16"), Private},
	{netip.MustParsePrefix("192.175.48.0/24"), Reserved}, // direct delegation AS112
	{netip.MustParsePrefix("198.18.0.0/15"), Reserved},   // benchmarking; also "fake IP" proxies
	{netip.MustParsePrefix("198.51.100.0/24"), Reserved}, // TEST-NET-2
	{netip.MustParsePrefix("203.0.113.0/24"), Reserved},  // TEST-NET-3
	{netip.MustParsePrefix("224.0.0.0/4"), Multicast},
	{netip.MustParsePrefix("240.0.0.0/4"), Reserved}, // reserved, and 255.255.255.255 broadcast
}

var ranges6 = []rangeClass{
	{netip.MustParsePrefix("::/128"), Unspecified},
	{netip.MustParsePrefix("::1/128"), Loopback},
	{netip.MustParsePrefix("64:ff9b:1::/48"), Reserved}, // local-use NAT64 (RFC 8215): reaches a private IPv4 network
	{netip.MustParsePrefix("100::/64"), Reserved},       // discard-only
	{netip.MustParsePrefix("2001:2::/48"), Reserved},    // benchmarking
	{netip.MustParsePrefix("2001:10::/28"), Reserved},   // ORCHID (deprecated)
	{netip.MustParsePrefix("2001:20::/28"), Reserved},   // ORCHIDv2
	{netip.MustParsePrefix("2001:db8::/32"), Reserved},  // documentation
	{netip.MustParsePrefix("3fff::/20"), Reserved},      // documentation (RFC 9637)
	{netip.MustParsePrefix("5f00::/16"), Reserved},      // SRv6 SIDs
	{netip.MustParsePrefix("fc00::/7"), UniqueLocal},
	{netip.MustParsePrefix("fe80::/10"), LinkLocal},
	{netip.MustParsePrefix("fec0::/10"), UniqueLocal},
	{netip.MustParsePrefix("ff00::/8"), Multicast},
}

// IPv6 ranges that carry an IPv4 address.
var (
	ipv4Compatible = netip.MustParsePrefix("::/96")           // deprecated ::a.b.c.d
	ipv4Translated = netip.MustParsePrefix("::ffff:0:0:0/96") // SIIT (RFC 2765)
	nat64WKP       = netip.MustParsePrefix("64:ff9b::/96")    // RFC 6052 well-known prefix
	sixToFour      = netip.MustParsePrefix("2002::/16")       // RFC 3056: IPv4 in bits 16-47
	teredo         = netip.MustParsePrefix("2001::/32")       // RFC 4380: server in bits 32-63, client (inverted) in 96-127
)

// ClassOf classifies ip. An IPv6 address that carries an IPv4 address
// (IPv4-mapped, IPv4-compatible, SIIT, NAT64 64:ff9b::/96, 6to4, Teredo's
// server and client, an ISATAP interface identifier) is not Global unless
// every IPv4 address it carries is: such an address reaches, through a
// translator or a tunnel, the IPv4 host it names. A zone is ignored.
func ClassOf(ip netip.Addr) Class {
	if !ip.IsValid() {
		return Invalid
	}
	ip = ip.WithZone("")
	if ip.Is4In6() {
		return class4(ip.Unmap())
	}
	if ip.Is4() {
		return class4(ip)
	}
	b := ip.As16()
	switch {
	case ip == netip.IPv6Unspecified() || ip == netip.IPv6Loopback():
		return class6(ip)
	case ipv4Compatible.Contains(ip), ipv4Translated.Contains(ip), nat64WKP.Contains(ip):
		return class4(netip.AddrFrom4([4]byte(b[12:16])))
	case sixToFour.Contains(ip):
		if c := class4(netip.AddrFrom4([4]byte(b[2:6]))); c != Global {
			return c
		}
	case teredo.Contains(ip):
		if c := class4(netip.AddrFrom4([4]byte(b[4:8]))); c != Global {
			return c
		}
		return class4(netip.AddrFrom4([4]byte{^b[12], ^b[13], ^b[14], ^b[15]}))
	}
	if c := class6(ip); c != Global {
		return c
	}
	// ISATAP (RFC 5214): an interface identifier of 0000:5efe or 0200:5efe
	// followed by an IPv4 address, under any prefix.
	if (b[8]|0x02) == 0x02 && b[9] == 0 && b[10] == 0x5e && b[11] == 0xfe {
		return class4(netip.AddrFrom4([4]byte(b[12:16])))
	}
	return Global
}

func class4(ip netip.Addr) Class {
	for _, r := range ranges4 {
		if r.p.Contains(ip) {
			return r.c
		}
	}
	return Global
}

func class6(ip netip.Addr) Class {
	for _, r := range ranges6 {
		if r.p.Contains(ip) {
			return r.c
		}
	}
	return Global
}

// IsGlobal reports whether ip is a public unicast address: ClassOf(ip) == Global.
func IsGlobal(ip netip.Addr) bool { return ClassOf(ip) == Global }
