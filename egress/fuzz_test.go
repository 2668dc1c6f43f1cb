package egress

import (
	"bufio"
	"net/netip"
	"strings"
	"testing"
)

// FuzzParseAllowlist checks that any file either fails with a line-numbered
// error or yields a list whose every entry matches what it says it allows.
func FuzzParseAllowlist(f *testing.F) {
	for _, s := range []string{
		"example.com\n*.example.org\n.example.net\n",
		"# comment only\n\n",
		"Bücher.Example.\nxn--80ak6aa92e.com\n",
		"192.0.2.1\n10.0.0.0/8\n2001:db8::/32\n::ffff:1.2.3.4\n",
		"a..b\n",
		"*.\n",
		"\uFEFFexample.com # bom\r\n",
		"10.1.2.3/8\n",
		"fe80::1%eth0\n",
		"r3---sn-abc.googlevideo.com\n",
	} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, text string) {
		a, err := ParseAllowlist(strings.NewReader(text), "fuzz.txt")
		if err != nil {
			if !strings.Contains(err.Error(), "fuzz.txt") {
				t.Fatalf("error does not name the file: %v", err)
			}
			return
		}
		sc := bufio.NewScanner(strings.NewReader(text))
		for sc.Scan() {
			e, _, _ := strings.Cut(sc.Text(), "#")
			e = strings.TrimSpace(strings.TrimPrefix(e, "\uFEFF"))
			if e == "" {
				continue
			}
			if p, ok, _ := parseAddrEntry(e); ok {
				if !a.MatchAddr(p.Addr()) {
					t.Fatalf("address entry %q does not match its own address", e)
				}
				continue
			}
			switch {
			case strings.HasPrefix(e, "*."):
				if !a.Match("x." + e[2:]) {
					t.Fatalf("wildcard entry %q does not match a subdomain", e)
				}
			case strings.HasPrefix(e, "."):
				if !a.Match(e[1:]) || !a.Match("x"+e) {
					t.Fatalf("dot entry %q does not match its apex and subdomains", e)
				}
			default:
				if !a.Match(e) {
					t.Fatalf("exact entry %q does not match itself", e)
				}
			}
		}
	})
}

// FuzzMatch checks that no name panics Match and that case and a trailing
// dot never change the answer for ASCII names.
func FuzzMatch(f *testing.F) {
	a := mustParse(f, "example.com\n*.example.org\n.example.net\nbücher.example\n")
	for _, s := range []string{"example.com", "A.EXAMPLE.ORG.", "x..example.net", `a\046b.example.org`, "bücher.example", "\xff", "."} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, name string) {
		got := a.Match(name)
		ascii := isASCII(name)
		if ascii && got != a.Match(strings.ToUpper(name)) {
			t.Fatalf("Match(%q) changes with upper case", name)
		}
		if ascii && !strings.HasSuffix(name, ".") && got != a.Match(name+".") {
			t.Fatalf("Match(%q) changes with a trailing dot", name)
		}
		_ = a.MatchAddr(netip.Addr{})
	})
}

// FuzzCanonicalHost checks that the ASCII short path of canonicalHost gives
// exactly what the idna profile gives.
func FuzzCanonicalHost(f *testing.F) {
	for _, s := range []string{"Example.COM", "a-b.c", "-a.b", "a..b", "xn--bcher-kva.example", "XN--80AK6AA92E.com",
		"r3---sn-abc.googlevideo.com", strings.Repeat("a", 63) + ".b", strings.Repeat("a", 64), "a_b.c", "1.2.3.4", "@", "`"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, host string) {
		if !plainASCIIHost(host) {
			return
		}
		fast, _ := canonicalHost(host)
		slow, err := profile.ToASCII(host)
		if err != nil {
			t.Fatalf("%q: the short path accepts it, idna says %v", host, err)
		}
		if fast != strings.ToLower(slow) {
			t.Fatalf("%q: short path %q, idna %q", host, fast, slow)
		}
	})
}
