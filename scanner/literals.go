package scanner

import "github.com/openclaw-secure-stack/securestack/internal/ahocorasick"

// literalSet finds every occurrence of a fixed set of byte strings in one
// pass, with the module's one Aho-Corasick automaton over ASCII-case-folded
// bytes (internal/ahocorasick, which the sanitizer uses too). The text
// checks look for dozens of literals (secret store paths, endpoint
// domains, the anchors of the text rules) in every file; one pass over a
// file costs about as much as a single bytes.Index.
type literalSet struct {
	lits []string // as given
	fold []bool   // match ignoring ASCII case
	ac   *ahocorasick.Automaton
}

func newLiteralSet(lits []string, fold []bool) *literalSet {
	return &literalSet{lits: lits, fold: fold, ac: ahocorasick.New(lits, lower)}
}

func lower(c byte) byte {
	if c >= 'A' && c <= 'Z' {
		return c + 'a' - 'A'
	}
	return c
}

// each calls fn for every occurrence of a literal in src, by end offset
// (exclusive), literals ending at the same byte in id order. A literal
// that is not case-folded matches only its exact bytes.
func (ls *literalSet) each(src []byte, fn func(id, end int)) {
	ls.ac.Each(src, func(id int32, end int) {
		if ls.fold[id] || string(src[end-len(ls.lits[id]):end]) == ls.lits[id] {
			fn(int(id), end)
		}
	})
}
