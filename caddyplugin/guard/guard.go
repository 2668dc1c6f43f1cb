package guard

import (
	"context"
	"errors"
	"fmt"
	"os"
	"strconv"
	"sync"
	"time"

	"github.com/caddyserver/caddy/v2"
	"github.com/caddyserver/caddy/v2/modules/caddyhttp"
	"go.uber.org/zap"

	"github.com/openclaw-secure-stack/securestack/auth"
	"github.com/openclaw-secure-stack/securestack/caddyplugin/guard/route"
	"github.com/openclaw-secure-stack/securestack/caddyplugin/internal/auditcfg"
	"github.com/openclaw-secure-stack/securestack/caddyplugin/providerguard/toolpolicy"
	"github.com/openclaw-secure-stack/securestack/sanitizer"
)

func init() {
	caddy.RegisterModule(Guard{})
}

// DefaultMaxBody is the largest request body the guard reads on an inspected
// route unless max_body says otherwise.
const DefaultMaxBody = 1 << 20

// DefaultTokenReload is how often token files are checked for changes.
const DefaultTokenReload = time.Second

// Guard is the openclaw_guard HTTP handler: a route allowlist,
// authentication, prompt-injection sanitizing and auditing in front of an
// OpenClaw gateway.
type Guard struct {
	// Tokens configured inline. Secret holds "sha256:<hex>": the Caddyfile
	// adapter hashes a raw secret before it reaches the JSON config, so the
	// admin API never shows one. A raw secret is accepted here too.
	Tokens []TokenConfig `json:"tokens,omitempty"`
	// TokenFiles are files of `NAME SECRET` or `NAME sha256:HEX` lines. They
	// are re-read when they change (see TokenReload).
	TokenFiles []string `json:"token_files,omitempty"`
	// TokenEnv are tokens whose secret (or sha256:HEX) is read from an
	// environment variable at provision time.
	TokenEnv []TokenEnvConfig `json:"token_env,omitempty"`
	// TokenReload is how often token files are checked for changes; a
	// changed file is swapped in atomically, and one that cannot be parsed
	// keeps its last good tokens. Default 1s; negative turns it off.
	TokenReload caddy.Duration `json:"token_reload,omitempty"`

	// Routes are the operator's allowlist entries, matched before the
	// built-in table (route.Defaults), first match wins.
	Routes []RouteConfig `json:"routes,omitempty"`

	// Rules is a sanitizer rule file (JSON). Empty means the built-in rules.
	Rules string `json:"rules,omitempty"`
	// SystemMessages is the policy for client-sent system messages: "allow",
	// "sanitize" (default) or "reject".
	SystemMessages sanitizer.SystemPolicy `json:"system_messages,omitempty"`

	// AuditLog configures the audit trail. When absent, the guard writes to
	// openclaw_guard/audit.jsonl in Caddy's data directory: it always audits.
	AuditLog *auditcfg.Config `json:"audit_log,omitempty"`
	// AuditMode is "sync" (default: every record is as durable as the audit
	// log's sync option promises before the request is forwarded) or
	// "async" (an allowed request's record is queued before forwarding and
	// written with the next group commit or flush; refusals stay sync).
	AuditMode AuditMode `json:"audit_mode,omitempty"`

	// MaxBody is the largest body, in bytes, read on an inspected route;
	// larger bodies get 413. Default 1 MiB.
	MaxBody int64 `json:"max_body,omitempty"`

	// UpstreamTokenEnv names the environment variable holding the gateway's
	// own token. The guard sends it upstream as `Authorization: Bearer`, so
	// clients never hold the gateway's token.
	UpstreamTokenEnv string `json:"upstream_token_env,omitempty"`

	// FailedAttempts limits authentication failures per client address.
	FailedAttempts *FailedAttemptsConfig `json:"failed_attempts,omitempty"`

	// ControlUI opens OpenClaw's browser dashboard through the guard: login,
	// sessions, identity for a trusted-proxy gateway, and the WebSocket
	// firewall (docs/control-ui.md). Without it, upgrades are refused unless
	// a `WS` route allows them, and then their frames are not read.
	ControlUI *ControlUIConfig `json:"control_ui,omitempty"`

	tokens         *auth.TokenSet
	stopWatch      context.CancelFunc
	watchDone      chan struct{}
	table          *route.Table
	limiter        *auth.Limiter
	limiterKey     string
	sanitizer      *sanitizer.Sanitizer
	inspectors     map[string]inspector
	toolJudge      *toolpolicy.Judge  // direct tool calls: /tools/invoke, WebSocket tools.invoke
	toolRecent     *toolpolicy.Recent // the direct calls allowed so far that wrote files or typed keys
	toolRecentHeld bool               // toolRecent is held in toolHistories
	ruleLabels     map[string]bool
	audit          *auditcfg.Log
	upstreamToken  string
	credentials    []credentialSource
	ui             *controlUI
	logger         *zap.Logger

	// late guards the audit log against WebSocket decisions that arrive on
	// relay goroutines outliving the configuration.
	late *lateAudit
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

// RouteConfig is one allowlist entry: METHOD PATH POLICY.
type RouteConfig struct {
	// Method is an upper-case HTTP method (GET also admits HEAD), * for any
	// method, or WS for the WebSocket upgrade.
	Method string `json:"method"`
	// Path is a canonical path; {name} stands for one segment and a final *
	// for the rest of the path.
	Path string `json:"path"`
	// Policy is public, auth, inspect or deny.
	Policy route.Policy `json:"policy"`
}

// AuditMode says whether an allowed request waits for its audit record.
type AuditMode string

const (
	AuditSync  AuditMode = "sync"  // every record durable (per sync) before forwarding
	AuditAsync AuditMode = "async" // allowed requests: record queued before forwarding
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

// Provision checks the configuration, then loads tokens, routes, rules and
// the audit log. The checks come first: Caddy calls Validate only after
// Provision, when defaults have already replaced what the user wrote.
func (g *Guard) Provision(ctx caddy.Context) error {
	g.logger = ctx.Logger()
	g.late = &lateAudit{}
	if err := g.check(); err != nil {
		return err
	}
	if g.MaxBody == 0 {
		g.MaxBody = DefaultMaxBody
	}
	if g.SystemMessages == "" {
		g.SystemMessages = sanitizer.SystemSanitize
	}
	if g.AuditMode == "" {
		g.AuditMode = AuditSync
	}
	if g.TokenReload == 0 {
		g.TokenReload = caddy.Duration(DefaultTokenReload)
	}
	var err error
	if g.table, err = g.buildTable(); err != nil {
		return err
	}
	if err := g.loadTokens(); err != nil {
		return err
	}
	g.credentials = []credentialSource{bearerSource{}}
	if g.ControlUI != nil {
		g.credentials = append(g.credentials, sessionSource{})
	}

	if g.UpstreamTokenEnv != "" {
		g.upstreamToken = os.Getenv(g.UpstreamTokenEnv)
		if g.upstreamToken == "" {
			return fmt.Errorf("upstream_token_env: $%s is empty or unset; the gateway's token must be in it", g.UpstreamTokenEnv)
		}
	}

	if err := g.newSanitizer(); err != nil {
		return err
	}
	if err := g.acquireLimiter(); err != nil {
		return err
	}
	if g.audit, err = auditcfg.Open(g.AuditLog, "openclaw_guard"); err != nil {
		return err
	}
	if err := registerMetrics(ctx.GetMetricsRegistry()); err != nil {
		return err
	}
	if g.ControlUI != nil {
		if err := g.provisionControlUI(); err != nil {
			return err
		}
	}
	g.watchTokens()
	return nil
}

// check rejects configuration that cannot work, naming the JSON field
// (which is also the Caddyfile option).
func (g *Guard) check() error {
	if g.MaxBody < 0 {
		return errors.New("max_body must be positive")
	}
	switch g.SystemMessages {
	case "", sanitizer.SystemAllow, sanitizer.SystemSanitize, sanitizer.SystemReject:
	default:
		return fmt.Errorf("system_messages %q: want allow, sanitize or reject", g.SystemMessages)
	}
	switch g.AuditMode {
	case "", AuditSync, AuditAsync:
	default:
		return fmt.Errorf("audit_mode %q: want sync or async", g.AuditMode)
	}
	if fa := g.FailedAttempts; fa != nil && (fa.Burst < 0 || fa.Every < 0) {
		return errors.New("failed_attempts: burst and every must not be negative")
	}
	for _, rc := range g.Routes {
		if _, err := newRoute(rc); err != nil {
			return err
		}
	}
	if g.ControlUI != nil {
		return g.ControlUI.check(g)
	}
	return nil
}

// Validate repeats the checks on the provisioned configuration.
func (g *Guard) Validate() error { return g.check() }

// newRoute compiles one operator route; an inspect route must be one whose
// body the guard knows how to read.
func newRoute(rc RouteConfig) (route.Route, error) {
	r, err := route.New(rc.Method, rc.Path, rc.Policy)
	if err != nil {
		return route.Route{}, err
	}
	if r.Policy == route.Inspect {
		if _, ok := inspectorFor(nil, r.Pattern); !ok || r.Method != "POST" {
			return route.Route{}, fmt.Errorf("route %s inspect: the guard inspects the bodies of POST %s, %s, %s and %s only",
				r, route.ChatCompletions, route.Responses, route.Embeddings, route.ToolsInvoke)
		}
	}
	return r, nil
}

func (g *Guard) buildTable() (*route.Table, error) {
	var ops []route.Route
	for _, rc := range g.Routes {
		r, err := newRoute(rc)
		if err != nil {
			return nil, err
		}
		ops = append(ops, r)
	}
	if g.ControlUI != nil {
		// The socket is opened: the firewall reads every frame. An
		// operator's own WS / route (matched first) still decides.
		ops = append(ops, route.MustNew(route.WebSocket, "/", route.Auth))
	}
	return route.NewTable(ops, route.Defaults()), nil
}

// toolHistories keeps the history of direct tool calls (toolpolicy.Recent)
// across config reloads: a reload must not forget the scripts written
// before it, whose runs would then be judged as their command lines alone.
// There is one for the process, as the calls of every guard act on the
// machine behind it.
var toolHistories = caddy.NewUsagePool()

const toolHistoryKey = "tools_invoke_history"

type sharedRecent struct{ *toolpolicy.Recent }

func (sharedRecent) Destruct() error { return nil }

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

func (g *Guard) loadTokens() error {
	var fixed []auth.Token
	for _, t := range g.Tokens {
		tok, err := auth.ParseToken(t.Name, t.Secret)
		if err != nil {
			return fmt.Errorf("token %s: %w", t.Name, err)
		}
		fixed = append(fixed, tok)
	}
	for _, t := range g.TokenEnv {
		v := os.Getenv(t.Var)
		if v == "" {
			return fmt.Errorf("token_env %s: $%s is empty or unset", t.Name, t.Var)
		}
		tok, err := auth.ParseToken(t.Name, v)
		if err != nil {
			return fmt.Errorf("token_env %s ($%s): %w", t.Name, t.Var, err)
		}
		fixed = append(fixed, tok)
	}
	for _, path := range g.TokenFiles {
		if fi, err := os.Stat(path); err == nil && fi.Mode().Perm()&0o077 != 0 {
			g.logger.Warn("token file is readable by group or others; chmod 600 it", zap.String("file", path))
		}
	}
	set, err := auth.NewTokenSet(fixed, g.TokenFiles...)
	if err != nil {
		if len(fixed) == 0 && len(g.TokenFiles) == 0 {
			return fmt.Errorf("%w: set token, token_file or token_env (make one with `bin/stackaudit gen-token NAME`)", err)
		}
		return fmt.Errorf("token_file: %w", err)
	}
	g.tokens = set
	return nil
}

// watchTokens re-reads changed token files until Cleanup. A config reload
// starts a new watcher with the new config and stops the old one.
func (g *Guard) watchTokens() {
	if len(g.TokenFiles) == 0 || g.TokenReload < 0 {
		return
	}
	ctx, cancel := context.WithCancel(context.Background())
	g.stopWatch, g.watchDone = cancel, make(chan struct{})
	go func() {
		defer close(g.watchDone)
		g.tokens.Watch(ctx, time.Duration(g.TokenReload), func(changed bool, err error) {
			if changed {
				tokenReloads.Inc()
				g.retainSessions()
				g.logger.Info("token files reloaded", zap.Strings("files", g.TokenFiles), zap.Int("tokens", g.tokens.Len()))
			}
			if err != nil {
				tokenReloadErrors.Inc()
				g.logger.Error("token file not reloaded", zap.Error(err))
			}
		})
	}()
}

func (g *Guard) newSanitizer() error {
	var rules []sanitizer.Rule // nil: the built-in rules
	if g.Rules != "" {
		var err error
		if rules, err = sanitizer.LoadRules(g.Rules); err != nil {
			return fmt.Errorf("rules: %w", err)
		}
	}
	s, err := sanitizer.New(sanitizer.Config{Rules: rules, SystemMessages: g.SystemMessages})
	if err != nil {
		return fmt.Errorf("rules: %w", err)
	}
	g.sanitizer = s
	if rules == nil {
		rules = sanitizer.DefaultRules()
	}
	g.ruleLabels = map[string]bool{sanitizer.ModelRuleID: true, sanitizer.LimitsRuleID: true}
	for _, r := range rules {
		g.ruleLabels[r.ID] = true
	}
	g.inspectors = map[string]inspector{}
	for _, p := range []string{route.ChatCompletions, route.Responses, route.Embeddings, route.ToolsInvoke} {
		g.inspectors[p], _ = inspectorFor(s, p)
	}
	judge, err := toolpolicy.Default().Compile()
	if err != nil {
		return fmt.Errorf("openclaw_guard: the default tool policy: %v", err)
	}
	g.toolJudge = judge
	v, _, err := toolHistories.LoadOrNew(toolHistoryKey, func() (caddy.Destructor, error) {
		return sharedRecent{&toolpolicy.Recent{}}, nil
	})
	if err != nil {
		return err
	}
	g.toolRecent, g.toolRecentHeld = v.(sharedRecent).Recent, true
	g.inspectors[route.ToolsInvoke] = toolsInvokeInspector(g.inspectors[route.ToolsInvoke], judge, g.toolRecent)
	return nil
}

// Cleanup stops the token watcher and releases this config's hold on the
// shared audit log, limiter and history of direct tool calls.
func (g *Guard) Cleanup() error {
	if g.stopWatch != nil {
		g.stopWatch()
		<-g.watchDone
	}
	if g.limiterKey != "" {
		limiters.Delete(g.limiterKey)
	}
	if g.toolRecentHeld {
		g.toolRecentHeld = false
		_, _ = toolHistories.Delete(toolHistoryKey)
	}
	if g.ui != nil {
		_, _ = sessionStores.Delete(g.ui.poolKey)
	}
	if g.late != nil {
		g.late.mu.Lock()
		defer g.late.mu.Unlock()
		g.late.released = true
	}
	return g.audit.Release()
}

// lateAudit says whether the guard's audit log was released.
type lateAudit struct {
	mu       sync.RWMutex
	released bool
}

// Interface guards.
var (
	_ caddy.Provisioner           = (*Guard)(nil)
	_ caddy.Validator             = (*Guard)(nil)
	_ caddy.CleanerUpper          = (*Guard)(nil)
	_ caddyhttp.MiddlewareHandler = (*Guard)(nil)
)
