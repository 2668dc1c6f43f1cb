# The audit log library; its verifier is bin/stackaudit verify-log (mk/stackaudit.mk).
BENCH    += bench-auditlog

# Events per second per sync mode with 1, 8 and 64 writers, on this machine's
# local disk (the test temp dir). Needs nothing from ../shared.
AUDITLOG_BENCHTIME ?= 2s
bench-auditlog: ## audit log events/s per sync mode, 1/8/64 writers (no ../shared)
	$(GO) test -run '^$$' -bench '^BenchmarkWrite(Peer)?$$' -benchtime $(AUDITLOG_BENCHTIME) -count 3 ./auditlog

# make test runs the unit tests under -race, where the mutation test changes
# every 25th position only (the race detector makes it 20x slower); this runs
# it at every position without -race.
E2E += e2e-auditlog
e2e-auditlog: ## the audit log mutation test at every byte position, without -race
	$(GO) test -count=1 -run '^TestMutationsAreDetected$$' ./auditlog
