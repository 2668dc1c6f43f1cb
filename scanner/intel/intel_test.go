package intel

import (
	"strings"
	"testing"
)

func TestTheSampleFeedLoads(t *testing.T) {
	f, err := Load("clawhavoc.intel")
	if err != nil {
		t.Fatal(err)
	}
	if f.Len() < 15 {
		t.Fatalf("%d indicators", f.Len())
	}
	for _, in := range f.Indicators() {
		if !strings.Contains(in.Source, "https://") {
			t.Errorf("line %d: source %q cites no report", in.Line, in.Source)
		}
	}
	if in := f.IP("91.92.242.30"); in == nil || in.Line == 0 || !strings.Contains(in.Source, "koi.ai") {
		t.Errorf("IP 91.92.242.30: %+v", in)
	}
	if f.Publisher("@HighTower6eu") == nil {
		t.Error("publisher handles match without case and @")
	}
}

func TestMatching(t *testing.T) {
	f, err := Parse(strings.NewReader(`
# comment
host evil.example 2026-01-01 report A
ip 192.0.2.7 2026-01-02 report B
ip 2001:db8::1 2026-01-02 report B6
url https://paste.example/raw/ABC 2026-01-03 report C
url https://paste.example/raw/ 2026-01-03 report D
sha256 AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA 2026-01-04 report E
publisher bad.actor 2026-01-05 report F
`), "feed.intel")
	if err != nil {
		t.Fatal(err)
	}
	for _, tt := range []struct {
		got  *Indicator
		want string
	}{
		{f.Host("evil.example"), "report A"},
		{f.Host("cdn.EVIL.example."), "report A"},
		{f.Host("notevil.example"), ""},
		{f.IP("192.0.2.7"), "report B"},
		{f.IP("::ffff:192.0.2.7"), "report B"},
		{f.IP("[2001:db8:0::1]"), "report B6"},
		{f.IP("192.0.2.8"), ""},
		{f.URL("HTTPS://Paste.Example/raw/ABCdef"), "report C"},
		{f.URL("https://paste.example/raw/xyz"), "report D"},
		{f.URL("https://paste.example/RAW/xyz"), ""},
		{f.SHA256(strings.Repeat("a", 64)), "report E"},
		{f.Publisher("Bad.Actor"), "report F"},
		{f.Publisher("good"), ""},
	} {
		got := ""
		if tt.got != nil {
			got = tt.got.Source
		}
		if got != tt.want {
			t.Errorf("got %q, want %q", got, tt.want)
		}
	}
	var empty *Feed
	if empty.Host("x.example") != nil || empty.Len() != 0 {
		t.Error("a nil feed matches nothing")
	}
}

// A malformed feed stops the load, naming the file and the line.
func TestMalformedFeedsNameTheLine(t *testing.T) {
	for _, tt := range []struct{ text, want string }{
		{"host evil.example 2026-01-01\n", "f.intel:1: want TYPE VALUE DATE SOURCE"},
		{"# ok\nhost evil.example 2026-13-01 src\n", "f.intel:2: date"},
		{"\n\nip 999.1.1.1 2026-01-01 src\n", "f.intel:3: ip"},
		{"host 192.0.2.1 2026-01-01 src\n", "f.intel:1: host \"192.0.2.1\" is an IP address"},
		{"host bad_host!.example 2026-01-01 src\n", "f.intel:1: host"},
		{"url /relative 2026-01-01 src\n", "f.intel:1: url"},
		{"sha256 1234 2026-01-01 src\n", "f.intel:1: sha256"},
		{"publisher -bad- 2026-01-01 src\n", "f.intel:1: publisher"},
		{"domain evil.example 2026-01-01 src\n", "f.intel:1: type \"domain\""},
		{"host a.example 2026-01-01 s\nhost A.example 2026-01-02 t\n", "f.intel:2: host a.example is listed already on line 1"},
		{"host a.example 2026-01-01 s\n\xff\n", "f.intel:2: not valid UTF-8"},
	} {
		_, err := Parse(strings.NewReader(tt.text), "f.intel")
		if err == nil || !strings.Contains(err.Error(), tt.want) {
			t.Errorf("%q: error %v, want %q", tt.text, err, tt.want)
		}
	}
	if _, err := Load("no-such-file.intel"); err == nil {
		t.Error("a missing file loads")
	}
}

func FuzzParse(f *testing.F) {
	f.Add("host evil.example 2026-01-01 src\nip 192.0.2.1 2026-01-01 s\n")
	f.Add("url https://x.example/a 2026-01-01 s\nsha256 " + strings.Repeat("0", 64) + " 2026-01-01 s\npublisher p 2026-01-01 s\n")
	f.Add("\xef\xbb\xbf# bom\n\n")
	f.Add("url http://bore.pub:44876/api/ 2026-02-14 s t u\n")
	f.Fuzz(func(t *testing.T, s string) {
		feed, err := Parse(strings.NewReader(s), "fuzz.intel")
		if err != nil {
			if !strings.HasPrefix(err.Error(), "intel: fuzz.intel") {
				t.Fatalf("error without the file name: %v", err)
			}
			return
		}
		for _, in := range feed.Indicators() {
			if in.Line < 1 || in.Source == "" || in.Date == "" {
				t.Fatalf("incomplete indicator %+v", in)
			}
			var got *Indicator
			switch in.Kind {
			case Host:
				got = feed.Host(in.Value)
			case IP:
				got = feed.IP(in.Value)
			case URL:
				got = feed.URL(in.Value)
			case SHA256:
				got = feed.SHA256(in.Value)
			case Publisher:
				got = feed.Publisher(in.Value)
			}
			if got == nil {
				t.Fatalf("%s %q does not match itself", in.Kind, in.Value)
			}
		}
		_ = feed.Literals()
	})
}
