package providerguard

import (
	"bytes"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"fmt"
	"io"
	"mime"
	"net/http"
	"strconv"
	"strings"

	"github.com/caddyserver/caddy/v2"
	"github.com/caddyserver/caddy/v2/modules/caddyhttp"
	"go.uber.org/zap"

	"github.com/openclaw-secure-stack/securestack/auditlog"
	"github.com/openclaw-secure-stack/securestack/auth"
	"github.com/openclaw-secure-stack/securestack/caddyplugin/providerguard/inbound"
	"github.com/openclaw-secure-stack/securestack/caddyplugin/providerguard/wire"
)

// refusal is a deliberate reply in the provider's error shape.
type refusal struct {
	status  int
	errType string
	code    string
	message string
	outcome auditlog.Outcome
	rules   []string
}

func refuse(status int, errType, code string, outcome auditlog.Outcome, format string, args ...any) *refusal {
	return &refusal{status: status, errType: errType, code: code, outcome: outcome, message: fmt.Sprintf(format, args...)}
}

func (g *Guard) ServeHTTP(w http.ResponseWriter, r *http.Request, next caddyhttp.Handler) error {
	ev := g.newEvent(r, "provider.request")
	if g.isListing(r) {
		return g.serveListing(w, r, next, ev)
	}
	if rf := g.checkRoute(r); rf != nil {
		return g.refuse(w, ev, rf)
	}
	if rf := g.authenticate(r, &ev); rf != nil {
		return g.refuse(w, ev, rf)
	}
	body, rf := g.readBody(w, r)
	if rf != nil {
		return g.refuse(w, ev, rf)
	}
	res, err := g.inspector.Inspect(body)
	if err != nil {
		var be *wire.BodyError
		if !errors.As(err, &be) {
			be = &wire.BodyError{Reason: err.Error()}
		}
		return g.refuse(w, ev, refuse(http.StatusBadRequest, wire.ErrInvalidRequest, "invalid_body", auditlog.OutcomeBadRequest,
			"%s; the guard does not forward what it cannot inspect", be.Error()))
	}
	g.recordInspection(&ev, res)
	if res.Rejected {
		rf := refuse(http.StatusBadRequest, wire.ErrInvalidRequest, "prompt_injection_detected", auditlog.OutcomeRejected,
			"the request was refused: text the agent read carries instructions aimed at the assistant (%s; rules: %s)",
			describe(res.Findings), strings.Join(res.Rules(), ", "))
		rf.rules = res.Rules()
		return g.refuse(w, ev, rf)
	}

	r.Body = io.NopCloser(bytes.NewReader(res.Body))
	r.ContentLength = int64(len(res.Body))
	r.Header.Set("Content-Length", strconv.Itoa(len(res.Body)))
	r.Header.Del("Transfer-Encoding")
	r.TransferEncoding = nil
	g.swapKey(r)
	// The reassembler reads plain text; Caddy's transport asks for gzip
	// itself and decompresses, and a response still encoded is refused.
	r.Header.Del("Accept-Encoding")

	// The record is written while the provider works on the request: a
	// durable audit write costs an fsync, which would otherwise add to the
	// time to first token. A stream's text is released as it arrives; no
	// tool call, no stream end and no other answer reaches the client
	// before the record is durable, and if it cannot be written the calls
	// are blocked and the answer ends in an error (the interceptor's gate).
	audited := make(chan error, 1)
	forwarded := res.Body
	go func() {
		// The digest of what the provider reads, hashed off the request's
		// path too.
		// (auditlog.PromptDigest's format, without copying the body.)
		sum := sha256.Sum256(forwarded)
		ev.Fields["prompt_sha256"], ev.Fields["prompt_len"] = hex.EncodeToString(sum[:]), len(forwarded)
		audited <- g.audit.Write(ev)
	}()
	requestsTotal.WithLabelValues(string(ev.Outcome)).Inc()

	ic := &interceptor{w: w, g: g, stream: res.Request.Stream, audited: audited, requestID: ev.RequestID}
	// A call is judged with the calls the history says came before it
	// (keystrokes typed into one terminal over several calls); the history
	// is read only when a call needs it.
	ic.decide = ic.gatedDecide(g.policy.DecideWith(func() []wire.ToolCall { return wire.PriorToolCalls(g.api, forwarded) }))
	ic.ra = wire.NewReassembler(g.api, ic.decide, g.blockMode)
	err = next.ServeHTTP(ic, r)
	ic.finish(err)
	g.auditResponse(r, ev.RequestID, ic, err)
	if ic.wrote {
		// What reached the client is final; an upstream error after it
		// (a cut stream) is recorded, not written twice.
		return nil
	}
	return err
}

func (g *Guard) newEvent(r *http.Request, kind string) auditlog.Event {
	repl, _ := r.Context().Value(caddy.ReplacerCtxKey).(*caddy.Replacer)
	var id string
	if repl != nil {
		id = repl.ReplaceAll("{http.request.uuid}", "")
	}
	ip, _ := caddyhttp.GetVar(r.Context(), caddyhttp.ClientIPVarKey).(string)
	return auditlog.Event{
		Event:     kind,
		RequestID: id,
		ClientIP:  ip,
		Route:     r.Method + " " + r.URL.Path,
		Rules:     []string{},
		Fields:    map[string]any{"api": g.API},
	}
}

// isListing reports a GET or HEAD of the provider's model listing.
func (g *Guard) isListing(r *http.Request) bool {
	return (r.Method == http.MethodGet || r.Method == http.MethodHead) && plainPath(r) && g.api.IsModelListing(r.URL.Path)
}

// plainPath reports a path spelled without escapes and without empty, "."
// or ".." segments: what the guard judges is then the path the provider
// resolves (an escaped "/" or a dot segment would take it elsewhere).
func plainPath(r *http.Request) bool {
	p := r.URL.EscapedPath()
	if !strings.HasPrefix(p, "/") || strings.Contains(p, "%") {
		return false
	}
	for _, s := range strings.Split(strings.TrimSuffix(p[1:], "/"), "/") {
		if s == "" || s == "." || s == ".." {
			return false
		}
	}
	return true
}

// serveListing forwards a model listing (OpenClaw asks for one while it
// retries a provider). It carries nothing the model reads and nothing comes
// back to the model, so there is nothing to inspect; the token is still
// checked, the provider key swapped in, and the request audited before it
// is forwarded. A listing with a body is refused: there is none to send.
func (g *Guard) serveListing(w http.ResponseWriter, r *http.Request, next caddyhttp.Handler, ev auditlog.Event) error {
	if rf := g.authenticate(r, &ev); rf != nil {
		return g.refuse(w, ev, rf)
	}
	if r.ContentLength != 0 || len(r.TransferEncoding) > 0 {
		return g.refuse(w, ev, refuse(http.StatusBadRequest, wire.ErrInvalidRequest, "invalid_body", auditlog.OutcomeBadRequest,
			"a model listing has no body; the guard does not forward what it cannot inspect"))
	}
	ev.Outcome = auditlog.OutcomeAllowed
	ev.Fields["listing"] = true
	if err := g.audit.Write(ev); err != nil {
		g.logger.Error("audit log write failed", zap.Error(err), zap.String("request_id", ev.RequestID))
		requestsTotal.WithLabelValues("audit_failed").Inc()
		g.writeError(w, http.StatusServiceUnavailable, wire.ErrAPI, "audit_failed", "the guard could not record the request, so it was not forwarded")
		return nil
	}
	requestsTotal.WithLabelValues(string(auditlog.OutcomeAllowed)).Inc()
	g.swapKey(r)
	return next.ServeHTTP(w, r)
}

// checkRoute accepts only a POST to the API's generation endpoint.
func (g *Guard) checkRoute(r *http.Request) *refusal {
	if !plainPath(r) || !g.api.Matches(r.URL.Path) {
		return refuse(http.StatusNotFound, wire.ErrNotFound, "not_found", auditlog.OutcomeNotFound,
			"%s is not the %s endpoint (%s) this guard serves", r.URL.Path, g.api, g.api.Endpoint())
	}
	if r.Method != http.MethodPost {
		return refuse(http.StatusMethodNotAllowed, wire.ErrInvalidRequest, "method_not_allowed", auditlog.OutcomeBadRequest,
			"%s is not allowed here; use POST", r.Method)
	}
	return nil
}

// authenticate checks the token OpenClaw presents as its apiKey, when the
// guard holds the provider's key.
func (g *Guard) authenticate(r *http.Request, ev *auditlog.Event) *refusal {
	if g.verifier == nil {
		return nil
	}
	secret := r.Header.Get("X-Api-Key")
	if secret == "" {
		var err error
		if secret, err = auth.BearerToken(r); err != nil {
			return refuse(http.StatusUnauthorized, wire.ErrAuthentication, "invalid_api_key", auditlog.OutcomeUnauthorized,
				"missing token: set the provider's apiKey in OpenClaw to a token of this guard")
		}
	}
	name, ok := g.verifier.Verify(secret)
	if !ok {
		return refuse(http.StatusUnauthorized, wire.ErrAuthentication, "invalid_api_key", auditlog.OutcomeUnauthorized,
			"invalid token: the apiKey OpenClaw sent is not one of this guard's tokens")
	}
	ev.TokenName = name
	return nil
}

// swapKey puts the provider key the guard holds in place of whatever the
// client sent. Without api_key_env the client's own key passes.
func (g *Guard) swapKey(r *http.Request) {
	if g.apiKey == "" {
		return
	}
	r.Header.Del("Authorization")
	r.Header.Del("X-Api-Key")
	if g.api == wire.Anthropic {
		r.Header.Set("X-Api-Key", g.apiKey)
	} else {
		r.Header.Set("Authorization", "Bearer "+g.apiKey)
	}
}

func (g *Guard) readBody(w http.ResponseWriter, r *http.Request) ([]byte, *refusal) {
	if ce := r.Header.Get("Content-Encoding"); ce != "" && !strings.EqualFold(ce, "identity") {
		return nil, refuse(http.StatusUnsupportedMediaType, wire.ErrInvalidRequest, "unsupported_content_encoding", auditlog.OutcomeBadRequest,
			"Content-Encoding %s is not accepted: the guard inspects plain JSON bodies only", ce)
	}
	if mt, _, err := mime.ParseMediaType(r.Header.Get("Content-Type")); err != nil || mt != "application/json" {
		return nil, refuse(http.StatusUnsupportedMediaType, wire.ErrInvalidRequest, "unsupported_media_type", auditlog.OutcomeBadRequest,
			"Content-Type must be application/json")
	}
	if r.ContentLength > g.MaxBody {
		return nil, g.tooLarge()
	}
	body, err := readAll(http.MaxBytesReader(w, r.Body, g.MaxBody), r.ContentLength)
	if err != nil {
		var mbe *http.MaxBytesError
		if errors.As(err, &mbe) {
			return nil, g.tooLarge()
		}
		return nil, refuse(http.StatusBadRequest, wire.ErrInvalidRequest, "invalid_body", auditlog.OutcomeBadRequest,
			"could not read the request body: %v", err)
	}
	return body, nil
}

func (g *Guard) tooLarge() *refusal {
	return refuse(http.StatusRequestEntityTooLarge, wire.ErrInvalidRequest, "request_too_large", auditlog.OutcomeTooLarge,
		"the request body is larger than the guard's max_body of %d bytes", g.MaxBody)
}

// recordInspection puts what the inspection did into the request's audit
// event: never a text, only where it was, its digest and the rules.
func (g *Guard) recordInspection(ev *auditlog.Event, res *inbound.Result) {
	f := ev.Fields
	f["model"] = res.Request.Model
	f["stream"] = res.Request.Stream
	f["texts_judged"], f["texts_cached"], f["texts_reused"] = res.Judged, res.Cached, res.Reused
	if res.Seams+res.SeamsCached > 0 {
		f["seam_windows_judged"], f["seam_windows_cached"] = res.Seams, res.SeamsCached
	}
	ev.Outcome = auditlog.OutcomeAllowed
	var fresh []inbound.Finding
	earlier := 0
	for i, fi := range res.Findings {
		if res.New[i] {
			fresh = append(fresh, fi)
		} else {
			earlier++
		}
		switch fi.Outcome {
		case auditlog.OutcomeNeutralized:
			ev.Outcome = auditlog.OutcomeNeutralized
			neutralizedTotal.Inc()
		case auditlog.OutcomeFlagged:
			if ev.Outcome == auditlog.OutcomeAllowed {
				ev.Outcome = auditlog.OutcomeFlagged
			}
		}
	}
	ev.Rules = res.Rules()
	if len(fresh) > 0 {
		f["findings"] = fresh
	}
	if earlier > 0 {
		f["findings_reapplied"] = earlier
	}
	if len(res.Redactions) > 0 {
		f["redactions"] = res.Redactions
		for k, c := range res.Redactions {
			redactionsTotal.WithLabelValues(k).Add(float64(c))
		}
	}
}

func describe(fs []inbound.Finding) string {
	var parts []string
	for _, f := range fs {
		if f.Outcome != auditlog.OutcomeRejected {
			continue
		}
		p := f.Path
		if f.CallID != "" {
			p += " (tool call " + f.CallID + ")"
		}
		parts = append(parts, p)
		if len(parts) == 3 {
			break
		}
	}
	return strings.Join(parts, ", ")
}

// refuse audits and writes a refusal.
func (g *Guard) refuse(w http.ResponseWriter, ev auditlog.Event, rf *refusal) error {
	ev.Outcome = rf.outcome
	if rf.rules != nil {
		ev.Rules = rf.rules
	}
	ev.Fields["status"] = rf.status
	ev.Fields["code"] = rf.code
	if err := g.audit.Write(ev); err != nil {
		g.logger.Error("audit log write failed", zap.Error(err), zap.String("request_id", ev.RequestID))
	}
	requestsTotal.WithLabelValues(string(rf.outcome)).Inc()
	if rf.status == http.StatusUnauthorized {
		w.Header().Set("WWW-Authenticate", `Bearer realm="openclaw_provider_guard"`)
	}
	g.writeError(w, rf.status, rf.errType, rf.code, rf.message)
	return nil
}

// writeError writes one error in the provider's shape, completely.
func (g *Guard) writeError(w http.ResponseWriter, status int, errType, code, message string) {
	body := wire.ErrorBody(g.api, errType, code, message)
	h := w.Header()
	h.Set("Content-Type", "application/json")
	h.Set("Content-Length", strconv.Itoa(len(body)))
	h.Set("Cache-Control", "no-store")
	w.WriteHeader(status)
	w.Write(body)
}

// readAll reads a body, in one allocation when its length is known.
func readAll(r io.Reader, n int64) ([]byte, error) {
	if n <= 0 {
		return io.ReadAll(r)
	}
	buf := make([]byte, n+1) // one more, to see a body longer than announced
	k, err := io.ReadFull(r, buf)
	switch err {
	case io.ErrUnexpectedEOF:
		return buf[:k], nil
	case nil:
		// Longer than Content-Length: the server cuts it there, and so do we.
		return buf[:n], nil
	}
	return nil, err
}
