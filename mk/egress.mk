# egress_proxy (http.handlers.egress_proxy in bin/caddy), the deny-by-default
# forward proxy. Its unit and integration tests (bin/caddy, a scripted DNS
# server, targets on loopback) run in `make unit`; the real OpenClaw with
# proxy.proxyUrl runs in `make e2e-openclaw`.
#   make bench-egress   egress_proxy against Squid, side by side on loopback with
#                       the same allowlist: CONNECT tunnels/s, 100 MB through one
#                       tunnel, plain HTTP req/s, CPU per operation, memory.
#                       Needs nothing from ../shared; installs squid on first use
#                       (network). Figures go in docs/BENCHMARKS.md.
BENCH += bench-egress

EGRESS_BENCH_SECONDS ?= 4
EGRESS_BENCH_ROUNDS  ?= 6
EGRESS_BENCH_CONC    ?= 32
# More benchproxy flags, e.g. EGRESS_BENCH_FLAGS="-baseline-caddy /tmp/caddy-main"
# to measure another build in the same rounds.
EGRESS_BENCH_FLAGS   ?=

.PHONY: bench-egress
bench-egress: bin/caddy ## egress_proxy vs Squid: CONNECT/s, 100 MB throughput, HTTP req/s, memory (installs squid: network)
	test -x /usr/sbin/squid || (apt-get update && DEBIAN_FRONTEND=noninteractive apt-get install -y squid)
	$(GO) test -run '^$$' -bench 'BenchmarkDecide|BenchmarkClassOf' -benchmem -count 3 ./egress/forward
	$(GO) run ./caddyplugin/egressproxy/internal/benchproxy -caddy $(BIN)/caddy -squid /usr/sbin/squid \
		-seconds $(EGRESS_BENCH_SECONDS) -rounds $(EGRESS_BENCH_ROUNDS) -conc $(EGRESS_BENCH_CONC) $(EGRESS_BENCH_FLAGS)
