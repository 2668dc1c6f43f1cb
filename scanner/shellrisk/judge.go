package shellrisk

import (
	"encoding/base64"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"path"
	"regexp"
	"slices"
	"strconv"
	"strings"
	"unicode/utf16"
	"unicode/utf8"

	"mvdan.cc/sh/v3/expand"
	"mvdan.cc/sh/v3/syntax"
)

// Rule ids. Where the technique is one the scanner also detects, the id is
// the scanner's (scanner/ruleids.go), so an audit record and a scan report
// name the same thing the same way.
const (
	RulePipeToShell       = "SHELL_PIPE_INTERPRETER"
	RuleChainDropper      = "CHAIN_DROPPER"
	RuleReverseShell      = "REVERSE_SHELL"
	RuleNetSocket         = "NETWORK_SOCKET"
	RuleFSPersistence     = "FS_PERSISTENCE"
	RuleCredFile          = "CRED_FILE_ACCESS"
	RuleExfilEndpoint     = "NET_EXFIL_ENDPOINT"
	RuleRawIPURL          = "NET_RAW_IP_URL"
	RuleObfEncodedPayload = "OBF_ENCODED_PAYLOAD"
	RuleFSRecursiveDelete = "FS_RECURSIVE_DELETE"
	RuleFSChmodDownload   = "FS_CHMOD_DOWNLOAD"
	RuleNetBeacon         = "NET_BACKGROUND_BEACON"
	RuleChainExfil        = "CHAIN_EXFILTRATION"
	RuleDefenseEvasion    = "DEFENSE_EVASION"
	// RuleUnparsable has no scanner counterpart: a skill file that does not
	// parse is still scanned as text, but a command that cannot be read is
	// not run.
	RuleUnparsable = "SHELL_UNPARSABLE"
	// RuleUnknownScript has none either: a command runs a file written
	// earlier whose text the caller no longer knows (Context.Forgotten,
	// Context.Incomplete), so what it runs cannot be judged.
	RuleUnknownScript = "SHELL_UNKNOWN_SCRIPT"
)

// Severities, weakest first, as the scanner spells them.
const (
	SeverityLow      = "low"
	SeverityMedium   = "medium"
	SeverityHigh     = "high"
	SeverityCritical = "critical"
)

// SeverityRank orders severities: low 1 ... critical 4, unknown 0.
func SeverityRank(s string) int {
	switch s {
	case SeverityLow:
		return 1
	case SeverityMedium:
		return 2
	case SeverityHigh:
		return 3
	case SeverityCritical:
		return 4
	}
	return 0
}

// Finding is one technique seen in a command.
type Finding struct {
	Rule     string `json:"rule_id"`
	Severity string `json:"severity"`
	Message  string `json:"message"`
}

// Verdict is what Judge saw in a command line.
type Verdict struct {
	Findings []Finding
	// Targets are the network destinations the command names as URLs or
	// hosts of network commands, for an allowlist check by the caller.
	Targets []Target
}

// Worst returns the highest severity among the findings, or "".
func (v Verdict) Worst() string {
	w := ""
	for _, f := range v.Findings {
		if SeverityRank(f.Severity) > SeverityRank(w) {
			w = f.Severity
		}
	}
	return w
}

// Rules lists the findings' rule ids, sorted, without repeats.
func (v Verdict) Rules() []string {
	var ids []string
	for _, f := range v.Findings {
		ids = append(ids, f.Rule)
	}
	slices.Sort(ids)
	return slices.Compact(ids)
}

// maxDepth bounds how deep Judge follows code run as a string (bash -c,
// eval, decoded payloads): deeper nesting is itself refused.
const maxDepth = 6

// Judge reads a command line as bash would (mvdan.cc/sh/v3/syntax) and
// reports the techniques it uses: content from the network or a decoder run
// by a shell or interpreter, download-then-run, reverse shells, persistence,
// credential stores, exfiltration endpoints, recursive deletes of home or
// system directories. A command that does not parse is itself a finding
// (critical): what cannot be read is not run.
func Judge(command string) Verdict {
	return JudgeIn("", command)
}

// JudgeIn is Judge for a command run in the directory dir ("" for
// OpenClaw's default, the agent workspace DefaultWorkspace). The working
// directory is followed through the command (cd, pushd, popd, subshells,
// env -C, git -C), so that relative names are read as the files they are.
func JudgeIn(dir, command string) Verdict {
	return JudgeWith(Context{Dir: dir}, command)
}

// Context is what is known of the place a command runs in.
type Context struct {
	// Dir is the working directory ("" for DefaultWorkspace).
	Dir string
	// Files are files written before the command runs (name -> text): a
	// command that runs one (sh f, ./f, python3 f, source f) runs that text,
	// and it is judged as code. Files are matched by FileKey, as written
	// files are within a command.
	Files map[string]string
	// Forgotten are files written before the command whose text is not
	// known any more (a bounded history of the calls that wrote them
	// dropped them), by FileKey. A command that runs one, or runs text
	// read from one, is refused (RuleUnknownScript) unless the command
	// wrote the file again itself. A file in both Files and Forgotten is
	// only partly known (an edit after the forgotten write): forgotten.
	Forgotten map[string]bool
	// Incomplete says that files may have been written before the command
	// that are in neither Files nor Forgotten (even the names of forgotten
	// files were dropped): a command that runs a file it names (a script
	// operand, ./f or /path/f as the command, source f, sh < f, cat f |
	// sh) that is not in Files is refused too. Programs found on PATH (ls,
	// git) are not files the command names.
	Incomplete bool
}

// FileKey is the name under which a written file is matched with the
// commands that run it: its base name, lower-cased (sh /tmp/x/R.sh runs
// what was written as r.sh). It over-reads rather than misses: a run is
// judged with every text written under the same base name.
func FileKey(name string) string {
	return strings.ToLower(path.Base(name))
}

// JudgeWith is Judge for a command run in a known context.
func JudgeWith(ctx Context, command string) Verdict {
	j := &judge{vars: map[string]string{}, flows: map[string]flow{}, downloads: map[string]bool{}, decodedFiles: map[string]bool{}, secrets: map[string]string{}, seen: map[*syntax.CmdSubst]bool{}, flowMemo: map[syntax.Node]flow{}}
	j.cwd = ResolvePath("", ctx.Dir)
	j.forgotten, j.incomplete = ctx.Forgotten, ctx.Incomplete
	if keyedFiles(ctx.Files) {
		// Read in place: the usual case of a caller that keeps its files
		// by FileKey (toolpolicy's history) costs no copy per command.
		j.prior = ctx.Files
	} else {
		// Files of one FileKey are all read (appended).
		for name, text := range ctx.Files {
			j.remember(name, text, true)
		}
	}
	j.source(command, 0)
	return Verdict{Findings: j.findings, Targets: j.targets}
}

// JudgeCode judges program text in a language other than shell (a
// browser tool's page script, a code tool's program) as inline code is
// judged: the endpoints and credential stores it names, the shell commands
// in its strings, code it downloads and runs, sockets handed to a shell,
// files it writes where OpenClaw loads skills.
func JudgeCode(text string) Verdict {
	j := &judge{vars: map[string]string{}, flows: map[string]flow{}, downloads: map[string]bool{}, decodedFiles: map[string]bool{}, secrets: map[string]string{}, seen: map[*syntax.CmdSubst]bool{}, flowMemo: map[syntax.Node]flow{}}
	j.code(text, "other")
	return Verdict{Findings: j.findings, Targets: j.targets}
}

// DefaultWorkspace is where OpenClaw runs an agent's commands and resolves
// its relative file names unless told otherwise (agents.defaults.workspace).
// A relative name read without a known directory is read from there: a name
// that leaves it (../skills) reaches OpenClaw's own directories.
const DefaultWorkspace = "~/.openclaw/workspace"

// ResolvePath returns p as an absolute name (or one from ~ or $HOME) when
// read in the directory dir ("" for DefaultWorkspace), with . and ..
// removed.
func ResolvePath(dir, p string) string {
	switch {
	case p == "":
		p = "."
	case p == "~" || strings.HasPrefix(p, "~/") || strings.HasPrefix(p, "/") || strings.HasPrefix(p, "$HOME") || strings.HasPrefix(p, "${HOME}"):
		return path.Clean(p)
	}
	if dir == "" {
		dir = DefaultWorkspace
	}
	return path.Clean(dir + "/" + p)
}

type judge struct {
	findings     []Finding
	targets      []Target
	vars         map[string]string // NAME=literal, to resolve $NAME
	flows        map[string]flow   // variables holding downloaded or decoded text
	downloads    map[string]bool   // lower-cased base names of downloaded files
	decodedFiles map[string]bool   // lower-cased base names of files written by a decoder
	secrets      map[string]string // variables holding a secret -> what
	seen         map[*syntax.CmdSubst]bool
	flowMemo     map[syntax.Node]flow // substitution -> its flow, computed once
	depth        int
	// cwd is the working directory at this point of the command, as a
	// path from / or ~; dirs is pushd's stack, oldpwd cd's last directory.
	cwd, oldpwd string
	dirs        []string
	// links are the symbolic links the command made (link -> target, both
	// resolved); written is what it wrote to files (lower-cased base name
	// -> text), for a later command that runs the file.
	links   map[string]string
	written map[string]string
	// prior are Context.Files when already kept by FileKey, read under
	// written; forgotten and incomplete are Context's, files written
	// before whose text is not known, which read as unknownText.
	prior      map[string]string
	forgotten  map[string]bool
	incomplete bool
	// fds are descriptors opened on a substitution (exec 3< <(…)); readers
	// are files (FIFOs) an interpreter reads on stdin before anything is
	// written to them, by lower-cased base name -> language.
	fds     map[string]flow
	readers map[string]string
	// steps counts the work done; past maxSteps the command is refused
	// rather than read partly (nested substitutions can multiply work).
	steps int
}

const maxSteps = 200_000

// spend counts one step of work and reports false once the budget is gone.
func (j *judge) spend() bool {
	j.steps++
	if j.steps == maxSteps {
		j.report(RuleUnparsable, SeverityCritical, "the command is too complex to judge (more than %d steps)", maxSteps)
	}
	return j.steps < maxSteps
}

func (j *judge) report(rule, sev, format string, args ...any) {
	msg := fmt.Sprintf(format, args...)
	for _, f := range j.findings {
		if f.Rule == rule && f.Message == msg {
			return
		}
	}
	j.findings = append(j.findings, Finding{Rule: rule, Severity: sev, Message: msg})
}

// source parses and judges shell text at a nesting depth.
func (j *judge) source(src string, depth int) {
	if depth > maxDepth {
		j.report(RuleUnparsable, SeverityCritical, "code nested more than %d levels deep (bash -c, eval, decoded payloads)", maxDepth)
		return
	}
	if j.runsUnknown(src) {
		return
	}
	f, err := syntax.NewParser(syntax.Variant(syntax.LangBash)).Parse(strings.NewReader(src), "")
	if err != nil {
		j.report(RuleUnparsable, SeverityCritical, "the command does not parse as shell (%v)", err)
		return
	}
	saved := j.depth
	j.depth = depth
	// Code run by another shell starts in this directory; its cd stays
	// there.
	restore := j.keepDir()
	j.stmts(f.Stmts)
	restore()
	j.depth = saved
}

// keepDir saves the working directory and returns the function that puts
// it back, for code run in a subshell.
func (j *judge) keepDir() func() {
	cwd, oldpwd, dirs := j.cwd, j.oldpwd, slices.Clone(j.dirs)
	return func() { j.cwd, j.oldpwd, j.dirs = cwd, oldpwd, dirs }
}

// chdir follows cd, pushd and popd.
func (j *judge) chdir(c cmd) {
	var operands []string
	for _, a := range c.args {
		if a != "-" && strings.HasPrefix(a, "-") && (c.name != "pushd" && c.name != "popd" || !strings.HasPrefix(a, "-0")) {
			continue
		}
		operands = append(operands, a)
	}
	to := "~"
	switch {
	case c.name == "popd":
		if len(j.dirs) == 0 {
			return
		}
		to, j.dirs = j.dirs[len(j.dirs)-1], j.dirs[:len(j.dirs)-1]
		j.oldpwd, j.cwd = j.cwd, to
		return
	case len(operands) > 0 && operands[0] == "-":
		to = j.oldpwd
		if to == "" {
			to = DefaultWorkspace
		}
	case len(operands) > 0:
		to = j.resolve(operands[0])
		// cd reads relative names from $CDPATH first.
		if cdpath, ok := j.vars["CDPATH"]; ok && !strings.HasPrefix(operands[0], ".") {
			for _, d := range strings.Split(cdpath, ":") {
				if d != "" && InAgentDir(ResolvePath(j.resolve(d), operands[0])) {
					to = ResolvePath(j.resolve(d), operands[0])
				}
			}
		}
	case c.name == "pushd":
		return // swaps the top two: not followed
	}
	if c.name == "pushd" {
		j.dirs = append(j.dirs, j.cwd)
	}
	j.oldpwd, j.cwd = j.cwd, to
}

func (j *judge) resolve(p string) string { return j.follow(ResolvePath(j.cwd, p)) }

// follow replaces a leading symbolic link the command made by its target.
func (j *judge) follow(p string) string {
	for link, target := range j.links {
		if p == link || strings.HasPrefix(p, link+"/") {
			return target + p[len(link):]
		}
	}
	return p
}

// agentDirs are the directory pairs InAgentDir looks for under globs.
var agentDirs = [][2]string{{".openclaw", "skills"}, {".openclaw", "extensions"}, {".openclaw", "hooks"},
	{".clawdbot", "skills"}, {".clawdbot", "extensions"}, {".clawdbot", "hooks"},
	{".moltbot", "skills"}, {".moltbot", "extensions"}, {".moltbot", "hooks"}, {".agents", "skills"}}

// InAgentDir reports a path in a place OpenClaw loads skills, plugins or
// hooks from (AgentPersistPath), also when it names it through a glob the
// shell expands (~/.openclaw/sk*, ~/.open*/skills, skil?), in any case.
func InAgentDir(p string) bool {
	if AgentPersistPath.MatchString(p) {
		return true
	}
	if !strings.ContainsAny(p, "*?[") {
		return false
	}
	segs := strings.FieldsFunc(strings.ToLower(p), func(r rune) bool { return r == '/' || r == '\\' })
	for i := 0; i+1 < len(segs); i++ {
		for _, d := range agentDirs {
			if a, _ := path.Match(segs[i], d[0]); a {
				if b, _ := path.Match(segs[i+1], d[1]); b {
					return true
				}
			}
		}
	}
	return false
}

func (j *judge) stmts(ss []*syntax.Stmt) {
	for _, s := range ss {
		j.stmt(s)
	}
}

func (j *judge) stmt(s *syntax.Stmt) {
	if s == nil || !j.spend() {
		return
	}
	switch c := s.Cmd.(type) {
	case *syntax.BinaryCmd:
		if c.Op == syntax.Pipe || c.Op == syntax.PipeAll {
			j.pipeline(flatten(s, nil))
		} else {
			j.stmt(c.X)
			j.stmt(c.Y)
		}
	case *syntax.CallExpr:
		j.pipeline([]*syntax.Stmt{s})
	case *syntax.Block:
		j.redirects(s, cmd{})
		j.stmts(c.Stmts)
	case *syntax.Subshell:
		j.redirects(s, cmd{})
		restore := j.keepDir()
		j.stmts(c.Stmts)
		restore()
	case *syntax.IfClause:
		for ic := c; ic != nil; ic = ic.Else {
			j.stmts(ic.Cond)
			j.stmts(ic.Then)
		}
	case *syntax.WhileClause:
		j.stmts(c.Cond)
		j.stmts(c.Do)
	case *syntax.ForClause:
		if wi, ok := c.Loop.(*syntax.WordIter); ok {
			for _, w := range wi.Items {
				j.word(w)
			}
		}
		j.stmts(c.Do)
	case *syntax.CaseClause:
		j.word(c.Word)
		for _, it := range c.Items {
			j.stmts(it.Stmts)
		}
	case *syntax.FuncDecl:
		j.stmt(c.Body)
	case *syntax.TimeClause:
		j.stmt(c.Stmt)
	case *syntax.CoprocClause:
		j.stmt(c.Stmt)
	case *syntax.DeclClause:
		for _, a := range c.Args {
			j.assign(a)
		}
	default:
		// Arithmetic and test clauses can still hold command
		// substitutions: judge every one inside.
		syntax.Walk(s, func(n syntax.Node) bool {
			if cs, ok := n.(*syntax.CmdSubst); ok {
				j.subst(cs)
				return false
			}
			return true
		})
	}
}

// flatten turns a | b | c into its stages.
func flatten(s *syntax.Stmt, out []*syntax.Stmt) []*syntax.Stmt {
	if b, ok := s.Cmd.(*syntax.BinaryCmd); ok && (b.Op == syntax.Pipe || b.Op == syntax.PipeAll) && len(s.Redirs) == 0 {
		return flatten(b.Y, flatten(b.X, out))
	}
	return append(out, s)
}

// cmd is one simple command with its words resolved.
type cmd struct {
	stmt     *syntax.Stmt
	name     string   // base name, lower case, after sudo, env, nohup and the like
	file     string   // the command word name comes from (./x, /tmp/x, ls)
	args     []string // resolved arguments
	words    []*syntax.Word
	stdin    *syntax.Word // here-string, or a process substitution read by <
	hdoc     *syntax.Word // here-document
	detached bool
	// xargs is set when the command is run by xargs, which adds its input
	// to the arguments, or with -I (-i, --replace) puts it in place of
	// replace in them.
	xargs   bool
	replace string
	argFile string // xargs -a: the input read from a file
	// dir is the directory a prefix runs the command in (env -C, sudo -D).
	dir string
	// stdinFile is a file read with <; fdIn a descriptor read with <&N.
	stdinFile string
	fdIn      *flow
}

// flow is what a pipeline or substitution produces: where its content
// comes from and, when it is a known literal, the text as decoded so far.
type flow struct {
	from    string // "download", "decode", "network" or ""
	payload string
	known   bool
}

func (j *judge) parse(s *syntax.Stmt) cmd {
	c := cmd{stmt: s}
	if !j.spend() {
		return c
	}
	call, ok := s.Cmd.(*syntax.CallExpr)
	if !ok {
		return c
	}
	for _, a := range call.Assigns {
		j.assign(a)
	}
	for _, r := range s.Redirs {
		switch r.Op {
		case syntax.WordHdoc:
			c.stdin = r.Word
		case syntax.Hdoc, syntax.DashHdoc:
			c.hdoc = r.Hdoc
		case syntax.RdrIn:
			// sh < <(echo …) reads what the substitution prints; exec 3<
			// <(…) opens a descriptor on it; sh < file reads the file.
			_, isSubst := onlyPart(r.Word).(*syntax.ProcSubst)
			switch {
			case isSubst && (r.N == nil || r.N.Value == "0"):
				c.stdin = r.Word
			case isSubst:
				if f, ok := j.substFlow(r.Word); ok {
					if j.fds == nil {
						j.fds = map[string]flow{}
					}
					j.fds[r.N.Value] = f
				}
			case r.N == nil || r.N.Value == "0":
				c.stdinFile = j.word(r.Word)
			}
		case syntax.DplIn:
			if f, ok := j.fds[j.word(r.Word)]; ok && (r.N == nil || r.N.Value == "0") {
				c.fdIn = &f
			}
		}
	}
	var words []string
	raw := call.Args
	for _, w := range raw {
		words = append(words, j.word(w))
	}
	for len(words) > 0 {
		w := path.Base(words[0])
		if script, ok := shellString(w, words[1:]); ok {
			// env -S 'sh -c ...', watch 'cmd', su -c 'cmd': a string the
			// command hands to a shell (or splits into one) is judged as
			// shell text.
			j.source(script, j.depth+1)
			return c
		}
		if !Prefixes[w] {
			break
		}
		rest, restRaw := words[1:], raw[1:]
		valueFlags := " " + prefixValueFlags[w] + " "
		if w == "xargs" {
			c.xargs, c.replace = true, ""
		}
		for len(rest) > 0 && (strings.HasPrefix(rest[0], "-") || strings.Contains(rest[0], "=")) {
			takesValue := strings.Contains(valueFlags, " "+rest[0]+" ")
			if w == "xargs" {
				switch a := rest[0]; {
				case a == "-I" && len(rest) > 1:
					c.replace = rest[1]
				case strings.HasPrefix(a, "-I") && len(a) > 2:
					c.replace = a[2:]
				case a == "-i" || a == "--replace":
					c.replace = "{}"
				case strings.HasPrefix(a, "-i") && len(a) > 2:
					c.replace = a[2:]
				case strings.HasPrefix(a, "--replace="):
					c.replace = strings.TrimPrefix(a, "--replace=")
				case (a == "-a" || a == "--arg-file") && len(rest) > 1:
					c.argFile = rest[1]
				case strings.HasPrefix(a, "--arg-file="):
					c.argFile = strings.TrimPrefix(a, "--arg-file=")
				}
			}
			if name, value, ok := strings.Cut(rest[0], "="); ok && w == "env" && !strings.HasPrefix(name, "-") {
				j.envVar(name, value)
			}
			if (w == "env" && (rest[0] == "-C" || rest[0] == "--chdir") || w == "sudo" && (rest[0] == "-D" || rest[0] == "--chdir")) && len(rest) > 1 {
				c.dir = rest[1]
			} else if w == "env" && strings.HasPrefix(rest[0], "--chdir=") || w == "sudo" && strings.HasPrefix(rest[0], "--chdir=") {
				c.dir = strings.TrimPrefix(rest[0], "--chdir=")
			}
			rest, restRaw = rest[1:], restRaw[1:]
			if takesValue && len(rest) > 0 {
				rest, restRaw = rest[1:], restRaw[1:]
			}
		}
		for n := prefixOperands[w]; n > 0 && len(rest) > 0; n-- {
			rest, restRaw = rest[1:], restRaw[1:]
		}
		if len(rest) == 0 {
			break // "env" alone is the command itself
		}
		if w == "nohup" || w == "setsid" {
			c.detached = true
		}
		words, raw = rest, restRaw
	}
	if len(words) == 0 {
		return c
	}
	c.name, c.file = strings.ToLower(path.Base(words[0])), words[0]
	c.args, c.words = words[1:], raw
	return c
}

// shellString returns the shell text a command runs from its arguments
// when it hands a string to a shell rather than running words: env -S
// (split into a command line), watch (joined and run by sh -c), and
// su/runuser/script -c.
func shellString(name string, args []string) (string, bool) {
	switch name {
	case "env":
		for i, a := range args {
			switch {
			case a == "-S" || a == "--split-string":
				if i+1 < len(args) {
					return strings.Join(args[i+1:], " "), true
				}
			case strings.HasPrefix(a, "--split-string="):
				return strings.Join(append([]string{strings.TrimPrefix(a, "--split-string=")}, args[i+1:]...), " "), true
			case strings.HasPrefix(a, "-S"):
				return strings.Join(append([]string{a[2:]}, args[i+1:]...), " "), true
			case !strings.HasPrefix(a, "-"):
				return "", false
			}
		}
	case "watch":
		for i := 0; i < len(args); i++ {
			a := args[i]
			if a == "-n" || a == "--interval" || a == "-d" && i+1 < len(args) && strings.HasPrefix(args[i+1], "=") {
				i++
				continue
			}
			if !strings.HasPrefix(a, "-") {
				return strings.Join(args[i:], " "), true
			}
		}
	case "flock":
		for i, a := range args {
			if (a == "-c" || a == "--command") && i+1 < len(args) {
				return args[i+1], true
			}
		}
	case "su", "runuser", "script":
		for i, a := range args {
			if (a == "-c" || a == "--command" || a == "-qc" || a == "-lc") && i+1 < len(args) {
				return args[i+1], true
			}
			if strings.HasPrefix(a, "--command=") {
				return strings.TrimPrefix(a, "--command="), true
			}
		}
	}
	return "", false
}

// assign records NAME=literal for $NAME, and what a substitution stored in
// a variable holds.
func (j *judge) assign(a *syntax.Assign) {
	if a == nil || a.Name == nil {
		return
	}
	name := a.Name.Value
	delete(j.vars, name)
	delete(j.flows, name)
	delete(j.secrets, name)
	if a.Value == nil {
		return
	}
	if f, ok := j.substFlow(a.Value); ok {
		if f.from != "" {
			j.flows[name] = f
		}
		if what := j.secretOf(a.Value); what != "" {
			j.secrets[name] = what
		}
		return
	}
	v := j.word(a.Value)
	if lit, ok := literal(a.Value); ok {
		j.vars[name] = lit
	}
	j.envVar(name, v)
	if what, _, ok := CredPath(v); ok {
		j.secrets[name] = what
	}
}

// secretOf says what secret the substitution in w prints, or "".
func (j *judge) secretOf(w *syntax.Word) string {
	cs := onlySubst(w)
	if cs == nil {
		return ""
	}
	for _, s := range cs.Stmts {
		for _, st := range flatten(s, nil) {
			if what := secretSource(j.parse(st)); what != "" {
				return what
			}
		}
	}
	return ""
}

// secretSource says what secret a command prints, or "".
func secretSource(c cmd) string {
	switch {
	case c.name == "security" && len(c.args) > 0 && (c.args[0] == "find-generic-password" || c.args[0] == "find-internet-password"):
		return "a keychain password"
	case c.name == "printenv" && len(c.args) == 1 && IsSecretName(c.args[0]):
		return "$" + c.args[0]
	case c.name == "env" && len(c.args) == 0, c.name == "printenv" && len(c.args) == 0:
		return "the whole environment"
	}
	for _, a := range c.args {
		if what, _, ok := CredPath(a); ok {
			return what
		}
	}
	return ""
}

// literal returns a word's text when it has no expansions at all.
func literal(w *syntax.Word) (string, bool) {
	var b strings.Builder
	for _, p := range w.Parts {
		switch p := p.(type) {
		case *syntax.Lit:
			b.WriteString(unescape(p.Value))
		case *syntax.SglQuoted:
			if p.Dollar {
				return "", false
			}
			b.WriteString(p.Value)
		case *syntax.DblQuoted:
			for _, q := range p.Parts {
				l, ok := q.(*syntax.Lit)
				if !ok {
					return "", false
				}
				b.WriteString(l.Value)
			}
		default:
			return "", false
		}
	}
	return b.String(), true
}

func unescape(s string) string {
	if strings.IndexByte(s, '\\') < 0 {
		return s
	}
	var b strings.Builder
	for i := 0; i < len(s); i++ {
		if s[i] == '\\' && i+1 < len(s) {
			i++
			if s[i] == '\n' {
				continue
			}
		}
		b.WriteByte(s[i])
	}
	return b.String()
}

// word returns the text a shell word stands for: quotes removed, escapes
// and $'...' decoded, $NAME of a literal assignment resolved, ${X:-v} as v
// when X is unknown. Every command substitution inside is judged too.
func (j *judge) word(w *syntax.Word) string {
	if w == nil || !j.spend() {
		return ""
	}
	var b strings.Builder
	for _, p := range w.Parts {
		j.part(&b, p)
	}
	return b.String()
}

func (j *judge) part(b *strings.Builder, p syntax.WordPart) {
	switch p := p.(type) {
	case *syntax.Lit:
		b.WriteString(unescape(p.Value))
	case *syntax.SglQuoted:
		if !p.Dollar {
			b.WriteString(p.Value)
			return
		}
		s, err := expand.Literal(&expand.Config{Env: expand.ListEnviron()}, &syntax.Word{Parts: []syntax.WordPart{p}})
		if err != nil {
			s = p.Value
		}
		b.WriteString(s)
	case *syntax.DblQuoted:
		for _, q := range p.Parts {
			j.part(b, q)
		}
	case *syntax.ParamExp:
		if p.Param == nil {
			return
		}
		name := p.Param.Value
		if v, ok := j.vars[name]; ok && p.Exp == nil {
			b.WriteString(v)
			return
		}
		if p.Exp != nil && p.Exp.Word != nil && (p.Exp.Op == syntax.DefaultUnset || p.Exp.Op == syntax.DefaultUnsetOrNull) {
			if v, ok := j.vars[name]; ok {
				b.WriteString(v)
			} else {
				b.WriteString(j.word(p.Exp.Word))
			}
			return
		}
		switch name {
		case "SHELL":
			b.WriteString("sh")
		case "HOME":
			b.WriteString("$HOME")
		default:
			b.WriteString("$" + name)
		}
	case *syntax.CmdSubst:
		// A substitution whose output is known text (echo, printf, a
		// decoder of a literal) stands for that text.
		if f, ok := j.substFlow(&syntax.Word{Parts: []syntax.WordPart{p}}); ok && f.known && f.from != "download" {
			b.WriteString(strings.TrimRight(f.payload, "\n"))
			return
		}
		b.WriteString("$(…)")
	case *syntax.ProcSubst:
		j.stmts(p.Stmts)
		b.WriteString("/dev/fd/63")
	case *syntax.ArithmExp:
		syntax.Walk(p, func(n syntax.Node) bool {
			if cs, ok := n.(*syntax.CmdSubst); ok {
				j.subst(cs)
				return false
			}
			return true
		})
		b.WriteString("0")
	case *syntax.BraceExp:
		for i, e := range p.Elems {
			if i > 0 {
				b.WriteByte(',')
			}
			b.WriteString(j.word(e))
		}
	case *syntax.ExtGlob:
		b.WriteString(p.Pattern.Value)
	}
}

// subst judges the commands of a substitution once.
func (j *judge) subst(cs *syntax.CmdSubst) {
	if j.seen[cs] {
		return
	}
	j.seen[cs] = true
	restore := j.keepDir()
	j.stmts(cs.Stmts)
	restore()
}

// onlySubst returns the command substitution that is a word's whole
// content ("$(...)", `...` or $(...)), or nil.
func onlySubst(w *syntax.Word) *syntax.CmdSubst {
	if w == nil || len(w.Parts) != 1 {
		return nil
	}
	p := w.Parts[0]
	if dq, ok := p.(*syntax.DblQuoted); ok && len(dq.Parts) == 1 {
		p = dq.Parts[0]
	}
	cs, _ := p.(*syntax.CmdSubst)
	return cs
}

// substFlow returns the flow of a word that is one substitution, "$(...)"
// or "<(...)", or a variable holding one.
func (j *judge) substFlow(w *syntax.Word) (flow, bool) {
	if w == nil || len(w.Parts) != 1 {
		return flow{}, false
	}
	p := w.Parts[0]
	if dq, ok := p.(*syntax.DblQuoted); ok && len(dq.Parts) == 1 {
		p = dq.Parts[0]
	}
	var stmts []*syntax.Stmt
	switch p := p.(type) {
	case *syntax.ParamExp:
		if p.Param != nil {
			f, ok := j.flows[p.Param.Value]
			return f, ok
		}
		return flow{}, false
	case *syntax.CmdSubst:
		j.subst(p)
		stmts = p.Stmts
	case *syntax.ProcSubst:
		stmts = p.Stmts
	default:
		return flow{}, false
	}
	if f, ok := j.flowMemo[p]; ok {
		return f, true
	}
	var f flow
	if len(stmts) == 1 {
		var stages []cmd
		for _, st := range flatten(stmts[0], nil) {
			stages = append(stages, j.parse(st))
		}
		f = j.flowOf(stages)
	}
	j.flowMemo[p] = f
	return f, len(stmts) > 0
}

// flowOf follows content through the stages of a pipeline.
func (j *judge) flowOf(stages []cmd) flow {
	var f flow
	for i, c := range stages {
		if in, ok := j.stdinFlow(c); ok {
			f = in
		}
		switch {
		case Downloaders[c.name]:
			f = flow{from: "download"}
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
			f.payload, f.known = out, ok && f.known
		case c.name == "tee" || c.name == "cat" && len(c.args) == 0:
		case c.name == "cat":
			// cat of files this command wrote prints what was written.
			var b strings.Builder
			all := true
			for _, a := range c.args {
				if text, ok := j.writtenAt(a); ok && !strings.HasPrefix(a, "-") {
					b.WriteString(text)
				} else {
					all = false
				}
			}
			f = flow{payload: b.String(), known: all}
		case c.stmt != nil && c.stmt.Cmd == nil:
			// $(< file): the file's text.
			f.known = false
			for _, r := range c.stmt.Redirs {
				if r.Op == syntax.RdrIn && r.Word != nil {
					if text, ok := j.writtenAt(j.word(r.Word)); ok {
						f = flow{payload: text, known: true}
					}
				}
			}
		default:
			f.known = false
		}
	}
	return f
}

// stdinFlow is what a command reads on its standard input from its own
// redirections: a here-string, a here-document, a process substitution.
func (j *judge) stdinFlow(c cmd) (flow, bool) {
	switch {
	case c.stdin != nil:
		if sub, ok := j.substFlow(c.stdin); ok {
			return sub, true
		}
		return flow{payload: j.word(c.stdin), known: true}, true
	case c.hdoc != nil:
		return flow{payload: j.word(c.hdoc), known: true}, true
	case c.fdIn != nil:
		return *c.fdIn, true
	case c.stdinFile != "":
		if text, ok := j.writtenAt(c.stdinFile); ok {
			return flow{payload: text, known: true}, true
		}
	}
	return flow{}, false
}

// runs reports content of the given flow that is run as code.
func (j *judge) runs(runner string, f flow, lang string) {
	switch f.from {
	case "download":
		j.report(RuleChainDropper, SeverityCritical, "downloads content and runs it with %s", runner)
	case "network":
		j.report(RuleReverseShell, SeverityCritical, "network input run by %s", runner)
	case "decode":
		j.report(RuleObfEncodedPayload, SeverityCritical, "decodes content and runs it with %s", runner)
		if f.known {
			j.code(f.payload, lang)
		}
	default:
		if f.known {
			j.code(f.payload, lang)
		}
	}
}

// code judges text run as code: shell is parsed; other languages are
// searched for the places and endpoints they reach, for the shell commands
// in their string literals (os.system, execSync, system, backticks, do
// shell script, subprocess argument lists), for code they download and run,
// and for shells they hand to a socket.
func (j *judge) code(text, lang string) {
	if j.runsUnknown(text) {
		return
	}
	switch lang {
	case "shell":
		j.source(text, j.depth+1)
		return
	case "powershell":
		j.powershell(text)
		return
	}
	j.text(text)
	// Only code that names one of those directories, or runs in one, can
	// write there: the regular expression is not run on other code.
	if mayNameAgentDir(text, j.cwd) && codeWrites.MatchString(text) {
		for _, lit := range stringLiterals(text) {
			if strings.ContainsAny(lit, "/\\") && InAgentDir(j.resolve(lit)) {
				j.report(RuleFSPersistence, SeverityHigh, "inline code writes %s, where OpenClaw loads skills, plugins or hooks without its install policy", lit)
				break
			}
		}
	}
	if j.depth+1 > maxDepth {
		return
	}
	saved := j.depth
	j.depth++
	for _, lit := range stringLiterals(text) {
		if !strings.ContainsAny(lit, " |;&<>$") {
			continue // not a command line
		}
		if !j.spend() {
			break
		}
		// A literal that is not shell text is simply not a command.
		if f, err := syntax.NewParser(syntax.Variant(syntax.LangBash)).Parse(strings.NewReader(lit), ""); err == nil {
			j.stmts(f.Stmts)
		}
	}
	j.depth = saved
	if codeFetches.MatchString(text) && codeEvals.MatchString(text) {
		j.report(RuleChainDropper, SeverityCritical, "inline code downloads code and runs it")
	}
	if codeSocket.MatchString(text) && codeShell.MatchString(text) {
		j.report(RuleReverseShell, SeverityCritical, "inline code connects a socket and hands it a shell")
	}
}

// Inline code that downloads and evaluates, or wires a socket to a shell,
// in the languages agents run with -c/-e (Python, Node, Perl, Ruby, PHP,
// PowerShell).
var (
	codeFetches = regexp.MustCompile(`urlopen|urllib|requests\.(?:get|post)|httpx\.|http\.get|https\.get|\bfetch\s*\(|axios|Net::HTTP|open-uri|URI\.open|LWP|HTTP::Tiny|file_get_contents\s*\(\s*['"]https?:|curl_exec|DownloadString|Invoke-WebRequest|\biwr\b|WebClient`)
	codeEvals   = regexp.MustCompile(`\bexec\s*\(|\beval\b|\bFunction\s*\(|vm\.run|instance_eval|\bIEX\b|Invoke-Expression|\bcompile\s*\(|\bload\s*\(|runpy`)
	codeSocket  = regexp.MustCompile(`socket\.socket|\.connect\s*\(|net\.connect|net\.Socket|createConnection|TCPSocket|IO::Socket|fsockopen|Net\.Sockets\.TCPClient|\bsocket\s*\(`)
	codeShell   = regexp.MustCompile(`dup2|pty\.spawn|/bin/(?:ba|z|da)?sh\b|['"](?:ba|z)?sh['"]|cmd\.exe|\bexec\s+(?:ba)?sh\b|child_process`)
)

// codeWrites finds file writes in inline code: Python open() for writing,
// pathlib, shutil and os moves; Node fs writes, copies and renames; Ruby
// File.write; PHP file_put_contents; Perl open for output; PowerShell's
// writing cmdlets.
var codeWrites = regexp.MustCompile(`(?i)\bopen\s*\([^)]*,\s*(?:mode\s*=\s*)?['"][^'"]*[wax+]|\bopen\s*\([^)]*['"](?:>|>>|\+<)['"]|\.write_(?:text|bytes)\s*\(|(?:write|append)File(?:Sync)?\s*\(|createWriteStream|copyFile(?:Sync)?|\bfs\.(?:cp|rename|symlink|mkdir)|\bshutil\.|\bos\.(?:rename|replace|symlink|link|makedirs|mkdir)\b|File\.(?:write|open|symlink|rename)|IO\.write|FileUtils\.|file_put_contents|\bcopy\s*\(|\brename\s*\(|\bsymlink\s*\(|Set-Content|Out-File|Add-Content|Copy-Item|Move-Item|Expand-Archive|New-Item`)

// mayNameAgentDir is a cheap test for code that may write to a place
// InAgentDir matches: it names skills, extensions or hooks, or runs in such
// a place.
func mayNameAgentDir(code, cwd string) bool {
	if InAgentDir(cwd) {
		return true
	}
	for _, w := range []string{"skills", "extensions", "hooks"} {
		if containsFold(code, w) {
			return true
		}
	}
	return false
}

// containsFold is strings.Contains ignoring ASCII case.
func containsFold(s, sub string) bool {
	for i := 0; i+len(sub) <= len(s); i++ {
		if strings.EqualFold(s[i:i+len(sub)], sub) {
			return true
		}
	}
	return false
}

// stringLiterals returns the contents of the quoted strings in code ('…',
// "…", `…`), trimmed, with backslash escapes of the quote kept as the quote.
func stringLiterals(code string) []string {
	var out []string
	for i := 0; i < len(code); i++ {
		q := code[i]
		if q != '\'' && q != '"' && q != '`' {
			continue
		}
		var b strings.Builder
		k := i + 1
		for ; k < len(code) && code[k] != q; k++ {
			if code[k] == '\\' && k+1 < len(code) {
				k++
				if code[k] != q && code[k] != '\\' {
					b.WriteByte('\\')
				}
			}
			b.WriteByte(code[k])
		}
		if k >= len(code) {
			break
		}
		out = append(out, strings.TrimSpace(b.String()))
		i = k
	}
	return out
}

// inlineCodeFlag finds the option by which an interpreter other than a
// shell takes its program as an argument: node -e/-p/--eval/--print,
// perl -e/-E, ruby -e, php -r, osascript -e, lua -e, bun -e, deno eval,
// pwsh -c/-Command. It returns the index of the option in c.args.
func inlineCodeFlag(c cmd) (int, string) {
	var flags []string
	switch c.name {
	case "node", "bun":
		flags = []string{"-e", "-p", "--eval", "--print", "-pe"}
	case "perl":
		flags = []string{"-e", "-E", "-ne", "-pe", "-le", "-lne", "-lpe"}
	case "ruby", "osascript", "lua":
		flags = []string{"-e"}
	case "expect":
		flags = []string{"-c"}
	case "php":
		flags = []string{"-r"}
	case "deno":
		flags = []string{"eval"}
	case "pwsh", "powershell":
		flags = []string{"-c", "-command", "-Command"}
	}
	for i, a := range c.args {
		if slices.Contains(flags, a) && i+1 < len(c.args) {
			return i, a
		}
	}
	return -1, ""
}

// powershellArgs judges what pwsh or powershell runs from its arguments:
// the text after -Command (or its positional form), and the base64 of
// UTF-16LE after -EncodedCommand. PowerShell takes any unambiguous prefix of
// a parameter's name, in any case, after -, -- or /.
func (j *judge) powershellArgs(c cmd) {
	for i := 0; i < len(c.args); i++ {
		a := c.args[i]
		p := strings.ToLower(strings.TrimLeft(a, "-/"))
		if p == a && a != "" || a == "" {
			// The first operand: Windows PowerShell runs it (and what
			// follows) as a command; pwsh runs it as a script file.
			if !strings.HasSuffix(strings.ToLower(a), ".ps1") {
				j.powershell(strings.Join(c.args[i:], " "))
			}
			return
		}
		rest := ""
		if i+1 < len(c.args) {
			rest = c.args[i+1]
		}
		switch {
		case p == "e" || p == "ec" || len(p) >= 2 && strings.HasPrefix("encodedcommand", p):
			if text, ok := utf16Base64(rest); ok {
				j.powershell(text)
			} else if rest != "" {
				j.report(RuleUnparsable, SeverityCritical, "%s -%s carries text that is not base64 of UTF-16LE", c.name, p)
			}
			return
		case strings.HasPrefix("command", p):
			if rest == "-" {
				j.fed(c)
			} else {
				j.powershell(strings.Join(c.args[i+1:], " "))
			}
			return
		case p == "f" || len(p) >= 2 && strings.HasPrefix("file", p):
			return
		case psValueParam(p):
			i++
		}
	}
}

// psValueParam reports the parameters of pwsh and powershell that take a
// value (-ExecutionPolicy Bypass, -w hidden), by any prefix PowerShell
// takes for them.
func psValueParam(p string) bool {
	switch p {
	case "ex", "ep", "w", "o", "of", "if", "v", "wd", "ea", "config", "settings":
		return true
	}
	for _, long := range []string{"executionpolicy", "windowstyle", "outputformat", "inputformat", "configurationname", "workingdirectory", "version", "settingsfile", "custompipename", "encodedarguments", "psconsolefile"} {
		if len(p) >= 3 && strings.HasPrefix(long, p) {
			return true
		}
	}
	return false
}

// utf16Base64 decodes -EncodedCommand's form: base64 of UTF-16LE.
func utf16Base64(s string) (string, bool) {
	s = strings.Trim(s, `'"`)
	var b []byte
	var err error
	for _, enc := range []*base64.Encoding{base64.StdEncoding, base64.RawStdEncoding} {
		if b, err = enc.DecodeString(s); err == nil {
			break
		}
	}
	if err != nil || len(b) == 0 || len(b)%2 != 0 {
		return "", false
	}
	u := make([]uint16, len(b)/2)
	for i := range u {
		u[i] = uint16(b[2*i]) | uint16(b[2*i+1])<<8
	}
	return string(utf16.Decode(u)), true
}

// PowerShell that downloads and runs: a web request, WebClient or BITS
// transfer, and Invoke-Expression, Start-Process, a script block or the call
// operator in the same code; base64 decoded and run; -EncodedCommand
// inside (Start-Process powershell -ArgumentList '-enc …').
var (
	psFetch   = regexp.MustCompile(`(?i)\b(?:iwr|irm|invoke-webrequest|invoke-restmethod|start-bitstransfer|bitsadmin)\b|download(?:string|file|data)\b|net\.webclient|system\.net\.http|\bcertutil\b.*-urlcache`)
	psRun     = regexp.MustCompile(`(?i)\b(?:iex|invoke-expression|start-process|saps|invoke-item|invoke-command|icm)\b|\[scriptblock\]::create|(?:^|[;|({]\s*)[&.]\s*[('"$\w]`)
	psDecode  = regexp.MustCompile(`(?i)frombase64string|\[convert\]::`)
	psEncoded = regexp.MustCompile(`(?i)(?:^|[\s'"])[-/](?:e|ec|en[a-z]*)\s+['"]?([A-Za-z0-9+/]{8,}={0,2})`)
	psB64Lit  = regexp.MustCompile(`(?i)frombase64string\(\s*['"]([A-Za-z0-9+/]{8,}={0,2})['"]`)
)

// powershell judges PowerShell code.
func (j *judge) powershell(text string) {
	if j.depth+1 > maxDepth {
		j.report(RuleUnparsable, SeverityCritical, "code nested more than %d levels deep (bash -c, eval, decoded payloads)", maxDepth)
		return
	}
	saved := j.depth
	j.depth++
	defer func() { j.depth = saved }()
	j.code(text, "other")
	runs := psRun.MatchString(text)
	if psFetch.MatchString(text) && runs {
		j.report(RuleChainDropper, SeverityCritical, "PowerShell downloads content and runs it")
	}
	if psDecode.MatchString(text) && runs {
		j.report(RuleObfEncodedPayload, SeverityCritical, "PowerShell decodes base64 and runs it")
	}
	for _, m := range psEncoded.FindAllStringSubmatch(text, 8) {
		if inner, ok := utf16Base64(m[1]); ok {
			j.powershell(inner)
		}
	}
	for _, m := range psB64Lit.FindAllStringSubmatch(text, 8) {
		if b, err := base64.StdEncoding.DecodeString(m[1]); err == nil && utf8.Valid(b) {
			j.powershell(string(b))
		} else if inner, ok := utf16Base64(m[1]); ok {
			j.powershell(inner)
		}
	}
}

// text reports credential stores and endpoints named anywhere in text.
func (j *judge) text(s string) {
	if what, tier, ok := CredPath(s); ok {
		j.credFound(what, tier, "code")
	}
	for _, f := range strings.FieldsFunc(s, func(r rune) bool {
		return r == ' ' || r == '\n' || r == '\t' || r == '"' || r == '\'' || r == '`' || r == '(' || r == ')' || r == ','
	}) {
		if strings.Contains(f, "://") {
			j.target(f)
		}
	}
}

func (j *judge) credFound(what string, tier Tier, by string) {
	sev := SeverityHigh
	if tier == TierStealer {
		sev = SeverityCritical
	}
	j.report(RuleCredFile, sev, "%s reaches %s", by, what)
}

// target records a network destination and reports the known bad ones.
func (j *judge) target(s string) {
	t, ok := ParseTarget(s)
	if !ok {
		return
	}
	j.targets = append(j.targets, t)
	if k := EndpointKind(t.Host, t.Path); k != "" {
		j.report(RuleExfilEndpoint, SeverityCritical, "contacts %s, a %s", t.Host, k)
	} else if PublicIP(t.Host) {
		j.report(RuleRawIPURL, SeverityHigh, "contacts the raw public IP address %s (payload servers avoid DNS names)", t.Host)
	}
}

// langOf names the language an interpreter runs.
func langOf(name string) string {
	switch {
	case name == "sh" || name == "bash" || name == "zsh" || name == "dash" || name == "ksh" || name == "fish" || name == "source" || name == "." || name == "xonsh":
		return "shell"
	case isPowerShell(name):
		return "powershell"
	}
	return "other"
}

func isInterpreter(name string) bool {
	return Interpreters[name] || strings.HasPrefix(name, "python3.") || isPowerShell(name) || name == "expect" || name == "tclsh" || name == "xonsh"
}

func isPowerShell(name string) bool {
	name = strings.TrimSuffix(name, ".exe")
	return name == "pwsh" || name == "powershell"
}

// pipeline judges the stages of one pipeline (or one command).
func (j *judge) pipeline(stmts []*syntax.Stmt) {
	stages := make([]cmd, len(stmts))
	for i, s := range stmts {
		switch s.Cmd.(type) {
		case *syntax.CallExpr:
			stages[i] = j.parse(s)
		default:
			j.stmt(s)
			stages[i] = cmd{stmt: s}
		}
	}
	// curl URL | base64 -d > file: the file is a download; echo … > file:
	// the file holds known text.
	if file, appendTo := j.stdoutRedirect(stmts[len(stmts)-1]); file != "" {
		switch f := j.flowOf(stages); {
		case f.from == "download":
			j.downloads[strings.ToLower(path.Base(file))] = true
		case f.known:
			j.remember(file, f.payload, appendTo)
		}
	}
	var send, secret string
	for i, c := range stages {
		j.redirects(c.stmt, c)
		j.command(c)
		if c.xargs || c.name == "parallel" {
			j.fedAsCode(stages, i)
		}
		if c.name == "tee" {
			in, ok := j.stdinFlow(c)
			if !ok && i > 0 {
				in, ok = j.flowOf(stages[:i]), true
			}
			for k, a := range c.args {
				if ps, isPS := onlyPart(c.words[k+1]).(*syntax.ProcSubst); isPS && ps.Op == syntax.CmdOut && ok {
					j.feedInto(in, ps.Stmts)
				} else if !strings.HasPrefix(a, "-") && ok && in.known {
					j.remember(a, in.payload, c.hasFlag('a', "--append"))
				}
			}
		}
		// cmd > >(sh): what the stage prints is read by the substitution.
		for _, r := range c.stmt.Redirs {
			if ps, isPS := onlyPart(r.Word).(*syntax.ProcSubst); isPS && ps.Op == syntax.CmdOut && (r.Op == syntax.RdrOut || r.Op == syntax.AppOut || r.Op == syntax.RdrAll) {
				j.feedInto(j.flowOf(stages[:i+1]), ps.Stmts)
			}
		}
		switch {
		case Downloaders[c.name]:
			if c.sends() || slices.Contains(c.args, "@-") || i > 0 {
				send = c.name
			}
		case c.name == "nc" || c.name == "ncat" || c.name == "netcat" || c.name == "socat" || c.name == "telnet" || c.name == "ssh":
			if i > 0 {
				send = c.name
			}
		case j.packsStores(c) != "":
			secret = j.packsStores(c)
		case secretSource(c) != "":
			secret = secretSource(c)
		case (c.name == "echo" || c.name == "printf") && j.sentSecret(c) != "":
			secret = j.sentSecret(c)
		case i > 0 && !c.xargs && (c.readsStdin() || c.evalsStdin()) && !alternation(stages[i-1]):
			j.fedTo(j.flowOf(stages[:i]), c.name, "piped into", "the output of "+stages[i-1].name)
		case c.name == "at" || c.name == "batch":
			// at and batch run the shell commands they read later.
			f, ok := j.stdinFlow(c)
			if !ok && i > 0 {
				f, ok = j.flowOf(stages[:i]), true
			}
			if ok {
				j.runs(c.name, f, "shell")
			}
		case c.name == "crontab" && slices.Contains(c.args, "-"):
			j.report(RuleFSPersistence, SeverityHigh, "pipes a job into crontab")
		}
	}
	if secret != "" && send != "" {
		j.report(RuleChainExfil, SeverityCritical, "%s piped to the network with %s", secret, send)
	}
}

// fedAsCode judges the input of xargs or GNU parallel where it becomes code:
// the script of sh -c (or of another interpreter's inline-code flag) when
// none follows the flag (xargs -0 sh -c), or when the script is the
// replace string or holds it (xargs -I{} sh -c {}, sh -c 'echo {}'), and
// for parallel also the lines themselves when it is given no command
// (parallel ::: 'cmd', echo cmd | parallel). Input given as script
// arguments ($1) is data, and a file of commands (parallel :::: jobs) is
// not known, as with bash jobs.sh.
func (j *judge) fedAsCode(stages []cmd, i int) {
	c := stages[i]
	in, ok := j.stdinFlow(c)
	if !ok && i > 0 {
		in = j.flowOf(stages[:i])
	}
	if c.argFile != "" {
		in = flow{}
		if text, found := j.writtenAt(c.argFile); found {
			in = flow{payload: text, known: true}
		}
	}
	runner, replace, template := c.name, c.replace, append([]string{c.name}, c.args...)
	if c.xargs {
		runner = "xargs " + c.name
	} else {
		template, in, replace = parallelArgs(c.args, in)
		if len(template) == 0 || len(template) == 1 && template[0] == replace {
			j.fedRuns(runner, in, "shell", "", "")
			return
		}
	}
	name := strings.ToLower(path.Base(template[0]))
	if !isInterpreter(name) {
		return
	}
	k := codeFlag(name, template[1:])
	if k < 0 {
		return
	}
	lang := langOf(name)
	if k+2 >= len(template) {
		j.fedRuns(runner, in, lang, "", "")
		return
	}
	if script := template[k+2]; replace != "" && strings.Contains(script, replace) {
		j.fedRuns(runner, in, lang, script, replace)
	}
}

// fedRuns judges input run as code by runner: each line in place of
// replace in script, or as the script itself when script is "".
func (j *judge) fedRuns(runner string, in flow, lang, script, replace string) {
	switch in.from {
	case "download":
		j.report(RulePipeToShell, SeverityCritical, "downloaded content run as code by %s", runner)
	case "decode":
		j.report(RulePipeToShell, SeverityCritical, "decoded content run as code by %s", runner)
	}
	if script == "" || !in.known {
		j.runs(runner, in, lang)
		return
	}
	j.runs(runner, flow{from: in.from}, lang)
	for _, line := range strings.Split(in.payload, "\n") {
		if strings.TrimSpace(line) != "" && j.spend() {
			j.code(strings.ReplaceAll(script, replace, line), lang)
		}
	}
}

// codeFlag returns the index in args of the option by which an
// interpreter takes its program as an argument (sh -c, bash -lc, python3
// -c, node -e ...), or -1.
func codeFlag(name string, args []string) int {
	if langOf(name) == "shell" || strings.HasPrefix(name, "python") {
		for i, a := range args {
			if a == "-c" || len(a) > 2 && a[0] == '-' && a[1] != '-' && strings.HasSuffix(a, "c") && strings.Trim(a[1:], "abefhiklmnprstuvxBCEHPT") == "c" {
				return i
			}
			if !strings.HasPrefix(a, "-") {
				return -1
			}
		}
		return -1
	}
	if i, _ := inlineCodeFlag(cmd{name: name, args: append(args, "")}); i >= 0 && i < len(args) {
		return i
	}
	return -1
}

// parallelValueFlags are GNU parallel's options that take a value.
var parallelValueFlags = " -j -P -S -N -n -L -l -I -d -a -E -C --colsep --jobs --sshlogin --delay --timeout --joblog --results --tmpdir --env --retries --arg-file --max-args --max-replace-args --basefile --workdir --wd --halt --memfree --load "

// parallelArgs splits GNU parallel's arguments into the command template
// and its input: the arguments after :::, or the standard input; input
// files (::::) are not known. The replace string is {} unless -I names one.
func parallelArgs(args []string, stdin flow) (template []string, in flow, replace string) {
	replace, in = "{}", stdin
	i := 0
	for ; i < len(args) && strings.HasPrefix(args[i], "-") && !strings.HasPrefix(args[i], ":::"); i++ {
		if args[i] == "-I" && i+1 < len(args) {
			replace = args[i+1]
		}
		if strings.Contains(parallelValueFlags, " "+args[i]+" ") {
			i++
		}
	}
	for ; i < len(args); i++ {
		if strings.HasPrefix(args[i], ":::") {
			break
		}
		template = append(template, args[i])
	}
	if i < len(args) {
		in = flow{}
		if args[i] == ":::" || args[i] == ":::+" {
			var lines []string
			for _, a := range args[i+1:] {
				if strings.HasPrefix(a, ":::") {
					break
				}
				lines = append(lines, a)
			}
			in = flow{payload: strings.Join(lines, "\n"), known: true}
		}
	}
	return template, in, replace
}

// feedInto judges statements that read a flow on their standard input
// (the inside of >(…)): a shell or interpreter there runs it.
func (j *judge) feedInto(f flow, stmts []*syntax.Stmt) {
	for _, st := range stmts {
		stages := flatten(st, nil)
		c := j.parse(stages[0])
		if !c.readsStdin() && !c.evalsStdin() {
			continue
		}
		j.fedTo(f, c.name, "written into", "output")
	}
}

// fedTo reports flow f fed to the program name as verb says ("piped
// into", "written into"): downloaded or decoded content, or, when where it
// comes from is not known, source; then follows it into the program.
func (j *judge) fedTo(f flow, name, verb, source string) {
	switch f.from {
	case "download":
		j.report(RulePipeToShell, SeverityCritical, "downloaded content %s %s", verb, name)
	case "decode":
		j.report(RulePipeToShell, SeverityCritical, "decoded content %s %s", verb, name)
	case "":
		if !f.known {
			j.report(RulePipeToShell, SeverityHigh, "%s %s %s", source, verb, name)
		}
	}
	j.runs(name, f, langOf(name))
}

// sentSecret returns what secret a command's arguments carry through a
// variable that holds one. Headers are how APIs take their keys and do not
// count.
func (j *judge) sentSecret(c cmd) string {
	if len(j.secrets) == 0 {
		return ""
	}
	for i, w := range c.words[1:] {
		if i > 0 && (c.args[i-1] == "-H" || c.args[i-1] == "--header") || strings.HasPrefix(c.args[i], "--header=") {
			continue
		}
		var found string
		syntax.Walk(w, func(n syntax.Node) bool {
			if p, ok := n.(*syntax.ParamExp); ok && p.Param != nil {
				if what, ok := j.secrets[p.Param.Value]; ok {
					found = what
				}
			}
			return found == ""
		})
		if found != "" {
			return found
		}
	}
	return ""
}

// command judges one simple command on its own.
func (j *judge) command(c cmd) {
	if c.name == "" {
		return
	}
	// Every argument that names a secret store, or a URL, counts, whatever
	// the command; tools that use their own key by a flag are not reading it.
	for i, a := range c.args {
		if what, tier, ok := CredPath(a); ok && !ownKeyFlag(c, i) {
			j.credFound(what, tier, c.name)
		}
		if strings.Contains(a, "://") {
			j.target(a)
		}
	}
	if c.name == "cd" || c.name == "pushd" || c.name == "popd" {
		j.chdir(c)
	}
	for _, d := range j.writeDests(c) {
		if InAgentDir(d) {
			j.report(RuleFSPersistence, SeverityHigh, "%s puts files in %s, where OpenClaw loads skills, plugins or hooks without its install policy", c.name, d)
			break
		}
	}
	j.runsCommandText(c)
	// A link made now leads later writes through it.
	if c.name == "ln" && c.hasFlag('s', "--symbolic") {
		var ops []string
		for _, a := range c.args {
			if !strings.HasPrefix(a, "-") {
				ops = append(ops, a)
			}
		}
		if len(ops) == 2 {
			if j.links == nil {
				j.links = map[string]string{}
			}
			j.links[j.resolve(ops[1])] = j.resolve(ops[0])
		}
	}
	switch {
	case Downloaders[c.name]:
		for _, a := range c.args {
			if !strings.HasPrefix(a, "-") && !strings.Contains(a, "://") {
				if _, ok := ParseTarget(a); ok && strings.ContainsAny(a, "/:") {
					j.target(a)
				}
			}
		}
		if name := c.downloadName(); name != "" {
			j.downloads[name] = true
		}
		if name := j.stdoutFile(c.stmt); name != "" {
			j.downloads[name] = true
		}
		if c.detached {
			j.report(RuleNetBeacon, SeverityCritical, "%s detached from the terminal: a background beacon", c.name)
		}
		for i, a := range c.args {
			upload := strings.HasPrefix(a, "@") && a != "@-" ||
				i > 0 && (c.args[i-1] == "-T" || c.args[i-1] == "--upload-file" || c.args[i-1] == "--post-file")
			if upload {
				if what, _, ok := CredPath(a); ok {
					j.report(RuleChainExfil, SeverityCritical, "%s uploads %s", c.name, what)
				}
			}
		}
		if what := j.sentSecret(c); what != "" && c.sends() {
			j.report(RuleChainExfil, SeverityCritical, "%s sends %s", c.name, what)
		}
	case NetTools[c.name]:
		if (c.name == "nc" || c.name == "ncat" || c.name == "netcat") && c.hasFlag('e', "--exec", "--sh-exec") ||
			c.name == "socat" && socatRunsProgram(c.args) {
			j.report(RuleReverseShell, SeverityCritical, "%s hands a shell to a network peer", c.name)
		}
		if c.detached {
			j.report(RuleNetBeacon, SeverityCritical, "%s detached from the terminal: a background beacon", c.name)
		}
		if c.name == "nc" || c.name == "ncat" || c.name == "netcat" || c.name == "telnet" || c.name == "socat" {
			for _, a := range c.args {
				if !strings.HasPrefix(a, "-") {
					if t, ok := ParseTarget(a); ok && !strings.Contains(a, "/") {
						j.target(t.Raw)
					}
				}
			}
		}
		if what := j.sentSecret(c); what != "" {
			j.report(RuleChainExfil, SeverityCritical, "%s sends %s", c.name, what)
		}
	case c.name == "chmod":
		if len(c.args) >= 2 && executableMode(c.args[0]) {
			for _, f := range c.args[1:] {
				if j.downloads[strings.ToLower(path.Base(f))] {
					j.report(RuleFSChmodDownload, SeverityHigh, "makes the download %s executable", f)
					j.report(RuleChainDropper, SeverityCritical, "downloads %s and makes it executable", path.Base(f))
				}
			}
		}
	case c.name == "crontab" && len(c.args) > 0 && c.args[0] != "-l",
		c.name == "launchctl" && len(c.args) > 0 && (c.args[0] == "load" || c.args[0] == "bootstrap" || c.args[0] == "submit"),
		c.name == "systemctl" && c.hasFlag(0, "--user") && slices.Contains(c.args, "enable"):
		j.report(RuleFSPersistence, SeverityHigh, "%s %s installs a job that survives reboots", c.name, strings.Join(c.args, " "))
	case c.name == "rm" && c.hasFlag('r', "--recursive") && c.hasFlag('f', "--force"):
		for _, f := range c.args {
			if dangerousDeleteTarget(f) {
				j.report(RuleFSRecursiveDelete, SeverityHigh, "rm -rf %s", f)
				break
			}
		}
	case c.name == "eval":
		j.evalWords("eval", c.words[1:], "shell")
	case c.name == "find":
		// A search for key files by name that runs a command on each one
		// reads them wherever they are (find ~ -name id_rsa -exec cat {} ;).
		if slices.ContainsFunc(c.args, func(a string) bool { return a == "-exec" || a == "-execdir" || a == "-ok" || a == "-okdir" }) {
			for i, a := range c.args[:max(len(c.args)-1, 0)] {
				if a != "-name" && a != "-iname" {
					continue
				}
				pattern := strings.ToLower(c.args[i+1])
				for _, f := range secretFiles {
					base := strings.ToLower(path.Base(f))
					// The pattern must spell most of the name: *.json or
					// *config* names no store in particular.
					if base == "config" || base == "config.json" || strings.HasPrefix(f, "/proc") || 2*globLetters(pattern) < globLetters(base) {
						continue
					}
					if ok, _ := path.Match(pattern, base); ok {
						if what, tier, found := CredPath(f); found {
							j.credFound(what, tier, "find -exec")
						}
						break
					}
				}
			}
		}
		// find -exec CMD ... ; runs CMD (and -execdir, -ok, -okdir).
		for i := 0; i < len(c.args); i++ {
			switch c.args[i] {
			case "-exec", "-execdir", "-ok", "-okdir":
				end := i + 1
				for end < len(c.args) && c.args[end] != ";" && c.args[end] != "+" {
					end++
				}
				if end > i+1 {
					j.command(cmd{name: strings.ToLower(path.Base(c.args[i+1])), args: c.args[i+2 : end], words: c.words[i+2 : end+1]})
				}
				i = end
			}
		}
	case c.name == "awk" || c.name == "gawk" || c.name == "mawk" || c.name == "nawk" || c.name == "busybox awk":
		// The program is the first operand; system() and getline from a
		// command run shell text.
		for k := 0; k < len(c.args); k++ {
			a := c.args[k]
			if a == "-F" || a == "-v" || a == "-f" {
				k++
				continue
			}
			if strings.HasPrefix(a, "-") {
				continue
			}
			j.code(a, "other")
			break
		}
	case c.name == "source" || c.name == ".":
		if len(c.words) > 1 {
			if f, ok := j.substFlow(c.words[1]); ok {
				j.runs(c.name, f, "shell")
			} else if j.downloads[strings.ToLower(path.Base(c.args[0]))] {
				j.report(RuleChainDropper, SeverityCritical, "%s runs the download %s", c.name, c.args[0])
			} else if j.decodedFiles[strings.ToLower(path.Base(c.args[0]))] {
				j.report(RuleObfEncodedPayload, SeverityCritical, "%s runs %s, decoded from an encoded payload", c.name, c.args[0])
			} else if text, ok := j.writtenAt(c.args[0]); ok {
				j.code(text, "shell")
			}
		}
		if c.stdin != nil {
			j.fed(c)
		}
	case isPowerShell(c.name):
		j.powershellArgs(c)
	case isInterpreter(c.name):
		lang := langOf(c.name)
		if i := c.flagIndex("-c"); i >= 0 {
			// sh -c 'script' name args: $0, $1 … are name, args.
			restore := j.positional(c.args[min(i+2, len(c.args)):])
			j.evalWords(c.name+" -c", c.words[i+2:i+3], lang)
			restore()
			if c.hasStdin() && c.evalsStdin() {
				j.fed(c)
			}
		} else if i, flag := inlineCodeFlag(c); i >= 0 {
			if c.hasStdin() && c.evalsStdin() {
				defer j.fed(c)
			}
			j.evalWords(c.name+" "+flag, c.words[i+2:i+3], "other")
		} else if c.readsStdin() {
			j.fed(c)
		} else {
			// The first operand is the script; later ones are its data.
			for k, a := range c.args {
				if strings.HasPrefix(a, "-") {
					continue
				}
				if f, ok := j.substFlow(c.words[k+1]); ok {
					j.runs(c.name, f, lang)
				} else if j.downloads[strings.ToLower(path.Base(a))] {
					j.report(RuleChainDropper, SeverityCritical, "runs the download %s with %s", a, c.name)
				} else if j.decodedFiles[strings.ToLower(path.Base(a))] {
					j.report(RuleObfEncodedPayload, SeverityCritical, "decodes content into %s and runs it with %s", a, c.name)
				} else if text, ok := j.writtenAt(a); ok {
					j.code(text, lang)
				}
				break
			}
		}
	case Runners[c.name] && len(c.args) > 0:
		for _, a := range c.args {
			if j.downloads[strings.ToLower(path.Base(a))] {
				j.report(RuleChainDropper, SeverityCritical, "%s runs the download %s", c.name, a)
				break
			}
		}
	}
	// $(curl ...) as the command runs what the download says.
	if len(c.words) > 0 {
		if f, ok := j.substFlow(c.words[0]); ok {
			j.runs("a command substitution", f, "shell")
		}
	}
	// ./payload, /tmp/payload
	if j.downloads[c.name] && !Downloaders[c.name] {
		j.report(RuleChainDropper, SeverityCritical, "runs the download %s", c.name)
	}
	if j.decodedFiles[c.name] && !c.decodes() {
		j.report(RuleObfEncodedPayload, SeverityCritical, "runs %s, decoded from an encoded payload", c.name)
	}
	// ./script, /tmp/script: a file this command wrote, run by its #! line.
	// A bare name is looked up on PATH: it names a file of an incomplete
	// history only with a slash.
	lookup := j.writtenAt
	if !strings.Contains(c.file, "/") {
		lookup = func(name string) (string, bool) { return j.writtenText(FileKey(name)) }
	}
	if text, ok := lookup(c.name); ok && !isInterpreter(c.name) {
		j.code(text, shebangLang(text))
	}
	// echo … | base64 -d > /tmp/a.sh: the file holds decoded content.
	if c.decodes() {
		if name := j.stdoutFile(c.stmt); name != "" {
			j.decodedFiles[name] = true
		}
	}
}

// runsCommandText judges the commands a program runs that are not its own
// words' shell reading: the program a runner starts (systemd-run, chroot,
// strace, docker run, npm exec, screen -dm ...), a command string (ssh's
// remote command, tmux new and run-shell, sg, npx -c, trap, alias, git's
// pager, editor and ! aliases, tar's --to-command and checkpoint actions,
// rsync -e, gdb's shell, vim's :!, sed's e), keystrokes (tmux send-keys,
// screen stuff), and a Makefile's recipes.
func (j *judge) runsCommandText(c cmd) {
	j.packageScripts(c)
	j.copies(c)
	j.publishes(c)
	j.forwardsGateway(c)
	j.sharesStores(c)
	args := c.args
	switch {
	case CommandRunners[c.name]:
		if c.name == "screen" {
			if i := slices.Index(args, "-X"); i >= 0 {
				if i+2 < len(args) && args[i+1] == "stuff" {
					// screen reads \n, \r, octal and ^M in what it stuffs.
					j.typedKeys(strings.NewReplacer(`\n`, "\n", `\r`, "\n", `\015`, "\n", `\012`, "\n", "^M", "\n", "^J", "\n").Replace(args[i+2]))
				}
				return
			}
		}
		if c.name == "npx" {
			if v, ok := c.flagValue("-c"); ok {
				j.source(v, j.depth+1)
				return
			}
			if v, ok := c.flagValue("--call"); ok {
				j.source(v, j.depth+1)
				return
			}
		}
		if argv := runnerArgv(c.name, args); len(argv) > 0 {
			j.source(shellJoin(argv), j.depth+1)
		}
	case c.name == "openclaw" || c.name == "clawdbot" || c.name == "moltbot":
		j.openclawCLI(c)
	case c.name == "tmux":
		if text, typed := tmuxCommand(args); typed {
			j.typedKeys(text)
		} else if text != "" {
			j.source(text, j.depth+1)
		}
	case c.name == "ssh" || c.name == "autossh":
		if remote := sshCommand(args); remote != "" {
			j.source(remote, j.depth+1)
		}
	case c.name == "sg" && len(args) >= 2:
		rest := args[1:]
		if rest[0] == "-c" && len(rest) > 1 {
			rest = rest[1:]
		}
		j.source(strings.Join(rest, " "), j.depth+1)
	case c.name == "trap" && len(args) >= 2 && args[0] != "-" && args[0] != "-p" && args[0] != "-l":
		j.source(args[0], j.depth+1)
	case c.name == "alias":
		for _, a := range args {
			if _, v, ok := strings.Cut(a, "="); ok {
				j.source(v, j.depth+1)
			}
		}
	case c.name == "git":
		// Hooks this command (or an earlier call) wrote run when git does.
		for _, hook := range gitHooks {
			if text, ok := j.writtenText(hook); ok {
				j.code(text, shebangLang(text))
			}
		}
		for i, a := range args {
			kv := ""
			switch {
			case a == "-c" && i+1 < len(args):
				kv = args[i+1]
			case a == "config" && i+2 < len(args):
				// git config [--global] key value: a command for later.
				rest := slices.DeleteFunc(slices.Clone(args[i+1:]), func(s string) bool { return strings.HasPrefix(s, "-") })
				if len(rest) >= 2 {
					kv = rest[0] + "=" + rest[1]
				}
			}
			if k, v, ok := strings.Cut(kv, "="); ok && gitRunsValue(k) {
				j.source(strings.TrimPrefix(v, "!"), j.depth+1)
			}
		}
	case c.name == "tar" || c.name == "gtar" || c.name == "bsdtar":
		for i, a := range args {
			for _, opt := range []string{"--to-command=", "--use-compress-program=", "--checkpoint-action=exec=", "--info-script=", "--new-volume-script="} {
				if strings.HasPrefix(a, opt) {
					j.source(strings.TrimPrefix(a, opt), j.depth+1)
				}
			}
			if (a == "--to-command" || a == "-I" || a == "--use-compress-program" || a == "-F" || a == "--info-script") && i+1 < len(args) {
				j.source(args[i+1], j.depth+1)
			}
		}
	case c.name == "rsync":
		for i, a := range args {
			switch {
			case (a == "-e" || a == "--rsh" || a == "--rsync-path") && i+1 < len(args):
				j.source(args[i+1], j.depth+1)
			case strings.HasPrefix(a, "--rsh="), strings.HasPrefix(a, "--rsync-path="):
				_, v, _ := strings.Cut(a, "=")
				j.source(v, j.depth+1)
			}
		}
	case c.name == "gdb" || c.name == "lldb":
		for i, a := range args {
			if (a == "-ex" || a == "-iex" || a == "-o" || a == "--one-line" || a == "-O") && i+1 < len(args) {
				v := strings.TrimSpace(args[i+1])
				if rest, ok := strings.CutPrefix(v, "shell "); ok {
					j.source(rest, j.depth+1)
				} else if rest, ok := strings.CutPrefix(v, "!"); ok {
					j.source(rest, j.depth+1)
				} else if rest, ok := strings.CutPrefix(v, "platform shell "); ok {
					j.source(rest, j.depth+1)
				}
			}
		}
	case c.name == "vim" || c.name == "vi" || c.name == "nvim" || c.name == "ex" || c.name == "view" || c.name == "vimdiff":
		for i, a := range args {
			v := ""
			switch {
			case (a == "-c" || a == "--cmd") && i+1 < len(args):
				v = args[i+1]
			case strings.HasPrefix(a, "+"):
				v = a[1:]
			}
			if m := vimBang.FindStringSubmatch(v); m != nil {
				j.source(m[1], j.depth+1)
			}
		}
	case c.name == "sed" || c.name == "gsed":
		for _, script := range sedScripts(c) {
			for _, m := range sedExec.FindAllStringSubmatch(script, 8) {
				j.source(m[1], j.depth+1)
			}
			for _, r := range sedSubstExec(script) {
				j.source(r, j.depth+1)
			}
		}
	case c.name == "make" || c.name == "gmake":
		file := ""
		for i, a := range args {
			if (a == "-f" || a == "--file" || a == "--makefile") && i+1 < len(args) {
				file = args[i+1]
			}
		}
		var text string
		switch file {
		case "-", "/dev/stdin":
			if f, ok := j.stdinFlow(c); ok && f.known {
				text = f.payload
			}
		case "":
			for _, name := range []string{"gnumakefile", "makefile"} {
				if t, ok := j.writtenText(name); ok {
					text = t
				}
			}
		default:
			text, _ = j.writtenAt(file)
		}
		if j.runsUnknown(text) {
			break
		}
		if recipes := makeRecipes(text); recipes != "" {
			j.source(recipes, j.depth+1)
		}
	}
}

// firstOperand is the first argument that is not an option, or "".
func firstOperand(args []string) string {
	for _, a := range args {
		if !strings.HasPrefix(a, "-") {
			return a
		}
	}
	return ""
}

// packageScripts judges the scripts of a package.json the command wrote
// earlier, which npm, pnpm, yarn and bun run on install and by name.
func (j *judge) packageScripts(c cmd) {
	if c.name != "npm" && c.name != "pnpm" && c.name != "yarn" && c.name != "bun" {
		return
	}
	manifest, _ := j.writtenText("package.json")
	if manifest == "" {
		return
	}
	args := c.args
	var names []string
	switch sub := firstOperand(args); sub {
	case "", "install", "i", "ci", "add", "rebuild":
		names = []string{"preinstall", "install", "postinstall", "prepare", "prepublish"}
	case "run", "run-script", "exec":
		if k := slices.Index(args, sub); k+1 < len(args) {
			names = []string{"pre" + args[k+1], args[k+1], "post" + args[k+1]}
		}
	default:
		names = []string{"pre" + sub, sub, "post" + sub}
	}
	if len(names) == 0 || j.runsUnknown(manifest) {
		return
	}
	// The package's scripts run on install and by name.
	var pkg struct {
		Scripts map[string]string `json:"scripts"`
	}
	if json.Unmarshal([]byte(manifest), &pkg) != nil || len(pkg.Scripts) == 0 {
		return
	}
	for _, n := range names {
		if script, ok := pkg.Scripts[n]; ok {
			j.source(script, j.depth+1)
		}
	}
}

// guardedConfig are the configuration sections through which OpenClaw's
// own defences are set: where model traffic goes (and so whether the
// provider guard sees it), the gateway's auth and endpoints, the install
// policy, exec approvals and tool policy, what skills, plugins and hooks
// load, chat commands, the egress proxy, secrets, the environment given to
// tools, sandboxes, and who may message the agent.
var guardedConfig = []string{"models.providers", "models.mode", "gateway", "security", "tools", "plugins", "hooks", "skills",
	"commands", "proxy", "secrets", "env", "auth", "channels", "agents.defaults.sandbox", "agents.defaults.tools", "agents.list",
	"agents.defaults.workspace", "browser", "nodes", "discovery", "update"}

// openclawCLI judges OpenClaw's own CLI: changing the configuration of its
// defences (config set/unset of a guarded section, config patch/apply/import
// of a whole document), approving a device or node pairing, and reading
// secrets out of the configuration.
func (j *judge) openclawCLI(c cmd) {
	args := c.args[skipOptions(c.args, " --profile --log-level --config --state-dir --url --token --password "):]
	var words []string
	for _, a := range args {
		if !strings.HasPrefix(a, "-") {
			words = append(words, a)
		}
	}
	if len(words) < 2 {
		return
	}
	switch words[0] {
	case "config":
		key := ""
		if len(words) > 2 {
			key = strings.ToLower(words[2])
		}
		switch words[1] {
		case "patch", "apply", "import", "merge", "restore":
			j.report(RuleDefenseEvasion, SeverityCritical, "%s config %s rewrites the gateway's configuration, its defences included", c.name, words[1])
		case "set", "unset", "delete", "rm", "append", "add":
			for _, g := range guardedConfig {
				if key == g || strings.HasPrefix(key, g+".") || strings.HasPrefix(key, g+"[") {
					j.report(RuleDefenseEvasion, SeverityCritical, "%s config %s %s changes the gateway's own defences (providers, auth, tools, install policy)", c.name, words[1], words[2])
					break
				}
			}
		case "get", "show", "print":
			// gateway.auth.token, models.providers.x.apiKey: the last
			// segment names a secret (gateway.auth.mode does not).
			if last := key[strings.LastIndexByte(key, '.')+1:]; last != "" && IsSecretName(strings.Trim(last, "[]'\"")) {
				j.report(RuleCredFile, SeverityHigh, "%s config get reaches %s, a secret of the gateway", c.name, words[2])
			}
		}
	case "devices", "pairing", "nodes":
		if words[1] == "approve" {
			j.report(RuleDefenseEvasion, SeverityCritical, "%s %s approve admits a new device to the gateway", c.name, words[0])
		}
	}
}

// publishes judges commands that put local files or ports on the network
// rather than send them: a file server whose root holds the home directory
// (its keys, OpenClaw's stores), and public tunnels to a local port (the
// gateway's among them: a tunnel's visitors arrive from loopback).
func (j *judge) publishes(c cmd) {
	root, serves := "", false
	value := func(flags ...string) {
		for k, a := range c.args {
			for _, f := range flags {
				if a == f && k+1 < len(c.args) {
					root = c.args[k+1]
				} else if v, ok := strings.CutPrefix(a, f+"="); ok && strings.HasPrefix(f, "--") {
					root = v
				}
			}
		}
	}
	switch {
	case strings.HasPrefix(c.name, "python"):
		if k := slices.Index(c.args, "-m"); k >= 0 && k+1 < len(c.args) && (c.args[k+1] == "http.server" || c.args[k+1] == "SimpleHTTPServer") {
			serves = true
			value("--directory", "-d")
		}
	case c.name == "php" && c.hasFlag(0, "-S"):
		serves = true
		value("-t")
	case c.name == "httpd" && c.hasFlag(0, "-p", "-h", "-f"): // busybox httpd
		serves = true
		value("-h")
	case c.name == "http-server" || c.name == "serve" || c.name == "darkhttpd":
		serves = true
		root = firstOperand(c.args)
	}
	if serves {
		dir := j.cwd
		if root != "" {
			dir = j.resolve(root)
		}
		if exposesHome(dir) {
			j.report(RuleCredFile, SeverityHigh, "%s serves %s to the network, with the keys and OpenClaw's stores under it", c.name, dir)
		}
	}
	// A public tunnel to the gateway's own port: its visitors reach the
	// gateway from loopback, around the guard. Tunnels to other local
	// ports (a webhook under development) are everyday work.
	sub := firstOperand(c.args)
	tunnel := ""
	switch c.name {
	case "ngrok", "cloudflared", "bore", "lt", "localtunnel", "tailscale", "zrok":
		for k, a := range c.args {
			if (a == "--port" || a == "-p" || a == "--url") && k+1 < len(c.args) {
				a = c.args[k+1]
			}
			if gatewayPort(a) && (c.name != "tailscale" || sub == "funnel" || sub == "serve") {
				tunnel = c.name
			}
		}
	case "ssh", "autossh":
		for k, a := range c.args {
			if a == "-R" && k+1 < len(c.args) && gatewayPort(c.args[k+1]) {
				tunnel = "ssh -R"
			} else if v, ok := strings.CutPrefix(a, "-R"); ok && gatewayPort(v) {
				tunnel = "ssh -R"
			}
		}
	}
	if tunnel != "" {
		j.report(RuleExfilEndpoint, SeverityHigh, "%s publishes the gateway's port through a tunnel: its visitors arrive from loopback, around the guard", tunnel)
	}
}

// GatewayPorts are the ports OpenClaw's gateway listens on by default.
var GatewayPorts = []string{"18789"}

// gatewayPort reports an argument naming a gateway port: 18789,
// localhost:18789, http://127.0.0.1:18789/, 80:localhost:18789.
func gatewayPort(a string) bool {
	a = strings.TrimRight(a, "/")
	if i := strings.LastIndexByte(a, ':'); i >= 0 {
		a = a[i+1:]
	}
	return slices.Contains(GatewayPorts, a)
}

// exposesHome reports a directory that holds a home directory: /, the
// homes' parent, a home, or a credential store itself.
func exposesHome(dir string) bool {
	dir = strings.TrimSuffix(path.Clean(dir), "/")
	switch dir {
	case "", "~", "$HOME", "${HOME}", "/home", "/Users", "/root", "/var/root":
		return true
	}
	if strings.Count(dir, "/") == 2 && (strings.HasPrefix(dir, "/home/") || strings.HasPrefix(dir, "/Users/")) {
		return true
	}
	_, _, ok := CredPath(dir)
	return ok
}

// typedKeys judges keys typed into a terminal: what does not parse is not
// refused (half a line, an editor), what parses is judged.
func (j *judge) typedKeys(text string) {
	if j.depth+1 > maxDepth {
		return
	}
	if _, err := syntax.NewParser(syntax.Variant(syntax.LangBash)).Parse(strings.NewReader(text), ""); err != nil {
		return
	}
	j.source(text, j.depth+1)
}

// shellJoin quotes words into a command line that parses back to them.
func shellJoin(words []string) string {
	var b strings.Builder
	for i, w := range words {
		if i > 0 {
			b.WriteByte(' ')
		}
		b.WriteString("'" + strings.ReplaceAll(w, "'", `'\''`) + "'")
	}
	return b.String()
}

// runnerArgv returns the program and arguments a CommandRunner runs, or
// nil when it runs none.
func runnerArgv(name string, args []string) []string {
	switch name {
	case "docker", "podman", "nerdctl":
		return containerArgv(args)
	case "npm", "pnpm", "yarn":
		// npm exec -- cmd, npm x cmd, pnpm dlx cmd, yarn exec cmd
		if len(args) == 0 || args[0] != "exec" && args[0] != "x" && args[0] != "dlx" {
			return nil
		}
		args = args[1:]
		for i, a := range args {
			if a == "--" {
				return args[i+1:]
			}
			if !strings.HasPrefix(a, "-") {
				return args[i:]
			}
		}
		return nil
	}
	i := skipOptions(args, " "+runnerValueFlags[name]+" ")
	i += RunnerOperands[name]
	if i >= len(args) {
		return nil
	}
	return args[i:]
}

// skipOptions returns the index of the first operand after options, taking
// the value of an option in flags (" -a --bb ") also at the end of a
// cluster; "--" ends the options.
func skipOptions(args []string, flags string) int {
	i := 0
	for i < len(args) {
		a := args[i]
		if a == "--" {
			return i + 1
		}
		if !strings.HasPrefix(a, "-") || a == "-" {
			return i
		}
		i++
		if strings.Contains(a, "=") {
			continue
		}
		if strings.Contains(flags, " "+a+" ") || len(a) > 2 && a[1] != '-' && strings.Contains(flags, " -"+a[len(a)-1:]+" ") {
			i++
		}
	}
	return min(i, len(args))
}

// containerArgv returns the command of docker/podman run or exec: what
// follows the image or container, after --entrypoint when there is one.
func containerArgv(args []string) []string {
	if len(args) > 0 && args[0] == "container" {
		args = args[1:]
	}
	if len(args) == 0 || args[0] != "run" && args[0] != "exec" && args[0] != "create" {
		return nil
	}
	args = args[1:]
	entry := ""
	for k := 0; k < len(args); k++ {
		if args[k] == "--entrypoint" && k+1 < len(args) {
			entry = args[k+1]
		} else if v, ok := strings.CutPrefix(args[k], "--entrypoint="); ok {
			entry = v
		}
	}
	i := skipOptions(args, " --entrypoint "+runnerValueFlags["docker"]+" ")
	if i >= len(args) {
		return nil
	}
	argv := args[i+1:]
	if entry != "" {
		argv = append([]string{entry}, argv...)
	}
	return argv
}

// tmuxCommand returns the shell command a tmux command runs (new-session,
// new-window, split-window, respawn, run-shell, display-popup, if-shell),
// or the keys send-keys types (typed true).
func tmuxCommand(args []string) (string, bool) {
	i := skipOptions(args, " -L -S -f -T ")
	if i >= len(args) {
		return "", false
	}
	sub, rest := args[i], args[i+1:]
	// The options of each command that take a value; what follows them is
	// the shell command (-h is a height for popups, a direction for
	// splits).
	values := map[string]string{
		"new": " -c -e -F -n -s -t -x -y -f ", "new-session": " -c -e -F -n -s -t -x -y -f ",
		"neww": " -c -e -F -n -t ", "new-window": " -c -e -F -n -t ",
		"splitw": " -c -e -F -l -t ", "split-window": " -c -e -F -l -t ",
		"respawn-pane": " -c -e -t ", "respawnp": " -c -e -t ", "respawn-window": " -c -e -t ", "respawnw": " -c -e -t ",
		"run": " -c -d -t ", "run-shell": " -c -d -t ",
		"popup": " -b -c -d -e -h -s -S -t -T -w -x -y ", "display-popup": " -b -c -d -e -h -s -S -t -T -w -x -y ",
	}
	switch sub {
	case "new", "new-session", "neww", "new-window", "splitw", "split-window", "respawn-pane", "respawnp", "respawn-window", "respawnw",
		"run", "run-shell", "popup", "display-popup":
		if k := skipOptions(rest, values[sub]); k < len(rest) {
			return strings.Join(rest[k:], " "), false
		}
	case "if-shell", "if":
		if k := skipOptions(rest, " -t "); k < len(rest) {
			return rest[k], false
		}
	case "send-keys", "send":
		var b strings.Builder
		for _, key := range rest[skipOptions(rest, " -t -N -c "):] {
			switch strings.ToLower(key) {
			case "enter", "c-m", "kpenter":
				b.WriteByte('\n')
			case "space":
				b.WriteByte(' ')
			case "tab", "c-i":
				b.WriteByte('\t')
			default:
				if len(key) > 2 && (strings.HasPrefix(key, "C-") || strings.HasPrefix(key, "M-")) {
					continue
				}
				b.WriteString(key)
			}
		}
		return b.String(), true
	}
	return "", false
}

// sshCommand returns the command ssh runs on the remote host, "" for a
// login.
func sshCommand(args []string) string {
	i := skipOptions(args, " -p -i -l -o -F -J -L -R -D -b -c -E -e -m -O -Q -S -W -w -B -I ")
	if i+1 >= len(args) {
		return ""
	}
	return strings.Join(args[i+1:], " ")
}

// gitHooks are the hooks git runs on its own (.git/hooks/<name>).
var gitHooks = []string{"pre-commit", "prepare-commit-msg", "commit-msg", "post-commit", "post-checkout", "post-merge",
	"pre-push", "pre-rebase", "post-rewrite", "pre-auto-gc", "pre-merge-commit", "reference-transaction", "fsmonitor-watchman"}

// gitRunsValue reports configuration keys whose value git runs as a shell
// command (or, for an alias, when it starts with !).
func gitRunsValue(k string) bool {
	k = strings.ToLower(k)
	switch k {
	case "core.pager", "core.sshcommand", "core.editor", "core.fsmonitor", "core.askpass", "sequence.editor", "diff.external",
		"credential.helper", "gpg.program", "gpg.ssh.program", "pager.log", "pager.diff", "pager.show":
		return true
	}
	return strings.HasPrefix(k, "alias.") || strings.HasPrefix(k, "pager.") || strings.HasSuffix(k, ".textconv") ||
		strings.HasPrefix(k, "filter.") && (strings.HasSuffix(k, ".clean") || strings.HasSuffix(k, ".smudge") || strings.HasSuffix(k, ".process"))
}

// vim's :!cmd, :r !cmd, :w !cmd; sed's e command and s///e flag.
var (
	vimBang = regexp.MustCompile(`^:?\s*(?:[0-9,.$%]*\s*)?(?:r(?:ead)?\s*|w(?:rite)?\s*)?!(.+)$`)
	sedExec = regexp.MustCompile(`(?:^|[;\n{}])\s*(?:[0-9]+|\$|/[^/\n]*/)?\s*e\s+([^;\n}]+)`)
)

// sedSubstExec returns the replacements of s commands with the e flag,
// which GNU sed runs as commands.
func sedSubstExec(script string) []string {
	var out []string
	for i := 0; i+1 < len(script); i++ {
		if script[i] != 's' || i > 0 && (isWordByte(script[i-1])) {
			continue
		}
		d := script[i+1]
		if isWordByte(d) || d == ' ' || d == '\n' || d == '\\' {
			continue
		}
		parts, k := make([]string, 0, 2), i+2
		for len(parts) < 2 && k < len(script) {
			start := k
			for k < len(script) && script[k] != d {
				if script[k] == '\\' {
					k++
				}
				k++
			}
			if k >= len(script) {
				break
			}
			parts = append(parts, script[start:k])
			k++
		}
		if len(parts) < 2 {
			continue
		}
		flags := k
		for flags < len(script) && strings.IndexByte("gpIiMme0123456789", script[flags]) >= 0 {
			flags++
		}
		if strings.IndexByte(script[k:flags], 'e') >= 0 {
			out = append(out, parts[1])
		}
		i = flags - 1
	}
	return out
}

func isWordByte(c byte) bool {
	return 'a' <= c && c <= 'z' || 'A' <= c && c <= 'Z' || '0' <= c && c <= '9' || c == '_'
}

// sedScripts returns the scripts a sed command runs: its -e values, or its
// first operand.
func sedScripts(c cmd) []string {
	var out []string
	for i, a := range c.args {
		if (a == "-e" || a == "--expression") && i+1 < len(c.args) {
			out = append(out, c.args[i+1])
		} else if v, ok := strings.CutPrefix(a, "--expression="); ok {
			out = append(out, v)
		}
	}
	if len(out) == 0 {
		for _, a := range c.args {
			if !strings.HasPrefix(a, "-") {
				return []string{a}
			}
		}
	}
	return out
}

// makeRecipes returns a Makefile's recipe lines (tab-indented), without
// the @ - + prefixes, as one shell text.
func makeRecipes(text string) string {
	var b strings.Builder
	for _, line := range strings.Split(text, "\n") {
		if r, ok := strings.CutPrefix(line, "\t"); ok {
			b.WriteString(strings.TrimLeft(r, "@-+ ") + "\n")
		}
	}
	return b.String()
}

// envCommands are environment variables whose value a program runs as a
// shell command (git's ssh, pager and editor, less's input filter, bash's
// prompt hook); envFiles name a file a program loads as code, with its
// language.
var (
	envCommands = map[string]bool{"GIT_SSH_COMMAND": true, "GIT_PAGER": true, "PAGER": true, "MANPAGER": true, "EDITOR": true,
		"VISUAL": true, "GIT_EDITOR": true, "SUDO_EDITOR": true, "GIT_EXTERNAL_DIFF": true, "GIT_ASKPASS": true, "SSH_ASKPASS": true,
		"GIT_PROXY_COMMAND": true, "PROMPT_COMMAND": true, "LESSOPEN": true, "LESSCLOSE": true, "BROWSER": true, "GIT_SEQUENCE_EDITOR": true}
	envFiles = map[string]string{"BASH_ENV": "shell", "ENV": "shell", "ZDOTDIR": "", "PYTHONSTARTUP": "other", "LD_PRELOAD": "",
		"DYLD_INSERT_LIBRARIES": "", "PERL5DB": "other", "RUBYOPT": "", "GIT_SSH": "shell"}
)

// envVar judges a variable set for a command: a command it will run, or a
// file it will load, that this command wrote or downloaded.
func (j *judge) envVar(name, value string) {
	if value == "" {
		return
	}
	if envCommands[name] {
		if name == "LESSOPEN" || name == "LESSCLOSE" {
			value = strings.ReplaceAll(strings.TrimLeft(value, "|"), "%s", "f")
		}
		j.source(value, j.depth+1)
		return
	}
	var files []string
	lang := "other"
	switch l, ok := envFiles[name]; {
	case ok:
		files, lang = []string{value}, l
	case name == "NODE_OPTIONS":
		fields := strings.Fields(value)
		for i, f := range fields {
			switch {
			case (f == "--require" || f == "-r" || f == "--import" || f == "--loader" || f == "--experimental-loader") && i+1 < len(fields):
				files = append(files, fields[i+1])
			case strings.HasPrefix(f, "--require="), strings.HasPrefix(f, "--import="), strings.HasPrefix(f, "--loader="):
				_, v, _ := strings.Cut(f, "=")
				files = append(files, v)
			}
		}
	}
	for _, f := range files {
		base := FileKey(f)
		if j.downloads[base] {
			j.report(RuleChainDropper, SeverityCritical, "%s loads the download %s", name, f)
		}
		if text, ok := j.writtenText(base); ok && lang != "" {
			j.code(text, lang)
		}
	}
}

// shebangLang is the language a script's #! line names, shell without one.
func shebangLang(text string) string {
	first, _, _ := strings.Cut(text, "\n")
	if !strings.HasPrefix(first, "#!") {
		return "shell"
	}
	fields := strings.Fields(first[2:])
	if len(fields) == 0 {
		return "shell"
	}
	name := path.Base(fields[0])
	if name == "env" && len(fields) > 1 {
		name = path.Base(fields[len(fields)-1])
	}
	return langOf(name)
}

// remember records text a command writes to a file (> or >>, tee) for a
// later command that runs it. Echo's line end is kept.
func (j *judge) remember(file, text string, appendTo bool) {
	if file == "" || file == "/dev/null" {
		return
	}
	if j.written == nil {
		j.written = map[string]string{}
	}
	name := strings.ToLower(path.Base(file))
	if !strings.HasSuffix(text, "\n") {
		text += "\n"
	}
	if appendTo {
		prev, _ := j.writtenText(name)
		text = prev + text
	}
	if len(text) > maxWritten {
		// Too long to judge, and not left unknown: refused if run.
		text = unknownText(file, whyTooLong)
	}
	j.written[name] = text
	if lang, ok := j.readers[name]; ok {
		delete(j.readers, name)
		j.code(text, lang)
	}
}

// maxWritten bounds the text of a written file the judge reads.
const maxWritten = 1 << 20

// writtenAt returns the text this command (or an earlier tool call)
// wrote to the file a name or glob names (sh /tmp/x*.sh runs it too). A
// file written before whose text is not known has unknownText; so does
// any file not known to be written when the history is incomplete.
func (j *judge) writtenAt(name string) (string, bool) {
	base := FileKey(name)
	if t, ok := j.written[base]; ok {
		return t, true
	}
	if j.forgotten[base] {
		return unknownText(name, whyForgotten), true
	}
	if t, ok := j.prior[base]; ok {
		return t, true
	}
	if strings.ContainsAny(base, "*?[") {
		for k, t := range j.written {
			if m, _ := path.Match(base, k); m {
				return t, true
			}
		}
		for k := range j.prior {
			if m, _ := path.Match(base, k); m {
				return j.writtenText(k)
			}
		}
		for k := range j.forgotten {
			if m, _ := path.Match(base, k); m {
				return unknownText(k, whyForgotten), true
			}
		}
	}
	if j.incomplete && name != "" && name != "-" && !strings.HasPrefix(name, "/dev/") {
		return unknownText(name, whyIncomplete), true
	}
	return "", false
}

// writtenText is the text written to the file with the key FileKey gives,
// by this command or before it.
func (j *judge) writtenText(key string) (string, bool) {
	if t, ok := j.written[key]; ok {
		return t, true
	}
	if j.forgotten[key] {
		return unknownText(key, whyForgotten), true
	}
	t, ok := j.prior[key]
	return t, ok
}

// keyedFiles reports files kept as the judge keeps them: by FileKey, each
// text ending in a line end and not too long to judge.
func keyedFiles(files map[string]string) bool {
	for name, text := range files {
		if FileKey(name) != name || !strings.HasSuffix(text, "\n") || len(text) > maxWritten {
			return false
		}
	}
	return true
}

// unknownText stands for the text of a file written before the command
// that is not known: a forgotten one, or with an incomplete history any
// other. It flows wherever known text flows (cat, cp, $(< f), sh < f) and
// is refused where text is run (code, source). It starts with a NUL byte,
// which no shell text or script holds; a command that spells it out only
// has itself refused.
func unknownText(name, why string) string {
	if len(name) > 200 {
		name = name[:200] + "…"
	}
	return unknownMark + why + "\x01" + strings.ReplaceAll(name, "\x00", "") + "\x00\n"
}

// The reasons unknownText gives, each ending a sentence that begins "runs
// <name>, ".
const (
	unknownMark   = "\x00unknown\x01"
	whyForgotten  = "written earlier by a call whose text is no longer remembered"
	whyIncomplete = "which may have been written by an earlier call that is no longer remembered (the history of written files overflowed)"
	whyTooLong    = "written with more than 1 MiB of text, more than is judged"
)

// runsUnknown reports each file of unknown text a text to run holds, and
// whether there was one.
func (j *judge) runsUnknown(text string) bool {
	found := false
	for rest := text; ; {
		i := strings.Index(rest, unknownMark)
		if i < 0 {
			break
		}
		rest = rest[i+len(unknownMark):]
		why, after, _ := strings.Cut(rest, "\x01")
		name, after, _ := strings.Cut(after, "\x00")
		rest = after
		found = true
		j.report(RuleUnknownScript, SeverityCritical, "runs %s, %s: what it runs cannot be judged (write the whole file again to run it)", strconv.Quote(name), why)
	}
	return found
}

// stdoutRedirect returns the file a statement writes its output to and
// whether it appends, or "".
func (j *judge) stdoutRedirect(s *syntax.Stmt) (string, bool) {
	if s == nil {
		return "", false
	}
	for _, r := range s.Redirs {
		if (r.Op == syntax.RdrOut || r.Op == syntax.AppOut || r.Op == syntax.RdrClob) && (r.N == nil || r.N.Value == "1") && r.Word != nil {
			return j.word(r.Word), r.Op == syntax.AppOut
		}
	}
	return "", false
}

// positional sets $0, $1 … (and $@, $*) for code run with arguments, and
// returns the function that restores them.
func (j *judge) positional(args []string) func() {
	saved := map[string]*string{}
	set := func(k, v string) {
		if _, done := saved[k]; !done {
			if old, ok := j.vars[k]; ok {
				saved[k] = &old
			} else {
				saved[k] = nil
			}
		}
		j.vars[k] = v
	}
	for k, a := range args {
		if k > 9 {
			break
		}
		set(strconv.Itoa(k), a)
	}
	if len(args) > 1 {
		set("@", strings.Join(args[1:], " "))
		set("*", strings.Join(args[1:], " "))
	}
	return func() {
		for k, v := range saved {
			if v == nil {
				delete(j.vars, k)
			} else {
				j.vars[k] = *v
			}
		}
	}
}

// copies follows known text from one file to another: cp, install, mv and
// dd of a file the command wrote, or of /dev/stdin fed a known text.
func (j *judge) copies(c cmd) {
	text := func(src string) (string, bool) {
		if src == "/dev/stdin" || src == "-" {
			if f, ok := j.stdinFlow(c); ok && f.known {
				return f.payload, true
			}
			return "", false
		}
		t, ok := j.writtenAt(src)
		return t, ok
	}
	switch c.name {
	case "cp", "install", "mv":
		var ops []string
		for k := 0; k < len(c.args); k++ {
			a := c.args[k]
			if c.name == "install" && (a == "-m" || a == "-o" || a == "-g" || a == "--mode" || a == "--owner" || a == "--group") {
				k++
				continue
			}
			if !strings.HasPrefix(a, "-") || a == "-" {
				ops = append(ops, a)
			}
		}
		if len(ops) == 2 {
			if t, ok := text(ops[0]); ok {
				dest := ops[1]
				if strings.HasSuffix(dest, "/") {
					dest += path.Base(ops[0])
				}
				j.remember(dest, t, false)
			}
		}
	case "dd":
		in, out := "/dev/stdin", ""
		for _, a := range c.args {
			if v, ok := strings.CutPrefix(a, "if="); ok {
				in = v
			}
			if v, ok := strings.CutPrefix(a, "of="); ok {
				out = v
			}
		}
		if t, ok := text(in); ok && out != "" {
			j.remember(out, t, false)
		}
	}
}

// evalWords judges the words a command runs as code (eval, bash -c).
func (j *judge) evalWords(runner string, words []*syntax.Word, lang string) {
	if len(words) == 0 {
		return
	}
	if f, ok := j.substFlow(words[0]); ok && len(words) == 1 {
		j.runs(runner, f, lang)
		return
	}
	var parts []string
	for _, w := range words {
		if sq, ok := onlyPart(w).(*syntax.SglQuoted); ok && sq.Dollar && escapedCount(sq.Value) >= 4 {
			j.report(RuleObfEncodedPayload, SeverityCritical, "%s runs code spelled in escapes", runner)
		}
		parts = append(parts, j.word(w))
	}
	j.code(strings.Join(parts, " "), lang)
}

func onlyPart(w *syntax.Word) syntax.WordPart {
	if w == nil || len(w.Parts) != 1 {
		return nil
	}
	return w.Parts[0]
}

// fed judges what a here-string or here-document feeds to an interpreter.
func (j *judge) fed(c cmd) {
	if f, ok := j.stdinFlow(c); ok {
		j.runs(c.name, f, langOf(c.name))
	} else if c.stdinFile != "" {
		// Nothing written there yet (a FIFO written later): judge what is.
		if j.readers == nil {
			j.readers = map[string]string{}
		}
		j.readers[strings.ToLower(path.Base(c.stdinFile))] = langOf(c.name)
	}
}

// redirects judges a statement's redirections: persistence files,
// /dev/tcp sockets, secret stores read or written.
func (j *judge) redirects(s *syntax.Stmt, c cmd) {
	if s == nil {
		return
	}
	for _, r := range s.Redirs {
		if r.Word == nil || r.Op == syntax.WordHdoc || r.Op == syntax.Hdoc || r.Op == syntax.DashHdoc {
			continue
		}
		target := j.word(r.Word)
		switch {
		case strings.HasPrefix(target, "/dev/tcp/") || strings.HasPrefix(target, "/dev/udp/"):
			parts := strings.SplitN(strings.TrimPrefix(strings.TrimPrefix(target, "/dev/tcp/"), "/dev/udp/"), "/", 2)
			if t, ok := ParseTarget(parts[0]); ok {
				j.targets = append(j.targets, t)
			}
			if isInterpreter(c.name) || c.name == "exec" || strings.Contains(strings.Join(c.args, " "), "-i") || hasDup(s) {
				j.report(RuleReverseShell, SeverityCritical, "interactive shell wired to %s", target)
			} else {
				j.report(RuleNetSocket, SeverityHigh, "raw socket through %s", target)
			}
		case r.Op != syntax.RdrIn && (PersistPath.MatchString(target) || InAgentDir(j.resolve(target))):
			sev := SeverityHigh
			msg := "writes " + target
			if abs := j.resolve(target); abs != target && InAgentDir(abs) {
				msg += " (" + abs + "), where OpenClaw loads skills, plugins or hooks without its install policy"
			}
			if strings.Contains(target, "authorized_keys") {
				sev, msg = SeverityCritical, msg+": grants SSH access to whoever holds the key"
			}
			j.report(RuleFSPersistence, sev, "%s", msg)
			// What is written there runs at the next login: judge it now.
			if c.name == "echo" || c.name == "printf" {
				text, _ := c.echoText()
				j.code(text, "shell")
			}
		default:
			if what, tier, ok := CredPath(target); ok {
				j.credFound(what, tier, "a redirection")
			}
		}
	}
}

// hasDup reports a 0>&1 or 2>&1 style duplication, the mark of a shell
// wired both ways to a socket.
func hasDup(s *syntax.Stmt) bool {
	for _, r := range s.Redirs {
		if r.Op == syntax.DplOut || r.Op == syntax.DplIn {
			return true
		}
	}
	return false
}

// stdoutFile returns the lower-cased base name of the file a statement
// writes its output to, or "".
func (j *judge) stdoutFile(s *syntax.Stmt) string {
	if s == nil {
		return ""
	}
	for _, r := range s.Redirs {
		if (r.Op == syntax.RdrOut || r.Op == syntax.AppOut || r.Op == syntax.RdrClob) && (r.N == nil || r.N.Value == "1") && r.Word != nil {
			return strings.ToLower(path.Base(j.word(r.Word)))
		}
	}
	return ""
}

// ownKeyFlag reports the argument at i as the value of a flag by which a
// tool is given its own credentials (ssh -i KEY, kubectl --kubeconfig F):
// using a key is not reading it out.
func ownKeyFlag(c cmd, i int) bool {
	if i == 0 {
		return false
	}
	prev := c.args[i-1]
	switch c.name {
	case "ssh", "scp", "sftp", "ssh-add", "ssh-keygen", "ssh-copy-id", "autossh":
		return prev == "-i" || prev == "-F" || prev == "-f"
	case "kubectl", "helm":
		return prev == "--kubeconfig"
	case "docker":
		return prev == "--config"
	case "gcloud", "aws", "az":
		return strings.HasPrefix(prev, "--")
	}
	return false
}

func (c cmd) hasFlag(short byte, long ...string) bool {
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

// flagIndex returns the index in args of an exact flag that takes the next
// word as its value, or -1.
func (c cmd) flagIndex(flag string) int {
	for i, a := range c.args {
		if a == flag && i+1 < len(c.args) {
			return i
		}
		// bash -lc 'cmd', sh -ec 'cmd'
		if flag == "-c" && len(a) > 2 && a[0] == '-' && a[1] != '-' && strings.HasSuffix(a, "c") && strings.Trim(a[1:], "abefhiklmnprstuvxBCEHPT") == "c" && i+1 < len(c.args) {
			return i
		}
		if !strings.HasPrefix(a, "-") {
			return -1
		}
	}
	return -1
}

// shortValue returns the value of a one-letter option that takes one, also
// inside a cluster of flags: -o F, -oF, -fsSLo F.
func (c cmd) shortValue(letter byte) (string, bool) {
	for i, a := range c.args {
		if a == "--" {
			break
		}
		if len(a) < 2 || a[0] != '-' || a[1] == '-' {
			continue
		}
		if k := strings.IndexByte(a[1:], letter); k >= 0 {
			if rest := a[k+2:]; rest != "" {
				return rest, true
			}
			if i+1 < len(c.args) {
				return c.args[i+1], true
			}
		}
	}
	return "", false
}

func (c cmd) flagValue(long string) (string, bool) {
	for i, a := range c.args {
		if a == long && i+1 < len(c.args) {
			return c.args[i+1], true
		}
		if strings.HasPrefix(a, long+"=") {
			return strings.TrimPrefix(a, long+"="), true
		}
	}
	return "", false
}

// readsStdin: "bash", "sh -s", "python3 -", "node" with no script file.
func (c cmd) readsStdin() bool {
	if !isInterpreter(c.name) {
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

// hasStdin reports a redirection that gives the command its input.
func (c cmd) hasStdin() bool {
	return c.stdin != nil || c.hdoc != nil || c.fdIn != nil || c.stdinFile != ""
}

// evalsStdin: inline code that evaluates what it reads on stdin
// (python3 -c "exec(sys.stdin.read())", node -e "eval(fs.readFileSync(0))").
func (c cmd) evalsStdin() bool {
	if !isInterpreter(c.name) || langOf(c.name) == "shell" {
		return false
	}
	i, _ := inlineCodeFlag(c)
	if k := c.flagIndex("-c"); k >= 0 {
		i = k
	}
	if i < 0 || i+1 >= len(c.args) {
		return false
	}
	code := c.args[i+1]
	return codeReadsStdin.MatchString(code) && stdinEvals.MatchString(code)
}

// stdinEvals are the evaluating calls of codeEvals without the ones a
// method call also spells (json.load, yaml.load read data).
var stdinEvals = regexp.MustCompile(`\bexec\s*\(|\beval\s*\(|\bFunction\s*\(|vm\.run|\bcompile\s*\(|(?:^|[^.\w])load(?:string)?\s*\(|runpy|instance_eval|(?i:\biex\b|invoke-expression)`)

var codeReadsStdin = regexp.MustCompile(`sys\.stdin|process\.stdin|readFileSync\(\s*(?:0|['"]/dev/stdin['"])|\bSTDIN\b|\$stdin|php://stdin|<>|io\.read|\binput\s*\(\s*\)|/dev/stdin|\[Console\]::In|\$input`)

// downloadName is the lower-cased base name of the file a download command
// writes, "" for stdout.
func (c cmd) downloadName() string {
	name := ""
	if v, ok := c.shortValue('o'); ok && c.name == "curl" {
		name = v
	} else if v, ok := c.shortValue('O'); ok && c.name == "wget" {
		name = v
	} else if v, ok := c.flagValue("--output"); ok {
		name = v
	} else if v, ok := c.flagValue("--output-document"); ok {
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

// writeDests returns where a command that copies, unpacks, clones,
// downloads or writes files puts them, resolved against the working
// directory (and env -C, git -C, tar -C): the last operand of cp, mv,
// install, ln, rsync and ditto; git clone's directory, and the work tree of
// git pull, apply and am; unzip's -d or the directory; what tar -x
// extracts; a download's output file or, for curl -O and wget, the
// directory; tee's files, sed -i's files, dd's of=.
func (j *judge) writeDests(c cmd) []string {
	base := j.cwd
	if c.dir != "" {
		base = j.resolve(c.dir)
	}
	at := func(p string) string { return j.follow(ResolvePath(base, p)) }
	var ops []string
	for _, a := range c.args {
		if !strings.HasPrefix(a, "-") {
			ops = append(ops, a)
		}
	}
	var dest []string
	switch c.name {
	case "cp", "mv", "install", "ln", "rsync", "ditto":
		if len(ops) >= 2 {
			dest = append(dest, at(ops[len(ops)-1]))
		}
	case "git":
		tree := base
		args := c.args
		for len(args) > 0 && strings.HasPrefix(args[0], "-") {
			switch a := args[0]; {
			case (a == "-C" || a == "--work-tree") && len(args) > 1:
				tree = ResolvePath(tree, args[1])
				args = args[1:]
			case strings.HasPrefix(a, "--work-tree="):
				tree = ResolvePath(tree, strings.TrimPrefix(a, "--work-tree="))
			case (a == "-c" || a == "--git-dir" || a == "--namespace") && len(args) > 1:
				args = args[1:]
			}
			args = args[1:]
		}
		if len(args) == 0 {
			break
		}
		var sub []string
		for _, a := range args[1:] {
			if !strings.HasPrefix(a, "-") {
				sub = append(sub, a)
			}
		}
		switch args[0] {
		case "clone":
			switch {
			case len(sub) >= 2:
				dest = append(dest, ResolvePath(tree, sub[len(sub)-1]))
			case len(sub) == 1:
				dest = append(dest, ResolvePath(tree, strings.TrimSuffix(path.Base(sub[0]), ".git")))
			}
		case "pull", "apply", "am":
			dest = append(dest, tree)
		}
	case "unzip":
		if c.hasFlag('l') || c.hasFlag('t') || c.hasFlag('Z') {
			break
		}
		if v, ok := c.shortValue('d'); ok {
			dest = append(dest, at(v))
		} else {
			dest = append(dest, base)
		}
	case "tar", "bsdtar", "gtar":
		extracts := c.hasFlag('x', "--extract", "--get") || len(c.args) > 0 && !strings.HasPrefix(c.args[0], "-") && strings.Contains(c.args[0], "x")
		if !extracts {
			break
		}
		if v, ok := c.shortValue('C'); ok {
			dest = append(dest, at(v))
		} else if v, ok := c.flagValue("--directory"); ok {
			dest = append(dest, at(v))
		} else {
			dest = append(dest, base)
		}
	case "curl":
		if v, ok := c.shortValue('o'); ok {
			dest = append(dest, at(v))
		}
		if v, ok := c.flagValue("--output"); ok {
			dest = append(dest, at(v))
		}
		if c.hasFlag('O', "--remote-name", "--remote-name-all") {
			if v, ok := c.flagValue("--output-dir"); ok {
				dest = append(dest, at(v))
			} else {
				dest = append(dest, base)
			}
		}
	case "wget":
		if v, ok := c.shortValue('O'); ok {
			dest = append(dest, at(v))
		} else if v, ok := c.flagValue("--output-document"); ok {
			dest = append(dest, at(v))
		} else if v, ok := c.shortValue('P'); ok {
			dest = append(dest, at(v))
		} else if v, ok := c.flagValue("--directory-prefix"); ok {
			dest = append(dest, at(v))
		} else {
			dest = append(dest, base)
		}
	case "tee":
		for _, o := range ops {
			dest = append(dest, at(o))
		}
	case "sed", "gsed":
		if c.hasFlag('i', "--in-place") && len(ops) > 0 {
			files := ops
			if !c.hasFlag('e', "--expression") && !c.hasFlag('f', "--file") {
				files = ops[1:]
			}
			for _, o := range files {
				dest = append(dest, at(o))
			}
		}
	case "dd":
		for _, a := range c.args {
			if strings.HasPrefix(a, "of=") {
				dest = append(dest, at(strings.TrimPrefix(a, "of=")))
			}
		}
	default:
		if Downloaders[c.name] {
			for _, flag := range []byte{'o', 'O'} {
				if v, ok := c.shortValue(flag); ok {
					dest = append(dest, at(v))
				}
			}
			for _, long := range []string{"--output", "--output-document"} {
				if v, ok := c.flagValue(long); ok {
					dest = append(dest, at(v))
				}
			}
		}
	}
	return dest
}

func (c cmd) sends() bool {
	return c.hasFlag(0, "-d", "--data", "--data-binary", "--data-raw", "--data-urlencode", "-F", "--form", "-T", "--upload-file", "--post-data", "--post-file", "--json") ||
		c.hasFlag('d') && c.name == "curl" || c.hasFlag('F') && c.name == "curl"
}

// decodes reports a command that turns its input into other text: base64,
// hex, reversal, rot13, decompression.
func (c cmd) decodes() bool {
	switch c.name {
	case "base64", "base32", "basenc":
		return c.hasFlag('d', "--decode") || c.hasFlag('D')
	case "openssl":
		return slices.Contains(c.args, "-d")
	case "xxd":
		return c.hasFlag('r')
	case "rev", "uudecode", "gunzip", "zcat", "bunzip2", "bzcat", "xzcat", "unxz", "zstdcat":
		return true
	case "gzip", "bzip2", "xz", "zstd":
		return c.hasFlag('d', "--decompress", "--decode")
	case "tr":
		return len(c.args) == 2 && strings.Contains(c.args[0], "A-Z") && (strings.Contains(c.args[1], "N-Z") || strings.Contains(c.args[1], "n-z"))
	}
	return false
}

// transform applies a decoding command to known input.
func (c cmd) transform(in string) (string, bool) {
	compact := strings.Join(strings.Fields(in), "")
	switch c.name {
	case "base64", "openssl":
		for _, enc := range []*base64.Encoding{base64.StdEncoding, base64.RawStdEncoding, base64.URLEncoding, base64.RawURLEncoding} {
			if b, err := enc.DecodeString(compact); err == nil && utf8.Valid(b) {
				return string(b), true
			}
		}
	case "xxd":
		if b, err := hex.DecodeString(compact); err == nil && utf8.Valid(b) {
			return string(b), true
		}
	case "rev":
		lines := strings.Split(in, "\n")
		for i, l := range lines {
			r := []rune(l)
			slices.Reverse(r)
			lines[i] = string(r)
		}
		return strings.Join(lines, "\n"), true
	case "tr":
		return strings.Map(func(r rune) rune {
			switch {
			case r >= 'a' && r <= 'z':
				return 'a' + (r-'a'+13)%26
			case r >= 'A' && r <= 'Z':
				return 'A' + (r-'A'+13)%26
			}
			return r
		}, in), true
	}
	return "", false
}

// echoText is what echo or printf writes; escaped is set when it was
// spelled in hex or octal escapes.
func (c cmd) echoText() (text string, escaped bool) {
	var args []string
	interpret := c.name == "printf"
	for i, a := range c.args {
		if i+1 < len(c.words) {
			if sq, ok := onlyPart(c.words[i+1]).(*syntax.SglQuoted); ok && sq.Dollar && escapedCount(sq.Value) >= 4 {
				escaped = true
			}
		}
		if c.name == "echo" && len(args) == 0 && len(a) > 1 && a[0] == '-' && strings.Trim(a[1:], "neE") == "" {
			interpret = interpret || strings.Contains(a, "e")
			continue
		}
		args = append(args, a)
	}
	text = strings.Join(args, " ")
	if c.name == "printf" && len(args) > 0 {
		text = args[0]
	}
	if interpret && escapedCount(text) >= 4 {
		if s, err := expand.Literal(&expand.Config{Env: expand.ListEnviron()}, &syntax.Word{Parts: []syntax.WordPart{&syntax.SglQuoted{Dollar: true, Value: text}}}); err == nil {
			text, escaped = s, true
		}
	}
	if c.name == "printf" && len(args) > 0 {
		text = printfFormat(text, args[1:])
	}
	return text, escaped
}

// printfFormat fills a printf format with its arguments as printf does:
// the format is reused while arguments are left, %s and %b take one each,
// other conversions stand for an argument, \n and \t are line and tab.
func printfFormat(format string, args []string) string {
	var b strings.Builder
	for pass := 0; pass < 64; pass++ {
		used := 0
		for i := 0; i < len(format); i++ {
			ch := format[i]
			switch {
			case ch == '\\' && i+1 < len(format):
				i++
				switch format[i] {
				case 'n':
					b.WriteByte('\n')
				case 't':
					b.WriteByte('\t')
				default:
					b.WriteByte(format[i])
				}
			case ch == '%' && i+1 < len(format):
				k := i + 1
				for k < len(format) && strings.IndexByte("-+ #0123456789.", format[k]) >= 0 {
					k++
				}
				if k >= len(format) {
					b.WriteString(format[i:])
					i = len(format)
					continue
				}
				if format[k] == '%' {
					b.WriteByte('%')
				} else if used < len(args) {
					b.WriteString(args[used])
					used++
				}
				i = k
			default:
				b.WriteByte(ch)
			}
		}
		args = args[used:]
		if used == 0 || len(args) == 0 {
			break
		}
	}
	return b.String()
}

// escapedCount counts \xHH and \NNN escapes, which nobody needs for a
// command except to hide it.
func escapedCount(s string) int {
	k := strings.Count(s, `\x`)
	for i := 0; i+3 < len(s); i++ {
		if s[i] == '\\' && isOctal(s[i+1]) && isOctal(s[i+2]) && isOctal(s[i+3]) {
			k++
		}
	}
	return k
}

func isOctal(c byte) bool { return c >= '0' && c <= '7' }

// alternation recognises documentation's "{zsh|bash|fish}", which parses
// as a pipe between shells.
func alternation(prev cmd) bool {
	return strings.HasPrefix(prev.name, "{") || Interpreters[strings.TrimPrefix(prev.name, "{")] && len(prev.args) == 0
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

// IsSecretName reports names like OPENAI_API_KEY or ghToken: one of their
// words (split at "_", "-" and case changes) names a secret.
func IsSecretName(name string) bool {
	name = strings.Trim(name, `'"`+"`")
	var words []string
	start := 0
	for i := 1; i <= len(name); i++ {
		if i == len(name) || name[i] == '_' || name[i] == '-' || name[i] >= 'A' && name[i] <= 'Z' && name[i-1] >= 'a' && name[i-1] <= 'z' {
			words = append(words, strings.ToUpper(strings.Trim(name[start:i], "_-")))
			start = i
		}
	}
	for _, w := range words {
		if SecretNameParts[w] || len(w) > 3 && (strings.HasSuffix(w, "KEY") || strings.HasSuffix(w, "TOKEN") || strings.HasSuffix(w, "SECRET")) {
			return true
		}
	}
	return false
}
