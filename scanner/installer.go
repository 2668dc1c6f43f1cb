package scanner

import (
	"bytes"
	"fmt"
	"net/url"
	"path"
	"regexp"
	"strings"
)

// Vendor installers. `curl -fsSL https://get.vendor.dev | sh` from the
// vendor's own domain or GitHub repository, for a tool the skill goes on
// to use, is how many tools install: a risk to show the operator (high),
// not a lure. The lure forms stay critical: a download decoded before it
// runs, plain HTTP, a raw IP, a shortener, file-sharing or paste site or
// tunnel, a look-alike or impersonating name, and an installer for a tool
// that nothing else in the file uses.

// installer is a vendor-installer finding waiting for the check that the
// file uses what it installs.
type installer struct {
	finding int      // index in fileFacts.findings
	names   []string // what the installer may install, from its URL and its line
	line    int
}

// dropperFrom reports content downloaded from rawURL and run: a vendor
// installer (high, settled by settleInstallers) or a dropper.
func (sh *shellAnalysis) dropperFrom(off int, msg, rawURL string) {
	names, why := vendorInstaller(rawURL)
	f := sh.sc.a.facts
	if why != "" || f == nil || sh.sc.out != &f.findings || sh.sc.decoded {
		sh.dropper(off, msg)
		return
	}
	u, _ := url.Parse(rawURL)
	sh.sc.reportSev(RuleChainDropper, SeverityHigh, off, fmt.Sprintf("%s: an installer from %s; review it before running it", msg, u.Hostname()))
	f.installers = append(f.installers, installer{finding: len(f.findings) - 1, names: names, line: lineOf(sh.sc, off)})
}

// commandURL is the first URL among a command's arguments.
func commandURL(c shellCmd) string {
	for _, a := range c.args {
		if strings.Contains(a, "://") {
			return a
		}
	}
	return ""
}

// genericURLWords name no tool: www.example.com/install/latest/setup.sh.
var genericURLWords = map[string]bool{"www": true, "get": true, "install": true, "installer": true, "sh": true, "raw": true,
	"release": true, "releases": true, "download": true, "downloads": true, "dl": true, "cdn": true, "static": true,
	"api": true, "app": true, "latest": true, "stable": true, "main": true, "master": true, "setup": true, "script": true,
	"scripts": true, "bin": true, "deb": true, "rpm": true, "pkg": true, "packages": true, "docs": true, "com": true,
	"dev": true, "io": true, "org": true, "net": true, "ai": true, "cli": true, "tool": true, "tools": true, "the": true,
	"bash": true, "zsh": true, "ps1": true, "py": true, "githubusercontent": true, "github": true, "gitlab": true,
	"refs": true, "heads": true, "blob": true, "files": true, "public": true, "assets": true, "home": true, "run": true,
	"and": true, "for": true, "with": true, "your": true, "this": true, "first": true, "then": true, "use": true,
	"using": true, "required": true, "requires": true, "need": true, "needs": true, "needed": true, "if": true, "not": true}

// vendorInstaller returns the names a download URL may install (from its
// host and path), or why it is no vendor's installer.
func vendorInstaller(raw string) (names []string, why string) {
	u, err := url.Parse(strings.TrimSpace(raw))
	if err != nil || u.Hostname() == "" {
		return nil, "no literal URL"
	}
	host := strings.ToLower(u.Hostname())
	switch {
	case u.Scheme != "https":
		return nil, "not over HTTPS"
	case payloadHost(host, u.EscapedPath()) != "":
		return nil, payloadHost(host, u.EscapedPath())
	case impersonatorRE.MatchString(host):
		return nil, "a name that imitates OpenClaw's"
	}
	add := func(s string) {
		for _, w := range urlWordRE.FindAllString(camelWords(s), -1) {
			if len(w) >= 2 && !genericURLWords[w] && !strings.ContainsAny(w[:1], "0123456789") {
				names = append(names, w)
			}
		}
	}
	// Host labels stay whole (polymarket-cli, not polymarket): the tool
	// a lure names is not the topic its skill is about.
	labels := strings.Split(host, ".")
	for _, l := range labels[:len(labels)-1] {
		if len(l) >= 2 && !genericURLWords[l] {
			names = append(names, l)
		}
	}
	for _, seg := range strings.Split(u.Path, "/") {
		add(strings.TrimSuffix(seg, path.Ext(seg)))
	}
	return names, ""
}

var urlWordRE = regexp.MustCompile(`[a-z][a-z0-9]*`)

// settleInstallers keeps, of the file's vendor installers, those that
// nothing in the file's code (outside the installer's own line) uses: no
// name from its URL, its line or the prose just before it. Honest
// instructions go on to use what they install; a lure's prerequisite is
// its whole point. settleUnitInstallers then looks in the rest of the
// skill.
func settleInstallers(facts *fileFacts, src []byte, code [][2]int) {
	if len(facts.installers) == 0 {
		return
	}
	var unexplained []installer
	skip := map[int]bool{}
	for _, in := range facts.installers {
		skip[in.line] = true
	}
	used := codeWords(src, code, skip)
	ls := splitLines(src)
	for _, in := range facts.installers {
		names := in.names
		// "Install Solana CLI:" in the prose before the command, and the
		// words around it on its line ("cast (foundry) required"), name
		// the tool that the URL may not.
		for i := max(0, in.line-5); i < min(len(ls), in.line); i++ {
			if i != in.line-1 && (code == nil || inRanges(code, ls[i].off) || headingRE.MatchString(ls[i].text)) {
				continue
			}
			t := []byte(strings.ToLower(ls[i].text))
			for _, u := range findURLs(t, textHits(t)) {
				t = bytes.Replace(t, []byte(u.raw), nil, 1)
			}
			t = shellVarRE.ReplaceAll(t, nil) // $PAYLOAD names no tool
			for _, w := range urlWordRE.FindAll(t, -1) {
				if w := string(w); len(w) >= 3 && !genericURLWords[w] && !genericKeyWords[w] && !shellWords[w] && !interpreters[w] {
					names = append(names, w)
				}
			}
		}
		if uses(used, names) {
			continue
		}
		in.names = names
		unexplained = append(unexplained, in)
	}
	facts.installers = unexplained
}

// settleUnitInstallers raises to critical the installers that no program
// run anywhere in the skill explains; findings is the unit's.
func settleUnitInstallers(findings []Finding, files []fileFacts) {
	run := map[string]bool{}
	for _, f := range files {
		for c := range f.commands {
			run[c] = true
		}
	}
	for _, f := range files {
		for _, in := range f.installers {
			if uses(run, in.names) {
				continue
			}
			fd := &findings[in.finding]
			fd.Severity = SeverityCritical
			fd.Message += fmt.Sprintf("; nothing in the skill uses what it installs (%s)", strings.Join(in.names, ", "))
		}
	}
}

func inRanges(rs [][2]int, off int) bool {
	for _, r := range rs {
		if off >= r[0] && off < r[1] {
			return true
		}
	}
	return false
}

// codeWords are the words of the code in src (the given byte ranges, or
// all of it) outside URLs, skipping the given lines (1-based).
func codeWords(src []byte, code [][2]int, skip map[int]bool) map[string]bool {
	words := map[string]bool{}
	if code == nil {
		code = [][2]int{{0, len(src)}}
	}
	for _, r := range code {
		line := bytes.Count(src[:r[0]], []byte("\n")) + 1
		for _, l := range bytes.SplitAfter(src[r[0]:r[1]], []byte("\n")) {
			if !skip[line] {
				l = bytes.ToLower(l)
				for _, u := range findURLs(l, textHits(l)) {
					l = bytes.Replace(l, []byte(u.raw), nil, 1)
				}
				for _, w := range codeWordRE.FindAll(l, -1) {
					words[string(w)] = true
				}
			}
			line++
		}
	}
	return words
}

var codeWordRE = regexp.MustCompile(`[a-z][a-z0-9_-]*`)

// uses reports whether a name is used as a word of the code, as a part of
// one (cursor in cursor-agent) or as a word it starts (uv in uvx).
func uses(words map[string]bool, names []string) bool {
	for _, n := range names {
		if words[n] {
			return true
		}
	}
	for w := range words {
		for _, part := range strings.FieldsFunc(w, func(r rune) bool { return r == '-' || r == '_' }) {
			for _, n := range names {
				if part == n || len(n) >= 2 && strings.HasPrefix(part, n) && len(part) <= len(n)+2 || sameStem(part, n) {
					return true
				}
			}
		}
	}
	return false
}

// sameStem: nodejs and nodesource share their first four letters or more.
func sameStem(a, b string) bool {
	k := 0
	for k < len(a) && k < len(b) && a[k] == b[k] {
		k++
	}
	return k >= 4
}

// textInstallers lowers the text rule's download-and-run findings (the
// first n findings) whose URLs are all vendor installers, like the shell
// analysis does, so that a line the text rule also matches is judged the
// same way.
func textInstallers(facts *fileFacts, src []byte, n int) {
	var ls []line
	for i := 0; i < n; i++ {
		f := &facts.findings[i]
		if f.RuleID != RuleChainDropper || f.Severity != "" {
			continue
		}
		if ls == nil {
			ls = splitLines(src)
		}
		if f.Line < 1 || f.Line > len(ls) {
			continue
		}
		text := []byte(ls[f.Line-1].text)
		us := findURLs(text, textHits(text))
		var names []string
		ok := len(us) > 0
		for _, u := range us {
			ns, why := vendorInstaller(u.raw)
			ok = ok && why == ""
			names = append(names, ns...)
		}
		if !ok {
			continue
		}
		f.Severity = SeverityHigh
		f.Message = fmt.Sprintf("downloads an installer from %s and runs it; review it before running it", us[0].host)
		facts.installers = append(facts.installers, installer{finding: i, names: names, line: f.Line})
	}
}
