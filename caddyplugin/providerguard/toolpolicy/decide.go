package toolpolicy

import (
	"fmt"
	"net/netip"
	"net/url"
	"path"
	"slices"
	"sort"
	"strconv"
	"strings"
	"sync"

	"github.com/go-json-experiment/json"

	"github.com/openclaw-secure-stack/securestack/caddyplugin/providerguard/secrets"
	"github.com/openclaw-secure-stack/securestack/caddyplugin/providerguard/wire"
	"github.com/openclaw-secure-stack/securestack/egress"
	"github.com/openclaw-secure-stack/securestack/scanner/shellrisk"
)

// Rule ids of the policy's own findings. Techniques the scanner also knows
// keep the scanner's ids (shellrisk.Rule*).
const (
	RuleToolDenied     = "TOOL_DENIED"
	RuleToolNotAllowed = "TOOL_NOT_ALLOWED"
	RuleArgsUnparsable = "TOOL_ARGS_UNPARSABLE"
	RuleDispatchDepth  = "TOOL_DISPATCH_DEPTH"
	RuleSecretArgument = "CRED_SECRET_ARGUMENT"
	RuleHostNotAllowed = "NET_DOMAIN_NOT_ALLOWED"
)

// Finding is one reason to worry about a call.
type Finding struct {
	Rule     string
	Severity string
	Message  string
}

// Judge is a compiled policy. It is safe for concurrent use.
type Judge struct {
	p       *Policy
	names   map[string]bool   // OpenClaw's own tool ids, for CanonicalName
	allow   *egress.Allowlist // nil: no allowlist
	blockAt int
	ignore  map[string]bool
}

// Compile loads the policy's allowlist files and readies it for Decide.
func (p *Policy) Compile() (*Judge, error) {
	if err := p.check(); err != nil {
		return nil, err
	}
	j := &Judge{p: p, blockAt: shellrisk.SeverityRank(p.BlockAt), ignore: map[string]bool{}, names: map[string]bool{}}
	for _, n := range coreTools {
		j.names[n] = true
	}
	for _, r := range p.IgnoreRules {
		j.ignore[r] = true
	}
	if len(p.EgressAllowlist) > 0 {
		a, err := egress.LoadAllowlist(p.EgressAllowlist...)
		if err != nil {
			return nil, fmt.Errorf("egress_allowlist: %w", err)
		}
		j.allow = a
	}
	return j, nil
}

// Decide judges one complete tool call.
func (j *Judge) Decide(c wire.ToolCall) wire.Decision {
	return j.decideIn(c, nil)
}

// DecideWith returns Decide for the calls of one model answer, knowing the
// calls the conversation made before (prior, asked for once, when a call
// first needs it): keystrokes a call types into a terminal session are
// judged together with those typed into the same session before, so a
// command typed a few keys per call is read whole.
func (j *Judge) DecideWith(prior func() []wire.ToolCall) func(wire.ToolCall) wire.Decision {
	var mu sync.Mutex
	var h *history
	past := pastFunc(func() known {
		if h == nil {
			h = &history{}
			for _, c := range prior() {
				if s := j.stepOf(c); !s.empty() {
					h.push(s)
				}
			}
		}
		return known{files: h.writtenFiles(), typed: h.typed}
	})
	return func(c wire.ToolCall) wire.Decision {
		mu.Lock()
		defer mu.Unlock()
		d := j.decideIn(c, past)
		if !d.Block {
			// Calls of the same answer run after one another: an allowed
			// one is history for the next.
			past.known()
			if s := j.stepOf(c); !s.empty() {
				h.push(s)
			}
		}
		return d
	}
}

// pastCalls is what a judge can learn of the calls before the one it
// judges, asked for when a call first needs it.
type pastCalls interface{ known() known }

// known is what is known of the calls before the one judged: the files
// they wrote (by the name they gave), the files written whose text is not
// known any more (by shellrisk.FileKey), and the keys they typed.
type known struct {
	files      map[string]string
	forgotten  map[string]bool
	incomplete bool
	typed      func(tool, session string) (text string, calls int)
}

type pastFunc func() known

func (f pastFunc) known() known { return f() }

func (j *Judge) decideIn(c wire.ToolCall, past pastCalls) wire.Decision {
	r := &reading{j: j, past: past}
	r.call(c.Name, c.ID, c.Arguments, 0)
	fs := r.out
	var block []Finding
	for _, f := range fs {
		if shellrisk.SeverityRank(f.Severity) >= j.blockAt && !j.ignore[f.Rule] {
			block = append(block, f)
		}
	}
	if len(block) == 0 {
		return wire.Decision{Rules: ruleIDs(fs)}
	}
	sort.SliceStable(block, func(a, b int) bool {
		return shellrisk.SeverityRank(block[a].Severity) > shellrisk.SeverityRank(block[b].Severity)
	})
	var msgs []string
	for _, f := range block {
		if len(msgs) == 2 {
			break
		}
		if !slices.Contains(msgs, f.Message) {
			msgs = append(msgs, f.Message)
		}
	}
	return wire.Decision{Block: true, Rules: ruleIDs(block), Reason: strings.Join(msgs, "; ")}
}

func ruleIDs(fs []Finding) []string {
	var ids []string
	for _, f := range fs {
		ids = append(ids, f.Rule)
	}
	slices.Sort(ids)
	return slices.Compact(ids)
}

// Findings are every finding about a call, blocking or not.
func (j *Judge) Findings(c wire.ToolCall) []Finding {
	r := &reading{j: j}
	r.call(c.Name, c.ID, c.Arguments, 0)
	return r.out
}

type reading struct {
	j    *Judge
	out  []Finding
	past pastCalls // the earlier calls; nil: none known
	k    *known    // past's, once asked for
}

// known is what the reading knows of the earlier calls, nil without any.
func (r *reading) known() *known {
	if r.past == nil {
		return nil
	}
	if r.k == nil {
		k := r.past.known()
		r.k = &k
	}
	return r.k
}

// context is what a command run in dir is known to run among: the files
// earlier calls wrote, and those whose text is no longer known.
func (r *reading) context(dir string) shellrisk.Context {
	ctx := shellrisk.Context{Dir: dir}
	if k := r.known(); k != nil {
		ctx.Files, ctx.Forgotten, ctx.Incomplete = k.files, k.forgotten, k.incomplete
	}
	return ctx
}

func (r *reading) add(rule, sev, format string, args ...any) {
	msg := fmt.Sprintf(format, args...)
	for _, f := range r.out {
		if f.Rule == rule && f.Message == msg {
			return
		}
	}
	r.out = append(r.out, Finding{Rule: rule, Severity: sev, Message: msg})
}

func matchAny(globs []string, name string) bool {
	for _, g := range globs {
		if ok, _ := path.Match(g, name); ok {
			return true
		}
	}
	return false
}

// claudeCodeNames are the tool names OpenClaw rewrites to Claude Code's
// casing for Anthropic subscription keys (anthropic-tool-projection).
var claudeCodeNames = map[string]bool{"Read": true, "Write": true, "Edit": true, "Bash": true, "Grep": true, "Glob": true,
	"AskUserQuestion": true, "EnterPlanMode": true, "ExitPlanMode": true, "KillShell": true, "NotebookEdit": true, "Skill": true,
	"Task": true, "TaskOutput": true, "TodoWrite": true, "WebFetch": true, "WebSearch": true}

// maxDispatch bounds tool_call inside tool_call.
const maxDispatch = 4

func (r *reading) call(name, id, rawArgs string, depth int) {
	p := r.j.p
	if depth > maxDispatch {
		r.add(RuleDispatchDepth, shellrisk.SeverityCritical, "tools dispatched more than %d deep", maxDispatch)
		return
	}
	raw := name
	// The tool OpenClaw runs: it resolves the model's spelling (EXEC,
	// functions.write, an empty name with id exec:0) before looking the
	// tool up.
	name = r.j.CanonicalName(name, id)
	if claudeCodeNames[name] {
		// OpenClaw sends its tools to Anthropic under Claude Code's
		// casing when it holds a subscription key (read as Read, write as
		// Write: toClaudeCodeToolName) and maps the names back when the
		// calls arrive: the call is OpenClaw's lower-case tool.
		name = strings.ToLower(name)
	}
	if matchAny(p.DenyTools, name) || matchAny(p.DenyTools, raw) {
		r.add(RuleToolDenied, shellrisk.SeverityCritical, "the tool %s is denied by policy", name)
	}
	if len(p.AllowTools) > 0 && !matchAny(p.AllowTools, name) {
		r.add(RuleToolNotAllowed, shellrisk.SeverityCritical, "the tool %s is not on the policy's allow_tools", name)
	}
	var args any = map[string]any{}
	if strings.TrimSpace(rawArgs) != "" {
		if err := json.Unmarshal([]byte(rawArgs), &args); err != nil {
			r.add(RuleArgsUnparsable, shellrisk.SeverityCritical, "the arguments of %s are not JSON (%v), so they cannot be judged", name, shortErr(err))
			return
		}
	}
	obj, _ := args.(map[string]any)
	t, known := p.Tools[name]
	switch t.Kind {
	case KindExec:
		env := envAssignments(obj["env"])
		dir := ""
		for _, k := range t.Dir {
			if s, ok := obj[k].(string); ok && strings.TrimSpace(s) != "" {
				dir = s
			}
		}
		for _, k := range t.Command {
			if s, ok := obj[k].(string); ok && s != "" {
				r.exec(dir, env+s)
			}
		}
		for _, k := range t.Keys {
			if s, ok := obj[k].(string); ok && s != "" {
				r.typed(strings.ReplaceAll(s, "\r", "\n"), "")
			}
		}
		if ks := keySequence(obj); ks != "" {
			// Keys typed into a terminal are often not a whole command line
			// (a REPL, an editor, half a quote): what does not parse is not
			// refused for that, but whatever parses is judged.
			r.typed(ks, "")
		}
		if t.Session != "" && r.past != nil {
			r.session(name, t.Session, obj)
		}
	case KindRead:
		for _, k := range t.Path {
			r.paths(obj[k], false)
		}
	case KindWrite:
		for _, k := range t.Path {
			r.paths(obj[k], true)
		}
	case KindPatch:
		for _, k := range t.Patch {
			if s, ok := obj[k].(string); ok {
				for _, f := range patchFiles(s) {
					r.path(f, true)
				}
			}
		}
	case KindFetch, KindMessage:
		for _, k := range t.URL {
			if s, ok := obj[k].(string); ok {
				r.url(s)
			}
		}
	case KindDispatch:
		inner, _ := obj[t.Name].(string)
		innerArgs := "{}"
		if v, ok := obj[t.Args]; ok && v != nil {
			if s, isStr := v.(string); isStr {
				innerArgs = s // some dispatchers take arguments as JSON text
			} else if b, err := json.Marshal(v); err == nil {
				innerArgs = string(b)
			}
		}
		if inner == "" {
			r.add(RuleArgsUnparsable, shellrisk.SeverityCritical, "%s names no tool to run in %q", name, t.Name)
		} else {
			r.call(inner, "", innerArgs, depth+1)
		}
	}
	secretsOK := t.Secrets == "allow" || p.BlockSecrets != nil && !*p.BlockSecrets
	r.generic(args, "", known, secretsOK)
}

func shortErr(err error) string {
	s := err.Error()
	if len(s) > 120 {
		s = s[:120] + "…"
	}
	return s
}

// generic walks every argument: names that say URL, path or command are
// checked as such, and every string is searched for secrets.
func (r *reading) generic(v any, key string, known, secretsOK bool) {
	switch v := v.(type) {
	case map[string]any:
		for k, x := range v {
			r.generic(x, k, known, secretsOK)
		}
	case []any:
		for _, x := range v {
			r.generic(x, key, known, secretsOK)
		}
	case string:
		lk := strings.ToLower(key)
		switch {
		case strings.HasSuffix(lk, "url") || strings.HasSuffix(lk, "uri") || lk == "href" || lk == "endpoint" || lk == "webhook",
			strings.HasPrefix(v, "http://") || strings.HasPrefix(v, "https://"):
			r.url(v)
		case lk == "path" || strings.HasSuffix(lk, "path") || lk == "file" || lk == "filename" || lk == "dir" || lk == "directory" || lk == "cwd" || lk == "workdir":
			r.path(v, false)
		case !known && (lk == "command" || lk == "cmd"):
			r.exec("", v)
		case lk == "fn" || lk == "script" || lk == "expression" || lk == "javascript" || lk == "js" || lk == "code":
			// Program text: the browser tool's page script (act kind
			// evaluate), a code tool's program.
			cv := shellrisk.JudgeCode(v)
			for _, f := range cv.Findings {
				r.add(f.Rule, f.Severity, "%s", f.Message)
			}
			for _, t := range cv.Targets {
				r.host(t.Host)
			}
		}
		if !secretsOK {
			for _, f := range secrets.Find(v) {
				r.add(RuleSecretArgument, shellrisk.SeverityCritical, "an argument carries a secret (%s)", f.Kind)
			}
		}
	}
}

// collectNewText gathers what a write or edit call puts in its file: the
// content, and the new text of each edit.
func collectNewText(v any, key string, out *[]string) {
	switch v := v.(type) {
	case map[string]any:
		for k, x := range v {
			collectNewText(x, k, out)
		}
	case []any:
		for _, x := range v {
			collectNewText(x, key, out)
		}
	case string:
		switch strings.ToLower(key) {
		case "content", "contents", "text", "newtext", "new_text", "new_string", "newstring", "data":
			*out = append(*out, v)
		}
	}
}

// patchAdds returns the lines an apply_patch text adds, by file, and the
// files it moves (from, to).
func patchAdds(s string) (map[string]string, [][2]string) {
	out := map[string]string{}
	var moves [][2]string
	file := ""
	for _, line := range strings.Split(s, "\n") {
		line = strings.TrimRight(line, "\r")
		switch {
		case strings.HasPrefix(line, "*** Add File: "), strings.HasPrefix(line, "*** Update File: "):
			file = strings.TrimSpace(line[strings.Index(line, ":")+1:])
		case strings.HasPrefix(line, "*** Move to: "):
			to := strings.TrimSpace(strings.TrimPrefix(line, "*** Move to: "))
			if file != "" {
				moves = append(moves, [2]string{file, to})
			}
			file = to
		case strings.HasPrefix(line, "***"):
			file = ""
		case file != "" && strings.HasPrefix(line, "+"):
			out[file] += line[1:] + "\n"
		}
	}
	return out, moves
}

// typed judges keystrokes: findings but the refusal of what does not
// parse, each message prefixed by how the keys were typed.
func (r *reading) typed(keys, how string) {
	// A script the conversation wrote is known to keys that run it
	// ("bash /tmp/r.sh" typed into a shell), as to exec's command.
	for _, f := range shellrisk.JudgeWith(r.context(""), keys).Findings {
		if f.Rule != shellrisk.RuleUnparsable {
			r.add(f.Rule, f.Severity, "%s%s", how, f.Message)
		}
	}
}

// maxTyped bounds the keystrokes of one session judged together.
const maxTyped = 64 << 10

// session judges what a call types into a terminal session together with
// what earlier calls of the same tool typed into the same session: the
// whole of it (a cd typed before counts), and the line the call's keys
// begin on through its end (when an earlier line does not parse).
func (r *reading) session(tool, key string, obj map[string]any) {
	id, _ := obj[key].(string)
	if key == "*" {
		id = "*"
	}
	cur := typedBytes(obj)
	if id == "" || cur == "" {
		return
	}
	before, calls := r.known().typed(tool, id)
	if calls == 0 {
		return
	}
	prev := strings.ReplaceAll(before, "\r", "\n")
	cur = strings.ReplaceAll(cur, "\r", "\n")
	if len(prev) > maxTyped {
		prev = prev[len(prev)-maxTyped:]
	}
	how := fmt.Sprintf("keys typed into session %s over %d calls: ", id, calls+1)
	if key == "*" {
		how = fmt.Sprintf("keys typed with %s over %d calls: ", tool, calls+1)
	}
	r.typed(prev+cur, how)
	line := prev[strings.LastIndexByte(prev, '\n')+1:]
	r.typed(line+cur, how)
}

// typedBytes is what a process call writes to the session's terminal, by
// its action (OpenClaw's process tool): write's data, send-keys' keys,
// paste's text, submit's carriage return (read as a line end).
func typedBytes(obj map[string]any) string {
	action, _ := obj["action"].(string)
	switch action {
	case "write", "input":
		s, _ := obj["data"].(string)
		return s
	case "type":
		s, _ := obj["text"].(string)
		return s
	case "key":
		switch s, _ := obj["text"].(string); strings.ToLower(s) {
		case "return", "enter", "kp_enter", "ctrl+m":
			return "\n"
		}
	case "send-keys":
		return keySequence(obj)
	case "paste":
		s, _ := obj["text"].(string)
		return s
	case "submit":
		return "\n"
	}
	return ""
}

// exec judges a command line run in dir ("" for the workspace) with the
// scanner's shell knowledge, and the hosts it names against the allowlist.
// Files the conversation's earlier calls wrote are known to it: a command
// that runs one runs what was written.
func (r *reading) exec(dir, cmd string) {
	v := shellrisk.JudgeWith(r.context(dir), cmd)
	for _, f := range v.Findings {
		r.add(f.Rule, f.Severity, "%s", f.Message)
	}
	for _, t := range v.Targets {
		r.host(t.Host)
	}
}

func (r *reading) paths(v any, write bool) {
	switch v := v.(type) {
	case string:
		r.path(v, write)
	case []any:
		for _, x := range v {
			if s, ok := x.(string); ok {
				r.path(s, write)
			}
		}
	}
}

func (r *reading) path(p string, write bool) {
	if what, tier, ok := shellrisk.CredPath(p); ok {
		sev := shellrisk.SeverityHigh
		if tier == shellrisk.TierStealer {
			sev = shellrisk.SeverityCritical
		}
		verb := "reads"
		if write {
			verb = "writes"
		}
		r.add(shellrisk.RuleCredFile, sev, "%s %s (%s)", verb, p, what)
	}
	// A relative name is the workspace's: ../skills leaves it.
	if write && shellrisk.AgentPersistPath.MatchString(shellrisk.ResolvePath("", p)) {
		r.add(shellrisk.RuleFSPersistence, shellrisk.SeverityHigh, "writes %s, where OpenClaw loads skills, plugins or hooks without its install policy", p)
	}
	if write && shellrisk.PersistPath.MatchString(p) {
		sev := shellrisk.SeverityHigh
		msg := "writes " + p + ", which runs or admits something later"
		if strings.Contains(p, "authorized_keys") {
			sev, msg = shellrisk.SeverityCritical, "writes "+p+": grants SSH access to whoever holds the key"
		}
		r.add(shellrisk.RuleFSPersistence, sev, "%s", msg)
	}
}

// url checks a fetched or messaged URL.
func (r *reading) url(u string) {
	if strings.HasPrefix(strings.ToLower(u), "file:") {
		r.path(strings.TrimPrefix(u[5:], "//"), false)
		return
	}
	t, ok := shellrisk.ParseTarget(u)
	if !ok {
		// A URL the shell reading does not take for a target (a dotless
		// host: 0x7f000001, 2130706433, an intranet name) is still a URL
		// here, and its host is checked against the allowlist.
		if pu, err := url.Parse(strings.TrimSpace(u)); err == nil && pu.Host != "" {
			r.host(strings.TrimSuffix(strings.ToLower(pu.Hostname()), "."))
		}
		return
	}
	if k := shellrisk.EndpointKind(t.Host, t.Path); k != "" {
		r.add(shellrisk.RuleExfilEndpoint, shellrisk.SeverityCritical, "sends to %s, a %s", t.Host, k)
	} else if shellrisk.PublicIP(t.Host) {
		r.add(shellrisk.RuleRawIPURL, shellrisk.SeverityHigh, "reaches the raw public IP address %s", t.Host)
	}
	r.host(t.Host)
}

// host checks a host against the egress allowlist, when there is one.
func (r *reading) host(h string) {
	a := r.j.allow
	if a == nil {
		return
	}
	if ip, err := netip.ParseAddr(strings.Trim(h, "[]")); err == nil {
		if !a.MatchAddr(ip.Unmap()) {
			r.add(RuleHostNotAllowed, shellrisk.SeverityHigh, "%s is not on the egress allowlist", h)
		}
		return
	}
	if !a.Match(h) {
		r.add(RuleHostNotAllowed, shellrisk.SeverityHigh, "%s is not on the egress allowlist", h)
	}
}

// envAssignments writes an exec call's env record (variables the command
// starts with, taken literally) as shell assignments to put before the
// command, so that the judge resolves "$C" in `sh -c "$C"` to what the call
// set it to. Names that are not shell names are left out (the shell could
// not read them either).
func envAssignments(v any) string {
	m, ok := v.(map[string]any)
	if !ok || len(m) == 0 {
		return ""
	}
	names := make([]string, 0, len(m))
	for k := range m {
		names = append(names, k)
	}
	sort.Strings(names)
	var b strings.Builder
	for _, k := range names {
		val, ok := m[k].(string)
		if !ok || !shellName(k) {
			continue
		}
		b.WriteString(k + "='" + strings.ReplaceAll(val, "'", `'\''`) + "'\n")
	}
	return b.String()
}

func shellName(s string) bool {
	for i, c := range s {
		if !(c == '_' || 'a' <= c && c <= 'z' || 'A' <= c && c <= 'Z' || i > 0 && '0' <= c && c <= '9') {
			return false
		}
	}
	return s != ""
}

// keySequence rebuilds the bytes a send-keys call types into a terminal, as
// OpenClaw's encodeKeySequence does: the literal string, then the hex
// bytes, then the key tokens (one character, or Enter, Space, Tab). Keys
// with no text (arrows, C-c) are left out. It is "" when the call has no
// literal, hex or keys.
func keySequence(obj map[string]any) string {
	lit, _ := obj["literal"].(string)
	hexes, _ := obj["hex"].([]any)
	keys, _ := obj["keys"].([]any)
	if lit == "" && len(hexes) == 0 && len(keys) == 0 {
		return ""
	}
	var b strings.Builder
	b.WriteString(lit)
	for _, h := range hexes {
		s, _ := h.(string)
		s = strings.TrimPrefix(strings.TrimPrefix(strings.TrimSpace(s), "0x"), "0X")
		if n, err := strconv.ParseUint(s, 16, 8); err == nil {
			b.WriteByte(byte(n))
		}
	}
	for _, k := range keys {
		tok, _ := k.(string)
		tok = strings.TrimSpace(tok)
		switch {
		case len([]rune(tok)) == 1:
			b.WriteString(tok)
		case strings.EqualFold(tok, "enter") || strings.EqualFold(tok, "return") || strings.EqualFold(tok, "kp_enter"):
			b.WriteByte('\n')
		case strings.EqualFold(tok, "space"):
			b.WriteByte(' ')
		case strings.EqualFold(tok, "tab"):
			b.WriteByte('\t')
		}
	}
	return strings.ReplaceAll(b.String(), "\r", "\n")
}

// patchFiles lists the files an apply_patch text adds, updates, deletes or
// moves to.
func patchFiles(s string) []string {
	var out []string
	for _, line := range strings.Split(s, "\n") {
		line = strings.TrimRight(line, "\r")
		for _, p := range []string{"*** Add File: ", "*** Update File: ", "*** Delete File: ", "*** Move to: "} {
			if strings.HasPrefix(line, p) {
				out = append(out, strings.TrimSpace(line[len(p):]))
			}
		}
	}
	return out
}
