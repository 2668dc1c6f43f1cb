# OpenClaw Secure Stack. The quick start is two commands: `make run` and `make test`.
# Each component adds its binaries, tests and benchmarks in mk/<component>.mk.

GO      ?= go
BIN     := $(CURDIR)/bin
SHARED  ?= $(abspath $(CURDIR)/../shared)
# Components append: BINARIES (bin/<name> targets), E2E (targets run by `make test`
# after the Go tests), BENCH (bench-* targets), EVAL (eval-* targets).
BINARIES :=
E2E      :=
BENCH    :=
EVAL     :=

STATICCHECK_VERSION ?= v0.8.2

.PHONY: all build run test check vet unit e2e bench eval clean help FORCE
all: build

include $(sort $(wildcard mk/*.mk))

build: $(BINARIES) ## build every binary into bin/

run: build ## start the stack natively and print a token and curl lines (installs OpenClaw on first use: network)
	scripts/run-local.sh

# `make test` is what CI runs (.ci/run). It needs nothing from ../shared.
test: build vet unit e2e ## what CI runs: vet, race unit tests, fuzz seeds, end-to-end (first run fetches Node and OpenClaw: network)

vet: ## go vet ./...
	$(GO) vet ./...

# Gates that need no build: formatting, vet, staticcheck (fetched from the Go
# module proxy on first use), a tidy go.mod, and the layering test (libraries
# never import Caddy or CoreDNS; bin/caddy and bin/coredns never link the
# cgo scanner). .ci/run runs it before `make test`.
check: ## gates: gofmt, vet, staticcheck, go mod tidy -diff, layering (staticcheck from the module proxy: network on first use)
	@out=$$(gofmt -l $$(git ls-files '*.go')); if [ -n "$$out" ]; then echo "gofmt would change:"; echo "$$out"; exit 1; fi
	$(GO) vet ./...
	$(GO) run honnef.co/go/tools/cmd/staticcheck@$(STATICCHECK_VERSION) ./...
	$(GO) mod tidy -diff
	$(GO) test -count=1 ./internal/layering/

unit: build ## race-enabled unit tests and fuzz seed corpora (no network, no ../shared)
	SECURESTACK_BIN=$(BIN) $(GO) test -race -timeout 25m ./...
	# The scanner's C code (tree walk, parse arena) under AddressSanitizer.
	$(GO) test -asan -count=1 -run '^(TestArenaOverflow|TestParseCancelled|TestFlattenMatchesCursor|TestFlatTreeMatchesTreeSitter)$$' ./scanner/

e2e: build $(E2E) ## end-to-end tests with the real binaries and the real OpenClaw (network on first use)

bench: $(BENCH) ## every bench-* target (some need ../shared)

eval: $(EVAL) ## every eval-* target (need ../shared)

# Targets that read ../shared call this first.
need-shared:
	@test -d "$(SHARED)/data" || { echo "$(SHARED)/data is missing: this target needs the ../shared data set beside the checkout (a user's clone does not have it)."; exit 2; }

clean: ## remove bin/
	rm -rf bin

# Lists the targets annotated with "## " in this file and mk/*.mk.
help: ## this list
	@grep -hE '^[a-zA-Z0-9_./-]+:.*## ' $(MAKEFILE_LIST) | sed 's/:[^#]*## /\t/' | sort | \
		awk -F'\t' '{ printf "  %-26s %s\n", $$1, $$2 }'

FORCE:
