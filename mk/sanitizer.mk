# sanitizer: prompt-injection detection library (no binaries of its own).
#   make train-sanitizer   retrain sanitizer/model.bin (deterministic; needs ../shared)
#   make eval-sanitizer    TPR/FPR on ../shared/data/injection at the shipped threshold
#   make bench-sanitizer   latency benchmarks (figures go in docs/BENCHMARKS.md)
EVAL  += eval-sanitizer
BENCH += bench-sanitizer

SANITIZER_DATA := sanitizer/train $(SHARED)/data/injection

.PHONY: train-sanitizer eval-sanitizer bench-sanitizer
train-sanitizer: need-shared
	$(GO) run ./sanitizer/cmd/sanitizer-train $(addprefix -data ,$(SANITIZER_DATA)) -cv 5
	$(GO) run ./sanitizer/cmd/sanitizer-train $(addprefix -data ,$(SANITIZER_DATA)) -out sanitizer/model.bin

eval-sanitizer: need-shared
	$(GO) run ./sanitizer/cmd/sanitizer-eval $(SHARED)/data/injection/attacks.jsonl $(SHARED)/data/injection/benign.jsonl

bench-sanitizer: need-shared
	$(GO) test -run '^$$' -bench . -benchmem -count 5 ./sanitizer/
