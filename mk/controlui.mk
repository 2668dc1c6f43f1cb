# The Control UI through the guard (issue 18): browser login (controlui),
# sessions (auth/session) and the WebSocket firewall (wsfirewall). Their unit
# tests and fuzz seeds run in `make unit`.
#   make e2e-controlui     Debian's chromium (scripts/ensure-chromium.sh) drives the
#                          real OpenClaw gateway in trusted-proxy mode behind bin/caddy
#                          with openclaw_guard's control_ui (part of make test; network
#                          on first use: apt and npm). E2E_SCREENSHOT=docs/control-ui-dashboard.png
#                          refreshes the README's screenshot.
#   make bench-wsfirewall  messages/s through the firewall's relay against a plain
#                          reverse proxy of the same socket (no ../shared)
E2E   += e2e-controlui
BENCH += bench-wsfirewall

.PHONY: e2e-controlui bench-wsfirewall
e2e-controlui: bin/caddy bin/openclaw-standin ## the Control UI in a real browser against the real OpenClaw (installs chromium and OpenClaw on first use: network)
	scripts/ensure-chromium.sh >/dev/null
	scripts/ensure-openclaw.sh >/dev/null
	SECURESTACK_BIN=$(BIN) $(GO) test -tags openclaw -count=1 -timeout 15m -run 'TestControlUI|TestOpenClawMethodTable|TestOpenClawChatFields|TestEveryChatParamIsAccountedFor' -v ./e2e/

WSFIREWALL_BENCHTIME ?= 2s
bench-wsfirewall: ## WebSocket relay with the firewall against a plain reverse proxy
	$(GO) test -run '^$$' -bench 'BenchmarkRelay|BenchmarkInspect' -benchmem -benchtime $(WSFIREWALL_BENCHTIME) -count 5 ./caddyplugin/guard/wsfirewall/
