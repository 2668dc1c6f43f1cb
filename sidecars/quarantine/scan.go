package main

import (
	"context"
	"errors"
	"fmt"
	"io"
	"os"
	"path/filepath"

	"github.com/openclaw-secure-stack/securestack/quarantine"
	"github.com/openclaw-secure-stack/securestack/scanner"
)

func scan(args []string, std streams) int {
	fs, c := newFlags("scan", std.stderr, true)
	move := fs.Bool("quarantine", false, "move blocked skills into the quarantine directory")
	format := fs.String("format", "text", "report `format`: text, json or sarif")
	fs.Usage = func() {
		fmt.Fprintln(std.stderr, "usage: quarantine scan [--quarantine] [--format text|json|sarif] PATH...")
		fs.PrintDefaults()
	}
	ops, ok := parse(fs, args)
	if !ok {
		return exitError
	}
	write, err := reportWriter(*format)
	if err != nil {
		return fail(std.stderr, err)
	}
	if len(ops) == 0 {
		fs.Usage()
		return exitError
	}
	var paths []string
	for _, p := range ops {
		abs, err := filepath.Abs(p)
		if err == nil {
			_, err = os.Lstat(abs)
		}
		if err != nil {
			return fail(std.stderr, fmt.Errorf("cannot scan %s: %w", p, err))
		}
		paths = append(paths, abs)
	}
	return scanAndRecord(c, *move, write, std, func(*quarantine.Store) ([]string, error) { return paths, nil })
}

func rescan(args []string, std streams) int {
	fs, c := newFlags("rescan", std.stderr, true)
	move := fs.Bool("quarantine", false, "move blocked skills into the quarantine directory")
	format := fs.String("format", "text", "report `format`: text, json or sarif")
	ops, ok := parse(fs, args)
	if !ok {
		return exitError
	}
	write, err := reportWriter(*format)
	if err != nil {
		return fail(std.stderr, err)
	}
	if len(ops) != 0 {
		return fail(std.stderr, errors.New("rescan takes no arguments; it scans every known skill"))
	}
	return scanAndRecord(c, *move, write, std, func(st *quarantine.Store) ([]string, error) {
		skills, err := st.List(context.Background())
		var paths []string
		for _, sk := range skills {
			switch sk.Status {
			case quarantine.Removed:
			case quarantine.Quarantined:
				paths = append(paths, sk.QuarantinePath)
			default:
				paths = append(paths, sk.Path)
			}
		}
		return paths, err
	})
}

// scanAndRecord scans the paths that list returns, records every result,
// quarantines blocked skills when move is set, and writes the report. A
// known path that is gone is marked removed instead of scanned.
func scanAndRecord(c *config, move bool, write func(io.Writer, *scanner.Report) error, std streams, list func(*quarantine.Store) ([]string, error)) int {
	ctx := context.Background()
	sc, err := c.scanner()
	if err != nil {
		return fail(std.stderr, err)
	}
	st, err := c.open(ctx, std.stderr)
	if err != nil {
		return fail(std.stderr, err)
	}
	defer st.Close()
	paths, err := list(st)
	if err != nil {
		return fail(std.stderr, err)
	}
	report := &scanner.Report{Results: []scanner.Result{}}
	status := exitOK
	for _, p := range paths {
		if _, err := os.Lstat(p); errors.Is(err, os.ErrNotExist) {
			found, err := st.MarkRemoved(ctx, p)
			if err != nil {
				return fail(std.stderr, err)
			}
			note := "not scanned (another process may have quarantined it)"
			if found {
				note = "marked removed"
			}
			fmt.Fprintf(std.stderr, "quarantine: %s is gone; %s\n", p, note)
			continue
		}
		rep, err := sc.Scan(ctx, p)
		if err != nil {
			return fail(std.stderr, err)
		}
		for _, r := range rep.Results {
			report.Results = append(report.Results, r)
			if r.Verdict != scanner.Allow {
				status = exitFindings
			}
			if err := record(ctx, st, r, move, std.stderr); err != nil {
				return fail(std.stderr, err)
			}
		}
	}
	if err := write(std.stdout, report); err != nil {
		return fail(std.stderr, err)
	}
	return status
}

// record stores one result and, when move is set, quarantines it if it is
// blocked. A skill another process moved away after the scan is noted, not
// an error.
func record(ctx context.Context, st *quarantine.Store, r scanner.Result, move bool, stderr io.Writer) error {
	sk, err := st.Record(ctx, r)
	if errors.Is(err, quarantine.ErrVanished) {
		fmt.Fprintf(stderr, "quarantine: %s disappeared after the scan (another process moved or deleted it); not recorded\n", r.Path)
		return nil
	}
	if err != nil {
		return err
	}
	if sk.Status == quarantine.Overridden {
		fmt.Fprintf(stderr, "quarantine: %s (#%d) is blocked but an override accepts this exact content\n", sk.Name, sk.ID)
	}
	if !move || sk.Status != quarantine.Blocked {
		return nil
	}
	sk, err = st.Quarantine(ctx, sk.ID)
	if err != nil {
		return err
	}
	fmt.Fprintf(stderr, "quarantine: moved %s (#%d) from %s to %s\n", sk.Name, sk.ID, sk.Path, sk.QuarantinePath)
	return nil
}

func reportWriter(format string) (func(io.Writer, *scanner.Report) error, error) {
	switch format {
	case "text":
		return scanner.WriteText, nil
	case "json":
		return scanner.WriteJSON, nil
	case "sarif":
		return scanner.WriteSARIF, nil
	}
	return nil, fmt.Errorf("--format %q: want text, json or sarif", format)
}
