# bin/quarantine: skill store, physical quarantine and OpenClaw's installPolicy
# hook. Links the scanner, so it needs cgo.
#   make e2e-quarantine-openclaw   the real OpenClaw CLI installs skills through
#                                  `quarantine policy` (run by make test; fetches
#                                  Node 24 and openclaw into the cache on first use)
BINARIES += bin/quarantine
E2E      += e2e-quarantine-openclaw

bin/quarantine: FORCE ## the quarantine CLI: scan, policy hook, watch, rescan, override (cgo)
	$(GO) build -o $@ ./sidecars/quarantine

.PHONY: e2e-quarantine-openclaw
e2e-quarantine-openclaw: bin/quarantine ## the install policy hook against the real OpenClaw (network on first use)
	sidecars/quarantine/e2e/openclaw.sh $(BIN)/quarantine

# Recording a rescan against one durable SQLite commit, a quarantine/restore
# round trip by rename against the cross-device copy, and one installPolicy
# decision (process start to reply) against `quarantine list`. Figures go in
# docs/BENCHMARKS.md. Needs nothing from ../shared.
BENCH += bench-quarantine
.PHONY: bench-quarantine
bench-quarantine: bin/quarantine ## quarantine scan and store throughput
	$(GO) test -run '^$$' -bench . -benchtime 1s -count 3 ./quarantine
	SECURESTACK_BIN=$(BIN) $(GO) test -run '^$$' -bench . -benchtime 20x -count 3 ./sidecars/quarantine
