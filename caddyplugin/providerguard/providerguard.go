package providerguard

import (
	"errors"
	"fmt"
	"os"
	"strings"

	"github.com/caddyserver/caddy/v2"
	"github.com/caddyserver/caddy/v2/modules/caddyhttp"
	"go.uber.org/zap"

	"github.com/openclaw-secure-stack/securestack/auth"
	"github.com/openclaw-secure-stack/securestack/caddyplugin/internal/auditcfg"
	"github.com/openclaw-secure-stack/securestack/caddyplugin/providerguard/inbound"
	"github.com/openclaw-secure-stack/securestack/caddyplugin/providerguard/toolpolicy"
	"github.com/openclaw-secure-stack/securestack/caddyplugin/providerguard/wire"
	"github.com/openclaw-secure-stack/securestack/sanitizer"
)

func init() {
	caddy.RegisterModule(Guard{})
}

// Defaults.
const (
	// DefaultMaxBody is the largest request body read: OpenClaw re-sends
	// whole histories, and a long session with tool output runs to
	// megabytes.
	DefaultMaxBody = 32 << 20
	// DefaultMaxResponse bounds a non-streamed response body, which is read
	// whole to judge its tool calls.
	DefaultMaxResponse = 16 << 20
)

// UserMessages says whether user-role turns are judged (channel messages
// arrive as user turns).
type UserMessages string

const (
	UserMessagesInspect UserMessages = "inspect" // judged as chat messages (default)
	UserMessagesTrust   UserMessages = "trust"   // forwarded unjudged
)

// BlockedCallMode says how a blocked tool call is answered.
type BlockedCallMode string

const (
	BlockedCallMessage BlockedCallMode = "message" // the stream completes with assistant text naming the call (default)
	BlockedCallError   BlockedCallMode = "error"   // the provider's error shape ends the stream
)

// Guard is the openclaw_provider_guard HTTP handler. It stands in for a
// model provider's base URL in OpenClaw's config: it judges what the model
// is about to read (inbound) and the tool calls it asks for (outbound), holds
// the provider's API key, and hands the request to reverse_proxy.
type Guard struct {
	// API is the provider's wire shape, as OpenClaw's
	// models.providers.<id>.api names it: openai-completions,
	// openai-responses or anthropic-messages.
	API string `json:"api,omitempty"`

	// APIKeyEnv names the environment variable holding the provider's API
	// key. The guard sends it upstream (Authorization: Bearer, or x-api-key
	// for Anthropic) in place of what OpenClaw sent, so OpenClaw's config
	// and disk hold no provider key. When set, OpenClaw must present a
	// token of TokenFiles/TokenEnv as its apiKey.
	APIKeyEnv string `json:"api_key_env,omitempty"`
	// APIKeyFile is the other place for that key: a file holding only the
	// key (a Docker secret, a systemd credential). Set one of APIKeyEnv and
	// APIKeyFile, not both. The same tokens are then required.
	APIKeyFile string `json:"api_key_file,omitempty"`
	// TokenFiles are files of `NAME SECRET` or `NAME sha256:HEX` lines: the
	// tokens OpenClaw may present as its apiKey.
	TokenFiles []string `json:"token_files,omitempty"`
	// TokenEnv are such tokens read from environment variables.
	TokenEnv []TokenEnvConfig `json:"token_env,omitempty"`

	// Inbound is what happens to a text the detector refuses: neutralize
	// (default: replaced by a notice naming the rules), reject (the request
	// is refused in the provider's error shape) or flag (audit only).
	Inbound string `json:"inbound,omitempty"`
	// UserMessages is inspect (default) or trust. Channel messages arrive
	// as user turns; trust skips them.
	UserMessages UserMessages `json:"user_messages,omitempty"`
	// SeamWindow is how many bytes of each side of the seam between two
	// consecutive tool results are judged together, so that an instruction
	// split over them is read whole; 0 means inbound.DefaultSeamBytes
	// (1 KiB), -1 turns seams off. Smaller is cheaper and refuses more
	// benign seams (docs/BENCHMARKS.md).
	SeamWindow int `json:"seam_window,omitempty"`
	// RedactSecrets replaces secrets in known formats in every text before
	// the provider sees it. Default true.
	RedactSecrets *bool `json:"redact_secrets,omitempty"`
	// Rules is a sanitizer rule file for the detector; empty means the
	// built-in rules.
	Rules string `json:"rules,omitempty"`

	// Policy is the tool-call policy file (YAML or JSON, see package
	// toolpolicy); empty means toolpolicy.Default.
	Policy string `json:"policy,omitempty"`
	// EgressAllowlist are allowlist files in the stack's one format (package
	// egress, the files the egress proxy and the DNS plugin read): a tool
	// call that names a host off them is blocked. It is the policy file's
	// egress_allowlist, set here; setting both is an error.
	EgressAllowlist []string `json:"egress_allowlist,omitempty"`
	// OnBlockedCall is message (default: the stream completes with assistant
	// text naming the blocked call) or error (the provider's error shape).
	OnBlockedCall BlockedCallMode `json:"on_blocked_call,omitempty"`

	// MaxBody is the largest request body read, in bytes; larger ones get
	// 413. Default 32 MiB.
	MaxBody int64 `json:"max_body,omitempty"`
	// MaxResponse is the largest non-streamed response read; larger ones
	// are refused. Default 16 MiB.
	MaxResponse int64 `json:"max_response,omitempty"`

	// AuditLog configures the audit trail. When absent, the guard writes
	// to openclaw_provider_guard/audit.jsonl in Caddy's data directory.
	AuditLog *auditcfg.Config `json:"audit_log,omitempty"`

	api       wire.API
	apiKey    string
	verifier  *auth.Verifier
	inspector *inbound.Inspector
	policy    *toolpolicy.Judge
	blockMode wire.BlockMode
	audit     *auditcfg.Log
	logger    *zap.Logger
}

// TokenEnvConfig is a named token read from an environment variable.
type TokenEnvConfig struct {
	Name string `json:"name"`
	Var  string `json:"var"`
}

// CaddyModule returns the Caddy module information.
func (Guard) CaddyModule() caddy.ModuleInfo {
	return caddy.ModuleInfo{
		ID:  "http.handlers.openclaw_provider_guard",
		New: func() caddy.Module { return new(Guard) },
	}
}

// Provision checks the configuration, then loads the key, tokens, detector,
// policy and audit log.
func (g *Guard) Provision(ctx caddy.Context) error {
	g.logger = ctx.Logger()
	if err := g.check(); err != nil {
		return err
	}
	g.api, _ = wire.ParseAPI(g.API)
	if g.MaxBody == 0 {
		g.MaxBody = DefaultMaxBody
	}
	if g.MaxResponse == 0 {
		g.MaxResponse = DefaultMaxResponse
	}
	if g.Inbound == "" {
		g.Inbound = string(inbound.Neutralize)
	}
	if g.UserMessages == "" {
		g.UserMessages = UserMessagesInspect
	}
	if g.OnBlockedCall == "" {
		g.OnBlockedCall = BlockedCallMessage
	}
	if g.OnBlockedCall == BlockedCallError {
		g.blockMode = wire.BlockWithError
	}
	redact := g.RedactSecrets == nil || *g.RedactSecrets

	if g.holdsKey() {
		var err error
		if g.apiKey, err = g.loadKey(); err != nil {
			return err
		}
		tokens, err := g.loadTokens()
		if err != nil {
			return err
		}
		if g.verifier, err = auth.NewVerifier(tokens); err != nil {
			return fmt.Errorf("api_key_env holds the provider key, so the guard needs tokens for OpenClaw to present as its apiKey: set token_file or token_env (%v)", err)
		}
	}

	var rules []sanitizer.Rule
	if g.Rules != "" {
		var err error
		if rules, err = sanitizer.LoadRules(g.Rules); err != nil {
			return fmt.Errorf("rules: %w", err)
		}
	}
	s, err := sanitizer.New(sanitizer.Config{Rules: rules})
	if err != nil {
		return fmt.Errorf("rules: %w", err)
	}
	g.inspector, err = inbound.New(inbound.Config{API: g.api, Detector: s, Action: inbound.Action(g.Inbound),
		TrustUser: g.UserMessages == UserMessagesTrust, Redact: redact, SeamBytes: g.SeamWindow})
	if err != nil {
		return err
	}

	p := toolpolicy.Default()
	if g.Policy != "" {
		if p, err = toolpolicy.Load(g.Policy); err != nil {
			return err
		}
	}
	if len(g.EgressAllowlist) > 0 {
		if len(p.EgressAllowlist) > 0 {
			return fmt.Errorf("egress_allowlist is set both here and in the policy file %s; keep one", g.Policy)
		}
		p.EgressAllowlist = g.EgressAllowlist
	}
	if g.policy, err = p.Compile(); err != nil {
		return fmt.Errorf("policy: %w", err)
	}
	if g.audit, err = auditcfg.Open(g.AuditLog, "openclaw_provider_guard"); err != nil {
		return err
	}
	return registerMetrics(ctx.GetMetricsRegistry())
}

// check rejects configuration that cannot work, naming the field.
func (g *Guard) check() error {
	if g.API == "" {
		return errors.New("api is required: openai-completions, openai-responses or anthropic-messages (OpenClaw's models.providers.<id>.api)")
	}
	if _, err := wire.ParseAPI(g.API); err != nil {
		return err
	}
	for _, c := range []struct {
		field, val string
		ok         []string
	}{
		{"inbound", g.Inbound, []string{"", "neutralize", "reject", "flag"}},
		{"user_messages", string(g.UserMessages), []string{"", string(UserMessagesInspect), string(UserMessagesTrust)}},
		{"on_blocked_call", string(g.OnBlockedCall), []string{"", string(BlockedCallMessage), string(BlockedCallError)}},
	} {
		found := false
		for _, o := range c.ok {
			found = found || c.val == o
		}
		if !found {
			return fmt.Errorf("%s %q: want %v", c.field, c.val, c.ok[1:])
		}
	}
	if g.MaxBody < 0 || g.MaxResponse < 0 {
		return errors.New("max_body and max_response must be positive")
	}
	if g.APIKeyEnv != "" && g.APIKeyFile != "" {
		return errors.New("api_key_env and api_key_file are both set; the provider key has one source")
	}
	if !g.holdsKey() && (len(g.TokenFiles) > 0 || len(g.TokenEnv) > 0) {
		return errors.New("token_file/token_env without api_key_env or api_key_file: the tokens guard the provider key the guard holds; set one, or drop the tokens to pass OpenClaw's own key through")
	}
	return nil
}

// Validate repeats the checks on the provisioned configuration.
func (g *Guard) Validate() error { return g.check() }

// holdsKey reports whether the guard holds the provider key.
func (g *Guard) holdsKey() bool { return g.APIKeyEnv != "" || g.APIKeyFile != "" }

// loadKey reads the provider key from its one source. A key file holds the
// key alone; surrounding white space (a trailing newline) is dropped.
func (g *Guard) loadKey() (string, error) {
	if g.APIKeyEnv != "" {
		k := os.Getenv(g.APIKeyEnv)
		if k == "" {
			return "", fmt.Errorf("api_key_env: $%s is empty or unset; put the provider's API key in it", g.APIKeyEnv)
		}
		return k, nil
	}
	b, err := os.ReadFile(g.APIKeyFile)
	if err != nil {
		return "", fmt.Errorf("api_key_file: %w", err)
	}
	k := strings.TrimSpace(string(b))
	switch {
	case k == "":
		return "", fmt.Errorf("api_key_file %s is empty; put the provider's API key in it", g.APIKeyFile)
	case strings.ContainsAny(k, "\r\n\t "):
		return "", fmt.Errorf("api_key_file %s holds more than one word; it must hold the key alone", g.APIKeyFile)
	}
	if fi, err := os.Stat(g.APIKeyFile); err == nil && fi.Mode().Perm()&0o077 != 0 {
		g.logger.Warn("api_key_file is readable by group or others; chmod 600 it", zap.String("file", g.APIKeyFile))
	}
	return k, nil
}

func (g *Guard) loadTokens() ([]auth.Token, error) {
	var tokens []auth.Token
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

// Cleanup releases this config's hold on the shared audit log.
func (g *Guard) Cleanup() error {
	return g.audit.Release()
}

// Interface guards.
var (
	_ caddy.Provisioner           = (*Guard)(nil)
	_ caddy.Validator             = (*Guard)(nil)
	_ caddy.CleanerUpper          = (*Guard)(nil)
	_ caddyhttp.MiddlewareHandler = (*Guard)(nil)
)
