package main

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"strings"
	"text/tabwriter"
	"time"

	"github.com/openclaw-secure-stack/securestack/quarantine"
)

func list(args []string, std streams) int {
	fs, c := newFlags("list", std.stderr, false)
	format := fs.String("format", "text", "output `format`: text or json")
	ops, ok := parse(fs, args)
	if !ok {
		return exitError
	}
	if *format != "text" && *format != "json" {
		return fail(std.stderr, fmt.Errorf("--format %q: want text or json", *format))
	}
	if len(ops) != 0 {
		return fail(std.stderr, errors.New("list takes no arguments"))
	}
	ctx := context.Background()
	st, err := c.open(ctx, std.stderr)
	if err != nil {
		return fail(std.stderr, err)
	}
	defer st.Close()
	skills, err := st.List(ctx)
	if err != nil {
		return fail(std.stderr, err)
	}
	if *format == "json" {
		if skills == nil {
			skills = []quarantine.Skill{}
		}
		return writeJSON(std, map[string]any{"skills": skills})
	}
	tw := tabwriter.NewWriter(std.stdout, 0, 0, 2, ' ', 0)
	fmt.Fprintln(tw, "ID\tSTATUS\tVERDICT\tNAME\tSHA256\tPATH")
	for _, sk := range skills {
		loc := sk.Path
		if sk.Status == quarantine.Quarantined {
			loc += " -> " + sk.QuarantinePath
		}
		fmt.Fprintf(tw, "%d\t%s\t%s\t%s\t%s\t%s\n", sk.ID, sk.Status, sk.Verdict, sk.Name, short(sk.SHA256), loc)
	}
	return flushOr(tw, std)
}

func show(args []string, std streams) int {
	fs, c := newFlags("show", std.stderr, false)
	format := fs.String("format", "text", "output `format`: text or json")
	ops, ok := parse(fs, args)
	if !ok {
		return exitError
	}
	if *format != "text" && *format != "json" {
		return fail(std.stderr, fmt.Errorf("--format %q: want text or json", *format))
	}
	if len(ops) != 1 {
		return fail(std.stderr, errors.New("usage: quarantine show [--format text|json] NAME"))
	}
	ctx := context.Background()
	st, err := c.open(ctx, std.stderr)
	if err != nil {
		return fail(std.stderr, err)
	}
	defer st.Close()
	sk, err := st.Get(ctx, ops[0])
	if err != nil {
		return fail(std.stderr, err)
	}
	overrides, err := st.Overrides(ctx, sk.ID)
	if err != nil {
		return fail(std.stderr, err)
	}
	moves, err := st.Moves(ctx, sk.ID)
	if err != nil {
		return fail(std.stderr, err)
	}
	events, err := st.Events(ctx, sk.ID)
	if err != nil {
		return fail(std.stderr, err)
	}
	if *format == "json" {
		return writeJSON(std, map[string]any{"skill": sk, "overrides": nonNil(overrides), "moves": nonNil(moves), "events": nonNil(events)})
	}
	tw := tabwriter.NewWriter(std.stdout, 0, 0, 2, ' ', 0)
	fmt.Fprintf(tw, "skill\t#%d %s\n", sk.ID, sk.Name)
	fmt.Fprintf(tw, "status\t%s\n", sk.Status)
	fmt.Fprintf(tw, "verdict\t%s\n", sk.Verdict)
	fmt.Fprintf(tw, "path\t%s\n", sk.Path)
	if sk.QuarantinePath != "" {
		fmt.Fprintf(tw, "quarantined at\t%s\n", sk.QuarantinePath)
	}
	fmt.Fprintf(tw, "sha256\t%s\n", sk.SHA256)
	fmt.Fprintf(tw, "first seen\t%s\n", stamp(sk.FirstSeen))
	fmt.Fprintf(tw, "last scanned\t%s\n", stamp(sk.LastScanned))
	tw.Flush()
	fmt.Fprintf(std.stdout, "\nfindings (%d):\n", len(sk.Findings))
	for _, f := range sk.Findings {
		fmt.Fprintf(std.stdout, "  [%s] %s %s:%d: %s\n", strings.ToUpper(f.Severity), f.RuleID, f.File, f.Line, f.Message)
		if f.Snippet != "" {
			fmt.Fprintf(std.stdout, "      | %s\n", f.Snippet)
		}
	}
	fmt.Fprintf(std.stdout, "\noverrides (%d):\n", len(overrides))
	for _, o := range overrides {
		fmt.Fprintf(std.stdout, "  %s  %s accepted sha256 %s\n", stamp(o.Time), o.User, o.SHA256)
	}
	fmt.Fprintf(std.stdout, "\nmoves (%d):\n", len(moves))
	for _, m := range moves {
		fmt.Fprintf(std.stdout, "  #%d %s  %s  %s -> %s  %s\n", m.ID, stamp(m.Started), m.Kind, m.Src, m.Dst, m.State)
		if m.Detail != "" {
			fmt.Fprintf(std.stdout, "      %s\n", m.Detail)
		}
	}
	fmt.Fprintf(std.stdout, "\nevents (%d):\n", len(events))
	for _, e := range events {
		fmt.Fprintf(std.stdout, "  %s  %s  %s\n", stamp(e.Time), e.Kind, e.Outcome)
	}
	return exitOK
}

func override(args []string, std streams) int {
	fs, c := newFlags("override", std.stderr, false)
	ack := fs.String("ack", "", fmt.Sprintf("the acknowledgement, exactly %q", quarantine.AckPhrase))
	user := fs.String("user", "", "`name` of the person who accepts the risk")
	ops, ok := parse(fs, args)
	if !ok {
		return exitError
	}
	if len(ops) != 1 {
		return fail(std.stderr, fmt.Errorf("usage: quarantine override --ack %q --user NAME SKILL", quarantine.AckPhrase))
	}
	ctx := context.Background()
	st, err := c.open(ctx, std.stderr)
	if err != nil {
		return fail(std.stderr, err)
	}
	defer st.Close()
	sk, err := st.Get(ctx, ops[0])
	if err != nil {
		return fail(std.stderr, err)
	}
	sk, err = st.Override(ctx, sk.ID, *user, *ack)
	if err != nil {
		return fail(std.stderr, err)
	}
	fmt.Fprintf(std.stdout, "overridden: %s (#%d) at %s, sha256 %s, accepted by %s\n", sk.Name, sk.ID, sk.Path, sk.SHA256, strings.TrimSpace(*user))
	return exitOK
}

func release(args []string, std streams) int {
	fs, c := newFlags("release", std.stderr, true)
	ops, ok := parse(fs, args)
	if !ok {
		return exitError
	}
	if len(ops) != 1 {
		return fail(std.stderr, errors.New("usage: quarantine release NAME"))
	}
	sc, err := c.scanner()
	if err != nil {
		return fail(std.stderr, err)
	}
	ctx := context.Background()
	st, err := c.open(ctx, std.stderr)
	if err != nil {
		return fail(std.stderr, err)
	}
	defer st.Close()
	sk, err := st.Get(ctx, ops[0])
	if err != nil {
		return fail(std.stderr, err)
	}
	if sk.Status != quarantine.Quarantined {
		return fail(std.stderr, fmt.Errorf("%s (#%d) is %s, not quarantined; there is nothing to release", sk.Name, sk.ID, sk.Status))
	}
	// Judge the quarantined copy with today's rules before letting it out.
	rep, err := sc.Scan(ctx, sk.QuarantinePath)
	if err != nil {
		return fail(std.stderr, err)
	}
	for _, r := range rep.Results {
		if r.Path != sk.QuarantinePath {
			return fail(std.stderr, fmt.Errorf("the quarantined copy %s no longer scans as one skill; review it by hand", sk.QuarantinePath))
		}
		if _, err := st.Record(ctx, r); err != nil {
			return fail(std.stderr, err)
		}
	}
	sk, err = st.Release(ctx, sk.ID)
	if errors.Is(err, quarantine.ErrStillBlocked) {
		fmt.Fprintf(std.stderr, "quarantine: %s\n", trimPrefix(err))
		return exitFindings
	}
	if err != nil {
		return fail(std.stderr, err)
	}
	fmt.Fprintf(std.stdout, "released: %s (#%d) is back at %s\n", sk.Name, sk.ID, sk.Path)
	return exitOK
}

func writeJSON(std streams, v any) int {
	enc := json.NewEncoder(std.stdout)
	enc.SetIndent("", "  ")
	if err := enc.Encode(v); err != nil {
		return fail(std.stderr, err)
	}
	return exitOK
}

func flushOr(tw *tabwriter.Writer, std streams) int {
	if err := tw.Flush(); err != nil {
		return fail(std.stderr, err)
	}
	return exitOK
}

func nonNil[T any](s []T) []T {
	if s == nil {
		return []T{}
	}
	return s
}

func short(sha string) string {
	if len(sha) > 12 {
		return sha[:12]
	}
	return sha
}

func stamp(t time.Time) string { return t.UTC().Format("2006-01-02 15:04:05Z") }
