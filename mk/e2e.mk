# End-to-end against the real OpenClaw gateway (Node 24 and openclaw from the npm
# registry, installed into a cache by scripts/ensure-openclaw.sh) and the official
# OpenAI client. Part of `make test`.
E2E += e2e-openclaw

.PHONY: e2e-openclaw
e2e-openclaw: bin/caddy bin/openclaw-standin ## the real OpenClaw gateway behind the guard (network on first use)
	scripts/ensure-openclaw.sh >/dev/null
	SECURESTACK_BIN=$(BIN) $(GO) test -tags openclaw -count=1 -timeout 15m -run 'TestRealOpenClaw|TestOpenClawRoutes' -v ./e2e/

# `make run` itself: scripts/run-local.sh on free loopback ports, its printed
# command lines replayed and checked, Ctrl-C, nothing left running, a second
# run on the same state. Part of `make test`.
E2E += e2e-run

.PHONY: e2e-run
e2e-run: build ## make run end to end: replays its printed curl lines, Ctrl-C leaves nothing running (network on first use)
	scripts/ensure-openclaw.sh >/dev/null
	SECURESTACK_BIN=$(BIN) $(GO) test -tags openclaw -count=1 -timeout 20m -run 'TestMakeRun' -v ./e2e/
