package main

import (
	"bytes"
	"strings"
	"testing"

	"github.com/openclaw-secure-stack/securestack/auth"
)

func TestGenToken(t *testing.T) {
	var out, errOut bytes.Buffer
	if code := run([]string{"gen-token", "alice"}, &out, &errOut); code != 0 {
		t.Fatalf("exit %d: %s", code, errOut.String())
	}
	line := out.String()
	tokens, err := auth.ParseTokenFile(strings.NewReader(line), "stdout")
	if err != nil || len(tokens) != 1 || tokens[0].Name != "alice" {
		t.Fatalf("output %q is not a token-file line: %v", line, err)
	}
	secret := strings.Fields(line)[1]
	if len(secret) != 43 {
		t.Errorf("secret %q is not 32 bytes of base64url", secret)
	}
	if !strings.Contains(errOut.String(), "alice "+auth.DigestOf(secret)) {
		t.Errorf("stderr does not give the digest line: %q", errOut.String())
	}
	v, _ := auth.NewVerifier(tokens)
	if name, ok := v.Verify(secret); !ok || name != "alice" {
		t.Error("the printed secret does not verify")
	}
	for _, args := range [][]string{{"gen-token"}, {"gen-token", "bad name"}, {"gen-token", "a", "b"}} {
		if code := run(args, &bytes.Buffer{}, &bytes.Buffer{}); code != 2 {
			t.Errorf("%v: exit %d, want 2", args, code)
		}
	}
}
