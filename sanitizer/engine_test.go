package sanitizer

import (
	"math/rand/v2"
	"regexp"
	"slices"
	"strings"
	"testing"

	"github.com/openclaw-secure-stack/securestack/sanitizer/internal/textnorm"
)

// agree checks, on one normalised text, that the engine finds a match of a
// rule exactly when the rule's plain regexp finds one: the literal and
// distance filters may only skip work, never a match.
func agree(t *testing.T, e *ruleEngine, text []byte, ascii bool) {
	t.Helper()
	budget := 1 << 40
	spans, _ := e.match("user", text, ascii, &matchScratch{}, &budget)
	for i, r := range e.rules {
		want := r.whole.Match(text)
		got := slices.ContainsFunc(spans, func(s span) bool { return s.rule == i })
		if got != want {
			t.Fatalf("rule %s: engine found a match: %v, regexp: %v, in %q", r.ID, got, want, text)
		}
	}
	for _, s := range spans {
		if loc := e.rules[s.rule].whole.FindIndex(text[s.start:]); loc == nil || loc[0] != 0 {
			t.Fatalf("rule %s: engine reported %q, which the regexp does not match there", e.rules[s.rule].ID, text[s.start:s.end])
		}
	}
}

// nearMatches builds texts from the engine's own literals, filler words and
// punctuation: many almost match a rule, some do.
func nearMatches(e *ruleEngine, n int, seed uint64) []string {
	rng := rand.New(rand.NewPCG(seed, 1))
	vocab := []string{"the", "a", "please", "now", "and", "you", "x", "\n", ".", ":", "'", "\"", "(", "-", "12"}
	for id := range e.targets {
		if len(e.targets[id]) > 0 {
			vocab = append(vocab, e.literals[id])
		}
	}
	texts := make([]string, n)
	for i := range texts {
		var b strings.Builder
		for range 2 + rng.IntN(40) {
			b.WriteString(vocab[rng.IntN(len(vocab))])
			b.WriteString([]string{" ", " ", " ", "", "\n"}[rng.IntN(5)])
		}
		texts[i] = b.String()
	}
	return texts
}

func TestEngineFindsWhatTheRegexpFinds(t *testing.T) {
	e := newRuleEngine(DefaultRules())
	var n textnorm.Text
	for _, text := range append(nearMatches(e, 80, 1), samplesText(t)...) {
		n.Normalize(text, false)
		agree(t, e, n.Text, n.ASCII)
	}
}

func samplesText(t *testing.T) []string {
	var out []string
	for _, r := range readSamples(t) {
		out = append(out, r.Text)
	}
	return out
}

// FuzzRuleEngine checks agree on arbitrary text.
func FuzzRuleEngine(f *testing.F) {
	e := newRuleEngine(DefaultRules())
	for _, s := range nearMatches(e, 16, 2) {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, text string) {
		var n textnorm.Text
		n.Normalize(text, false)
		agree(t, e, n.Text, n.ASCII)
	})
}

func TestAutomatonScanFindsEveryOccurrence(t *testing.T) {
	words := []string{"he", "she", "his", "hers", "ushers", "s", "h"}
	a := newAutomaton(words)
	for _, text := range []string{"", "ushers", "shshershis hers", strings.Repeat("ushers she his ", 40), strings.Repeat("she hers ", 9) + "ushe"} {
		var want []acHit
		for end := 1; end <= len(text); end++ {
			for id, w := range words {
				if strings.HasSuffix(text[:end], w) {
					want = append(want, acHit{id: int32(id), end: int32(end)})
				}
			}
		}
		var got []acHit
		for _, h := range a.scan([]byte(text), nil, &acScratch{}) {
			for _, id := range a.outputs(h.id) {
				got = append(got, acHit{id: id, end: h.end})
			}
		}
		// Hits come in order of their end; at one end, in automaton order.
		key := func(h acHit) int { return int(h.end)*len(words) + int(h.id) }
		slices.SortFunc(got, func(x, y acHit) int { return key(x) - key(y) })
		if !slices.Equal(got, want) {
			t.Errorf("%q: got %v\nwant %v", text, got, want)
		}
	}
}

func TestSplitTopLevel(t *testing.T) {
	cases := []struct {
		in   string
		want []string
	}{
		{"a|b|c", []string{"a", "b", "c"}},
		{"(a|b)|c", []string{"(a|b)", "c"}},
		{`[|]|\||x`, []string{"[|]", `\|`, "x"}},
		{"[]|]|y", []string{"[]|]", "y"}},
		{"[[:alpha:]|]|z", []string{"[[:alpha:]|]", "z"}},
		{"(?i)a|b", []string{"(?i)a|b"}},          // the flag reaches across |
		{`\Qa|b\E|c`, []string{`\Qa|b\E|c`}},      // quoting reaches across |
		{"(?i:a|b)|c", []string{"(?i:a|b)", "c"}}, // a group with flags is fine
	}
	for _, c := range cases {
		if got := splitTopLevel(c.in); !slices.Equal(got, c.want) {
			t.Errorf("splitTopLevel(%q) = %q, want %q", c.in, got, c.want)
		}
		for _, piece := range splitTopLevel(c.in) {
			if _, err := regexp.Compile(piece); err != nil {
				t.Errorf("piece %q of %q does not compile: %v", piece, c.in, err)
			}
		}
	}
}
