package route

import (
	"errors"
	"net/url"
	"strings"
	"testing"
)

func TestCanonical(t *testing.T) {
	for _, tc := range []struct {
		name, in string
		want     string // the judged path; "" means refused
		cap      string
	}{
		{"a plain path is its own judgement", "/v1/chat/completions", "/v1/chat/completions", ""},
		{"the root", "/", "/", ""},
		{"a trailing slash is kept (and matches no exact route)", "/v1/models/", "/v1/models/", ""},
		{"sub-delimiters are canonical", "/a/b!$&'()*+,=:@c", "/a/b!$&'()*+,=:@c", ""},
		{"an escaped space stays escaped", "/a%20b", "/a%20b", ""},
		{"escaped non-ASCII stays escaped", "/caf%C3%A9", "/caf%C3%A9", ""},
		{"an encoded slash is accepted here and judged by the route", "/v1/models/openclaw%2Fdefault", "/v1/models/openclaw%2Fdefault", ""},
		{"the capability prefix is rewritten as the gateway does", "/__openclaw__/cap/AbC-_9/tools/invoke", "/tools/invoke", "AbC-_9"},
		{"the capability prefix with a root rest", "/__openclaw__/cap/x/", "/", "x"},
		{"a path that only looks like the prefix is not rewritten", "/__openclaw__/cap", "/__openclaw__/cap", ""},
		{"the prefix is case-sensitive, as in the gateway", "/__OPENCLAW__/cap/x/tools/invoke", "/__OPENCLAW__/cap/x/tools/invoke", ""},

		{"empty", "", "", ""},
		{"relative", "tools/invoke", "", ""},
		{"asterisk form", "*", "", ""},
		{"double slash (the gateway reads //host/path)", "//tools/invoke", "", ""},
		{"inner double slash", "/v1//chat/completions", "", ""},
		{"dot segment", "/v1/./chat/completions", "", ""},
		{"dot-dot segment", "/x/../tools/invoke", "", ""},
		{"trailing dot-dot", "/tools/invoke/..", "", ""},
		{"encoded dot", "/%2e%2e/tools/invoke", "", ""},
		{"mixed encoded dot", "/.%2E/tools/invoke", "", ""},
		{"encoded letter", "/heal%74h", "", ""},
		{"encoded digit", "/v%31/models", "", ""},
		{"encoded tilde", "/%7Euser", "", ""},
		{"backslash", "/x\\..\\tools/invoke", "", ""},
		{"encoded backslash", "/tools%5Cinvoke", "", ""},
		{"semicolon parameter", "/v1/chat/completions;x=1", "", ""},
		{"encoded percent (double encoding)", "/%252e%252e/tools/invoke", "", ""},
		{"encoded question mark", "/v1/models%3F", "", ""},
		{"encoded hash", "/v1/models%23", "", ""},
		{"encoded NUL", "/health%00", "", ""},
		{"raw NUL", "/health\x00", "", ""},
		{"raw tab (WHATWG drops it)", "/too\tls/invoke", "", ""},
		{"raw space", "/a b", "", ""},
		{"raw hash", "/health#x", "", ""},
		{"raw non-ASCII", "/caf\xc3\xa9", "", ""},
		{"truncated escape", "/a%2", "", ""},
		{"non-hex escape", "/a%zz", "", ""},
		{"capability prefix without a rest", "/__openclaw__/cap/x", "", ""},
		{"capability prefix with an empty capability", "/__openclaw__/cap//tools/invoke", "", ""},
		{"capability with an escape", "/__openclaw__/cap/a%2Fb/tools/invoke", "", ""},
		{"nested capability prefix", "/__openclaw__/cap/a/__openclaw__/cap/b/tools/invoke", "", ""},
		{"capability rest that is not canonical", "/__openclaw__/cap/a/x/../tools/invoke", "", ""},
		{"capability rest with a double slash", "/__openclaw__/cap/a//tools/invoke", "", ""},
		{"capability of dots", "/__openclaw__/cap/../tools/invoke", "", ""},
	} {
		t.Run(tc.name, func(t *testing.T) {
			p, err := Canonical(tc.in)
			if tc.want == "" {
				var pe *PathError
				if !errors.As(err, &pe) {
					t.Fatalf("Canonical(%q) = %+v, %v; want a *PathError", tc.in, p, err)
				}
				return
			}
			if err != nil || p.Escaped != tc.want || p.Capability != tc.cap {
				t.Fatalf("Canonical(%q) = %+v, %v; want %q capability %q", tc.in, p, err, tc.want, tc.cap)
			}
		})
	}
}

func TestMatch(t *testing.T) {
	table := NewTable([]Route{MustNew("POST", "/tools/invoke", Inspect)}, Defaults())
	for _, tc := range []struct {
		method, path string
		want         string // route, or "" for not found
		policy       Policy
		outcome      Outcome
	}{
		{"GET", "/health", "GET /health", Public, Matched},
		{"HEAD", "/health", "GET /health", Public, Matched},
		{"POST", "/health", "", "", NotFound},
		{"GET", "/health/", "", "", NotFound},
		{"GET", "/Health", "", "", NotFound},
		{"POST", "/v1/chat/completions", "POST /v1/chat/completions", Inspect, Matched},
		{"POST", "/v1/chat/completions/", "", "", NotFound},
		{"POST", "/V1/chat/completions", "", "", NotFound},
		{"GET", "/v1/chat/completions", "", "", NotFound},
		{"POST", "/tools/invoke", "POST /tools/invoke", Inspect, Matched}, // the operator's line wins
		{"DELETE", "/hooks", "* /hooks", Deny, Matched},
		{"POST", "/hooks/agent", "* /hooks/*", Deny, Matched},
		{"POST", "/hooks/a/b", "* /hooks/*", Deny, Matched},
		{"GET", "/hooksx", "", "", NotFound},
		{"GET", "/v1/models", "GET /v1/models", Auth, Matched},
		{"GET", "/v1/models/openclaw", "GET /v1/models/{id}", Auth, Matched},
		{"GET", "/v1/models/openclaw%2Fdefault", "GET /v1/models/{id}", Auth, Matched},
		{"GET", "/v1/models/x%2F..%2F..%2Fhooks", "GET /v1/models/{id}", Auth, BadSlash},
		{"GET", "/v1/models/x%2F%2Fy", "GET /v1/models/{id}", Auth, BadSlash},
		{"GET", "/v1/models/a/b", "", "", NotFound},
		{"GET", "/assets/app%2F..%2Fx.js", "GET /assets/*", Auth, BadSlash},
		{"GET", "/assets/index-abc.js", "GET /assets/*", Auth, Matched},
		{"GET", "/assets/", "", "", NotFound},
		{"GET", "/", "GET /", Auth, Matched},
		{"WS", "/", "WS /", Deny, Matched},
		{"WS", "/health", "", "", NotFound},
		{"WS", "/hooks/x", "", "", NotFound}, // * never admits an upgrade
		{"GET", "/__openclaw__/canvas/x/y.html", "GET /__openclaw__/canvas/*", Auth, Matched},
		{"GET", "/__openclaw__/worker", "", "", NotFound},
		{"GET", "/sessions/x/history", "", "", NotFound},
	} {
		t.Run(tc.method+" "+tc.path, func(t *testing.T) {
			p, err := Canonical(tc.path)
			if err != nil {
				t.Fatal(err)
			}
			r, outcome := table.Match(tc.method, p)
			if outcome != tc.outcome || (tc.want != "" && (r.String() != tc.want || r.Policy != tc.policy)) {
				t.Fatalf("Match = %q %s outcome %d; want %q %s outcome %d", r, r.Policy, outcome, tc.want, tc.policy, tc.outcome)
			}
		})
	}
}

func TestNewRefusesRoutesThatCannotHold(t *testing.T) {
	for _, tc := range []struct {
		method, pattern string
		policy          Policy
		want            string
	}{
		{"POST", "/x", Public, "only GET and HEAD"},
		{"WS", "/", Public, "only GET and HEAD"},
		{"WS", "/", Inspect, "frames are not inspected"},
		{"*", "/x", Inspect, "name the method"},
		{"get", "/x", Auth, "upper-case"},
		{"GET", "x", Auth, "start with /"},
		{"GET", "/a/../b", Auth, ". or .."},
		{"GET", "/a/*/b", Auth, "last segment"},
		{"GET", "/a*", Auth, "{name}"},
		{"GET", "/a%2Fb", Auth, "encoded slash"},
		{"GET", "/x", "allow", "want public, auth, inspect or deny"},
	} {
		_, err := New(tc.method, tc.pattern, tc.policy)
		if err == nil || !strings.Contains(err.Error(), tc.want) {
			t.Errorf("New(%s %s %s) = %v, want an error mentioning %q", tc.method, tc.pattern, tc.policy, err, tc.want)
		}
	}
}

// FuzzCanonical drives arbitrary escaped paths through Canonical. An accepted
// path must be a fixed point (judging it again changes nothing), must not be
// changed by URL parsing, and must hold no structure a decoder could find.
func FuzzCanonical(f *testing.F) {
	for _, s := range []string{"/", "/v1/chat/completions", "/__openclaw__/cap/x/tools/invoke", "/%2e%2e/x", "//x",
		"/v1/models/a%2Fb", "/a%20b", "/__openclaw__/cap/a/__openclaw__/cap/b/x", "/a;b", "/a\\b", "/%25"} {
		f.Add(s)
	}
	table := NewTable(Defaults())
	f.Fuzz(func(t *testing.T, in string) {
		p, err := Canonical(in)
		if err != nil {
			return
		}
		again, err := Canonical(p.Escaped)
		if err != nil || again.Escaped != p.Escaped || again.Rewritten() {
			t.Fatalf("Canonical(%q) = %q, but judging that again gives %+v, %v", in, p.Escaped, again, err)
		}
		u, err := url.Parse(p.Escaped)
		if err != nil || u.EscapedPath() != p.Escaped || u.RawQuery != "" || u.Fragment != "" || u.Host != "" {
			t.Fatalf("accepted %q, which URL parsing reads as %+v (%v)", p.Escaped, u, err)
		}
		if strings.Contains(p.Escaped, "//") || strings.HasPrefix(p.Escaped, CapabilityPrefix) {
			t.Fatalf("accepted %q", p.Escaped)
		}
		for _, seg := range strings.Split(u.Path, "/") {
			if seg == "." || seg == ".." {
				if r, outcome := table.Match("GET", p); outcome == Matched {
					t.Fatalf("accepted %q (route %s), whose decoded form has a dot segment", p.Escaped, r)
				}
			}
		}
	})
}
