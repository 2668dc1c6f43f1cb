package auth

import (
	"errors"
	"net/http"
	"strings"
)

// Errors from BearerToken. ErrNoToken is RFC 6750's "no authentication
// information" case (401 without an error code); the others are
// "invalid_request" (400).
var (
	ErrNoToken      = errors.New("no bearer token: send `Authorization: Bearer <token>`")
	ErrMultipleAuth = errors.New("more than one Authorization header")
	ErrNotBearer    = errors.New("authorization scheme is not Bearer")
	ErrMalformed    = errors.New("malformed bearer token")
	ErrTokenInQuery = errors.New("access_token in the query string is not accepted: send `Authorization: Bearer <token>`")
)

// BearerToken extracts the token from the request's Authorization header as
// RFC 6750 section 2.1 defines it: the scheme is case-insensitive, exactly one
// header is allowed, and the token is a b64token. A token in the query string
// (section 2.3) is refused, never used, so it cannot leak into logs upstream.
func BearerToken(r *http.Request) (string, error) {
	if r.URL != nil && r.URL.Query().Has("access_token") {
		return "", ErrTokenInQuery
	}
	values := r.Header.Values("Authorization")
	switch len(values) {
	case 0:
		return "", ErrNoToken
	case 1:
	default:
		return "", ErrMultipleAuth
	}
	scheme, token, ok := strings.Cut(values[0], " ")
	if !ok {
		if strings.EqualFold(values[0], "bearer") {
			return "", ErrMalformed
		}
		return "", ErrNotBearer
	}
	if !strings.EqualFold(scheme, "bearer") {
		return "", ErrNotBearer
	}
	token = strings.TrimLeft(token, " ")
	if !validSecret(token) {
		return "", ErrMalformed
	}
	return token, nil
}
