// Package providerguard is the Caddy module openclaw_provider_guard, which
// stands between OpenClaw and its model provider.
//
// OpenClaw sends every agent turn to the provider at
// models.providers.<id>.baseUrl; pointed at this handler, the turn passes
// the guard on its way out and the model's answer on its way back:
//
//	:4000 {
//		bind 127.0.0.1
//		openclaw_provider_guard openai-completions {
//			api_key_env OPENAI_API_KEY
//			token_file  /etc/openclaw-provider-guard/tokens
//			policy      /etc/openclaw-provider-guard/policy.yaml
//		}
//		reverse_proxy https://api.openai.com
//	}
//
// Inbound, every text the agent did not write (tool results, JSON in JSON
// and the untrusted-content wrapper included; user turns, which carry
// channel messages; image alt text) is judged, each text once across turns:
// content by the sanitizer's CheckContent, a user turn by CheckMessage; an offending text is neutralized (replaced by a
// notice, the message and its tool-call pairing kept), rejected or flagged.
// Two consecutive tool results are also judged across their seam, so that
// an instruction cut in two over them is read whole (rule "seam").
// Secrets in known formats are redacted from every text. A body the guard
// cannot parse is refused in the provider's error shape, never forwarded.
//
// Outbound, the streamed answer passes event by event: text at once, tool
// calls held until complete and judged by the tool-call policy (package
// toolpolicy: commands through the scanner's shell knowledge, credential
// paths, hosts off the egress allowlist or known exfiltration endpoints,
// secrets in arguments). A blocked call never reaches OpenClaw: the stream
// completes with assistant text naming it (or ends with the provider's
// error), and the decision is audited with its rule ids.
//
// The guard holds the provider's key (api_key_env) and checks the token
// OpenClaw presents as its apiKey, so OpenClaw's config holds no provider
// key. The directive is ordered before basic_auth, so no order line is
// needed. Package wire, toolpolicy, secrets and inbound hold the host-free
// logic; this package adapts it to Caddy.
package providerguard
