package guard

import (
	"bytes"
	"errors"
	"fmt"
	"io"
	"mime"
	"net/http"
	"net/netip"
	"path"
	"strconv"
	"strings"

	"github.com/caddyserver/caddy/v2"
	"github.com/caddyserver/caddy/v2/modules/caddyhttp"
	"go.uber.org/zap"

	"github.com/openclaw-secure-stack/securestack/auditlog"
	"github.com/openclaw-secure-stack/securestack/auth"
	"github.com/openclaw-secure-stack/securestack/caddyplugin/internal/apierror"
	"github.com/openclaw-secure-stack/securestack/sanitizer"
)

// route is the guard's classification of a request path.
type route int

const (
	routeOther route = iota
	routeChat
	routeResponses
	routeToolsInvoke
	routeHooks
)

// classify names the route as the gateway will see it. Matching ignores case
// and a trailing slash, so that no spelling of an inspected route slips past
// as "other".
func classify(p string) route {
	p = strings.ToLower(strings.TrimSuffix(p, "/"))
	switch {
	case p == "/v1/chat/completions":
		return routeChat
	case p == "/v1/responses":
		return routeResponses
	case p == "/tools/invoke":
		return routeToolsInvoke
	case p == "/hooks" || strings.HasPrefix(p, "/hooks/"):
		return routeHooks
	}
	return routeOther
}

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

func (g *Guard) ServeHTTP(w http.ResponseWriter, r *http.Request, next caddyhttp.Handler) error {
	ev := g.newEvent(r)
	w.Header().Set("X-Request-Id", ev.RequestID)
	stripClientHeaders(r.Header)
	forwardIdentity(r, ev.ClientIP)

	if rej := checkPath(r); rej != nil {
		return g.reject(w, ev, rej)
	}
	if (r.Method == http.MethodGet || r.Method == http.MethodHead) && g.public[r.URL.Path] {
		r.Header.Del("Authorization")
		requestsTotal.WithLabelValues("public").Inc()
		return next.ServeHTTP(w, r)
	}

	if rej := g.authenticate(r, &ev); rej != nil {
		return g.reject(w, ev, rej)
	}

	rt := classify(r.URL.Path)
	var inspect func([]byte) ([]byte, sanitizer.Result, error)
	switch rt {
	case routeChat:
		inspect = g.sanitizer.SanitizeChat
	case routeResponses:
		inspect = g.sanitizer.SanitizeResponses
	case routeToolsInvoke:
		if g.ToolsInvoke != ToolsInvokeSanitize {
			return g.reject(w, ev, refuse(http.StatusForbidden, apierror.TypePermission, "route_denied", auditlog.OutcomeDenied,
				"/tools/invoke runs agent tools directly and is denied by this guard (tools_invoke deny)"))
		}
		inspect = g.sanitizer.SanitizeToolsInvoke
	case routeHooks:
		return g.reject(w, ev, refuse(http.StatusForbidden, apierror.TypePermission, "route_denied", auditlog.OutcomeDenied,
			"/hooks/ is denied by this guard"))
	}
	if inspect != nil {
		if rej := g.inspectBody(w, r, &ev, inspect); rej != nil {
			return g.reject(w, ev, rej)
		}
	}

	r.Header.Del("Authorization")
	if g.upstreamToken != "" {
		r.Header.Set("Authorization", "Bearer "+g.upstreamToken)
	}
	if ev.Outcome == "" {
		ev.Outcome = auditlog.OutcomeAllowed
	}
	// The record is durable before the gateway sees the request; a request
	// that cannot be audited is not forwarded.
	if err := g.audit.Write(ev); err != nil {
		g.logger.Error("audit log write failed; request not forwarded", zap.Error(err), zap.String("request_id", ev.RequestID))
		requestsTotal.WithLabelValues("audit_failed").Inc()
		apierror.Write(w, http.StatusServiceUnavailable, apierror.TypeAPI, "audit_unavailable",
			"the guard could not write its audit log, so the request was not forwarded")
		return nil
	}
	requestsTotal.WithLabelValues(string(ev.Outcome)).Inc()
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
		Route:     r.Method + " " + r.URL.Path,
		Rules:     []string{},
	}
}

// stripClientHeaders removes every x-openclaw-* header: OpenClaw acts on them
// (model, agent, session, scopes, ...), so only the operator may set them.
func stripClientHeaders(h http.Header) {
	for k := range h {
		if len(k) >= 11 && strings.EqualFold(k[:11], "x-openclaw-") {
			delete(h, k)
		}
	}
}

// forwardIdentity controls what the gateway learns about the client. OpenClaw
// attributes a request to a client from X-Forwarded-For when the guard is in
// gateway.trustedProxies, and refuses (403 proxy_attribution_required) a
// forwarded client that is itself on loopback, so that a same-host proxy
// cannot make remote clients look local. So:
//   - Forwarded, X-Real-IP and any X-Forwarded-* other than For, Proto and
//     Host are the client's claims and are removed; reverse_proxy rebuilds
//     X-Forwarded-For/-Proto/-Host from what it knows (honouring Caddy's
//     trusted_proxies);
//   - a client on loopback is sent without X-Forwarded-* (a nil header tells
//     reverse_proxy to omit it): the gateway then sees what is true, a local
//     request, which that client could make directly anyway.
func forwardIdentity(r *http.Request, clientIP string) {
	for k := range r.Header {
		lk := strings.ToLower(k)
		if lk == "forwarded" || lk == "x-real-ip" ||
			strings.HasPrefix(lk, "x-forwarded-") && lk != "x-forwarded-for" && lk != "x-forwarded-proto" && lk != "x-forwarded-host" {
			delete(r.Header, k)
		}
	}
	if ip, err := netip.ParseAddr(clientIP); err == nil && ip.Unmap().IsLoopback() {
		for _, k := range []string{"X-Forwarded-For", "X-Forwarded-Proto", "X-Forwarded-Host"} {
			r.Header[k] = nil
		}
	}
}

// checkPath refuses paths that could be read two ways: dot segments, doubled
// slashes, backslashes and encoded slashes. The guard's route policy must judge
// the same path the gateway routes.
func checkPath(r *http.Request) *rejection {
	p := r.URL.Path
	clean := path.Clean(p)
	ambiguous := p == "" || p[0] != '/' ||
		(clean != p && clean+"/" != p) ||
		strings.ContainsAny(p, "\\\x00") ||
		strings.Contains(strings.ToLower(r.URL.RawPath), "%2f") ||
		strings.Contains(strings.ToLower(r.URL.RawPath), "%5c")
	if !ambiguous {
		return nil
	}
	return refuse(http.StatusBadRequest, apierror.TypeInvalidRequest, "invalid_path", auditlog.OutcomeBadRequest,
		"the request path is not in canonical form (dot segments, doubled or encoded slashes)")
}

func (g *Guard) authenticate(r *http.Request, ev *auditlog.Event) *rejection {
	if ok, retry := g.limiter.Allow(ev.ClientIP); !ok {
		secs := int(retry.Seconds())
		return &rejection{status: http.StatusTooManyRequests, errType: apierror.TypeRateLimit, code: "too_many_failed_attempts",
			message: "too many failed authentication attempts; retry after " + strconv.Itoa(secs) + "s",
			outcome: auditlog.OutcomeRateLimited, retryAfter: secs}
	}
	secret, err := auth.BearerToken(r)
	switch {
	case errors.Is(err, auth.ErrNoToken), errors.Is(err, auth.ErrNotBearer):
		g.limiter.Fail(ev.ClientIP)
		return unauthorized("missing bearer token: send `Authorization: Bearer <token>`")
	case err != nil:
		g.limiter.Fail(ev.ClientIP)
		return refuse(http.StatusBadRequest, apierror.TypeInvalidRequest, "invalid_request", auditlog.OutcomeBadRequest,
			err.Error())
	}
	name, ok := g.verifier.Verify(secret)
	if !ok {
		g.limiter.Fail(ev.ClientIP)
		return unauthorized("invalid bearer token")
	}
	ev.TokenName = name
	return nil
}

// refuse builds a rejection: status, OpenAI error type and code, the audit
// outcome, and the message the client sees.
func refuse(status int, errType, code string, outcome auditlog.Outcome, message string) *rejection {
	return &rejection{status: status, errType: errType, code: code, outcome: outcome, message: message}
}

func unauthorized(msg string) *rejection {
	return refuse(http.StatusUnauthorized, apierror.TypeAuthentication, "invalid_token", auditlog.OutcomeUnauthorized,
		msg)
}

// inspectBody reads the whole body (bounded), sanitizes it, and puts back the
// bytes to forward. Any body it cannot inspect is refused.
func (g *Guard) inspectBody(w http.ResponseWriter, r *http.Request, ev *auditlog.Event, inspect func([]byte) ([]byte, sanitizer.Result, error)) *rejection {
	if r.Method != http.MethodPost {
		return refuse(http.StatusMethodNotAllowed, apierror.TypeInvalidRequest, "method_not_allowed", auditlog.OutcomeBadRequest,
			r.Method+" is not allowed here; use POST")
	}
	if ce := r.Header.Get("Content-Encoding"); ce != "" && !strings.EqualFold(ce, "identity") {
		return refuse(http.StatusUnsupportedMediaType, apierror.TypeInvalidRequest, "unsupported_content_encoding", auditlog.OutcomeBadRequest,
			"Content-Encoding "+ce+" is not accepted: the guard inspects plain JSON bodies only")
	}
	if mt, _, err := mime.ParseMediaType(r.Header.Get("Content-Type")); err != nil || mt != "application/json" {
		return refuse(http.StatusUnsupportedMediaType, apierror.TypeInvalidRequest, "unsupported_media_type", auditlog.OutcomeBadRequest,
			"Content-Type must be application/json")
	}
	if r.ContentLength > g.MaxBody {
		return tooLarge(g.MaxBody)
	}
	body, err := io.ReadAll(http.MaxBytesReader(w, r.Body, g.MaxBody))
	if err != nil {
		var mbe *http.MaxBytesError
		if errors.As(err, &mbe) {
			return tooLarge(g.MaxBody)
		}
		return refuse(http.StatusBadRequest, apierror.TypeInvalidRequest, "invalid_body", auditlog.OutcomeBadRequest,
			"could not read the request body: "+err.Error())
	}
	digest, n := auditlog.PromptDigest(string(body))
	ev.Fields = map[string]any{"prompt_sha256": digest, "prompt_len": n}

	out, res, err := inspect(body)
	if err != nil {
		return refuse(http.StatusBadRequest, apierror.TypeInvalidRequest, "invalid_body", auditlog.OutcomeBadRequest,
			err.Error())
	}
	ev.Rules = res.RuleIDs()
	switch res.Action {
	case sanitizer.ActionReject:
		return &rejection{status: http.StatusBadRequest, errType: apierror.TypeInvalidRequest, code: "prompt_injection_detected",
			message: "the request was rejected because it looks like a prompt injection (rules: " + strings.Join(ev.Rules, ", ") + ")",
			outcome: auditlog.OutcomeRejected, rules: ev.Rules}
	case sanitizer.ActionStrip:
		ev.Outcome = auditlog.OutcomeStripped
	case sanitizer.ActionFlag:
		ev.Outcome = auditlog.OutcomeFlagged
	}
	r.Body = io.NopCloser(bytes.NewReader(out))
	r.ContentLength = int64(len(out))
	r.Header.Set("Content-Length", strconv.Itoa(len(out)))
	r.Header.Del("Transfer-Encoding")
	r.TransferEncoding = nil
	return nil
}

func tooLarge(max int64) *rejection {
	return refuse(http.StatusRequestEntityTooLarge, apierror.TypeInvalidRequest, "request_too_large", auditlog.OutcomeTooLarge,
		fmt.Sprintf("the request body is larger than the guard's max_body of %d bytes", max))
}

func (g *Guard) reject(w http.ResponseWriter, ev auditlog.Event, rej *rejection) error {
	ev.Outcome = rej.outcome
	if rej.rules != nil {
		ev.Rules = rej.rules
	}
	if ev.Fields == nil {
		ev.Fields = map[string]any{}
	}
	ev.Fields["status"] = rej.status
	ev.Fields["code"] = rej.code
	if err := g.audit.Write(ev); err != nil {
		g.logger.Error("audit log write failed", zap.Error(err), zap.String("request_id", ev.RequestID))
	}
	requestsTotal.WithLabelValues(string(rej.outcome)).Inc()
	switch rej.status {
	case http.StatusUnauthorized:
		w.Header().Set("WWW-Authenticate", `Bearer realm="openclaw"`)
	case http.StatusTooManyRequests:
		w.Header().Set("Retry-After", strconv.Itoa(rej.retryAfter))
	}
	apierror.Write(w, rej.status, rej.errType, rej.code, rej.message)
	return nil
}
