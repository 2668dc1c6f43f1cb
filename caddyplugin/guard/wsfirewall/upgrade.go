package wsfirewall

import (
	"errors"
	"fmt"
	"net/http"
	"net/url"
	"strings"
)

// Errors from CheckOrigin.
var (
	ErrNoOrigin    = errors.New("the WebSocket upgrade has no Origin header")
	ErrBadOrigin   = errors.New("the WebSocket upgrade's Origin is malformed")
	ErrCrossOrigin = errors.New("the WebSocket upgrade comes from another origin")
)

// IsUpgrade reports whether r asks for a WebSocket upgrade.
func IsUpgrade(r *http.Request) bool {
	return headerHasToken(r.Header, "Connection", "upgrade") && strings.EqualFold(r.Header.Get("Upgrade"), "websocket")
}

// PrepareUpgrade checks that r is an upgrade the relay can firewall and
// removes Sec-WebSocket-Extensions, so the gateway negotiates none (OpenClaw
// offers no permessage-deflate anyway): a compressed frame could not be
// judged. WebSocket over HTTP/2 or HTTP/3 (extended CONNECT) does not
// hijack a connection, so it is refused: the client falls back to HTTP/1.1.
func PrepareUpgrade(r *http.Request) error {
	switch {
	case r.ProtoMajor != 1:
		return fmt.Errorf("WebSocket over HTTP/%d is not relayed; use HTTP/1.1", r.ProtoMajor)
	case r.Method != http.MethodGet:
		return errors.New("a WebSocket upgrade must be a GET")
	case !IsUpgrade(r):
		return errors.New("not a WebSocket upgrade")
	case r.Header.Get("Sec-WebSocket-Version") != "13":
		return errors.New("only WebSocket version 13 is relayed")
	case r.Header.Get("Sec-WebSocket-Key") == "":
		return errors.New("the WebSocket upgrade has no Sec-WebSocket-Key")
	}
	r.Header.Del("Sec-WebSocket-Extensions")
	return nil
}

// CheckOrigin checks a WebSocket upgrade's Origin: the guard's own origin
// (scheme by secure, host from the request's Host) or one of allowed
// ("https://ui.example.com"; scheme, host and port compared without case,
// a default port may be left out). Browsers always send Origin on a
// WebSocket; the caller decides whether a missing one (a non-browser
// client) is acceptable, ErrNoOrigin.
func CheckOrigin(r *http.Request, secure bool, allowed []string) error {
	values := r.Header.Values("Origin")
	if len(values) == 0 {
		return ErrNoOrigin
	}
	if len(values) > 1 {
		return ErrBadOrigin
	}
	got, ok := normalizeOrigin(values[0])
	if !ok {
		return ErrBadOrigin
	}
	scheme := "http"
	if secure {
		scheme = "https"
	}
	if self, ok := normalizeOrigin(scheme + "://" + r.Host); ok && got == self {
		return nil
	}
	for _, a := range allowed {
		if want, ok := normalizeOrigin(a); ok && got == want {
			return nil
		}
	}
	return fmt.Errorf("%w: %s", ErrCrossOrigin, values[0])
}

// ValidOrigin reports whether s is an origin CheckOrigin can compare.
func ValidOrigin(s string) bool {
	_, ok := normalizeOrigin(s)
	return ok
}

func normalizeOrigin(s string) (string, bool) {
	u, err := url.Parse(s)
	if err != nil || u.Host == "" || u.User != nil || (u.Path != "" && u.Path != "/") || u.RawQuery != "" || u.Fragment != "" {
		return "", false
	}
	scheme := strings.ToLower(u.Scheme)
	if scheme != "http" && scheme != "https" {
		return "", false
	}
	host, port := strings.ToLower(u.Hostname()), u.Port()
	if port == "" || (scheme == "http" && port == "80") || (scheme == "https" && port == "443") {
		port = ""
	}
	if strings.Contains(host, ":") {
		host = "[" + host + "]"
	}
	if port != "" {
		host += ":" + port
	}
	return scheme + "://" + host, true
}

func headerHasToken(h http.Header, name, token string) bool {
	for _, v := range h.Values(name) {
		for _, t := range strings.Split(v, ",") {
			if strings.EqualFold(strings.TrimSpace(t), token) {
				return true
			}
		}
	}
	return false
}
