# bin/caddy: Caddy with openclaw_guard. Static (no cgo).
BINARIES += bin/caddy bin/openclaw-standin

bin/caddy: FORCE
	CGO_ENABLED=0 $(GO) build -o $@ ./sidecars/caddy

bin/openclaw-standin: FORCE
	CGO_ENABLED=0 $(GO) build -o $@ ./examples/local/standin
