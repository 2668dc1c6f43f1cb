// Package posture audits an OpenClaw Secure Stack deployment: the Compose,
// Swarm and systemd files, openclaw.json, the guard's Caddyfile (as Caddy's
// adapter turns it into JSON), the Corefile, token files, the egress allowlist,
// .env files, the audit logs and the quarantine database. Each check has a
// stable id, a severity, the file and line it concerns, a message and a fix.
//
// The package is host-free: it never imports Caddy or CoreDNS. The command
// (sidecars/stackaudit) adapts the Caddyfile and parses the Corefile with the
// hosts' own code and passes the results in (Options.AdaptCaddyfile,
// Options.ParseCorefile).
//
//	a := posture.NewAuditor(posture.Options{AdaptCaddyfile: ..., ParseCorefile: ...})
//	a.AddPath("examples/compose") // an unreadable path becomes rep.Unavailable (exit 2)
//	rep := a.Run(ctx)
//	posture.WriteText(os.Stdout, rep)
//	os.Exit(rep.ExitCode())
//
// Checks lists every check; docs/stackaudit.md is the operator's reference.
package posture

import (
	"cmp"
	"slices"
)

// Severity orders findings; SARIF levels derive from it.
type Severity string

// The severities, most severe first.
const (
	Critical Severity = "critical"
	High     Severity = "high"
	Medium   Severity = "medium"
	Low      Severity = "low"
	Info     Severity = "info"
)

func (s Severity) rank() int {
	switch s {
	case Critical:
		return 0
	case High:
		return 1
	case Medium:
		return 2
	case Low:
		return 3
	}
	return 4
}

// Check describes one check: what it wants and how to fix a deployment that
// fails it.
type Check struct {
	ID       string   `json:"id"`
	Group    string   `json:"group"`
	Severity Severity `json:"severity"`
	Title    string   `json:"title"`
	Fix      string   `json:"fix"`
	// Live checks look at what runs; the others read files.
	Live bool `json:"live,omitempty"`
}

// Finding is one failed check at one place.
type Finding struct {
	ID       string   `json:"id"`
	Severity Severity `json:"severity"`
	Group    string   `json:"group"`
	File     string   `json:"file,omitempty"`
	Line     int      `json:"line,omitempty"`
	Message  string   `json:"message"`
	Fix      string   `json:"fix"`
	// Source is "stackaudit", or "openclaw" for findings folded in from
	// `openclaw security audit --json` (their ids are OpenClaw's checkIds).
	Source string `json:"source"`
}

// Unavailable is a part of the deployment that could not be checked. It is
// never a pass: any Unavailable makes the exit status 2.
type Unavailable struct {
	Part   string `json:"part"`
	Reason string `json:"reason"`
}

// Skipped is a symlink a directory walk did not follow because it leads out
// of the directory named (see Auditor.AddPath). It does not change the exit
// status: what it leads to is not part of what was asked, and is listed so
// that nothing is left out silently.
type Skipped struct {
	Path   string `json:"path"`
	Target string `json:"target"`
	Reason string `json:"reason"`
}

// Input is a file the audit read, and what it took it for.
type Input struct {
	Path string `json:"path"`
	Kind string `json:"kind"`
}

// Report is the result of an audit. Its JSON form is the `--format json`
// output (schema in docs/stackaudit.md).
type Report struct {
	SchemaVersion int           `json:"schema_version"`
	Tool          string        `json:"tool"`
	Live          bool          `json:"live"`
	Inputs        []Input       `json:"inputs"`
	Findings      []Finding     `json:"findings"`
	Unavailable   []Unavailable `json:"unavailable"`
	Skipped       []Skipped     `json:"skipped"`
	Summary       Summary       `json:"summary"`
}

// Summary counts findings per severity.
type Summary struct {
	Findings   int              `json:"findings"`
	BySeverity map[Severity]int `json:"by_severity"`
	Status     string           `json:"status"` // clean, findings, incomplete
}

// Exit statuses of `stackaudit audit`.
const (
	ExitClean      = 0
	ExitFindings   = 1
	ExitIncomplete = 2
)

// ExitCode is 2 when a part could not be checked, else 1 when there are
// findings, else 0.
func (r *Report) ExitCode() int {
	switch {
	case len(r.Unavailable) > 0:
		return ExitIncomplete
	case len(r.Findings) > 0:
		return ExitFindings
	}
	return ExitClean
}

// finish sorts the report and fills the summary.
func (r *Report) finish() {
	slices.SortStableFunc(r.Findings, func(a, b Finding) int {
		return cmp.Or(cmp.Compare(a.File, b.File), cmp.Compare(a.Line, b.Line),
			cmp.Compare(a.Severity.rank(), b.Severity.rank()), cmp.Compare(a.ID, b.ID), cmp.Compare(a.Message, b.Message))
	})
	r.Findings = slices.CompactFunc(r.Findings, func(a, b Finding) bool { return a == b })
	r.Summary = Summary{Findings: len(r.Findings), BySeverity: map[Severity]int{}}
	for _, f := range r.Findings {
		r.Summary.BySeverity[f.Severity]++
	}
	switch r.ExitCode() {
	case ExitClean:
		r.Summary.Status = "clean"
	case ExitFindings:
		r.Summary.Status = "findings"
	default:
		r.Summary.Status = "incomplete"
	}
	if r.Findings == nil {
		r.Findings = []Finding{}
	}
	if r.Unavailable == nil {
		r.Unavailable = []Unavailable{}
	}
	if r.Inputs == nil {
		r.Inputs = []Input{}
	}
	if r.Skipped == nil {
		r.Skipped = []Skipped{}
	}
}

// LookupCheck returns the check with this id.
func LookupCheck(id string) (Check, bool) {
	i := slices.IndexFunc(Checks, func(c Check) bool { return c.ID == id })
	if i < 0 {
		return Check{}, false
	}
	return Checks[i], true
}

// findings collects findings for one input.
type findings struct {
	list []Finding
}

// add records a failed check; msg says what is wrong here.
func (fs *findings) add(id, file string, line int, msg string) {
	c, ok := LookupCheck(id)
	if !ok {
		panic("posture: unknown check id " + id)
	}
	fs.list = append(fs.list, Finding{ID: id, Severity: c.Severity, Group: c.Group, File: file, Line: line,
		Message: msg, Fix: c.Fix, Source: "stackaudit"})
}
