package sanitizer

import (
	"regexp/syntax"
	"slices"
	"strings"
	"unicode"
	"unicode/utf8"
)

// Literal analysis of rule patterns, after Russ Cox's "Regular Expression
// Matching with a Trigram Index": from the syntax tree we learn which strings
// every match must begin with (so a rule is only tried where one occurs) and
// which strings every match must contain, and how far from the start of the
// match each of those can end at most (so a rule is only tried where all of
// them occur close enough after one of its beginnings).

// Larger sets stop being a useful filter. Runs of required strings may be
// larger, since a long run ("system prompt", "system-instructions", ...) is
// what makes a rule rare in ordinary prose.
// A run or a prefix stops growing once its shortest string has maxRunLen
// bytes: longer strings filter no better and only grow the automaton.
const (
	maxLitSet = 64
	maxRunSet = 256
	maxRunLen = 12
)

// extent is a length in bytes: [0] in any text, [1] in ASCII text, where
// every character is one byte. -1 means unbounded.
type extent [2]int

func (a extent) add(b extent) extent {
	for i := range a {
		if a[i] < 0 || b[i] < 0 {
			a[i] = -1
		} else {
			a[i] += b[i]
		}
	}
	return a
}

// widest is the larger of two extents.
func (a extent) widest(b extent) extent {
	for i := range a {
		if a[i] < 0 || b[i] < 0 {
			a[i] = -1
		} else {
			a[i] = max(a[i], b[i])
		}
	}
	return a
}

// reqSet is a set of strings one of which every match contains, ending at
// most maxEnd after the start of the match.
type reqSet struct {
	strs   []string
	maxEnd extent
}

type litInfo struct {
	exact  []string // every string the node can match, when few; nil when unknown
	prefix []string // every match begins with one of these; nil when unknown
	req    []reqSet // every match contains a string from each set
}

// alternatives splits a pattern at its top-level "|" and parses each piece
// the way rules are compiled (case-insensitive, multi-line, against
// lower-cased text). The split is textual, so each piece's source can be
// compiled on its own; a pattern it cannot split safely (a top-level flag
// group or \Q...\E quoting, which reach across "|") stays whole.
func alternatives(pattern string) (src []string, trees []*syntax.Regexp) {
	src = splitTopLevel(pattern)
	for _, piece := range src {
		re, err := syntax.Parse("(?im:"+piece+")", syntax.Perl)
		if err != nil {
			src = []string{pattern}
			re, err = syntax.Parse("(?im:"+pattern+")", syntax.Perl)
			if err != nil {
				return nil, nil // New validated every pattern
			}
			return src, []*syntax.Regexp{re}
		}
		trees = append(trees, re)
	}
	return src, trees
}

func splitTopLevel(p string) []string {
	if strings.Contains(p, `\Q`) {
		return []string{p}
	}
	var out []string
	depth, start := 0, 0
	for i := 0; i < len(p); i++ {
		switch p[i] {
		case '\\':
			i++
		case '[':
			i = classEnd(p, i)
		case '(':
			if depth == 0 && strings.HasPrefix(p[i:], "(?") && !isGroupWithFlags(p[i:]) {
				return []string{p} // (?i) and the like apply to the rest of the pattern
			}
			depth++
		case ')':
			depth--
		case '|':
			if depth == 0 {
				out = append(out, p[start:i])
				start = i + 1
			}
		}
	}
	return append(out, p[start:])
}

// isGroupWithFlags reports whether s starts a group "(?flags:...)" or
// "(?P<name>...)" rather than a bare flag setting "(?flags)".
func isGroupWithFlags(s string) bool {
	for i := 2; i < len(s); i++ {
		switch s[i] {
		case ':', '<', 'P':
			return true
		case ')':
			return false
		}
	}
	return false
}

// classEnd returns the index of the "]" that closes the class opened at i.
func classEnd(p string, i int) int {
	i++
	if i < len(p) && p[i] == '^' {
		i++
	}
	if i < len(p) && p[i] == ']' {
		i++ // a leading ] is literal
	}
	for ; i < len(p); i++ {
		switch {
		case p[i] == '\\':
			i++
		case strings.HasPrefix(p[i:], "[:"):
			if j := strings.Index(p[i+2:], ":]"); j >= 0 {
				i += j + 3
			}
		case p[i] == ']':
			return i
		}
	}
	return i
}

// leadingAssertions reports whether every match must start a line or a word.
func leadingAssertions(re *syntax.Regexp) (line, word bool) {
	for re.Op == syntax.OpCapture {
		re = re.Sub[0]
	}
	first := re
	if re.Op == syntax.OpConcat && len(re.Sub) > 0 {
		first = re.Sub[0]
	}
	return first.Op == syntax.OpBeginLine, first.Op == syntax.OpWordBoundary
}

// analyzeTree returns the prefix set, the required sets and the longest match
// of one alternative.
func analyzeTree(re *syntax.Regexp) (prefix []string, req []reqSet, maxLen extent) {
	re = re.Simplify()
	a := &analysis{widths: map[*syntax.Regexp]extent{}}
	info := a.lits(re)
	prefix = info.prefix
	if info.exact != nil {
		prefix = info.exact
	}
	if slices.Contains(prefix, "") {
		prefix = nil
	}
	for _, set := range info.req {
		if minLen(set.strs) >= 3 && !slices.ContainsFunc(set.strs, isCommonWord) {
			req = append(req, set)
		}
	}
	return prefix, req, a.width(re)
}

// isCommonWord reports a string that turns up every few words of any
// English prose ("the", " you "). Required strings filter by being rare; a
// set with one of these filters nothing and costs an automaton hit every
// couple of dozen bytes.
func isCommonWord(s string) bool {
	switch strings.TrimSpace(s) {
	case "the", "and", "you", "for", "are", "was", "not", "but", "can", "with", "this", "that", "have", "from":
		return true
	}
	return false
}

// analysis remembers the width of each node, which the literal analysis
// asks for at every level of the tree.
type analysis struct {
	widths map[*syntax.Regexp]extent
}

func (a *analysis) lits(re *syntax.Regexp) litInfo {
	switch re.Op {
	case syntax.OpLiteral:
		s := strings.ToLower(string(re.Rune))
		return litInfo{exact: []string{s}, prefix: []string{s}, req: []reqSet{{[]string{s}, a.width(re)}}}
	case syntax.OpCharClass:
		set := classStrings(re.Rune)
		if set == nil {
			return litInfo{}
		}
		return litInfo{exact: set, prefix: set}
	case syntax.OpEmptyMatch, syntax.OpBeginLine, syntax.OpEndLine, syntax.OpBeginText,
		syntax.OpEndText, syntax.OpWordBoundary, syntax.OpNoWordBoundary:
		return litInfo{exact: []string{""}, prefix: []string{""}}
	case syntax.OpCapture:
		return a.lits(re.Sub[0])
	case syntax.OpQuest:
		sub := a.lits(re.Sub[0])
		if sub.exact != nil && len(sub.exact) < maxLitSet {
			e := append(slices.Clone(sub.exact), "")
			return litInfo{exact: e, prefix: e}
		}
		return litInfo{}
	case syntax.OpPlus:
		// Required strings of the first repetition bound the whole.
		sub := a.lits(re.Sub[0])
		return litInfo{prefix: orExact(sub), req: sub.allReq(a.width(re.Sub[0]))}
	case syntax.OpRepeat:
		if re.Min == 0 {
			return litInfo{}
		}
		sub := a.lits(re.Sub[0])
		if re.Min == 1 && re.Max == 1 {
			return sub
		}
		return litInfo{prefix: orExact(sub), req: sub.allReq(a.width(re.Sub[0]))}
	case syntax.OpConcat:
		return a.concatLits(re.Sub)
	case syntax.OpAlternate:
		return a.alternateLits(re.Sub)
	}
	return litInfo{} // any character, stars
}

func orExact(i litInfo) []string {
	if i.exact != nil {
		return i.exact
	}
	return i.prefix
}

// allReq is the required sets of a node, counting its exact set as one
// that ends within the node's width.
func (i litInfo) allReq(w extent) []reqSet {
	if i.exact != nil && !slices.Contains(i.exact, "") {
		return append(slices.Clone(i.req), reqSet{i.exact, w})
	}
	return i.req
}

func (a *analysis) concatLits(subs []*syntax.Regexp) litInfo {
	var out litInfo
	prefix, prefixOpen := []string{""}, true
	// run is the exact strings of the current run of exact children; off is
	// the longest width of the children so far.
	run, allExact, off := []string{""}, true, extent{}
	closeRun := func() {
		if run != nil && minLen(run) > 0 {
			out.req = append(out.req, reqSet{run, off})
		}
	}
	for _, sub := range subs {
		si := a.lits(sub)
		for _, r := range si.req {
			out.req = append(out.req, reqSet{r.strs, off.add(r.maxEnd)})
		}
		if prefixOpen && minLen(prefix) >= maxRunLen {
			prefixOpen = false // long enough to anchor a try
		}
		if prefixOpen {
			if si.exact != nil && len(prefix)*len(si.exact) <= maxLitSet {
				prefix = cross(prefix, si.exact)
			} else {
				if p := orExact(si); p != nil && len(prefix)*len(p) <= maxLitSet {
					prefix = cross(prefix, p)
				}
				prefixOpen = false
			}
		}
		if si.exact != nil && run != nil && len(run)*len(si.exact) <= maxRunSet && minLen(run) < maxRunLen {
			run = cross(run, si.exact)
			off = off.add(a.width(sub))
			continue
		}
		allExact = false
		closeRun()
		run = nil
		if si.exact != nil && len(si.exact) <= maxLitSet {
			run = si.exact
		}
		off = off.add(a.width(sub))
	}
	closeRun()
	if allExact {
		out.exact = run
	}
	out.prefix = prefix
	return out
}

func (a *analysis) alternateLits(subs []*syntax.Regexp) litInfo {
	var out litInfo
	exactOK, prefixOK, reqOK := true, true, true
	var req reqSet
	for _, sub := range subs {
		si := a.lits(sub)
		if si.exact != nil && exactOK {
			out.exact = append(out.exact, si.exact...)
		} else {
			exactOK = false
		}
		if p := orExact(si); p != nil && prefixOK {
			out.prefix = append(out.prefix, p...)
		} else {
			prefixOK = false
		}
		if best, ok := bestSet(si.allReq(a.width(sub))); ok && reqOK {
			if req.strs == nil {
				req.maxEnd = best.maxEnd
			}
			req.maxEnd = req.maxEnd.widest(best.maxEnd)
			req.strs = append(req.strs, best.strs...)
		} else {
			reqOK = false
		}
	}
	if !exactOK || len(out.exact) > maxLitSet {
		out.exact = nil
	}
	if !prefixOK || len(out.prefix) > 4*maxLitSet {
		out.prefix = nil
	}
	if reqOK && len(req.strs) <= 4*maxLitSet {
		out.req = []reqSet{req}
	}
	return out
}

// bestSet picks the most selective set: longest shortest string.
func bestSet(sets []reqSet) (reqSet, bool) {
	var best reqSet
	for _, s := range sets {
		if best.strs == nil || minLen(s.strs) > minLen(best.strs) {
			best = s
		}
	}
	return best, best.strs != nil
}

func cross(a, b []string) []string {
	out := make([]string, 0, len(a)*len(b))
	for _, x := range a {
		for _, y := range b {
			out = append(out, x+y)
		}
	}
	slices.Sort(out)
	return slices.Compact(out)
}

func minLen(set []string) int {
	m := -1
	for _, s := range set {
		if m < 0 || len(s) < m {
			m = len(s)
		}
	}
	return max(m, 0)
}

// classStrings lists a small character class, lower-cased. White space is
// one space: the normaliser leaves only a space or a newline, and the
// automaton reads a newline as a space.
func classStrings(ranges []rune) []string {
	n := 0
	for i := 0; i < len(ranges); i += 2 {
		n += int(ranges[i+1]-ranges[i]) + 1
	}
	if n > 16 && !(n <= 32 && allSpace(ranges)) {
		return nil
	}
	var out []string
	for i := 0; i < len(ranges); i += 2 {
		for r := ranges[i]; r <= ranges[i+1]; r++ {
			if unicode.IsSpace(r) {
				out = append(out, " ")
			} else {
				out = append(out, strings.ToLower(string(r)))
			}
		}
	}
	slices.Sort(out)
	return slices.Compact(out)
}

func allSpace(ranges []rune) bool {
	for i := 0; i < len(ranges); i += 2 {
		for r := ranges[i]; r <= ranges[i+1]; r++ {
			if !unicode.IsSpace(r) {
				return false
			}
		}
	}
	return true
}

// width is the longest match of re. A letter counts as its widest case
// variant, since patterns match case-insensitively.
func (a *analysis) width(re *syntax.Regexp) extent {
	w, ok := a.widths[re]
	if !ok {
		w = a.measure(re)
		a.widths[re] = w
	}
	return w
}

func (a *analysis) measure(re *syntax.Regexp) extent {
	switch re.Op {
	case syntax.OpLiteral:
		w := extent{0, len(re.Rune)}
		for _, r := range re.Rune {
			w[0] += runeWidth(r, r)
		}
		return w
	case syntax.OpCharClass:
		w := extent{0, 1}
		for i := 0; i < len(re.Rune); i += 2 {
			w[0] = max(w[0], runeWidth(re.Rune[i], re.Rune[i+1]))
		}
		return w
	case syntax.OpAnyChar, syntax.OpAnyCharNotNL:
		return extent{utf8.UTFMax, 1}
	case syntax.OpStar, syntax.OpPlus:
		return extent{-1, -1}
	case syntax.OpQuest, syntax.OpCapture:
		return a.width(re.Sub[0])
	case syntax.OpRepeat:
		w := a.width(re.Sub[0])
		for i := range w {
			if re.Max < 0 || w[i] < 0 {
				w[i] = -1
			} else {
				w[i] *= re.Max
			}
		}
		return w
	case syntax.OpConcat, syntax.OpAlternate:
		var total extent
		for _, sub := range re.Sub {
			if re.Op == syntax.OpConcat {
				total = total.add(a.width(sub))
			} else {
				total = total.widest(a.width(sub))
			}
		}
		return total
	}
	return extent{}
}

// runeWidth is the widest UTF-8 encoding of any rune in lo..hi or of their
// case variants.
func runeWidth(lo, hi rune) int {
	if hi >= 0x800 {
		return utf8.UTFMax
	}
	w := 1
	for r := lo; r <= hi; r++ {
		w = max(w, int(foldWidth[r]))
	}
	return w
}

// foldWidth is the widest encoding among the case variants of each rune
// below U+0800 (a "k" can match the three-byte Kelvin sign).
var foldWidth = func() (t [0x800]uint8) {
	for r := range rune(len(t)) {
		w := utf8.RuneLen(r)
		for f := unicode.SimpleFold(r); f != r; f = unicode.SimpleFold(f) {
			w = max(w, utf8.RuneLen(f))
		}
		t[r] = uint8(w)
	}
	return t
}()
