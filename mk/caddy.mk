# bin/caddy: Caddy with openclaw_guard and openclaw_provider_guard. Static (no cgo).
BINARIES += bin/caddy bin/openclaw-standin

bin/caddy: FORCE ## Caddy with the stack's modules, static
	CGO_ENABLED=0 $(GO) build -o $@ ./sidecars/caddy

bin/openclaw-standin: FORCE ## the stand-in gateway used by make run and the tests
	CGO_ENABLED=0 $(GO) build -o $@ ./examples/local/standin

# make bench-guard: openclaw_guard against a plain reverse_proxy, side by side in
# one run: one bin/caddy per configuration (plain, and the guard in each audit
# mode) in front of the same fast upstream, driven in turn by wrk with the same
# 4 KB chat request; throughput, CPU per request and one-connection latency,
# ratios within each round; then a CPU profile of the guard under load; then the
# WebSocket case (control_ui's firewall against plain reverse_proxy, messages/s of
# frames without chat text, issue 18). Also
# the in-process Go benchmarks. Needs nothing from ../shared; figures go in
# docs/BENCHMARKS.md.
BENCH += bench-guard
GUARD_BENCH_SECONDS ?= 5
GUARD_BENCH_ROUNDS  ?= 3
# More benchguard flags, e.g. GUARD_BENCH_FLAGS='-baseline-caddy /tmp/caddy-old'
# to run an older build's guard in the same rounds.
GUARD_BENCH_FLAGS   ?=

.PHONY: bench-guard
bench-guard: bin/caddy ## the guard against plain reverse_proxy: every audit mode, and the WebSocket firewall (installs wrk: network)
	command -v wrk >/dev/null || (apt-get update && apt-get install -y wrk)
	$(GO) test -run '^$$' -bench 'GuardChat|PeerDecode' -benchmem -benchtime 2s -count 3 ./caddyplugin/guard
	$(GO) run ./caddyplugin/guard/internal/benchguard -caddy $(BIN)/caddy \
		-seconds $(GUARD_BENCH_SECONDS) -rounds $(GUARD_BENCH_ROUNDS) -profile $(BIN)/guard-cpu.prof $(GUARD_BENCH_FLAGS)
	$(GO) run ./caddyplugin/guard/internal/benchguard -caddy $(BIN)/caddy -websocket \
		-seconds $(GUARD_BENCH_SECONDS) -rounds 5
