package egress

import (
	"net/netip"
	"net/url"
	"strings"
	"testing"
)

// TestRedTeamRound4Names is the name and target matrix of REDTEAM round 4
// (docs/REDTEAM.md): each held when it was tried, and must keep holding.
func TestRedTeamRound4Names(t *testing.T) {
	l, err := ParseAllowlist(strings.NewReader("allowed.com\n*.cdn.com\n.both.com\nbücher.de\n"), "round4")
	if err != nil {
		t.Fatal(err)
	}
	for name, want := range map[string]bool{
		"allowed.com.": true, "ALLOWED.COM": true, "x.cdn.com": true, "both.com": true, "x.both.com": true,
		"xn--bcher-kva.de": true, "BÜCHER.de": true,
		// The same name in other code points (UTS #46 maps them to the entry).
		"ａｌｌｏｗｅｄ.com": true, "allowed。com": true,
		"allowed.com..": false, "evil-allowed.com": false, "allowed.com.evil.com": false, "cdn.com": false,
		"a..cdn.com": false, ".cdn.com": false, "allowed.com\x00.evil.com": false, `allowed\.com`: false,
		`allowed\046com`: false, "allowed.com%2e": false, strings.Repeat("a", 64) + ".cdn.com": false,
		"xn--bcher-kva.de.evil.com": false, "bucher.de": false,
	} {
		if got := l.Match(name); got != want {
			t.Errorf("Match(%q) = %v, want %v", name, got, want)
		}
	}

	for in, want := range map[string]string{ // "" means refused
		"allowed.com.:443": "allowed.com:443", "ALLOWED.com:443": "allowed.com:443", "allowed.com:0443": "allowed.com:443",
		"[::ffff:127.0.0.1]:443": "[::ffff:127.0.0.1]:443", // a raw IP: judged as one (refused unless listed)
		"allowed.com:443 ":       "", "allowed%2ecom:443": "", `allowed.com\:443`: "", "[fe80::1%eth0]:443": "",
		"[fe80::1%25eth0]:443": "", "2130706433:443": "", "0x7f.1:443": "", "127.1:443": "", "0:443": "",
		"allowed.com:443:443": "", "user@allowed.com:443": "", "1.2.3.4.5:443": "", "a.0x1:443": "",
		"allowed.com:65536": "", ":443": "", "allowed.com": "", "allowed.com..:443": "",
	} {
		tg, err := ParseAuthority(in)
		got := ""
		if err == nil {
			got = tg.String()
		}
		if got != want {
			t.Errorf("ParseAuthority(%q) = %q (%v), want %q", in, got, err, want)
		}
	}

	for _, in := range []string{"http://allowed.com@evil.com/", "http://evil.com#@allowed.com/", `http://evil.com\@allowed.com/`,
		"http://allowed.com%2eevil.com/", "ws://allowed.com/", "http:allowed.com", "http:///allowed.com"} {
		u, err := url.ParseRequestURI(in)
		if err != nil {
			continue // refused by the URL parser
		}
		if tg, err := ParseURL(u); err == nil {
			t.Errorf("ParseURL(%q) = %s, want it refused", in, tg)
		}
	}

	for a, want := range map[string]Class{
		"::ffff:0:7f00:1": Loopback, "64:ff9b::a9fe:a9fe": LinkLocal, "::127.0.0.1": Loopback,
		"2001:0:4136:e378:8000:63bf:80ff:fffe": Loopback, // Teredo: the client is the inverted 127.0.0.1
		"2002:a9fe:a9fe::1":                    LinkLocal, "fe80::5efe:a9fe:a9fe": LinkLocal, "2600::5efe:a00:1": Private,
		"2600::200:5efe:a00:1": Private, "::ffff:a9fe:a9fe": LinkLocal, "100.100.100.200": CGNAT,
		"192.0.0.170": Reserved, "::": Unspecified, "0.0.0.0": Unspecified, "64:ff9b:1::1": Reserved,
		"fd00:ec2::254": UniqueLocal, "198.18.0.1": Reserved,
	} {
		if got := ClassOf(netip.MustParseAddr(a)); got != want {
			t.Errorf("ClassOf(%s) = %v, want %v", a, got, want)
		}
	}
}
