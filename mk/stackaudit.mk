# bin/stackaudit: `audit` (posture of a deployment, static and --live),
# `verify-log`, `gen-token`. Links the scanner (cgo) and Caddy's Caddyfile
# adapter with the stack's modules.
#   make deploy-tools               nft, ip, docker-compose v1, systemd-analyze from
#                                   Debian (the examples' tests need them; `make unit` runs it)
#   make e2e-stackaudit-openclaw    JSON5 against OpenClaw's json5 package, the example
#                                   configs through `openclaw config validate`, and
#                                   `audit --live` folding in `openclaw security audit`
#                                   with a real gateway (run by make test)
BINARIES += bin/stackaudit
E2E      += e2e-stackaudit-openclaw

bin/stackaudit: FORCE ## stackaudit: audit (posture, --live), verify-log, gen-token (cgo)
	$(GO) build -o $@ ./sidecars/stackaudit

.PHONY: deploy-tools e2e-stackaudit-openclaw
deploy-tools: ## nft, ip, docker-compose v1, systemd-analyze from Debian, for the examples tests (root)
	scripts/ensure-deploy-tools.sh

unit: deploy-tools

e2e-stackaudit-openclaw: bin/stackaudit bin/caddy ## JSON5 vs npm json5, example configs validated by OpenClaw, security audit folded in (network on first use)
	scripts/ensure-openclaw.sh >/dev/null
	SECURESTACK_BIN=$(BIN) $(GO) test -tags openclaw -count=1 -timeout 10m -run 'TestJSON5MatchesNPM|TestExampleConfigsValidateWithOpenClaw|TestLiveOpenClawSecurityAuditFolded' -v ./sidecars/stackaudit/
