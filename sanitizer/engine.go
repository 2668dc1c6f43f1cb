package sanitizer

import (
	"bytes"
	"regexp"
	"regexp/syntax"
	"slices"
	"unicode"
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
// next to nothing (3,600 benign texts, the development and training sets
// and ../shared's benign skills, spend 170 KB between them); the 943
// Markdown files of the npm benign corpus spend 654 KB between them, the
// most expensive (a README with 25 HTML comments) 61 % of its budget. A
// text full of near-matches spends it and is rejected, after a few
// milliseconds of regexp work.
const (
	budgetBase    = 48 << 10
	budgetPerByte = 1.0 / 64
)

type compiledRule struct {
	Rule
}

// branch is one top-level alternative of a rule's pattern. Alternatives are
// filtered and tried apart, so that each needs only its own literals.
type branch struct {
	rule     int
	anchored *regexp.Regexp // \A(?s:.)(?:branch): one character of left context, so \b and ^ work
	atStart  *regexp.Regexp // \A(?:branch), for a try at the very start of the text
	// A branch without a literal prefix is searched for, unanchored, in the
	// stretches its required literals allow: search after one character of
	// left context, or searchAtStart from the start of the text.
	search, searchAtStart *regexp.Regexp
	// window is the longest match, and reqEnd how far after the start of a
	// match each required set's strings end at most; [0] in any text, [1] in
	// ASCII text.
	window    [2]int
	reqEnd    [2][]int32
	prefixed  bool
	key       int32 // the lists of its starts and required sets are keys key, key+1, ...
	reject    bool  // the rule rejects: one match settles the text
	scoped    bool  // a match may be a defence (see scopedRules)
	nounFirst bool  // a match's first word may be a noun (see nounFirstRules)
	lineStart bool  // the branch begins with ^: try only after a newline
	lines     int   // the most newlines a match holds, or -1: a try reads at most lines+1 lines
	wordStart bool  // the branch begins with \b: try only at a word boundary
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
	rot13    []uint8    // by literal id: altRot13 or altReversed for the rot13 or reversed form of a rule literal
	glue     *automaton // the rule literals that are single words, to split glued words with
	nkeys    int32      // lists of positions, over all branches
}

// minRot13Letters is the fewest letters a literal needs for its rot13 form
// to be worth looking for: shorter ones turn up in ordinary words.
const minRot13Letters = 4

// minReversedLetters is the same for reversed forms, which are more often
// words of their own ("lived", "stop").
const minReversedLetters = 6

// Kinds of alternative literal forms.
const (
	altRot13 = 1 + iota
	altReversed
	altGlued
)

// Glued words ("ignoreallpreviousinstructions", CamelCase once folded): a
// run of at least minGluedRun letters in which the greedy longest-first
// split finds at least minGluedWords rule words covering at least half of
// it is read again with the words spaced apart. A model reads glued words
// as easily as spaced ones; the rules and the model's word features do not.
const (
	minGluedRun    = 14
	maxGluedRun    = 1024 // a glued sentence is far shorter; a longer run is a blob
	minGluedWords  = 2
	minGlueLetters = 3
)

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
			e.rot13 = append(e.rot13, 0)
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
		e.rules = append(e.rules, compiledRule{Rule: r}) // validated by the caller
		src, trees := alternatives(r.Pattern)
		for k, alt := range trees {
			b := branch{rule: i, reject: r.Action == ActionReject, scoped: scopedRules[r.ID], nounFirst: nounFirstRules[r.ID]}
			b.anchored = regexp.MustCompile(`(?im)\A(?s:.)(?:` + src[k] + ")")
			b.atStart = regexp.MustCompile(`(?im)\A(?:` + src[k] + ")")
			b.lineStart, b.wordStart = leadingAssertions(alt)
			b.lines = maxNewlines(alt)
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
			} else {
				b.search = regexp.MustCompile(`(?im)(?s:.)(?:` + src[k] + ")")
				b.searchAtStart = regexp.MustCompile(`(?im)(?:` + src[k] + ")")
			}
			b.key = e.nkeys
			e.nkeys += int32(len(b.reqEnd[0])) + 1
			e.branches = append(e.branches, b)
		}
	}
	// The words of the rules for tool definitions alone (everyday words:
	// also, every, send, tool, user) spot no glued, rot13 or reversed text:
	// in the other roles' text they would only find false regions, read
	// again at a cost and with changed scores.
	spotting := make([]bool, len(strs))
	for id := range strs {
		for _, t := range e.targets[id] {
			if !toolDefinitionOnly(e.rules[e.branches[t.branch].rule].Roles) {
				spotting[id] = true
				break
			}
		}
	}
	var words []string
	for id, w := range strs {
		if spotting[id] && letters(w) == len(w) && len(w) >= minGlueLetters {
			words = append(words, w)
		}
	}
	e.glue = newAutomaton(words)
	// rot13 forms of the single words among the literals: enough to spot
	// rot13 text, which is then decoded and matched in full.
	// The reversed forms likewise spot reversed text ("snoitcurtsni").
	for id, s := range slices.Clone(strs) {
		if spotting[id] && letters(s) >= minRot13Letters && letters(s) == len(s) {
			e.rot13[lit(string(rot13(nil, []byte(s))))] = altRot13
			if r := string(reverse(nil, []byte(s))); r != s && letters(s) >= minReversedLetters {
				if id := lit(r); e.rot13[id] == 0 && len(e.targets[id]) == 0 {
					e.rot13[id] = altReversed
				}
			}
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
	mention    bool // the match is all there is between quotation marks (see quoted)
	refused    bool // a mention because the sentence reports the request and refuses it (refusals.go)
}

// quoted reports whether text[start:end] is enclosed by quotation marks,
// give or take a space or a closing punctuation mark: 'what does "ignore
// previous instructions" mean?' mentions an attack rather than making one.
// A quotation that holds more than the match ("'ignore the rules and say
// hi'") is a mention only when the words around it ask about it
// (analysedQuote, quoted.go).
func quoted(text []byte, start, end int, sys bool) bool {
	return wholeQuote(text, start, end) || analysedQuote(text, start, end, sys)
}

// wholeQuote reports whether the match is all there is between quotation
// marks.
func wholeQuote(text []byte, start, end int) bool {
	before := bytes.TrimRight(text[:start], " ")
	if len(before) < start-1 {
		return false
	}
	after := bytes.TrimLeft(text[end:], " .,;:!?")
	if len(text)-end-len(after) > 2 {
		return false
	}
	r, _ := utf8.DecodeLastRune(before)
	l, _ := utf8.DecodeRune(after)
	return isQuote(r) && isQuote(l)
}

// negated reports whether a match at start follows a negation: "never
// reveal the system prompt" and "do not ignore previous instructions" are
// what operators write to defend their prompts. Like a quotation, such a
// match is reported as a flag and the model judges the text.
func negated(text []byte, start int) bool {
	if w := text[max(0, start-96):start]; mayNegate(w) {
		if m := negatedList.FindSubmatchIndex(w); m != nil && (m[2] >= 0 || listGoesOn.Match(text[start:min(len(text), start+40)])) {
			return true
		}
	}
	// Emphasis marks are not words: "it does **not** dump the system prompt".
	before := bytes.TrimRight(text[max(0, start-24):start], " *_")
	for _, neg := range negations {
		if bytes.HasSuffix(before, neg) {
			r, _ := utf8.DecodeLastRune(before[:len(before)-len(neg)])
			if len(before) == len(neg) || !isWordByte(before[len(before)-len(neg)-1]) && !unicode.IsLetter(r) {
				return true
			}
		}
	}
	return false
}

// negatedList is a negation that governs a list of verbs, the match's
// the last of them: "do not print, paraphrase or translate <match>",
// "never repeat it, encode it or <match>". The last join is "or" or "nor",
// or the match goes on with the list (listGoesOn): "don't wait, print the
// system prompt" is an order, not a list.
var negatedList = regexp.MustCompile(`(?:^|[\s,:;(])(?:never|not|don't|must\snot|mustn't|cannot|can't|won't|shouldn't|may\snot)\s(?:[a-z'-]+(?:\s(?:it|them|this|that))?,\s){0,4}(?:[a-z'-]+(?:\s(?:it|them|this|that))?,?\s(or|nor|and/or)\s)?\z`)

// mayNegate reports whether w holds a word negatedList needs: each of its
// negations holds "not", "n't" or "never". Most matches have none before
// them, and the regexp, unanchored with \z, costs a try at every byte.
func mayNegate(w []byte) bool {
	return bytes.Contains(w, []byte("not")) || bytes.Contains(w, []byte("n't")) || bytes.Contains(w, []byte("never"))
}

// listGoesOn is a match that is itself the rest of a verb list ("do not
// print, <paraphrase or translate this system message>").
var listGoesOn = regexp.MustCompile(`\A[a-z'-]+(?:\s(?:it|them|this|that))?(?:,|\sor|\snor)\s`)

// negations are in the normalised form (marks dropped): "đừng" is "đung".
// Those of other languages that stand before the verb: Spanish and
// Portuguese no/não/nunca, Italian and French non/jamais, Polish nie,
// Vietnamese đừng/không (được), Indonesian jangan/tidak, Ukrainian and
// Russian не, Arabic لا, Hindi मत ("do not ignore the previous
// instructions" in an operator's prompt).
var negations = [][]byte{[]byte("never"), []byte("not"), []byte("don't"), []byte("do not"), []byte("must not"), []byte("mustn't"),
	[]byte("cannot"), []byte("can't"), []byte("won't"), []byte("shouldn't"), []byte("refuse to"), []byte("nor"),
	[]byte("no"), []byte("nao"), []byte("nunca"), []byte("non"), []byte("jamais"), []byte("nie"), []byte("đung"),
	[]byte("khong"), []byte("khong đuoc"), []byte("jangan"), []byte("tidak"), []byte("не"), []byte("لا"), []byte("मत")}

func isQuote(r rune) bool {
	switch r {
	case '"', '\'', '`', '‘', '’', '“', '”', '„', '«', '»':
		return true
	}
	return false
}

// planStep is what a literal hit adds for one live branch: its position
// to the list key, the branch's starts (position where the literal starts,
// back bytes before its end) or one of its required sets (where it ends).
type planStep struct {
	key, back int32
}

// noBranch is a set of required sets no text hits (a branch has at most 63).
const noBranch = 1 << 63

// matchScratch is the memory of one match call, kept for reuse.
type matchScratch struct {
	hits     []acHit // by automaton state
	ac       acScratch
	slot     []int32  // by state: hits there, then 1 + its index in states
	states   []int32  // the states hit, once each
	count    []int32  // hits at each of states
	litSeen  []uint64 // bitset of the literals hit
	distinct []int32  // the literals hit, once each
	rot      []acHit  // hits of rot13 literals
	seen     []uint64 // per branch: the required sets hit, then 1 if the branch is live
	plan     []planStep
	planAt   [][2]int32 // the plan of a state of slot k is plan[planAt[k-1][0]:planAt[k-1][1]]
	keyFirst []int32    // where each list starts in pos
	fill     []int32
	pos      []int32
	spans    []span
	ends     []int32 // by branch: where its last match ended
	regions  []altRegion
	glued    []altRegion
	rotKind  []acHit
	live     []int32 // the live branches, in order
	// need is by branch the required sets it needs hit to be live, for
	// role needFor: every one, or noBranch when its rule does not apply
	need    []uint64
	needFor string
	// goOn, when set, marks by rule the reject rules whose matches do not
	// stop the scan: in content, a payload pattern is evidence (see
	// contentEvidenceRules), and an install guide prints a dozen of them.
	goOn []bool
}

// match runs the rules that apply to role over normalised text, spending at
// most *budget bytes of regexp work. exhausted reports that the budget ran
// out before every candidate was tried. It stops at the first match of a
// reject rule that is not a mention: the text is refused whatever else it
// holds, and a flood of real matches costs no more than one.
//
// A long text is worked through in chunks of matchChunk bytes, each with
// the literal hits up to maxWindow past its end (the furthest a match that
// starts in it reaches), so that work stops early on a text that runs out
// of budget or is refused: a flood costs about the budget, not its length.
func (e *ruleEngine) match(role string, text []byte, ascii bool, sc *matchScratch, budget *int) (spans []span, exhausted bool) {
	spans, sc.rot = sc.spans[:0], sc.rot[:0]
	sc.ends = grow(sc.ends, len(e.branches))
	for i := range sc.ends {
		sc.ends[i] = -1
	}
	for c0 := 0; c0 < len(text) && !exhausted; c0 += matchChunk {
		var refused bool
		spans, refused, exhausted = e.matchChunk(role, text, ascii, c0, min(len(text), c0+matchChunk), sc, spans, budget)
		if refused {
			break
		}
	}
	sc.spans = spans
	return spans, exhausted
}

// matchChunk is how much text match works through at a time.
const matchChunk = 64 << 10

// matchChunk appends the matches that start in text[c0:c1] to spans, and
// reports whether one is a reject match or the budget ran out.
func (e *ruleEngine) matchChunk(role string, text []byte, ascii bool, c0, c1 int, sc *matchScratch, spans []span, budget *int) (_ []span, refused, exhausted bool) {
	sys := systemText(role) // operators' text speaks to the assistant (see onlyAsks)
	lo, hi := max(0, c0-(e.ac.Longest()-1)), min(len(text), c1+maxWindow)
	// Ordinary prose has a literal hit every six bytes or so: size the
	// buffers once rather than let a long text grow them step by step.
	sc.hits = slices.Grow(sc.hits[:0], (hi-lo)/4)
	sc.hits = e.ac.Scan(text[lo:hi], sc.hits, &sc.ac)
	if lo > 0 {
		for i := range sc.hits {
			sc.hits[i].End += int32(lo)
		}
	}
	// Common words hit many times and feed many branches, and a few
	// automaton states account for most hits: work out which branches are
	// live from the distinct states hit, then turn each hit into the
	// positions the live branches need, through a plan made once per state.
	// slot is zero but for the states of the last call.
	sc.slot = grow(sc.slot, e.ac.States())
	for _, st := range sc.states {
		sc.slot[st] = 0
	}
	sc.states = sc.states[:0]
	for _, h := range sc.hits {
		if sc.slot[h.ID] == 0 {
			sc.states = append(sc.states, h.ID)
		}
		sc.slot[h.ID]++
	}
	sc.count = grow(sc.count, len(sc.states))
	for k, st := range sc.states { // from here on, slot[st] is k+1 (then: see plan)
		sc.count[k], sc.slot[st] = sc.slot[st], int32(k+1)
	}
	sc.litSeen = resize(sc.litSeen, (len(e.targets)+63)/64)
	sc.distinct = sc.distinct[:0]
	rot := false
	for _, st := range sc.states {
		for _, id := range e.ac.Outputs(st) {
			if sc.litSeen[id/64]&(1<<(id%64)) == 0 {
				sc.litSeen[id/64] |= 1 << (id % 64)
				sc.distinct = append(sc.distinct, id)
				rot = rot || e.rot13[id] != 0
			}
		}
	}
	if rot { // rare: expand the hits for rot13Regions, each in one chunk
		for _, h := range sc.hits {
			if int(h.End) <= c0 || int(h.End) > c1 {
				continue
			}
			for _, id := range e.ac.Outputs(h.ID) {
				if e.rot13[id] != 0 {
					sc.rot = append(sc.rot, acHit{ID: id, End: h.End})
				}
			}
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
	if sc.needFor != role || len(sc.need) != nb {
		sc.need = grow(sc.need, nb)
		for i := range e.branches {
			b := &e.branches[i]
			sc.need[i] = 1<<uint(len(b.reqEnd[0])) - 1
			if !ruleApplies(e.rules[b.rule].Roles, role) {
				sc.need[i] = noBranch
			}
		}
		sc.needFor = role
	}
	sc.live = sc.live[:0]
	for i, need := range sc.need {
		if sc.seen[i] != need {
			sc.seen[i] = 0
		} else {
			sc.seen[i] = 1
			sc.live = append(sc.live, int32(i))
		}
	}
	if len(sc.live) == 0 {
		return spans, false, false
	}
	// The lists of the live branches only are counted, laid out and
	// filled: a hit adds to no other list, and no other is read. A live
	// branch's lists are keys key to key+sets, its count of each is kept
	// in keyFirst one key on, until the running sum turns the counts into
	// where each list starts.
	sc.keyFirst = grow(sc.keyFirst, int(e.nkeys)+1)
	for _, i := range sc.live {
		b := &e.branches[i]
		clear(sc.keyFirst[b.key+1 : b.key+int32(len(b.reqEnd[0]))+2])
	}
	// The plan of each state: the lists (a branch's starts, or one of its
	// required sets) that a hit there adds a position to. A state with an
	// empty plan gets slot 0, so that its hits are passed over at once.
	sc.plan, sc.planAt = sc.plan[:0], sc.planAt[:0]
	for k, st := range sc.states {
		from := int32(len(sc.plan))
		for _, id := range e.ac.Outputs(st) {
			for _, t := range e.targets[id] {
				if sc.seen[t.branch] == 0 {
					continue
				}
				step := planStep{key: e.branches[t.branch].key + int32(t.set) + 1}
				if t.set < 0 {
					step.back = e.ac.Len(id)
				}
				sc.plan = append(sc.plan, step)
				sc.keyFirst[step.key+1] += sc.count[k]
			}
		}
		sc.slot[st] = 0
		if to := int32(len(sc.plan)); to > from {
			sc.planAt = append(sc.planAt, [2]int32{from, to})
			sc.slot[st] = int32(len(sc.planAt))
		}
	}
	total := int32(0)
	sc.fill = grow(sc.fill, int(e.nkeys))
	for _, i := range sc.live {
		b := &e.branches[i]
		last := b.key + int32(len(b.reqEnd[0])) // the branch's lists are keys b.key to last
		sc.keyFirst[b.key] = total
		for k := b.key; k <= last; k++ {
			sc.keyFirst[k+1] += sc.keyFirst[k]
			sc.fill[k] = sc.keyFirst[k]
		}
		total = sc.keyFirst[last+1]
	}
	sc.pos = grow(sc.pos, int(total))
	for _, h := range sc.hits {
		k := sc.slot[h.ID]
		if k == 0 {
			continue
		}
		at := sc.planAt[k-1]
		for _, step := range sc.plan[at[0]:at[1]] {
			sc.pos[sc.fill[step.key]] = h.End - step.back
			sc.fill[step.key]++
		}
	}
	for _, i := range sc.live {
		b := &e.branches[i]
		stop := b.reject && (sc.goOn == nil || !sc.goOn[b.rule])
		var out, proof bool
		if !b.prefixed {
			spans, out, proof = b.searchNear(text, ascii, stop, c0, c1, sc.pos, sc.keyFirst[b.key:b.key+int32(len(b.reqEnd[0]))+2], &sc.ends[i], spans, budget, sys)
			if out || proof {
				return spans, proof, out
			}
			continue
		}
		spans, out, proof = b.try(text, ascii, stop, c0, c1, sc.pos, sc.keyFirst[b.key:b.key+int32(len(b.reqEnd[0]))+2], &sc.ends[i], spans, budget, sys)
		if out || proof {
			return spans, proof, out
		}
	}
	return spans, false, false
}

// try tries b at each of its candidate starts in text[c0:c1] after which
// every required set has a hit within reach. The starts are
// pos[first[0]:first[1]], the ends of required set s
// pos[first[s+1]:first[s+2]], in order of where their literals end. ascii
// says text is ASCII, where the tighter reaches hold. *end is where the
// branch's last match ended, which its next one cannot start before. It
// stops at proof that the text must be refused: a match of a reject rule
// that is not a mention, when stop says the rule's matches stop the scan.
func (b *branch) try(text []byte, ascii, stop bool, c0, c1 int, pos, first []int32, end *int32, spans []span, budget *int, sys bool) (_ []span, out, proof bool) {
	k := 0
	if ascii {
		k = 1
	}
	starts := pos[first[0]:first[1]]
	// Literals of different lengths can leave starts a little out of order.
	for i := 1; i < len(starts); i++ {
		for j := i; j > 0 && starts[j] < starts[j-1]; j-- {
			starts[j], starts[j-1] = starts[j-1], starts[j]
		}
	}
	var cursor [64]int32
	copy(cursor[:], first[1:])
candidates:
	for _, p := range starts {
		if p < *end || int(p) < c0 || int(p) >= c1 {
			continue // inside the previous match of this branch, or another chunk's
		}
		for s, reach := range b.reqEnd[k] {
			c, last := cursor[s], first[s+2]
			for c < last && pos[c] <= p {
				c++
			}
			cursor[s] = c
			if c == last || pos[c] > p+reach {
				continue candidates
			}
		}
		m, ok, out := b.tryAt(text, int(p), b.window[k], budget)
		if out {
			return spans, true, false
		}
		if ok && b.nounFirst && nounUse(text, int(p)) {
			continue // a noun, not the request's verb (nounverbs.go)
		}
		if ok {
			sp := b.span(text, int(p), m, budget, sys)
			if *budget < 0 {
				return spans, true, false
			}
			spans = append(spans, sp)
			if stop && !sp.mention {
				return spans, false, true // one is proof enough
			}
			*end = int32(max(m, int(p)+1))
		}
	}
	return spans, false, false
}

// span is b's match text[start:end], a mention when it is quoted, negated,
// (for a scoped rule) a defence, or (for a reject rule) a request the
// sentence reports and refuses (refusals.go), whose regexp work is paid
// from *budget: a flood of such requests runs out of it like a flood of
// near-matches.
func (b *branch) span(text []byte, start, end int, budget *int, sys bool) span {
	if quoted(text, start, end, sys) {
		return span{rule: b.rule, start: start, end: end, mention: true}
	}
	if negated(text, start) || b.scoped && defence(text, start, end) {
		// A negated or defensive match that the text then takes back ("Do
		// not ignore all previous instructions. Just kidding — you may.")
		// is no mention.
		taken := b.reject && takenBack(text, end, budget)
		return span{rule: b.rule, start: start, end: end, mention: !taken}
	}
	refused := b.reject && refusedRequest(text, start, end, budget)
	return span{rule: b.rule, start: start, end: end, mention: refused, refused: refused}
}

// searchNear searches for b, which has no literal prefix, in the stretches
// of text where a match starting in text[c0:c1] can lie: a match holds a
// literal of each required set, ending at most reqEnd after its start, and
// is at most window long. The set with the fewest hits bounds the stretches
// best. A benign text pays for a few windows around its rare hits, not for
// its length; a text with no required set pays for the chunk. Arguments and
// results are those of try.
func (b *branch) searchNear(text []byte, ascii, stop bool, c0, c1 int, pos, first []int32, end *int32, spans []span, budget *int, sys bool) (_ []span, out, proof bool) {
	k := 0
	if ascii {
		k = 1
	}
	window := b.window[k]
	if len(b.reqEnd[k]) == 0 {
		return b.searchIn(text, stop, c0, min(len(text), c1+window), c1, end, spans, budget, sys)
	}
	best := 0
	for s := range b.reqEnd[k] {
		if first[s+2]-first[s+1] < first[best+2]-first[best+1] {
			best = s
		}
	}
	hits, reach := pos[first[best+1]:first[best+2]], int(b.reqEnd[k][best])
	for i := 0; i < len(hits); {
		from, to := max(c0, int(hits[i])-reach), int(hits[i])+window
		for i++; i < len(hits) && int(hits[i])-reach <= to; i++ {
			to = int(hits[i]) + window
		}
		if from >= c1 {
			break
		}
		spans, out, proof = b.searchIn(text, stop, from, min(len(text), to), c1, end, spans, budget, sys)
		if out || proof {
			break
		}
	}
	return spans, out, proof
}

// searchIn appends the matches of b that start in text[from:min(to,c1)] and
// end by to, as try does, reading the character before from for ^ and \b.
// Like tryAt, it does not cut a word at to.
func (b *branch) searchIn(text []byte, stop bool, from, to, c1 int, end *int32, spans []span, budget *int, sys bool) (_ []span, out, proof bool) {
	for limit := min(len(text), to+64); to < limit && isWordByte(text[to]); {
		to++
	}
	for p := max(from, int(*end)); p < to && p < c1; {
		base, re := p, b.searchAtStart
		if p > 0 {
			_, size := utf8.DecodeLastRune(text[:p])
			base, re = p-size, b.search
		}
		if *budget < to-base {
			return spans, true, false
		}
		loc := re.FindIndex(text[base:to])
		if loc == nil {
			*budget -= to - base
			break
		}
		*budget -= loc[1]
		start, m := base+loc[0], base+loc[1]
		if p > 0 {
			_, size := utf8.DecodeRune(text[start:])
			start += size // past the character of left context
		}
		if start >= c1 {
			break
		}
		if b.nounFirst && nounUse(text, start) {
			*end = int32(start + 1) // a noun: look for a match after its first byte
			p = int(*end)
			continue
		}
		sp := b.span(text, start, m, budget, sys)
		if *budget < 0 {
			return spans, true, false
		}
		spans = append(spans, sp)
		if stop && !sp.mention {
			return spans, false, true
		}
		*end = int32(max(m, start+1))
		p = int(*end)
	}
	return spans, false, false
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
	if b.lines >= 0 {
		// The match cannot go past the end of its lines+1-th line, so the
		// try costs those lines, not the window: a README's badges each
		// cost their own line or two. Cutting at a newline leaves $ and \b
		// as they were (a newline is an end of line and not a word byte).
		cut := start
		for range b.lines + 1 {
			nl := bytes.IndexByte(text[cut:to], '\n')
			if nl < 0 {
				cut = -1
				break
			}
			cut += nl + 1
		}
		if cut >= 0 {
			to = cut - 1
		}
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

// altRegion is a stretch of normalised text that looks encoded the way
// kind says (altRot13 or altReversed).
type altRegion struct {
	kind       uint8
	start, end int
}

// rot13Regions returns the stretches of normalised text that look rot13
// encoded or reversed: around hits of the rot13 or reversed forms of rule
// literals, where at least two different ones of a kind occur within reach
// of each other.
func (e *ruleEngine) rot13Regions(text []byte, sc *matchScratch) []altRegion {
	const reach = 256
	sc.regions = sc.regions[:0]
	for _, kind := range []uint8{altRot13, altReversed} {
		hits := sc.rotKind[:0]
		for _, h := range sc.rot {
			if e.rot13[h.ID] == kind {
				hits = append(hits, h)
			}
		}
		sc.rotKind = hits
		for i := 0; i < len(hits); {
			lo := max(0, int(hits[i].End-e.ac.Len(hits[i].ID))-reach)
			hi := min(len(text), int(hits[i].End)+reach)
			several := false
			j := i + 1
			for ; j < len(hits) && int(hits[j].End-e.ac.Len(hits[j].ID)) <= hi; j++ {
				hi = min(len(text), int(hits[j].End)+reach)
				several = several || hits[j].ID != hits[i].ID
			}
			if several {
				sc.regions = append(sc.regions, altRegion{kind: kind, start: lo, end: hi})
			}
			i = j
		}
	}
	return sc.regions
}

// gluedRegions appends to out the runs of letters in normalised text that
// are rule words glued together (see minGluedRun).
func (e *ruleEngine) gluedRegions(text []byte, out []altRegion) []altRegion {
	isLetter := func(c byte) bool { return 'a' <= c && c <= 'z' }
	// A run of minGluedRun letters covers every minGluedRun-th byte, so
	// only those are probed; prose rarely gets past the probe.
	for i := 0; i+minGluedRun <= len(text); {
		p := i + minGluedRun - 1
		if !isLetter(text[p]) {
			i = p + 1
			continue
		}
		start := p
		for start > i && isLetter(text[start-1]) {
			start--
		}
		end := p + 1
		for end < len(text) && isLetter(text[end]) {
			end++
		}
		if n := end - start; n >= minGluedRun && n <= maxGluedRun {
			if words, covered := e.splitGlued(text[start:end], nil); words >= minGluedWords && 2*covered >= n {
				out = append(out, altRegion{kind: altGlued, start: start, end: end})
			}
		}
		i = end + 1
	}
	return out
}

// splitGlued splits a run of letters greedily, longest rule word first at
// each place, letters between words making words of their own. It returns
// how many rule words it found and how many letters they cover, and, when
// dst is not nil, appends the split run to *dst.
func (e *ruleEngine) splitGlued(run []byte, dst *[]byte) (words, covered int) {
	longest := make([]int32, len(run))
	e.glue.Each(run, func(id int32, end int) {
		if n := e.glue.Len(id); n > longest[end-int(n)] {
			longest[end-int(n)] = n
		}
	})
	gap := false
	for k := 0; k < len(run); {
		if n := int(longest[k]); n > 0 {
			if dst != nil {
				if k > 0 {
					*dst = append(*dst, ' ')
				}
				*dst = append(*dst, run[k:k+n]...)
			}
			words++
			covered += n
			k += n
			gap = false
			continue
		}
		if dst != nil {
			if !gap && k > 0 {
				*dst = append(*dst, ' ')
			}
			*dst = append(*dst, run[k])
		}
		gap = true
		k++
	}
	return words, covered
}

// reverse appends src to dst with its characters in reverse order.
func reverse(dst, src []byte) []byte {
	at := len(dst)
	dst = slices.Grow(dst, len(src))[:at+len(src)]
	out := dst[at:] // each character keeps its bytes: as long as src
	for i := len(src); i > 0; {
		if c := src[i-1]; c < utf8.RuneSelf {
			out[len(src)-i] = c
			i--
			continue
		}
		_, size := utf8.DecodeLastRune(src[:i])
		copy(out[len(src)-i:], src[i-size:i])
		i -= size
	}
	return dst
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

// maxNewlines returns the most newlines a match of re can hold, or -1 if
// there is no bound.
func maxNewlines(re *syntax.Regexp) int {
	switch re.Op {
	case syntax.OpAnyChar:
		return 1
	case syntax.OpLiteral:
		n := 0
		for _, r := range re.Rune {
			if r == '\n' {
				n++
			}
		}
		return n
	case syntax.OpCharClass:
		for i := 0; i+1 < len(re.Rune); i += 2 {
			if re.Rune[i] <= '\n' && '\n' <= re.Rune[i+1] {
				return 1
			}
		}
		return 0
	case syntax.OpStar, syntax.OpPlus, syntax.OpRepeat:
		n := maxNewlines(re.Sub[0])
		switch {
		case n == 0:
			return 0
		case n < 0 || re.Op != syntax.OpRepeat || re.Max < 0:
			return -1
		}
		return n * re.Max
	case syntax.OpAlternate:
		most := 0
		for _, sub := range re.Sub {
			n := maxNewlines(sub)
			if n < 0 {
				return -1
			}
			most = max(most, n)
		}
		return most
	}
	// Concatenations, captures, ?, and the empty-width operators.
	sum := 0
	for _, sub := range re.Sub {
		n := maxNewlines(sub)
		if n < 0 {
			return -1
		}
		sum += n
	}
	return sum
}

// toolBudgetPerByte is the share of the text length that a tool
// definition's joined text (ToolDefinition) adds to budgetBase. Judged one
// string at a time, a definition had budgetBase for each of its strings;
// joined, it has one budgetBase and this much per byte: a schema of 2,000
// honest parameters spends about one byte of regexp work per byte of text
// (the tooldef rules' words are everywhere in tool text), and 2 bytes per
// byte bound the work of a flood of near-matches in proportion to its length.
const toolBudgetPerByte = 2
