package scanner

import (
	"bytes"
	"fmt"
	"net/url"
	"path"
	"regexp"
	"strconv"
	"strings"

	"github.com/openclaw-secure-stack/securestack/scanner/shellrisk"
)

// shellCmd is one simple command with its words unquoted.
type shellCmd struct {
	node node
	name string   // base name, after sudo, env, nohup and the like
	args []string // unquoted arguments
	raw  []node
	// stdin is the here-string that feeds the command, if any.
	stdin node
	// detached is set for nohup and setsid.
	detached bool
}

// The command lists are shellrisk's, shared with the provider guard's
// pure-Go shell judge so the two never diverge.
var (
	interpreters = shellrisk.Interpreters
	downloaders  = shellrisk.Downloaders
	netTools     = shellrisk.NetTools
	prefixes     = shellrisk.Prefixes
	// runners open or install a file: running a download with them is
	// running the download.
	runners = shellrisk.Runners
)

// analyzeShell parses shell and reports droppers, reverse shells,
// persistence and the other shell techniques.
func (a *analyzer) analyzeShell(sc *scope, parseErrors bool) {
	tree := a.parseCode(sc, langShell, parseErrors, "commands")
	if tree == nil {
		return
	}
	defer a.ps.release(tree)
	sh := &shellAnalysis{sc: sc, downloads: map[string]int{}, fromURL: map[string]string{}, vars: map[string]string{},
		secrets: map[string]string{}, flows: map[string]flow{}, written: map[string]string{}}
	defer sh.destinations()
	if f := a.facts; f != nil && sc.out == &f.findings && sc.depth == 0 && sc.fixed == nil && !tree.broken() {
		// A file or a fenced block of shell that parsed cleanly: its
		// syntax tree, not the text rules, says what it runs.
		f.cleanShell = append(f.cleanShell, [2]int{sc.line0, sc.line0 + bytes.Count(sc.src, []byte("\n"))})
	}
	// Nodes come in document order, so assignments and downloads are known
	// before the commands that use them.
	for i := range tree.nodes {
		switch n := (node{tree, int32(i)}); n.typ() {
		case "variable_assignment":
			sh.assign(n)
		case "command":
			sh.command(sh.parse(n))
		case "pipeline":
			sh.pipeline(n)
		case "file_redirect":
			sh.redirect(n)
		case "heredoc_redirect":
			sh.heredoc(n)
		case "process_substitution":
			sh.procsub(n)
		}
	}
}

type shellAnalysis struct {
	sc        *scope
	downloads map[string]int    // lower-cased base name of a downloaded file -> offset of the download
	fromURL   map[string]string // lower-cased base name of a downloaded file -> its URL
	vars      map[string]string // NAME=literal assignments, to resolve $NAME
	secrets   map[string]string // variables that hold a secret -> what it is
	flows     map[string]flow   // variables that hold downloaded or decoded text
	net       []shellNet        // network commands, for the scope's destinations
	written   map[string]string // lower-cased base name of a file -> the text echo or printf wrote to it
}

// shellNet is a network command: the host it talks to ("" when a
// variable names it) and whether its arguments carry a secret.
type shellNet struct {
	host    string
	carries bool
}

// netCommand records where a network command sends and what it carries.
func (sh *shellAnalysis) netCommand(c shellCmd) {
	n := shellNet{host: commandHost(c)}
	for _, a := range c.args {
		for _, m := range shellVarRE.FindAllStringSubmatch(a, -1) {
			if _, ok := sh.secrets[m[1]]; ok || isSecretName(m[1]) {
				n.carries = true
			}
		}
	}
	sh.net = append(sh.net, n)
}

var shellVarRE = regexp.MustCompile(`\$\{?([A-Za-z_][A-Za-z0-9_]*)`)

// destinations hands the scope the hosts of the commands that carry a
// secret or, when none visibly does, of every network command.
func (sh *shellAnalysis) destinations() {
	carrying := false
	for _, n := range sh.net {
		carrying = carrying || n.carries
	}
	for _, n := range sh.net {
		if carrying && !n.carries {
			continue
		}
		switch {
		case n.host == "?":
			sh.sc.unknownNet = true
		case n.host != "":
			sh.sc.netDests = append(sh.sc.netDests, dest{host: n.host, decoded: sh.sc.decoded})
		}
	}
}

// commandHost is the host a network command talks to: the host of its
// URL, the name nslookup resolves, ssh's user@host; "" for one a variable
// names, "?" when it cannot tell.
func commandHost(c shellCmd) string {
	for _, a := range c.args {
		if strings.HasPrefix(a, "-") {
			continue
		}
		if strings.Contains(a, "://") {
			if h, ok := urlHost(a); ok {
				return h
			}
		}
	}
	if downloaders[c.name] {
		for _, a := range c.args {
			if strings.HasPrefix(a, "$") {
				return ""
			}
		}
		return "?"
	}
	for _, a := range c.args {
		if strings.HasPrefix(a, "-") || a == "" {
			continue
		}
		h := a
		if i := strings.LastIndexByte(h, '@'); i >= 0 {
			h = h[i+1:]
		}
		if i := strings.IndexByte(h, ':'); i >= 0 {
			h = h[:i]
		}
		if strings.HasPrefix(h, "$") && !strings.Contains(h, ".") {
			return ""
		}
		// X.exfil.example: a name built around a variable still ends in
		// the domain that receives it.
		if m := hostSuffixRE.FindString(h); m != "" {
			return strings.ToLower(strings.TrimLeft(m, "."))
		}
		return ""
	}
	return "?"
}

var hostSuffixRE = regexp.MustCompile(`(?:^|\.)[A-Za-z0-9-]+(?:\.[A-Za-z0-9-]+)*\.[A-Za-z]{2,}$`)

// word returns the text a shell word stands for: quotes removed, escapes
// and ANSI-C strings decoded, and $NAME of a literal assignment resolved.
func (sh *shellAnalysis) word(n node) string {
	switch n.typ() {
	case "raw_string":
		return strings.Trim(n.text(), "'")
	case "string":
		var b strings.Builder
		for c := n.firstChild(); c.ok(); c = c.nextSibling() {
			if c.named() {
				b.WriteString(sh.word(c))
			} else if t := c.text(); t != `"` {
				b.WriteString(t)
			}
		}
		return b.String()
	case "ansi_c_string":
		return jsString(strings.TrimPrefix(n.text(), "$")).s
	case "concatenation":
		var b strings.Builder
		for c := n.firstChild(); c.ok(); c = c.nextSibling() {
			b.WriteString(sh.word(c))
		}
		return b.String()
	case "simple_expansion", "expansion":
		name := strings.Trim(n.text(), "${}")
		if v, ok := sh.vars[name]; ok {
			return v
		}
		// ${X:-bash} is bash unless X is set; $SHELL is the user's shell.
		if i := strings.Index(name, ":-"); i > 0 {
			if v, ok := sh.vars[name[:i]]; ok {
				return v
			}
			return name[i+2:]
		}
		if name == "SHELL" {
			return "sh"
		}
	case "word":
		// c\url is curl.
		t := n.text()
		if strings.IndexByte(t, '\\') < 0 {
			return t
		}
		var b strings.Builder
		for i := 0; i < len(t); i++ {
			if t[i] == '\\' && i+1 < len(t) {
				i++
			}
			b.WriteByte(t[i])
		}
		return b.String()
	}
	return n.text()
}

// escaped reports an ANSI-C string that spells its text in hex or octal
// escapes, which nobody needs for a command except to hide it.
func escaped(n node) bool {
	return n.typ() == "ansi_c_string" && strings.Count(n.text(), `\x`)+octalEscapes(n.text()) >= 4
}

func octalEscapes(s string) int {
	k := 0
	for i := 0; i+3 < len(s); i++ {
		if s[i] == '\\' && isOctal(s[i+1]) && isOctal(s[i+2]) && isOctal(s[i+3]) {
			k++
		}
	}
	return k
}

func isOctal(c byte) bool { return c >= '0' && c <= '7' }

func (sh *shellAnalysis) parse(n node) shellCmd {
	c := shellCmd{node: n}
	var words []string
	var raw []node
	for ch := n.firstChild(); ch.ok(); ch = ch.nextSibling() {
		if !ch.named() {
			continue
		}
		switch ch.typ() {
		case "variable_assignment", "file_redirect", "heredoc_redirect":
			continue
		case "herestring_redirect":
			c.stdin = ch.namedChild(0)
			continue
		case "command_name":
			words = append(words, sh.word(ch.namedChild(0)))
		default:
			words = append(words, sh.word(ch))
		}
		raw = append(raw, ch)
	}
	// Strip wrappers: sudo -u x, env A=B, nohup, ...
	for len(words) > 0 {
		w := path.Base(words[0])
		if !prefixes[w] {
			break
		}
		if w == "nohup" || w == "setsid" {
			c.detached = true
		}
		words, raw = words[1:], raw[1:]
		for len(words) > 0 && (strings.HasPrefix(words[0], "-") || strings.Contains(words[0], "=")) {
			words, raw = words[1:], raw[1:]
		}
	}
	if len(words) == 0 {
		return c
	}
	c.name = strings.ToLower(path.Base(words[0]))
	c.args, c.raw = words[1:], raw[1:]
	return c
}

// hidden reports a command whose name is not written out: $D, ${X},
// c\url.
func (c shellCmd) hidden() bool {
	if n := c.node.field("name"); n.ok() {
		t := n.text()
		return strings.ContainsAny(t, "$\\'\"")
	}
	return false
}

func (c shellCmd) hasFlag(short byte, long ...string) bool {
	for _, a := range c.args {
		if a == "--" {
			return false
		}
		if len(a) > 1 && a[0] == '-' && a[1] != '-' && short != 0 && strings.IndexByte(a[1:], short) >= 0 {
			return true
		}
		for _, l := range long {
			if a == l || strings.HasPrefix(a, l+"=") {
				return true
			}
		}
	}
	return false
}

// flagValue returns the value of -x V or --long V / --long=V, and the
// index of the argument that holds it.
func (c shellCmd) flagValue(short string, long string) (string, int) {
	for i, a := range c.args {
		if (a == short || a == long) && i+1 < len(c.args) {
			return c.args[i+1], i + 1
		}
		if long != "" && strings.HasPrefix(a, long+"=") {
			return strings.TrimPrefix(a, long+"="), i
		}
	}
	return "", -1
}

// shortValue returns the value of a one-letter option that takes one,
// also inside a cluster of flags: -o F, -oF, -fsSLo F.
func (c shellCmd) shortValue(letter byte) (string, bool) {
	for i, a := range c.args {
		if a == "--" {
			break
		}
		if len(a) < 2 || a[0] != '-' || a[1] == '-' {
			continue
		}
		if j := strings.IndexByte(a[1:], letter); j >= 0 {
			if rest := a[j+2:]; rest != "" {
				return rest, true
			}
			if i+1 < len(c.args) {
				return c.args[i+1], true
			}
		}
	}
	return "", false
}

// readsStdin: "bash", "sh -s", "python3 -", "node" with no script file.
func (c shellCmd) readsStdin() bool {
	if !interpreters[c.name] && !strings.HasPrefix(c.name, "python3.") {
		return false
	}
	for _, a := range c.args {
		switch {
		case a == "-" || a == "-s" || a == "/dev/stdin":
			return true
		case strings.HasPrefix(a, "-"):
			continue
		default:
			return false // a script file or -c argument
		}
	}
	return true
}

// downloadName is the lower-cased base name of the file a download
// command writes, "" for stdout.
func (c shellCmd) downloadName() string {
	name := ""
	if v, ok := c.shortValue('o'); ok && c.name == "curl" {
		name = v
	} else if v, ok := c.shortValue('O'); ok && c.name == "wget" {
		name = v
	} else if v, i := c.flagValue("", "--output"); i >= 0 {
		name = v
	} else if v, i := c.flagValue("", "--output-document"); i >= 0 {
		name = v
	} else if c.name == "wget" || c.hasFlag('O', "--remote-name") {
		for _, a := range c.args {
			if strings.Contains(a, "://") {
				name = strings.SplitN(a, "?", 2)[0]
				break
			}
		}
	}
	if name == "" || name == "-" || name == "/dev/null" {
		return ""
	}
	return strings.ToLower(path.Base(name))
}

func (c shellCmd) sends() bool {
	return c.hasFlag(0, "-d", "--data", "--data-binary", "--data-raw", "--data-urlencode", "-F", "--form", "-T", "--upload-file", "--post-data", "--post-file", "--json") ||
		c.hasFlag('d') && c.name == "curl" || c.hasFlag('F') && c.name == "curl"
}

// decodes reports a command that turns its input into other text:
// base64, hex, reversal, rot13, decompression.
func (c shellCmd) decodes() bool {
	switch c.name {
	case "base64", "base32", "basenc":
		return c.hasFlag('d', "--decode") || c.hasFlag('D')
	case "openssl":
		return containsWord(c.args, "-d") || containsWord(c.args, "-base64") && containsWord(c.args, "-A") && containsWord(c.args, "-d")
	case "xxd":
		return c.hasFlag('r')
	case "rev", "uudecode", "gunzip", "zcat", "bunzip2", "bzcat", "xzcat", "unxz", "zstdcat":
		return true
	case "gzip", "bzip2", "xz", "zstd":
		return c.hasFlag('d', "--decompress", "--decode")
	case "tr":
		// tr SET1 SET2 is a substitution alphabet (rot13 is one).
		return len(c.args) == 2 && !strings.HasPrefix(c.args[0], "-")
	}
	return false
}

// transform applies a decoding command to known input.
func (c shellCmd) transform(in string) (string, bool) {
	switch c.name {
	case "base64", "openssl":
		if d := decodeRun([]byte(strings.Join(strings.Fields(in), ""))); d != nil && d.enc == "base64" {
			return readable(d.data)
		}
	case "base32", "basenc":
		if b, ok := decodeBase32(in); ok {
			return readable(b)
		}
	case "xxd":
		if d := decodeRun([]byte(strings.Join(strings.Fields(in), ""))); d != nil && d.enc == "hex" {
			return readable(d.data)
		}
	case "rev":
		lines := strings.Split(in, "\n")
		for i, l := range lines {
			r := []rune(l)
			for a, b := 0, len(r)-1; a < b; a, b = a+1, b-1 {
				r[a], r[b] = r[b], r[a]
			}
			lines[i] = string(r)
		}
		return strings.Join(lines, "\n"), true
	case "tr":
		return substitute(in, trSet(c.args[0]), trSet(c.args[1])), true
	}
	return "", false
}

// echoText is what echo or printf writes. escapedText is set when it was
// spelled in hex or octal escapes.
func (c shellCmd) echoText() (text string, escapedText bool) {
	var args []string
	interpret := c.name == "printf"
	for i, a := range c.args {
		if i < len(c.raw) && escaped(c.raw[i]) {
			escapedText = true
		}
		if c.name == "echo" && len(args) == 0 && len(a) > 1 && a[0] == '-' && strings.Trim(a[1:], "neE") == "" {
			interpret = interpret || strings.Contains(a, "e")
			continue
		}
		args = append(args, a)
	}
	text = strings.Join(args, " ")
	if c.name == "printf" && len(args) > 0 {
		text = args[0] // the format; arguments only fill it
	}
	if interpret && (strings.Count(text, `\x`)+octalEscapes(text) >= 4) {
		return printfEscapes(text), true
	}
	return text, escapedText
}

// printfEscapes decodes the backslash escapes printf and echo -e know.
func printfEscapes(s string) string {
	var b strings.Builder
	for i := 0; i < len(s); i++ {
		if s[i] != '\\' || i+1 >= len(s) {
			b.WriteByte(s[i])
			continue
		}
		switch e := s[i+1]; {
		case e == 'x':
			j := i + 2
			for j < len(s) && j < i+4 && isHex(s[j]) {
				j++
			}
			if v, err := strconv.ParseUint(s[i+2:j], 16, 8); err == nil {
				b.WriteByte(byte(v))
				i = j - 1
				continue
			}
			b.WriteByte(s[i])
		case isOctal(e):
			j := i + 1
			if e == '0' {
				j++ // echo -e's \0NNN
			}
			k := j
			for k < len(s) && k < j+3 && isOctal(s[k]) {
				k++
			}
			if v, err := strconv.ParseUint(s[j:k], 8, 8); err == nil && k > j {
				b.WriteByte(byte(v))
				i = k - 1
				continue
			}
			b.WriteByte(s[i])
		case e == 'n':
			b.WriteByte('\n')
			i++
		case e == 't':
			b.WriteByte('\t')
			i++
		case e == '\\':
			b.WriteByte('\\')
			i++
		default:
			b.WriteByte(s[i])
		}
	}
	return b.String()
}

// flow is what a pipeline produces so far: where its content comes from
// and, when the pipe carries a known literal, that text as decoded so far.
type flow struct {
	from    string // "download", "decode", "network" or ""
	payload string
	known   bool
	url     string // of a download
}

// flowOf follows content through the stages of a pipeline.
func (sh *shellAnalysis) flowOf(stages []shellCmd) flow {
	var f flow
	for i, c := range stages {
		if c.stdin.ok() {
			if sub, ok := sh.substitution(c.stdin); ok {
				f = sub
			} else {
				f = flow{payload: sh.word(c.stdin), known: true}
			}
		}
		switch {
		case downloaders[c.name]:
			f = flow{from: "download", url: commandURL(c)}
			if c.hidden() {
				f.url = "" // $D -fsSL ...: a downloader in disguise
			}
		case (c.name == "nc" || c.name == "ncat" || c.name == "netcat" || c.name == "socat" || c.name == "telnet") && i == 0:
			f = flow{from: "network"}
		case c.name == "echo" || c.name == "printf":
			text, esc := c.echoText()
			f = flow{payload: text, known: true}
			if esc {
				f.from = "decode"
			}
		case c.decodes():
			out, ok := c.transform(f.payload)
			if f.from != "download" {
				f.from = "decode"
			}
			f.url = "" // a download decoded before it runs is no vendor's installer
			f.payload, f.known = out, ok && f.known
		case c.name == "tee" || c.name == "cat" && len(c.args) == 0:
		default:
			f.known = false
		}
	}
	return f
}

// substitution returns the flow of a word that is one command or process
// substitution, "$(...)" or "<(...)" (quoted or not), whose output takes
// the word's place.
func (sh *shellAnalysis) substitution(n node) (flow, bool) {
	if n.typ() == "string" && n.namedCount() == 1 {
		n = n.namedChild(0)
	}
	if t := n.typ(); t == "simple_expansion" || t == "expansion" {
		f, ok := sh.flows[strings.Trim(n.text(), "${}")]
		return f, ok
	}
	if t := n.typ(); t != "command_substitution" && t != "process_substitution" {
		return flow{}, false
	}
	var stages []shellCmd
	inner := n.namedChild(0)
	if inner.typ() == "redirected_statement" {
		inner = inner.field("body")
	}
	switch inner.typ() {
	case "command":
		stages = []shellCmd{sh.parse(inner)}
	case "pipeline":
		stages = sh.stages(inner)
	default:
		return flow{}, false
	}
	return sh.flowOf(stages), true
}

func (sh *shellAnalysis) stages(pipeline node) []shellCmd {
	var stages []shellCmd
	for _, ch := range pipeline.namedChildren() {
		if ch.typ() == "redirected_statement" {
			ch = ch.field("body")
		}
		if ch.ok() && ch.typ() == "command" {
			stages = append(stages, sh.parse(ch))
		} else {
			stages = append(stages, shellCmd{node: ch})
		}
	}
	return stages
}

// runs reports content of the given flow that is run as code.
func (sh *shellAnalysis) runs(off int, runner string, f flow) {
	switch f.from {
	case "download":
		sh.dropperFrom(off, "downloads content and runs it with "+runner, f.url)
	case "network":
		sh.sc.report(RuleReverseShell, off, fmt.Sprintf("network input run by %s", runner))
	case "decode":
		sh.sc.report(RuleObfEncodedPayload, off, fmt.Sprintf("decodes content and runs it with %s", runner))
		sh.sc.has(capDynExec, off, "decoded content run by "+runner)
		if f.known {
			sh.sc.a.analyzeDecoded(sh.sc, off, f.payload, "decoded")
		}
	}
}

func (sh *shellAnalysis) dropper(off int, msg string) {
	sh.sc.report(RuleChainDropper, off, msg)
	sh.sc.has(capDownload, off, "download")
	sh.sc.has(capDynExec, off, "execution")
}

// assign records NAME=literal for $NAME and NAME=$(secret source) for the
// secret flow.
func (sh *shellAnalysis) assign(n node) {
	name, value := n.field("name").text(), n.field("value")
	if name == "" || !value.ok() {
		return
	}
	delete(sh.secrets, name)
	delete(sh.flows, name)
	if f, ok := sh.substitution(value); ok && f.from != "" {
		sh.flows[name] = f
	}
	switch value.typ() {
	case "word", "raw_string":
		sh.vars[name] = sh.word(value)
		return
	case "string":
		if value.namedCount() == 0 {
			sh.vars[name] = sh.word(value)
			return
		}
	}
	delete(sh.vars, name)
	if sub := value; sub.typ() == "string" && sub.namedCount() == 1 {
		value = sub.namedChild(0)
	}
	if value.typ() != "command_substitution" {
		return
	}
	inner := value.namedChild(0)
	var stages []shellCmd
	switch inner.typ() {
	case "command":
		stages = []shellCmd{sh.parse(inner)}
	case "pipeline":
		stages = sh.stages(inner)
	}
	for _, c := range stages {
		if what := secretSource(c); what != "" {
			sh.secrets[name] = what
			break
		}
	}
	// jq '.wallets[0]' of a credentials file picks a field that is no
	// secret; '.api_key' does.
	if len(stages) > 0 && sh.secrets[name] != "" {
		if last := stages[len(stages)-1]; last.name == "jq" && !jqSelectsSecret(last) {
			delete(sh.secrets, name)
		}
	}
}

// jqSelectsSecret reports whether a jq filter's last field names a secret
// (.skills.entries.x.apiToken // empty, .api_key), or it keeps the whole
// document.
func jqSelectsSecret(c shellCmd) bool {
	filter := ""
	for _, a := range c.args {
		if !strings.HasPrefix(a, "-") {
			filter = a
			break
		}
	}
	filter, _, _ = strings.Cut(filter, "//")
	filter, _, _ = strings.Cut(filter, "|")
	names := jqFieldRE.FindAllString(filter, -1)
	return len(names) == 0 || isSecretName(names[len(names)-1])
}

var jqFieldRE = regexp.MustCompile(`[A-Za-z_][A-Za-z0-9_]*`)

// secretSource says what secret a command prints, or "".
func secretSource(c shellCmd) string {
	switch {
	case c.name == "security" && len(c.args) > 0 && (c.args[0] == "find-generic-password" || c.args[0] == "find-internet-password"):
		return "a keychain password"
	case c.name == "openclaw" && len(c.args) >= 3 && c.args[0] == "config" && c.args[1] == "get" && isSecretName(c.args[2]):
		return "the OpenClaw setting " + c.args[2]
	case c.name == "printenv" && len(c.args) == 1 && isSecretName(c.args[0]):
		return "$" + c.args[0]
	}
	for _, a := range c.args {
		if h, ok := findCred([]byte(a)); ok {
			return h.what
		}
	}
	return ""
}

// sentSecret returns what secret a sending command's data carries, from a
// variable that holds one. Headers are how APIs take their keys and do
// not count.
func (sh *shellAnalysis) sentSecret(c shellCmd) string {
	if len(sh.secrets) == 0 {
		return ""
	}
	for i, a := range c.args {
		if i > 0 && (c.args[i-1] == "-H" || c.args[i-1] == "--header") || strings.HasPrefix(a, "--header=") {
			continue
		}
		for name, what := range sh.secrets {
			if strings.Contains(a, "$"+name) || strings.Contains(a, "${"+name+"}") {
				return what
			}
		}
	}
	return ""
}

func (sh *shellAnalysis) command(c shellCmd) {
	sc := sh.sc
	if c.name == "" {
		return
	}
	off := int(c.node.start())
	if f := sc.a.facts; f != nil {
		if f.commands == nil {
			f.commands = map[string]bool{}
		}
		f.commands[c.name] = true
	}
	switch {
	case downloaders[c.name]:
		sc.has(capNetwork, off, c.name)
		sc.has(capDownload, off, c.name)
		sh.netCommand(c)
		if name := c.downloadName(); name != "" {
			sh.downloads[name], sh.fromURL[name] = off, commandURL(c)
		}
		// curl URL > file: the file is a download too.
		if name := sh.stdoutFile(c.node.parent()); name != "" {
			sh.downloads[name], sh.fromURL[name] = off, commandURL(c)
		}
		if c.detached {
			sc.report(RuleNetBeacon, off, fmt.Sprintf("%s detached from the terminal: a background beacon", c.name))
		}
		for _, a := range c.args {
			if strings.HasPrefix(a, "@") && a != "@-" {
				if h, ok := findCred([]byte(a)); ok {
					sc.hasCred(off, "upload of "+h.what, false)
				}
			}
		}
		if what := sh.sentSecret(c); what != "" && c.sends() {
			sc.hasCred(off, what+" sent in a request", true)
		}
	case c.name == "gh" && len(c.args) > 1 && c.args[0] == "gist" && (c.args[1] == "create" || c.args[1] == "new" || c.args[1] == "edit"):
		// A gist is a drop site anyone with the link can read.
		sc.has(capNetwork, off, "gh gist "+c.args[1])
		for _, a := range c.args[2:] {
			if h, ok := findCred([]byte(a)); ok {
				sc.hasCred(off, "upload of "+h.what+" to a gist", false)
			}
		}
	case netTools[c.name]:
		sc.has(capNetwork, off, c.name)
		sh.netCommand(c)
		if (c.name == "nc" || c.name == "ncat" || c.name == "netcat") && c.hasFlag('e', "--exec", "--sh-exec") ||
			c.name == "socat" && strings.Contains(strings.Join(c.args, " "), "exec:") {
			sc.report(RuleReverseShell, off, fmt.Sprintf("%s hands a shell to a network peer", c.name))
		}
		if c.detached {
			sc.report(RuleNetBeacon, off, fmt.Sprintf("%s detached from the terminal: a background beacon", c.name))
		}
		if what := sh.sentSecret(c); what != "" {
			sc.hasCred(off, what+" sent with "+c.name, false)
		}
	case c.name == "chmod":
		if len(c.args) >= 2 && executableMode(c.args[0]) {
			for _, f := range c.args[1:] {
				if d, ok := sh.downloads[strings.ToLower(path.Base(f))]; ok {
					sc.report(RuleFSChmodDownload, off, fmt.Sprintf("makes the download %s (line %d) executable", f, lineOf(sc, d)))
					sh.dropper(off, fmt.Sprintf("downloads %s and makes it executable", path.Base(f)))
				}
			}
		}
	case (c.name == "tee" || c.name == "cp" || c.name == "mv" || c.name == "install" || c.name == "ln") && len(c.args) > 0:
		agentFileWrite(sc, off, c.args[len(c.args)-1], c.name, false)
	case c.name == "sed" && c.hasFlag('i', "--in-place") && len(c.args) > 0:
		agentFileWrite(sc, off, c.args[len(c.args)-1], "sed -i", false)
	case c.name == "crontab" && len(c.args) > 0 && c.args[0] != "-l",
		c.name == "launchctl" && len(c.args) > 0 && (c.args[0] == "load" || c.args[0] == "bootstrap" || c.args[0] == "submit"),
		c.name == "systemctl" && c.hasFlag(0, "--user") && containsWord(c.args, "enable"):
		sc.report(RuleFSPersistence, off, fmt.Sprintf("%s %s installs a job that survives reboots", c.name, strings.Join(c.args, " ")))
	case c.name == "rm" && c.hasFlag('r', "--recursive") && c.hasFlag('f', "--force"):
		for _, f := range c.args {
			if dangerousDeleteTarget(f) {
				sc.report(RuleFSRecursiveDelete, off, fmt.Sprintf("rm -rf %s", f))
				break
			}
		}
	case c.name == "env" && len(c.args) == 0, c.name == "printenv" && len(c.args) == 0, c.name == "export" && len(c.args) == 1 && c.args[0] == "-p":
		sc.has(capEnvDump, off, c.name)
	case c.name == "eval":
		sh.code(off, c.name, c.raw, strings.Join(c.args, " "), langShell)
	case c.name == "source" || c.name == ".":
		if c.stdin.ok() && len(c.args) > 0 && c.args[0] == "/dev/stdin" {
			sh.fed(off, c)
		} else if _, ok := sh.downloads[strings.ToLower(path.Base(first(c.args)))]; ok {
			sh.dropperFrom(off, fmt.Sprintf("%s runs the download %s", c.name, first(c.args)), sh.fromURL[strings.ToLower(path.Base(first(c.args)))])
		}
	case interpreters[c.name] || strings.HasPrefix(c.name, "python3."):
		if code, i := c.flagValue("-c", ""); i >= 0 {
			l := langShell
			if strings.HasPrefix(c.name, "python") {
				l = langPython
			}
			sh.code(off, c.name+" -c", c.raw[i:i+1], code, l)
		} else if code, i := c.flagValue("-e", ""); i >= 0 && (c.name == "node" || c.name == "perl" || c.name == "ruby") {
			l := langText
			if c.name == "node" {
				l = langJS
			}
			sh.code(off, c.name+" -e", c.raw[i:i+1], code, l)
		} else if c.readsStdin() {
			sh.fed(off, c)
		} else {
			// The first operand is the script; later ones are its data.
			for _, a := range c.args {
				if strings.HasPrefix(a, "-") {
					continue
				}
				if _, ok := sh.downloads[strings.ToLower(path.Base(a))]; ok {
					sh.dropperFrom(off, fmt.Sprintf("runs the download %s with %s", a, c.name), sh.fromURL[strings.ToLower(path.Base(a))])
				}
				sh.runsWritten(off, a)
				break
			}
		}
	case runners[c.name] && len(c.args) > 0:
		for _, a := range c.args {
			if _, ok := sh.downloads[strings.ToLower(path.Base(a))]; ok {
				sh.dropper(off, fmt.Sprintf("%s runs the download %s", c.name, a))
				break
			}
		}
	}
	if installers[c.name] {
		sh.install(c, off)
	}
	// $(curl ...) as the command runs what the download says.
	if name := c.node.field("name").namedChild(0); name.ok() {
		if f, ok := sh.substitution(name); ok {
			sh.runs(off, "a command substitution", f)
		}
	}
	if c.name == "source" || c.name == "." {
		sh.runsWritten(off, first(c.args))
	} else if _, ok := sh.written[c.name]; ok {
		sh.runsWritten(off, c.name) // ./script
	}
	// ./payload, /tmp/payload
	if d, ok := sh.downloads[c.name]; ok && d != off {
		sh.dropper(off, fmt.Sprintf("runs the download %s", c.name))
	}
}

// code analyses a string that a command runs as code (eval, bash -c,
// node -e): a command substitution in its place runs whatever the
// substitution produces, and escapes that spell the code hide it.
func (sh *shellAnalysis) code(off int, runner string, raw []node, code string, l lang) {
	for _, r := range raw {
		if f, ok := sh.substitution(r); ok {
			sh.runs(off, runner, f)
			return
		}
		if escaped(r) {
			sh.runs(off, runner, flow{from: "decode", payload: code, known: true})
			return
		}
	}
	sh.sc.a.analyzeSnippet(sh.sc, off, code, l, "")
}

// fed checks what a here-string feeds to an interpreter or to source.
func (sh *shellAnalysis) fed(off int, c shellCmd) {
	if !c.stdin.ok() {
		return
	}
	if f, ok := sh.substitution(c.stdin); ok {
		sh.runs(off, c.name, f)
		return
	}
	sh.code(off, c.name, []node{c.stdin}, sh.word(c.stdin), langShell)
}

// heredoc analyses a here-document that an interpreter runs: bash <<EOF,
// cat <<EOF | sh.
func (sh *shellAnalysis) heredoc(n node) {
	var body node
	var reader shellCmd
	for c := n.firstChild(); c.ok(); c = c.nextSibling() {
		switch c.typ() {
		case "heredoc_body":
			body = c
		case "pipeline":
			if st := sh.stages(c); len(st) > 0 {
				reader = st[0]
			}
		}
	}
	if p := n.parent(); reader.name == "" && p.typ() == "redirected_statement" {
		if b := p.field("body"); b.typ() == "command" {
			reader = sh.parse(b)
		}
	}
	if !body.ok() || !reader.readsStdin() {
		return
	}
	l := langShell
	if strings.HasPrefix(reader.name, "python") {
		l = langPython
	} else if reader.name == "node" {
		l = langJS
	}
	sh.sc.a.analyzeSnippet(sh.sc, body.start(), body.text(), l, "")
}

// procsub checks source <(...) and bash <(...): the substitution is the
// script.
func (sh *shellAnalysis) procsub(n node) {
	p := n.parent()
	if p.typ() != "command" {
		return
	}
	if c := sh.parse(p); c.name == "source" || c.name == "." || interpreters[c.name] {
		if f, ok := sh.substitution(n); ok {
			sh.runs(n.start(), c.name, f)
		}
	}
}

// stdoutFile returns the lower-cased base name of the file a redirected
// statement writes its output to, or "".
func (sh *shellAnalysis) stdoutFile(stmt node) string {
	if stmt.typ() != "redirected_statement" {
		return ""
	}
	for _, r := range stmt.namedChildren() {
		if r.typ() == "file_redirect" && !r.field("descriptor").ok() && !strings.HasPrefix(r.text(), "<") {
			if d := r.field("destination"); d.ok() {
				return strings.ToLower(path.Base(sh.word(d)))
			}
		}
	}
	return ""
}

// pipeline reports content piped into an interpreter, and secrets piped
// to the network.
func (sh *shellAnalysis) pipeline(n node) {
	sc := sh.sc
	if choiceListRE.MatchString(n.text()) {
		return // "completion install [--shell <bash|zsh|fish>]": a choice, not a pipe
	}
	stages := sh.stages(n)
	// curl URL | base64 -d > file: the file is a download.
	if f := sh.flowOf(stages); f.from == "download" {
		if name := sh.stdoutFile(n.parent()); name != "" {
			sh.downloads[name], sh.fromURL[name] = n.start(), f.url
		}
	}
	var send, secret bool
	for i, c := range stages {
		off := n.start()
		if c.node.ok() {
			off = c.node.start()
		}
		switch {
		case downloaders[c.name]:
			if c.sends() || containsWord(c.args, "@-") || i > 0 {
				send = true
			}
		case c.name == "nc" || c.name == "ncat" || c.name == "netcat" || c.name == "socat" || c.name == "telnet":
			send = send || i > 0
		case c.name == "env" && len(c.args) == 0 || c.name == "printenv" || secretSource(c) != "":
			secret = true
		case (c.name == "echo" || c.name == "printf") && sh.sentSecret(c) != "":
			secret = true
		case c.readsStdin() && i > 0 && !alternation(stages[i-1]):
			if prev := stages[i-1]; prev.name == "cat" && len(prev.args) > 0 {
				sh.catRun(off, prev, c.name)
			}
			f := sh.flowOf(stages[:i])
			sh.runs(off, c.name, f)
			by := "the previous command"
			if f.from == "decode" {
				by = "decoded content"
			}
			sc.report(RulePipeToShell, off, fmt.Sprintf("%s piped into %s", by, c.name))
		case c.name == "crontab" && containsWord(c.args, "-"):
			sc.report(RuleFSPersistence, off, "pipes a job into crontab")
		}
	}
	if secret && send {
		sc.hasCred(n.start(), "secrets piped to the network", false)
	}
}

// redirect reports writes to persistence files and /dev/tcp sockets.
func (sh *shellAnalysis) redirect(n node) {
	sc := sh.sc
	dest := n.field("destination")
	if !dest.ok() {
		return
	}
	target := sh.word(dest)
	off := n.start()
	stmt := n.parent()
	switch {
	case strings.HasPrefix(target, "/dev/tcp/") || strings.HasPrefix(target, "/dev/udp/"):
		sc.has(capNetwork, off, "bash network redirect")
		body := ""
		if stmt.ok() {
			body = stmt.text()
		}
		if strings.Contains(body, "-i") || strings.Contains(body, "0>&1") || strings.Contains(body, "sh ") {
			sc.report(RuleReverseShell, off, "interactive shell wired to "+target)
		} else {
			sc.report(RuleNetSocket, off, "raw socket through "+target)
		}
	case agentFileWrite(sc, off, target, "a redirect", stmt.typ() == "redirected_statement" && downloaders[sh.parse(stmt.field("body")).name]):
	case persistPath.MatchString(target):
		persistence(sc, off, target, "writes "+target)
	}
	// echo 'curl ... | sh' > f: a script written in pieces, run later.
	if stmt.typ() == "redirected_statement" && !strings.HasPrefix(n.text(), "<") && !n.field("descriptor").ok() {
		if b := stmt.field("body"); b.typ() == "command" {
			if c := sh.parse(b); c.name == "echo" || c.name == "printf" {
				text, _ := c.echoText()
				name := strings.ToLower(path.Base(target))
				if strings.HasPrefix(n.text(), ">>") {
					sh.written[name] += text + "\n"
				} else {
					sh.written[name] = text + "\n"
				}
			}
		}
	}
}

// runsWritten analyses a script the shell wrote itself and now runs.
func (sh *shellAnalysis) runsWritten(off int, file string) {
	if text, ok := sh.written[strings.ToLower(path.Base(file))]; ok {
		sh.sc.a.analyzeSnippet(sh.sc, off, text, langShell, "script written by echo")
	}
}

// installers are package managers whose install commands name packages.
var installers = shellrisk.Installers

// install checks the packages an install command names: impersonations
// of OpenClaw's tools and packages from URLs instead of a registry.
func (sh *shellAnalysis) install(c shellCmd, off int) {
	verb := false
	// npx runs one package; what follows it are that program's arguments
	// (npx atxp-call https://api.example/mcp tool), not more packages.
	runOnly, ran := c.name == "npx", false
	for _, a := range c.args {
		if runOnly && !strings.HasPrefix(a, "-") {
			if ran {
				break
			}
			ran = true
		}
		switch {
		case a == "install" || a == "i" || a == "add" || a == "get" || a == "-g" && c.name == "npx":
			verb = true
		case strings.HasPrefix(a, "-") || !verb && c.name != "npx":
		case impersonates(a):
			sh.sc.report(RuleSkillImpersonation, off, fmt.Sprintf("%s installs %q, a name that imitates OpenClaw's own tools", c.name, a))
		case strings.Contains(a, "://") || strings.HasPrefix(a, "git+") || strings.HasPrefix(a, "github:"):
			msg := fmt.Sprintf("%s installs from %s instead of a registry", c.name, short(a))
			if u, err := url.Parse(strings.TrimPrefix(a, "git+")); err == nil {
				if k := payloadHost(strings.ToLower(u.Hostname()), u.EscapedPath()); k != "" {
					sh.sc.reportSev(RuleSkillURLInstall, SeverityCritical, off, msg+", from "+k)
					continue
				}
			}
			sh.sc.report(RuleSkillURLInstall, off, msg)
			if f := sh.sc.a.facts; f != nil && sh.sc.out == &f.findings {
				f.urlInstalls = append(f.urlInstalls, urlInstall{finding: len(f.findings) - 1, name: urlPackageName(a)})
			}
		case packageTypo(packageName(a)) != "":
			sh.sc.report(RuleSkillTyposquat, off, fmt.Sprintf("%s installs %q, one typo away from the popular package %q", c.name, a, packageTypo(packageName(a))))
		}
	}
}

// urlPackageName is the package a URL install names: pip's #egg= name, or
// the last path element without .git, an archive extension or a version.
func urlPackageName(arg string) string {
	if _, egg, ok := strings.Cut(arg, "#egg="); ok {
		return strings.SplitN(egg, "&", 2)[0]
	}
	arg = strings.SplitN(arg, "#", 2)[0]
	arg = strings.SplitN(arg, "?", 2)[0]
	arg = strings.TrimRight(arg, "/")
	if i := strings.LastIndexAny(arg, "/:"); i >= 0 {
		arg = arg[i+1:]
	}
	arg, _, _ = strings.Cut(arg, "@")
	for _, ext := range []string{".git", ".tar.gz", ".tgz", ".zip", ".whl", ".tar.bz2"} {
		arg = strings.TrimSuffix(arg, ext)
	}
	// pkg-1.2.3 and wheel names: the name ends before "-<digit>".
	for i := 0; i+1 < len(arg); i++ {
		if arg[i] == '-' && arg[i+1] >= '0' && arg[i+1] <= '9' {
			return arg[:i]
		}
	}
	return arg
}

// choiceListRE is documentation's "<bash|zsh|fish>" or "[a|b]": one of
// several values, which shell parses as a pipeline.
var choiceListRE = regexp.MustCompile(`[<\[{(]\s*-{0,2}[\w.-]+(?:\s*\|\s*-{0,2}[\w.-]+)+\s*[>\]})]|[<\[{(]\s*-{0,2}[\w.-]+(?:\s*\|\s*-{0,2}[\w.-]+){2,}\s*$`)

// alternation recognises documentation's "{zsh|bash|fish}", which parses
// as a pipe between shells.
func alternation(prev shellCmd) bool {
	return strings.HasPrefix(prev.name, "{") || interpreters[strings.TrimPrefix(prev.name, "{")] && len(prev.args) == 0
}

// executableMode reports chmod modes that make a file executable by its
// owner: 755, +x, u+x, a+rx, u=rwx.
func executableMode(m string) bool {
	if len(m) >= 3 && strings.Trim(m, "01234567") == "" {
		return strings.ContainsAny(m[len(m)-3:len(m)-2], "1357")
	}
	for _, clause := range strings.Split(m, ",") {
		who, perms, ok := strings.Cut(clause, "+")
		if !ok {
			who, perms, ok = strings.Cut(clause, "=")
		}
		if ok && strings.Trim(who, "ugoa") == "" && (who == "" || strings.ContainsAny(who, "ua")) && strings.Contains(perms, "x") {
			return true
		}
	}
	return false
}

func dangerousDeleteTarget(f string) bool {
	f = strings.TrimRight(strings.Trim(f, `"'`), "/*")
	switch f {
	case "", "~", "$HOME", "${HOME}", "/Users", "/home", "/etc", "/usr", "/var", "/System", "/Library", "$HOME/Library", "~/Library", "~/Documents", "$HOME/Documents":
		return true
	}
	return false
}

func first(ws []string) string {
	if len(ws) == 0 {
		return ""
	}
	return ws[0]
}

func containsWord(ws []string, w string) bool {
	for _, x := range ws {
		if x == w {
			return true
		}
	}
	return false
}

func lineOf(sc *scope, off int) int {
	l, _ := sc.pos(off)
	return l
}

// catRun reports cat of files piped into an interpreter: a script put
// back together from pieces that each look like nothing (payload
// splitting across files). One script file run this way is only
// unusual.
func (sh *shellAnalysis) catRun(off int, cat shellCmd, runner string) {
	var files []string
	pieces := false
	for _, a := range cat.args {
		if strings.HasPrefix(a, "-") {
			continue
		}
		files = append(files, a)
		switch strings.ToLower(path.Ext(a)) {
		case ".sh", ".bash", ".zsh", ".py", ".js", ".rb", ".pl":
		default:
			pieces = true // .part, .txt, .b64, no extension: data, not a script
		}
	}
	switch {
	case len(files) >= 2:
		sh.sc.reportSev(RuleObfSplitPayload, SeverityCritical, off, fmt.Sprintf("joins %s and runs the result with %s: a script split across files", strings.Join(files, ", "), runner))
	case len(files) == 1 && pieces:
		sh.sc.reportSev(RuleObfSplitPayload, SeverityHigh, off, fmt.Sprintf("runs the data file %s with %s", files[0], runner))
	}
}
