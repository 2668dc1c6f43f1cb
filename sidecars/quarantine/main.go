// Command quarantine scans OpenClaw skills, keeps their state in a SQLite
// database, moves blocked skills out of OpenClaw's load directories, and
// answers OpenClaw's install policy hook.
//
//	quarantine scan [--quarantine] [--format text|json|sarif] PATH...
//	quarantine rescan [--quarantine] [--format text|json|sarif]
//	quarantine list [--format text|json]
//	quarantine show [--format text|json] NAME
//	quarantine override --ack "I accept the risk" --user USER NAME
//	quarantine release NAME
//	quarantine watch [--debounce 1s] DIR...
//	quarantine policy   (OpenClaw's security.installPolicy protocol on stdin/stdout)
//
// scan prints the scanner's report and records every skill; with
// --quarantine it moves blocked ones into the quarantine directory. rescan
// does the same for every known skill (a quarantined one is scanned where it
// is). override accepts the risk of a blocked skill as it is now, restoring
// it if quarantined; the acceptance binds to its content hash. release
// restores a quarantined skill whose latest scan no longer blocks. watch
// scans what appears or changes in skill directories and quarantines what
// is blocked. NAME is a skill name, #ID, or path.
//
// Every command takes:
//
//	--db PATH               database; else $QUARANTINE_DB; else
//	                        $XDG_STATE_HOME/securestack/quarantine.db, or
//	                        ~/.local/state/securestack/quarantine.db
//	--quarantine-dir DIR    else $QUARANTINE_DIR; else "quarantined" beside the database
//	--audit-log PATH        else $QUARANTINE_AUDIT_LOG; else "quarantine-audit.jsonl" beside the database
//	--audit-key FILE        HMAC key of the audit log; else $QUARANTINE_AUDIT_KEY; else none
//
// and the scanning commands (scan, rescan, release, watch, policy) take
// --rules FILE (extra scanner rules), --allowlist FILE (egress allowlist
// for network findings) and --intel FILE (a threat-intelligence feed of
// known-bad hosts, IPs, URLs, SHA-256 hashes and ClawHub publishers, each
// with its source; a match blocks, and policy also checks the publisher
// the install request names). A feed that does not parse stops the
// command with the file and line.
//
// Exit status: 0 when everything scanned is clean (allow) or the command
// did what it was asked; 1 when a scan found something (warn or block) or
// release refused a skill that is still blocked; 2 for a usage error or an
// internal error (an unreadable database, a failed move, an audit log that
// cannot be written). policy exits 0 whenever it wrote a decision, since
// OpenClaw reads the decision from the JSON and drops the reply of a
// non-zero exit; when it cannot decide it writes a block and exits 2.
package main

import (
	"fmt"
	"io"
	"os"
)

// Exit statuses.
const (
	exitOK       = 0
	exitFindings = 1
	exitError    = 2
)

// streams are a command's standard files.
type streams struct {
	stdin          io.Reader
	stdout, stderr io.Writer
}

type command struct {
	name, summary string
	run           func(args []string, std streams) int
}

var commands = []command{
	{"scan", "scan skills, record them, and with --quarantine move blocked ones", scan},
	{"rescan", "scan every known skill again", rescan},
	{"list", "list known skills", list},
	{"show", "show one skill with its findings, overrides, moves and events", show},
	{"override", "accept the risk of a blocked skill as it is now", override},
	{"release", "restore a quarantined skill that no longer scans as blocked", release},
	{"watch", "scan new and changed skills in directories and quarantine blocked ones", watch},
	{"policy", "answer OpenClaw's security.installPolicy request on stdin", policy},
}

func main() {
	os.Exit(run(os.Args[1:], streams{os.Stdin, os.Stdout, os.Stderr}))
}

func run(args []string, std streams) int {
	if len(args) > 0 {
		for _, c := range commands {
			if c.name == args[0] {
				return c.run(args[1:], std)
			}
		}
		fmt.Fprintf(std.stderr, "quarantine: unknown command %q\n", args[0])
	}
	fmt.Fprintln(std.stderr, "usage: quarantine COMMAND [flags] [args]\n\ncommands:")
	for _, c := range commands {
		fmt.Fprintf(std.stderr, "  %-9s %s\n", c.name, c.summary)
	}
	fmt.Fprintln(std.stderr, "\nRun quarantine COMMAND -h for a command's flags.")
	return exitError
}
