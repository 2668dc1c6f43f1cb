package scanner

import (
	"bytes"
	"slices"
	"testing"
)

// bruteForce lists (id, end) of every occurrence, the way literalSet.each
// orders them.
func bruteForce(lits []string, fold []bool, src []byte) [][2]int {
	var out [][2]int
	for end := 1; end <= len(src); end++ {
		for id, l := range lits {
			if end < len(l) {
				continue
			}
			got := src[end-len(l) : end]
			if string(got) == l || fold[id] && bytes.EqualFold(got, []byte(l)) {
				out = append(out, [2]int{id, end})
			}
		}
	}
	return out
}

var testLiterals = []string{"://", "he", "she", "his", "hers", ".ssh", "Login Data", "webhook.site", "ssh", "a"}
var testFold = []bool{false, true, true, false, true, false, false, true, false, true}

func checkLiterals(t *testing.T, src []byte) {
	ls := newLiteralSet(testLiterals, testFold)
	var got [][2]int
	ls.each(src, func(id, end int) { got = append(got, [2]int{id, end}) })
	if want := bruteForce(testLiterals, testFold, src); !slices.Equal(got, want) {
		t.Fatalf("in %q:\n got %v\nwant %v", src, got, want)
	}
}

func TestLiteralSetFindsEveryOccurrence(t *testing.T) {
	for _, src := range []string{
		"", "ushers", "USHERS", "HiS and his", "cat ~/.ssh/id_rsa and .SSH", "Login Data / login data",
		"curl https://WEBHOOK.site/x", "aaaa", "\xff\xfehe\x00rs",
	} {
		checkLiterals(t, []byte(src))
	}
}

func FuzzLiteralSet(f *testing.F) {
	f.Add([]byte("ushers https://webhook.site ~/.ssh"))
	f.Add([]byte("HERS hiS .sshh"))
	f.Fuzz(checkLiterals)
}

func BenchmarkLiteralSet(b *testing.B) {
	src := []byte(syntheticJS(2000))
	b.SetBytes(int64(len(src)))
	for range b.N {
		n := 0
		textLiterals.each(src, func(id, end int) { n++ })
	}
}
