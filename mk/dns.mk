# bin/coredns: CoreDNS with the egress allowlist plugin. Static (no cgo).
# The integration tests in corednsplugin (run by `make unit`) start it.
#   make bench-dns   QPS with and without egress (dnsperf), 1,000,000-entry list
#                    load time and RSS, library benchmarks. Needs nothing from
#                    ../shared; figures go in docs/BENCHMARKS.md.
BINARIES += bin/coredns
BENCH    += bench-dns

DNS_BENCH_SECONDS ?= 4
DNS_BENCH_ROUNDS  ?= 5

bin/coredns: FORCE ## CoreDNS with the egress plugin, static
	CGO_ENABLED=0 $(GO) build -o $@ ./sidecars/coredns

.PHONY: bench-dns
bench-dns: bin/coredns ## DNS QPS with and without egress, 1M-entry list load (installs dnsperf: network)
	command -v dnsperf >/dev/null || (apt-get update && apt-get install -y dnsperf)
	$(GO) test -run '^$$' -bench 'BenchmarkMatch|BenchmarkLoad1M' -benchmem -count 3 ./egress
	$(GO) test -run '^$$' -bench 'BenchmarkServeDNS' -benchmem -count 3 ./corednsplugin
	$(GO) run ./corednsplugin/internal/benchdns -coredns $(BIN)/coredns \
		-seconds $(DNS_BENCH_SECONDS) -rounds $(DNS_BENCH_ROUNDS) -large 1000000
