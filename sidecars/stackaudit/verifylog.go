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
	exact := fs.Bool("exact", false, "check only the FILEs named, without adding their rotated siblings (FILE.<20 digits>)")
	fs.Usage = func() {
		fmt.Fprintln(stderr, "usage: stackaudit verify-log [--key-file K] [--checkpoint C] [--partial] [--exact] [--format text|json] FILE...")
		fmt.Fprintln(stderr, "FILE is the active log; its rotated siblings FILE.<20 digits> are checked too unless --exact.")
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
	var files []string
	if err == nil {
		files, err = logFiles(fs.Args(), *exact)
	}
	if err == nil {
		out.Report, err = auditlog.Verify(files, opts)
	}
	if err != nil {
		out.Error = err.Error()
		out.print(stderr)
		return exitUnreadable
	}
	if p := out.Report.Problem; p != nil {
		out.Status = p.Kind
		out.print(stderr)
		return exitBad
	}
	out.Status = "ok"
	out.print(stderr)
	return exitIntact
}

// logFiles adds to each FILE its rotated siblings, unless exact, and drops
// repeats, so `verify-log audit.jsonl` checks the whole log.
func logFiles(args []string, exact bool) ([]string, error) {
	var files []string
	seen := map[string]bool{}
	for _, a := range args {
		more := []string{a}
		if !exact {
			var err error
			if more, err = auditlog.Files(a); err != nil {
				return nil, err
			}
		}
		for _, f := range more {
			if c := filepath.Clean(f); !seen[c] {
				seen[c] = true
				files = append(files, f)
			}
		}
	}
	return files, nil
}

// verifyOutput is what verify-log prints; in JSON it is one object.
type verifyOutput struct {
	Status string `json:"status"` // ok, tampered, truncated, missing, unreadable
	Error  string `json:"error,omitempty"`
	*auditlog.Report

	w    io.Writer
	json bool
}

func (o *verifyOutput) print(stderr io.Writer) {
	if o.json {
		b, _ := json.MarshalIndent(o, "", "  ")
		fmt.Fprintf(o.w, "%s\n", b)
		return
	}
	if o.Error != "" {
		fmt.Fprintf(stderr, "verify-log: cannot verify: %s\n", o.Error)
		return
	}
	r := o.Report
	if r.Problem != nil {
		fmt.Fprintf(o.w, "%s: %s: %s\n", strings.ToUpper(o.Status), r.Problem.Where(), r.Problem.Reason)
		return
	}
	if t := r.TornTail; t != nil {
		fmt.Fprintf(o.w, "warning: torn tail: %s:%d: %d bytes at offset %d are a partial record left by a crash (never acknowledged in sync always or batch); the writer cuts them off when it next opens the log\n", t.File, t.Line, t.Bytes, t.Offset)
	}
	files := make([]string, len(r.Files))
	for i, f := range r.Files {
		files[i] = f.File
	}
	fmt.Fprintf(o.w, "OK: %d records, seq %d to %d, in %d file(s): %s\n", r.Records, r.FirstSeq, r.LastSeq, len(files), strings.Join(files, ", "))
	if cp := r.Checkpoint; cp != nil {
		fmt.Fprintf(o.w, "checkpoint seq %d matches\n", cp.Seq)
	}
}
