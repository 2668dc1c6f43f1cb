// Package guard is the Caddy module openclaw_guard, the one door in front of
// the OpenClaw gateway.
//
// It is the HTTP handler `http.handlers.openclaw_guard` (Caddyfile
// directive `openclaw_guard`), a gate in front of the OpenClaw gateway:
//
//	:8080 {
//		openclaw_guard {
//			token_file /etc/openclaw-guard/tokens
//			audit_log  /var/log/openclaw-guard/audit.jsonl
//			upstream_token_env OPENCLAW_GATEWAY_TOKEN
//		}
//		reverse_proxy 127.0.0.1:18789
//	}
//
// For every request the guard, in this order: strips the client's
// x-openclaw-* headers, Cookie, trailers and forwarding claims; judges the
// path as OpenClaw will route it (package route: non-canonical spellings
// refused, OpenClaw's /__openclaw__/cap/<c>/ rewrite applied); matches it
// against the route allowlist (operator `route` lines, then route.Defaults:
// 404 when absent, 403 on deny); refuses a body on a route that is not
// inspected and an upgrade anywhere but a WS route; lets public routes
// through; checks the bearer token (with a failed-attempt limit per client,
// against token files that are re-read when they change); reads, parses and
// sanitizes the body of inspected routes; replaces the client's
// Authorization with the gateway's own token; writes (or, with audit_mode
// async, queues) an audit record; and only then hands on exactly the path it
// judged. Whatever it cannot parse or inspect is answered with a 4xx in
// OpenAI's error shape, audited, and never forwarded.
//
// The directive is ordered before basic_auth (and so before respond and
// reverse_proxy): no `order` line is needed, and a `respond` in the same site
// cannot answer around the guard.
package guard
