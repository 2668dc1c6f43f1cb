package scanner

import (
	"bytes"
	"fmt"
	"strings"
	"unicode/utf8"
)

// capability is something code can do; chains combine capabilities seen in
// one scope (a code file, a code block, a decoded blob).
type capability uint8

const (
	capCredRead capability = iota // reads a credential store
	capEnvDump                    // collects the whole environment
	capNetwork                    // talks to the network
	capDownload                   // fetches remote content
	capDynExec                    // runs code built at run time (eval, exec)
	capProcess                    // starts processes
	numCaps
)

// site is where a capability was first seen.
type site struct {
	line int
	what string
	// soft marks a credential read that may be a skill using its own
	// key (a config file, a key held in a variable): the chain it forms
	// is exfiltration only when the data can reach a host unrelated to
	// the key (see related.go).
	soft bool
}

// scope is one piece of source being analysed: a file, a fenced code block,
// an inline code span or a decoded blob. Line and column of findings are
// computed from offsets into src and shifted by line0/col0, so findings in
// embedded code point into the file that holds it.
type scope struct {
	a     *analyzer
	rel   string
	src   []byte
	line0 int // line of src's first byte, 1-based
	col0  int // column of src's first byte on that line, 1-based
	// depth counts decoding levels, to bound re-scanning of nested blobs.
	depth int
	// fixed, when set, places every finding at one spot of the enclosing
	// scope: the text has no positions of its own (a decoded blob).
	fixed *fixedPos
	caps  [numCaps]*site
	sites [numCaps][]site // every site, up to maxSites, for proximity
	out   *[]Finding
	lines []int    // byte offset of each line start, built lazily
	lits  []litHit // textHits of src, found lazily
	found bool     // lits is set
	// Where data the scope reads can go: netDests are the hosts of its
	// network calls; urlDests the hosts of the URLs its code names, which
	// count when a call's host is unknown (unknownNet).
	netDests, urlDests []dest
	unknownNet         bool
	// decoded is set for decoded content and what it holds.
	decoded bool
}

type fixedPos struct {
	line, col int
	label     string // "base64-decoded content", "" for none
}

func (a *analyzer) newScope(rel string, src []byte, line0, col0 int, out *[]Finding) *scope {
	return &scope{a: a, rel: rel, src: src, line0: line0, col0: col0, out: out}
}

// child returns a scope for a part of this scope's source starting at off,
// sharing its findings but with capabilities of its own.
func (sc *scope) child(off int, src []byte) *scope {
	line, col := sc.pos(off)
	c := sc.a.newScope(sc.rel, src, line, col, sc.out)
	c.depth, c.fixed, c.decoded = sc.depth, sc.fixed, sc.decoded
	return c
}

// hits returns the textHits of the scope's source.
func (sc *scope) hits() []litHit {
	if !sc.found {
		sc.lits, sc.found = textHits(sc.src), true
	}
	return sc.lits
}

// pos converts a byte offset in src to a file line and column (1-based,
// column counted in runes).
func (sc *scope) pos(off int) (line, col int) {
	if sc.fixed != nil {
		return sc.fixed.line, sc.fixed.col
	}
	if off > len(sc.src) {
		off = len(sc.src)
	}
	if sc.lines == nil {
		sc.lines = append(sc.lines, 0)
		for i, b := range sc.src {
			if b == '\n' {
				sc.lines = append(sc.lines, i+1)
			}
		}
	}
	lo, hi := 0, len(sc.lines)-1
	for lo < hi {
		mid := (lo + hi + 1) / 2
		if sc.lines[mid] <= off {
			lo = mid
		} else {
			hi = mid - 1
		}
	}
	col = utf8.RuneCount(sc.src[sc.lines[lo]:off]) + 1
	if lo == 0 {
		col += sc.col0 - 1
	}
	return sc.line0 + lo, col
}

// lineAt returns the source line holding off, for snippets.
func (sc *scope) lineAt(off int) string {
	if off > len(sc.src) {
		off = len(sc.src)
	}
	start := bytes.LastIndexByte(sc.src[:off], '\n') + 1
	end := bytes.IndexByte(sc.src[off:], '\n')
	if end < 0 {
		end = len(sc.src)
	} else {
		end += off
	}
	return string(sc.src[start:end])
}

// report adds a finding at a byte offset of the scope's source.
func (sc *scope) report(rule string, off int, msg string) {
	line, col := sc.pos(off)
	snip := snippet(sc.lineAt(off))
	if sc.fixed != nil && sc.fixed.label != "" {
		msg = fmt.Sprintf("in %s: %s", sc.fixed.label, msg)
	}
	*sc.out = append(*sc.out, Finding{RuleID: rule, File: sc.rel, Line: line, Column: col, Message: msg, Snippet: snip})
}

// reportSev is report with a severity other than the rule's default, for
// detections whose weight depends on context.
func (sc *scope) reportSev(rule, sev string, off int, msg string) {
	sc.report(rule, off, msg)
	(*sc.out)[len(*sc.out)-1].Severity = sev
}

// maxSites bounds the sites kept per capability.
const maxSites = 64

// chainSpan is how many lines apart two capabilities may be to form a
// chain. Skill scripts are short; in a large bundle, a browser path on one
// line and a fetch 5,000 lines later belong to unrelated code.
const chainSpan = 300

// has records a capability at off.
func (sc *scope) has(c capability, off int, what string) {
	sc.hasSite(c, off, site{what: what})
}

// hasCred records a credential read; soft as in site.
func (sc *scope) hasCred(off int, what string, soft bool) {
	sc.hasSite(capCredRead, off, site{what: what, soft: soft})
}

func (sc *scope) hasSite(c capability, off int, s site) {
	s.line, _ = sc.pos(off)
	if sc.caps[c] == nil {
		sc.caps[c] = &s
	}
	if len(sc.sites[c]) < maxSites {
		sc.sites[c] = append(sc.sites[c], s)
	}
}

// near returns a pair of sites of a and b within chainSpan lines.
func (sc *scope) near(a, b capability) (site, site, bool) {
	for _, x := range sc.sites[a] {
		for _, y := range sc.sites[b] {
			if d := x.line - y.line; d <= chainSpan && d >= -chainSpan {
				return x, y, true
			}
		}
	}
	return site{}, site{}, false
}

// chains reports the capability pairs of this scope. It returns the
// capabilities so that the caller can merge them into the file's.
func (sc *scope) chains() [numCaps]*site {
	for _, from := range []capability{capCredRead, capEnvDump} {
		if x, y, ok := sc.near(from, capNetwork); ok {
			sc.chain(RuleChainExfil, y.line, fmt.Sprintf("%s (line %d) and %s (line %d): data can leave the machine", x.what, x.line, y.what, y.line))
			if from == capCredRead && sc.softCreds() {
				sc.a.softChain(sc, x.what)
			}
			break
		}
	}
	if x, y, ok := sc.near(capDownload, capDynExec); ok {
		sc.chain(RuleChainDropper, y.line, fmt.Sprintf("%s (line %d) and %s (line %d): remote code can be run", x.what, x.line, y.what, y.line))
	}
	c := sc.caps
	return c
}

// softCreds reports that every credential read of the scope is soft.
func (sc *scope) softCreds() bool {
	for _, s := range sc.sites[capCredRead] {
		if !s.soft {
			return false
		}
	}
	return len(sc.sites[capCredRead]) > 0
}

func (sc *scope) chain(rule string, line int, msg string) {
	f := Finding{RuleID: rule, File: sc.rel, Line: line, Message: msg}
	if sc.fixed != nil && sc.fixed.label != "" {
		f.Message = fmt.Sprintf("in %s: %s", sc.fixed.label, msg)
	}
	*sc.out = append(*sc.out, f)
}

// short trims a value for messages.
func short(s string) string {
	s = strings.Join(strings.Fields(s), " ")
	if len(s) > 80 {
		cut := 80
		for cut > 0 && !utf8RuneStart(s[cut]) {
			cut--
		}
		s = s[:cut] + "…"
	}
	return s
}
