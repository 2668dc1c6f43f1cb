package providerguard

import (
	"github.com/caddyserver/caddy/v2/caddyconfig/caddyfile"
	"github.com/caddyserver/caddy/v2/caddyconfig/httpcaddyfile"
	"github.com/caddyserver/caddy/v2/modules/caddyhttp"
	"github.com/dustin/go-humanize"

	"github.com/openclaw-secure-stack/securestack/caddyplugin/internal/auditcfg"
	"github.com/openclaw-secure-stack/securestack/caddyplugin/internal/directive"
	"github.com/openclaw-secure-stack/securestack/caddyplugin/providerguard/wire"
)

func init() {
	httpcaddyfile.RegisterHandlerDirective("openclaw_provider_guard", parseCaddyfile)
	// A gate must see every request: before basic_auth puts it ahead of
	// respond and reverse_proxy, so no `order` line is needed.
	httpcaddyfile.RegisterDirectiveOrder("openclaw_provider_guard", httpcaddyfile.Before, "basic_auth")
}

func parseCaddyfile(h httpcaddyfile.Helper) (caddyhttp.MiddlewareHandler, error) {
	g := new(Guard)
	err := g.UnmarshalCaddyfile(h.Dispenser)
	return g, err
}

// UnmarshalCaddyfile sets up the guard from Caddyfile tokens:
//
//	openclaw_provider_guard [API] {
//		api             openai-completions|openai-responses|anthropic-messages
//		api_key_env     VAR
//		api_key_file    PATH
//		token_file      PATH
//		token_env       NAME VAR
//		inbound         neutralize|reject|flag
//		user_messages   inspect|trust
//		seam_window     SIZE|off
//		redact_secrets  on|off
//		rules           FILE
//		policy          FILE
//		egress_allowlist FILE...
//		on_blocked_call message|error
//		max_body        SIZE
//		max_response    SIZE
//		audit_log       FILE { ... }
//	}
//
// token_file and token_env may repeat.
func (g *Guard) UnmarshalCaddyfile(d *caddyfile.Dispenser) error {
	d.Next() // directive name
	once := directive.Once{}
	if d.NextArg() {
		if _, err := wire.ParseAPI(d.Val()); err != nil {
			return d.Err(err.Error())
		}
		g.API = d.Val()
		once["api"] = d.Line()
		if d.NextArg() {
			return d.ArgErr()
		}
	}
	for d.NextBlock(0) {
		switch d.Val() {
		case "token_file", "token_env": // repeatable
		default:
			if err := once.Check(d); err != nil {
				return err
			}
		}
		switch d.Val() {
		case "api":
			v, err := directive.Enum(d, string(wire.Completions), string(wire.Responses), string(wire.Anthropic))
			if err != nil {
				return err
			}
			g.API = v
		case "api_key_env":
			if !d.AllArgs(&g.APIKeyEnv) {
				return d.ArgErr()
			}
		case "api_key_file":
			if !d.AllArgs(&g.APIKeyFile) {
				return d.ArgErr()
			}
		case "egress_allowlist":
			g.EgressAllowlist = d.RemainingArgs()
			if len(g.EgressAllowlist) == 0 {
				return d.ArgErr()
			}
		case "token_file":
			var p string
			if !d.AllArgs(&p) {
				return d.ArgErr()
			}
			g.TokenFiles = append(g.TokenFiles, p)
		case "token_env":
			var name, v string
			if !d.AllArgs(&name, &v) {
				return d.ArgErr()
			}
			g.TokenEnv = append(g.TokenEnv, TokenEnvConfig{Name: name, Var: v})
		case "inbound":
			v, err := directive.Enum(d, "neutralize", "reject", "flag")
			if err != nil {
				return err
			}
			g.Inbound = v
		case "user_messages":
			v, err := directive.Enum(d, string(UserMessagesInspect), string(UserMessagesTrust))
			if err != nil {
				return err
			}
			g.UserMessages = UserMessages(v)
		case "seam_window":
			var v string
			if !d.AllArgs(&v) {
				return d.ArgErr()
			}
			if v == "off" {
				g.SeamWindow = -1
				break
			}
			n, err := humanize.ParseBytes(v)
			if err != nil || n == 0 || n > 1<<20 {
				return d.Errf("seam_window %q: want off or a size a side such as 1KiB (at most 1MiB)", v)
			}
			g.SeamWindow = int(n)
		case "redact_secrets":
			v, err := directive.Enum(d, "on", "off")
			if err != nil {
				return err
			}
			on := v == "on"
			g.RedactSecrets = &on
		case "rules":
			if !d.AllArgs(&g.Rules) {
				return d.ArgErr()
			}
		case "policy":
			if !d.AllArgs(&g.Policy) {
				return d.ArgErr()
			}
		case "on_blocked_call":
			v, err := directive.Enum(d, string(BlockedCallMessage), string(BlockedCallError))
			if err != nil {
				return err
			}
			g.OnBlockedCall = BlockedCallMode(v)
		case "max_body", "max_response":
			name := d.Val()
			var s string
			if !d.AllArgs(&s) {
				return d.ArgErr()
			}
			n, err := humanize.ParseBytes(s)
			if err != nil || n == 0 || n > 1<<40 {
				return d.Errf("%s %q: want a size such as 32MiB", name, s)
			}
			if name == "max_body" {
				g.MaxBody = int64(n)
			} else {
				g.MaxResponse = int64(n)
			}
		case "audit_log":
			cfg, err := auditcfg.UnmarshalCaddyfile(d)
			if err != nil {
				return err
			}
			g.AuditLog = cfg
		default:
			return d.Errf("unrecognized openclaw_provider_guard option %q", d.Val())
		}
	}
	if g.API == "" {
		return d.Err("openclaw_provider_guard needs an api: openai-completions, openai-responses or anthropic-messages")
	}
	return nil
}

var _ caddyfile.Unmarshaler = (*Guard)(nil)
