package egress

import (
	"errors"
	"net/netip"
	"strings"
	"testing"
)

// FuzzParseAuthority holds the CONNECT target parser to its promises on any
// input: it never panics; what it accepts is a host it can name exactly
// (lower-case LDH name not ending in a number, or a canonical IP literal)
// with a port from 1 to 65535; and the accepted target prints back as an
// authority that parses to the same target.
func FuzzParseAuthority(f *testing.F) {
	for _, s := range []string{
		"api.openai.com:443", "[2606:4700::1111]:443", "93.184.215.14:80", "2130706433:443",
		"0x7f.1:443", "[::ffff:127.0.0.1]:443", "[fe80::1%25eth0]:443", "a..b:1", "example.com",
		"example.com:65536", "user@host:1", "xn--bcher-kva.example:443", "EXAMPLE.com.:8080",
	} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		tg, err := ParseAuthority(s)
		if err != nil {
			var te *TargetError
			if !errors.As(err, &te) || (te.Reason != ReasonBadTarget && te.Reason != ReasonIPNonCanonical) {
				t.Fatalf("ParseAuthority(%q): error %v is not a *TargetError with a known reason", s, err)
			}
			return
		}
		checkTarget(t, s, tg)
		again, err := ParseAuthority(tg.String())
		if err != nil || again != tg {
			t.Fatalf("ParseAuthority(%q) = %+v, but its String %q parses to %+v, %v", s, tg, tg.String(), again, err)
		}
	})
}

// FuzzParseRequestURI does the same for absolute-form request targets.
func FuzzParseRequestURI(f *testing.F) {
	for _, s := range []string{
		"http://example.com/", "https://example.com:8443/a?b#c", "http://[::1]/", "http://2130706433/",
		"http://user:pw@example.com/", "ftp://x/", "/origin", "http://exa%6dple.com/", "http://0177.1/",
	} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		tg, err := ParseRequestURI(s)
		if err != nil {
			return
		}
		checkTarget(t, s, tg)
	})
}

func checkTarget(t *testing.T, in string, tg Target) {
	t.Helper()
	if tg.Port == 0 {
		t.Fatalf("%q: accepted port 0", in)
	}
	if tg.IsIP() {
		if tg.Addr.Zone() != "" || tg.Host != tg.Addr.String() {
			t.Fatalf("%q: IP target %+v is not canonical", in, tg)
		}
		return
	}
	if tg.Host == "" || tg.Host != strings.ToLower(tg.Host) || strings.HasSuffix(tg.Host, ".") {
		t.Fatalf("%q: host %q is not a canonical name", in, tg.Host)
	}
	if _, err := netip.ParseAddr(tg.Host); err == nil {
		t.Fatalf("%q: host %q is an address but was taken as a name", in, tg.Host)
	}
	if _, ok := ParseLegacyIPv4(tg.Host); ok {
		t.Fatalf("%q: host %q reads as an IPv4 address to resolvers but was taken as a name", in, tg.Host)
	}
	for i := 0; i < len(tg.Host); i++ {
		c := tg.Host[i]
		if !('a' <= c && c <= 'z' || '0' <= c && c <= '9' || c == '-' || c == '.' || c == '_') {
			t.Fatalf("%q: host %q holds %q", in, tg.Host, c)
		}
	}
}
