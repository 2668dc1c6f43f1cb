package auth

import (
	"bufio"
	"crypto/rand"
	"crypto/sha256"
	"crypto/subtle"
	"encoding/base64"
	"encoding/hex"
	"errors"
	"fmt"
	"io"
	"os"
	"strings"
)

// MinSecretLen is the shortest raw secret accepted. Generated secrets are 43
// characters; anything much shorter can be guessed despite the limiter.
const MinSecretLen = 16

const digestPrefix = "sha256:"

// Token is a named credential. Only the SHA-256 digest of the secret is held.
type Token struct {
	Name   string
	digest [sha256.Size]byte
}

// ParseToken makes a token from a name and either a raw secret or a
// "sha256:<64 hex digits>" digest of one.
func ParseToken(name, value string) (Token, error) {
	if !validName(name) {
		return Token{}, fmt.Errorf("token name %q: use letters, digits, '.', '_' or '-' (1 to 64 characters)", name)
	}
	t := Token{Name: name}
	if hexDigest, ok := strings.CutPrefix(value, digestPrefix); ok {
		b, err := hex.DecodeString(hexDigest)
		if err != nil || len(b) != sha256.Size {
			return Token{}, fmt.Errorf("token %q: %s must be followed by 64 hex digits", name, digestPrefix)
		}
		copy(t.digest[:], b)
		return t, nil
	}
	if len(value) < MinSecretLen {
		return Token{}, fmt.Errorf("token %q: secret is %d characters, need at least %d (make one with `bin/stackaudit gen-token NAME`)", name, len(value), MinSecretLen)
	}
	if !validSecret(value) {
		return Token{}, fmt.Errorf("token %q: secret may only use the RFC 6750 token characters (A-Z a-z 0-9 - . _ ~ + / =)", name)
	}
	t.digest = sha256.Sum256([]byte(value))
	return t, nil
}

// Digest returns the "sha256:<hex>" form of the token, safe to store in
// configuration in place of the secret.
func (t Token) Digest() string { return digestPrefix + hex.EncodeToString(t.digest[:]) }

// DigestOf returns the "sha256:<hex>" form of a raw secret.
func DigestOf(secret string) string {
	d := sha256.Sum256([]byte(secret))
	return digestPrefix + hex.EncodeToString(d[:])
}

// ParseTokenFile reads tokens in the `NAME SECRET` / `NAME sha256:HEX` line
// format. filename is used in error messages only.
func ParseTokenFile(r io.Reader, filename string) ([]Token, error) {
	var tokens []Token
	sc := bufio.NewScanner(r)
	sc.Buffer(make([]byte, 0, 4096), 64*1024)
	for line := 1; sc.Scan(); line++ {
		text := strings.TrimSpace(sc.Text())
		if text == "" || strings.HasPrefix(text, "#") {
			continue
		}
		fields := strings.Fields(text)
		if len(fields) != 2 {
			return nil, fmt.Errorf("%s:%d: want `NAME SECRET` or `NAME sha256:HEX`, got %d fields", filename, line, len(fields))
		}
		t, err := ParseToken(fields[0], fields[1])
		if err != nil {
			return nil, fmt.Errorf("%s:%d: %w", filename, line, err)
		}
		tokens = append(tokens, t)
	}
	if err := sc.Err(); err != nil {
		return nil, fmt.Errorf("%s: %w", filename, err)
	}
	return tokens, nil
}

// LoadTokenFile reads a token file from disk.
func LoadTokenFile(path string) ([]Token, error) {
	f, err := os.Open(path)
	if err != nil {
		return nil, err
	}
	defer f.Close()
	return ParseTokenFile(f, path)
}

// Verifier checks presented secrets against a fixed set of tokens.
type Verifier struct {
	tokens []Token
}

// NewVerifier returns a verifier for tokens. At least one token is required:
// a guard with no tokens would admit no one, which is almost certainly a
// configuration mistake worth stopping for. A name may have several secrets
// (while a token is rotated, `alice OLD` and `alice NEW` are both valid); a
// secret may not have several names, or the audit log could not tell them
// apart.
func NewVerifier(tokens []Token) (*Verifier, error) {
	if len(tokens) == 0 {
		return nil, errors.New("no tokens configured")
	}
	return newVerifier(tokens)
}

func newVerifier(tokens []Token) (*Verifier, error) {
	digests := make(map[[sha256.Size]byte]string, len(tokens))
	for _, t := range tokens {
		if other, dup := digests[t.digest]; dup {
			if other == t.Name {
				return nil, fmt.Errorf("token %q is configured twice with the same secret", t.Name)
			}
			return nil, fmt.Errorf("tokens %q and %q have the same secret: the audit log could not tell them apart", other, t.Name)
		}
		digests[t.digest] = t.Name
	}
	return &Verifier{tokens: append([]Token(nil), tokens...)}, nil
}

// Verify reports the name of the token whose secret is presented. It compares
// against every token, without an early exit.
func (v *Verifier) Verify(secret string) (name string, ok bool) {
	d := sha256.Sum256([]byte(secret))
	match := -1
	for i := range v.tokens {
		eq := subtle.ConstantTimeCompare(d[:], v.tokens[i].digest[:])
		match = subtle.ConstantTimeSelect(eq, i, match)
	}
	if match < 0 {
		return "", false
	}
	return v.tokens[match].Name, true
}

// Len is the number of configured tokens.
func (v *Verifier) Len() int { return len(v.tokens) }

// Holds reports whether the token name is configured with the secret whose
// DigestOf is digest. A browser session remembers the digest it logged in
// with, so that removing a token or rotating its secret ends the session.
func (v *Verifier) Holds(name, digest string) bool {
	for i := range v.tokens {
		if v.tokens[i].Name == name && subtle.ConstantTimeCompare([]byte(v.tokens[i].Digest()), []byte(digest)) == 1 {
			return true
		}
	}
	return false
}

// Generate returns a new secret: 32 bytes from crypto/rand, base64url without
// padding (43 characters).
func Generate() (string, error) {
	var b [32]byte
	if _, err := rand.Read(b[:]); err != nil {
		return "", err
	}
	return base64.RawURLEncoding.EncodeToString(b[:]), nil
}

func validName(s string) bool {
	if len(s) == 0 || len(s) > 64 {
		return false
	}
	for i := 0; i < len(s); i++ {
		c := s[i]
		if !(c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z' || c >= '0' && c <= '9' || c == '.' || c == '_' || c == '-') {
			return false
		}
	}
	return true
}

// validSecret reports whether s is an RFC 6750 b64token:
// 1*( ALPHA / DIGIT / "-" / "." / "_" / "~" / "+" / "/" ) *"="
func validSecret(s string) bool {
	i := 0
	for ; i < len(s); i++ {
		c := s[i]
		if !(c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z' || c >= '0' && c <= '9' || strings.IndexByte("-._~+/", c) >= 0) {
			break
		}
	}
	if i == 0 {
		return false
	}
	for ; i < len(s); i++ {
		if s[i] != '=' {
			return false
		}
	}
	return true
}
