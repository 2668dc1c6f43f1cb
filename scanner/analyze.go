package scanner

import (
	"context"
	"fmt"
	"path"
	"regexp"
	"strings"
	"unicode"
)

// fileFacts is what analysing one file yields: its findings and the
// capabilities that the unit-level chain rules combine across files.
type fileFacts struct {
	rel      string
	findings []Finding
	caps     [numCaps]*site
	code     bool // a program file, not documentation
	// skillName is the front matter name when the file is a SKILL.md,
	// skillAbout its name and description.
	skillName, skillAbout string
	depth                 int
	// secrets are secret-named environment variables that reach a sink.
	secrets []secretFlow
	// mentions are the UPPER_SNAKE names a documentation file names, which
	// is how a skill declares the secrets it uses.
	mentions map[string]bool
	// urlInstalls are packages installed from a URL instead of a registry,
	// by index into findings, for the check that the skill explains them.
	urlInstalls []urlInstall
	// softChains are exfiltration chains that may be a key used with its
	// own service; dests are the hosts the file's code names; hardCred
	// is set when the file reads a secret in a way that is never soft.
	softChains []softChain
	dests      []dest
	hardCred   bool
	keyTokens  map[string]bool
	// installers are vendor installers waiting for the check that the
	// file uses what they install; code are the byte ranges of a
	// Markdown file's code (fences, inline code), nil for a code file.
	installers []installer
	codeSpans  [][2]int
	// skillWrites are writes into skill directories, for the check that
	// they are the skill's own.
	skillWrites []skillWrite
	// commands are the programs the file's shell runs, for the check
	// that a skill uses what its documentation installs.
	commands map[string]bool
	// cleanShell are the line ranges (first, last) of shell, a file or a
	// fenced block, that parsed without errors: its
	// syntax tree, not the text rules, says what it pipes into a shell.
	cleanShell [][2]int
	src        []byte
	// runs are the skill's files that a documentation file tells the
	// agent to run ("sh tests/audit.sh"): instructions, not samples.
	runs []string
}

// urlInstall is a SKILL_URL_INSTALL finding and the package name it names.
type urlInstall struct {
	finding int
	name    string
}

// secretFlow is a secret environment variable reaching the network or the
// output the agent reads.
type secretFlow struct {
	name, sink string
	line       int
}

// secretUse records a secret flow for the unit-level check.
func (a *analyzer) secretUse(sc *scope, off int, name, sink string) {
	line, _ := sc.pos(off)
	a.facts.secrets = append(a.facts.secrets, secretFlow{name: name, sink: sink, line: line})
}

var upperSnakeRE = regexp.MustCompile(`\b[A-Z][A-Z0-9]*_[A-Z0-9_]+\b`)

func mentions(src []byte) map[string]bool {
	m := map[string]bool{}
	for _, w := range upperSnakeRE.FindAll(src, -1) {
		m[string(w)] = true
	}
	return m
}

// analyzer holds one goroutine's parsers: tree-sitter objects are not safe
// for concurrent use.
type analyzer struct {
	s     *Scanner
	ps    parsers
	facts *fileFacts
}

func (s *Scanner) newAnalyzer() *analyzer {
	return &analyzer{s: s}
}

func (a *analyzer) close() {
	a.ps.close()
}

// analyzeFile runs every applicable analysis over one text file. A panic in
// an analysis is a scanner bug; it becomes a blocking finding for the file
// rather than a crash or a silent pass.
func (a *analyzer) analyzeFile(ctx context.Context, f file) (facts fileFacts) {
	facts = fileFacts{rel: f.rel, depth: strings.Count(f.rel, "/"), src: f.data}
	a.facts = &facts
	if ctx.Done() != nil {
		defer a.ps.watch(ctx)()
	}
	defer func() {
		if r := recover(); r != nil {
			facts.findings = append(facts.findings, Finding{RuleID: RuleInputUnreadable, File: f.rel,
				Message: fmt.Sprintf("internal error while analysing this file (%v); please report it with the file", r)})
		}
	}()
	out := &facts.findings
	if f.binary != "" {
		a.intelHash(&facts, f)
		return facts
	}
	text, anchors := a.s.rules.scanLiterals(f.data)
	a.s.rules.matchText(f.rel, f.data, anchors, func(fd Finding) { *out = append(*out, fd) })
	textFindings := len(*out)
	l := fileLang(f.rel, f.data)
	sc := a.newScope(f.rel, f.data, 1, 1, out)
	sc.lits, sc.found = text, true
	switch l {
	case langMarkdown:
		facts.skillName = a.analyzeMarkdown(sc, path.Base(f.rel) == skillManifest)
		facts.mentions = mentions(f.data)
		facts.runs = runTargets(f.rel, f.data)
		unexplainedInstalls(&facts, f.data)
	case langText:
		a.analyzeProse(sc, sc.src, false)
		sc.checkURLs(false)
		a.checkBlobs(sc, true)
		a.endScope(sc)
	default:
		facts.code = l != langConfig
		a.analyzeCode(sc, l, true)
	}
	a.checkHidden(sc, l)
	a.intelFile(sc, f)
	settleChains(&facts, f.data)
	if len(facts.cleanShell) > 0 {
		textFindings -= dropTextRules(&facts, textFindings, RuleChainDropper, RulePipeToShell)
	}
	textInstallers(&facts, f.data, textFindings)
	settleInstallers(&facts, f.data, facts.codeSpans)
	if facts.caps[capCredRead] != nil && len(f.data) <= maxKeyFile {
		// For a chain across files: the file that reads the key says whose
		// it is. (Every file that talks to the network would cost a tenth
		// of a scan of library code.)
		facts.keyTokens = keyTokens(f.data)
	}
	facts.src = nil
	return facts
}

// unexplainedInstalls raises a documentation's URL install to critical when
// nothing else in the document names the package: honest instructions that
// install from a repository go on to use what they installed ("whisper
// recording.m4a", "import whisper"), while a lure's install step is the
// point of the document and the package is never mentioned again.
func unexplainedInstalls(facts *fileFacts, doc []byte) {
	for _, in := range facts.urlInstalls {
		f := &facts.findings[in.finding]
		if f.Severity != "" || in.name == "" || namedOutsideURLs(doc, in.name) {
			continue
		}
		f.Severity = SeverityCritical
		f.Message += fmt.Sprintf("; nothing else in %s names %q, so the install is unexplained", path.Base(facts.rel), in.name)
	}
}

// namedOutsideURLs reports whether doc names the package name as a word
// outside URLs. Hyphens, underscores and dots in names are interchangeable,
// as they are in pip and npm ("python-dateutil", "import dateutil" does not
// count, but "python_dateutil" does).
func namedOutsideURLs(doc []byte, name string) bool {
	norm := func(r rune) rune {
		switch r {
		case '-', '_', '.':
			return '-'
		}
		return unicode.ToLower(r)
	}
	text := strings.Map(norm, string(doc))
	want := strings.Map(norm, name)
	isWord := func(r byte) bool {
		return r == '-' || r >= 'a' && r <= 'z' || r >= '0' && r <= '9' || r >= 0x80
	}
	for i := 0; ; {
		j := strings.Index(text[i:], want)
		if j < 0 {
			return false
		}
		start, end := i+j, i+j+len(want)
		i = start + 1
		if start > 0 && (isWord(text[start-1]) || text[start-1] == '/' || text[start-1] == ':' || text[start-1] == '@') {
			continue
		}
		if end < len(text) && isWord(text[end]) {
			continue
		}
		// Skip a mention inside a URL: the run of non-space text around it
		// holds "://" or starts with git+ or github:.
		ws := strings.LastIndexAny(text[:start], " \t\n\"'`(<") + 1
		we := strings.IndexAny(text[end:], " \t\n\"'`)>")
		if we < 0 {
			we = len(text)
		} else {
			we += end
		}
		tok := text[ws:we]
		if strings.Contains(tok, "://") || strings.HasPrefix(tok, "git+") || strings.HasPrefix(tok, "github:") {
			continue
		}
		return true
	}
}

// analyzeCode runs the parser-based analysis of a language and the
// text-level checks that apply to all code, then the scope's chains.
func (a *analyzer) analyzeCode(sc *scope, l lang, parseErrors bool) {
	a.codeChecks(sc, l, parseErrors)
	a.endScope(sc)
}

func (a *analyzer) codeChecks(sc *scope, l lang, parseErrors bool) {
	switch l {
	case langJS, langTS, langTSX:
		a.analyzeJS(sc, l, parseErrors)
	case langShell:
		a.analyzeShell(sc, parseErrors)
	case langPython:
		a.analyzePython(sc, parseErrors)
	case langJSON:
		a.analyzeJSON(sc, parseErrors)
	}
	sc.checkURLs(true)
	if l != langConfig && l != langJSON {
		sc.checkCredPaths()
		sc.checkClipper()
		sc.checkSkillWalk()
	}
	a.checkBlobs(sc, false)
}

// parseCode parses a scope's source for the code checks. A parse that
// fails is reported (the text checks still run) and gives nil; a tree with
// syntax errors is returned, and reported when parseErrors is set: the
// units (calls, commands) inside the broken part may be missed. Release a
// tree when done.
func (a *analyzer) parseCode(sc *scope, l lang, parseErrors bool, units string) *syntaxTree {
	tree, err := a.ps.parse(l, sc.src)
	if err != nil {
		sc.report(RuleInputParseError, 0, fmt.Sprintf("%s parser failed: %v; only text rules applied", l, err))
		return nil
	}
	if tree.broken() && parseErrors {
		sc.report(RuleInputParseError, errorOffset(tree.root()), fmt.Sprintf("%s syntax error; %s inside the broken part may be missed", l, units))
	}
	return tree
}

// endScope evaluates a scope's chains and adds its capabilities to the
// file's, for the unit-level chains.
func (a *analyzer) endScope(sc *scope) {
	caps := sc.chains()
	for c, s := range caps {
		if s != nil && a.facts.caps[c] == nil {
			a.facts.caps[c] = s
		}
	}
	if sc.caps[capNetwork] != nil {
		a.facts.dests = append(a.facts.dests, sc.destinations()...)
	}
	for _, s := range sc.sites[capCredRead] {
		a.facts.hardCred = a.facts.hardCred || !s.soft
	}
}

// analyzeSnippet analyses a string found in code (a shell command handed to
// child_process, a folded eval argument) as code of its own, placing every
// finding at the call. Its capabilities join the enclosing scope's.
func (a *analyzer) analyzeSnippet(parent *scope, off int, code string, l lang, label string) {
	if parent.depth >= 4 || strings.TrimSpace(code) == "" {
		return
	}
	c := parent.fixedChild(off, []byte(code), label)
	a.textRules(c, l)
	if l == langText {
		c.checkURLs(true)
		c.checkCredPaths()
	} else {
		a.codeChecks(c, l, false)
	}
	parent.absorb(c)
}

// analyzeDecoded scans decoded content; when it holds anything of high
// severity or more, the blob itself is reported as an encoded payload.
func (a *analyzer) analyzeDecoded(parent *scope, off int, decoded, encoding string) {
	if parent.depth >= 4 {
		return
	}
	before := len(*parent.out)
	c := parent.fixedChild(off, []byte(decoded), encoding+"-decoded content")
	c.decoded = true
	l := sniffLang(decoded)
	a.textRules(c, l)
	switch l {
	case langText:
		c.checkURLs(true)
		c.checkCredPaths()
		a.analyzeProse(c, c.src, true)
		if strings.Contains(decoded, "|") || strings.Contains(decoded, "$(") {
			a.codeChecks(c, langShell, false)
		}
	case langMarkdown:
		a.analyzeProse(c, c.src, true)
	default:
		a.codeChecks(c, l, false)
	}
	parent.absorb(c)
	for _, f := range (*parent.out)[before:] {
		if severityRank(a.severity(f)) >= severityRank(SeverityHigh) {
			parent.report(RuleObfEncodedPayload, off, fmt.Sprintf("%s content decodes to something dangerous: %s", encoding, short(decoded)))
			return
		}
	}
}

// textRules runs the text rules over text that is not in the file as
// written (decoded or assembled), as if it were a file of language l.
func (a *analyzer) textRules(sc *scope, l lang) {
	name := map[lang]string{langJS: "decoded.js", langTS: "decoded.ts", langTSX: "decoded.tsx", langShell: "decoded.sh",
		langPython: "decoded.py", langMarkdown: "decoded.md", langJSON: "decoded.json", langConfig: "decoded.yaml"}[l]
	if name == "" {
		name = "decoded.txt"
	}
	_, anchors := a.s.rules.scanLiterals(sc.src)
	a.s.rules.matchText(name, sc.src, anchors, func(f Finding) {
		sc.report(f.RuleID, 0, a.s.rules.byID[f.RuleID].Description+": "+short(f.Snippet))
	})
}

// severity is a finding's severity before finish fills it in.
func (a *analyzer) severity(f Finding) string {
	if f.Severity != "" {
		return f.Severity
	}
	if r, ok := a.s.rules.byID[f.RuleID]; ok {
		if r.Disabled {
			return SeverityInfo
		}
		return r.Severity
	}
	return SeverityHigh
}

// checkBlobs decodes long base64, hex and \x runs and scans what they hold.
func (a *analyzer) checkBlobs(sc *scope, prose bool) {
	if sc.depth >= 4 {
		return
	}
	for _, b := range findBlobs(sc.src) {
		a.analyzeDecoded(sc, b.off, b.text, b.encoding)
	}
}

// checkHidden reports invisible characters: in prose they hide text from
// the person reviewing a skill, in code they hide logic (trojan source).
func (a *analyzer) checkHidden(sc *scope, l lang) {
	h := findHidden(sc.src)
	prose := l == langMarkdown || l == langText
	if off, ok := h.first["tag"]; ok {
		sc.report(RuleSkillInvisible, off, fmt.Sprintf("%d invisible Unicode tag characters spelling %q", h.count["tag"], short(h.decoded)))
		if h.decoded != "" {
			c := sc.fixedChild(off, []byte(h.decoded), "tag-character text")
			a.analyzeProse(c, c.src, true)
			c.checkURLs(true)
			sc.absorb(c)
		}
	}
	if off, ok := h.first["bidi"]; ok {
		if prose {
			sc.reportSev(RuleSkillInvisible, SeverityHigh, off, fmt.Sprintf("%d bidirectional control characters reorder the text a reader sees", h.count["bidi"]))
		} else {
			sc.report(RuleObfBidi, off, fmt.Sprintf("%d bidirectional control characters in code (trojan source)", h.count["bidi"]))
		}
	}
	if off, ok := h.first["zero-width"]; ok {
		n := h.count["zero-width"]
		switch {
		case n >= 3 && prose:
			sc.report(RuleSkillInvisible, off, fmt.Sprintf("%d zero-width characters hide text from the reader", n))
		case n >= 3:
			sc.reportSev(RuleSkillInvisible, SeverityMedium, off, fmt.Sprintf("%d zero-width characters in code", n))
		default:
			sc.reportSev(RuleSkillInvisible, SeverityLow, off, fmt.Sprintf("%d zero-width character(s)", n))
		}
	}
}

// fixedChild returns a scope for text that has no positions of its own in
// the file (a decoded blob, a folded string): every finding in it is placed
// at off of the parent.
func (sc *scope) fixedChild(off int, src []byte, label string) *scope {
	line, col := sc.pos(off)
	c := sc.a.newScope(sc.rel, src, line, col, sc.out)
	c.depth, c.decoded = sc.depth+1, sc.decoded
	c.fixed = &fixedPos{line: line, col: col, label: label}
	if sc.fixed != nil && label == "" {
		c.fixed.label = sc.fixed.label
	}
	return c
}

// absorb takes over a child's capabilities and destinations, for the
// parent's chains.
func (sc *scope) absorb(c *scope) {
	sc.netDests = append(sc.netDests, c.netDests...)
	sc.urlDests = append(sc.urlDests, c.urlDests...)
	sc.unknownNet = sc.unknownNet || c.unknownNet
	for i, s := range c.caps {
		if s != nil && sc.caps[i] == nil {
			sc.caps[i] = s
		}
		for _, st := range c.sites[i] {
			if len(sc.sites[i]) < maxSites {
				sc.sites[i] = append(sc.sites[i], st)
			}
		}
	}
}

// unitChains combines facts across the files of a unit: a collector in
// one file and a sender in another are still exfiltration, and a secret
// the skill's documentation never names should not leave the process.
func (s *Scanner) unitChains(files []fileFacts) []Finding {
	var out []Finding
	var src, net *fileFacts
	documented := map[string]bool{}
	for i := range files {
		f := &files[i]
		for k := range f.mentions {
			documented[k] = true
		}
		if !f.code {
			continue
		}
		if src == nil && (f.caps[capCredRead] != nil || f.caps[capEnvDump] != nil) {
			src = f
		}
		if net == nil && f.caps[capNetwork] != nil {
			net = f
		}
	}
	if src != nil && net != nil && src != net {
		what := src.caps[capCredRead]
		if what == nil {
			what = src.caps[capEnvDump]
		}
		f := Finding{RuleID: RuleChainExfil, File: net.rel, Line: net.caps[capNetwork].line,
			Message: fmt.Sprintf("%s in %s (line %d) and %s here: together the skill's files can send secrets away",
				what.what, src.rel, what.line, net.caps[capNetwork].what)}
		if src.caps[capEnvDump] == nil && !src.hardCred {
			if why, ok := relatedDests(net.dests, src.keyTokens); ok {
				f.Severity = SeverityHigh
				f.Message = fmt.Sprintf("%s in %s (line %d), sent from here only to %s: a key used with its own service; check that it goes nowhere else",
					strings.TrimPrefix(what.what, "access to "), src.rel, what.line, why)
			}
		}
		out = append(out, f)
	}
	hasDocs := false
	for _, f := range files {
		hasDocs = hasDocs || f.mentions != nil
	}
	for _, f := range files {
		for _, sf := range f.secrets {
			if !hasDocs || documented[sf.name] {
				continue
			}
			if sf.sink == "network" {
				out = append(out, Finding{RuleID: RuleChainExfil, File: f.rel, Line: sf.line,
					Message: fmt.Sprintf("sends the secret %s, which the skill's documentation never names, in a request body", sf.name)})
			} else {
				out = append(out, Finding{RuleID: RuleSecretLeak, File: f.rel, Line: sf.line,
					Message: fmt.Sprintf("writes the secret %s, which the skill's documentation never names, to output the agent reads", sf.name)})
			}
		}
	}
	return out
}

// maxKeyFile bounds the files whose key names are read for the chains
// across files: skill scripts are small, and a bundle that reads secret
// stores gets no leniency.
const maxKeyFile = 256 << 10

// dropTextRules removes the text-rule findings (the first n) of the given
// rules, keeping the indices that point into the findings right, and
// returns how many it removed. It runs before the indices of
// installers and chains that point below n are taken.
func dropTextRules(facts *fileFacts, n int, rules ...string) int {
	drop := func(f Finding) bool {
		in := false
		for _, r := range facts.cleanShell {
			in = in || f.Line >= r[0] && f.Line <= r[1]
		}
		for _, r := range rules {
			if f.RuleID == r && in {
				return true
			}
		}
		return false
	}
	kept := facts.findings[:0]
	removed := 0
	for i, f := range facts.findings {
		if i < n && drop(f) {
			removed++
			continue
		}
		kept = append(kept, f)
	}
	facts.findings = kept
	facts.remapIndices(func(i int) (int, bool) {
		if i >= n {
			return i - removed, true
		}
		return i, true
	})
	return removed
}

// remapIndices applies fn to every index into findings that the settling
// steps keep (chains, installers, skill writes, URL installs): fn returns
// the new index, or false to forget the entry.
func (facts *fileFacts) remapIndices(fn func(int) (int, bool)) {
	facts.softChains = remap(facts.softChains, func(c *softChain) *int { return &c.finding }, fn)
	facts.installers = remap(facts.installers, func(in *installer) *int { return &in.finding }, fn)
	facts.skillWrites = remap(facts.skillWrites, func(w *skillWrite) *int { return &w.finding }, fn)
	facts.urlInstalls = remap(facts.urlInstalls, func(u *urlInstall) *int { return &u.finding }, fn)
}

func remap[T any](xs []T, at func(*T) *int, fn func(int) (int, bool)) []T {
	out := xs[:0]
	for _, x := range xs {
		if i, ok := fn(*at(&x)); ok {
			*at(&x) = i
			out = append(out, x)
		}
	}
	return out
}
