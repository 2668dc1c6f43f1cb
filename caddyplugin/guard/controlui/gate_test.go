package controlui

import (
	"io"
	"net/http"
	"net/http/httptest"
	"net/url"
	"regexp"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/openclaw-secure-stack/securestack/auth"
	"github.com/openclaw-secure-stack/securestack/auth/session"
)

const (
	aliceSecret = "alice-secret-0123456789abcdef"
	bobSecret   = "bob-secret-0123456789abcdefghij"
)

type fixture struct {
	gate   *Gate
	srv    *httptest.Server
	mu     sync.Mutex
	events []Event
}

func newFixture(t *testing.T) *fixture {
	t.Helper()
	alice, _ := auth.ParseToken("alice", aliceSecret)
	bob, _ := auth.ParseToken("bob", bobSecret)
	v, err := auth.NewVerifier([]auth.Token{alice, bob})
	if err != nil {
		t.Fatal(err)
	}
	f := &fixture{}
	f.gate = &Gate{
		Verifier: v,
		Limiter:  auth.NewLimiter(auth.LimiterConfig{Burst: 3, Every: time.Hour}),
		Sessions: session.NewStore(session.Config{}),
		RoleOf: func(name string) (string, bool) {
			if name == "alice" {
				return "operator", true
			}
			return "", false
		},
		Audit: func(_ *http.Request, e Event) {
			f.mu.Lock()
			f.events = append(f.events, e)
			f.mu.Unlock()
		},
	}
	mux := http.NewServeMux()
	mux.HandleFunc(LoginPath, f.gate.ServeLogin)
	mux.HandleFunc(LogoutPath, f.gate.ServeLogout)
	mux.HandleFunc("/", func(w http.ResponseWriter, r *http.Request) {
		if _, s, ok := f.gate.Session(r); ok {
			io.WriteString(w, "hello "+s.TokenName)
			return
		}
		if WantsLoginPage(r) {
			LoginRedirect(w, r)
			return
		}
		http.Error(w, "no session", http.StatusUnauthorized)
	})
	f.srv = httptest.NewServer(mux)
	t.Cleanup(f.srv.Close)
	return f
}

func (f *fixture) lastEvent() Event {
	f.mu.Lock()
	defer f.mu.Unlock()
	if len(f.events) == 0 {
		return Event{}
	}
	return f.events[len(f.events)-1]
}

// post sends a form as a browser on this origin would, without following
// redirects.
func (f *fixture) post(t *testing.T, path, form string, cookie *http.Cookie, hdr map[string]string) *http.Response {
	t.Helper()
	req, _ := http.NewRequest("POST", f.srv.URL+path, strings.NewReader(form))
	req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	req.Header.Set("Origin", f.srv.URL)
	req.Header.Set("Sec-Fetch-Site", "same-origin")
	for k, v := range hdr {
		if v == "" {
			req.Header.Del(k)
		} else {
			req.Header.Set(k, v)
		}
	}
	if cookie != nil {
		req.AddCookie(cookie)
	}
	resp, err := noRedirect.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	return resp
}

var noRedirect = &http.Client{CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }}

func sessionCookie(resp *http.Response) *http.Cookie {
	for _, c := range resp.Cookies() {
		if c.Name == session.InsecureCookieName {
			return c
		}
	}
	return nil
}

func (f *fixture) get(t *testing.T, path string, cookie *http.Cookie) (*http.Response, string) {
	t.Helper()
	req, _ := http.NewRequest("GET", f.srv.URL+path, nil)
	req.Header.Set("Sec-Fetch-Mode", "navigate")
	if cookie != nil {
		req.AddCookie(cookie)
	}
	resp, err := noRedirect.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	b, _ := io.ReadAll(resp.Body)
	return resp, string(b)
}

func TestLoginPage(t *testing.T) {
	f := newFixture(t)
	resp, body := f.get(t, LoginPath+"?next=/chat", nil)
	if resp.StatusCode != 200 {
		t.Fatalf("login page: %d", resp.StatusCode)
	}
	h := resp.Header
	for k, want := range map[string]string{
		"X-Frame-Options": "DENY", "X-Content-Type-Options": "nosniff", "Cache-Control": "no-store",
		"Referrer-Policy": "same-origin", "Content-Security-Policy": ContentSecurityPolicy,
	} {
		if h.Get(k) != want {
			t.Errorf("%s = %q, want %q", k, h.Get(k), want)
		}
	}
	for _, part := range []string{"default-src 'none'", "frame-ancestors 'none'", "form-action 'self'"} {
		if !strings.Contains(ContentSecurityPolicy, part) {
			t.Errorf("the CSP lacks %s", part)
		}
	}
	if strings.Contains(ContentSecurityPolicy, "unsafe") {
		t.Error("the CSP allows something unsafe")
	}
	if regexp.MustCompile(`(?i)<script|src=|href=|https?://|@import|url\(`).MatchString(body) {
		t.Errorf("the login page loads or links something:\n%s", body)
	}
	if !strings.Contains(body, `name="next" value="/chat"`) {
		t.Error("the login page dropped next")
	}
	_, body = f.get(t, LoginPath+"?next=//evil.example/", nil)
	if !strings.Contains(body, `name="next" value="/"`) {
		t.Error("an off-site next survived on the login page")
	}
}

func TestLoginAndLogout(t *testing.T) {
	f := newFixture(t)
	// Without a session a page navigation goes to the login page.
	resp, _ := f.get(t, "/chat?x=1", nil)
	if loc := resp.Header.Get("Location"); resp.StatusCode != http.StatusSeeOther || loc != LoginPath+"?next="+url.QueryEscape("/chat?x=1") {
		t.Fatalf("no session: %d to %q", resp.StatusCode, loc)
	}

	resp = f.post(t, LoginPath, "token="+url.QueryEscape(aliceSecret)+"&next=%2Fchat", nil, nil)
	cookie := sessionCookie(resp)
	if resp.StatusCode != http.StatusSeeOther || resp.Header.Get("Location") != "/chat" || cookie == nil {
		t.Fatalf("login: %d to %q, cookie %v", resp.StatusCode, resp.Header.Get("Location"), cookie)
	}
	if !cookie.HttpOnly || cookie.SameSite != http.SameSiteStrictMode || cookie.Path != "/" {
		t.Errorf("session cookie %+v", cookie)
	}
	if e := f.lastEvent(); e.Outcome != "login" || e.TokenName != "alice" || e.Role != "operator" {
		t.Errorf("audited %+v", e)
	}
	if _, body := f.get(t, "/", cookie); body != "hello alice" {
		t.Fatalf("with the cookie: %q", body)
	}

	// Logout needs the page's CSRF value.
	_, page := f.get(t, LogoutPath, cookie)
	m := regexp.MustCompile(`name="csrf" value="([^"]+)"`).FindStringSubmatch(page)
	if m == nil {
		t.Fatalf("no CSRF value on the logout page:\n%s", page)
	}
	if resp := f.post(t, LogoutPath, "csrf=wrong", cookie, nil); resp.StatusCode != http.StatusForbidden {
		t.Fatalf("logout with a wrong CSRF value: %d", resp.StatusCode)
	}
	if resp := f.post(t, LogoutPath, "csrf="+m[1], cookie, map[string]string{"Origin": "http://evil.example", "Sec-Fetch-Site": "cross-site"}); resp.StatusCode != http.StatusForbidden {
		t.Fatalf("a cross-site logout: %d", resp.StatusCode)
	}
	if _, body := f.get(t, "/", cookie); body != "hello alice" {
		t.Fatal("a refused logout ended the session")
	}
	resp = f.post(t, LogoutPath, "csrf="+m[1], cookie, nil)
	if resp.StatusCode != http.StatusSeeOther || resp.Header.Get("Location") != LoginPath {
		t.Fatalf("logout: %d to %q", resp.StatusCode, resp.Header.Get("Location"))
	}
	if c := sessionCookie(resp); c == nil || c.MaxAge >= 0 {
		t.Errorf("logout did not clear the cookie: %+v", c)
	}
	// Attack: replaying the old cookie after logout.
	if resp, _ := f.get(t, "/", cookie); resp.StatusCode != http.StatusSeeOther {
		t.Fatalf("the old cookie still works after logout: %d", resp.StatusCode)
	}
	if e := f.lastEvent(); e.Outcome != "logout" || e.TokenName != "alice" {
		t.Errorf("audited %+v", e)
	}
}

func TestLoginRefusals(t *testing.T) {
	f := newFixture(t)
	for _, tc := range []struct {
		name, form string
		hdr        map[string]string
		status     int
		outcome    Outcome
	}{
		{"a cross-origin post (login CSRF)", "token=" + aliceSecret, map[string]string{"Origin": "http://evil.example"}, 403, "login_refused"},
		{"a cross-site fetch", "token=" + aliceSecret, map[string]string{"Sec-Fetch-Site": "cross-site", "Origin": ""}, 403, "login_refused"},
		{"JSON instead of a form", `{"token":"x"}`, map[string]string{"Content-Type": "application/json"}, 400, "login_refused"},
		{"two tokens", "token=a&token=" + aliceSecret, nil, 400, "login_refused"},
		{"an extra field", "token=" + aliceSecret + "&role=admin", nil, 400, "login_refused"},
		{"an off-site next", "token=" + aliceSecret + "&next=https://evil.example/", nil, 400, "login_refused"},
		{"a token without a role", "token=" + bobSecret, nil, 403, "login_refused"},
		{"a wrong token", "token=not-the-secret-0123456789", nil, 401, "login_failed"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			resp := f.post(t, LoginPath, tc.form, nil, tc.hdr)
			if resp.StatusCode != tc.status || sessionCookie(resp) != nil {
				t.Fatalf("status %d (want %d), cookie %v", resp.StatusCode, tc.status, sessionCookie(resp))
			}
			if e := f.lastEvent(); e.Outcome != tc.outcome {
				t.Errorf("audited %+v, want %s", e, tc.outcome)
			}
		})
	}
	if n := f.gate.Sessions.Len(); n != 0 {
		t.Fatalf("%d sessions after refused logins", n)
	}
}

func TestLoginSharesTheLimiter(t *testing.T) {
	f := newFixture(t)
	for range 3 {
		f.post(t, LoginPath, "token=wrong-secret-0123456789abc", nil, nil)
	}
	resp := f.post(t, LoginPath, "token="+url.QueryEscape(aliceSecret), nil, nil)
	if resp.StatusCode != http.StatusTooManyRequests || resp.Header.Get("Retry-After") == "" || sessionCookie(resp) != nil {
		t.Fatalf("after the burst, even the right token: %d, Retry-After %q", resp.StatusCode, resp.Header.Get("Retry-After"))
	}
}

// Attack: a cookie edited by hand, or sent twice.
func TestTamperedCookies(t *testing.T) {
	f := newFixture(t)
	cookie := sessionCookie(f.post(t, LoginPath, "token="+url.QueryEscape(aliceSecret), nil, nil))
	b := []byte(cookie.Value)
	b[10] ^= 1
	for _, bad := range []*http.Cookie{
		{Name: cookie.Name, Value: string(b)},
		{Name: cookie.Name, Value: cookie.Value + "x"},
		{Name: session.SecureCookieName, Value: cookie.Value}, // the TLS name over plain HTTP
	} {
		if resp, _ := f.get(t, "/", bad); resp.StatusCode != http.StatusSeeOther {
			t.Errorf("cookie %s=%s: %d, want a redirect to login", bad.Name, bad.Value, resp.StatusCode)
		}
	}
	req, _ := http.NewRequest("GET", f.srv.URL+"/", nil)
	req.Header.Set("Cookie", cookie.Name+"="+cookie.Value+"; "+cookie.Name+"="+cookie.Value)
	resp, _ := noRedirect.Do(req)
	if resp.StatusCode == 200 {
		t.Error("two session cookies were accepted")
	}
}

func TestRotationEndsSessions(t *testing.T) {
	f := newFixture(t)
	cookie := sessionCookie(f.post(t, LoginPath, "token="+url.QueryEscape(aliceSecret), nil, nil))
	// alice's secret changes; the host keeps only configured pairs.
	newAlice, _ := auth.ParseToken("alice", "alice-new-secret-0123456789abcdef")
	f.gate.Sessions.Retain(func(s session.Session) bool {
		return s.TokenName == newAlice.Name && s.Credential == newAlice.Digest()
	})
	if resp, _ := f.get(t, "/", cookie); resp.StatusCode != http.StatusSeeOther {
		t.Fatalf("a session of a rotated secret still works: %d", resp.StatusCode)
	}
}

func TestSafeNext(t *testing.T) {
	for s, want := range map[string]bool{
		"/": true, "/chat?session=main": true, "/a/b#c": true,
		"": false, "chat": false, "//evil.example": false, "/\\evil.example": false, "https://evil.example/": false,
		"/a\nb": false, "/a\\b": false, LoginPath: false, LogoutPath + "?x": false, "/%2F%2Fevil": true,
	} {
		if got := SafeNext(s); got != want {
			t.Errorf("SafeNext(%q) = %v", s, got)
		}
	}
}

func TestSetIdentity(t *testing.T) {
	h := http.Header{}
	h["X-Forwarded-User"] = []string{"mallory"}
	h["x-forwarded-user"] = []string{"mallory"}
	h["X-OPENCLAW-SCOPES"] = []string{"operator.admin"}
	SetIdentity(h, "X-Forwarded-User", "alice", "operator.read")
	if len(h) != 2 || h.Get("X-Forwarded-User") != "alice" || h.Get(ScopesHeader) != "operator.read" {
		t.Fatalf("headers after SetIdentity: %v", h)
	}
	StripIdentity(h, "x-forwarded-user")
	if len(h) != 0 {
		t.Fatalf("headers after StripIdentity: %v", h)
	}
}

func TestForwardedFor(t *testing.T) {
	for in, want := range map[string]string{
		"127.0.0.1": "100::1", "::1": "100::1", "::ffff:127.0.0.1": "100::1", "127.5.6.7": "100::1",
		"203.0.113.9": "203.0.113.9", "::ffff:203.0.113.9": "203.0.113.9", "2001:db8::1": "2001:db8::1", "nonsense": "",
	} {
		if got := ForwardedFor(in); got != want {
			t.Errorf("ForwardedFor(%q) = %q, want %q", in, got, want)
		}
	}
}

func FuzzParseLoginForm(f *testing.F) {
	f.Add("token=" + aliceSecret + "&next=%2Fchat")
	f.Add("token=a&token=b")
	f.Add("next=//evil&token=x")
	f.Add("token=%zz")
	f.Add("token=" + strings.Repeat("a", 5000))
	f.Fuzz(func(t *testing.T, body string) {
		form, err := ParseLoginForm([]byte(body))
		if err != nil {
			return
		}
		if !SafeNext(form.Next) {
			t.Fatalf("accepted next %q from %q", form.Next, body)
		}
		if form.Token == "" || !printableASCII(form.Token) || len(form.Token) > maxSecretLen {
			t.Fatalf("accepted token %q from %q", form.Token, body)
		}
		if csrf, err := ParseLogoutForm([]byte(body)); err == nil && csrf == "" {
			t.Fatal("an empty CSRF value was accepted")
		}
	})
}
