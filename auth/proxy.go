package auth

import (
	"encoding/base64"
	"errors"
	"net/http"
	"strings"
)

// ErrNoProxyCredentials is ProxyCredentials' error when the request carries
// no Proxy-Authorization header (407 without further detail).
var ErrNoProxyCredentials = errors.New("no proxy credentials: send `Proxy-Authorization: Basic base64(NAME:SECRET)` (a proxy URL of http://NAME:SECRET@host:port does this) or `Proxy-Authorization: Bearer SECRET`")

// ProxyCredentials reads a forward proxy's Proxy-Authorization header
// (RFC 9110, section 11.7.4). Two schemes are accepted, since proxy clients
// send one or the other:
//   - Basic, as every client does for a proxy URL with userinfo
//     (http://NAME:SECRET@proxy:3128): name is the token's NAME, which the
//     caller must check against the name the secret verifies as;
//   - Bearer SECRET: name is empty.
//
// Exactly one header is allowed, and the secret must be a valid token
// secret (see ParseToken).
func ProxyCredentials(h http.Header) (name, secret string, err error) {
	values := h.Values("Proxy-Authorization")
	switch len(values) {
	case 0:
		return "", "", ErrNoProxyCredentials
	case 1:
	default:
		return "", "", errors.New("more than one Proxy-Authorization header")
	}
	scheme, rest, _ := strings.Cut(values[0], " ")
	rest = strings.TrimLeft(rest, " ")
	switch {
	case strings.EqualFold(scheme, "basic"):
		raw, err := base64.StdEncoding.DecodeString(rest)
		if err != nil {
			return "", "", errors.New("malformed Basic proxy credentials: not base64")
		}
		name, secret, ok := strings.Cut(string(raw), ":")
		if !ok || !validName(name) || !validSecret(secret) {
			return "", "", errors.New("malformed Basic proxy credentials: want NAME:SECRET, with the token's name and secret")
		}
		return name, secret, nil
	case strings.EqualFold(scheme, "bearer"):
		if !validSecret(rest) {
			return "", "", ErrMalformed
		}
		return "", rest, nil
	}
	return "", "", errors.New("proxy authorization scheme is neither Basic nor Bearer")
}
