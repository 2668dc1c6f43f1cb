# bin/caddy: Caddy with openclaw_guard and openclaw_provider_guard. Static (no cgo).
BINARIES += bin/caddy bin/openclaw-standin

bin/caddy: FORCE ## Caddy with the stack's modules, static
	CGO_ENABLED=0 $(GO) build -o $@ ./sidecars/caddy

bin/openclaw-standin: FORCE
	CGO_ENABLED=0 $(GO) build -o $@ ./examples/local/standin

# The guard's per-request cost on a 2 KB chat body, against decoding the same
# body with encoding/json in the same run. Needs nothing from ../shared.
BENCH += bench-guard
.PHONY: bench-guard
bench-guard: ## the guard against plain reverse_proxy (no ../shared)
	$(GO) test -run '^$$' -bench 'GuardChat|PeerDecode' -benchtime 2s -count 3 ./caddyplugin
