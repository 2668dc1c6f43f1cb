package sanitizer

import (
	"math/rand/v2"
	"strings"
	"testing"
)

// mayNegate is a filter in front of negatedList: it must hold wherever the
// regexp matches. Random lists of negations, near-misses and verbs.
func TestMayNegateHoldsWhereNegatedListMatches(t *testing.T) {
	words := []string{"never", "not", "don't", "must not", "mustn't", "cannot", "can't", "won't", "shouldn't", "may not",
		"no", "nt", "n't", "nev", "ever", "must", "may", "do", "print", "reveal", "it", "them", "this", "that", "or", "nor", "and/or",
		"x-y", "'", ",", ", ", " ", "\n", "(", ":", ";", "\t"}
	rng := rand.New(rand.NewPCG(3, 4))
	matched := 0
	for range 50000 {
		var b strings.Builder
		for range rng.IntN(12) {
			b.WriteString(words[rng.IntN(len(words))])
			if rng.IntN(2) == 0 {
				b.WriteByte(' ')
			}
		}
		w := []byte(b.String())
		if negatedList.Match(w) {
			matched++
			if !mayNegate(w) {
				t.Fatalf("negatedList matches %q, which mayNegate turns away", w)
			}
		}
	}
	if matched < 500 {
		t.Fatalf("only %d of the random texts were negations: the test says little", matched)
	}
}
