// Command rule-catalogue writes the catalogue of the scanner's default
// rules (docs/scanner-rules.md) from scanner/rules.json.
//
//	go generate ./scanner
//	go run ./scanner/cmd/rule-catalogue -o docs/scanner-rules.md
package main

import (
	"bytes"
	"flag"
	"fmt"
	"os"

	"github.com/openclaw-secure-stack/securestack/scanner"
)

func main() {
	out := flag.String("o", "", "output `file` (default standard output)")
	flag.Parse()
	var b bytes.Buffer
	if err := scanner.WriteRuleCatalogue(&b, scanner.DefaultRules()); err != nil {
		fmt.Fprintln(os.Stderr, err)
		os.Exit(1)
	}
	if *out == "" {
		os.Stdout.Write(b.Bytes())
		return
	}
	if err := os.WriteFile(*out, b.Bytes(), 0o644); err != nil {
		fmt.Fprintln(os.Stderr, err)
		os.Exit(1)
	}
}
