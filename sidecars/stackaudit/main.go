// Command stackaudit inspects an OpenClaw Secure Stack installation after
// the fact. Subcommands:
//
//	stackaudit audit [--live] [--format text|json|sarif] PATH...
//	stackaudit verify-log [--key-file K] [--checkpoint C] [--partial] [--exact] [--format text|json] FILE...
//	stackaudit gen-token NAME
//
// audit checks a deployment (Compose and Swarm files, openclaw.json, the
// Caddyfile, the Corefile, systemd units, token files, the allowlist, .env,
// audit logs, the quarantine database) and with --live what runs; see
// docs/stackaudit.md. It exits 0 clean, 1 with findings, 2 when a part could
// not be checked.
//
// verify-log checks a hash-chained audit log (see package auditlog): the
// active file and its rotated siblings (found beside it unless --exact),
// or any set of a log's files in any order. It exits 0 when the
// chain is intact, 1 when it was tampered with or truncated (printing the
// first bad record as file, line, seq and reason), and 2 when a file or
// the key or checkpoint cannot be read.
//
// gen-token prints `NAME SECRET` with a new 32-byte secret, ready to append
// to a guard token file, and the `NAME sha256:HEX` form on stderr.
package main

import (
	"fmt"
	"io"
	"os"
)

type command struct {
	name, summary string
	run           func(args []string, stdout, stderr io.Writer) int
}

var commands = []command{
	{"audit", "audit the deployment's posture: files, and with --live what runs", audit},
	{"verify-log", "check a hash-chained audit log for tampering and truncation", verifyLog},
	{"gen-token", "make a new client token line for a guard token file", genToken},
}

func main() {
	os.Exit(run(os.Args[1:], os.Stdout, os.Stderr))
}

func run(args []string, stdout, stderr io.Writer) int {
	if len(args) > 0 {
		for _, c := range commands {
			if c.name == args[0] {
				return c.run(args[1:], stdout, stderr)
			}
		}
		fmt.Fprintf(stderr, "stackaudit: unknown command %q\n", args[0])
	}
	fmt.Fprintln(stderr, "usage: stackaudit COMMAND [flags] [args]\n\ncommands:")
	for _, c := range commands {
		fmt.Fprintf(stderr, "  %-12s %s\n", c.name, c.summary)
	}
	return 2
}
