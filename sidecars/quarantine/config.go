package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"time"

	"github.com/openclaw-secure-stack/securestack/auditlog"
	"github.com/openclaw-secure-stack/securestack/egress"
	"github.com/openclaw-secure-stack/securestack/quarantine"
	"github.com/openclaw-secure-stack/securestack/scanner"
	"github.com/openclaw-secure-stack/securestack/scanner/intel"
)

// config holds the flags every command shares.
type config struct {
	db, qdir, auditLog, auditKey string
	rules, allowlist, intel      string
	// busy bounds each wait for the database, the store lock and the
	// audit log; 0 means quarantine.DefaultBusyTimeout.
	busy time.Duration
	// feed is the loaded --intel feed, for the publisher of a request.
	feed *intel.Feed
}

// newFlags returns a command's flag set with the shared flags, and with
// the scanner's flags when scans is set.
func newFlags(name string, stderr io.Writer, scans bool) (*flag.FlagSet, *config) {
	fs := flag.NewFlagSet("quarantine "+name, flag.ContinueOnError)
	fs.SetOutput(stderr)
	c := &config{}
	fs.StringVar(&c.db, "db", "", "database `path` (default $QUARANTINE_DB, else $XDG_STATE_HOME/securestack/quarantine.db or ~/.local/state/securestack/quarantine.db)")
	fs.StringVar(&c.qdir, "quarantine-dir", "", "`directory` that receives blocked skills (default $QUARANTINE_DIR, else \"quarantined\" beside the database)")
	fs.StringVar(&c.auditLog, "audit-log", "", "audit log `path` (default $QUARANTINE_AUDIT_LOG, else \"quarantine-audit.jsonl\" beside the database)")
	fs.StringVar(&c.auditKey, "audit-key", "", "HMAC key `file` of the audit log (default $QUARANTINE_AUDIT_KEY, else none)")
	if scans {
		fs.StringVar(&c.rules, "rules", "", "extra scanner rules, a JSON `file`")
		fs.StringVar(&c.allowlist, "allowlist", "", "egress allowlist `file`; URLs to other hosts become findings")
		fs.StringVar(&c.intel, "intel", "", "threat-intelligence feed `file` (hosts, IPs, URLs, SHA-256, publishers; see go doc ./scanner/intel); a skill that matches one is blocked")
	}
	return fs, c
}

// resolve fills the paths from the environment and the defaults.
func (c *config) resolve() error {
	if c.db == "" {
		c.db = os.Getenv("QUARANTINE_DB")
	}
	if c.db == "" {
		state := os.Getenv("XDG_STATE_HOME")
		if state == "" {
			if home := os.Getenv("HOME"); home != "" {
				state = filepath.Join(home, ".local", "state")
			}
		}
		if state == "" {
			return errors.New("no database location: pass --db or set QUARANTINE_DB (for OpenClaw's installPolicy, in exec.args or exec.env)")
		}
		c.db = filepath.Join(state, "securestack", "quarantine.db")
	}
	dir := filepath.Dir(c.db)
	if c.qdir == "" {
		c.qdir = os.Getenv("QUARANTINE_DIR")
	}
	if c.qdir == "" {
		c.qdir = filepath.Join(dir, "quarantined")
	}
	if c.auditLog == "" {
		c.auditLog = os.Getenv("QUARANTINE_AUDIT_LOG")
	}
	if c.auditLog == "" {
		c.auditLog = filepath.Join(dir, "quarantine-audit.jsonl")
	}
	if c.auditKey == "" {
		c.auditKey = os.Getenv("QUARANTINE_AUDIT_KEY")
	}
	return nil
}

// open opens the store and reports what its recovery did.
func (c *config) open(ctx context.Context, stderr io.Writer) (*quarantine.Store, error) {
	if err := c.resolve(); err != nil {
		return nil, err
	}
	busy := c.busy
	if busy == 0 {
		busy = quarantine.DefaultBusyTimeout
	}
	st, err := quarantine.Open(ctx, c.db, quarantine.Options{
		QuarantineDir: c.qdir,
		TreeHash:      scanner.TreeHash,
		OpenAudit:     quarantine.OpenAuditLog(c.auditLog, auditlog.Options{KeyFile: c.auditKey}, busy),
		BusyTimeout:   busy,
	})
	if err != nil {
		return nil, err
	}
	for _, r := range st.Recovered() {
		fmt.Fprintf(stderr, "quarantine: an interrupted %s of skill #%d (%s -> %s) was %s\n", r.Move.Kind, r.Move.SkillID, r.Move.Src, r.Move.Dst, r.Outcome)
		if r.Err != nil {
			fmt.Fprintf(stderr, "quarantine: %v\n", r.Err)
		}
	}
	return st, nil
}

// scanner builds the scanner from --rules, --allowlist and --intel. A
// feed that does not load stops the command with its file and line.
func (c *config) scanner() (*scanner.Scanner, error) {
	var opts scanner.Options
	if c.intel != "" {
		feed, err := intel.Load(c.intel)
		if err != nil {
			return nil, err
		}
		opts.Intel = feed
		c.feed = feed
	}
	if c.rules != "" {
		rules, err := scanner.LoadRules(c.rules)
		if err != nil {
			return nil, err
		}
		opts.Rules = rules
	}
	if c.allowlist != "" {
		al, err := egress.LoadAllowlist(c.allowlist)
		if err != nil {
			return nil, err
		}
		opts.Allowlist = al
	}
	return scanner.New(opts)
}

// parse parses a command line and returns its operands. Flags may come
// after operands too (quarantine override NAME --ack ... --user ...); "--"
// ends the flags. A usage error has been printed when ok is false.
func parse(fs *flag.FlagSet, args []string) (operands []string, ok bool) {
	for {
		if err := fs.Parse(args); err != nil {
			return nil, false
		}
		rest := fs.Args()
		if n := len(args) - len(rest); n > 0 && args[n-1] == "--" {
			return append(operands, rest...), true
		}
		if len(rest) == 0 {
			return operands, true
		}
		operands, args = append(operands, rest[0]), rest[1:]
	}
}

// fail prints err and returns exitError.
func fail(stderr io.Writer, err error) int {
	fmt.Fprintf(stderr, "quarantine: %v\n", trimPrefix(err))
	return exitError
}

// trimPrefix avoids "quarantine: quarantine: ..." for the library's errors.
func trimPrefix(err error) string {
	s := err.Error()
	const p = "quarantine: "
	for len(s) > len(p) && s[:len(p)] == p {
		s = s[len(p):]
	}
	return s
}
