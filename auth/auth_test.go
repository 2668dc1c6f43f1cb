package auth

import (
	"encoding/base64"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
	"time"
)

const (
	aliceSecret = "alice-secret-0123456789abcdef"
	bobSecret   = "bob-secret-0123456789abcdefghij"
)

func TestParseToken(t *testing.T) {
	for _, tc := range []struct {
		name, tokName, value string
		wantErr              string
	}{
		{"a raw secret is accepted", "alice", aliceSecret, ""},
		{"a sha256 digest is accepted", "bob", DigestOf(bobSecret), ""},
		{"an upper-case hex digest is accepted", "bob", "sha256:" + strings.ToUpper(DigestOf(bobSecret)[7:]), ""},
		{"a short secret is refused", "alice", "short", "need at least 16"},
		{"a digest of the wrong length is refused", "bob", "sha256:abcd", "64 hex digits"},
		{"a digest with non-hex digits is refused", "bob", "sha256:" + strings.Repeat("zz", 32), "64 hex digits"},
		{"a name with spaces is refused", "a b", aliceSecret, "token name"},
		{"an empty name is refused", "", aliceSecret, "token name"},
		{"a secret with a quote is refused", "alice", `abcdefghijklmnop"q`, "RFC 6750"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			_, err := ParseToken(tc.tokName, tc.value)
			if tc.wantErr == "" {
				if err != nil {
					t.Fatalf("ParseToken: %v", err)
				}
				return
			}
			if err == nil || !strings.Contains(err.Error(), tc.wantErr) {
				t.Fatalf("ParseToken error = %v, want it to mention %q", err, tc.wantErr)
			}
		})
	}
}

func TestParseTokenFile(t *testing.T) {
	good := "# tokens\n\nalice " + aliceSecret + "\n  bob   " + DigestOf(bobSecret) + "  \n"
	tokens, err := ParseTokenFile(strings.NewReader(good), "tokens.txt")
	if err != nil {
		t.Fatal(err)
	}
	if len(tokens) != 2 || tokens[0].Name != "alice" || tokens[1].Name != "bob" {
		t.Fatalf("tokens = %+v", tokens)
	}
	if tokens[1].Digest() != DigestOf(bobSecret) {
		t.Errorf("digest round trip: %s != %s", tokens[1].Digest(), DigestOf(bobSecret))
	}

	for _, tc := range []struct{ name, text, want string }{
		{"a line with one field names its line", "alice " + aliceSecret + "\nbob\n", "tokens.txt:2:"},
		{"a line with three fields names its line", "alice a b\n", "tokens.txt:1: want"},
		{"a bad secret names its line", "\n\nalice tiny\n", "tokens.txt:3:"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			_, err := ParseTokenFile(strings.NewReader(tc.text), "tokens.txt")
			if err == nil || !strings.Contains(err.Error(), tc.want) {
				t.Fatalf("error = %v, want %q", err, tc.want)
			}
		})
	}
}

func TestVerifier(t *testing.T) {
	alice, _ := ParseToken("alice", aliceSecret)
	bob, _ := ParseToken("bob", DigestOf(bobSecret))
	v, err := NewVerifier([]Token{alice, bob})
	if err != nil {
		t.Fatal(err)
	}
	for _, tc := range []struct {
		name, secret, want string
		ok                 bool
	}{
		{"the first token's secret names it", aliceSecret, "alice", true},
		{"a digest-configured token verifies its secret", bobSecret, "bob", true},
		{"the digest itself is not a secret", DigestOf(bobSecret), "", false},
		{"a wrong secret fails", aliceSecret + "x", "", false},
		{"an empty secret fails", "", "", false},
	} {
		t.Run(tc.name, func(t *testing.T) {
			name, ok := v.Verify(tc.secret)
			if name != tc.want || ok != tc.ok {
				t.Fatalf("Verify = %q, %v; want %q, %v", name, ok, tc.want, tc.ok)
			}
		})
	}

	if _, err := NewVerifier(nil); err == nil {
		t.Error("a verifier with no tokens was accepted")
	}
	if _, err := NewVerifier([]Token{alice, alice}); err == nil || !strings.Contains(err.Error(), "twice") {
		t.Errorf("a token repeated: err = %v", err)
	}
	// During a rotation one name has two secrets, both valid.
	aliceNew, _ := ParseToken("alice", bobSecret+"-new")
	rot, err := NewVerifier([]Token{alice, aliceNew})
	if err != nil {
		t.Fatalf("a name with two secrets: %v", err)
	}
	for _, s := range []string{aliceSecret, bobSecret + "-new"} {
		if name, ok := rot.Verify(s); !ok || name != "alice" {
			t.Errorf("during rotation Verify = %q, %v", name, ok)
		}
	}
	alice2, _ := ParseToken("alice2", aliceSecret)
	if _, err := NewVerifier([]Token{alice, alice2}); err == nil || !strings.Contains(err.Error(), "same secret") {
		t.Errorf("duplicate secrets: err = %v", err)
	}
}

func TestBearerToken(t *testing.T) {
	for _, tc := range []struct {
		name    string
		headers []string
		url     string
		want    string
		wantErr error
	}{
		{"a Bearer header gives its token", []string{"Bearer " + aliceSecret}, "/", aliceSecret, nil},
		{"the scheme is case-insensitive", []string{"bEaReR " + aliceSecret}, "/", aliceSecret, nil},
		{"padding is part of the token", []string{"Bearer abc+/def=="}, "/", "abc+/def==", nil},
		{"no header is ErrNoToken", nil, "/", "", ErrNoToken},
		{"two headers are refused", []string{"Bearer a", "Bearer b"}, "/", "", ErrMultipleAuth},
		{"Basic is not Bearer", []string{"Basic YWxhZGRpbjpvcGVuc2VzYW1l"}, "/", "", ErrNotBearer},
		{"a scheme alone is malformed", []string{"Bearer"}, "/", "", ErrMalformed},
		{"an empty token is malformed", []string{"Bearer "}, "/", "", ErrMalformed},
		{"a token with a space is malformed", []string{"Bearer a b"}, "/", "", ErrMalformed},
		{"padding in the middle is malformed", []string{"Bearer ab=c"}, "/", "", ErrMalformed},
		{"a token in the query is refused", []string{"Bearer " + aliceSecret}, "/?access_token=x", "", ErrTokenInQuery},
	} {
		t.Run(tc.name, func(t *testing.T) {
			r := httptest.NewRequest(http.MethodGet, tc.url, nil)
			for _, h := range tc.headers {
				r.Header.Add("Authorization", h)
			}
			got, err := BearerToken(r)
			if err != tc.wantErr || got != tc.want {
				t.Fatalf("BearerToken = %q, %v; want %q, %v", got, err, tc.want, tc.wantErr)
			}
		})
	}
}

func TestGenerate(t *testing.T) {
	a, err := Generate()
	if err != nil {
		t.Fatal(err)
	}
	b, _ := Generate()
	if len(a) != 43 || a == b {
		t.Fatalf("Generate gave %q and %q", a, b)
	}
	if _, err := ParseToken("gen", a); err != nil {
		t.Fatalf("a generated secret is not a valid token: %v", err)
	}
}

type fakeClock struct{ t time.Time }

func (c *fakeClock) now() time.Time          { return c.t }
func (c *fakeClock) advance(d time.Duration) { c.t = c.t.Add(d) }

func TestLimiter(t *testing.T) {
	clock := &fakeClock{t: time.Unix(1_700_000_000, 0)}
	l := NewLimiter(LimiterConfig{Burst: 3, Every: 10 * time.Second, Now: clock.now})

	for i := range 3 {
		if ok, _ := l.Allow("10.0.0.1"); !ok {
			t.Fatalf("attempt %d refused before the burst was used", i+1)
		}
		l.Fail("10.0.0.1")
	}
	ok, retry := l.Allow("10.0.0.1")
	if ok || retry != 10*time.Second {
		t.Fatalf("after 3 failures: Allow = %v, retry %v; want refused, 10s", ok, retry)
	}
	if ok, _ := l.Allow("10.0.0.2"); !ok {
		t.Fatal("another client was refused")
	}
	clock.advance(4 * time.Second)
	if ok, retry := l.Allow("10.0.0.1"); ok || retry != 6*time.Second {
		t.Fatalf("4s later: Allow = %v, retry %v; want refused, 6s", ok, retry)
	}
	clock.advance(6 * time.Second)
	if ok, _ := l.Allow("10.0.0.1"); !ok {
		t.Fatal("a client was still refused after its bucket refilled by one")
	}
	l.Fail("10.0.0.1")
	if ok, _ := l.Allow("10.0.0.1"); ok {
		t.Fatal("one refilled attempt allowed two failures")
	}
}

func TestLimiterBoundsMemory(t *testing.T) {
	clock := &fakeClock{t: time.Unix(1_700_000_000, 0)}
	l := NewLimiter(LimiterConfig{Burst: 2, Every: time.Second, MaxClients: 100, Now: clock.now})
	for i := range 1000 {
		l.Fail(string(rune('a'+i%26)) + strings.Repeat("x", i))
	}
	if n := len(l.clients); n > 100 {
		t.Fatalf("tracking %d clients, bound is 100", n)
	}
}

func FuzzParseTokenFile(f *testing.F) {
	f.Add("alice " + aliceSecret + "\n# c\nbob " + DigestOf(bobSecret) + "\n")
	f.Add("x\n")
	f.Add("a sha256:zz\n")
	f.Add(strings.Repeat("a", 70000))
	f.Fuzz(func(t *testing.T, text string) {
		tokens, err := ParseTokenFile(strings.NewReader(text), "fuzz")
		if err != nil {
			return
		}
		for _, tok := range tokens {
			if !validName(tok.Name) {
				t.Fatalf("accepted invalid name %q", tok.Name)
			}
		}
	})
}

func FuzzBearerToken(f *testing.F) {
	f.Add("Bearer " + aliceSecret)
	f.Add("bearer  x==")
	f.Add("Basic x")
	f.Add("")
	f.Fuzz(func(t *testing.T, h string) {
		r := httptest.NewRequest(http.MethodGet, "/", nil)
		r.Header.Set("Authorization", h)
		tok, err := BearerToken(r)
		if err == nil && !validSecret(tok) {
			t.Fatalf("returned invalid token %q from %q", tok, h)
		}
	})
}

func TestProxyCredentials(t *testing.T) {
	basic := func(s string) string { return "Basic " + base64.StdEncoding.EncodeToString([]byte(s)) }
	for _, tc := range []struct {
		name       string
		headers    []string
		user, want string
		ok         bool
	}{
		{"Basic gives the name and the secret", []string{basic("alice:" + aliceSecret)}, "alice", aliceSecret, true},
		{"the scheme is case-insensitive", []string{"bAsIc " + basic("alice:" + aliceSecret)[6:]}, "alice", aliceSecret, true},
		{"Bearer gives the secret alone", []string{"Bearer " + aliceSecret}, "", aliceSecret, true},
		{"no header is refused", nil, "", "", false},
		{"two headers are refused", []string{"Bearer " + aliceSecret, "Bearer " + bobSecret}, "", "", false},
		{"Basic without a colon is refused", []string{basic("alice" + aliceSecret)}, "", "", false},
		{"Basic with an empty name is refused", []string{basic(":" + aliceSecret)}, "", "", false},
		{"Basic with a bad secret is refused", []string{basic("alice:a b")}, "", "", false},
		{"Basic that is not base64 is refused", []string{"Basic !!!"}, "", "", false},
		{"another scheme is refused", []string{"Digest x"}, "", "", false},
	} {
		t.Run(tc.name, func(t *testing.T) {
			h := http.Header{}
			for _, v := range tc.headers {
				h.Add("Proxy-Authorization", v)
			}
			user, secret, err := ProxyCredentials(h)
			if (err == nil) != tc.ok || user != tc.user || secret != tc.want {
				t.Fatalf("ProxyCredentials = %q, %q, %v; want %q, %q, ok %v", user, secret, err, tc.user, tc.want, tc.ok)
			}
		})
	}
}

func FuzzProxyCredentials(f *testing.F) {
	f.Add("Basic " + base64.StdEncoding.EncodeToString([]byte("alice:"+aliceSecret)))
	f.Add("Bearer " + aliceSecret)
	f.Add("Basic Og==")
	f.Fuzz(func(t *testing.T, v string) {
		h := http.Header{}
		h.Set("Proxy-Authorization", v)
		name, secret, err := ProxyCredentials(h)
		if err != nil {
			return
		}
		if !validSecret(secret) || (name != "" && !validName(name)) {
			t.Fatalf("ProxyCredentials(%q) accepted %q, %q", v, name, secret)
		}
	})
}
