package caddyplugin

import (
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"time"

	"github.com/caddyserver/caddy/v2"
	"github.com/caddyserver/caddy/v2/modules/caddyhttp"
	"go.uber.org/zap"

	"github.com/openclaw-secure-stack/securestack/auditlog"
	"github.com/openclaw-secure-stack/securestack/auth"
	"github.com/openclaw-secure-stack/securestack/sanitizer"
)

func init() {
	caddy.RegisterModule(Guard{})
}

// DefaultMaxBody is the largest request body the guard reads on an inspected
// route unless max_body says otherwise.
const DefaultMaxBody = 1 << 20

// DefaultPublicPaths answer without a token: the gateway's health checks.
var DefaultPublicPaths = []string{"/health", "/healthz", "/ready", "/readyz"}

// Guard is the openclaw_guard HTTP handler: authentication, route policy,
// prompt-injection sanitizing and auditing in front of an OpenClaw gateway.
type Guard struct {
	// Tokens configured inline. Secret holds "sha256:<hex>": the Caddyfile
	// adapter hashes a raw secret before it reaches the JSON config, so the
	// admin API never shows one. A raw secret is accepted here too.
	Tokens []TokenConfig `json:"tokens,omitempty"`
	// TokenFiles are files of `NAME SECRET` or `NAME sha256:HEX` lines.
	TokenFiles []string `json:"token_files,omitempty"`
	// TokenEnv are tokens whose secret (or sha256:HEX) is read from an
	// environment variable at provision time.
	TokenEnv []TokenEnvConfig `json:"token_env,omitempty"`

	// Rules is a sanitizer rule file (JSON). Empty means the built-in rules.
	Rules string `json:"rules,omitempty"`
	// SystemMessages is the policy for client-sent system messages: "allow",
	// "sanitize" (default) or "reject".
	SystemMessages string `json:"system_messages,omitempty"`

	// AuditLog configures the audit trail. When absent, the guard writes to
	// openclaw_guard/audit.jsonl in Caddy's data directory: it always audits.
	AuditLog *AuditLogConfig `json:"audit_log,omitempty"`

	// MaxBody is the largest body, in bytes, read on an inspected route;
	// larger bodies get 413. Default 1 MiB.
	MaxBody int64 `json:"max_body,omitempty"`

	// UpstreamTokenEnv names the environment variable holding the gateway's
	// own token. The guard sends it upstream as `Authorization: Bearer`, so
	// clients never hold the gateway's token.
	UpstreamTokenEnv string `json:"upstream_token_env,omitempty"`

	// PublicPaths answer GET and HEAD without a token (exact match).
	// Default: /health /healthz /ready /readyz.
	PublicPaths []string `json:"public_paths,omitempty"`

	// ToolsInvoke is the policy for POST /tools/invoke, which runs agent tools
	// directly: "deny" (default) or "sanitize" (authenticated, and every
	// string argument sanitized).
	ToolsInvoke string `json:"tools_invoke,omitempty"`

	// FailedAttempts limits authentication failures per client address.
	FailedAttempts *FailedAttemptsConfig `json:"failed_attempts,omitempty"`

	verifier      *auth.Verifier
	limiter       *auth.Limiter
	sanitizer     *sanitizer.Sanitizer
	audit         *auditlog.Log
	auditKey      string
	upstreamToken string
	public        map[string]bool
	logger        *zap.Logger
	metrics       *guardMetrics
}

// TokenConfig is one named token.
type TokenConfig struct {
	Name   string `json:"name"`
	Secret string `json:"secret"`
}

// TokenEnvConfig is a named token read from an environment variable.
type TokenEnvConfig struct {
	Name string `json:"name"`
	Var  string `json:"var"`
}

// AuditLogConfig is the audit trail's file and its auditlog options
// (sync, key_file, rotate_size, rotate_age, checkpoint, ...).
type AuditLogConfig struct {
	Path    string            `json:"path"`
	Options map[string]string `json:"options,omitempty"`
}

// FailedAttemptsConfig is a token bucket of failed attempts per client.
type FailedAttemptsConfig struct {
	// Burst is how many failures in a row a client may have. Default 10.
	Burst int `json:"burst,omitempty"`
	// Every is how long a client waits to regain one attempt. Default 6s.
	Every caddy.Duration `json:"every,omitempty"`
}

// CaddyModule returns the Caddy module information.
func (Guard) CaddyModule() caddy.ModuleInfo {
	return caddy.ModuleInfo{
		ID:  "http.handlers.openclaw_guard",
		New: func() caddy.Module { return new(Guard) },
	}
}

// Provision loads tokens, rules and the audit log.
func (g *Guard) Provision(ctx caddy.Context) error {
	g.logger = ctx.Logger()
	if g.MaxBody == 0 {
		g.MaxBody = DefaultMaxBody
	}
	if g.PublicPaths == nil {
		g.PublicPaths = DefaultPublicPaths
	}
	g.public = make(map[string]bool, len(g.PublicPaths))
	for _, p := range g.PublicPaths {
		g.public[p] = true
	}
	if g.ToolsInvoke == "" {
		g.ToolsInvoke = "deny"
	}
	if g.SystemMessages == "" {
		g.SystemMessages = "sanitize"
	}
	tokens, err := g.loadTokens()
	if err != nil {
		return err
	}
	if g.verifier, err = auth.NewVerifier(tokens); err != nil {
		return fmt.Errorf("openclaw_guard: %w: set token, token_file or token_env (make one with `bin/stackaudit gen-token NAME`)", err)
	}

	if g.UpstreamTokenEnv != "" {
		g.upstreamToken = os.Getenv(g.UpstreamTokenEnv)
		if g.upstreamToken == "" {
			return fmt.Errorf("openclaw_guard: upstream_token_env: $%s is empty or unset; the gateway's token must be in it", g.UpstreamTokenEnv)
		}
	}

	if g.sanitizer, err = g.newSanitizer(); err != nil {
		return err
	}

	lim := FailedAttemptsConfig{}
	if g.FailedAttempts != nil {
		lim = *g.FailedAttempts
	}
	g.limiter = auth.NewLimiter(auth.LimiterConfig{Burst: lim.Burst, Every: time.Duration(lim.Every)})

	if err := g.openAudit(); err != nil {
		return err
	}
	g.metrics, err = registerMetrics(ctx.GetMetricsRegistry())
	return err
}

// Validate rejects configuration that cannot work, naming the field.
func (g *Guard) Validate() error {
	if g.MaxBody < 0 {
		return errors.New("openclaw_guard: max_body must be positive")
	}
	switch g.ToolsInvoke {
	case "", "deny", "sanitize":
	default:
		return fmt.Errorf("openclaw_guard: tools_invoke %q: want deny or sanitize", g.ToolsInvoke)
	}
	switch g.SystemMessages {
	case "", "allow", "sanitize", "reject":
	default:
		return fmt.Errorf("openclaw_guard: system_messages %q: want allow, sanitize or reject", g.SystemMessages)
	}
	for _, p := range g.PublicPaths {
		if !strings.HasPrefix(p, "/") {
			return fmt.Errorf("openclaw_guard: public path %q must start with /", p)
		}
	}
	return nil
}

func (g *Guard) loadTokens() ([]auth.Token, error) {
	var tokens []auth.Token
	for _, t := range g.Tokens {
		tok, err := auth.ParseToken(t.Name, t.Secret)
		if err != nil {
			return nil, fmt.Errorf("openclaw_guard: token: %w", err)
		}
		tokens = append(tokens, tok)
	}
	for _, path := range g.TokenFiles {
		if fi, err := os.Stat(path); err == nil && fi.Mode().Perm()&0o077 != 0 {
			g.logger.Warn("token file is readable by group or others; chmod 600 it", zap.String("file", path))
		}
		ts, err := auth.LoadTokenFile(path)
		if err != nil {
			return nil, fmt.Errorf("openclaw_guard: token_file: %w", err)
		}
		tokens = append(tokens, ts...)
	}
	for _, t := range g.TokenEnv {
		v := os.Getenv(t.Var)
		if v == "" {
			return nil, fmt.Errorf("openclaw_guard: token_env %s: $%s is empty or unset", t.Name, t.Var)
		}
		tok, err := auth.ParseToken(t.Name, v)
		if err != nil {
			return nil, fmt.Errorf("openclaw_guard: token_env %s ($%s): %w", t.Name, t.Var, err)
		}
		tokens = append(tokens, tok)
	}
	return tokens, nil
}

func (g *Guard) newSanitizer() (*sanitizer.Sanitizer, error) {
	var rules []sanitizer.Rule // nil: the built-in rules
	if g.Rules != "" {
		var err error
		if rules, err = sanitizer.LoadRules(g.Rules); err != nil {
			return nil, fmt.Errorf("openclaw_guard: rules: %w", err)
		}
	}
	s, err := sanitizer.New(sanitizer.Config{Rules: rules, SystemMessages: sanitizer.SystemPolicy(g.SystemMessages)})
	if err != nil {
		return nil, fmt.Errorf("openclaw_guard: rules: %w", err)
	}
	return s, nil
}

// auditLogs shares one open log per file across config reloads: the new
// config provisions before the old one is cleaned up, and auditlog.Open
// refuses a second opener of the same file.
var auditLogs = caddy.NewUsagePool()

type sharedLog struct{ *auditlog.Log }

func (s sharedLog) Destruct() error { return s.Close() }

func (g *Guard) openAudit() error {
	cfg := AuditLogConfig{Path: filepath.Join(caddy.AppDataDir(), "openclaw_guard", "audit.jsonl")}
	if g.AuditLog != nil {
		cfg = *g.AuditLog
	}
	path, err := filepath.Abs(cfg.Path)
	if err != nil {
		return fmt.Errorf("openclaw_guard: audit_log: %w", err)
	}
	var opts auditlog.Options
	for k, v := range cfg.Options {
		if err := opts.Set(k, v); err != nil {
			return fmt.Errorf("openclaw_guard: audit_log: %w", err)
		}
	}
	val, _, err := auditLogs.LoadOrNew(path, func() (caddy.Destructor, error) {
		if err := os.MkdirAll(filepath.Dir(path), 0o700); err != nil {
			return nil, err
		}
		l, err := auditlog.Open(path, opts)
		if err != nil {
			return nil, err
		}
		return sharedLog{l}, nil
	})
	if err != nil {
		return fmt.Errorf("openclaw_guard: audit_log %s: %w", path, err)
	}
	g.audit = val.(sharedLog).Log
	g.auditKey = path
	return nil
}

// Cleanup releases this config's reference to the audit log.
func (g *Guard) Cleanup() error {
	if g.auditKey == "" {
		return nil
	}
	_, err := auditLogs.Delete(g.auditKey)
	return err
}

// Interface guards.
var (
	_ caddy.Provisioner           = (*Guard)(nil)
	_ caddy.Validator             = (*Guard)(nil)
	_ caddy.CleanerUpper          = (*Guard)(nil)
	_ caddyhttp.MiddlewareHandler = (*Guard)(nil)
)
