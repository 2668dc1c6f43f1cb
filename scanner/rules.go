package scanner

import (
	"bytes"
	_ "embed"
	"encoding/json"
	"fmt"
	"os"
	"path"
	"regexp"
	"regexp/syntax"
	"strings"
	"unicode/utf8"
)

// Rule describes one detection. The JSON shape is the original stack's
// scanner-rules.json (id, name, severity, category, patterns, description)
// plus optional fields. A rule with Patterns or Regex is a text rule: it
// matches every line of every text file whose base name matches one of
// Files (all files when Files is empty). A rule without them only sets the
// severity and description of a built-in detection with the same id.
type Rule struct {
	ID          string   `json:"id"`
	Name        string   `json:"name,omitempty"`
	Severity    string   `json:"severity"`
	Category    string   `json:"category,omitempty"`
	Patterns    []string `json:"patterns,omitempty"` // literal substrings
	Regex       []string `json:"regex,omitempty"`    // RE2 syntax, matched per line
	Files       []string `json:"files,omitempty"`    // path.Match patterns on the base name
	Description string   `json:"description,omitempty"`
	Disabled    bool     `json:"disabled,omitempty"`
}

//go:embed rules.json
var defaultRulesJSON []byte

// DefaultRules returns a copy of the embedded rules, which list every
// built-in detection and the default text rules.
func DefaultRules() []Rule {
	rules, err := parseRules(defaultRulesJSON, "embedded rules.json")
	if err != nil {
		panic(err) // the embedded file is tested; this cannot happen in a release
	}
	return rules
}

// LoadRules reads a JSON array of rules. Unknown fields are allowed, so the
// original stack's scanner-rules.json loads as is.
func LoadRules(file string) ([]Rule, error) {
	data, err := os.ReadFile(file)
	if err != nil {
		return nil, fmt.Errorf("scanner: reading rules: %w", err)
	}
	return parseRules(data, file)
}

func parseRules(data []byte, name string) ([]Rule, error) {
	var rules []Rule
	if err := json.Unmarshal(data, &rules); err != nil {
		return nil, fmt.Errorf("scanner: rules file %s: %v (want a JSON array of {\"id\",\"severity\",\"patterns\",...})", name, err)
	}
	for i, r := range rules {
		if r.ID == "" {
			return nil, fmt.Errorf("scanner: rules file %s: rule %d has no id", name, i+1)
		}
		if !validSeverity(r.Severity) {
			return nil, fmt.Errorf("scanner: rules file %s: rule %s: severity %q is not one of info, low, medium, high, critical", name, r.ID, r.Severity)
		}
		for _, g := range r.Files {
			if _, err := path.Match(g, ""); err != nil {
				return nil, fmt.Errorf("scanner: rules file %s: rule %s: bad files pattern %q: %v", name, r.ID, g, err)
			}
		}
	}
	return rules, nil
}

func validSeverity(s string) bool {
	switch s {
	case SeverityInfo, SeverityLow, SeverityMedium, SeverityHigh, SeverityCritical:
		return true
	}
	return false
}

// mergeRules returns base with each extra rule replacing the base rule of the
// same id or, for a new id, appended.
func mergeRules(base, extra []Rule) []Rule {
	out := append([]Rule(nil), base...)
	idx := make(map[string]int, len(out))
	for i, r := range out {
		idx[r.ID] = i
	}
	for _, r := range extra {
		if i, ok := idx[r.ID]; ok {
			out[i] = r
			continue
		}
		idx[r.ID] = len(out)
		out = append(out, r)
	}
	return out
}

// textRule is a compiled text rule.
type textRule struct {
	Rule
	res []anchoredRE
}

// anchoredRE is a regexp with a literal that every match contains, so
// that it runs only on files that hold the literal.
type anchoredRE struct {
	re     *regexp.Regexp
	anchor int // id in the rule set's anchors, -1 when there is no literal
}

// anchor returns the literal every match of expr contains and whether it
// is matched ignoring case; "" when there is none.
func anchor(expr string) (lit string, fold bool) {
	tree, err := syntax.Parse(expr, syntax.Perl)
	if err != nil {
		return "", false
	}
	lit, fold = requiredLiteral(tree.Simplify())
	if fold {
		lit = strings.ToLower(lit)
	}
	return lit, fold
}

// requiredLiteral returns the longest literal that every match of re
// contains.
func requiredLiteral(re *syntax.Regexp) (string, bool) {
	switch re.Op {
	case syntax.OpLiteral:
		return string(re.Rune), re.Flags&syntax.FoldCase != 0
	case syntax.OpCapture, syntax.OpPlus:
		return requiredLiteral(re.Sub[0])
	case syntax.OpRepeat:
		if re.Min >= 1 {
			return requiredLiteral(re.Sub[0])
		}
	case syntax.OpConcat:
		best, bestFold := "", false
		for _, sub := range re.Sub {
			if l, f := requiredLiteral(sub); len(l) > len(best) {
				best, bestFold = l, f
			}
		}
		return best, bestFold
	}
	return "", false
}

type ruleSet struct {
	all  []Rule
	byID map[string]Rule
	text []textRule
	// literals holds textLiterals, then the anchors of the text rules'
	// regexps (from id textLiterals.len()), so that one pass over a file
	// serves both.
	literals *literalSet
	anchors  []string
}

func compileRules(rules []Rule) (*ruleSet, error) {
	rs := &ruleSet{all: rules, byID: make(map[string]Rule, len(rules))}
	var lits []string
	var fold []bool
	add := func(re *regexp.Regexp, lit string, f bool) anchoredRE {
		if lit == "" {
			return anchoredRE{re: re, anchor: -1}
		}
		lits, fold = append(lits, lit), append(fold, f)
		return anchoredRE{re: re, anchor: len(lits) - 1}
	}
	for _, r := range rules {
		rs.byID[r.ID] = r
		if r.Disabled || (len(r.Patterns) == 0 && len(r.Regex) == 0) {
			continue
		}
		tr := textRule{Rule: r}
		for _, p := range r.Patterns {
			tr.res = append(tr.res, add(regexp.MustCompile(regexp.QuoteMeta(p)), p, false))
		}
		for _, p := range r.Regex {
			re, err := regexp.Compile(p)
			if err != nil {
				return nil, fmt.Errorf("scanner: rule %s: regex %q: %v", r.ID, p, err)
			}
			lit, f := anchor(p)
			tr.res = append(tr.res, add(re, lit, f))
		}
		rs.text = append(rs.text, tr)
	}
	all, allFold := textLiteralList()
	rs.anchors = lits
	rs.literals = newLiteralSet(append(all, lits...), append(allFold, fold...))
	return rs, nil
}

func (tr *textRule) appliesTo(rel string) bool {
	if len(tr.Files) == 0 {
		return true
	}
	base := path.Base(rel)
	for _, g := range tr.Files {
		// "*.md" and the like, most globs, without path.Match.
		if ext, ok := strings.CutPrefix(g, "*"); ok && !strings.ContainsAny(ext, `*?[\`) {
			if strings.HasSuffix(base, ext) {
				return true
			}
			continue
		}
		if ok, _ := path.Match(g, base); ok {
			return true
		}
	}
	return false
}

// scanLiterals finds, in one pass, the textHits of src and the hits of the
// text rules' anchors (with ids into rs.anchors).
func (rs *ruleSet) scanLiterals(src []byte) (text, anchors []litHit) {
	base := len(textLiterals.lits)
	rs.literals.each(src, func(id, end int) {
		if id < base {
			text = append(text, litHit{id, end})
		} else {
			anchors = append(anchors, litHit{id - base, end})
		}
	})
	return text, anchors
}

// matchText runs the text rules over src, one finding per rule and line;
// anchors are the anchor hits from scanLiterals.
func (rs *ruleSet) matchText(rel string, src []byte, anchors []litHit, emit func(Finding)) {
	var rules []*textRule
	for i := range rs.text {
		if rs.text[i].appliesTo(rel) {
			rules = append(rules, &rs.text[i])
		}
	}
	if len(rules) == 0 {
		return
	}
	// The lines that hold each anchor, by their start offset; anchored
	// regexps run on those lines only.
	type span struct{ start, end int }
	lineOf := func(at int) span {
		sp := span{bytes.LastIndexByte(src[:at], '\n') + 1, len(src)}
		if i := bytes.IndexByte(src[at:], '\n'); i >= 0 {
			sp.end = at + i
		}
		return sp
	}
	anchored := make([][]span, len(rs.anchors))
	for _, h := range anchors {
		at := h.end - len(rs.anchors[h.id])
		if k := len(anchored[h.id]); k > 0 && at < anchored[h.id][k-1].end {
			continue // same line as the last hit
		}
		anchored[h.id] = append(anchored[h.id], lineOf(at))
	}
	report := func(tr *textRule, sp span, at int) {
		n := bytes.Count(src[:sp.start], []byte("\n")) + 1
		emit(Finding{RuleID: tr.ID, File: rel, Line: n, Column: utf8.RuneCount(src[sp.start:at]) + 1, Snippet: snippet(strings.TrimSuffix(string(src[sp.start:sp.end]), "\r"))})
	}
	for _, tr := range rules {
		for _, a := range tr.res {
			if a.anchor >= 0 {
				for _, sp := range anchored[a.anchor] {
					if m := a.re.FindIndex(src[sp.start:sp.end]); m != nil {
						report(tr, sp, sp.start+m[0])
					}
				}
				continue
			}
			last := -1
			for _, m := range a.re.FindAllIndex(src, -1) {
				if sp := lineOf(m[0]); sp.start != last {
					report(tr, sp, m[0])
					last = sp.start
				}
			}
		}
	}
}

// snippet trims a line to a readable length for reports.
func snippet(line string) string {
	line = strings.TrimSpace(line)
	const max = 160
	if len(line) > max {
		cut := max
		for cut > 0 && !utf8RuneStart(line[cut]) {
			cut--
		}
		line = line[:cut] + "…"
	}
	return line
}

func utf8RuneStart(b byte) bool { return b&0xC0 != 0x80 }
