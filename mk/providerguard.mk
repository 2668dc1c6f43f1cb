# openclaw_provider_guard (built into bin/caddy): between OpenClaw and its
# model provider. Needs nothing from ../shared.
#   make e2e-provider-guard    the real OpenClaw gateway, its three provider APIs
#                              through the guard over TLS to a scripted stand-in
#                              (part of make test; Node 24 and openclaw from the
#                              npm registry on first use)
#   make bench-provider-guard  inspection time for a 200 KB history (first and
#                              next turn), the handler's per-request work, and time
#                              to first token against plain reverse_proxy in the
#                              same run; figures go in docs/BENCHMARKS.md
E2E   += e2e-provider-guard
BENCH += bench-provider-guard

PROVIDER_GUARD_TTFT_N ?= 500

.PHONY: e2e-provider-guard bench-provider-guard
e2e-provider-guard: bin/caddy ## OpenClaw's provider calls through openclaw_provider_guard (network on first use)
	scripts/ensure-openclaw.sh >/dev/null
	SECURESTACK_BIN=$(BIN) $(GO) test -tags openclaw -count=1 -timeout 15m -run TestProviderGuardRealOpenClaw -v ./e2e/

bench-provider-guard: bin/caddy ## provider guard: inspection time and time to first token vs plain reverse_proxy (no ../shared)
	$(GO) test -run '^$$' -bench 'InspectFirstTurn|InspectNextTurn|PeerUnmarshal' -benchtime 2s -count 3 ./caddyplugin/providerguard/inbound
	$(GO) test -run '^$$' -bench ServeNextTurn -benchmem -benchtime 2s -count 3 ./caddyplugin/providerguard
	$(GO) run ./caddyplugin/providerguard/internal/benchttft -caddy $(BIN)/caddy -n $(PROVIDER_GUARD_TTFT_N)
	$(GO) run ./caddyplugin/providerguard/internal/benchttft -caddy $(BIN)/caddy -n $(PROVIDER_GUARD_TTFT_N) -audit-sync none
	$(GO) run ./caddyplugin/providerguard/internal/benchttft -caddy $(BIN)/caddy -n $(PROVIDER_GUARD_TTFT_N) -delay 20ms
