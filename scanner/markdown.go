package scanner

import (
	"bytes"
	"encoding/json"
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
	a.assembledSteps(sc, spans)
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
	meta, err := readFrontMatter(fm)
	switch {
	case err != nil:
		sc.report(RuleSkillFrontMatter, off, fmt.Sprintf("front matter is not valid YAML (%v), and its metadata cannot be read line by line as OpenClaw falls back to; OpenClaw may read it differently than this scan", err))
	case meta.lenient:
		sc.reportSev(RuleSkillFrontMatter, SeverityLow, off, "front matter is not strict YAML (an unquoted colon in a value, say); read line by line, as OpenClaw does")
	case meta.shape != nil && skill:
		sc.report(RuleSkillFrontMatter, off, fmt.Sprintf("front matter has an unexpected shape: %v", meta.shape))
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
	// Fields besides the name and description are not shown to the user
	// but may reach the agent: instructions there are hidden text.
	var fields map[string]any
	if yaml.Unmarshal(fm, &fields) == nil {
		for k, v := range fields {
			text, ok := v.(string)
			if !ok || k == "name" || k == "description" || k == "metadata" || len(strings.Fields(text)) < 6 {
				continue
			}
			at := off + max(0, bytes.Index(fm, []byte(k+":")))
			a.directives(sc, text, "", func([]int) int { return at }, true)
		}
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

// frontMeta is what the scanner reads from a SKILL.md front matter.
type frontMeta struct {
	Name        string         `yaml:"name"`
	Description string         `yaml:"description"`
	Metadata    map[string]any `yaml:"-"`
	// lenient is set when the block is not strict YAML and was read as
	// OpenClaw reads it then; shape is a field of an unexpected type.
	lenient bool
	shape   error
}

// readFrontMatter reads a front matter block the way OpenClaw does
// (packages/markdown-core/src/frontmatter.ts): YAML; on an error, the
// description re-quoted; failing that, one "key: value" per line. The
// metadata field is an object or a JSON string. It fails only when the
// block has metadata that neither way can read, which would leave the
// install steps OpenClaw sees unchecked.
func readFrontMatter(fm []byte) (frontMeta, error) {
	var raw struct {
		Name        any `yaml:"name"`
		Description any `yaml:"description"`
		Metadata    any `yaml:"metadata"`
	}
	err := yaml.Unmarshal(fm, &raw)
	if err != nil {
		if fixed := requoteFreeform(fm); fixed != nil {
			if yaml.Unmarshal(fixed, &raw) == nil {
				err = nil
			}
		}
	}
	var m frontMeta
	if err == nil {
		m.Name, m.Description = scalar(raw.Name), scalar(raw.Description)
		m.Metadata, m.shape = metadataObject(raw.Metadata)
		return m, nil
	}
	lines := lineFrontMatter(fm)
	m.lenient = true
	m.Name, m.Description = lines["name"], lines["description"]
	if md, ok := lines["metadata"]; ok {
		var perr error
		if m.Metadata, perr = metadataObject(md); perr != nil {
			return m, err
		}
	}
	return m, nil
}

// scalar is a field's text: a string, number or boolean as written, ""
// for a mapping or a list.
func scalar(v any) string {
	switch v := v.(type) {
	case string:
		return v
	case int, int64, uint64, float64, bool:
		return fmt.Sprint(v)
	}
	return ""
}

// metadataObject turns the metadata field into an object: YAML already
// made one, or it is JSON (or JSON5 that YAML's flow syntax reads) in a
// string.
func metadataObject(v any) (map[string]any, error) {
	switch v := v.(type) {
	case nil:
		return nil, nil
	case map[string]any:
		return v, nil
	case string:
		var m map[string]any
		if err := yaml.Unmarshal([]byte(v), &m); err != nil {
			return nil, fmt.Errorf("metadata is not an object: %v", err)
		}
		return m, nil
	}
	return nil, fmt.Errorf("metadata is a %T, not an object", v)
}

var (
	lineFieldRE = regexp.MustCompile(`^([\w-]+):\s*(.*)$`)
	freeformRE  = regexp.MustCompile(`(?m)^(description|read_when|summary):[ \t]*(.*)$`)
)

// requoteFreeform quotes the free-text fields' values, as OpenClaw does
// when YAML stumbles on "description: Use it: fast"; nil when there is
// nothing to quote.
func requoteFreeform(fm []byte) []byte {
	changed := false
	out := freeformRE.ReplaceAllFunc(fm, func(line []byte) []byte {
		m := freeformRE.FindSubmatch(line)
		v := strings.TrimSpace(string(m[2]))
		if v == "" || strings.ContainsAny(v[:1], `"'|>`) {
			return line
		}
		changed = true
		q, _ := json.Marshal(v)
		return append(append(m[1], ": "...), q...)
	})
	if !changed {
		return nil
	}
	return out
}

// lineFrontMatter is OpenClaw's fallback: "key: value" per line, quotes
// stripped, an empty value continued by indented lines.
func lineFrontMatter(fm []byte) map[string]string {
	out := map[string]string{}
	lines := strings.Split(strings.ReplaceAll(string(fm), "\r\n", "\n"), "\n")
	for i := 0; i < len(lines); i++ {
		m := lineFieldRE.FindStringSubmatch(lines[i])
		if m == nil {
			continue
		}
		v := strings.TrimSpace(m[2])
		if v == "" && i+1 < len(lines) && strings.HasPrefix(lines[i+1], " ") || v == "" && i+1 < len(lines) && strings.HasPrefix(lines[i+1], "\t") {
			var cont []string
			for i+1 < len(lines) && (lines[i+1] == "" || lines[i+1][0] == ' ' || lines[i+1][0] == '\t') {
				cont = append(cont, lines[i+1])
				i++
			}
			v = strings.TrimSpace(strings.Join(cont, "\n"))
		} else if len(v) >= 2 && (v[0] == '"' || v[0] == '\'') && v[len(v)-1] == v[0] {
			v = v[1 : len(v)-1]
		}
		if v != "" {
			out[m[1]] = v
		}
	}
	return out
}
