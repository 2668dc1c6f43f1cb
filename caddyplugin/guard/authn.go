package guard

import (
	"errors"
	"net/http"
	"strconv"

	"github.com/openclaw-secure-stack/securestack/auditlog"
	"github.com/openclaw-secure-stack/securestack/auth"
	"github.com/openclaw-secure-stack/securestack/auth/session"
	"github.com/openclaw-secure-stack/securestack/caddyplugin/guard/controlui"
	"github.com/openclaw-secure-stack/securestack/caddyplugin/guard/wsfirewall"
	"github.com/openclaw-secure-stack/securestack/caddyplugin/internal/apierror"
)

// authFailure is why a credential was refused; its reason is the metric
// label (a fixed, small set).
type authFailure struct {
	reason string
	rej    *rejection
	// free: the failure costs no failed attempt (a session cookie the guard
	// no longer holds: there is nothing to guess in a 256-bit id).
	free bool
}

// reqState is what authentication learned about a request.
type reqState struct {
	// cookies are the client's Cookie headers, taken before cleanHeaders
	// removes them: only the guard reads them.
	cookies []string
	// session and role are set when a Control UI session authenticated it.
	session *session.Session
	role    wsfirewall.Role
}

// A credentialSource finds a client's credential in a request and checks
// it. found is false when the request carries none of its kind, so that the
// next source is asked. The guard asks its sources in order: the bearer
// header, then (with control_ui) the browser session cookie, so a session
// passes the same limiter, audit and metrics.
type credentialSource interface {
	credential(g *Guard, r *http.Request, st *reqState) (name string, found bool, fail *authFailure)
}

// bearerSource is `Authorization: Bearer <token>` (RFC 6750).
type bearerSource struct{}

func (bearerSource) credential(g *Guard, r *http.Request, _ *reqState) (string, bool, *authFailure) {
	secret, err := auth.BearerToken(r)
	switch {
	case errors.Is(err, auth.ErrNoToken):
		return "", false, nil
	case errors.Is(err, auth.ErrNotBearer):
		return "", true, &authFailure{reason: "not_bearer", rej: unauthorized("the Authorization scheme is not Bearer: send `Authorization: Bearer <token>`")}
	case errors.Is(err, auth.ErrTokenInQuery):
		return "", true, &authFailure{reason: "token_in_query", rej: badCredential(err)}
	case errors.Is(err, auth.ErrMultipleAuth):
		return "", true, &authFailure{reason: "multiple", rej: badCredential(err)}
	case err != nil:
		return "", true, &authFailure{reason: "malformed", rej: badCredential(err)}
	}
	name, ok := g.tokens.Verify(secret)
	if !ok {
		return "", true, &authFailure{reason: "invalid", rej: unauthorized("invalid bearer token")}
	}
	return name, true, nil
}

// authenticate admits a request with a valid credential. Every failure
// costs the client one of its failed attempts.
func (g *Guard) authenticate(r *http.Request, ev *auditlog.Event, st *reqState) *rejection {
	if ok, retry := g.limiter.Allow(ev.ClientIP); !ok {
		secs := int(retry.Seconds())
		authFailures.WithLabelValues("rate_limited").Inc()
		return &rejection{status: http.StatusTooManyRequests, errType: apierror.TypeRateLimit, code: "too_many_failed_attempts",
			message: "too many failed authentication attempts; retry after " + strconv.Itoa(secs) + "s",
			outcome: auditlog.OutcomeRateLimited, retryAfter: secs}
	}
	for _, src := range g.credentials {
		name, found, fail := src.credential(g, r, st)
		if !found {
			continue
		}
		if fail != nil {
			if !fail.free {
				g.limiter.Fail(ev.ClientIP)
			}
			authFailures.WithLabelValues(fail.reason).Inc()
			return fail.rej
		}
		ev.TokenName = name
		return nil
	}
	authFailures.WithLabelValues("missing").Inc()
	if g.ui != nil {
		// A browser without a session makes credential-less requests by
		// the dozen (assets, socket reconnects after a logout); they guess
		// nothing, and must not lock its user out of the login form.
		return unauthorized("missing credential: log in at " + controlui.LoginPath + " or send `Authorization: Bearer <token>`")
	}
	g.limiter.Fail(ev.ClientIP)
	return unauthorized("missing bearer token: send `Authorization: Bearer <token>`")
}

func unauthorized(msg string) *rejection {
	return refuse(http.StatusUnauthorized, apierror.TypeAuthentication, "invalid_token", auditlog.OutcomeUnauthorized, msg)
}

func badCredential(err error) *rejection {
	return refuse(http.StatusBadRequest, apierror.TypeInvalidRequest, "invalid_request", auditlog.OutcomeBadRequest, err.Error())
}
