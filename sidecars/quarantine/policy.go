package main

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"os"
	"strings"
	"time"

	"github.com/openclaw-secure-stack/securestack/quarantine"
	"github.com/openclaw-secure-stack/securestack/scanner"
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
	// A known-bad publisher named by the request itself (an install of
	// @owner/slug from ClawHub), even when the files say nothing.
	if owner := requestPublisher(req); owner != "" && len(results) > 0 {
		if f := scanner.PublisherFinding(c.feed, owner, "."); f != nil {
			results[0].Findings = append(results[0].Findings, *f)
			results[0].Verdict = scanner.Block
		}
	}
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

// requestPublisher is the ClawHub owner handle an install request names
// (origin.spec or request.requestedSpecifier of the form @owner/slug,
// optionally after "clawhub:"), or "".
func requestPublisher(req *quarantine.PolicyRequest) string {
	var origin struct {
		Spec string `json:"spec"`
	}
	var request struct {
		RequestedSpecifier string `json:"requestedSpecifier"`
	}
	_ = json.Unmarshal(req.Origin, &origin)
	_ = json.Unmarshal(req.Request, &request)
	for _, spec := range []string{origin.Spec, request.RequestedSpecifier} {
		spec = strings.TrimPrefix(strings.TrimSpace(spec), "clawhub:")
		if owner, _, ok := strings.Cut(strings.TrimPrefix(spec, "@"), "/"); ok && strings.HasPrefix(spec, "@") && owner != "" {
			return owner
		}
	}
	return ""
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
