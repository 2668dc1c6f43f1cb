package main

import (
	"encoding/json"
	"flag"
	"fmt"
	"io"
	"path/filepath"
	"strings"

	"github.com/openclaw-secure-stack/securestack/auditlog"
)

// Exit codes of verify-log.
const (
	exitIntact     = 0
	exitBad        = 1
	exitUnreadable = 2
)

func verifyLog(args []string, stdout, stderr io.Writer) int {
	fs := flag.NewFlagSet("verify-log", flag.ContinueOnError)
	fs.SetOutput(stderr)
	keyFile := fs.String("key-file", "", "HMAC key the log was written with (its key_file)")
	cpFile := fs.String("checkpoint", "", "checkpoint file, ideally the copy shipped off the box; detects a truncated tail")
	partial := fs.Bool("partial", false, "accept a chain that starts after seq 1 (older rotated files were deleted on purpose)")
	format := fs.String("format", "text", "output format: text or json")
	exact := fs.Bool("exact", false, "the FILEs named are the pieces of one log: check only them, without adding rotated siblings (FILE.<20 digits>)")
	fs.Usage = func() {
		fmt.Fprintln(stderr, "usage: stackaudit verify-log [--key-file K] [--checkpoint C] [--partial] [--exact] [--format text|json] FILE...")
		fmt.Fprintln(stderr, "Each FILE is a log's active file; its rotated siblings FILE.<20 digits> are checked too unless --exact.")
		fmt.Fprintln(stderr, "Several FILEs are several logs, each verified as its own chain; with --exact they are the pieces of one log.")
		fs.PrintDefaults()
		fmt.Fprintln(stderr, "exit status: 0 intact, 1 tampered or truncated, 2 unreadable")
	}
	if err := fs.Parse(args); err != nil {
		return exitUnreadable
	}
	if *format != "text" && *format != "json" {
		fmt.Fprintf(stderr, "verify-log: --format %q: want text or json\n", *format)
		return exitUnreadable
	}
	if fs.NArg() == 0 {
		fs.Usage()
		return exitUnreadable
	}
	out := verifyOutput{Status: "unreadable", w: stdout, json: *format == "json"}
	opts := auditlog.VerifyOptions{Partial: *partial}
	var err error
	if *keyFile != "" {
		opts.Key, err = auditlog.ReadKeyFile(*keyFile)
	}
	if err == nil && *cpFile != "" {
		var cp auditlog.Checkpoint
		if cp, err = auditlog.ReadCheckpoint(*cpFile); err == nil {
			opts.Checkpoint = &cp
		}
	}
	var logs [][]string
	if err == nil {
		logs, err = logGroups(fs.Args(), *exact)
	}
	if err == nil && len(logs) > 1 && opts.Checkpoint != nil {
		err = fmt.Errorf("--checkpoint belongs to one log, but %d logs were named (%s); verify them one at a time", len(logs), strings.Join(heads(logs), ", "))
	}
	if err != nil {
		out.Error = err.Error()
		out.print(stderr)
		return exitUnreadable
	}
	if len(logs) == 1 {
		return out.verify(logs[0], opts, stderr)
	}
	// Several logs: each is its own chain, checked and reported on its own;
	// the exit status is the worst of them.
	all := multiOutput{Status: "ok", w: stdout, json: *format == "json"}
	code := exitIntact
	for _, files := range logs {
		o := verifyOutput{Log: files[len(files)-1], Status: "unreadable", w: stdout, prefix: files[len(files)-1] + ": "}
		if all.json {
			o.w = nil // printed once, below, inside the one JSON object
		}
		c := o.verify(files, opts, stderr)
		all.Logs = append(all.Logs, &o)
		if c > code {
			code = c
			all.Status = o.Status
		}
	}
	if all.json {
		b, _ := json.MarshalIndent(all, "", "  ")
		fmt.Fprintf(all.w, "%s\n", b)
	}
	return code
}

// verify checks one log's files and prints its report.
func (o *verifyOutput) verify(files []string, opts auditlog.VerifyOptions, stderr io.Writer) int {
	var err error
	o.Report, err = auditlog.Verify(files, opts)
	if err != nil {
		o.Report = nil
		o.Error = err.Error()
		o.print(stderr)
		return exitUnreadable
	}
	if p := o.Report.Problem; p != nil {
		o.Status = p.Kind
		o.print(stderr)
		return exitBad
	}
	o.Status = "ok"
	o.print(stderr)
	return exitIntact
}

// logGroups turns the FILE arguments into logs, each the list of its files
// in any order. Without exact, every FILE is a log's active file and brings
// its rotated siblings (a rotated file named beside its active file, as a
// shell glob names them, is part of that log, not a log of its own); with
// exact, the files named are the pieces of one log.
func logGroups(args []string, exact bool) ([][]string, error) {
	if exact {
		var files []string
		seen := map[string]bool{}
		for _, a := range args {
			if c := filepath.Clean(a); !seen[c] {
				seen[c] = true
				files = append(files, a)
			}
		}
		return [][]string{files}, nil
	}
	named := map[string]bool{}
	for _, a := range args {
		named[filepath.Clean(a)] = true
	}
	var logs [][]string
	seen := map[string]bool{}
	for _, a := range args {
		c := filepath.Clean(a)
		if active, ok := auditlog.RotatedOf(c); ok && named[active] {
			continue // checked with its active file
		}
		if seen[c] {
			continue
		}
		files, err := auditlog.Files(a)
		if err != nil {
			return nil, err
		}
		var log []string
		for _, f := range files {
			if fc := filepath.Clean(f); !seen[fc] {
				seen[fc] = true
				log = append(log, f)
			}
		}
		logs = append(logs, log)
	}
	return logs, nil
}

// heads names each log by its active (last) file.
func heads(logs [][]string) []string {
	out := make([]string, len(logs))
	for i, l := range logs {
		out[i] = l[len(l)-1]
	}
	return out
}

// multiOutput is the JSON report of several logs: the worst status, and
// each log's own report.
type multiOutput struct {
	Status string          `json:"status"`
	Logs   []*verifyOutput `json:"logs"`
	w      io.Writer
	json   bool
}

// verifyOutput is what verify-log prints; in JSON it is one object.
type verifyOutput struct {
	Log    string `json:"log,omitempty"` // the log's active file, when several logs were named
	Status string `json:"status"`        // ok, tampered, truncated, missing, unreadable
	Error  string `json:"error,omitempty"`
	*auditlog.Report

	w      io.Writer
	json   bool
	prefix string // names the log in text output when several were named
}

func (o *verifyOutput) print(stderr io.Writer) {
	if o.w == nil {
		return
	}
	if o.json {
		b, _ := json.MarshalIndent(o, "", "  ")
		fmt.Fprintf(o.w, "%s\n", b)
		return
	}
	if o.Error != "" {
		fmt.Fprintf(stderr, "verify-log: %scannot verify: %s\n", o.prefix, o.Error)
		return
	}
	r := o.Report
	if r.Problem != nil {
		fmt.Fprintf(o.w, "%s%s: %s: %s\n", o.prefix, strings.ToUpper(o.Status), r.Problem.Where(), r.Problem.Reason)
		return
	}
	if t := r.TornTail; t != nil {
		fmt.Fprintf(o.w, "%swarning: torn tail: %s:%d: %d bytes at offset %d are a partial record left by a crash (never acknowledged in sync always or batch); the writer cuts them off when it next opens the log\n", o.prefix, t.File, t.Line, t.Bytes, t.Offset)
	}
	files := make([]string, len(r.Files))
	for i, f := range r.Files {
		files[i] = f.File
	}
	fmt.Fprintf(o.w, "%sOK: %d records, seq %d to %d, in %d file(s): %s\n", o.prefix, r.Records, r.FirstSeq, r.LastSeq, len(files), strings.Join(files, ", "))
	if cp := r.Checkpoint; cp != nil {
		fmt.Fprintf(o.w, "%scheckpoint seq %d matches\n", o.prefix, cp.Seq)
	}
}
