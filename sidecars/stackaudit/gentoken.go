package main

import (
	"flag"
	"fmt"
	"io"

	"github.com/openclaw-secure-stack/securestack/auth"
)

// genToken prints a new client token as a token-file line, `NAME SECRET`, and
// on stderr the `NAME sha256:HEX` form for servers that should keep only the
// digest.
func genToken(args []string, stdout, stderr io.Writer) int {
	fs := flag.NewFlagSet("gen-token", flag.ContinueOnError)
	fs.SetOutput(stderr)
	fs.Usage = func() {
		fmt.Fprintln(stderr, "usage: stackaudit gen-token NAME\n\nPrints `NAME SECRET` (32 random bytes, base64url) for a guard token file.")
	}
	if err := fs.Parse(args); err != nil || fs.NArg() != 1 {
		fs.Usage()
		return 2
	}
	secret, err := auth.Generate()
	if err != nil {
		fmt.Fprintf(stderr, "stackaudit gen-token: %v\n", err)
		return 2
	}
	tok, err := auth.ParseToken(fs.Arg(0), secret)
	if err != nil {
		fmt.Fprintf(stderr, "stackaudit gen-token: %v\n", err)
		return 2
	}
	fmt.Fprintf(stdout, "%s %s\n", tok.Name, secret)
	fmt.Fprintf(stderr, "# give the secret to the client; a token file may hold this digest line instead:\n%s %s\n", tok.Name, tok.Digest())
	return 0
}
