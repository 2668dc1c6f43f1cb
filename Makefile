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

.PHONY: all build run test vet unit e2e bench eval clean FORCE
all: build

include $(sort $(wildcard mk/*.mk))

build: $(BINARIES)

run: build
	scripts/run-local.sh

# `make test` is what CI runs (.ci/run). It needs nothing from ../shared.
test: build vet unit e2e

vet:
	$(GO) vet ./...

unit: build
	SECURESTACK_BIN=$(BIN) $(GO) test -race -timeout 25m ./...
	# The scanner's C code (tree walk, parse arena) under AddressSanitizer.
	$(GO) test -asan -count=1 -run '^(TestArenaOverflow|TestParseCancelled|TestFlattenMatchesCursor|TestFlatTreeMatchesTreeSitter)$$' ./scanner/

e2e: build $(E2E)

bench: $(BENCH)

eval: $(EVAL)

# Targets that read ../shared call this first.
need-shared:
	@test -d "$(SHARED)/data" || { echo "$(SHARED)/data is missing: this target needs the ../shared data set beside the checkout (a user's clone does not have it)."; exit 2; }

clean:
	rm -rf bin

FORCE:
