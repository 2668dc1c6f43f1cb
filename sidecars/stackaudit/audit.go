package main

import (
	"bytes"
	"context"
	"flag"
	"fmt"
	"io"
	"os"
	"os/signal"
	"strings"
	"syscall"

	"github.com/caddyserver/caddy/v2/caddyconfig"
	_ "github.com/caddyserver/caddy/v2/caddyconfig/httpcaddyfile"
	_ "github.com/caddyserver/caddy/v2/modules/standard"
	corefile "github.com/coredns/caddy/caddyfile"

	_ "github.com/openclaw-secure-stack/securestack/caddyplugin"
	"github.com/openclaw-secure-stack/securestack/scanner"
	"github.com/openclaw-secure-stack/securestack/sidecars/stackaudit/posture"
)

type stringList []string

func (s *stringList) String() string     { return strings.Join(*s, ",") }
func (s *stringList) Set(v string) error { *s = append(*s, v); return nil }

func audit(args []string, stdout, stderr io.Writer) int {
	fs := flag.NewFlagSet("audit", flag.ContinueOnError)
	fs.SetOutput(stderr)
	live := fs.Bool("live", false, "also check what runs: the engine, the guard, egress DNS, the gateway port, the firewall, `openclaw security audit`")
	format := fs.String("format", "text", "output format: text, json or sarif")
	var profiles, guards, dnsAddrs, gateways stringList
	fs.Var(&profiles, "profile", "audit only services of this Compose profile (repeatable; default: every service)")
	db := fs.String("quarantine-db", "", "the quarantine database (default: from the install policy's --db or QUARANTINE_DB)")
	osEnv := fs.Bool("os-env", false, "let the process environment take part in Compose interpolation, as `docker compose` does (default: .env only)")
	engine := fs.String("engine", "", "live: Docker or Podman API socket (default: $DOCKER_HOST, /var/run/docker.sock, /run/podman/podman.sock); naming one makes the engine required")
	noEngine := fs.Bool("no-engine", false, "live: skip the engine checks (the report says so)")
	fs.Var(&guards, "guard", "live: guard URL to probe (repeatable; default: the Caddyfile's guard sites)")
	fs.Var(&dnsAddrs, "dns", "live: egress resolver host:port (repeatable; default: the Corefile's servers)")
	fs.Var(&gateways, "gateway", "live: gateway host:port whose exposure to check (repeatable; default: openclaw.json gateway.port on this host)")
	openclaw := fs.String("openclaw", "", "live: the openclaw command, e.g. /usr/local/bin/openclaw (default: openclaw on PATH)")
	firewall := fs.String("firewall", "auto", "live: nft, ufw, auto (whichever answers) or off")
	fs.Usage = func() {
		fmt.Fprintln(stderr, "usage: stackaudit audit [--live] [--format text|json|sarif] [flags] PATH...")
		fmt.Fprintln(stderr, "PATH is a deployment directory or file (Compose/Swarm files, openclaw.json, Caddyfile, Corefile, units, .env, token files, allowlist, Dockerfiles, audit logs, quarantine.db).")
		fmt.Fprintln(stderr, "A PATH with no such file is not checked (exit 2); --live without PATH checks only what runs.")
		fs.PrintDefaults()
		fmt.Fprintln(stderr, "exit status: 0 clean, 1 findings, 2 a part could not be checked (unreadable file, nothing to audit, engine asked for but absent)")
	}
	if err := fs.Parse(args); err != nil {
		return posture.ExitIncomplete
	}
	write := map[string]func(io.Writer, *posture.Report) error{
		"text": posture.WriteText, "json": posture.WriteJSON, "sarif": posture.WriteSARIF,
	}[*format]
	if write == nil {
		fmt.Fprintf(stderr, "audit: --format %q: want text, json or sarif\n", *format)
		return posture.ExitIncomplete
	}
	if fs.NArg() == 0 && !*live {
		fs.Usage()
		return posture.ExitIncomplete
	}
	opts := posture.Options{
		AdaptCaddyfile: adaptCaddyfile,
		ParseCorefile:  parseCorefile,
		Profiles:       profiles,
		QuarantineDB:   *db,
		Skills:         scannerJudge{},
	}
	if *osEnv {
		opts.Env = os.Environ()
	}
	if *live {
		opts.Live = &posture.LiveOptions{
			Engine: *engine, EngineRequired: *engine != "", NoEngine: *noEngine,
			GuardURLs: guards, DNSAddrs: dnsAddrs, GatewayAddrs: gateways,
			OpenClaw: *openclaw, Firewall: *firewall,
		}
	}
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	defer stop()
	a := posture.NewAuditor(opts)
	for _, p := range fs.Args() {
		a.AddPath(p)
	}
	rep := a.Run(ctx)
	if err := write(stdout, rep); err != nil {
		fmt.Fprintf(stderr, "audit: %v\n", err)
		return posture.ExitIncomplete
	}
	return rep.ExitCode()
}

// adaptCaddyfile runs Caddy's own Caddyfile adapter, with this stack's
// handlers registered, as `caddy adapt` would.
func adaptCaddyfile(path string) ([]byte, error) {
	body, err := os.ReadFile(path)
	if err != nil {
		return nil, err
	}
	ad := caddyconfig.GetAdapter("caddyfile")
	if ad == nil {
		return nil, fmt.Errorf("the caddyfile adapter is not linked")
	}
	out, _, err := ad.Adapt(body, map[string]any{"filename": path})
	return out, err
}

// parseCorefile reads a Corefile with CoreDNS's parser and splits each
// directive's tokens into the directive and the lines of its block.
func parseCorefile(path string) ([]posture.CoreServer, error) {
	body, err := os.ReadFile(path)
	if err != nil {
		return nil, err
	}
	blocks, err := corefile.Parse(path, bytes.NewReader(body), nil)
	if err != nil {
		return nil, err
	}
	var out []posture.CoreServer
	for _, b := range blocks {
		s := posture.CoreServer{Keys: b.Keys}
		for name, toks := range b.Tokens {
			s.Directives = append(s.Directives, splitDirectives(name, toks)...)
		}
		for _, d := range s.Directives {
			if s.Line == 0 || d.Line < s.Line {
				s.Line = d.Line
			}
		}
		out = append(out, s)
	}
	return out, nil
}

// splitDirectives turns the tokens CoreDNS keeps for one directive name in a
// server block (every use of it, one after the other) into directives.
func splitDirectives(name string, toks []corefile.Token) []posture.CoreDirective {
	var out []posture.CoreDirective
	depth := 0
	var cur *posture.CoreDirective
	var sub *posture.CoreDirective
	for _, t := range toks {
		switch {
		case depth == 0 && t.Text == name && (cur == nil || t.Line != cur.Line):
			out = append(out, posture.CoreDirective{Name: name, Line: t.Line})
			cur = &out[len(out)-1]
			sub = nil
		case t.Text == "{":
			depth++
		case t.Text == "}":
			depth--
			sub = nil
		case cur == nil:
		case depth == 0:
			cur.Args = append(cur.Args, t.Text)
		case depth == 1:
			if sub == nil || sub.Line != t.Line {
				cur.Block = append(cur.Block, posture.CoreDirective{Name: t.Text, Line: t.Line})
				sub = &cur.Block[len(cur.Block)-1]
			} else {
				sub.Args = append(sub.Args, t.Text)
			}
		}
	}
	return out
}

// scannerJudge hashes and scans skills with the scanner, as quarantine does.
type scannerJudge struct{}

func (scannerJudge) TreeHash(dir string) (string, error) { return scanner.TreeHash(dir) }

func (scannerJudge) Verdict(ctx context.Context, dir string) (string, error) {
	s, err := scanner.New(scanner.Options{})
	if err != nil {
		return "", err
	}
	rep, err := s.Scan(ctx, dir)
	if err != nil {
		return "", err
	}
	verdict := "allow"
	for _, r := range rep.Results {
		switch string(r.Verdict) {
		case "block":
			return "block", nil
		case "warn":
			verdict = "warn"
		}
	}
	return verdict, nil
}
