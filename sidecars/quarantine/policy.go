package main

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"os"
	"time"

	"github.com/openclaw-secure-stack/securestack/quarantine"
)

// policy answers one security.installPolicy request. OpenClaw waits 10 s
// by default (exec.timeoutMs), so the command keeps its own deadline below
// that and blocks with a reason rather than being killed without one.
func policy(args []string, std streams) int {
	fs, c := newFlags("policy", std.stderr, true)
	timeout := fs.Duration("timeout", 8*time.Second, "give up and block after this long; keep it below OpenClaw's exec.timeoutMs")
	ops, ok := parse(fs, args)
	if !ok {
		return refuse(std, errors.New("bad command line; see the usage above"))
	}
	if len(ops) != 0 {
		return refuse(std, fmt.Errorf("policy takes no arguments, got %q", ops))
	}
	req, err := quarantine.ParsePolicyRequest(std.stdin)
	if err != nil {
		return refuse(std, err)
	}
	ctx, cancel := context.WithTimeout(context.Background(), *timeout)
	defer cancel()
	c.busy = *timeout / 2
	resp, err := decide(ctx, c, req, std.stderr)
	if err != nil {
		if ctx.Err() != nil {
			err = fmt.Errorf("%w (no decision within --timeout %s)", err, *timeout)
		}
		return refuse(std, err)
	}
	if err := writePolicy(std.stdout, resp); err != nil {
		return refuse(std, err)
	}
	return exitOK
}

func decide(ctx context.Context, c *config, req *quarantine.PolicyRequest, stderr io.Writer) (quarantine.PolicyResponse, error) {
	var none quarantine.PolicyResponse
	fi, err := os.Stat(req.SourcePath)
	if err != nil {
		return none, fmt.Errorf("cannot read the staged %s: %w", req.TargetType, err)
	}
	if (req.SourcePathKind == "directory") != fi.IsDir() {
		return none, fmt.Errorf("sourcePath %s is not a %s as the request says", req.SourcePath, req.SourcePathKind)
	}
	sc, err := c.scanner()
	if err != nil {
		return none, err
	}
	st, err := c.open(ctx, stderr)
	if err != nil {
		return none, err
	}
	defer st.Close()
	rep, err := sc.Scan(ctx, req.SourcePath)
	if err != nil {
		return none, fmt.Errorf("scanning %s: %w", req.SourcePath, err)
	}
	results := append([]quarantine.ScanResult(nil), rep.Results...)
	target := fmt.Sprintf("%s %q", req.TargetType, req.TargetName)
	resp, err := quarantine.Decide(target, results, func(sha string) (bool, error) { return st.Overridden(ctx, sha) })
	if err != nil {
		return none, err
	}
	// An install that cannot be audited is not allowed either.
	if err := st.RecordPolicy(ctx, req, results, resp); err != nil {
		return none, err
	}
	return resp, nil
}

// refuse writes a block that says why and exits 2: OpenClaw blocks on the
// exit status alone, and anything else reading the reply sees a block too.
func refuse(std streams, err error) int {
	fmt.Fprintf(std.stderr, "quarantine policy: %v\n", trimPrefix(err))
	if werr := writePolicy(std.stdout, quarantine.PolicyError(errors.New(trimPrefix(err)))); werr != nil {
		fmt.Fprintf(std.stderr, "quarantine policy: %v\n", werr)
	}
	return exitError
}

func writePolicy(w io.Writer, resp quarantine.PolicyResponse) error {
	b, err := json.Marshal(resp)
	if err != nil {
		return err
	}
	_, err = w.Write(append(b, '\n'))
	return err
}
