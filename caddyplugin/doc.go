// Package caddyplugin plugs the OpenClaw Secure Stack into Caddy. Like
// Caddy's own modules/standard, it holds no handler itself: importing it
// registers every module of the stack, one package each, so that
//
//	xcaddy build --with github.com/openclaw-secure-stack/securestack/caddyplugin
//
// brings them all:
//
//   - guard: http.handlers.openclaw_guard, the one door in front of the
//     OpenClaw gateway (authentication, route policy, sanitizing, audit).
//   - egressproxy: http.handlers.egress_proxy, the deny-by-default forward
//     proxy that is the gateway's one way out (allowlist, address classes).
//   - providerguard: http.handlers.openclaw_provider_guard, between OpenClaw
//     and its model provider (what the model reads, the tool calls it asks
//     for, the provider key).
//
// Pieces every handler shares live once under internal/: the OpenAI-shaped
// error writer (apierror), the audit_log option and its shared writer
// (auditcfg), metrics registration that survives reloads (metricsreg), and
// the Caddyfile parsing rules (directive).
package caddyplugin

import (
	_ "github.com/openclaw-secure-stack/securestack/caddyplugin/egressproxy"
	_ "github.com/openclaw-secure-stack/securestack/caddyplugin/guard"
	_ "github.com/openclaw-secure-stack/securestack/caddyplugin/providerguard"
)
