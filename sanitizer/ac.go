package sanitizer

import "github.com/openclaw-secure-stack/securestack/internal/ahocorasick"

// The rule literals are found with the module's one Aho-Corasick automaton
// (internal/ahocorasick), which the scanner uses too.
type (
	automaton = ahocorasick.Automaton
	acHit     = ahocorasick.Hit
	acScratch = ahocorasick.Scratch
)

// foldByte is how the automaton sees a byte: a newline as a space, so that
// one literal serves both kinds of white space the normaliser leaves.
func foldByte(c byte) byte {
	if c == '\n' {
		return ' '
	}
	return c
}

func newAutomaton(strs []string) *automaton { return ahocorasick.New(strs, foldByte) }
