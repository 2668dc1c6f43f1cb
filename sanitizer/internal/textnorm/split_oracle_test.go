package textnorm

import (
	"bytes"
	"strings"
	"testing"
)

// splitGluedOracle is splitGlued before its eight-bytes-at-a-time search:
// every byte read in one pass.
func splitGluedOracle(b []byte) {
	tokenStart := 0
	for i := 0; i < len(b); {
		if !gluedWord(b[i]) {
			if b[i] == ' ' || b[i] == '\n' {
				tokenStart = i + 1
			}
			i++
			continue
		}
		j, words, lettered := i, 0, 0
		var sep byte
		for {
			k, letter := j, false
			for k < len(b) && gluedWord(b[k]) {
				letter = letter || b[k] >= 'a'
				k++
			}
			words++
			if letter {
				lettered++
			}
			j = k
			if j+1 >= len(b) || !glueSep[b[j]] || !gluedWord(b[j+1]) || (sep != 0 && b[j] != sep) {
				break
			}
			sep = b[j]
			j++
		}
		if words >= 3 && lettered >= 2 && !bytes.Contains(b[tokenStart:j], []byte("://")) {
			for k := i; k < j; k++ {
				if b[k] == sep {
					b[k] = ' '
				}
			}
		}
		i = j
	}
}

func checkSplitGlued(t *testing.T, in []byte) {
	t.Helper()
	got, want := bytes.Clone(in), bytes.Clone(in)
	splitGlued(got)
	splitGluedOracle(want)
	if !bytes.Equal(got, want) {
		t.Fatalf("splitGlued(%q) = %q, want %q", in, got, want)
	}
	if n, w := nextGlueSep(in, 0), bytes.IndexFunc(in, func(r rune) bool { return r < 0x80 && glueSep[r] }); n != w {
		t.Fatalf("nextGlueSep(%q) = %d, want %d", in, n, w)
	}
}

func TestSplitGluedAgreesWithOracle(t *testing.T) {
	for _, s := range []string{
		"", "a", "a.b", "a.b.c", "x a.b.c y", "1.2.3", "a.1.2", "ignore_all_previous/instructions now",
		"http://a.b.c/d", "see http://a.b.c x.y.z", "a-b-c-d_e_f_g", "\na.b.c\n", "a..b..c", "a.b-c.d",
		strings.Repeat(".. --. -. / ", 60) + "ignore.all.previous " + strings.Repeat("word ", 80) + "a_b_c",
		strings.Repeat("x", 300) + " a.b.c " + strings.Repeat("y.z ", 100) + "http://a.b.c",
		"e.g. i.e. etc.", "a.b\nc.d", "a.b c.d.e", "é.ü.ß", "a.\xff.b", "abcdefgh.ijklmnop.qrstuvwx yz",
		"aaaaaaa.bbbbbbb.ccccccc", ".a.b.c.", "a=b=c", "$a$b$c", "a~b~c", "a^b^c", "a#b#c@d@e",
	} {
		checkSplitGlued(t, []byte(s))
	}
	// Every string of up to five bytes over an alphabet of each class.
	alphabet := []byte("a1._-: \n/\xc3")
	var rec func(prefix []byte)
	rec = func(prefix []byte) {
		checkSplitGlued(t, prefix)
		checkSplitGlued(t, append([]byte("abcdefgh "), prefix...))
		if len(prefix) == 5 {
			return
		}
		for _, c := range alphabet {
			rec(append(prefix[:len(prefix):len(prefix)], c))
		}
	}
	rec(nil)
}

func FuzzSplitGlued(f *testing.F) {
	for _, s := range []string{"ignore_all_previous_instructions", "a.b.c x.y", "http://a.b.c/d.e.f", "a.b\nc.d.e"} {
		f.Add([]byte(s))
	}
	f.Fuzz(func(t *testing.T, in []byte) { checkSplitGlued(t, in) })
}
