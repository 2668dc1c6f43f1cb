// Package egressproxy is the Caddy module egress_proxy, a deny-by-default
// forward proxy: the one way out for an OpenClaw gateway on a network with
// no default route (OpenClaw's proxy.proxyUrl points at it).
//
// It is the HTTP handler `http.handlers.egress_proxy` (Caddyfile directive
// `egress_proxy`):
//
//	http://:3128 {
//		bind 10.0.0.2
//		egress_proxy {
//			allowlist /etc/securestack/allowlist.txt
//			resolver  10.0.0.53:53
//			audit_log /var/log/securestack/egress-audit.jsonl
//		}
//	}
//
// For a CONNECT tunnel or an absolute-form HTTP request it checks, in this
// order: Proxy-Authorization (when token_file is set); the request-target
// (a host name, a dotted-decimal IPv4 address or a bracketed IPv6 one, and
// a port; other IPv4 spellings are refused); the port (443 and 80 by
// default); the name against the egress allowlist (the file the CoreDNS
// plugin reads, reloaded the same way), before any DNS query; then it
// resolves the name once and refuses if any address is not public unicast
// (egress.ClassOf: loopback, private, link-local with 169.254.169.254,
// CGNAT, unique-local, multicast, 0.0.0.0/8, reserved ranges, and IPv6
// addresses carrying such an IPv4 address) unless an allow_cidr entry
// names it; a raw-IP target needs such an entry too. It then dials exactly
// an address it checked, so DNS cannot change the answer in between.
//
// A refusal is a complete reply: 403 (or 407, 429, 502, 504) with an RFC
// 9209 Proxy-Status header, an X-Egress-Rule header naming the rule, and a
// JSON error body. Every request, allowed or not, is one audit record
// (event egress.proxy: host, port, resolved and dialed address, rule,
// bytes each way, duration). A refusal's record is written before the
// refusal is sent; an allowed exchange's when it ends, queued (audit_mode
// async, the default: durable within the log's flush_interval) or written
// before the handler returns (audit_mode sync). Once the log cannot be
// written, allowed requests are refused (503 audit_unavailable). The
// host-free logic is package egress/forward.
//
// Requests in origin form (GET /health) are not proxy requests and go to
// the next handler, so a site can answer health checks with respond.
package egressproxy
