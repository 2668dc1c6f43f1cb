package sanitizer

import (
	"slices"
	"strings"
	"testing"
)

// The scan's fast paths are checked against the straightforward code they
// replaced, kept here as oracles: on the golden corpus and under fuzzing.

// tokenRunsOracle is tokenRuns before its byte-class fast path: every token
// classified by classifyToken.
func tokenRunsOracle(text string, out []blob, asks func() bool) []blob {
	kind, start, end, count, weight := tokOther, 0, 0, 0, 0
	flush := func() {
		switch {
		case kind == tokHex && weight >= minSpacedHex,
			kind == tokB64 && count >= minB64Groups && weight >= minBase64,
			kind == tokMorse && weight >= minMorseChars && dotsAndDashes(text[start:end]) && (asks() || onlyRunOracle(text, start, end)):
			out = append(out, blob{encoding: [...]string{tokHex: "hex-spaced", tokB64: "base64-spaced", tokMorse: "morse"}[kind], start: start, end: end})
		}
		kind, count, weight = tokOther, 0, 0
	}
	for i := 0; i < len(text); {
		if isSpace(text[i]) {
			i++
			continue
		}
		j := i
		for j < len(text) && !isSpace(text[j]) {
			j++
		}
		k, w := classifyToken(text[i:j])
		if k != kind || k == tokOther || i-end > 3 {
			flush()
			if k != tokOther {
				kind, start = k, i
			}
		}
		if k != tokOther {
			end, count, weight = j, count+1, weight+w
		}
		i = j
	}
	flush()
	return out
}

// checkScanOracles compares every fast path with its oracle on one text.
func checkScanOracles(t *testing.T, text string) {
	t.Helper()
	for _, asks := range []bool{false, true} {
		f := func() bool { return asks }
		// Every alignment of the text to eight-byte blocks.
		for _, pre := range []string{"", " ", "a ", "ab ", "abc ", "Abcd ", "abcde ", "abcdef ", "abcdefg "} {
			if got, want := tokenRuns(pre+text, nil, f), tokenRunsOracle(pre+text, nil, f); !slices.Equal(got, want) {
				t.Fatalf("tokenRuns(%q, asks=%v) = %v, want %v", pre+text, asks, got, want)
			}
		}
	}
	// Read a stretch at a time, as the scan reads it, in stretches that
	// end inside tokens and runs.
	for _, n := range []int{1, 7, 64} {
		f := func() bool { return true }
		if got, want := tokenRunsInStretches(text, f, n), tokenRuns(text, nil, f); !slices.Equal(got, want) {
			t.Fatalf("tokenScanner in stretches of %d over %q = %v, tokenRuns %v", n, text, got, want)
		}
	}
	// Every token alone, and glued to its neighbours' bytes.
	for tok := range strings.FieldsSeq(text) {
		for _, s := range []string{tok, tok + " " + tok, "0" + tok, "\\" + tok, "(" + tok} {
			if got, want := tokenRuns(s, nil, func() bool { return true }), tokenRunsOracle(s, nil, func() bool { return true }); !slices.Equal(got, want) {
				t.Fatalf("tokenRuns(%q) = %v, want %v", s, got, want)
			}
		}
	}
}

func TestScanOraclesGolden(t *testing.T) {
	for _, g := range goldenCorpus(t) {
		checkScanOracles(t, g.text)
	}
}

// TestTokenRunsOfWords: texts of words of every length over letters a to f
// and g to z, in every alignment to eight-byte blocks, and every byte in
// every place of a text.
func TestTokenRunsOfWords(t *testing.T) {
	words := []string{"a", "b", "be", "Be", "bead", "beef", "faced", "defaced", "BEAD", "g", "go", "Go", "bag", "gab", "abcdefab", "abcdefabc", "abcdefabcdefabcdef", "abcdefabcdefabcdefg", "Gabcdefabcdefabcdef", "x", "xyz"}
	for _, a := range words {
		for _, b := range words {
			for _, sep := range []string{" ", "  ", "\n", " \t "} {
				for pre := range 9 {
					text := strings.Repeat(" ", pre) + a + sep + b + sep + a + a + sep + b
					checkTokenRuns(t, text)
				}
			}
		}
	}
	base := []byte("hello world and the quick brown fox jumps over bead faced dog")
	for at := range 24 {
		for c := range 256 {
			b := append([]byte(nil), base...)
			b[at] = byte(c)
			checkTokenRuns(t, string(b))
		}
	}
}

func checkTokenRuns(t *testing.T, text string) {
	t.Helper()
	f := func() bool { return true }
	if got, want := tokenRuns(text, nil, f), tokenRunsOracle(text, nil, f); !slices.Equal(got, want) {
		t.Fatalf("tokenRuns(%q) = %v, want %v", text, got, want)
	}
	if got, want := tokenRunsInStretches(text, f, 3), tokenRunsOracle(text, nil, f); !slices.Equal(got, want) {
		t.Fatalf("tokenScanner in stretches of 3 over %q = %v, want %v", text, got, want)
	}
}

// TestMaybeEncoded: every token of up to three bytes from an alphabet of
// every byte class, and every single byte, as classifyToken sees it.
func TestMaybeEncoded(t *testing.T) {
	alphabet := "aAgGzZ09x\\.-_/|+=,:;{}[]()<>\"'~!é \x00\xff"
	check := func(tok string) {
		first, rest := runClass[tok[0]], uint32(0)
		for i := 1; i < len(tok); i++ {
			rest |= runClass[tok[i]]
		}
		if k, _ := classifyToken(tok); k != tokOther && !maybeEncoded(first, rest, len(tok)) {
			t.Fatalf("maybeEncoded(%q) = false, classifyToken says %d", tok, k)
		}
	}
	for c := range 256 {
		check(string(rune(c))[:1])
		check(string([]byte{byte(c), 'a', 'B', '1'}))
		check(string([]byte{'0', 'x', byte(c), 'f'}))
	}
	var rec func(prefix string)
	rec = func(prefix string) {
		if prefix != "" {
			check(prefix)
			check(prefix + "A1")
		}
		if len(prefix) == 3 {
			return
		}
		for i := 0; i < len(alphabet); i++ {
			rec(prefix + alphabet[i:i+1])
		}
	}
	rec("")
}

// FuzzScanOracles: the fast paths agree with their oracles on any text.
func FuzzScanOracles(f *testing.F) {
	for _, seed := range []string{
		"", "a", "69 67 6e 6f 72 65 20 61 6c 6c", "aWdu b3Jl IGFs bCBw", ".. --. -. --- .-. . / .- .-.. .-..",
		"0x69,0x67 \\x6e\\x6f [72:65] {20-61} \"6c 6c\"", "ab== cd= =ef A1b2 +/-_ ..--.. x|y",
		"Please summarise the quarterly report for the team and list the main risks. ",
		"%69%67 &#105;&#103; \u200bé\xff",
	} {
		f.Add(seed)
	}
	f.Fuzz(func(t *testing.T, text string) { checkScanOracles(t, text) })
}

// tokenRunsInStretches is tokenRuns through a tokenScanner, n bytes a call.
func tokenRunsInStretches(text string, asks func() bool, n int) []blob {
	ts := tokenScanner{text: text, ask: asks}
	var out []blob
	for !ts.done() {
		out = ts.next(out, ts.i+n)
	}
	return out
}
