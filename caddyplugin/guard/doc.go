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
// x-openclaw-* headers; refuses a path it cannot read unambiguously; lets
// health checks through; checks the bearer token (with a failed-attempt
// limit per client); applies the route policy (/tools/invoke and /hooks/ are
// denied by default); reads, parses and sanitizes the JSON body of
// POST /v1/chat/completions and /v1/responses; replaces the client's
// Authorization with the gateway's own token; writes an audit record; and
// only then hands the request on. Whatever it cannot parse or inspect is
// answered with a 4xx in OpenAI's error shape, audited, and never forwarded.
//
// The directive is ordered before basic_auth (and so before respond and
// reverse_proxy): no `order` line is needed, and a `respond` in the same site
// cannot answer around the guard.
package guard
