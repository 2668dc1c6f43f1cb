package session

import (
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
	"time"
)

type clock struct{ t time.Time }

func (c *clock) now() time.Time          { return c.t }
func (c *clock) advance(d time.Duration) { c.t = c.t.Add(d) }

func newStore(t *testing.T, cfg Config) (*Store, *clock) {
	t.Helper()
	c := &clock{t: time.Unix(1_800_000_000, 0)}
	cfg.Now = c.now
	return NewStore(cfg), c
}

func ended(s Session) bool {
	select {
	case <-s.Ended():
		return true
	default:
		return false
	}
}

func TestCreateAndLookup(t *testing.T) {
	st, _ := newStore(t, Config{TTL: time.Hour})
	id, s, err := st.Create("alice", "sha256:aa", "operator")
	if err != nil {
		t.Fatal(err)
	}
	if !ValidID(id) {
		t.Fatalf("id %q is not a valid session id", id)
	}
	got, ok := st.Lookup(id)
	if !ok || got.TokenName != "alice" || got.Role != "operator" || got.Credential != "sha256:aa" {
		t.Fatalf("Lookup = %+v, %v", got, ok)
	}
	if got.Expires.Sub(got.Created) != time.Hour {
		t.Errorf("lifetime %v, want 1h", got.Expires.Sub(got.Created))
	}
	if s.CSRF == "" || s.CSRF == id {
		t.Errorf("CSRF value %q must be random and not the id", s.CSRF)
	}
	id2, _, _ := st.Create("alice", "sha256:aa", "operator")
	if id2 == id {
		t.Fatal("two logins got the same id")
	}
}

func TestExpiry(t *testing.T) {
	st, c := newStore(t, Config{TTL: time.Hour})
	id, s, _ := st.Create("alice", "sha256:aa", "operator")
	c.advance(59 * time.Minute)
	if _, ok := st.Lookup(id); !ok {
		t.Fatal("a session ended a minute before its expiry")
	}
	c.advance(time.Minute)
	if _, ok := st.Lookup(id); ok {
		t.Fatal("an expired session was still valid")
	}
	if !ended(s) {
		t.Error("an expired session's Ended channel is still open")
	}
	if st.Len() != 0 {
		t.Errorf("store holds %d sessions after expiry", st.Len())
	}
}

func TestSweepEndsExpiredSessions(t *testing.T) {
	st, c := newStore(t, Config{TTL: time.Hour})
	_, s, _ := st.Create("alice", "sha256:aa", "operator")
	c.advance(2 * time.Hour)
	_, fresh, _ := st.Create("bob", "sha256:bb", "viewer")
	if n := st.Sweep(); n != 1 {
		t.Fatalf("Sweep ended %d sessions, want 1", n)
	}
	if !ended(s) || ended(fresh) {
		t.Fatal("Sweep ended the wrong session")
	}
}

// Attack: a session replayed after logout.
func TestLogoutEndsTheSessionAtOnce(t *testing.T) {
	st, _ := newStore(t, Config{})
	id, s, _ := st.Create("alice", "sha256:aa", "operator")
	if !st.Delete(id) {
		t.Fatal("Delete found no session")
	}
	if _, ok := st.Lookup(id); ok {
		t.Fatal("the session id still works after logout")
	}
	if !ended(s) {
		t.Fatal("the session's Ended channel did not close at logout")
	}
	if st.Delete(id) {
		t.Error("a second logout found the session again")
	}
	if st.CheckCSRF(id, s.CSRF) {
		t.Error("the CSRF value of an ended session is still accepted")
	}
}

// Attack: a tampered cookie value.
func TestTamperedIDsAreUnknown(t *testing.T) {
	st, _ := newStore(t, Config{})
	id, _, _ := st.Create("alice", "sha256:aa", "operator")
	flip := func(i int) string {
		b := []byte(id)
		if b[i] == 'A' {
			b[i] = 'B'
		} else {
			b[i] = 'A'
		}
		return string(b)
	}
	for _, bad := range []string{
		flip(0), flip(21), flip(42),
		id[:42], id + "A", id + "=", strings.ToUpper(id),
		"", strings.Repeat("A", 43), id[:20] + "." + id[21:],
	} {
		if bad == id {
			continue
		}
		if _, ok := st.Lookup(bad); ok {
			t.Errorf("tampered id %q was accepted", bad)
		}
	}
	if _, ok := st.Lookup(id); !ok {
		t.Fatal("the real id stopped working")
	}
}

func TestCSRF(t *testing.T) {
	st, _ := newStore(t, Config{})
	id, s, _ := st.Create("alice", "sha256:aa", "operator")
	other, o, _ := st.Create("bob", "sha256:bb", "operator")
	if !st.CheckCSRF(id, s.CSRF) {
		t.Fatal("the session's own CSRF value was refused")
	}
	for _, tc := range []struct{ name, id, token string }{
		{"another session's value", id, o.CSRF},
		{"an empty value", id, ""},
		{"a truncated value", id, s.CSRF[:10]},
		{"this value on another session", other, s.CSRF},
	} {
		if st.CheckCSRF(tc.id, tc.token) {
			t.Errorf("%s was accepted", tc.name)
		}
	}
}

func TestRevokeAndRotate(t *testing.T) {
	st, _ := newStore(t, Config{})
	_, a1, _ := st.Create("alice", "sha256:old", "operator")
	_, a2, _ := st.Create("alice", "sha256:new", "operator")
	_, b, _ := st.Create("bob", "sha256:bb", "viewer")

	// alice's secret rotated: only the pair (alice, new) is configured now.
	configured := map[[2]string]bool{{"alice", "sha256:new"}: true, {"bob", "sha256:bb"}: true}
	if n := st.Retain(func(s Session) bool { return configured[[2]string{s.TokenName, s.Credential}] }); n != 1 {
		t.Fatalf("rotation ended %d sessions, want 1", n)
	}
	if !ended(a1) || ended(a2) || ended(b) {
		t.Fatal("rotation ended the wrong sessions")
	}
	if n := st.RevokeToken("alice"); n != 1 {
		t.Fatalf("RevokeToken ended %d sessions, want 1", n)
	}
	if !ended(a2) || ended(b) {
		t.Fatal("RevokeToken ended the wrong sessions")
	}
}

func TestLimits(t *testing.T) {
	st, c := newStore(t, Config{MaxSessions: 4, MaxPerToken: 2})
	_, first, _ := st.Create("alice", "d", "operator")
	c.advance(time.Second)
	st.Create("alice", "d", "operator")
	c.advance(time.Second)
	_, third, _ := st.Create("alice", "d", "operator")
	if !ended(first) || ended(third) {
		t.Fatal("a token over its session cap did not lose its oldest session")
	}
	st.Create("bob", "d", "operator")
	st.Create("carol", "d", "operator")
	if _, _, err := st.Create("dave", "d", "operator"); err != ErrFull {
		t.Fatalf("Create on a full store: err = %v, want ErrFull", err)
	}
	c.advance(DefaultTTL)
	if _, _, err := st.Create("dave", "d", "operator"); err != nil {
		t.Fatalf("Create after every session expired: %v", err)
	}
}

func TestDestructEndsEverything(t *testing.T) {
	st, _ := newStore(t, Config{})
	_, s, _ := st.Create("alice", "d", "operator")
	if err := st.Destruct(); err != nil {
		t.Fatal(err)
	}
	if !ended(s) || st.Len() != 0 {
		t.Fatal("Destruct left a session alive")
	}
}

func TestConfigCheck(t *testing.T) {
	for _, bad := range []Config{{TTL: time.Second}, {TTL: 31 * 24 * time.Hour}, {MaxSessions: -1}} {
		if bad.Check() == nil {
			t.Errorf("Config %+v passed Check", bad)
		}
	}
	if err := (Config{TTL: time.Hour}).Check(); err != nil {
		t.Error(err)
	}
}

func TestCookieAttributes(t *testing.T) {
	exp := time.Now().Add(time.Hour)
	for _, secure := range []bool{true, false} {
		w := httptest.NewRecorder()
		http.SetCookie(w, Cookie(strings.Repeat("a", 43), exp, secure))
		line := w.Header().Get("Set-Cookie")
		for _, want := range []string{"Path=/", "HttpOnly", "SameSite=Strict", "Max-Age="} {
			if !strings.Contains(line, want) {
				t.Errorf("secure=%v: Set-Cookie %q lacks %s", secure, line, want)
			}
		}
		if strings.Contains(strings.ToLower(line), "domain=") {
			t.Errorf("Set-Cookie %q has a Domain", line)
		}
		if secure != strings.Contains(line, "; Secure") || secure != strings.HasPrefix(line, "__Host-") {
			t.Errorf("secure=%v: Set-Cookie %q: Secure and __Host- must go together with TLS", secure, line)
		}
		w = httptest.NewRecorder()
		http.SetCookie(w, ClearCookie(secure))
		if line := w.Header().Get("Set-Cookie"); !strings.Contains(line, "Max-Age=0") {
			t.Errorf("clearing cookie %q does not expire it", line)
		}
	}
}

func TestFromRequest(t *testing.T) {
	id := strings.Repeat("x", 43)
	for _, tc := range []struct {
		name    string
		cookies []string
		secure  bool
		want    string
		err     error
	}{
		{"the TLS name over TLS", []string{"__Host-openclaw-session=" + id}, true, id, nil},
		{"the plain name without TLS", []string{"openclaw-session=" + id}, false, id, nil},
		{"the plain name over TLS is ignored", []string{"openclaw-session=" + id}, true, "", ErrNoCookie},
		{"the TLS name without TLS is ignored", []string{"__Host-openclaw-session=" + id}, false, "", ErrNoCookie},
		{"two copies are refused", []string{"openclaw-session=" + id + "; openclaw-session=" + id}, false, "", ErrDuplicateCookie},
		{"two headers are refused", []string{"openclaw-session=" + id, "openclaw-session=" + id}, false, "", ErrDuplicateCookie},
		{"a short value is malformed", []string{"openclaw-session=abc"}, false, "", ErrMalformedCookie},
		{"other cookies are fine", []string{"a=b; openclaw-session=" + id + "; c=d"}, false, id, nil},
	} {
		t.Run(tc.name, func(t *testing.T) {
			r := httptest.NewRequest("GET", "/", nil)
			for _, c := range tc.cookies {
				r.Header.Add("Cookie", c)
			}
			got, err := FromRequest(r, tc.secure)
			if got != tc.want || err != tc.err {
				t.Fatalf("FromRequest = %q, %v; want %q, %v", got, err, tc.want, tc.err)
			}
		})
	}
}

func TestStripCookie(t *testing.T) {
	h := http.Header{}
	h.Add("Cookie", "a=1; openclaw-session=x; __Host-openclaw-session=y; b=2")
	h.Add("Cookie", "openclaw-session=z")
	StripCookie(h)
	if got := h.Values("Cookie"); len(got) != 1 || got[0] != "a=1; b=2" {
		t.Fatalf("Cookie after strip = %q", got)
	}
	h = http.Header{"Cookie": {"openclaw-session=z"}}
	StripCookie(h)
	if _, ok := h["Cookie"]; ok {
		t.Fatal("an empty Cookie header was kept")
	}
}

func FuzzFromRequest(f *testing.F) {
	f.Add("openclaw-session=" + strings.Repeat("x", 43))
	f.Add("__Host-openclaw-session=\"" + strings.Repeat("x", 43) + "\"")
	f.Add("openclaw-session=a; openclaw-session=b")
	f.Add(";;=;openclaw-session")
	f.Fuzz(func(t *testing.T, header string) {
		r := httptest.NewRequest("GET", "/", nil)
		r.Header.Set("Cookie", header)
		for _, secure := range []bool{true, false} {
			id, err := FromRequest(r, secure)
			if err == nil && !ValidID(id) {
				t.Fatalf("FromRequest returned invalid id %q from %q", id, header)
			}
		}
		h := http.Header{"Cookie": {header}}
		StripCookie(h)
		if strings.Contains(h.Get("Cookie"), "openclaw-session=") {
			for _, part := range strings.Split(h.Get("Cookie"), ";") {
				name, _, _ := strings.Cut(strings.TrimSpace(part), "=")
				if name == SecureCookieName || name == InsecureCookieName {
					t.Fatalf("StripCookie left %q in %q", name, h.Get("Cookie"))
				}
			}
		}
	})
}
