package guard

import (
	"net/http"
	"net/netip"
	"strings"
)

// cleanHeaders removes what a client may not tell the gateway, before
// anything else looks at the request:
//   - every x-openclaw-* header: OpenClaw acts on them (model, agent,
//     session, scopes, its hook token, ...), so only the operator may set
//     them;
//   - Cookie: the gateway's Control UI would read it; a guard session
//     cookie (issue 18) is consumed by the guard, never forwarded;
//   - request trailers: they arrive after the body the guard judged, so the
//     declaration and whatever the body reader collects are both dropped;
//   - forwarding claims (see forwardIdentity).
func cleanHeaders(r *http.Request, clientIP string) {
	h := r.Header
	for k := range h {
		if StripsClientHeader(k) {
			delete(h, k)
		}
	}
	delete(h, "Cookie")
	delete(h, "Trailer")
	r.Trailer = nil
	forwardIdentity(r, clientIP)
}

// forwardIdentity controls what the gateway learns about the client. OpenClaw
// attributes a request to a client from X-Forwarded-For when the guard is in
// gateway.trustedProxies, and refuses (403 proxy_attribution_required) a
// forwarded client that is itself on loopback, so that a same-host proxy
// cannot make remote clients look local. So:
//   - Forwarded, X-Real-IP and any X-Forwarded-* other than For, Proto and
//     Host are the client's claims and are removed (cleanHeaders,
//     StripsClientHeader); reverse_proxy rebuilds
//     X-Forwarded-For/-Proto/-Host from what it knows (honouring Caddy's
//     trusted_proxies);
//   - a client on loopback is sent without X-Forwarded-* (a nil header tells
//     reverse_proxy to omit it): the gateway then sees what is true, a local
//     request, which that client could make directly anyway.
func forwardIdentity(r *http.Request, clientIP string) {
	if ip, err := netip.ParseAddr(clientIP); err == nil && ip.Unmap().IsLoopback() {
		for _, k := range []string{"X-Forwarded-For", "X-Forwarded-Proto", "X-Forwarded-Host"} {
			r.Header[k] = nil
		}
	}
}

// StripsClientHeader tells whether the guard removes a client's header of
// this name from every request it forwards, whatever its config: the
// X-OpenClaw-* headers the gateway reads as the guard's word, and the
// client's claims about itself (Forwarded, X-Real-IP, X-Forwarded-* other
// than For, Proto and Host, which reverse_proxy rebuilds; see forwardIdentity).
// stackaudit's OC_USER_HEADER_UNGUARDED relies on it.
func StripsClientHeader(k string) bool {
	switch {
	case len(k) >= 11 && strings.EqualFold(k[:11], "x-openclaw-"):
		return true
	case strings.EqualFold(k, "forwarded") || strings.EqualFold(k, "x-real-ip"):
		return true
	case len(k) > 12 && strings.EqualFold(k[:12], "x-forwarded-"):
		return !strings.EqualFold(k, "x-forwarded-for") && !strings.EqualFold(k, "x-forwarded-proto") && !strings.EqualFold(k, "x-forwarded-host")
	}
	return false
}
