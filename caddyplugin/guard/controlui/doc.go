// Package controlui is what openclaw_guard needs to put OpenClaw's Control
// UI behind it, without Caddy: the login and logout pages and their forms,
// the browser session of a request, and the identity the guard forwards to
// an OpenClaw gateway in trusted-proxy mode.
//
// A browser cannot put a bearer token on a page load or a WebSocket, so
// the guard serves its own login page (LoginPath). The token typed there is
// checked by the same Verifier and Limiter as a bearer token; a good one
// starts a server-side session (auth/session) whose cookie is HttpOnly,
// SameSite=Strict, and __Host-/Secure over TLS. Every forwarded request of
// the session then carries the token's name in the user header and the
// role's scope cap (SetIdentity), and its WebSocket is judged by
// wsfirewall.
//
//	gate := &controlui.Gate{Verifier: v, Limiter: lim, Sessions: store, RoleOf: roles, Audit: audit}
//	mux.HandleFunc(controlui.LoginPath, gate.ServeLogin)
//	mux.HandleFunc(controlui.LogoutPath, gate.ServeLogout)
//	if _, s, ok := gate.Session(r); ok {
//		controlui.SetIdentity(r.Header, "X-Forwarded-User", s.TokenName, role.CapHeader())
//	}
//
// The pages load nothing, run no script, and carry a strict CSP that also
// forbids framing. docs/control-ui.md has the design and the OpenClaw side.
package controlui
