package egress

import (
	"errors"
	"fmt"
	"net/netip"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"
)

func mustParse(t testing.TB, text string) *Allowlist {
	t.Helper()
	a, err := ParseAllowlist(strings.NewReader(text), "test.txt")
	if err != nil {
		t.Fatal(err)
	}
	return a
}

func TestMatchNames(t *testing.T) {
	a, err := LoadAllowlist("testdata/allowlist.txt")
	if err != nil {
		t.Fatal(err)
	}
	long := strings.Repeat("a", 63)
	tests := []struct {
		name, query string
		want        bool
	}{
		{"an exact entry matches its name", "api.openai.com", true},
		{"an exact entry matches in any case", "API.OpenAI.Com", true},
		{"an exact entry matches with a trailing dot", "api.openai.com.", true},
		{"an exact entry does not match a subdomain", "x.api.openai.com", false},
		{"an exact entry does not match its parent", "openai.com", false},
		{"a name differing by one letter does not match", "api.openai.co", false},
		{"a wildcard entry matches a subdomain", "raw.githubusercontent.com", true},
		{"a wildcard entry matches a deep subdomain", "a.b.c.githubusercontent.com.", true},
		{"a wildcard entry does not match its apex", "githubusercontent.com", false},
		{"a wildcard entry does not match a look-alike suffix", "evilgithubusercontent.com", false},
		{"a dot entry matches its apex", "npmjs.org", true},
		{"a dot entry matches a subdomain", "registry.npmjs.org", true},
		{"a dot entry does not match a sibling", "npmjs.com", false},
		{"a Unicode entry matches its punycode", "xn--bcher-kva.example", true},
		{"a Unicode entry matches the Unicode name", "bücher.example", true},
		{"a Unicode entry matches the Unicode name in upper case", "BÜCHER.example.", true},
		{"a punycode entry matches the Unicode name", "аррӏе.com", true},
		{"a secret under an allowed apex's sibling does not match", "c2VjcmV0.npmjs.org.attacker.example", false},
		{"a 63-octet label under a wildcard matches", long + ".githubusercontent.com", true},
		{"a 64-octet label never matches", long + "a.githubusercontent.com", false},
		{"an empty label never matches", "a..githubusercontent.com", false},
		{"a leading dot never matches", ".npmjs.org", false},
		{"two trailing dots never match", "npmjs.org..", false},
		{"a DNS escape never matches", `a\046b.githubusercontent.com`, false},
		{"an escaped dot never matches", `api\.openai.com`, false},
		{"the empty name never matches", "", false},
		{"the root never matches", ".", false},
		{"an overlong name never matches", strings.Repeat(long+".", 4) + "npmjs.org", false},
		{"an IP entry does not match as a name", "192.0.2.10", false},
		{"invalid UTF-8 never matches", "\xff.npmjs.org", false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if got := a.Match(tt.query); got != tt.want {
				t.Errorf("Match(%q) = %v, want %v", tt.query, got, tt.want)
			}
		})
	}
}

func TestMatchAddr(t *testing.T) {
	a, err := LoadAllowlist("testdata/allowlist.txt")
	if err != nil {
		t.Fatal(err)
	}
	tests := []struct {
		name, ip string
		want     bool
	}{
		{"a single address matches itself", "192.0.2.10", true},
		{"a single address does not match its neighbour", "192.0.2.11", false},
		{"an IPv4 prefix matches an address inside", "10.200.3.4", true},
		{"an IPv4 prefix does not match an address outside", "11.0.0.1", false},
		{"an IPv4-mapped address is judged as IPv4", "::ffff:10.1.1.1", true},
		{"an IPv6 prefix matches an address inside", "2001:db8:1::5", true},
		{"an IPv6 prefix ignores the zone", "2001:db8::1%eth0", true},
		{"an IPv6 prefix does not match outside", "2001:db9::1", false},
		{"a mapped entry matches the IPv4 address", "198.51.100.7", true},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if got := a.MatchAddr(netip.MustParseAddr(tt.ip)); got != tt.want {
				t.Errorf("MatchAddr(%s) = %v, want %v", tt.ip, got, tt.want)
			}
		})
	}
	if a.MatchAddr(netip.Addr{}) {
		t.Error("the zero Addr matched")
	}
}

func TestParseErrors(t *testing.T) {
	tests := []struct {
		name, text string
		line       int
		reason     string
	}{
		{"an underscore is not a host name", "ok.example\nexa_mple.com\n", 2, "disallowed"},
		{"two fields on a line are refused", "example.com example.org", 1, "one entry per line"},
		{"a star inside a name is refused", "a.*.example.com", 1, `"*"`},
		{"a bare star is refused", "*", 1, ""},
		{"a bare dot is refused", "\n\n.", 3, "empty name"},
		{"an empty label is refused", "a..example.com", 1, ""},
		{"a 64-octet label is refused", strings.Repeat("a", 64) + ".com", 1, ""},
		{"a URL is refused", "https://example.com/", 1, ""},
		{"a host and port is refused", "example.com:443", 1, ""},
		{"a prefix with host bits is refused", "10.1.2.3/8", 1, "did you mean 10.0.0.0/8"},
		{"a prefix length out of range is refused", "10.0.0.0/33", 1, ""},
		{"an IPv6 zone is refused", "fe80::1%eth0", 1, "zone"},
		{"an IPv4 address with leading zeros is refused", "010.0.0.1", 1, "numeric"},
		{"an IPv4-mapped prefix is refused", "::ffff:10.0.0.0/104", 1, "IPv4 prefix"},
		{"a name with an escape is refused", `a\046b.example.com`, 1, ""},
		{"a name with invalid UTF-8 is refused", "\xff.example.com", 1, "UTF-8"},
		{"a line longer than the scanner buffer is refused", strings.Repeat("a", 70000), 0, "too long"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			a, err := ParseAllowlist(strings.NewReader(tt.text), "list.txt")
			if err == nil {
				t.Fatalf("parsed %d entries, want an error", a.Len())
			}
			msg := err.Error()
			if !strings.Contains(msg, "list.txt") || !strings.Contains(msg, tt.reason) {
				t.Errorf("error %q should name list.txt and say %q", msg, tt.reason)
			}
			var pe *ParseError
			if tt.line > 0 && (!errors.As(err, &pe) || pe.Line != tt.line) {
				t.Errorf("error %q: want a *ParseError for line %d", msg, tt.line)
			}
		})
	}
}

func TestLoadAllowlist(t *testing.T) {
	dir := t.TempDir()
	one := filepath.Join(dir, "one.txt")
	two := filepath.Join(dir, "two.txt")
	os.WriteFile(one, []byte("a.example\n"), 0o644)
	os.WriteFile(two, []byte("\uFEFFb.example # BOM first\n"), 0o644)

	t.Run("several files are merged", func(t *testing.T) {
		a, err := LoadAllowlist(one, two)
		if err != nil {
			t.Fatal(err)
		}
		if !a.Match("a.example") || !a.Match("b.example") || a.Len() != 2 {
			t.Errorf("merged list: Len=%d, a=%v, b=%v", a.Len(), a.Match("a.example"), a.Match("b.example"))
		}
	})
	t.Run("a missing file is an error naming it", func(t *testing.T) {
		_, err := LoadAllowlist(one, filepath.Join(dir, "missing.txt"))
		if err == nil || !strings.Contains(err.Error(), "missing.txt") {
			t.Errorf("err = %v", err)
		}
	})
	t.Run("a bad line in the second file names that file and line", func(t *testing.T) {
		_, err := LoadAllowlist(one, "testdata/bad-line.txt")
		if err == nil || !strings.Contains(err.Error(), "testdata/bad-line.txt:3:") {
			t.Errorf("err = %v", err)
		}
	})
	t.Run("no file at all is an error", func(t *testing.T) {
		if _, err := LoadAllowlist(); err == nil {
			t.Error("no error")
		}
	})
	t.Run("an empty file allows nothing", func(t *testing.T) {
		a := mustParse(t, "# nothing yet\n\n")
		if a.Len() != 0 || a.Match("example.com") {
			t.Errorf("Len=%d", a.Len())
		}
	})
}

func TestLenCountsDistinctEntries(t *testing.T) {
	a := mustParse(t, `
example.com
EXAMPLE.com.
*.example.com
.example.com
10.0.0.0/8
10.0.0.0/8
10.0.0.1
`)
	// example.com and *.example.com are new; .example.com adds nothing more.
	if got, want := a.Len(), 4; got != want {
		t.Errorf("Len = %d, want %d", got, want)
	}
}

func TestEntriesAreSpellingFree(t *testing.T) {
	a := mustParse(t, ".Example.com.\nmünchen.de\n10.0.0.1\n2001:db8::/32\n")
	b := mustParse(t, "*.example.com\nexample.com\nxn--mnchen-3ya.de\n10.0.0.1/32\n2001:DB8::/32\n")
	want := []string{"*.example.com", "10.0.0.1/32", "2001:db8::/32", "example.com", "xn--mnchen-3ya.de"}
	if got := a.Entries(); !slices.Equal(got, want) {
		t.Errorf("Entries = %q, want %q", got, want)
	}
	if !slices.Equal(a.Entries(), b.Entries()) {
		t.Errorf("the same list spelt two ways: %q and %q", a.Entries(), b.Entries())
	}
	if c := mustParse(t, "example.com\n"); slices.Equal(c.Entries(), b.Entries()) {
		t.Error("a list without the subtree gives the same entries")
	}
}

func TestMatchDoesNotAllocate(t *testing.T) {
	a := mustParse(t, "*.example.com\nexample.org\n")
	for _, q := range []string{"A.B.Example.COM.", "example.org", "secret.attacker.example", "x.y.z.example.org"} {
		if n := testing.AllocsPerRun(100, func() { a.Match(q) }); n != 0 {
			t.Errorf("Match(%q) allocated %v times", q, n)
		}
	}
	if n := testing.AllocsPerRun(100, func() { a.MatchAddr(netip.MustParseAddr("10.0.0.1")) }); n != 0 {
		t.Errorf("MatchAddr allocated %v times", n)
	}
}

func TestNilAllowlistMatchesNothing(t *testing.T) {
	var a *Allowlist
	if a.Match("example.com") || a.MatchAddr(netip.MustParseAddr("10.0.0.1")) {
		t.Error("a nil list matched")
	}
}

func ExampleAllowlist_Match() {
	al, err := ParseAllowlist(strings.NewReader("*.example.com\n.npmjs.org\n"), "allowlist.txt")
	if err != nil {
		panic(err)
	}
	for _, q := range []string{"API.example.com.", "example.com", "registry.npmjs.org", "npmjs.org"} {
		fmt.Println(q, al.Match(q))
	}
	// Output:
	// API.example.com. true
	// example.com false
	// registry.npmjs.org true
	// npmjs.org true
}

// genList writes n distinct entries in the three name forms plus some addresses.
func genList(n int) string {
	var b strings.Builder
	for i := range n {
		switch i % 4 {
		case 0:
			fmt.Fprintf(&b, "host%d.example%d.com\n", i, i%1000)
		case 1:
			fmt.Fprintf(&b, "*.svc%d.example.net\n", i)
		case 2:
			fmt.Fprintf(&b, ".zone%d.org\n", i)
		case 3:
			fmt.Fprintf(&b, "2001:db8:%x:%x::/64\n", i>>16, i&0xffff)
		}
	}
	return b.String()
}

func BenchmarkMatch(b *testing.B) {
	a := mustParse(b, genList(100000))
	for _, q := range []string{
		"host4.example4.com",
		"a.b.c.svc5.example.net.",
		"Secret-Data-0123456789.attacker.example",
		"x.y.z.w.v.u.zone6.org",
	} {
		b.Run(q, func(b *testing.B) {
			b.ReportAllocs()
			for b.Loop() {
				a.Match(q)
			}
		})
	}
}

// BenchmarkLoad1M loads a 1,000,000-entry list from a file; make bench-dns
// reports it.
func BenchmarkLoad1M(b *testing.B) {
	path := filepath.Join(b.TempDir(), "1m.txt")
	if err := os.WriteFile(path, []byte(genList(1000000)), 0o644); err != nil {
		b.Fatal(err)
	}
	b.ReportAllocs()
	for b.Loop() {
		if _, err := LoadAllowlist(path); err != nil {
			b.Fatal(err)
		}
	}
}
