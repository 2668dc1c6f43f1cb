package guard

import (
	"errors"
	"net/http"
	"strconv"

	"github.com/openclaw-secure-stack/securestack/auditlog"
	"github.com/openclaw-secure-stack/securestack/auth"
	"github.com/openclaw-secure-stack/securestack/caddyplugin/internal/apierror"
)

// authFailure is why a credential was refused; its reason is the metric
// label (a fixed, small set).
type authFailure struct {
	reason string
	rej    *rejection
}

// A credentialSource finds a client's credential in a request and checks
// it. found is false when the request carries none of its kind, so that the
// next source is asked. The guard asks its sources in order: the bearer
// header today; issue 18 puts the browser session cookie in the same list,
// so a session passes the same limiter, audit and metrics.
type credentialSource interface {
	credential(g *Guard, r *http.Request) (name string, found bool, fail *authFailure)
}

// bearerSource is `Authorization: Bearer <token>` (RFC 6750).
type bearerSource struct{}

func (bearerSource) credential(g *Guard, r *http.Request) (string, bool, *authFailure) {
	secret, err := auth.BearerToken(r)
	switch {
	case errors.Is(err, auth.ErrNoToken):
		return "", false, nil
	case errors.Is(err, auth.ErrNotBearer):
		return "", true, &authFailure{"not_bearer", unauthorized("the Authorization scheme is not Bearer: send `Authorization: Bearer <token>`")}
	case errors.Is(err, auth.ErrTokenInQuery):
		return "", true, &authFailure{"token_in_query", badCredential(err)}
	case errors.Is(err, auth.ErrMultipleAuth):
		return "", true, &authFailure{"multiple", badCredential(err)}
	case err != nil:
		return "", true, &authFailure{"malformed", badCredential(err)}
	}
	name, ok := g.tokens.Verify(secret)
	if !ok {
		return "", true, &authFailure{"invalid", unauthorized("invalid bearer token")}
	}
	return name, true, nil
}

// authenticate admits a request with a valid credential. Every failure
// costs the client one of its failed attempts.
func (g *Guard) authenticate(r *http.Request, ev *auditlog.Event) *rejection {
	if ok, retry := g.limiter.Allow(ev.ClientIP); !ok {
		secs := int(retry.Seconds())
		authFailures.WithLabelValues("rate_limited").Inc()
		return &rejection{status: http.StatusTooManyRequests, errType: apierror.TypeRateLimit, code: "too_many_failed_attempts",
			message: "too many failed authentication attempts; retry after " + strconv.Itoa(secs) + "s",
			outcome: auditlog.OutcomeRateLimited, retryAfter: secs}
	}
	for _, src := range g.credentials {
		name, found, fail := src.credential(g, r)
		if !found {
			continue
		}
		if fail != nil {
			g.limiter.Fail(ev.ClientIP)
			authFailures.WithLabelValues(fail.reason).Inc()
			return fail.rej
		}
		ev.TokenName = name
		return nil
	}
	g.limiter.Fail(ev.ClientIP)
	authFailures.WithLabelValues("missing").Inc()
	return unauthorized("missing bearer token: send `Authorization: Bearer <token>`")
}

func unauthorized(msg string) *rejection {
	return refuse(http.StatusUnauthorized, apierror.TypeAuthentication, "invalid_token", auditlog.OutcomeUnauthorized, msg)
}

func badCredential(err error) *rejection {
	return refuse(http.StatusBadRequest, apierror.TypeInvalidRequest, "invalid_request", auditlog.OutcomeBadRequest, err.Error())
}
