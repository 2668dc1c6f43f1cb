package guard

import (
	"errors"
	"fmt"
	"os"
	"strconv"
	"strings"
	"time"

	"github.com/caddyserver/caddy/v2"
	"github.com/caddyserver/caddy/v2/modules/caddyhttp"
	"go.uber.org/zap"

	"github.com/openclaw-secure-stack/securestack/auth"
	"github.com/openclaw-secure-stack/securestack/caddyplugin/internal/auditcfg"
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
	SystemMessages sanitizer.SystemPolicy `json:"system_messages,omitempty"`

	// AuditLog configures the audit trail. When absent, the guard writes to
	// openclaw_guard/audit.jsonl in Caddy's data directory: it always audits.
	AuditLog *auditcfg.Config `json:"audit_log,omitempty"`

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
	ToolsInvoke ToolsInvokePolicy `json:"tools_invoke,omitempty"`

	// FailedAttempts limits authentication failures per client address.
	FailedAttempts *FailedAttemptsConfig `json:"failed_attempts,omitempty"`

	verifier      *auth.Verifier
	limiter       *auth.Limiter
	limiterKey    string
	sanitizer     *sanitizer.Sanitizer
	audit         *auditcfg.Log
	upstreamToken string
	public        map[string]bool
	logger        *zap.Logger
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

// ToolsInvokePolicy is what the guard does with POST /tools/invoke.
type ToolsInvokePolicy string

const (
	ToolsInvokeDeny     ToolsInvokePolicy = "deny"     // 403 route_denied (the default)
	ToolsInvokeSanitize ToolsInvokePolicy = "sanitize" // authenticated, every string argument sanitized
)

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

// Provision checks the configuration, then loads tokens, rules and the
// audit log. The checks come first: Caddy calls Validate only after
// Provision, when defaults have already replaced what the user wrote.
func (g *Guard) Provision(ctx caddy.Context) error {
	g.logger = ctx.Logger()
	if err := g.check(); err != nil {
		return err
	}
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
		g.ToolsInvoke = ToolsInvokeDeny
	}
	if g.SystemMessages == "" {
		g.SystemMessages = sanitizer.SystemSanitize
	}
	tokens, err := g.loadTokens()
	if err != nil {
		return err
	}
	if g.verifier, err = auth.NewVerifier(tokens); err != nil {
		return fmt.Errorf("%w: set token, token_file or token_env (make one with `bin/stackaudit gen-token NAME`)", err)
	}

	if g.UpstreamTokenEnv != "" {
		g.upstreamToken = os.Getenv(g.UpstreamTokenEnv)
		if g.upstreamToken == "" {
			return fmt.Errorf("upstream_token_env: $%s is empty or unset; the gateway's token must be in it", g.UpstreamTokenEnv)
		}
	}

	if g.sanitizer, err = g.newSanitizer(); err != nil {
		return err
	}
	if err := g.acquireLimiter(); err != nil {
		return err
	}
	if g.audit, err = auditcfg.Open(g.AuditLog, "openclaw_guard"); err != nil {
		return err
	}
	return registerMetrics(ctx.GetMetricsRegistry())
}

// check rejects configuration that cannot work, naming the JSON field
// (which is also the Caddyfile option).
func (g *Guard) check() error {
	if g.MaxBody < 0 {
		return errors.New("max_body must be positive")
	}
	switch g.ToolsInvoke {
	case "", ToolsInvokeDeny, ToolsInvokeSanitize:
	default:
		return fmt.Errorf("tools_invoke %q: want deny or sanitize", g.ToolsInvoke)
	}
	switch g.SystemMessages {
	case "", sanitizer.SystemAllow, sanitizer.SystemSanitize, sanitizer.SystemReject:
	default:
		return fmt.Errorf("system_messages %q: want allow, sanitize or reject", g.SystemMessages)
	}
	for _, p := range g.PublicPaths {
		if !strings.HasPrefix(p, "/") {
			return fmt.Errorf("public_paths: %q must start with /", p)
		}
	}
	if fa := g.FailedAttempts; fa != nil && (fa.Burst < 0 || fa.Every < 0) {
		return errors.New("failed_attempts: burst and every must not be negative")
	}
	return nil
}

// Validate repeats the checks on the provisioned configuration.
func (g *Guard) Validate() error { return g.check() }

// limiters keeps each failed-attempt limiter across config reloads, keyed
// by its settings: a reload must not give an attacker a fresh set of
// guesses.
var limiters = caddy.NewUsagePool()

type sharedLimiter struct{ *auth.Limiter }

func (sharedLimiter) Destruct() error { return nil }

func (g *Guard) acquireLimiter() error {
	cfg := auth.LimiterConfig{}
	if g.FailedAttempts != nil {
		cfg.Burst, cfg.Every = g.FailedAttempts.Burst, time.Duration(g.FailedAttempts.Every)
	}
	g.limiterKey = "failed_attempts " + strconv.Itoa(cfg.Burst) + " " + cfg.Every.String()
	v, _, err := limiters.LoadOrNew(g.limiterKey, func() (caddy.Destructor, error) {
		return sharedLimiter{auth.NewLimiter(cfg)}, nil
	})
	if err != nil {
		return err
	}
	g.limiter = v.(sharedLimiter).Limiter
	return nil
}

func (g *Guard) loadTokens() ([]auth.Token, error) {
	var tokens []auth.Token
	for _, t := range g.Tokens {
		tok, err := auth.ParseToken(t.Name, t.Secret)
		if err != nil {
			return nil, fmt.Errorf("token %s: %w", t.Name, err)
		}
		tokens = append(tokens, tok)
	}
	for _, path := range g.TokenFiles {
		if fi, err := os.Stat(path); err == nil && fi.Mode().Perm()&0o077 != 0 {
			g.logger.Warn("token file is readable by group or others; chmod 600 it", zap.String("file", path))
		}
		ts, err := auth.LoadTokenFile(path)
		if err != nil {
			return nil, fmt.Errorf("token_file: %w", err)
		}
		tokens = append(tokens, ts...)
	}
	for _, t := range g.TokenEnv {
		v := os.Getenv(t.Var)
		if v == "" {
			return nil, fmt.Errorf("token_env %s: $%s is empty or unset", t.Name, t.Var)
		}
		tok, err := auth.ParseToken(t.Name, v)
		if err != nil {
			return nil, fmt.Errorf("token_env %s ($%s): %w", t.Name, t.Var, err)
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
			return nil, fmt.Errorf("rules: %w", err)
		}
	}
	s, err := sanitizer.New(sanitizer.Config{Rules: rules, SystemMessages: g.SystemMessages})
	if err != nil {
		return nil, fmt.Errorf("rules: %w", err)
	}
	return s, nil
}

// Cleanup releases this config's hold on the shared audit log and limiter.
func (g *Guard) Cleanup() error {
	if g.limiterKey != "" {
		limiters.Delete(g.limiterKey)
	}
	return g.audit.Release()
}

// Interface guards.
var (
	_ caddy.Provisioner           = (*Guard)(nil)
	_ caddy.Validator             = (*Guard)(nil)
	_ caddy.CleanerUpper          = (*Guard)(nil)
	_ caddyhttp.MiddlewareHandler = (*Guard)(nil)
)
