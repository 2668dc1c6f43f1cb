package sanitizer

import (
	"regexp"
	"slices"
	"unicode/utf8"
)

// The rule engine runs every pattern in one pass over the text. One
// Aho-Corasick scan finds the literals each pattern needs (see literals.go):
// the strings a match must begin with ("prefixes") and the sets of strings it
// must contain, each with how far from the start of the match it can end. A
// branch of a rule is tried, anchored, only at a prefix hit after which every
// required set has a hit close enough; in ordinary prose that is almost
// never, so the regexp engine, which costs far more per byte than the
// automaton, reads only a few windows around likely matches.
//
// The regexp work a text may cause is capped (budgetBase). An input that
// exhausts the cap is flooding near-matches, which is how a real match would
// be hidden from a matcher that gives up early: the caller reports it as the
// reject rule LimitsRuleID rather than passing the text unread.

// maxWindow bounds how far an anchored try may read past its start, for
// patterns whose longest match is unbounded. A match longer than this (in
// normalised bytes) is not found.
const maxWindow = 4096

// Rule-engine work budget, in bytes of text handed to the regexp engine: a
// fixed allowance plus a share of the text length. Ordinary text spends
// next to nothing (the 641 benign prompts of the development set spend
// 3 KB between them; a 74 KB API reference full of "system prompt" and
// "send ... api key ... https://" spends 17 KB); a text full of
// near-matches spends it and is rejected, after a few milliseconds of
// regexp work.
const (
	budgetBase    = 32 << 10
	budgetPerByte = 1.0 / 64
)

type compiledRule struct {
	Rule
	whole *regexp.Regexp // the pattern, for branches without a literal prefix
}

// branch is one top-level alternative of a rule's pattern. Alternatives are
// filtered and tried apart, so that each needs only its own literals.
type branch struct {
	rule     int
	anchored *regexp.Regexp // \A(?s:.)(?:branch): one character of left context, so \b and ^ work
	atStart  *regexp.Regexp // \A(?:branch), for a try at the very start of the text
	// window is the longest match, and reqEnd how far after the start of a
	// match each required set's strings end at most; [0] in any text, [1] in
	// ASCII text.
	window    [2]int
	reqEnd    [2][]int32
	prefixed  bool
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
	literals []string   // by literal id
	targets  [][]target // by literal id
	rot13    []bool     // by literal id: the rot13 form of a rule literal
}

// minRot13Letters is the fewest letters a literal needs for its rot13 form
// to be worth looking for: shorter ones turn up in ordinary words.
const minRot13Letters = 4

func newRuleEngine(rules []Rule) *ruleEngine {
	e := &ruleEngine{}
	ids := map[string]int32{}
	var strs []string
	lit := func(s string) int32 {
		id, ok := ids[s]
		if !ok {
			id = int32(len(strs))
			ids[s] = id
			strs = append(strs, s)
			e.targets = append(e.targets, nil)
			e.rot13 = append(e.rot13, false)
		}
		return id
	}
	add := func(s string, t target) {
		id := lit(foldString(s))
		if !slices.Contains(e.targets[id], t) {
			e.targets[id] = append(e.targets[id], t)
		}
	}
	for i, r := range rules {
		e.rules = append(e.rules, compiledRule{Rule: r, whole: regexp.MustCompile("(?im)(?:" + r.Pattern + ")")}) // validated by the caller
		src, trees := alternatives(r.Pattern)
		for k, alt := range trees {
			b := branch{rule: i}
			b.anchored = regexp.MustCompile(`(?im)\A(?s:.)(?:` + src[k] + ")")
			b.atStart = regexp.MustCompile(`(?im)\A(?:` + src[k] + ")")
			b.lineStart, b.wordStart = leadingAssertions(alt)
			prefix, req, width := analyzeTree(alt)
			for k, w := range width {
				b.window[k] = w
				if w < 0 || w > maxWindow {
					b.window[k] = maxWindow
				}
			}
			if len(req) > 63 {
				req = req[:63]
			}
			bi := int32(len(e.branches))
			for set, rs := range req {
				for k, end := range rs.maxEnd {
					if end < 0 || end > b.window[k] {
						end = b.window[k]
					}
					b.reqEnd[k] = append(b.reqEnd[k], int32(end))
				}
				for _, s := range rs.strs {
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
	// rot13 forms of the single words among the literals: enough to spot
	// rot13 text, which is then decoded and matched in full.
	for _, s := range slices.Clone(strs) {
		if letters(s) >= minRot13Letters && letters(s) == len(s) {
			e.rot13[lit(string(rot13(nil, []byte(s))))] = true
		}
	}
	e.ac = newAutomaton(strs)
	e.literals = strs
	return e
}

func foldString(s string) string {
	b := []byte(s)
	for i := range b {
		b[i] = foldByte(b[i])
	}
	return string(b)
}

func letters(s string) int {
	n := 0
	for i := 0; i < len(s); i++ {
		if 'a' <= s[i] && s[i] <= 'z' {
			n++
		}
	}
	return n
}

// span is a match in the normalised text.
type span struct {
	rule       int
	start, end int
}

// event is a literal hit as one branch sees it: a possible start of a match
// (set -1, pos is where the literal starts) or a required string (pos is
// where it ends).
type event struct {
	branch int32
	set    int8
	pos    int32
}

// matchScratch is the memory of one match call, kept for reuse.
type matchScratch struct {
	hits     []acHit
	ac       acScratch
	tail     []acHit  // hits of the second half of a scan
	litSeen  []uint64 // bitset of the literals hit (then: that a live branch needs)
	distinct []int32  // the literals hit, once each
	rot      []acHit  // hits of rot13 literals
	events   []event
	sorted   []event
	pos      []int32
	fill     []int32
	seen     []uint64 // per branch: the required sets hit, then 1 if the branch is live
	first    []int32
	spans    []span
	regions  [][2]int
}

// match runs the rules that apply to role over normalised text, spending at
// most *budget bytes of regexp work. exhausted reports that the budget ran
// out before every candidate was tried.
func (e *ruleEngine) match(role string, text []byte, ascii bool, sc *matchScratch, budget *int) (spans []span, exhausted bool) {
	// Ordinary prose has a literal hit every six bytes or so: size the
	// buffers once rather than let a long text grow them step by step.
	sc.hits = slices.Grow(sc.hits[:0], len(text)/4)
	sc.hits = e.ac.scan(text, sc.hits, &sc.ac)
	// Common words hit many times and feed many branches: work out which
	// branches are live from the distinct literals hit, then expand only
	// the hits that matter to a live branch.
	sc.litSeen = resize(sc.litSeen, (len(e.targets)+63)/64)
	sc.distinct, sc.rot = sc.distinct[:0], sc.rot[:0]
	for _, h := range sc.hits {
		if sc.litSeen[h.id/64]&(1<<(h.id%64)) == 0 {
			sc.litSeen[h.id/64] |= 1 << (h.id % 64)
			sc.distinct = append(sc.distinct, h.id)
		}
		if e.rot13[h.id] {
			sc.rot = append(sc.rot, h)
		}
	}
	nb := len(e.branches)
	sc.seen = resize(sc.seen, nb)
	for _, id := range sc.distinct {
		for _, t := range e.targets[id] {
			if t.set >= 0 {
				sc.seen[t.branch] |= 1 << uint(t.set)
			}
		}
	}
	// A branch is live when every required set has a hit somewhere.
	for i := range e.branches {
		b := &e.branches[i]
		r := &e.rules[b.rule]
		if sc.seen[i] != 1<<uint(len(b.reqEnd[0]))-1 || (len(r.Roles) > 0 && !slices.Contains(r.Roles, role)) {
			sc.seen[i] = 0
		} else {
			sc.seen[i] = 1
		}
	}
	for _, id := range sc.distinct { // keep the bits of literals a live branch needs
		if !slices.ContainsFunc(e.targets[id], func(t target) bool { return sc.seen[t.branch] != 0 }) {
			sc.litSeen[id/64] &^= 1 << (id % 64)
		}
	}
	// The events of live branches, grouped by branch.
	sc.first = resize(sc.first, nb+1)
	sc.events = slices.Grow(sc.events[:0], len(sc.hits))
	for _, h := range sc.hits {
		if sc.litSeen[h.id/64]&(1<<(h.id%64)) == 0 {
			continue
		}
		for _, t := range e.targets[h.id] {
			if sc.seen[t.branch] == 0 {
				continue
			}
			pos := h.end
			if t.set < 0 {
				pos -= e.ac.length[h.id]
			}
			sc.events = append(sc.events, event{branch: t.branch, set: t.set, pos: pos})
			sc.first[t.branch+1]++
		}
	}
	for i := range nb {
		sc.first[i+1] += sc.first[i]
	}
	sc.sorted = grow(sc.sorted, len(sc.events))
	sc.fill = append(sc.fill[:0], sc.first[:nb]...)
	for _, ev := range sc.events {
		sc.sorted[sc.fill[ev.branch]] = ev
		sc.fill[ev.branch]++
	}
	spans = sc.spans[:0]
	wholeDone := -1
	for i := range e.branches {
		if sc.seen[i] == 0 {
			continue
		}
		b := &e.branches[i]
		if !b.prefixed {
			// One unanchored pass covers every unprefixed branch of the rule.
			if wholeDone == b.rule {
				continue
			}
			wholeDone = b.rule
			if *budget < len(text) {
				return spans, true
			}
			*budget -= len(text)
			for _, loc := range e.rules[b.rule].whole.FindAllIndex(text, -1) {
				spans = append(spans, span{rule: b.rule, start: loc[0], end: loc[1]})
			}
			continue
		}
		var out bool
		spans, out = b.try(text, ascii, sc.sorted[sc.first[i]:sc.first[i+1]], sc, spans, budget)
		if out {
			return spans, true
		}
	}
	sc.spans = spans
	return spans, false
}

// try tries b at each of its candidate starts in evs (its events) after
// which every required set has a hit within reach. ascii says text is
// ASCII, where the tighter reaches hold.
func (b *branch) try(text []byte, ascii bool, evs []event, sc *matchScratch, spans []span, budget *int) ([]span, bool) {
	k := 0
	if ascii {
		k = 1
	}
	// Split the events by set, keeping their order: starts first, then the
	// ends of each required set, each list ascending.
	var setFirst [65]int32
	for _, ev := range evs {
		setFirst[ev.set+2]++
	}
	for s := 1; s < len(setFirst); s++ {
		setFirst[s] += setFirst[s-1]
	}
	sc.pos = grow(sc.pos, len(evs))
	pos := sc.pos
	fill := setFirst
	for _, ev := range evs {
		pos[fill[ev.set+1]] = ev.pos
		fill[ev.set+1]++
	}
	starts := pos[:setFirst[1]]
	// Starts come in order of where their literals end; literals of
	// different lengths can leave them a little out of order.
	for i := 1; i < len(starts); i++ {
		for j := i; j > 0 && starts[j] < starts[j-1]; j-- {
			starts[j], starts[j-1] = starts[j-1], starts[j]
		}
	}
	cursor := setFirst
	end := int32(-1)
candidates:
	for _, p := range starts {
		if p < end {
			continue // inside the previous match of this branch
		}
		for s, reach := range b.reqEnd[k] {
			c, last := cursor[s+1], setFirst[s+2]
			for c < last && pos[c] <= p {
				c++
			}
			cursor[s+1] = c
			if c == last || pos[c] > p+reach {
				continue candidates
			}
		}
		m, ok, out := b.tryAt(text, int(p), b.window[k], budget)
		if out {
			return spans, true
		}
		if ok {
			spans = append(spans, span{rule: b.rule, start: int(p), end: m})
			end = int32(max(m, int(p)+1))
		}
	}
	return spans, false
}

// tryAt matches b anchored at start and returns the end of the match. out
// reports that the budget cannot pay for the try.
func (b *branch) tryAt(text []byte, start, window int, budget *int) (end int, ok, out bool) {
	if start > 0 {
		prev := text[start-1]
		if b.lineStart && prev != '\n' || b.wordStart && isWordByte(prev) == isWordByte(text[start]) {
			return 0, false, false
		}
	}
	to := min(len(text), start+window)
	for to < len(text) && to < start+window+64 && isWordByte(text[to]) {
		to++ // do not cut a word, or \b would see a boundary that is not there
	}
	re := b.anchored
	_, size := utf8.DecodeLastRune(text[:start])
	from := start - size
	if start == 0 {
		re = b.atStart
	}
	if *budget < to-from {
		return 0, false, true
	}
	*budget -= to - from
	loc := re.FindIndex(text[from:to])
	if loc == nil {
		return 0, false, false
	}
	return from + loc[1], true, false
}

// rot13Regions returns the stretches of normalised text that look rot13
// encoded: around hits of the rot13 forms of rule literals, where at least
// two different ones occur within reach of each other.
func (e *ruleEngine) rot13Regions(text []byte, sc *matchScratch) [][2]int {
	const reach = 256
	sc.regions = sc.regions[:0]
	for i := 0; i < len(sc.rot); {
		lo := max(0, int(sc.rot[i].end-e.ac.length[sc.rot[i].id])-reach)
		hi := min(len(text), int(sc.rot[i].end)+reach)
		several := false
		j := i + 1
		for ; j < len(sc.rot) && int(sc.rot[j].end-e.ac.length[sc.rot[j].id]) <= hi; j++ {
			hi = min(len(text), int(sc.rot[j].end)+reach)
			several = several || sc.rot[j].id != sc.rot[i].id
		}
		if several {
			sc.regions = append(sc.regions, [2]int{lo, hi})
		}
		i = j
	}
	return sc.regions
}

// rot13 appends src to dst with its ASCII letters rotated by 13.
func rot13(dst, src []byte) []byte {
	dst = slices.Grow(dst, len(src))
	for _, c := range src {
		switch {
		case 'a' <= c && c <= 'z':
			c = 'a' + (c-'a'+13)%26
		case 'A' <= c && c <= 'Z':
			c = 'A' + (c-'A'+13)%26
		}
		dst = append(dst, c)
	}
	return dst
}

func isWordByte(c byte) bool {
	return c == '_' || '0' <= c && c <= '9' || 'a' <= c && c <= 'z' || 'A' <= c && c <= 'Z'
}

// resize returns s with length n and every element zero, reusing its memory.
func resize[T any](s []T, n int) []T {
	s = grow(s, n)
	clear(s)
	return s
}

// grow returns s with length n, reusing its memory; the elements are not
// cleared, for a caller that writes every one.
func grow[T any](s []T, n int) []T {
	if cap(s) < n {
		return make([]T, n)
	}
	return s[:n]
}
