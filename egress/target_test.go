package egress

import (
	"errors"
	"net/netip"
	"strings"
	"testing"
)

func TestParseAuthority(t *testing.T) {
	for _, tc := range []struct {
		in, host string
		port     uint16
		ip       bool
		reason   string // "" for success
		why      string
	}{
		{"api.openai.com:443", "api.openai.com", 443, false, "", "a name and a port"},
		{"API.OpenAI.com.:443", "api.openai.com", 443, false, "", "case and a trailing dot are dropped"},
		{"_sip._tcp.example.com:5060", "_sip._tcp.example.com", 5060, false, "", "underscores are allowed in names"},
		{"93.184.215.14:443", "93.184.215.14", 443, true, "", "a dotted-decimal IPv4 address"},
		{"[2606:4700::1111]:443", "2606:4700::1111", 443, true, "", "a bracketed IPv6 address"},
		{"[::ffff:127.0.0.1]:443", "::ffff:127.0.0.1", 443, true, "", "an IPv4-mapped IPv6 address stays IPv6"},
		{"example.com", "", 0, false, ReasonBadTarget, "CONNECT needs a port"},
		{"example.com:", "", 0, false, ReasonBadTarget, "an empty port"},
		{"example.com:0", "", 0, false, ReasonBadTarget, "port 0"},
		{"example.com:65536", "", 0, false, ReasonBadTarget, "a port over 65535"},
		{"example.com:+443", "", 0, false, ReasonBadTarget, "a signed port"},
		{"example.com:443:443", "", 0, false, ReasonBadTarget, "two ports"},
		{":443", "", 0, false, ReasonBadTarget, "no host"},
		{"user@example.com:443", "", 0, false, ReasonBadTarget, "userinfo"},
		{"exa mple.com:443", "", 0, false, ReasonBadTarget, "a space"},
		{"example.com%2e:443", "", 0, false, ReasonBadTarget, "percent-encoding"},
		{"bücher.example:443", "", 0, false, ReasonBadTarget, "a non-ASCII name"},
		{"a..example.com:443", "", 0, false, ReasonBadTarget, "an empty label"},
		{"[fe80::1%25eth0]:443", "", 0, false, ReasonBadTarget, "an IPv6 zone"},
		{"[127.0.0.1]:443", "", 0, false, ReasonBadTarget, "IPv4 in brackets"},
		{"[::1:443", "", 0, false, ReasonBadTarget, "an unclosed bracket"},
		{"::1:443", "", 0, false, ReasonBadTarget, "IPv6 without brackets"},
		{"2130706433:443", "", 0, false, ReasonIPNonCanonical, "a decimal IPv4 address"},
		{"0177.0.0.1:443", "", 0, false, ReasonIPNonCanonical, "an octal IPv4 address"},
		{"0x7f.0.0.1:443", "", 0, false, ReasonIPNonCanonical, "a hexadecimal IPv4 address"},
		{"0x7f000001:443", "", 0, false, ReasonIPNonCanonical, "one hexadecimal number"},
		{"127.1:443", "", 0, false, ReasonIPNonCanonical, "a short IPv4 address"},
		{"127.0.0.01:443", "", 0, false, ReasonIPNonCanonical, "a leading zero"},
		{"256.0.0.1:443", "", 0, false, ReasonIPNonCanonical, "an octet over 255"},
		{"example.123:443", "", 0, false, ReasonIPNonCanonical, "a name whose last label is numeric"},
		{"1.2.3.4.5:443", "", 0, false, ReasonIPNonCanonical, "five numeric parts"},
		{"123abc.example:443", "123abc.example", 443, false, "", "a label starting with digits is a name"},
		{"0xyz.example:443", "0xyz.example", 443, false, "", "a label starting 0x with non-hex is a name"},
		{strings.Repeat("a", 64) + ".example:443", "", 0, false, ReasonBadTarget, "a 64-octet label"},
	} {
		t.Run(tc.why, func(t *testing.T) {
			got, err := ParseAuthority(tc.in)
			if tc.reason != "" {
				var te *TargetError
				if !errors.As(err, &te) || te.Reason != tc.reason {
					t.Fatalf("ParseAuthority(%q) = %+v, %v; want a %s error", tc.in, got, err, tc.reason)
				}
				return
			}
			if err != nil {
				t.Fatalf("ParseAuthority(%q): %v", tc.in, err)
			}
			if got.Host != tc.host || got.Port != tc.port || got.IsIP() != tc.ip {
				t.Errorf("ParseAuthority(%q) = %+v, want host %q port %d ip %v", tc.in, got, tc.host, tc.port, tc.ip)
			}
		})
	}
}

func TestParseRequestURI(t *testing.T) {
	for _, tc := range []struct {
		in, want string
		ok       bool
		why      string
	}{
		{"http://example.com/path?q=1", "example.com:80", true, "http defaults to port 80"},
		{"https://example.com/", "example.com:443", true, "https defaults to port 443"},
		{"HTTP://Example.COM:8080/", "example.com:8080", true, "scheme and host case do not matter"},
		{"http://example.com:/", "example.com:80", true, "an empty port is the default"},
		{"http://[2606:4700::1111]/", "[2606:4700::1111]:80", true, "an IPv6 literal"},
		{"ftp://example.com/", "", false, "another scheme"},
		{"http://user:pw@example.com/", "", false, "userinfo"},
		{"http:///path", "", false, "no host"},
		{"/path", "", false, "origin-form"},
		{"http://2130706433/", "", false, "a decimal IPv4 host"},
		{"http://0x7f.1/", "", false, "a hexadecimal short IPv4 host"},
	} {
		t.Run(tc.why, func(t *testing.T) {
			got, err := ParseRequestURI(tc.in)
			if !tc.ok {
				if err == nil {
					t.Fatalf("ParseRequestURI(%q) = %v, want an error", tc.in, got)
				}
				return
			}
			if err != nil || got.String() != tc.want {
				t.Fatalf("ParseRequestURI(%q) = %v, %v; want %s", tc.in, got, err, tc.want)
			}
		})
	}
}

func TestParseLegacyIPv4(t *testing.T) {
	for in, want := range map[string]string{
		"2130706433":       "127.0.0.1",
		"017700000001":     "127.0.0.1",
		"0x7f000001":       "127.0.0.1",
		"0177.0.0.1":       "127.0.0.1",
		"0x7f.1":           "127.0.0.1",
		"127.1":            "127.0.0.1",
		"127.0.1":          "127.0.0.1",
		"169.254.43518":    "169.254.169.254",
		"0xa9.0xfe.0xa9fe": "169.254.169.254",
		"0":                "0.0.0.0",
		"4294967295":       "255.255.255.255",
	} {
		got, ok := ParseLegacyIPv4(in)
		if !ok || got != netip.MustParseAddr(want) {
			t.Errorf("ParseLegacyIPv4(%q) = %v, %v; want %s", in, got, ok, want)
		}
	}
	for _, in := range []string{"4294967296", "1.2.3.4.5", "256.1", "1.2.65536", "08", "0x", "1..2", "", "1.2.3.256", "-1", "+1"} {
		if got, ok := ParseLegacyIPv4(in); ok && in != "0x" {
			t.Errorf("ParseLegacyIPv4(%q) = %v, want not an address", in, got)
		}
	}
}
