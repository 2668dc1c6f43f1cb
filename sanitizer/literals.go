package sanitizer

import (
	"regexp/syntax"
	"slices"
	"strings"
	"unicode/utf8"
)

// Literal analysis of rule patterns, after Russ Cox's "Regular Expression
// Matching with a Trigram Index": from the syntax tree we learn which strings
// every match must begin with (so a rule is only tried where one occurs) and
// which strings every match must contain (so a rule is skipped when one of
// them is absent from the text).

const maxLitSet = 64 // larger sets stop being a useful filter

type litInfo struct {
	exact  []string   // every string the node can match, when few; nil when unknown
	prefix []string   // every match begins with one of these; nil when unknown
	req    [][]string // every match contains a string from each set
}

// alternatives parses a pattern the way rules are compiled (case-insensitive,
// multi-line, against lower-cased text) and splits it at its top-level "|".
func alternatives(pattern string) []*syntax.Regexp {
	re, err := syntax.Parse("(?im:"+pattern+")", syntax.Perl)
	if err != nil {
		return nil // New validated every pattern
	}
	for re.Op == syntax.OpCapture {
		re = re.Sub[0]
	}
	if re.Op == syntax.OpAlternate {
		return re.Sub
	}
	return []*syntax.Regexp{re}
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
func analyzeTree(re *syntax.Regexp) (prefix []string, req [][]string, maxLen int) {
	re = re.Simplify()
	info := lits(re)
	prefix = info.prefix
	if info.exact != nil {
		prefix = info.exact
	}
	if slices.Contains(prefix, "") {
		prefix = nil
	}
	for _, set := range info.req {
		if minLen(set) >= 3 {
			req = append(req, set)
		}
	}
	return prefix, req, width(re)
}

func lits(re *syntax.Regexp) litInfo {
	switch re.Op {
	case syntax.OpLiteral:
		s := strings.ToLower(string(re.Rune))
		return litInfo{exact: []string{s}, prefix: []string{s}, req: [][]string{{s}}}
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
		return lits(re.Sub[0])
	case syntax.OpQuest:
		sub := lits(re.Sub[0])
		if sub.exact != nil && len(sub.exact) < maxLitSet {
			e := append(slices.Clone(sub.exact), "")
			return litInfo{exact: e, prefix: e}
		}
		return litInfo{}
	case syntax.OpPlus:
		sub := lits(re.Sub[0])
		return litInfo{prefix: orExact(sub), req: sub.allReq()}
	case syntax.OpRepeat:
		if re.Min == 0 {
			return litInfo{}
		}
		sub := lits(re.Sub[0])
		if re.Min == 1 && re.Max == 1 {
			return sub
		}
		return litInfo{prefix: orExact(sub), req: sub.allReq()}
	case syntax.OpConcat:
		return concatLits(re.Sub)
	case syntax.OpAlternate:
		return alternateLits(re.Sub)
	}
	return litInfo{} // any character, stars
}

func orExact(i litInfo) []string {
	if i.exact != nil {
		return i.exact
	}
	return i.prefix
}

// allReq is the required sets of a node, counting its exact set as one.
func (i litInfo) allReq() [][]string {
	if i.exact != nil && !slices.Contains(i.exact, "") {
		return append(slices.Clone(i.req), i.exact)
	}
	return i.req
}

func concatLits(subs []*syntax.Regexp) litInfo {
	var out litInfo
	prefix, prefixOpen := []string{""}, true
	run, allExact := []string{""}, true // exact strings of the current run of exact children
	for _, sub := range subs {
		si := lits(sub)
		out.req = append(out.req, si.req...)
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
		if si.exact != nil && run != nil && len(run)*len(si.exact) <= maxLitSet {
			run = cross(run, si.exact)
			continue
		}
		allExact = false
		if run != nil && minLen(run) > 0 {
			out.req = append(out.req, run)
		}
		run = nil
		if si.exact != nil && len(si.exact) <= maxLitSet {
			run = si.exact
		}
	}
	if run != nil && minLen(run) > 0 {
		out.req = append(out.req, run)
	}
	if allExact {
		out.exact = run
	}
	out.prefix = prefix
	return out
}

func alternateLits(subs []*syntax.Regexp) litInfo {
	var out litInfo
	exactOK, prefixOK, reqOK := true, true, true
	var req []string
	for _, sub := range subs {
		si := lits(sub)
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
		if best := bestSet(si.allReq()); best != nil && reqOK {
			req = append(req, best...)
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
	if reqOK && len(req) <= 4*maxLitSet {
		out.req = [][]string{req}
	}
	return out
}

// bestSet picks the most selective set: longest shortest string.
func bestSet(sets [][]string) []string {
	var best []string
	for _, s := range sets {
		if best == nil || minLen(s) > minLen(best) {
			best = s
		}
	}
	return best
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
// taken to be a space or a newline, the only two the normaliser leaves.
func classStrings(ranges []rune) []string {
	n := 0
	space := true
	for i := 0; i < len(ranges); i += 2 {
		n += int(ranges[i+1]-ranges[i]) + 1
		for r := ranges[i]; r <= ranges[i+1] && space; r++ {
			space = strings.ContainsRune("\t\n\v\f\r ", r)
		}
	}
	if space {
		return []string{" ", "\n"}
	}
	if n > 16 {
		return nil
	}
	var out []string
	for i := 0; i < len(ranges); i += 2 {
		for r := ranges[i]; r <= ranges[i+1]; r++ {
			out = append(out, strings.ToLower(string(r)))
		}
	}
	slices.Sort(out)
	return slices.Compact(out)
}

// width is the longest match in bytes, or -1 when unbounded.
func width(re *syntax.Regexp) int {
	switch re.Op {
	case syntax.OpLiteral:
		return utf8.UTFMax * len(re.Rune)
	case syntax.OpCharClass, syntax.OpAnyChar, syntax.OpAnyCharNotNL:
		return utf8.UTFMax
	case syntax.OpStar, syntax.OpPlus:
		return -1
	case syntax.OpQuest, syntax.OpCapture:
		return width(re.Sub[0])
	case syntax.OpRepeat:
		w := width(re.Sub[0])
		if re.Max < 0 || w < 0 {
			return -1
		}
		return w * re.Max
	case syntax.OpConcat, syntax.OpAlternate:
		total := 0
		for _, sub := range re.Sub {
			w := width(sub)
			if w < 0 {
				return -1
			}
			if re.Op == syntax.OpConcat {
				total += w
			} else {
				total = max(total, w)
			}
		}
		return total
	}
	return 0
}
