package auth_test

import (
	"fmt"
	"net/http/httptest"
	"strings"

	"github.com/openclaw-secure-stack/securestack/auth"
)

// A token file, a verifier, and the bearer token of a request.
func Example() {
	file := `# who       secret or its SHA-256
alice       2yNqk2v6h0Vq3mJ4bXoT1c8w0r5dKpZs7uEaLfGiHjY
ci-bot      sha256:` + strings.TrimPrefix(auth.DigestOf("ci-bot-secret-0123456789"), "sha256:") + `
`
	tokens, err := auth.ParseTokenFile(strings.NewReader(file), "tokens")
	if err != nil {
		panic(err)
	}
	v, err := auth.NewVerifier(tokens)
	if err != nil {
		panic(err)
	}

	r := httptest.NewRequest("POST", "/v1/chat/completions", nil)
	r.Header.Set("Authorization", "Bearer ci-bot-secret-0123456789")
	secret, err := auth.BearerToken(r)
	if err != nil {
		panic(err)
	}
	name, ok := v.Verify(secret)
	fmt.Println(name, ok)
	_, ok = v.Verify("not-a-token-of-ours-000000")
	fmt.Println(ok)
	// Output:
	// ci-bot true
	// false
}

// A client that keeps failing is refused before its token is checked.
func ExampleLimiter() {
	lim := auth.NewLimiter(auth.LimiterConfig{Burst: 2})
	for range 2 {
		lim.Fail("203.0.113.9")
	}
	ok, retry := lim.Allow("203.0.113.9")
	fmt.Println(ok, retry > 0)
	ok, _ = lim.Allow("198.51.100.1")
	fmt.Println(ok)
	// Output:
	// false true
	// true
}
