package guard

import (
	"strconv"

	"github.com/caddyserver/caddy/v2"
	"github.com/caddyserver/caddy/v2/caddyconfig/caddyfile"
	"github.com/caddyserver/caddy/v2/caddyconfig/httpcaddyfile"
	"github.com/caddyserver/caddy/v2/modules/caddyhttp"
	"github.com/dustin/go-humanize"

	"github.com/openclaw-secure-stack/securestack/auth"
	"github.com/openclaw-secure-stack/securestack/caddyplugin/guard/route"
	"github.com/openclaw-secure-stack/securestack/caddyplugin/internal/auditcfg"
	"github.com/openclaw-secure-stack/securestack/caddyplugin/internal/directive"
	"github.com/openclaw-secure-stack/securestack/sanitizer"
)

func init() {
	httpcaddyfile.RegisterHandlerDirective("openclaw_guard", parseCaddyfile)
	// A gate must see every request: before basic_auth puts it ahead of
	// respond and reverse_proxy, so no `order` line is needed.
	httpcaddyfile.RegisterDirectiveOrder("openclaw_guard", httpcaddyfile.Before, "basic_auth")
}

func parseCaddyfile(h httpcaddyfile.Helper) (caddyhttp.MiddlewareHandler, error) {
	g := new(Guard)
	err := g.UnmarshalCaddyfile(h.Dispenser)
	return g, err
}

// UnmarshalCaddyfile sets up the guard from Caddyfile tokens:
//
//	openclaw_guard {
//		token              NAME SECRET|sha256:HEX
//		token_file         PATH
//		token_env          NAME VAR
//		token_reload       DURATION|off
//		route              METHOD PATH public|auth|inspect|deny
//		rules              FILE
//		system_messages    allow|sanitize|reject
//		audit_log          FILE {
//			sync       always|batch|none
//			key_file   PATH
//			rotate_size SIZE
//			rotate_age  DURATION
//		}
//		audit_mode         sync|async
//		max_body           SIZE
//		upstream_token_env VAR
//		failed_attempts    BURST EVERY
//	}
//
// token, token_file, token_env and route may repeat. An inline raw secret
// is hashed here, so the JSON config holds only its sha256 digest.
func (g *Guard) UnmarshalCaddyfile(d *caddyfile.Dispenser) error {
	d.Next() // directive name
	if d.NextArg() {
		return d.ArgErr()
	}
	once := directive.Once{}
	for d.NextBlock(0) {
		switch d.Val() {
		case "token", "token_file", "token_env", "route": // repeatable
		default:
			if err := once.Check(d); err != nil {
				return err
			}
		}
		switch d.Val() {
		case "token":
			var name, secret string
			if !d.AllArgs(&name, &secret) {
				return d.ArgErr()
			}
			tok, err := auth.ParseToken(name, secret)
			if err != nil {
				return d.Errf("token: %v", err)
			}
			g.Tokens = append(g.Tokens, TokenConfig{Name: name, Secret: tok.Digest()})
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
		case "rules":
			if !d.AllArgs(&g.Rules) {
				return d.ArgErr()
			}
		case "system_messages":
			v, err := directive.Enum(d, string(sanitizer.SystemAllow), string(sanitizer.SystemSanitize), string(sanitizer.SystemReject))
			if err != nil {
				return err
			}
			g.SystemMessages = sanitizer.SystemPolicy(v)
		case "route":
			var method, path, policy string
			if !d.AllArgs(&method, &path, &policy) {
				return d.ArgErr()
			}
			rc := RouteConfig{Method: method, Path: path, Policy: route.Policy(policy)}
			if _, err := newRoute(rc); err != nil {
				return d.Err(err.Error())
			}
			g.Routes = append(g.Routes, rc)
		case "audit_mode":
			v, err := directive.Enum(d, string(AuditSync), string(AuditAsync))
			if err != nil {
				return err
			}
			g.AuditMode = AuditMode(v)
		case "token_reload":
			var s string
			if !d.AllArgs(&s) {
				return d.ArgErr()
			}
			if s == "off" {
				g.TokenReload = -1
				break
			}
			dur, err := caddy.ParseDuration(s)
			if err != nil || dur <= 0 {
				return d.Errf("token_reload %q: want a duration such as 1s, or off", s)
			}
			g.TokenReload = caddy.Duration(dur)
		case "public_paths":
			return d.Err("public_paths was replaced by the route table: write `route GET PATH public` (the health probes are public by default)")
		case "tools_invoke":
			return d.Err("tools_invoke was replaced by the route table: write `route POST /tools/invoke inspect` to admit it with every argument sanitized")
		case "upstream_token_env":
			if !d.AllArgs(&g.UpstreamTokenEnv) {
				return d.ArgErr()
			}
		case "max_body":
			var s string
			if !d.AllArgs(&s) {
				return d.ArgErr()
			}
			n, err := humanize.ParseBytes(s)
			if err != nil || n == 0 || n > 1<<40 {
				return d.Errf("max_body %q: want a size such as 1MiB", s)
			}
			g.MaxBody = int64(n)
		case "failed_attempts":
			var burst, every string
			if !d.AllArgs(&burst, &every) {
				return d.ArgErr()
			}
			b, err := strconv.Atoi(burst)
			if err != nil || b < 1 {
				return d.Errf("failed_attempts burst %q: want a positive number", burst)
			}
			dur, err := caddy.ParseDuration(every)
			if err != nil || dur <= 0 {
				return d.Errf("failed_attempts every %q: want a duration such as 6s", every)
			}
			g.FailedAttempts = &FailedAttemptsConfig{Burst: b, Every: caddy.Duration(dur)}
		case "audit_log":
			cfg, err := auditcfg.UnmarshalCaddyfile(d)
			if err != nil {
				return err
			}
			g.AuditLog = cfg
		default:
			return d.Errf("unrecognized openclaw_guard option %q", d.Val())
		}
	}
	return nil
}

var _ caddyfile.Unmarshaler = (*Guard)(nil)
