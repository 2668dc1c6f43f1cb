package guard

import (
	"bufio"
	"fmt"
	"net/http"
	"path/filepath"
	"sort"
	"strings"
	"testing"

	"github.com/openclaw-secure-stack/securestack/auth"
	"github.com/openclaw-secure-stack/securestack/auth/session"
	"github.com/openclaw-secure-stack/securestack/caddyplugin/guard/controlui"
	"github.com/openclaw-secure-stack/securestack/caddyplugin/guard/route"
	"github.com/openclaw-secure-stack/securestack/caddyplugin/internal/auditcfg"
	"github.com/openclaw-secure-stack/securestack/sanitizer"
)

// FuzzServeHTTP drives a raw HTTP/1.1 request (method, request target,
// header lines, body) through Go's request parser and the whole guard. It
// must never panic, and whatever reaches the next handler must be what the
// guard judged: a canonical path on an allowed route of the table, the
// gateway's token and no client credential, cookie, trailer or x-openclaw-*
// header, a body only on an inspected route and only one the inspector
// accepts, and an upgrade only on a WS route.
func FuzzServeHTTP(f *testing.F) {
	chat := `{"messages":[{"role":"user","content":"hi"}]}`
	for _, s := range []struct{ method, target, headers, body string }{
		{"POST", "/v1/chat/completions", "Content-Type: application/json", chat},
		{"POST", "/__openclaw__/cap/x/v1/chat/completions", "Content-Type: application/json", chat},
		{"POST", "/__openclaw__/cap/x/tools/invoke", "Content-Type: application/json", `{"tool":"exec","args":{}}`},
		{"POST", "/__openclaw__/cap/a/__openclaw__/cap/b/tools/invoke", "Content-Type: application/json", "{}"},
		{"GET", "/heal%74h", "", ""},
		{"GET", "/health", "Connection: Upgrade\r\nUpgrade: websocket", ""},
		{"GET", "/", "Connection: Upgrade\r\nUpgrade: websocket", ""},
		{"GET", "/health", "Content-Length: 5", "hello"},
		{"HEAD", "/v1/models", "Transfer-Encoding: chunked", "5\r\nhello\r\n0\r\n\r\n"},
		{"POST", "/v1/chat/completions", "Content-Type: application/json\r\nTransfer-Encoding: chunked\r\nTrailer: X-Late", "2d\r\n" + chat + "\r\n0\r\nX-Late: 1\r\n\r\n"},
		{"POST", "/v1/chat/completions;a=b", "Content-Type: application/json", chat},
		{"POST", "http://x/v1/chat/completions", "Content-Type: application/json", chat},
		{"GET", "/v1/models/openclaw%2Fdefault", "Cookie: a=b", ""},
		{"GET", "/v1/models/x%2F..%2Fy", "", ""},
		{"POST", "/v1/embeddings", "Content-Type: application/json", `{"input":["a","b"]}`},
		{"POST", "/v1/responses", "Content-Type: application/json\r\nX-OpenClaw-Scopes: operator.admin", `{"input":"x"}`},
		{"GET", "//tools/invoke", "", ""},
		{"OPTIONS", "*", "", ""},
		{"CONNECT", "example.com:443", "", ""},
	} {
		f.Add(s.method, s.target, s.headers, []byte(s.body))
	}
	g := &Guard{Tokens: []TokenConfig{{"a", testSecret}}, MaxBody: 4096, UpstreamTokenEnv: "GUARD_FUZZ_UPSTREAM",
		Routes: []RouteConfig{{"POST", route.ToolsInvoke, route.Inspect}, {"WS", "/", route.Auth}},
		// Inputs that fail authentication must not lock the fuzzer out of
		// the forwarding paths, and the disk must not set the pace.
		FailedAttempts: &FailedAttemptsConfig{Burst: 1 << 30},
		AuditLog:       &auditcfg.Config{Path: filepath.Join(f.TempDir(), "audit.jsonl"), Options: map[string]string{"sync": "none"}}}
	f.Setenv("GUARD_FUZZ_UPSTREAM", "upstream-token-0123456789")
	provision(f, g)
	f.Fuzz(func(t *testing.T, method, target, headers string, body []byte) {
		raw := fmt.Sprintf("%s %s HTTP/1.1\r\nHost: guard.test\r\nAuthorization: Bearer %s\r\n%s\r\n", method, target, testSecret, headers)
		if !strings.HasSuffix(raw, "\r\n\r\n") {
			raw += "\r\n"
		}
		r, err := http.ReadRequest(bufio.NewReader(strings.NewReader(raw + string(body))))
		if err != nil {
			return // Go's server would have answered 400 itself
		}
		w, fwd := serve(g, r)
		if fwd == nil {
			if w.Code < 400 || w.Code > 499 {
				t.Fatalf("refused with status %d, want 4xx: %s", w.Code, w.Body)
			}
			return
		}
		checkForwarded(t, g, fwd)
	})
}

// checkForwarded asserts what may reach the gateway.
func checkForwarded(t *testing.T, g *Guard, fwd *forwarded) {
	t.Helper()
	r := fwd.req
	p, err := route.Canonical(r.URL.EscapedPath())
	if err != nil || p.Rewritten() || p.Escaped != r.URL.EscapedPath() {
		t.Fatalf("forwarded %q, which is not a canonical fixed point (%+v, %v)", r.URL.EscapedPath(), p, err)
	}
	method := r.Method
	if up := upgradeOf(r); up == upgradeOther || up == upgradeH2C {
		t.Fatalf("forwarded a non-WebSocket upgrade: %v", r.Header)
	} else if up == upgradeWebSocket {
		method = route.WebSocket
	}
	rt, outcome := g.table.Match(method, p)
	if outcome != route.Matched || rt.Policy == route.Deny {
		t.Fatalf("forwarded %s %s, which the table does not allow (%s %s, outcome %d)", method, p.Escaped, rt, rt.Policy, outcome)
	}
	if method == route.WebSocket && rt.Policy != route.Auth {
		t.Fatalf("forwarded an upgrade on %s %s", rt, rt.Policy)
	}
	for k := range r.Header {
		if strings.HasPrefix(strings.ToLower(k), "x-openclaw-") || k == "Cookie" || k == "Trailer" {
			t.Fatalf("forwarded the client's %s", k)
		}
	}
	if r.Trailer != nil {
		t.Fatalf("forwarded trailers %v", r.Trailer)
	}
	wantAuth := []string{"Bearer upstream-token-0123456789"}
	if rt.Policy == route.Public {
		wantAuth = nil
	}
	if got := r.Header["Authorization"]; fmt.Sprint(got) != fmt.Sprint(wantAuth) {
		t.Fatalf("forwarded Authorization %q on %s %s", got, rt, rt.Policy)
	}
	if rt.Policy != route.Inspect {
		if len(fwd.body) != 0 {
			t.Fatalf("forwarded a %d-byte body on %s %s", len(fwd.body), rt, rt.Policy)
		}
		return
	}
	if r.Method != http.MethodPost {
		t.Fatalf("forwarded %s on an inspected route", r.Method)
	}
	if _, res, err := g.inspectors[rt.Pattern](fwd.body); err != nil || res.Action == sanitizer.ActionReject {
		t.Fatalf("forwarded a body on %s that its inspector refuses: %v %v", rt, err, res.RuleIDs())
	}
}

// FuzzServeHTTPControlUI drives raw requests through a guard with
// control_ui and a live session ({{session}} in the headers stands for its
// id). Whatever reaches the gateway carries the session's identity exactly
// when the request had a valid session and no bearer token, the role's
// scope cap with it; a bearer token's name and scopes when it had one; and
// never a client's copy of either, nor a cookie.
// Refusals are 4xx, or a redirect to the login page.
func FuzzServeHTTPControlUI(f *testing.F) {
	for _, s := range []struct{ method, target, headers, body string }{
		{"GET", "/", "Cookie: openclaw-session={{session}}", ""},
		{"GET", "/", "Cookie: openclaw-session={{session}}\r\nX-Forwarded-User: root\r\nx-openclaw-scopes: operator.admin", ""},
		{"GET", "/", "Cookie: openclaw-session={{session}}; openclaw-session={{session}}", ""},
		{"GET", "/", "Cookie: __Host-openclaw-session={{session}}", ""},
		{"GET", "/index.html", "Sec-Fetch-Mode: navigate\r\nCookie: openclaw-session=AAAA", ""},
		{"GET", "/", "Cookie: openclaw-session={{session}}\r\nConnection: Upgrade\r\nUpgrade: websocket\r\nSec-WebSocket-Version: 13\r\nSec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==\r\nOrigin: http://guard.test", ""},
		{"GET", "/", "Cookie: openclaw-session={{session}}\r\nConnection: Upgrade\r\nUpgrade: websocket\r\nSec-WebSocket-Version: 13\r\nSec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==\r\nOrigin: http://evil.test", ""},
		{"GET", "/v1/models", "Authorization: Bearer " + uiAPISecret + "\r\nCookie: openclaw-session={{session}}\r\nRemote-User: op", ""},
		{"POST", controlui.LoginPath, "Content-Type: application/x-www-form-urlencoded\r\nOrigin: http://guard.test", "token=" + uiViewerSecret + "&next=%2F"},
		{"POST", controlui.LoginPath, "Content-Type: application/x-www-form-urlencoded\r\nOrigin: http://evil.test", "token=" + uiViewerSecret},
		{"GET", controlui.LogoutPath, "Cookie: openclaw-session={{session}}", ""},
		{"POST", controlui.LogoutPath, "Content-Type: application/x-www-form-urlencoded\r\nCookie: openclaw-session={{session}}", "csrf=x"},
		{"GET", "/__openclaw_guard/login/../x", "", ""},
	} {
		f.Add(s.method, s.target, s.headers, []byte(s.body))
	}
	g := uiGuardConfig(f, f.TempDir())
	g.FailedAttempts = &FailedAttemptsConfig{Burst: 1 << 30}
	g.AuditLog.Options = map[string]string{"sync": "none"}
	provision(f, g)
	id, s, err := g.ui.sessions.Create("op", auth.DigestOf(uiOperatorSecret), "operator")
	if err != nil {
		f.Fatal(err)
	}
	opRole, _ := g.ui.policy.Role("operator")
	bearerName := map[string]string{uiOperatorSecret: "op", uiViewerSecret: "view", uiAdminSecret: "root", uiAPISecret: "api"}
	f.Fuzz(func(t *testing.T, method, target, headers string, body []byte) {
		headers = strings.ReplaceAll(headers, "{{session}}", id)
		raw := fmt.Sprintf("%s %s HTTP/1.1\r\nHost: guard.test\r\n%s\r\n", method, target, headers)
		if !strings.HasSuffix(raw, "\r\n\r\n") {
			raw += "\r\n"
		}
		r, err := http.ReadRequest(bufio.NewReader(strings.NewReader(raw + string(body))))
		if err != nil {
			return
		}
		sent := r.Header.Clone()
		w, fwd := serve(g, r)
		if fwd == nil {
			if w.Code >= 500 && w.Code != http.StatusServiceUnavailable || w.Code < 200 {
				t.Fatalf("status %d: %s", w.Code, w.Body)
			}
			return
		}
		h := fwd.req.Header
		if _, ok := h["Cookie"]; ok {
			t.Fatal("forwarded a cookie")
		}
		if _, ok := h["Authorization"]; ok {
			t.Fatal("forwarded the client's Authorization")
		}
		// A live session, and no bearer header to take precedence: the
		// identity is the session's.
		hasSession := false
		if len(sent["Authorization"]) == 0 {
			if got, err := session.FromRequest(&http.Request{Header: sent}, false); err == nil && got == id {
				hasSession = true
			}
		}
		var users []string
		for k, v := range h {
			if strings.EqualFold(k, controlui.DefaultUserHeader) || strings.EqualFold(k, controlui.ScopesHeader) {
				users = append(users, k+"="+strings.Join(v, ","))
			}
		}
		want := []string{}
		switch name := bearerName[strings.TrimPrefix(strings.Join(sent["Authorization"], ","), "Bearer ")]; {
		case hasSession:
			want = []string{"X-Forwarded-User=" + s.TokenName, "X-Openclaw-Scopes=" + opRole.CapHeader()}
		case name != "" && len(users) > 0:
			// A bearer client is named by its token (none on a public
			// route), with its role's scope cap or an API client's.
			scopes := apiScopes
			if role, ok := g.ui.policy.Role(g.ui.roles[name]); ok {
				scopes = role.CapHeader()
			}
			want = []string{"X-Forwarded-User=" + name, "X-Openclaw-Scopes=" + scopes}
		}
		sort.Strings(users)
		if fmt.Sprint(users) != fmt.Sprint(want) {
			t.Fatalf("forwarded identity %v, want %v (request headers %v)", users, want, sent)
		}
		if isGatePage(fwd.req.URL.Path) {
			t.Fatalf("forwarded the guard's own page %s", fwd.req.URL.Path)
		}
	})
}

func isGatePage(p string) bool { return p == controlui.LoginPath || p == controlui.LogoutPath }
