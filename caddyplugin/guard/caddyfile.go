package guard

import (
	"strconv"

	"github.com/caddyserver/caddy/v2"
	"github.com/caddyserver/caddy/v2/caddyconfig/caddyfile"
	"github.com/caddyserver/caddy/v2/caddyconfig/httpcaddyfile"
	"github.com/caddyserver/caddy/v2/modules/caddyhttp"
	"github.com/dustin/go-humanize"

	"github.com/openclaw-secure-stack/securestack/auth"
	"github.com/openclaw-secure-stack/securestack/auth/session"
	"github.com/openclaw-secure-stack/securestack/caddyplugin/guard/route"
	"github.com/openclaw-secure-stack/securestack/caddyplugin/guard/wsfirewall"
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
//		control_ui {
//			user_header     NAME
//			session_ttl     DURATION
//			allowed_origin  ORIGIN...
//			unknown_methods deny|allow
//			max_message     SIZE
//			role            TOKEN_NAME ROLE
//			role_def        ROLE {
//				scopes OPENCLAW_SCOPE...
//				grant  METHOD...
//				deny   METHOD...
//			}
//		}
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
		case "control_ui":
			cfg, err := unmarshalControlUI(d)
			if err != nil {
				return err
			}
			g.ControlUI = cfg
		default:
			return d.Errf("unrecognized openclaw_guard option %q", d.Val())
		}
	}
	return nil
}

// unmarshalControlUI reads a control_ui block. allowed_origin, role and
// role_def repeat; role names each token once and role_def each role once.
func unmarshalControlUI(d *caddyfile.Dispenser) (*ControlUIConfig, error) {
	if d.NextArg() {
		return nil, d.ArgErr()
	}
	c := &ControlUIConfig{}
	once := directive.Once{}
	roleLine := map[string]int{} // token name → line of its role
	defLine := map[string]int{}  // role_def name → line
	usedAt := map[string][]int{} // role name → lines of role lines naming it
	for nesting := d.Nesting(); d.NextBlock(nesting); {
		switch d.Val() {
		case "allowed_origin", "role", "role_def":
		default:
			if err := once.Check(d); err != nil {
				return nil, err
			}
		}
		switch d.Val() {
		case "user_header":
			if !d.AllArgs(&c.UserHeader) {
				return nil, d.ArgErr()
			}
		case "session_ttl":
			var s string
			if !d.AllArgs(&s) {
				return nil, d.ArgErr()
			}
			dur, err := caddy.ParseDuration(s)
			if err != nil || dur < session.MinTTL || dur > session.MaxTTL {
				return nil, d.Errf("session_ttl %q: want a duration from 1m to 720h, such as 12h", s)
			}
			c.SessionTTL = caddy.Duration(dur)
		case "allowed_origin":
			args := d.RemainingArgs()
			if len(args) == 0 {
				return nil, d.ArgErr()
			}
			for _, o := range args {
				if !wsfirewall.ValidOrigin(o) {
					return nil, d.Errf("allowed_origin %q: want scheme://host[:port], such as https://ui.example.com", o)
				}
			}
			c.AllowedOrigins = append(c.AllowedOrigins, args...)
		case "unknown_methods":
			v, err := directive.Enum(d, string(wsfirewall.UnknownDeny), string(wsfirewall.UnknownAllow))
			if err != nil {
				return nil, err
			}
			c.UnknownMethods = wsfirewall.UnknownMethods(v)
		case "max_message":
			var s string
			if !d.AllArgs(&s) {
				return nil, d.ArgErr()
			}
			n, err := humanize.ParseBytes(s)
			if err != nil || n == 0 || n > 64<<20 {
				return nil, d.Errf("max_message %q: want a size from 1B to 64MiB, such as 4MiB", s)
			}
			c.MaxMessage = int(n)
		case "role":
			var tok, role string
			if !d.AllArgs(&tok, &role) {
				return nil, d.ArgErr()
			}
			if line, dup := roleLine[tok]; dup {
				return nil, d.Errf("role %s is set twice (first on line %d); a token has one role", tok, line)
			}
			roleLine[tok] = d.Line()
			usedAt[role] = append(usedAt[role], d.Line())
			if c.Roles == nil {
				c.Roles = map[string]string{}
			}
			c.Roles[tok] = role
		case "role_def":
			var name string
			if !d.AllArgs(&name) {
				return nil, d.ArgErr()
			}
			if line, dup := defLine[name]; dup {
				return nil, d.Errf("role_def %s is defined twice (first on line %d)", name, line)
			}
			defLine[name] = d.Line()
			def, err := unmarshalRoleDef(d, name)
			if err != nil {
				return nil, err
			}
			c.RoleDefs = append(c.RoleDefs, def)
		default:
			return nil, d.Errf("unrecognized control_ui option %q", d.Val())
		}
	}
	if _, err := c.roles(); err != nil {
		return nil, d.Err(err.Error())
	}
	first, missing := 0, ""
	for role, lines := range usedAt {
		if _, ok := defLine[role]; ok || role == "viewer" || role == "operator" || role == "admin" {
			continue
		}
		if first == 0 || lines[0] < first {
			first, missing = lines[0], role
		}
	}
	if missing != "" {
		return nil, d.Errf("role on line %d: no role %q (built in: viewer, operator, admin; or write a role_def)", first, missing)
	}
	return c, nil
}

func unmarshalRoleDef(d *caddyfile.Dispenser, name string) (RoleDef, error) {
	def := RoleDef{Name: name}
	once := directive.Once{}
	for nesting := d.Nesting(); d.NextBlock(nesting); {
		if err := once.Check(d); err != nil {
			return def, err
		}
		opt := d.Val()
		args := d.RemainingArgs()
		if len(args) == 0 {
			return def, d.ArgErr()
		}
		switch opt {
		case "scopes":
			def.Scopes = args
		case "grant":
			def.Grant = args
		case "deny":
			def.Deny = args
		default:
			return def, d.Errf("unrecognized role_def option %q (scopes, grant, deny)", opt)
		}
	}
	r := wsfirewall.Role{Name: name, Scopes: def.Scopes, Grant: def.Grant, Deny: def.Deny}
	if len(r.Scopes) == 0 {
		r.Scopes = []string{wsfirewall.ScopeRead} // checked for names only; roles() decides
	}
	if err := r.Check(); err != nil {
		return def, d.Err(err.Error())
	}
	return def, nil
}

var _ caddyfile.Unmarshaler = (*Guard)(nil)
