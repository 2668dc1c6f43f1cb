package guard

import (
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"net/http"
	"net/textproto"
	"slices"
	"strings"
	"time"

	"github.com/caddyserver/caddy/v2"
	"github.com/caddyserver/caddy/v2/modules/caddyhttp"
	"go.uber.org/zap"

	"github.com/openclaw-secure-stack/securestack/auditlog"
	"github.com/openclaw-secure-stack/securestack/auth/session"
	"github.com/openclaw-secure-stack/securestack/caddyplugin/guard/controlui"
	"github.com/openclaw-secure-stack/securestack/caddyplugin/guard/wsfirewall"
	"github.com/openclaw-secure-stack/securestack/caddyplugin/internal/apierror"
	"github.com/openclaw-secure-stack/securestack/caddyplugin/providerguard/wire"
	"github.com/openclaw-secure-stack/securestack/sanitizer"
)

// ForwardedForVar is the request variable holding the X-Forwarded-For
// value the gateway must see for a client (controlui.ForwardedFor): the
// client's address, or 100::1 for a client on loopback. reverse_proxy
// rebuilds X-Forwarded-For after the guard has run, so a site that fronts a
// trusted-proxy gateway sends it with
// `header_up X-Forwarded-For {http.vars.openclaw_guard.forwarded_for}`.
const ForwardedForVar = "openclaw_guard.forwarded_for"

// ControlUIConfig opens OpenClaw's browser dashboard, the Control UI,
// through the guard (docs/control-ui.md): a login page that turns a token
// into a session cookie, the token's name sent to a gateway in
// trusted-proxy mode on every forwarded request, and a firewall that reads
// every client-to-gateway WebSocket frame.
type ControlUIConfig struct {
	// UserHeader is the identity header (OpenClaw's
	// gateway.auth.trustedProxy.userHeader). Default X-Forwarded-User. A
	// client's own copy is always removed.
	UserHeader string `json:"user_header,omitempty"`
	// SessionTTL is how long a login lasts (1m to 720h). Default 12h.
	SessionTTL caddy.Duration `json:"session_ttl,omitempty"`
	// AllowedOrigins may post the login form and open the WebSocket besides
	// the guard's own origin ("https://ui.example.com").
	AllowedOrigins []string `json:"allowed_origins,omitempty"`
	// UnknownMethods is what the firewall does with a WebSocket method that
	// is not in OpenClaw's core table: deny (default) or allow.
	UnknownMethods wsfirewall.UnknownMethods `json:"unknown_methods,omitempty"`
	// MaxMessage bounds one client WebSocket message, in bytes; a larger one
	// closes the socket with 1008. Default 4 MiB.
	MaxMessage int `json:"max_message,omitempty"`
	// Roles maps token names to role names. A token without a role cannot
	// log in, and cannot open the WebSocket with a bearer token either.
	Roles map[string]string `json:"roles,omitempty"`
	// RoleDefs define named roles, or override the built-in viewer, operator
	// and admin (whose scopes are kept unless given).
	RoleDefs []RoleDef `json:"role_defs,omitempty"`
}

// RoleDef is a role of the WebSocket method policy.
type RoleDef struct {
	Name string `json:"name"`
	// Scopes are OpenClaw operator scopes: the methods the role may call,
	// and the x-openclaw-scopes cap the guard sends for its sessions.
	Scopes []string `json:"scopes,omitempty"`
	// Grant lists dangerous methods (terminal.*, node.invoke, cron.*, ...)
	// the role may call; nobody may by default.
	Grant []string `json:"grant,omitempty"`
	// Deny lists further methods the role may not call.
	Deny []string `json:"deny,omitempty"`
}

// builtinRoles are the roles every control_ui has.
var builtinRoles = []wsfirewall.Role{wsfirewall.RoleViewer, wsfirewall.RoleOperator, wsfirewall.RoleAdmin}

// roles builds the policy's roles: the built-in ones, overridden or joined
// by RoleDefs.
func (c *ControlUIConfig) roles() ([]wsfirewall.Role, error) {
	out := slices.Clone(builtinRoles)
	seen := map[string]bool{}
	for _, d := range c.RoleDefs {
		if seen[d.Name] {
			return nil, fmt.Errorf("control_ui: role_def %s is defined twice", d.Name)
		}
		seen[d.Name] = true
		r := wsfirewall.Role{Name: d.Name, Scopes: d.Scopes, Grant: d.Grant, Deny: d.Deny}
		i := slices.IndexFunc(out, func(b wsfirewall.Role) bool { return b.Name == d.Name })
		switch {
		case i >= 0:
			if len(r.Scopes) == 0 {
				r.Scopes = out[i].Scopes
			}
			out[i] = r
		case len(r.Scopes) == 0:
			return nil, fmt.Errorf("control_ui: role_def %s needs scopes (OpenClaw operator scopes: %s)", d.Name, strings.Join(wsfirewall.KnownScopes, " "))
		default:
			out = append(out, r)
		}
		if err := r.Check(); err != nil {
			return nil, fmt.Errorf("control_ui: %w", err)
		}
	}
	return out, nil
}

// check rejects a control_ui that cannot work.
func (c *ControlUIConfig) check(g *Guard) error {
	if c.UserHeader != "" && (textproto.CanonicalMIMEHeaderKey(c.UserHeader) == "" || strings.ContainsAny(c.UserHeader, " \t:\r\n")) {
		return fmt.Errorf("control_ui: user_header %q is not a header name", c.UserHeader)
	}
	if uh := strings.ToLower(c.UserHeader); uh == "authorization" || uh == "cookie" || uh == "host" || strings.HasPrefix(uh, "x-openclaw-") {
		return fmt.Errorf("control_ui: user_header %s is a header the guard sets or removes itself", c.UserHeader)
	}
	if err := (session.Config{TTL: time.Duration(c.SessionTTL)}).Check(); err != nil {
		return fmt.Errorf("control_ui: session_ttl: %w", err)
	}
	for _, o := range c.AllowedOrigins {
		if !wsfirewall.ValidOrigin(o) {
			return fmt.Errorf("control_ui: allowed_origin %q: want scheme://host[:port], e.g. https://ui.example.com", o)
		}
	}
	switch c.UnknownMethods {
	case "", wsfirewall.UnknownDeny, wsfirewall.UnknownAllow:
	default:
		return fmt.Errorf("control_ui: unknown_methods %q: want deny or allow", c.UnknownMethods)
	}
	if c.MaxMessage < 0 || c.MaxMessage > 64<<20 {
		return errors.New("control_ui: max_message must be between 1 byte and 64MiB")
	}
	roles, err := c.roles()
	if err != nil {
		return err
	}
	for tok, role := range c.Roles {
		if !slices.ContainsFunc(roles, func(r wsfirewall.Role) bool { return r.Name == role }) {
			return fmt.Errorf("control_ui: role %s %s: no such role (built in: viewer, operator, admin; or a role_def)", tok, role)
		}
	}
	if g.UpstreamTokenEnv != "" {
		return errors.New("control_ui needs OpenClaw in trusted-proxy mode, which refuses a shared gateway token: remove upstream_token_env")
	}
	return nil
}

// controlUI is a provisioned control_ui.
type controlUI struct {
	userHeader string
	roles      map[string]string
	policy     *wsfirewall.Policy
	fw         wsfirewall.Firewall // copied per socket, with its audit hook
	gate       *controlui.Gate
	sessions   *session.Store
	poolKey    string
	origins    []string
}

// sessionStores keeps each guard's sessions across config reloads. The key
// is a digest of what decides who may hold a session (the token sources,
// the roles, the lifetime), so an unchanged guard keeps its users logged in
// and a changed one starts afresh.
var sessionStores = caddy.NewUsagePool()

func (g *Guard) provisionControlUI() error {
	c := g.ControlUI
	ui := &controlUI{userHeader: c.UserHeader, roles: c.Roles, origins: c.AllowedOrigins}
	if ui.userHeader == "" {
		ui.userHeader = controlui.DefaultUserHeader
	}
	roles, err := c.roles()
	if err != nil {
		return err
	}
	if ui.policy, err = wsfirewall.NewPolicy(roles, c.UnknownMethods); err != nil {
		return fmt.Errorf("control_ui: %w", err)
	}
	ui.fw = wsfirewall.Firewall{Policy: ui.policy, Judge: g.judgeChat, Tools: g.judgeTool, MaxMessage: c.MaxMessage}

	keyMaterial, _ := json.Marshal(struct {
		Tokens []TokenConfig
		Files  []string
		Env    []TokenEnvConfig
		Roles  map[string]string
		TTL    caddy.Duration
	}{g.Tokens, g.TokenFiles, g.TokenEnv, c.Roles, c.SessionTTL})
	sum := sha256.Sum256(keyMaterial)
	ui.poolKey = "control_ui sessions " + hex.EncodeToString(sum[:])
	v, _, err := sessionStores.LoadOrNew(ui.poolKey, func() (caddy.Destructor, error) {
		return session.NewStore(session.Config{TTL: time.Duration(c.SessionTTL)}), nil
	})
	if err != nil {
		return err
	}
	ui.sessions = v.(*session.Store)

	ui.gate = &controlui.Gate{
		Verifier: g.tokens,
		Limiter:  g.limiter,
		Sessions: ui.sessions,
		RoleOf: func(name string) (string, bool) {
			r, ok := ui.roles[name]
			return r, ok
		},
		AllowedOrigins: ui.origins,
		ClientIP: func(r *http.Request) string {
			ip, _ := caddyhttp.GetVar(r.Context(), caddyhttp.ClientIPVarKey).(string)
			return ip
		},
		Audit: g.auditGate,
	}
	g.ui = ui
	g.retainSessions()
	return nil
}

// retainSessions ends the sessions whose token is gone or has another
// secret now. It runs at provision and after every token file reload.
func (g *Guard) retainSessions() {
	if g.ui == nil {
		return
	}
	if n := g.ui.sessions.Retain(func(s session.Session) bool {
		return g.tokens.Holds(s.TokenName, s.Credential) && g.ui.roles[s.TokenName] == s.Role
	}); n > 0 {
		g.logger.Info("control_ui sessions ended: their token was removed or rotated", zap.Int("sessions", n))
	}
}

// judgeChat is the firewall's Judge: chat text typed in the Control UI is
// a user message to the model.
func (g *Guard) judgeChat(text string) (bool, []string) {
	res := g.sanitizer.Check("user", text)
	if res.Action == sanitizer.ActionReject {
		return true, res.RuleIDs()
	}
	return false, nil
}

// judgeTool is the firewall's tool judge: a tools.invoke from a role
// granted it is judged by the provider guard's default tool policy, as
// POST /tools/invoke is.
func (g *Guard) judgeTool(name, args string) (bool, []string, string) {
	d := g.toolJudge.DecideRecent(g.toolRecent, wire.ToolCall{Name: name, Arguments: args})
	return d.Block, d.Rules, d.Reason
}

// gateOutcome maps the Gate's events to audit outcomes.
func gateOutcome(e controlui.Event) auditlog.Outcome {
	switch e.Outcome {
	case controlui.OutcomeLogin:
		return auditlog.OutcomeLogin
	case controlui.OutcomeLogout:
		return auditlog.OutcomeLogout
	case controlui.OutcomeLoginFailed:
		return auditlog.OutcomeUnauthorized
	case controlui.OutcomeLoginRateLimited:
		return auditlog.OutcomeRateLimited
	}
	switch e.Reason {
	case "bad_form":
		return auditlog.OutcomeBadRequest
	case "session_store":
		return auditlog.OutcomeError
	}
	return auditlog.OutcomeDenied // cross_origin, no_role
}

// auditGate writes a login page event to the audit log, durably: a login
// is a credential check like a bearer token's.
func (g *Guard) auditGate(r *http.Request, e controlui.Event) {
	ev := g.newEvent(r)
	ev.Event = "controlui." + string(e.Outcome)
	ev.Outcome = gateOutcome(e)
	ev.TokenName = e.TokenName
	ev.Fields = map[string]any{"credential": "login_form"}
	if e.Role != "" {
		ev.Fields["role"] = e.Role
	}
	if e.Reason != "" {
		ev.Fields["reason"] = e.Reason
	}
	logins.WithLabelValues(string(e.Outcome)).Inc()
	switch e.Outcome {
	case "login_failed":
		authFailures.WithLabelValues("invalid").Inc()
	case "login_rate_limited":
		authFailures.WithLabelValues("rate_limited").Inc()
	}
	if err := g.audit.Write(ev); err != nil {
		g.logger.Error("audit log write failed", zap.Error(err), zap.String("request_id", ev.RequestID))
	}
}

// serveGate answers the guard's own login and logout pages. They are never
// forwarded.
func (g *Guard) serveGate(w http.ResponseWriter, r *http.Request, path string) {
	if path == controlui.LoginPath {
		requestsTotal.WithLabelValues(path, "login_page").Inc()
		g.ui.gate.ServeLogin(w, r)
		return
	}
	requestsTotal.WithLabelValues(path, "logout_page").Inc()
	g.ui.gate.ServeLogout(w, r)
}

// sessionSource is the Control UI's session cookie (issue 18), asked after
// the bearer header. A cookie of a session the guard does not hold (expired,
// logged out, revoked, tampered with) is refused but costs no failed
// attempt: a session id is 256 random bits, so there is nothing to guess,
// and a browser's stale cookie must not lock its user out of the login page.
type sessionSource struct{}

func (sessionSource) credential(g *Guard, r *http.Request, st *reqState) (string, bool, *authFailure) {
	if g.ui == nil || len(st.cookies) == 0 {
		return "", false, nil
	}
	id, err := session.FromRequest(&http.Request{Header: http.Header{"Cookie": st.cookies}}, r.TLS != nil)
	if errors.Is(err, session.ErrNoCookie) {
		return "", false, nil
	}
	if err != nil {
		return "", true, &authFailure{reason: "session_invalid", rej: sessionRefused(err.Error()), free: true}
	}
	if r.Method != http.MethodGet && r.Method != http.MethodHead && !sameSite(r, g.ui.origins) {
		// A session cookie is SameSite=Strict, but a sibling subdomain is the
		// same site: a request that changes something must also come from
		// this origin.
		return "", true, &authFailure{reason: "session_cross_site", free: true, rej: refuse(http.StatusForbidden, apierror.TypePermission,
			"cross_site_request", auditlog.OutcomeDenied, "a session may send "+r.Method+" requests from the guard's own origin only")}
	}
	s, ok := g.ui.sessions.Lookup(id)
	if !ok {
		return "", true, &authFailure{reason: "session_unknown", rej: sessionRefused("the session has ended (logged out, expired or revoked): log in again at " + controlui.LoginPath), free: true}
	}
	role, ok := g.ui.policy.Role(s.Role)
	if !ok { // cannot happen: retainSessions ends sessions of a changed role
		return "", true, &authFailure{reason: "session_unknown", rej: sessionRefused("the session's role is not configured: log in again"), free: true}
	}
	st.session, st.role = &s, role
	return s.TokenName, true, nil
}

// sameSite reports whether a browser says an unsafe request comes from the
// guard's own origin (or an allowed one). A request without Origin and
// Sec-Fetch-Site is not from a browser, and so not a forged one.
func sameSite(r *http.Request, allowed []string) bool {
	if site := r.Header.Get("Sec-Fetch-Site"); site != "" && site != "same-origin" && site != "none" {
		return false
	}
	if len(r.Header.Values("Origin")) == 0 {
		return true
	}
	return wsfirewall.CheckOrigin(r, r.TLS != nil, allowed) == nil
}

func sessionRefused(msg string) *rejection {
	return refuse(http.StatusUnauthorized, apierror.TypeAuthentication, "invalid_session", auditlog.OutcomeUnauthorized, msg)
}

// apiScopes is the scope cap of a bearer client whose token has no
// control_ui role: an API client, which chats (/v1/chat/completions,
// /v1/responses) and reads.
var apiScopes = wsfirewall.Role{Scopes: []string{wsfirewall.ScopeRead, wsfirewall.ScopeWrite}}.CapHeader()

// forwardControlUI puts the identity on a request the guard forwards (issue
// 18: every request, the WebSocket upgrade included): the token's name, and
// the scope cap of its session's or its own role, or of an API client for a
// bearer token without one. A public request carries none. Client copies of
// the headers are always removed first. The client address for the gateway
// goes in ForwardedForVar.
func (g *Guard) forwardControlUI(r *http.Request, st *reqState, tokenName string) {
	switch {
	case st.session != nil:
		controlui.SetIdentity(r.Header, g.ui.userHeader, st.session.TokenName, st.role.CapHeader())
	case tokenName != "":
		scopes := apiScopes
		if name, ok := g.ui.roles[tokenName]; ok {
			if role, ok := g.ui.policy.Role(name); ok {
				scopes = role.CapHeader()
			}
		}
		controlui.SetIdentity(r.Header, g.ui.userHeader, tokenName, scopes)
	default:
		controlui.StripIdentity(r.Header, g.ui.userHeader)
	}
	if ip, _ := caddyhttp.GetVar(r.Context(), caddyhttp.ClientIPVarKey).(string); ip != "" {
		caddyhttp.SetVar(r.Context(), ForwardedForVar, controlui.ForwardedFor(ip))
	}
}

// upgradeControlUI admits a WebSocket upgrade of a session (or of a bearer
// token with a role) and returns the writer that firewalls its frames.
func (g *Guard) upgradeControlUI(w http.ResponseWriter, r *http.Request, ev *auditlog.Event, st *reqState) (http.ResponseWriter, *rejection) {
	if err := wsfirewall.PrepareUpgrade(r); err != nil {
		return nil, refuse(http.StatusBadRequest, apierror.TypeInvalidRequest, "upgrade_not_allowed", auditlog.OutcomeBadRequest, err.Error())
	}
	err := wsfirewall.CheckOrigin(r, r.TLS != nil, g.ui.origins)
	if errors.Is(err, wsfirewall.ErrNoOrigin) && st.session == nil {
		err = nil // a bearer client is not a browser: nothing to forge
	}
	if err != nil {
		return nil, refuse(http.StatusForbidden, apierror.TypePermission, "origin_not_allowed", auditlog.OutcomeDenied,
			err.Error()+": the guard accepts WebSocket upgrades from its own origin and control_ui allowed_origin only")
	}
	peer := wsfirewall.Peer{}
	if st.session != nil {
		peer = wsfirewall.Peer{Role: st.session.Role, Ended: st.session.Ended(), Expires: st.session.Expires}
	} else {
		role, ok := g.ui.roles[ev.TokenName]
		if !ok {
			return nil, refuse(http.StatusForbidden, apierror.TypePermission, "no_role", auditlog.OutcomeDenied,
				"token "+ev.TokenName+" has no control_ui role, so it may not open the gateway's WebSocket")
		}
		peer.Role = role
	}
	if ev.Fields == nil {
		ev.Fields = map[string]any{}
	}
	ev.Fields["role"] = peer.Role
	fw := g.ui.fw
	base := *ev
	fw.OnDecision = func(d wsfirewall.Decision) { g.auditFrame(base, d) }
	return fw.Wrap(w, peer), nil
}

// auditFrame writes one firewall decision (a refused request or a closed
// socket) to the audit log.
func (g *Guard) auditFrame(base auditlog.Event, d wsfirewall.Decision) {
	ev := base
	ev.Event = "ws.refused"
	switch {
	case d.Action == wsfirewall.Close && d.Reason == "session_ended":
		ev.Event, ev.Outcome = "ws.closed", auditlog.OutcomeClosed
	case d.Action == wsfirewall.Close:
		ev.Event, ev.Outcome = "ws.closed", auditlog.OutcomeBadRequest
	case d.Reason == "prompt_injection":
		ev.Outcome = auditlog.OutcomeRejected
	case d.Reason == "invalid_params":
		ev.Outcome = auditlog.OutcomeBadRequest
	default:
		ev.Outcome = auditlog.OutcomeDenied
	}
	ev.Rules = nonNilRules(d.Rules)
	for _, id := range d.Rules {
		rejectionsTotal.WithLabelValues(g.ruleLabel(id)).Inc()
	}
	ev.Fields = map[string]any{"role": d.Role, "reason": d.Reason}
	if d.Method != "" {
		ev.Fields["method"] = clip(d.Method, 128)
		ev.Fields["id"] = clip(d.ID, 128)
	}
	if d.CloseCode != 0 {
		ev.Fields["close_code"] = d.CloseCode
		ev.Fields["message"] = d.Message
	}
	if len(d.Fields) > 0 {
		ev.Fields["chat_fields"] = d.Fields
	}
	wsDecisions.WithLabelValues(wsReasonLabel(d.Reason)).Inc()
	// A socket can outlive its configuration by a moment (a reload closes
	// it after this guard's Cleanup may have run).
	g.late.mu.RLock()
	defer g.late.mu.RUnlock()
	if g.late.released {
		g.logger.Warn("WebSocket decision after the configuration was unloaded; not in the audit log",
			zap.String("event", ev.Event), zap.String("reason", d.Reason), zap.String("request_id", ev.RequestID))
		return
	}
	if err := g.audit.Write(ev); err != nil {
		g.logger.Error("audit log write failed", zap.Error(err), zap.String("request_id", ev.RequestID))
	}
}

func nonNilRules(r []string) []string {
	if r == nil {
		return []string{}
	}
	return r
}

// wsReasonLabel bounds the reason label of ws_decisions_total.
func wsReasonLabel(reason string) string {
	switch reason {
	case wsfirewall.ReasonRoleDenied, wsfirewall.ReasonDangerous, wsfirewall.ReasonMissingScope, wsfirewall.ReasonUnknownMethod,
		wsfirewall.ReasonNodeMethod, "prompt_injection", "invalid_params", "connect_role_denied", "unjudgeable_frame", "session_ended":
		return reason
	}
	return "other"
}
