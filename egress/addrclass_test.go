package egress

import (
	"net/netip"
	"testing"
)

func TestClassOf(t *testing.T) {
	for _, tc := range []struct {
		ip   string
		want Class
		why  string
	}{
		{"93.184.215.14", Global, "a public IPv4 address"},
		{"2606:4700::1111", Global, "a public IPv6 address"},
		{"0.0.0.0", Unspecified, "0.0.0.0 reaches the host itself"},
		{"0.1.2.3", Unspecified, "the rest of 0.0.0.0/8"},
		{"::", Unspecified, "the IPv6 unspecified address"},
		{"127.0.0.1", Loopback, "IPv4 loopback"},
		{"127.255.255.254", Loopback, "the whole of 127/8"},
		{"::1", Loopback, "IPv6 loopback"},
		{"10.1.2.3", Private, "RFC 1918 10/8"},
		{"172.16.0.1", Private, "RFC 1918 172.16/12"},
		{"172.31.255.255", Private, "the end of 172.16/12"},
		{"172.32.0.1", Global, "just past 172.16/12"},
		{"192.168.1.1", Private, "RFC 1918 192.168/16"},
		{"169.254.169.254", LinkLocal, "the cloud metadata address"},
		{"fe80::1", LinkLocal, "IPv6 link-local"},
		{"fe80::1%eth0", LinkLocal, "a zone does not change the class"},
		{"100.64.0.1", CGNAT, "CGNAT"},
		{"100.127.255.255", CGNAT, "the end of CGNAT"},
		{"100.128.0.1", Global, "just past CGNAT"},
		{"fd00::1", UniqueLocal, "ULA fd00::/8"},
		{"fc00::1", UniqueLocal, "ULA fc00::/8"},
		{"fec0::1", UniqueLocal, "deprecated site-local"},
		{"224.0.0.1", Multicast, "IPv4 multicast"},
		{"239.255.255.250", Multicast, "SSDP"},
		{"ff02::1", Multicast, "IPv6 multicast"},
		{"255.255.255.255", Reserved, "broadcast"},
		{"240.0.0.1", Reserved, "class E"},
		{"192.0.2.1", Reserved, "TEST-NET-1"},
		{"198.18.0.1", Reserved, "benchmarking (fake-IP proxies)"},
		{"2001:db8::1", Reserved, "IPv6 documentation"},
		{"100::1", Reserved, "discard-only"},
		{"64:ff9b:1::a00:1", Reserved, "local-use NAT64"},
		{"::ffff:127.0.0.1", Loopback, "IPv4-mapped loopback"},
		{"::ffff:169.254.169.254", LinkLocal, "IPv4-mapped metadata"},
		{"::ffff:93.184.215.14", Global, "IPv4-mapped public"},
		{"::127.0.0.1", Loopback, "IPv4-compatible loopback"},
		{"::ffff:0:10.0.0.1", Private, "SIIT-translated private"},
		{"64:ff9b::7f00:1", Loopback, "NAT64 of 127.0.0.1"},
		{"64:ff9b::a9fe:a9fe", LinkLocal, "NAT64 of the metadata address"},
		{"64:ff9b::5db8:d70e", Global, "NAT64 of a public address"},
		{"2002:7f00:1::1", Loopback, "6to4 of 127.0.0.1"},
		{"2002:c0a8:101::1", Private, "6to4 of 192.168.1.1"},
		{"2002:5db8:d70e::1", Global, "6to4 of a public address"},
		{"2001:0:5db8:d70e::80ff:fffe", Loopback, "Teredo whose client is 127.0.0.1 (inverted)"},
		{"2001:0:7f00:1::", Loopback, "Teredo whose server is 127.0.0.1"},
		{"2001:0:5db8:d70e::a247:28f1", Global, "Teredo of public server and client (93.184.215.14 / 93.184.215.14 inverted)"},
		{"2606:4700::5efe:a00:1", Private, "an ISATAP identifier carrying 10.0.0.1"},
		{"2606:4700::200:5efe:7f00:1", Loopback, "an ISATAP identifier (universal bit) carrying 127.0.0.1"},
	} {
		t.Run(tc.why, func(t *testing.T) {
			got := ClassOf(netip.MustParseAddr(tc.ip))
			if got != tc.want {
				t.Errorf("ClassOf(%s) = %v, want %v", tc.ip, got, tc.want)
			}
			if IsGlobal(netip.MustParseAddr(tc.ip)) != (tc.want == Global) {
				t.Errorf("IsGlobal(%s) disagrees with ClassOf", tc.ip)
			}
		})
	}
	if ClassOf(netip.Addr{}) != Invalid {
		t.Error("the zero Addr is not Invalid")
	}
}

func TestClassNames(t *testing.T) {
	seen := map[string]bool{}
	for c := Global; c <= Invalid; c++ {
		n := c.String()
		if n == "" || seen[n] {
			t.Errorf("class %d has an empty or repeated name %q", c, n)
		}
		seen[n] = true
	}
	if Class(200).String() != "invalid" {
		t.Error("an out-of-range class does not read as invalid")
	}
}

// FuzzClassOf holds the embedded-address rules on any address: an IPv4
// address and every IPv6 form that carries it (mapped, NAT64, 6to4) are
// public only together, and a carried non-public address is never Global.
func FuzzClassOf(f *testing.F) {
	for _, s := range [][4]byte{{127, 0, 0, 1}, {10, 1, 2, 3}, {169, 254, 169, 254}, {93, 184, 215, 14}, {0, 0, 0, 0}, {224, 0, 0, 1}} {
		f.Add(s[0], s[1], s[2], s[3], uint16(0x2606))
	}
	f.Fuzz(func(t *testing.T, a, b, c, d byte, hi uint16) {
		v4 := netip.AddrFrom4([4]byte{a, b, c, d})
		want := ClassOf(v4)
		if got := ClassOf(netip.AddrFrom16(v4.As16())); got != want {
			t.Fatalf("mapped %v: %v, want %v", v4, got, want)
		}
		nat64 := [16]byte{0, 0x64, 0xff, 0x9b, 12: a, 13: b, 14: c, 15: d}
		if got := ClassOf(netip.AddrFrom16(nat64)); got != want {
			t.Fatalf("NAT64 of %v: %v, want %v", v4, got, want)
		}
		sixToFour := [16]byte{0x20, 0x02, a, b, c, d, 15: 1}
		if want != Global && ClassOf(netip.AddrFrom16(sixToFour)) == Global {
			t.Fatalf("6to4 of %v (%v) is Global", v4, want)
		}
		any6 := [16]byte{byte(hi >> 8), byte(hi), 8: 0, 9: 0, 10: 0x5e, 11: 0xfe, 12: a, 13: b, 14: c, 15: d}
		if want != Global && ClassOf(netip.AddrFrom16(any6)) == Global {
			t.Fatalf("ISATAP of %v (%v) under %04x:: is Global", v4, want, hi)
		}
	})
}
