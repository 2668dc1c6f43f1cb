package controlui

import (
	"net/http"
	"net/netip"
	"strings"
)

// ScopesHeader is OpenClaw's connection scope cap: on a trusted-proxy
// request it keeps only the listed operator scopes (docs/gateway/
// trusted-proxy-auth.md, "Operator scopes header"). It narrows, never grants.
const ScopesHeader = "X-Openclaw-Scopes"

// DefaultUserHeader is the identity header the guard sends unless
// configured otherwise; OpenClaw reads it from
// gateway.auth.trustedProxy.userHeader.
const DefaultUserHeader = "X-Forwarded-User"

// LoopbackClient is the address the guard gives OpenClaw for a client on
// the guard's own loopback interface. OpenClaw's trusted-proxy mode refuses
// a request whose X-Forwarded-For chain ends in loopback, and one with no
// forwarding headers at all (both proxy_attribution_required, verified
// against 2026.9.6): a same-host browser behind a same-host guard cannot be
// named truthfully. 100::1 is in the IPv6 discard-only prefix (RFC 6666), so
// it can be no real client: OpenClaw attributes the request to a remote
// client, never to a local one, and grants no local automatic pairing.
var LoopbackClient = netip.MustParseAddr("100::1")

// SetIdentity puts the session's identity on a request to be forwarded:
// every client copy of the user header and of the scope cap is removed
// first (any spelling), then the token name and the role's scope cap are
// set. It runs on every forwarded request, the WebSocket upgrade included.
func SetIdentity(h http.Header, userHeader, user, scopeCap string) {
	for k := range h {
		if strings.EqualFold(k, userHeader) || strings.EqualFold(k, ScopesHeader) {
			delete(h, k)
		}
	}
	h.Set(userHeader, user)
	h.Set(ScopesHeader, scopeCap)
}

// StripIdentity removes every client copy of the user header and the scope
// cap from a request forwarded without a session (a bearer-token client
// keeps none of them either).
func StripIdentity(h http.Header, userHeader string) {
	for k := range h {
		if strings.EqualFold(k, userHeader) || strings.EqualFold(k, ScopesHeader) {
			delete(h, k)
		}
	}
}

// ForwardedFor is the X-Forwarded-For value for a client: its own address,
// or LoopbackClient for a client on loopback. A client address that cannot
// be parsed gives "" and the request must not be forwarded.
func ForwardedFor(clientIP string) string {
	ip, err := netip.ParseAddr(clientIP)
	if err != nil {
		return ""
	}
	ip = ip.Unmap()
	if ip.IsLoopback() {
		return LoopbackClient.String()
	}
	return ip.String()
}
