package guard

import (
	"net/http"
	"net/url"
	"strconv"
	"strings"

	"github.com/caddyserver/caddy/v2"
	"github.com/caddyserver/caddy/v2/modules/caddyhttp"
	"go.uber.org/zap"

	"github.com/openclaw-secure-stack/securestack/auditlog"
	"github.com/openclaw-secure-stack/securestack/caddyplugin/guard/controlui"
	"github.com/openclaw-secure-stack/securestack/caddyplugin/guard/route"
	"github.com/openclaw-secure-stack/securestack/caddyplugin/internal/apierror"
)

// rejection is a deliberate API reply: an OpenAI-shaped error.
type rejection struct {
	status  int
	errType string
	code    string
	message string
	outcome auditlog.Outcome
	rules   []string
	// retryAfter is set on 429 replies, in whole seconds.
	retryAfter int
}

// noRoute labels metrics of requests that matched no route.
const noRoute = "none"

// ServeHTTP judges one request: headers, path, route, body rules,
// credential, body inspection, audit; then forwards exactly what it judged.
func (g *Guard) ServeHTTP(w http.ResponseWriter, r *http.Request, next caddyhttp.Handler) error {
	ev := g.newEvent(r)
	w.Header().Set("X-Request-Id", ev.RequestID)
	var st reqState
	if g.ui != nil {
		st.cookies = r.Header["Cookie"]
	}
	cleanHeaders(r, ev.ClientIP)

	p, rej := canonicalTarget(r)
	if rej != nil {
		return g.reject(w, ev, noRoute, rej)
	}
	if g.ui != nil && (p.Escaped == controlui.LoginPath || p.Escaped == controlui.LogoutPath) {
		// The guard's own pages, before any route: the gate reads its
		// session cookie, and the login form is a body on purpose.
		r.Header["Cookie"] = st.cookies
		g.serveGate(w, r, p.Escaped)
		return nil
	}
	ev.Route = r.Method + " " + p.Escaped

	method := r.Method
	switch upgradeOf(r) {
	case upgradeWebSocket:
		method = route.WebSocket
		ev.Route = route.WebSocket + " " + p.Escaped
	case upgradeH2C:
		// Declined, as RFC 9110 lets a server do: the request goes on as
		// plain HTTP/1.1 (curl --http2 sends this on http:// URLs).
		delete(r.Header, "Upgrade")
		delete(r.Header, "Http2-Settings")
		delete(r.Header, "Connection")
	case upgradeOther:
		return g.reject(w, ev, noRoute, upgradeRefused())
	}
	rt, outcome := g.table.Match(method, p)
	label := rt.String()
	if outcome == route.NotFound {
		label = noRoute
	}
	switch {
	case outcome == route.BadSlash || outcome == route.NotFound && p.EncodedSlash():
		return g.reject(w, ev, label, invalidPath("an encoded slash (%2F) is allowed only in a route parameter, and not around a . or .. part"))
	case outcome == route.NotFound && method == route.WebSocket:
		return g.reject(w, ev, label, upgradeRefused())
	case outcome == route.NotFound:
		return g.reject(w, ev, label, refuse(http.StatusNotFound, apierror.TypeInvalidRequest, "route_not_found", auditlog.OutcomeNotFound,
			r.Method+" "+p.Escaped+" is not a route this guard forwards"))
	case rt.Policy == route.Deny:
		return g.reject(w, ev, label, refuse(http.StatusForbidden, apierror.TypePermission, "route_denied", auditlog.OutcomeDenied,
			rt.String()+" is denied by this guard"))
	}
	if hasBody(r) && (rt.Policy != route.Inspect || r.Method == http.MethodGet || r.Method == http.MethodHead) {
		return g.reject(w, ev, label, refuse(http.StatusBadRequest, apierror.TypeInvalidRequest, "body_not_allowed", auditlog.OutcomeBadRequest,
			"a request body is not accepted on "+rt.String()+": only inspected routes take one"))
	}
	if rt.Policy != route.Inspect {
		r.Body = http.NoBody
	}
	forwardPath(r, p)

	if rt.Policy == route.Public {
		r.Header.Del("Authorization")
		if g.ui != nil {
			g.forwardControlUI(r, &st, "")
		}
		requestsTotal.WithLabelValues(label, "public").Inc()
		return next.ServeHTTP(w, r)
	}

	if rej := g.authenticate(r, &ev, &st); rej != nil {
		if g.ui != nil && rej.status == http.StatusUnauthorized && controlui.WantsLoginPage(r) {
			// A browser opening a page goes to the login page instead.
			ev.Outcome = rej.outcome
			ev.Fields = map[string]any{"status": http.StatusSeeOther, "code": rej.code}
			if err := g.audit.Write(ev); err != nil {
				g.logger.Error("audit log write failed", zap.Error(err), zap.String("request_id", ev.RequestID))
			}
			requestsTotal.WithLabelValues(label, string(rej.outcome)).Inc()
			controlui.LoginRedirect(w, r)
			return nil
		}
		return g.reject(w, ev, label, rej)
	}
	if st.session != nil {
		ev.Fields = map[string]any{"credential": "session", "role": st.session.Role}
	}
	if rt.Policy == route.Inspect {
		if rej := g.inspectBody(w, r, &ev, g.inspectors[rt.Pattern], label); rej != nil {
			return g.reject(w, ev, label, rej)
		}
	}

	r.Header.Del("Authorization")
	if g.upstreamToken != "" {
		r.Header.Set("Authorization", "Bearer "+g.upstreamToken)
	}
	if g.ui != nil {
		g.forwardControlUI(r, &st, ev.TokenName)
		if method == route.WebSocket {
			fw, rej := g.upgradeControlUI(w, r, &ev, &st)
			if rej != nil {
				return g.reject(w, ev, label, rej)
			}
			w = fw
		}
	}
	if ev.Outcome == "" {
		ev.Outcome = auditlog.OutcomeAllowed
	}
	// The record is written (or, in audit_mode async, queued) before the
	// gateway sees the request; a request that cannot be audited is not
	// forwarded.
	var err error
	if g.AuditMode == AuditAsync {
		err = g.audit.Enqueue(ev)
	} else {
		err = g.audit.Write(ev)
	}
	if err != nil {
		g.logger.Error("audit log write failed; request not forwarded", zap.Error(err), zap.String("request_id", ev.RequestID))
		requestsTotal.WithLabelValues(label, "audit_failed").Inc()
		apierror.Write(w, http.StatusServiceUnavailable, apierror.TypeAPI, "audit_unavailable",
			"the guard could not write its audit log, so the request was not forwarded")
		return nil
	}
	requestsTotal.WithLabelValues(label, string(ev.Outcome)).Inc()
	return next.ServeHTTP(w, r)
}

func (g *Guard) newEvent(r *http.Request) auditlog.Event {
	repl, _ := r.Context().Value(caddy.ReplacerCtxKey).(*caddy.Replacer)
	var id string
	if repl != nil {
		id = repl.ReplaceAll("{http.request.uuid}", "")
	}
	ip, _ := caddyhttp.GetVar(r.Context(), caddyhttp.ClientIPVarKey).(string)
	return auditlog.Event{
		Event:     "http.request",
		RequestID: id,
		ClientIP:  ip,
		Route:     r.Method + " " + clip(r.URL.EscapedPath(), 512),
		Rules:     []string{},
	}
}

func clip(s string, n int) string {
	if len(s) > n {
		return s[:n] + "…"
	}
	return s
}

// canonicalTarget judges the path the guard would forward (after any
// rewrite that ran before it) as the gateway will route it.
func canonicalTarget(r *http.Request) (route.Path, *rejection) {
	if r.URL.Opaque != "" || r.URL.Fragment != "" || r.URL.RawFragment != "" {
		return route.Path{}, invalidPath("an opaque or fragment request target")
	}
	p, err := route.Canonical(r.URL.EscapedPath())
	if err != nil {
		return route.Path{}, invalidPath(err.(*route.PathError).Reason)
	}
	return p, nil
}

func invalidPath(reason string) *rejection {
	return refuse(http.StatusBadRequest, apierror.TypeInvalidRequest, "invalid_path", auditlog.OutcomeBadRequest,
		"the request path is not in canonical form ("+reason+"); send the path as the gateway routes it")
}

// forwardPath makes the request carry exactly the judged path. A
// capability-prefixed path is sent as the gateway would rewrite it, with
// the capability in the oc_cap query parameter.
func forwardPath(r *http.Request, p route.Path) {
	if !p.Rewritten() {
		return
	}
	decoded, _ := url.PathUnescape(p.Escaped) // Canonical accepted only valid escapes
	r.URL.Path, r.URL.RawPath = decoded, p.Escaped
	q := r.URL.Query()
	q.Set(route.CapabilityQuery, p.Capability)
	r.URL.RawQuery = q.Encode()
}

type upgrade int

const (
	upgradeNone upgrade = iota
	upgradeWebSocket
	upgradeH2C
	upgradeOther
)

// upgradeOf classifies a request's protocol upgrade. A WebSocket upgrade is
// a GET with Connection: upgrade and exactly one Upgrade: websocket; an h2c
// upgrade is Connection: upgrade with exactly one Upgrade: h2c, which the
// guard declines; any other Upgrade or Connection: upgrade is refused.
func upgradeOf(r *http.Request) upgrade {
	ups, connUpgrade := r.Header["Upgrade"], false
	for _, v := range r.Header["Connection"] {
		for tok := range strings.SplitSeq(v, ",") {
			if strings.EqualFold(strings.TrimSpace(tok), "upgrade") {
				connUpgrade = true
			}
		}
	}
	switch {
	case len(ups) == 0 && !connUpgrade:
		return upgradeNone
	case connUpgrade && len(ups) == 1 && strings.EqualFold(strings.TrimSpace(ups[0]), "websocket") && r.Method == http.MethodGet:
		return upgradeWebSocket
	case connUpgrade && len(ups) == 1 && strings.EqualFold(strings.TrimSpace(ups[0]), "h2c"):
		return upgradeH2C
	}
	return upgradeOther
}

func upgradeRefused() *rejection {
	return refuse(http.StatusBadRequest, apierror.TypeInvalidRequest, "upgrade_not_allowed", auditlog.OutcomeDenied,
		"protocol upgrades are accepted only as WebSocket upgrades on a WS route, after authentication (the default table denies WS /)")
}

// hasBody reports whether a request carries a body: a Content-Length other
// than zero (-1 is unknown), or any Transfer-Encoding.
func hasBody(r *http.Request) bool {
	return r.ContentLength != 0 || len(r.TransferEncoding) > 0
}

// refuse builds a rejection: status, OpenAI error type and code, the audit
// outcome, and the message the client sees.
func refuse(status int, errType, code string, outcome auditlog.Outcome, message string) *rejection {
	return &rejection{status: status, errType: errType, code: code, outcome: outcome, message: message}
}

func (g *Guard) reject(w http.ResponseWriter, ev auditlog.Event, label string, rej *rejection) error {
	ev.Outcome = rej.outcome
	if rej.rules != nil {
		ev.Rules = rej.rules
		for _, id := range rej.rules {
			rejectionsTotal.WithLabelValues(g.ruleLabel(id)).Inc()
		}
	}
	if ev.Fields == nil {
		ev.Fields = map[string]any{}
	}
	ev.Fields["status"] = rej.status
	ev.Fields["code"] = rej.code
	if err := g.audit.Write(ev); err != nil {
		g.logger.Error("audit log write failed", zap.Error(err), zap.String("request_id", ev.RequestID))
	}
	requestsTotal.WithLabelValues(label, string(rej.outcome)).Inc()
	switch rej.status {
	case http.StatusUnauthorized:
		w.Header().Set("WWW-Authenticate", `Bearer realm="openclaw"`)
	case http.StatusTooManyRequests:
		w.Header().Set("Retry-After", strconv.Itoa(rej.retryAfter))
	}
	apierror.Write(w, rej.status, rej.errType, rej.code, rej.message)
	return nil
}
