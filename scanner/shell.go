package scanner

import (
	"fmt"
	"path"
	"strings"
)

// shellCmd is one simple command with its words unquoted.
type shellCmd struct {
	node node
	name string   // base name, after sudo, env, nohup and the like
	args []string // unquoted arguments
	raw  []node
	// detached is set for nohup and setsid.
	detached bool
}

var (
	interpreters = map[string]bool{"sh": true, "bash": true, "zsh": true, "dash": true, "ksh": true, "fish": true,
		"python": true, "python2": true, "python3": true, "perl": true, "ruby": true, "node": true, "php": true,
		"osascript": true, "pwsh": true, "powershell": true, "deno": true, "bun": true, "lua": true}
	downloaders = map[string]bool{"curl": true, "wget": true, "fetch": true, "aria2c": true, "http": true,
		"https": true, "iwr": true, "irm": true, "invoke-webrequest": true, "invoke-restmethod": true, "lwp-download": true}
	netTools = map[string]bool{"nc": true, "ncat": true, "netcat": true, "socat": true, "telnet": true,
		"nslookup": true, "dig": true, "host": true, "ssh": true, "scp": true, "sftp": true, "rsync": true, "ftp": true}
	prefixes = map[string]bool{"sudo": true, "env": true, "nohup": true, "setsid": true, "exec": true, "time": true,
		"command": true, "builtin": true, "doas": true, "nice": true, "caffeinate": true, "xargs": true}
)

// unquote returns the text a shell word stands for, keeping expansions
// as written.
func unquote(n node) string {
	switch n.typ() {
	case "raw_string":
		return strings.Trim(n.text(), "'")
	case "string":
		s := n.text()
		if len(s) >= 2 {
			s = s[1 : len(s)-1]
		}
		return s
	case "ansi_c_string":
		return jsString(strings.TrimPrefix(n.text(), "$")).s
	case "concatenation":
		var b strings.Builder
		for c := n.firstChild(); c.ok(); c = c.nextSibling() {
			b.WriteString(unquote(c))
		}
		return b.String()
	}
	return n.text()
}

func parseCmd(n node) shellCmd {
	c := shellCmd{node: n}
	var words []string
	var raw []node
	for i := 0; i < int(n.namedCount()); i++ {
		ch := n.namedChild(i)
		switch ch.typ() {
		case "variable_assignment", "file_redirect", "herestring_redirect", "heredoc_redirect":
			continue
		case "command_name":
			words = append(words, unquote(ch.namedChild(0)))
		default:
			words = append(words, unquote(ch))
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

// flagValue returns the value of -x V or --long V / --long=V.
func (c shellCmd) flagValue(short string, long string) (string, bool) {
	for i, a := range c.args {
		if (a == short || a == long) && i+1 < len(c.args) {
			return c.args[i+1], true
		}
		if long != "" && strings.HasPrefix(a, long+"=") {
			return strings.TrimPrefix(a, long+"="), true
		}
	}
	return "", false
}

// isInterpreterReadingStdin: "bash", "sh -s", "python3 -", "node" with no
// script file.
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

// downloadName is the file a download command writes, "" for stdout.
func (c shellCmd) downloadName() string {
	if v, ok := c.flagValue("-o", "--output"); ok {
		return path.Base(v)
	}
	if v, ok := c.flagValue("-O", "--output-document"); ok && c.name == "wget" {
		return path.Base(v)
	}
	if c.name == "wget" || c.hasFlag('O', "--remote-name") {
		for _, a := range c.args {
			if strings.Contains(a, "://") {
				return path.Base(strings.SplitN(a, "?", 2)[0])
			}
		}
	}
	return ""
}

func (c shellCmd) sends() bool {
	return c.hasFlag(0, "-d", "--data", "--data-binary", "--data-raw", "--data-urlencode", "-F", "--form", "-T", "--upload-file", "--post-data", "--post-file", "--json") ||
		c.hasFlag('d') && c.name == "curl" || c.hasFlag('F') && c.name == "curl"
}

// analyzeShell parses shell and reports droppers, reverse shells,
// persistence and the other shell techniques.
func (a *analyzer) analyzeShell(sc *scope, parseErrors bool) {
	tree, err := a.ps.parse(langShell, sc.src)
	if err != nil {
		sc.report(RuleInputParseError, 0, fmt.Sprintf("shell parser failed: %v; only text rules applied", err))
		return
	}
	defer a.ps.release(tree)
	if tree.broken() && parseErrors {
		sc.report(RuleInputParseError, errorOffset(tree.root()), "shell syntax error; commands inside the broken part may be missed")
	}
	var cmds, pipes, redirs, procsubs []node
	for i := range tree.nodes {
		switch n := (node{tree, int32(i)}); n.typ() {
		case "command":
			cmds = append(cmds, n)
		case "pipeline":
			pipes = append(pipes, n)
		case "file_redirect":
			redirs = append(redirs, n)
		case "process_substitution":
			procsubs = append(procsubs, n)
		}
	}
	sh := &shellAnalysis{sc: sc, downloads: map[string]int{}}
	for _, n := range cmds {
		sh.command(parseCmd(n))
	}
	for _, n := range pipes {
		sh.pipeline(n)
	}
	for _, n := range redirs {
		sh.redirect(n)
	}
	for _, n := range procsubs {
		// source <(curl ...) and bash <(curl ...)
		if p := n.parent(); p.ok() && strings.Contains(n.text(), "curl") || strings.Contains(n.text(), "wget") {
			sh.dropper(int(n.start()), "runs a download through process substitution")
		}
	}
}

type shellAnalysis struct {
	sc        *scope
	downloads map[string]int // file name -> offset of the download
}

func (sh *shellAnalysis) dropper(off int, msg string) {
	sh.sc.report(RuleChainDropper, off, msg)
	sh.sc.has(capDownload, off, "download")
	sh.sc.has(capDynExec, off, "execution")
}

func (sh *shellAnalysis) command(c shellCmd) {
	sc := sh.sc
	if c.name == "" {
		return
	}
	off := int(c.node.start())
	switch {
	case downloaders[c.name]:
		sc.has(capNetwork, off, c.name)
		sc.has(capDownload, off, c.name)
		if name := c.downloadName(); name != "" && name != "/dev/null" && name != "-" {
			sh.downloads[name] = off
		}
		// curl URL > file: the file is a download too.
		if p := c.node.parent(); p.ok() && p.typ() == "redirected_statement" {
			for _, r := range p.namedChildren() {
				if r.typ() == "file_redirect" && !r.field("descriptor").ok() && !strings.HasPrefix(r.text(), "<") {
					if d := r.field("destination"); d.ok() {
						sh.downloads[path.Base(unquote(d))] = off
					}
				}
			}
		}
		if c.detached {
			sc.report(RuleNetBeacon, off, fmt.Sprintf("%s detached from the terminal: a background beacon", c.name))
		}
		for _, a := range c.args {
			if strings.HasPrefix(a, "@") && a != "@-" {
				if what, _ := credTarget([]byte(a)); what != "" {
					sc.has(capCredRead, off, "upload of "+what)
				}
			}
		}
	case netTools[c.name]:
		sc.has(capNetwork, off, c.name)
		if (c.name == "nc" || c.name == "ncat" || c.name == "netcat") && c.hasFlag('e', "--exec", "--sh-exec") ||
			c.name == "socat" && strings.Contains(strings.Join(c.args, " "), "exec:") {
			sc.report(RuleReverseShell, off, fmt.Sprintf("%s hands a shell to a network peer", c.name))
		}
		if c.detached {
			sc.report(RuleNetBeacon, off, fmt.Sprintf("%s detached from the terminal: a background beacon", c.name))
		}
	case c.name == "chmod":
		if len(c.args) >= 2 && executableMode(c.args[0]) {
			for _, f := range c.args[1:] {
				if d, ok := sh.downloads[path.Base(f)]; ok {
					sc.report(RuleFSChmodDownload, off, fmt.Sprintf("makes the download %s (line %d) executable", f, lineOf(sc, d)))
					sh.dropper(off, fmt.Sprintf("downloads %s and makes it executable", path.Base(f)))
				}
			}
		}
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
	case c.name == "eval" || c.name == "source" || c.name == ".":
		joined := strings.Join(c.args, " ")
		if strings.Contains(joined, "$(curl") || strings.Contains(joined, "$(wget") || strings.Contains(joined, "`curl") {
			sh.dropper(off, fmt.Sprintf("%s runs the output of a download", c.name))
		} else if strings.Contains(joined, "base64") {
			sc.report(RuleObfEncodedPayload, off, fmt.Sprintf("%s runs decoded content", c.name))
		}
	case interpreters[c.name] || strings.HasPrefix(c.name, "python3."):
		if code, ok := c.flagValue("-c", ""); ok {
			if strings.Contains(code, "$(curl") || strings.Contains(code, "$(wget") || strings.Contains(code, "`curl") {
				sh.dropper(off, fmt.Sprintf("%s -c runs the output of a download", c.name))
			}
			l := langShell
			if strings.HasPrefix(c.name, "python") {
				l = langPython
			}
			sc.a.analyzeSnippet(sc, off, code, l, "")
		} else if code, ok := c.flagValue("-e", ""); ok && (c.name == "node" || c.name == "perl" || c.name == "ruby") {
			l := langText
			if c.name == "node" {
				l = langJS
			}
			sc.a.analyzeSnippet(sc, off, code, l, "")
		}
		// The first operand is the script; later ones are its data, and with
		// -c or -e there is no script file at all.
		if _, ok := c.flagValue("-c", ""); !ok {
			if _, ok := c.flagValue("-e", ""); !ok {
				for _, a := range c.args {
					if strings.HasPrefix(a, "-") {
						continue
					}
					if _, ok := sh.downloads[path.Base(a)]; ok {
						sh.dropper(off, fmt.Sprintf("runs the download %s with %s", a, c.name))
					}
					break
				}
			}
		}
	}
	if installers[c.name] {
		sh.install(c, off)
	}
	// ./payload, /tmp/payload, open payload.dmg
	if d, ok := sh.downloads[c.name]; ok && d != off {
		sh.dropper(off, fmt.Sprintf("runs the download %s", c.name))
	}
	if c.name == "open" && len(c.args) > 0 {
		if _, ok := sh.downloads[path.Base(c.args[len(c.args)-1])]; ok {
			sh.dropper(off, "opens the download "+c.args[len(c.args)-1])
		}
	}
}

// pipeline reports content piped into an interpreter.
func (sh *shellAnalysis) pipeline(n node) {
	sc := sh.sc
	var stages []shellCmd
	for _, ch := range n.namedChildren() {
		if ch.typ() == "redirected_statement" {
			ch = ch.field("body")
		}
		if ch.ok() && ch.typ() == "command" {
			stages = append(stages, parseCmd(ch))
		} else {
			stages = append(stages, shellCmd{node: ch})
		}
	}
	var from string // what feeds the pipe so far: "download", "decode", "network"
	var literal string
	var send, secret bool
	for i, c := range stages {
		off := int(n.start())
		if c.node.ok() {
			off = int(c.node.start())
		}
		switch {
		case downloaders[c.name]:
			from = "download"
			if c.sends() || containsWord(c.args, "@-") || i > 0 {
				send = true
			}
		case c.name == "nc" || c.name == "ncat" || c.name == "netcat" || c.name == "socat" || c.name == "telnet":
			if i == 0 {
				from = "network"
			} else {
				send = true
			}
		case c.name == "base64" && c.hasFlag('d', "--decode") || c.name == "base64" && c.hasFlag('D') ||
			c.name == "xxd" && c.hasFlag('r') || c.name == "openssl" && containsWord(c.args, "-d"):
			if from != "download" {
				from = "decode"
			}
		case c.name == "echo" || c.name == "printf" || c.name == "cat" && len(c.args) == 0:
			literal = strings.Join(c.args, " ")
		case c.name == "env" && len(c.args) == 0 || c.name == "printenv" || c.name == "cat" && len(c.args) > 0 && credLike(c.args):
			secret = true
		case c.readsStdin() && i > 0 && !alternation(stages[i-1]):
			by := "the previous command"
			switch from {
			case "download":
				sh.dropper(off, fmt.Sprintf("downloads content and pipes it into %s", c.name))
			case "network":
				sc.report(RuleReverseShell, off, fmt.Sprintf("network input piped into %s", c.name))
			case "decode":
				sc.report(RuleObfEncodedPayload, off, fmt.Sprintf("decodes content and pipes it into %s", c.name))
				sc.has(capDynExec, off, "decoded content run by "+c.name)
				by = "decoded content"
			}
			sc.report(RulePipeToShell, off, fmt.Sprintf("%s piped into %s", by, c.name))
			if from == "decode" && literal != "" {
				sh.decodeLiteral(off, literal)
			}
		case c.name == "crontab" && containsWord(c.args, "-"):
			sc.report(RuleFSPersistence, off, "pipes a job into crontab")
		}
	}
	if secret && send {
		sc.has(capCredRead, int(n.start()), "secrets piped to the network")
	}
}

// decodeLiteral scans what "echo BLOB | base64 -d" decodes to.
func (sh *shellAnalysis) decodeLiteral(off int, lit string) {
	lit = strings.Trim(lit, `'" `)
	if d := decodeRun([]byte(lit)); d != nil && d.enc == "base64" {
		if t, ok := readable(d.data); ok {
			sh.sc.a.analyzeDecoded(sh.sc, off, t, "base64")
		}
	}
}

// redirect reports writes to persistence files and /dev/tcp sockets.
func (sh *shellAnalysis) redirect(n node) {
	sc := sh.sc
	dest := n.field("destination")
	if !dest.ok() {
		return
	}
	target := unquote(dest)
	off := int(n.start())
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
	case persistPath.MatchString(target):
		sc.report(RuleFSPersistence, off, "writes "+target)
	}

}

// installers are package managers whose install commands name packages.
var installers = map[string]bool{"npm": true, "pnpm": true, "yarn": true, "bun": true, "npx": true, "pip": true,
	"pip3": true, "pipx": true, "uv": true, "brew": true, "go": true, "cargo": true, "gem": true}

// install checks the packages an install command names: impersonations
// of OpenClaw's tools and packages from URLs instead of a registry.
func (sh *shellAnalysis) install(c shellCmd, off int) {
	verb := false
	for _, a := range c.args {
		switch {
		case a == "install" || a == "i" || a == "add" || a == "get" || a == "-g" && c.name == "npx":
			verb = true
		case strings.HasPrefix(a, "-") || !verb && c.name != "npx":
		case impersonates(a):
			sh.sc.report(RuleSkillImpersonation, off, fmt.Sprintf("%s installs %q, a name that imitates OpenClaw's own tools", c.name, a))
		case strings.Contains(a, "://") || strings.HasPrefix(a, "git+") || strings.HasPrefix(a, "github:"):
			sh.sc.report(RuleSkillURLInstall, off, fmt.Sprintf("%s installs from %s instead of a registry", c.name, short(a)))
		}
	}
}

// alternation recognises documentation's "{zsh|bash|fish}", which parses
// as a pipe between shells.
func alternation(prev shellCmd) bool {
	return strings.HasPrefix(prev.name, "{") || interpreters[strings.TrimPrefix(prev.name, "{")] && len(prev.args) == 0
}

func executableMode(m string) bool {
	if strings.Contains(m, "+x") || strings.Contains(m, "+rwx") {
		return true
	}
	if len(m) >= 3 && strings.Trim(m, "01234567") == "" {
		last := m[len(m)-3:]
		return strings.ContainsAny(last[:1], "1357")
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

func containsWord(ws []string, w string) bool {
	for _, x := range ws {
		if x == w {
			return true
		}
	}
	return false
}

func credLike(args []string) bool {
	for _, a := range args {
		if what, _ := credTarget([]byte(a)); what != "" {
			return true
		}
	}
	return false
}

func lineOf(sc *scope, off int) int {
	l, _ := sc.pos(off)
	return l
}
