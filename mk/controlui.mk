# The Control UI through the guard (issue 18): browser login (controlui),
# sessions (auth/session) and the WebSocket firewall (wsfirewall). Their unit
# tests and fuzz seeds run in `make unit`.
#   make e2e-controlui     Debian's chromium (scripts/ensure-chromium.sh) drives the
#                          real OpenClaw gateway in trusted-proxy mode behind the
#                          test proxy in e2e/controlui_proxy_test.go (part of make test;
#                          network on first use: apt and npm)
#   make bench-wsfirewall  messages/s through the firewall's relay against a plain
#                          reverse proxy of the same socket (no ../shared)
E2E   += e2e-controlui
BENCH += bench-wsfirewall

.PHONY: e2e-controlui bench-wsfirewall
e2e-controlui: bin/openclaw-standin ## the Control UI in a real browser against the real OpenClaw (installs chromium and OpenClaw on first use: network)
	scripts/ensure-chromium.sh >/dev/null
	scripts/ensure-openclaw.sh >/dev/null
	SECURESTACK_BIN=$(BIN) $(GO) test -tags openclaw -count=1 -timeout 15m -run 'TestControlUI|TestOpenClawMethodTable|TestOpenClawChatFields' -v ./e2e/

WSFIREWALL_BENCHTIME ?= 2s
bench-wsfirewall: ## WebSocket relay with the firewall against a plain reverse proxy
	$(GO) test -run '^$$' -bench 'BenchmarkRelay|BenchmarkInspect' -benchmem -benchtime $(WSFIREWALL_BENCHTIME) -count 5 ./caddyplugin/guard/wsfirewall/
