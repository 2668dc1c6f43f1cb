package scanner

import (
	"bytes"
	"fmt"
	"net/url"
	"regexp"
	"strings"

	"github.com/yuin/goldmark"
	"github.com/yuin/goldmark/ast"
	gtext "github.com/yuin/goldmark/text"
	"golang.org/x/net/publicsuffix"
	"gopkg.in/yaml.v3"
)

var markdownParser = goldmark.New().Parser()

// analyzeMarkdown reads a Markdown file: YAML front matter, fenced and
// inline code parsed as code, HTML comments, and the prose. It returns the
// front matter name of a SKILL.md.
func (a *analyzer) analyzeMarkdown(sc *scope, skill bool) (name string) {
	src := sc.src
	body, bodyOff := src, 0
	codeRanges := [][2]int{} // for settleInstallers
	if fm, end, ok := frontMatter(src); ok {
		name = a.frontMatter(sc, fm, skill)
		body, bodyOff = src[end:], end
		codeRanges = append(codeRanges, [2]int{0, end}) // requires.bins names tools
	}
	prose := bytes.Clone(src) // code blocks and comments get blanked out
	var spans [][2]int        // inline code, hidden from the prompt checker only
	defer func() { a.facts.codeSpans = append(codeRanges, spans...) }()
	doc := markdownParser.Parse(gtext.NewReader(body))
	var comments [][2]int
	_ = ast.Walk(doc, func(n ast.Node, entering bool) (ast.WalkStatus, error) {
		if !entering {
			return ast.WalkContinue, nil
		}
		switch n := n.(type) {
		case *ast.FencedCodeBlock, *ast.CodeBlock:
			code, start := blockText(n.Lines(), body)
			if start < 0 {
				return ast.WalkSkipChildren, nil
			}
			l, named := langText, false
			if fc, ok := n.(*ast.FencedCodeBlock); ok && fc.Info != nil {
				l, named = fenceLang(string(fc.Language(body)))
			}
			if !named {
				l = sniffLang(string(code))
			}
			a.codeBlock(sc, bodyOff+start, code, l, named)
			blank(prose, n.Lines(), bodyOff)
			if segs := n.Lines(); segs.Len() > 0 {
				codeRanges = append(codeRanges, [2]int{bodyOff + segs.At(0).Start, bodyOff + segs.At(segs.Len()-1).Stop})
			}
			return ast.WalkSkipChildren, nil
		case *ast.CodeSpan:
			code, start := inlineText(n, body)
			if start >= 0 {
				spans = append(spans, [2]int{bodyOff + start, bodyOff + start + len(code)})
			}
			if start >= 0 && len(code) > 8 {
				if l := sniffLang(string(code)); l == langShell {
					a.codeBlock(sc, bodyOff+start, code, l, false)
				}
			}
			return ast.WalkSkipChildren, nil
		case *ast.Link:
			deceptiveLink(sc, n, body, bodyOff)
		case *ast.HTMLBlock:
			segs := n.Lines()
			if segs.Len() > 0 {
				first, last := segs.At(0), segs.At(segs.Len()-1)
				end := last.Stop
				if n.HasClosure() {
					end = n.ClosureLine.Stop
				}
				comments = append(comments, htmlComments(body, first.Start, end)...)
			}
		case *ast.RawHTML:
			if n.Segments.Len() > 0 {
				comments = append(comments, htmlComments(body, n.Segments.At(0).Start, n.Segments.At(n.Segments.Len()-1).Stop)...)
			}
		}
		return ast.WalkContinue, nil
	})
	for _, c := range comments {
		a.htmlComment(sc, bodyOff+c[0], body[c[0]:c[1]])
		for i := bodyOff + c[0]; i < bodyOff+c[1]; i++ {
			if prose[i] != '\n' {
				prose[i] = ' '
			}
		}
	}
	sc.checkURLs(false)
	a.analyzeProse(sc, prose, false)
	// Inline code is commands and names, which the prompt checker's rules
	// read as instructions; the code analysis covers it instead.
	for _, sp := range spans {
		for i := sp[0]; i < sp[1] && i < len(prose); i++ {
			if prose[i] != '\n' {
				prose[i] = ' '
			}
		}
	}
	a.promptCheck(sc, prose, false)
	a.checkBlobs(sc, true)
	a.endScope(sc)
	return name
}

// frontMatter splits "---\n...\n---" off the top of a Markdown file.
func frontMatter(src []byte) (fm []byte, end int, ok bool) {
	s := bytes.TrimPrefix(src, []byte("\xef\xbb\xbf"))
	skip := len(src) - len(s)
	if !bytes.HasPrefix(s, []byte("---\n")) && !bytes.HasPrefix(s, []byte("---\r\n")) {
		return nil, 0, false
	}
	start := bytes.IndexByte(s, '\n') + 1
	for i := start; i < len(s); {
		j := bytes.IndexByte(s[i:], '\n')
		line := s[i:]
		if j >= 0 {
			line = s[i : i+j]
		}
		if t := bytes.TrimRight(line, "\r \t"); string(t) == "---" || string(t) == "..." {
			next := len(s)
			if j >= 0 {
				next = i + j + 1
			}
			return s[start:i], skip + next, true
		}
		if j < 0 {
			break
		}
		i += j + 1
	}
	return nil, 0, false
}

// frontMatter checks the YAML header: install downloads and required
// packages. It returns the skill's name.
func (a *analyzer) frontMatter(sc *scope, fm []byte, skill bool) string {
	off := bytes.Index(sc.src, fm)
	var doc yaml.Node
	if err := yaml.Unmarshal(fm, &doc); err != nil {
		sc.report(RuleSkillFrontMatter, off, fmt.Sprintf("front matter is not valid YAML (%v); OpenClaw may read it differently than this scan", err))
		return ""
	}
	var meta struct {
		Name        string         `yaml:"name"`
		Description string         `yaml:"description"`
		Metadata    map[string]any `yaml:"metadata"`
	}
	if err := doc.Decode(&meta); err != nil && skill {
		sc.report(RuleSkillFrontMatter, off, fmt.Sprintf("front matter has an unexpected shape: %v", err))
	}
	for _, key := range []string{"openclaw", "clawdbot", "clawhub", "moltbot"} {
		oc, _ := meta.Metadata[key].(map[string]any)
		installs, _ := oc["install"].([]any)
		for _, it := range installs {
			entry, _ := it.(map[string]any)
			kind, _ := entry["kind"].(string)
			u, _ := entry["url"].(string)
			if kind == "download" || u != "" {
				at := off + max(0, bytes.Index(fm, []byte(u)))
				// OpenClaw fetches and unpacks these itself, so they
				// count as code, not as prose.
				if pu, err := url.Parse(u); err == nil {
					if publicIP(pu.Hostname()) {
						sc.reportSev(RuleRawIPURL, SeverityCritical, at, fmt.Sprintf("install step downloads from the raw IP address %s", pu.Hostname()))
					}
					if k := endpointKind(strings.ToLower(pu.Hostname()), pu.EscapedPath()); k != "" {
						sc.reportSev(RuleExfilEndpoint, SeverityCritical, at, fmt.Sprintf("install step downloads from the %s %s", k, pu.Hostname()))
					}
					if k := shareHost(strings.ToLower(pu.Hostname()), pu.EscapedPath()); k != "" {
						sc.reportSev(RuleSkillInstall, SeverityCritical, at, fmt.Sprintf("install step downloads from the %s %s, which does not show who published the file", k, pu.Hostname()))
					}
					if name := lookalikeDomain(pu.Hostname()); name != "" {
						sc.reportSev(RuleSkillImpersonation, SeverityCritical, at, fmt.Sprintf("install step downloads from %s, a look-alike of %s's domains", pu.Hostname(), name))
					}
				}
				if sum, _ := entry["sha256"].(string); sum == "" {
					sc.report(RuleSkillInstall, at, fmt.Sprintf("install step downloads %s without a sha256 to pin it", short(u)))
				}
			}
			for _, k := range []string{"package", "formula", "module", "name"} {
				if p, _ := entry[k].(string); p != "" && impersonates(p) {
					at := off + max(0, bytes.Index(fm, []byte(p)))
					sc.report(RuleSkillImpersonation, at, fmt.Sprintf("install step requires %q, a name that imitates OpenClaw's own tools", p))
				}
			}
		}
	}
	if a.facts != nil && skill {
		a.facts.skillAbout = meta.Name + " " + meta.Description
	}
	return strings.TrimSpace(meta.Name)
}

// impersonatorRE matches tool names that pose as part of OpenClaw; the real
// packages are "openclaw", "clawhub" and the @openclaw scope.
var impersonatorRE = regexp.MustCompile(`(?i)\b(?:open-?claw|clawd(?:bot)?|moltbot|claw-?hub)[-_]?(?:core|cli|agent|auth\w*|tool\w*|helper|runtime|service|daemon|util\w*|setup|installer|updater|bridge|plugin-?loader|sdk|driver)\b`)

func impersonates(name string) bool {
	name = strings.TrimSpace(name)
	return !strings.HasPrefix(name, "@openclaw/") && (impersonatorRE.MatchString(name) || platformTypo(packageName(name)) != "")
}

// codeBlock analyses a fenced block or inline span as its own scope.
func (a *analyzer) codeBlock(sc *scope, off int, code []byte, l lang, named bool) {
	c := sc.child(off, code)
	if l == langShell {
		code = stripPrompts(code)
		c.src = code
	}
	switch l {
	case langText, langMarkdown:
		c.checkCredPaths()
		a.checkBlobs(c, true)
		a.endScope(c)
	default:
		a.analyzeCode(c, l, false)
	}
}

// stripPrompts removes "$ " shell prompts so that console transcripts parse,
// keeping byte offsets by replacing them with spaces.
func stripPrompts(code []byte) []byte {
	out := bytes.Clone(code)
	for i := 0; i < len(out); {
		j := i
		for j < len(out) && (out[j] == ' ' || out[j] == '\t') {
			j++
		}
		if j+1 < len(out) && (out[j] == '$' || out[j] == '%' || out[j] == '>') && out[j+1] == ' ' {
			out[j] = ' '
		}
		nl := bytes.IndexByte(out[i:], '\n')
		if nl < 0 {
			break
		}
		i += nl + 1
	}
	return out
}

// blockText joins a block's lines; start is the offset of its first line.
func blockText(lines *gtext.Segments, src []byte) ([]byte, int) {
	if lines.Len() == 0 {
		return nil, -1
	}
	var b bytes.Buffer
	for i := 0; i < lines.Len(); i++ {
		seg := lines.At(i)
		b.Write(seg.Value(src))
	}
	return b.Bytes(), lines.At(0).Start
}

func inlineText(n ast.Node, src []byte) ([]byte, int) {
	var b bytes.Buffer
	start := -1
	for c := n.FirstChild(); c != nil; c = c.NextSibling() {
		if t, ok := c.(*ast.Text); ok {
			if start < 0 {
				start = t.Segment.Start
			}
			b.Write(t.Segment.Value(src))
		}
	}
	return b.Bytes(), start
}

// blank replaces a block's bytes in the prose copy with spaces.
func blank(prose []byte, lines *gtext.Segments, base int) {
	for i := 0; i < lines.Len(); i++ {
		seg := lines.At(i)
		for j := base + seg.Start; j < base+seg.Stop && j < len(prose); j++ {
			if prose[j] != '\n' {
				prose[j] = ' '
			}
		}
	}
}

// htmlComments finds <!-- ... --> spans in src[start:end].
func htmlComments(src []byte, start, end int) [][2]int {
	var out [][2]int
	for i := start; i < end; {
		j := bytes.Index(src[i:end], []byte("<!--"))
		if j < 0 {
			break
		}
		k := bytes.Index(src[i+j:end], []byte("-->"))
		stop := end
		if k >= 0 {
			stop = i + j + k + 3
		}
		out = append(out, [2]int{i + j, stop})
		i = stop
	}
	return out
}

var instructionCue = regexp.MustCompile(`(?i)\b(agent|assistant|model|claude|gpt|you|your|must|should|always|never|ignore|send|post|upload|run|execute|curl|http|do not|don't)\b`)

// htmlComment reports comments that talk to the agent behind the reader's
// back, and scans their text as hidden prose.
func (a *analyzer) htmlComment(sc *scope, off int, c []byte) {
	inner := bytes.TrimSuffix(bytes.TrimPrefix(c, []byte("<!--")), []byte("-->"))
	words := len(bytes.Fields(inner))
	if words < 6 || len(instructionCue.FindAll(inner, 3)) < 2 {
		return
	}
	sc.report(RuleSkillHiddenComment, off, fmt.Sprintf("HTML comment with %d words of instructions the rendered page does not show", words))
	c2 := sc.child(off, c)
	a.analyzeProse(c2, c, true)
	a.endScope(c2)
}

// shownURLRE is link text that reads as a URL: a scheme, www., or a host
// followed by a path.
var shownURLRE = regexp.MustCompile(`^(?:https?://\S+|www\.\S+|[A-Za-z0-9-]+(?:\.[A-Za-z0-9-]+)+/\S*)$`)

// deceptiveLink reports a link whose text is a URL on one site while the
// link goes to another: [https://github.com/openclaw/...](https://dl.example/x.pkg).
// Sites are compared by registrable domain, so docs.example.com and
// example.com are one site.
func deceptiveLink(sc *scope, n *ast.Link, body []byte, bodyOff int) {
	var text []byte
	start := -1
	for c := n.FirstChild(); c != nil; c = c.NextSibling() {
		if t, ok := c.(*ast.Text); ok {
			if start < 0 {
				start = t.Segment.Start
			}
			text = append(text, t.Segment.Value(body)...)
		}
	}
	shown := strings.TrimSpace(string(text))
	if start < 0 || !shownURLRE.MatchString(shown) {
		return // link text that is not a URL: "the repo", "setup.py"
	}
	if !strings.Contains(shown, "://") {
		shown = "https://" + shown
	}
	su, err1 := url.Parse(shown)
	du, err2 := url.Parse(string(n.Destination))
	if err1 != nil || err2 != nil || su.Hostname() == "" || du.Hostname() == "" || du.Scheme != "http" && du.Scheme != "https" {
		return
	}
	if _, icann := publicsuffix.PublicSuffix(strings.ToLower(su.Hostname())); !icann {
		return
	}
	if registrable(su.Hostname()) != registrable(du.Hostname()) {
		sc.report(RuleSkillDeceptiveLink, bodyOff+start, fmt.Sprintf("the link shows %s but goes to %s", su.Hostname(), du.Hostname()))
	}
}

// registrable is a host's registrable domain (example.co.uk for
// a.example.co.uk), or the host itself when it has none.
func registrable(host string) string {
	host = strings.ToLower(strings.TrimSuffix(host, "."))
	if d, err := publicsuffix.EffectiveTLDPlusOne(host); err == nil {
		return d
	}
	return host
}
