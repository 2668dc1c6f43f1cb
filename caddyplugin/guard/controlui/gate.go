package controlui

import (
	"errors"
	"io"
	"mime"
	"net/http"
	"net/url"
	"strconv"
	"strings"
	"time"

	"github.com/openclaw-secure-stack/securestack/auth"
	"github.com/openclaw-secure-stack/securestack/auth/session"
	"github.com/openclaw-secure-stack/securestack/caddyplugin/guard/wsfirewall"
)

// The guard's own pages. They sit under a prefix OpenClaw does not use
// (its own are /__openclaw__/...).
const (
	LoginPath  = "/__openclaw_guard/login"
	LogoutPath = "/__openclaw_guard/logout"
)

// Verifier checks a token's secret; *auth.Verifier is one.
type Verifier interface {
	Verify(secret string) (name string, ok bool)
}

// Limiter counts failed attempts per client; *auth.Limiter is one. The
// login form shares the bearer token's limiter, so guessing through the
// form is no faster than guessing with a header.
type Limiter interface {
	Allow(client string) (ok bool, retryAfter time.Duration)
	Fail(client string)
}

// Outcome is what became of a login or logout; the host maps it to its
// audit vocabulary (auditlog.Outcome) and names the event after it.
type Outcome string

const (
	OutcomeLogin            Outcome = "login"
	OutcomeLoginFailed      Outcome = "login_failed"
	OutcomeLoginRateLimited Outcome = "login_rate_limited"
	OutcomeLoginRefused     Outcome = "login_refused" // a bad form, origin or role; Reason says which
	OutcomeLogout           Outcome = "logout"
)

// Event is something the Gate did that the host audits.
type Event struct {
	Outcome   Outcome
	TokenName string
	Role      string
	ClientIP  string
	// Reason says why a login was refused.
	Reason string
}

// Gate serves the login and logout pages and finds the session of a
// request. The host (openclaw_guard) routes LoginPath and LogoutPath to
// ServeLogin and ServeLogout, and calls Session for every other request
// that has no bearer token.
type Gate struct {
	Verifier Verifier
	Limiter  Limiter
	Sessions *session.Store
	// RoleOf returns the role of a token name. A token without a role cannot
	// log in to the Control UI.
	RoleOf func(tokenName string) (role string, ok bool)
	// Secure reports whether the browser reached the guard over TLS (it
	// decides the cookie's name and Secure flag and the expected Origin).
	// nil means r.TLS != nil.
	Secure func(r *http.Request) bool
	// AllowedOrigins may post the login form and open the socket besides the
	// guard's own origin.
	AllowedOrigins []string
	// ClientIP is the client address for the limiter and the audit log. nil
	// means r.RemoteAddr's host.
	ClientIP func(r *http.Request) string
	// Audit records an Event; the host writes it to its audit log.
	Audit func(r *http.Request, e Event)
}

func (g *Gate) secure(r *http.Request) bool {
	if g.Secure != nil {
		return g.Secure(r)
	}
	return r.TLS != nil
}

func (g *Gate) clientIP(r *http.Request) string {
	if g.ClientIP != nil {
		return g.ClientIP(r)
	}
	host := r.RemoteAddr
	if i := strings.LastIndexByte(host, ':'); i >= 0 {
		host = host[:i]
	}
	return strings.Trim(host, "[]")
}

func (g *Gate) audit(r *http.Request, e Event) {
	if e.ClientIP == "" {
		e.ClientIP = g.clientIP(r)
	}
	if g.Audit != nil {
		g.Audit(r, e)
	}
}

// Session returns the live session of a request's cookie.
func (g *Gate) Session(r *http.Request) (id string, s session.Session, ok bool) {
	id, err := session.FromRequest(r, g.secure(r))
	if err != nil {
		return "", session.Session{}, false
	}
	s, ok = g.Sessions.Lookup(id)
	return id, s, ok
}

// ServeLogin shows the login page (GET, HEAD) or logs in (POST).
func (g *Gate) ServeLogin(w http.ResponseWriter, r *http.Request) {
	switch r.Method {
	case http.MethodGet, http.MethodHead:
		next := r.URL.Query().Get("next")
		if !SafeNext(next) {
			next = "/"
		}
		writePage(w, http.StatusOK, "login", pageData{Action: LoginPath, Next: next})
	case http.MethodPost:
		g.login(w, r)
	default:
		w.Header().Set("Allow", "GET, HEAD, POST")
		http.Error(w, "method not allowed", http.StatusMethodNotAllowed)
	}
}

func (g *Gate) login(w http.ResponseWriter, r *http.Request) {
	ip := g.clientIP(r)
	refuse := func(status int, reason, shown, next string) {
		g.audit(r, Event{Outcome: OutcomeLoginRefused, ClientIP: ip, Reason: reason})
		writePage(w, status, "login", pageData{Action: LoginPath, Next: next, Error: shown})
	}
	// Login CSRF: another site must not log a browser in under a token of
	// its choosing.
	if err := g.sameOrigin(r); err != nil {
		refuse(http.StatusForbidden, "cross_origin", "This form must be sent from this site.", "/")
		return
	}
	body, err := readForm(w, r)
	if err != nil {
		refuse(http.StatusBadRequest, "bad_form", err.Error(), "/")
		return
	}
	form, err := ParseLoginForm(body)
	if err != nil {
		var fe *FormError
		shown := "The form could not be read."
		if errors.As(err, &fe) {
			shown = fe.Error()
		}
		refuse(http.StatusBadRequest, "bad_form", shown, "/")
		return
	}
	if ok, retry := g.Limiter.Allow(ip); !ok {
		secs := int(retry / time.Second)
		g.audit(r, Event{Outcome: OutcomeLoginRateLimited, ClientIP: ip})
		w.Header().Set("Retry-After", strconv.Itoa(secs))
		writePage(w, http.StatusTooManyRequests, "login", pageData{Action: LoginPath, Next: form.Next,
			Error: "Too many failed attempts. Try again in " + strconv.Itoa(secs) + " seconds."})
		return
	}
	name, ok := g.Verifier.Verify(form.Token)
	if !ok {
		g.Limiter.Fail(ip)
		g.audit(r, Event{Outcome: OutcomeLoginFailed, ClientIP: ip, Reason: "invalid_token"})
		writePage(w, http.StatusUnauthorized, "login", pageData{Action: LoginPath, Next: form.Next, Error: "That token is not valid."})
		return
	}
	role, ok := g.RoleOf(name)
	if !ok {
		g.audit(r, Event{Outcome: OutcomeLoginRefused, TokenName: name, ClientIP: ip, Reason: "no_role"})
		writePage(w, http.StatusForbidden, "login", pageData{Action: LoginPath, Next: form.Next,
			Error: "This token has no Control UI role; ask the operator to give it one."})
		return
	}
	id, s, err := g.Sessions.Create(name, auth.DigestOf(form.Token), role)
	if err != nil {
		g.audit(r, Event{Outcome: OutcomeLoginRefused, TokenName: name, ClientIP: ip, Reason: "session_store"})
		writePage(w, http.StatusServiceUnavailable, "login", pageData{Action: LoginPath, Next: form.Next, Error: err.Error()})
		return
	}
	// A session cookie already in the browser (another login) is replaced;
	// its session stays until it expires, so end it now.
	if old, err := session.FromRequest(r, g.secure(r)); err == nil {
		g.Sessions.Delete(old)
	}
	g.audit(r, Event{Outcome: OutcomeLogin, TokenName: name, Role: role, ClientIP: ip})
	http.SetCookie(w, session.Cookie(id, s.Expires, g.secure(r)))
	w.Header().Set("Cache-Control", "no-store")
	http.Redirect(w, r, form.Next, http.StatusSeeOther)
}

// ServeLogout shows the logout page (GET, HEAD) or logs out (POST). A
// logout needs the session's CSRF value from the page, the same origin,
// and the SameSite=Strict cookie: no other site can end a session.
func (g *Gate) ServeLogout(w http.ResponseWriter, r *http.Request) {
	id, s, ok := g.Session(r)
	switch r.Method {
	case http.MethodGet, http.MethodHead:
		if !ok {
			http.Redirect(w, r, LoginPath, http.StatusSeeOther)
			return
		}
		writePage(w, http.StatusOK, "logout", pageData{Action: LogoutPath, User: s.TokenName, Role: s.Role, CSRF: s.CSRF})
	case http.MethodPost:
		if err := g.sameOrigin(r); err != nil {
			http.Error(w, "openclaw_guard: the logout form must be sent from this site", http.StatusForbidden)
			return
		}
		body, err := readForm(w, r)
		if err != nil {
			http.Error(w, "openclaw_guard: "+err.Error(), http.StatusBadRequest)
			return
		}
		csrf, err := ParseLogoutForm(body)
		if err != nil || !ok || !g.Sessions.CheckCSRF(id, csrf) {
			http.Error(w, "openclaw_guard: not logged out: the form is stale or not from this site; reload the logout page", http.StatusForbidden)
			return
		}
		g.Sessions.Delete(id)
		g.audit(r, Event{Outcome: OutcomeLogout, TokenName: s.TokenName, Role: s.Role})
		http.SetCookie(w, session.ClearCookie(g.secure(r)))
		w.Header().Set("Cache-Control", "no-store")
		http.Redirect(w, r, LoginPath, http.StatusSeeOther)
	default:
		w.Header().Set("Allow", "GET, HEAD, POST")
		http.Error(w, "method not allowed", http.StatusMethodNotAllowed)
	}
}

// sameOrigin refuses a form post that a browser says came from another
// site. Browsers send Origin (and Sec-Fetch-Site) on every POST; a client
// that sends neither is not a browser, and cannot be tricked into posting.
func (g *Gate) sameOrigin(r *http.Request) error {
	if site := r.Header.Get("Sec-Fetch-Site"); site != "" && site != "same-origin" && site != "none" {
		return wsfirewall.ErrCrossOrigin
	}
	if len(r.Header.Values("Origin")) == 0 {
		return nil
	}
	return wsfirewall.CheckOrigin(r, g.secure(r), g.AllowedOrigins)
}

func readForm(w http.ResponseWriter, r *http.Request) ([]byte, error) {
	if mt, _, err := mime.ParseMediaType(r.Header.Get("Content-Type")); err != nil || mt != "application/x-www-form-urlencoded" {
		return nil, errNotForm
	}
	body, err := io.ReadAll(http.MaxBytesReader(w, r.Body, MaxFormBytes))
	if err != nil {
		return nil, formErr("the form is larger than %d bytes", MaxFormBytes)
	}
	return body, nil
}

// WantsLoginPage reports whether an unauthenticated request is a browser
// navigating to a page, which is sent to the login page rather than given
// a bare 401.
func WantsLoginPage(r *http.Request) bool {
	if r.Method != http.MethodGet && r.Method != http.MethodHead {
		return false
	}
	if wsfirewall.IsUpgrade(r) {
		return false
	}
	if mode := r.Header.Get("Sec-Fetch-Mode"); mode != "" {
		return mode == "navigate"
	}
	return strings.Contains(r.Header.Get("Accept"), "text/html")
}

// LoginRedirect sends a browser to the login page, to come back to the
// page it asked for.
func LoginRedirect(w http.ResponseWriter, r *http.Request) {
	next := r.URL.RequestURI()
	target := LoginPath
	if SafeNext(next) && next != "/" {
		target += "?next=" + url.QueryEscape(next)
	}
	w.Header().Set("Cache-Control", "no-store")
	http.Redirect(w, r, target, http.StatusSeeOther)
}
