package sanitizer

import (
	"regexp"
	"slices"
	"unicode/utf8"
)

// The rule engine runs every pattern in one pass: an Aho-Corasick scan finds
// the literals each pattern needs (see literals.go); a rule whose required
// literals are all present is tried, anchored, only where one of its prefixes
// occurs. Go's regexp is linear but slow when many patterns each scan the
// whole text; anchored tries on short windows cost a few bytes each.

// maxWindow bounds how far an anchored try may read past its start, for
// patterns whose longest match is unbounded. A match longer than this (after
// normalisation) is not found.
const maxWindow = 4096

type compiledRule struct {
	Rule
	whole *regexp.Regexp // the pattern, for branches without a literal prefix
}

// branch is one top-level alternative of a rule's pattern. Alternatives are
// filtered and tried apart, so that each needs only its own literals.
type branch struct {
	rule      int
	anchored  *regexp.Regexp // ^(?s:.)(?:branch): one character of left context, so \b and ^ work
	atStart   *regexp.Regexp // ^(?:branch), for a try at the very start of the text
	window    int
	prefixed  bool
	nreq      int
	lineStart bool // the branch begins with ^: try only after a newline
	wordStart bool // the branch begins with \b: try only at a word boundary
}

// target says what a literal means to one branch.
type target struct {
	branch int32
	set    int8 // index of the required set, or -1 for a prefix
}

type ruleEngine struct {
	rules    []compiledRule
	branches []branch
	ac       *automaton
	targets  [][]target // by literal id
}

func newRuleEngine(rules []Rule) *ruleEngine {
	e := &ruleEngine{}
	ids := map[string]int32{}
	var strs []string
	add := func(s string, t target) {
		s = string(foldString(s))
		id, ok := ids[s]
		if !ok {
			id = int32(len(strs))
			ids[s] = id
			strs = append(strs, s)
			e.targets = append(e.targets, nil)
		}
		if !slices.Contains(e.targets[id], t) {
			e.targets[id] = append(e.targets[id], t)
		}
	}
	for i, r := range rules {
		e.rules = append(e.rules, compiledRule{Rule: r, whole: regexp.MustCompile("(?im)(?:" + r.Pattern + ")")}) // validated by the caller
		for _, alt := range alternatives(r.Pattern) {
			b := branch{rule: i}
			b.anchored = regexp.MustCompile("^(?s:.)(?:" + alt.String() + ")")
			b.atStart = regexp.MustCompile("^(?:" + alt.String() + ")")
			b.lineStart, b.wordStart = leadingAssertions(alt)
			prefix, req, width := analyzeTree(alt)
			b.window = width
			if width < 0 || width > maxWindow {
				b.window = maxWindow
			}
			if len(req) > 63 {
				req = req[:63]
			}
			b.nreq = len(req)
			bi := int32(len(e.branches))
			for set, strs := range req {
				for _, s := range strs {
					add(s, target{branch: bi, set: int8(set)})
				}
			}
			if len(prefix) > 0 {
				b.prefixed = true
				for _, s := range prefix {
					add(s, target{branch: bi, set: -1})
				}
			}
			e.branches = append(e.branches, b)
		}
	}
	e.ac = newAutomaton(strs)
	return e
}

func foldString(s string) []byte {
	b := []byte(s)
	for i := range b {
		b[i] = foldByte(b[i])
	}
	return b
}

// span is a match in the normalised text.
type span struct {
	rule       int
	start, end int
}

// match runs the rules that apply to role over normalised text.
func (e *ruleEngine) match(role, text string) []span {
	seen := make([]uint64, len(e.branches))
	var tries []span // branch and start of each prefix hit
	e.ac.scan(text, func(id int32, start int) {
		for _, t := range e.targets[id] {
			if t.set < 0 {
				tries = append(tries, span{rule: int(t.branch), start: start})
			} else {
				seen[t.branch] |= 1 << uint(t.set)
			}
		}
	})
	slices.SortStableFunc(tries, func(a, b span) int { return a.start - b.start })
	var out []span
	wholeDone := make(map[int]bool)
	for i := range e.branches {
		b := &e.branches[i]
		r := &e.rules[b.rule]
		if seen[i] != 1<<uint(b.nreq)-1 || (len(r.Roles) > 0 && !slices.Contains(r.Roles, role)) {
			continue
		}
		if !b.prefixed {
			if !wholeDone[b.rule] { // one unanchored pass covers every branch of the rule
				wholeDone[b.rule] = true
				for _, loc := range r.whole.FindAllStringIndex(text, -1) {
					out = append(out, span{rule: b.rule, start: loc[0], end: loc[1]})
				}
			}
			continue
		}
		end := -1
		for _, t := range tries {
			if t.rule != i || t.start < end {
				continue
			}
			if m, ok := b.tryAt(text, t.start); ok {
				out = append(out, span{rule: b.rule, start: t.start, end: m})
				end = max(m, t.start+1)
			}
		}
	}
	return out
}

// tryAt matches b anchored at start and returns the end of the match.
func (b *branch) tryAt(text string, start int) (int, bool) {
	if start > 0 {
		prev := text[start-1]
		if b.lineStart && prev != '\n' || b.wordStart && isWordByte(prev) == isWordByte(text[start]) {
			return 0, false
		}
	}
	to := min(len(text), start+b.window)
	for to < len(text) && to < start+b.window+64 && isWordByte(text[to]) {
		to++ // do not cut a word, or \b would see a boundary that is not there
	}
	re := b.anchored
	_, size := utf8.DecodeLastRuneInString(text[:start])
	from := start - size
	if start == 0 {
		re = b.atStart
	}
	loc := re.FindStringIndex(text[from:to])
	if loc == nil {
		return 0, false
	}
	return from + loc[1], true
}

func isWordByte(c byte) bool {
	return c == '_' || '0' <= c && c <= '9' || 'a' <= c && c <= 'z' || 'A' <= c && c <= 'Z'
}
