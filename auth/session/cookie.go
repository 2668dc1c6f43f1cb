package session

import (
	"errors"
	"net/http"
	"strings"
	"time"
)

// Cookie names. Browsers accept a `__Host-` cookie only with Secure, Path=/
// and no Domain, which pins it to the exact origin that set it: no sibling
// subdomain can set or shadow it. Secure cookies need TLS, so a guard served
// over plain HTTP (a loopback development setup) uses the unprefixed name,
// and the two are never mixed: each request reads only the name that its
// own scheme would have set.
const (
	SecureCookieName   = "__Host-openclaw-session"
	InsecureCookieName = "openclaw-session"
)

// Errors from FromRequest.
var (
	ErrNoCookie        = errors.New("no session cookie")
	ErrDuplicateCookie = errors.New("more than one session cookie: log in again")
	ErrMalformedCookie = errors.New("malformed session cookie: log in again")
)

// CookieName is the session cookie's name for a request served with (secure)
// or without TLS.
func CookieName(secure bool) string {
	if secure {
		return SecureCookieName
	}
	return InsecureCookieName
}

// Cookie is the Set-Cookie for a new session: HttpOnly (no script reads it),
// SameSite=Strict (no cross-site request carries it), Path=/ and no Domain
// (this origin only), Secure and `__Host-` when served over TLS, and an
// expiry equal to the session's.
func Cookie(id string, expires time.Time, secure bool) *http.Cookie {
	return &http.Cookie{
		Name:     CookieName(secure),
		Value:    id,
		Path:     "/",
		Expires:  expires.UTC(),
		MaxAge:   max(1, int(time.Until(expires).Seconds())),
		Secure:   secure,
		HttpOnly: true,
		SameSite: http.SameSiteStrictMode,
	}
}

// ClearCookie is the Set-Cookie that removes the session cookie (logout).
func ClearCookie(secure bool) *http.Cookie {
	return &http.Cookie{
		Name:     CookieName(secure),
		Value:    "",
		Path:     "/",
		MaxAge:   -1,
		Secure:   secure,
		HttpOnly: true,
		SameSite: http.SameSiteStrictMode,
	}
}

// FromRequest returns the session id in the request's cookie. Two cookies of
// that name are refused rather than one picked: a second copy can only come
// from a cookie-tossing attempt. A value that is not a session id's shape is
// refused before any lookup.
func FromRequest(r *http.Request, secure bool) (string, error) {
	name := CookieName(secure)
	var found []string
	for _, c := range r.CookiesNamed(name) {
		found = append(found, c.Value)
	}
	switch len(found) {
	case 0:
		return "", ErrNoCookie
	case 1:
	default:
		return "", ErrDuplicateCookie
	}
	if !ValidID(found[0]) {
		return "", ErrMalformedCookie
	}
	return found[0], nil
}

// StripCookie removes both session cookie names from the request's Cookie
// headers and keeps every other cookie, so the gateway never sees a session
// id. A Cookie header left empty is removed.
func StripCookie(h http.Header) {
	values := h.Values("Cookie")
	if len(values) == 0 {
		return
	}
	var kept []string
	for _, line := range values {
		var parts []string
		for _, part := range strings.Split(line, ";") {
			name, _, _ := strings.Cut(strings.TrimSpace(part), "=")
			if name == SecureCookieName || name == InsecureCookieName || strings.TrimSpace(part) == "" {
				continue
			}
			parts = append(parts, strings.TrimSpace(part))
		}
		if len(parts) > 0 {
			kept = append(kept, strings.Join(parts, "; "))
		}
	}
	if len(kept) == 0 {
		h.Del("Cookie")
		return
	}
	h["Cookie"] = kept
}
