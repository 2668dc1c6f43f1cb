package scanner

import (
	"encoding/base64"
	"fmt"
	"regexp"
	"strconv"
	"strings"

	sitter "github.com/smacker/go-tree-sitter"
)

const pyQuery = `
(call) @call
(assignment) @assign
(import_statement) @import
(import_from_statement) @from
(for_statement) @for
`

// pyTargets classifies resolved Python callees, like jsTargets.
var pyTargets = map[string]string{
	"eval": "eval", "exec": "eval", "compile": "eval", "builtins.eval": "eval", "builtins.exec": "eval",
	"module:subprocess.": "process", "module:os.system": "process", "module:os.popen": "process",
	"module:os.execv": "process", "module:os.execve": "process", "module:os.execl": "process", "module:os.execlp": "process",
	"module:os.execvp": "process", "module:os.spawnl": "process", "module:os.spawnv": "process", "module:os.posix_spawn": "process",
	"module:pty.spawn": "process", "module:commands.getoutput": "process", "module:asyncio.create_subprocess_shell": "process",
	"module:asyncio.create_subprocess_exec": "process",
	"module:pickle.loads":                   "deserialize", "module:pickle.load": "deserialize", "module:marshal.loads": "deserialize",
	"module:dill.loads": "deserialize", "module:cPickle.loads": "deserialize", "module:shelve.open": "deserialize",
	"module:requests.": "net", "module:httpx.": "net", "module:urllib.request.urlopen": "net",
	"module:urllib.request.urlretrieve": "net", "module:urllib.request.Request": "net", "module:urllib3.": "net",
	"module:http.client.HTTPConnection": "net", "module:http.client.HTTPSConnection": "net", "module:aiohttp.": "net",
	"module:socket.socket": "socket", "module:socket.create_connection": "socket", "module:smtplib.": "socket",
	"module:ftplib.": "socket", "module:paramiko.": "socket", "module:websocket.": "socket", "module:websockets.": "socket",
	"module:dns.resolver.": "socket",
	"open":                 "open", "module:io.open": "open", "module:codecs.open": "open",
	"module:shutil.rmtree": "delete", "module:os.chmod": "chmod", "module:os.dup2": "dup2",
	"module:json.dumps": "envuse", "dict": "envuse", "str": "envuse",
	"print": "output", "module:sys.stdout.write": "output", "module:sys.stderr.write": "output",
}

func pyTarget(ref string) string {
	if k, ok := pyTargets[ref]; ok {
		return k
	}
	for i := len(ref) - 1; i > 0; i-- {
		if ref[i] == '.' {
			if k, ok := pyTargets[ref[:i+1]]; ok {
				return k
			}
		}
	}
	return ""
}

type pyEnv struct {
	src   []byte
	binds map[string][]binding
	memo  map[*sitter.Node]jsVal
	depth int
}

var pyBuiltins = map[string]bool{"eval": true, "exec": true, "compile": true, "open": true, "dict": true, "str": true,
	"getattr": true, "__import__": true, "bytes": true, "bytearray": true, "chr": true, "print": true}

// pyWellKnown are modules resolved even without an import, because
// fragments and snippets in documentation often leave the import out.
var pyWellKnown = map[string]bool{"os": true, "subprocess": true, "socket": true, "requests": true, "base64": true,
	"pickle": true, "marshal": true, "pty": true, "shutil": true, "urllib": true, "httpx": true, "sys": true}

func (e *pyEnv) lookup(name string, off uint32) (binding, bool) {
	return (&jsEnv{binds: e.binds}).lookup(name, off)
}

func (e *pyEnv) eval(n *sitter.Node) jsVal {
	if n == nil {
		return jsVal{}
	}
	if v, ok := e.memo[n]; ok {
		return v
	}
	if e.depth > 24 {
		return jsVal{}
	}
	e.depth++
	e.memo[n] = jsVal{}
	v := e.eval1(n)
	e.depth--
	e.memo[n] = v
	return v
}

func (e *pyEnv) eval1(n *sitter.Node) jsVal {
	switch n.Type() {
	case "string":
		return pyString(n, e)
	case "concatenated_string":
		var b strings.Builder
		v := jsVal{kind: vStr, built: true}
		for _, c := range namedChildren(n) {
			s := e.eval(c)
			t, ok := s.asString()
			b.WriteString(t)
			v.partial = v.partial || !ok
		}
		v.s = b.String()
		return v
	case "integer":
		if i, err := strconv.ParseInt(strings.ReplaceAll(text(n, e.src), "_", ""), 0, 64); err == nil {
			return jsVal{kind: vNum, n: float64(i)}
		}
	case "parenthesized_expression", "await":
		return e.eval(n.NamedChild(0))
	case "identifier":
		name := text(n, e.src)
		if b, ok := e.lookup(name, n.StartByte()); ok {
			if b.ref != "" {
				return jsVal{kind: vRef, ref: b.ref}
			}
			return e.eval(b.value)
		}
		if pyBuiltins[name] {
			return jsVal{kind: vRef, ref: name}
		}
		if pyWellKnown[name] {
			return jsVal{kind: vRef, ref: "module:" + name}
		}
		if name == "builtins" || name == "__builtins__" {
			return jsVal{kind: vRef, ref: "builtins"}
		}
	case "attribute":
		obj := e.eval(field(n, "object"))
		if obj.kind == vRef {
			return pyMember(obj, text(field(n, "attribute"), e.src), false)
		}
	case "binary_operator":
		if op := field(n, "operator"); op != nil && text(op, e.src) == "+" {
			l, r := e.eval(field(n, "left")), e.eval(field(n, "right"))
			if l.kind == vStr || r.kind == vStr {
				ls, lok := l.asString()
				rs, rok := r.asString()
				return jsVal{kind: vStr, s: ls + rs, partial: !lok || !rok, built: true, decoded: l.decoded || r.decoded}
			}
		}
	case "list", "tuple":
		var arr []jsVal
		for _, c := range namedChildren(n) {
			arr = append(arr, e.eval(c))
		}
		return jsVal{kind: vArr, arr: arr}
	case "call":
		return e.call(n)
	}
	return jsVal{}
}

func pyMember(obj jsVal, attr string, computed bool) jsVal {
	ref := obj.ref + "." + attr
	if obj.ref == "builtins" {
		ref = attr
	}
	if obj.ref == "module:os" && attr == "path" {
		ref = "module:os.path"
	}
	return jsVal{kind: vRef, ref: ref, hidden: obj.hidden || computed}
}

func (e *pyEnv) call(n *sitter.Node) jsVal {
	fn := field(n, "function")
	args := pyArgs(field(n, "arguments"))
	callee := e.eval(fn)
	arg := func(i int) jsVal {
		if i < len(args) {
			return e.eval(args[i])
		}
		return jsVal{}
	}
	if callee.kind == vRef {
		switch callee.ref {
		case "__import__", "module:importlib.import_module":
			if a := arg(0); a.kind == vStr && !a.partial {
				return jsVal{kind: vRef, ref: "module:" + a.s, hidden: true}
			}
		case "getattr":
			obj, name := arg(0), arg(1)
			if obj.kind == vRef && name.kind == vStr && !name.partial {
				return pyMember(obj, name.s, true)
			}
		case "module:base64.b64decode", "module:base64.decodebytes", "module:base64.standard_b64decode", "module:base64.urlsafe_b64decode":
			if a := arg(0); a.kind == vStr && !a.partial {
				s := strings.NewReplacer("-", "+", "_", "/", "\n", "", " ", "").Replace(strings.TrimRight(a.s, "="))
				if b, err := base64.RawStdEncoding.DecodeString(s); err == nil {
					return jsVal{kind: vStr, s: string(b), built: true, decoded: true}
				}
			}
			return jsVal{kind: vStr, s: hole, partial: true, decoded: true}
		case "module:bytes.fromhex", "module:binascii.unhexlify", "module:codecs.decode":
			return jsVal{kind: vStr, s: hole, partial: true, decoded: true}
		case "compile":
			if a := arg(0); a.kind == vStr {
				return a
			}
		case "module:os.path.expanduser", "module:os.path.join", "module:os.path.expandvars", "module:pathlib.Path":
			var parts []string
			for i := range args {
				s, _ := arg(i).asString()
				parts = append(parts, s)
			}
			return jsVal{kind: vStr, s: strings.Join(parts, "/"), partial: true, built: true}
		case "module:os.getenv", "module:os.environ.get":
			return jsVal{kind: vStr, s: hole, partial: true}
		}
	}
	if fn != nil && fn.Type() == "attribute" {
		recv := e.eval(field(fn, "object"))
		switch method := text(field(fn, "attribute"), e.src); {
		case recv.kind == vStr && (method == "decode" || method == "encode" || method == "strip"):
			return recv
		case recv.kind == vStr && method == "join":
			if a := arg(0); a.kind == vArr {
				var parts []string
				partial := false
				for _, el := range a.arr {
					s, ok := el.asString()
					parts, partial = append(parts, s), partial || !ok
				}
				return jsVal{kind: vStr, s: strings.Join(parts, recv.s), partial: partial, built: true}
			}
		}
	}
	return jsVal{}
}

// pyArgs lists positional arguments, skipping keyword arguments.
func pyArgs(n *sitter.Node) []*sitter.Node {
	var out []*sitter.Node
	for _, c := range namedChildren(n) {
		if c.Type() != "keyword_argument" && c.Type() != "comment" {
			out = append(out, c)
		}
	}
	return out
}

func pyKeyword(n *sitter.Node, src []byte, name string) *sitter.Node {
	for _, c := range namedChildren(n) {
		if c.Type() == "keyword_argument" && text(field(c, "name"), src) == name {
			return field(c, "value")
		}
	}
	return nil
}

// pyString decodes a Python string literal; f-strings fold with holes.
func pyString(n *sitter.Node, e *pyEnv) jsVal {
	raw := text(n, e.src)
	prefixEnd := strings.IndexAny(raw, `'"`)
	if prefixEnd < 0 {
		return jsVal{}
	}
	prefix := strings.ToLower(raw[:prefixEnd])
	var b strings.Builder
	v := jsVal{kind: vStr}
	for _, c := range namedChildren(n) {
		switch c.Type() {
		case "string_content":
			s := text(c, e.src)
			if !strings.Contains(prefix, "r") && strings.Contains(s, `\`) {
				js := jsString(`"` + s + `"`)
				s, v.built = js.s, v.built || js.built
			}
			b.WriteString(s)
		case "escape_sequence":
			js := jsString(`"` + text(c, e.src) + `"`)
			b.WriteString(js.s)
			v.built = v.built || js.built
		case "interpolation":
			inner := e.eval(c.NamedChild(0))
			s, ok := inner.asString()
			b.WriteString(s)
			v.partial, v.built = v.partial || !ok, true
		}
	}
	v.s = b.String()
	return v
}

// analyzePython parses Python and reports its dangerous calls.
func (a *analyzer) analyzePython(sc *scope, parseErrors bool) {
	tree, broken, err := a.ps.parse(a.ctx, langPython, sc.src)
	if err != nil {
		sc.report(RuleInputParseError, 0, fmt.Sprintf("Python parser failed: %v; only text rules applied", err))
		return
	}
	defer tree.Close()
	if broken && parseErrors {
		sc.report(RuleInputParseError, errorOffset(tree.RootNode()), "Python syntax error; calls inside the broken part may be missed")
	}
	q, err := a.query(langPython, pyQuery)
	if err != nil {
		sc.report(RuleInputParseError, 0, err.Error())
		return
	}
	caps := queryAll(q, tree.RootNode())
	env := &pyEnv{src: sc.src, binds: map[string][]binding{}, memo: map[*sitter.Node]jsVal{}}
	bind := func(name string, b binding) { env.binds[name] = append(env.binds[name], b) }
	for _, n := range caps["import"] {
		for _, c := range namedChildren(n) {
			switch c.Type() {
			case "dotted_name":
				full := text(c, sc.src)
				top := strings.SplitN(full, ".", 2)[0]
				bind(top, binding{off: n.StartByte(), ref: "module:" + top})
			case "aliased_import":
				bind(text(field(c, "alias"), sc.src), binding{off: n.StartByte(), ref: "module:" + text(field(c, "name"), sc.src)})
			}
		}
	}
	for _, n := range caps["from"] {
		mod := text(field(n, "module_name"), sc.src)
		for _, c := range namedChildren(n) {
			if c == nil || c.StartByte() == field(n, "module_name").StartByte() {
				continue
			}
			switch c.Type() {
			case "dotted_name":
				name := text(c, sc.src)
				bind(name, binding{off: n.StartByte(), ref: "module:" + mod + "." + name})
			case "aliased_import":
				bind(text(field(c, "alias"), sc.src), binding{off: n.StartByte(), ref: "module:" + mod + "." + text(field(c, "name"), sc.src)})
			}
		}
	}
	for _, n := range caps["assign"] {
		if l := field(n, "left"); l != nil && l.Type() == "identifier" {
			bind(text(l, sc.src), binding{off: n.StartByte(), value: field(n, "right")})
		}
	}
	for _, b := range env.binds {
		sortBindings(b)
	}
	p := &pyAnalysis{sc: sc, env: env}
	for _, n := range caps["call"] {
		p.call(n)
	}
	for _, n := range caps["for"] {
		if isEnviron(env.eval(field(n, "right"))) {
			p.envDump(int(n.StartByte()), "iterates over os.environ")
		}
	}
	if p.dup2 > 0 && sc.caps[capNetwork] != nil && sc.caps[capProcess] != nil {
		sc.report(RuleReverseShell, p.dup2Off, "socket file descriptors duplicated onto a spawned shell")
	}
}

func isEnviron(v jsVal) bool { return v.kind == vRef && v.ref == "module:os.environ" }

type pyAnalysis struct {
	sc      *scope
	env     *pyEnv
	dup2    int
	dup2Off int
}

func (p *pyAnalysis) envDump(off int, msg string) {
	p.sc.report(RuleEnvHarvest, off, msg)
	p.sc.has(capEnvDump, off, "environment harvest")
}

func (p *pyAnalysis) call(n *sitter.Node) {
	sc, src := p.sc, p.sc.src
	fn := field(n, "function")
	argList := field(n, "arguments")
	args := pyArgs(argList)
	off := int(n.StartByte())
	// os.environ.items() and friends.
	if fn != nil && fn.Type() == "attribute" {
		method := text(field(fn, "attribute"), src)
		if sqlMethods[method] && len(args) > 0 {
			p.sql(n, args[0])
		}
		if (method == "items" || method == "keys" || method == "values") && isEnviron(p.env.eval(field(fn, "object"))) {
			p.envDump(off, "os.environ."+method+"() collects every environment variable")
			return
		}
	}
	callee := p.env.eval(fn)
	if callee.kind != vRef {
		return
	}
	kind := pyTarget(callee.ref)
	if kind == "" {
		return
	}
	name := shortRef(callee.ref)
	last := name[strings.LastIndexByte(name, '.')+1:]
	calleeText := text(fn, src)
	if (kind == "eval" || kind == "process") && (callee.hidden || !strings.Contains(calleeText, last)) {
		sc.report(RuleHiddenCall, off, fmt.Sprintf("call to %s hidden as %q", name, short(calleeText)))
	}
	arg := func(i int) jsVal {
		if i < len(args) {
			return p.env.eval(args[i])
		}
		return jsVal{}
	}
	switch kind {
	case "eval":
		a := arg(0)
		if len(args) > 0 && args[0].Type() == "string" && !a.built {
			return // eval("1 + 1") of a plain literal is not dynamic
		}
		sc.report(RuleEval, off, fmt.Sprintf("%s runs code built at run time", name))
		sc.has(capDynExec, off, name)
		if a.decoded || strings.Contains(text(argList, src), "b64decode") || strings.Contains(text(argList, src), "decode(") {
			sc.report(RuleObfEncodedPayload, off, fmt.Sprintf("%s runs decoded content", name))
		}
		if a.kind == vStr && a.built && !a.partial {
			sc.a.analyzeSnippet(sc, off, a.s, langPython, "folded string")
		}
	case "process":
		sc.report(RuleChildProcess, off, fmt.Sprintf("starts a process with %s", name))
		sc.has(capProcess, off, name)
		a := arg(0)
		switch {
		case a.kind == vStr:
			sc.a.analyzeSnippet(sc, off, strings.ReplaceAll(a.s, hole, "X"), langShell, "")
		case a.kind == vArr:
			if cmd := shellArgv(a.arr); cmd != "" {
				sc.a.analyzeSnippet(sc, off, cmd, langShell, "")
			}
		}
	case "deserialize":
		sc.report(RuleDeserialize, off, fmt.Sprintf("%s can run code hidden in the data", name))
	case "net", "socket":
		rule := RuleNetRequest
		if kind == "socket" {
			rule = RuleNetSocket
		}
		sc.report(rule, off, "network access with "+name)
		sc.has(capNetwork, off, name)
		if kind == "net" {
			sc.has(capDownload, off, name)
		}
		if a := arg(0); a.kind == vStr && a.built {
			sc.a.analyzeSnippet(sc, off, strings.ReplaceAll(a.s, hole, "X"), langText, "folded string")
		}
		sent := []*sitter.Node{}
		for _, kw := range []string{"data", "json", "files", "content", "params"} {
			if v := pyKeyword(argList, src, kw); v != nil {
				sent = append(sent, v)
			}
		}
		if len(args) > 1 {
			sent = append(sent, args[1])
		}
		for _, v := range sent {
			if name := p.tainted(v, 0); name != "" {
				sc.a.secretUse(sc, off, name, "network")
				break
			}
		}
	case "open":
		a := arg(0)
		if a.kind != vStr {
			return
		}
		path := strings.ReplaceAll(a.s, hole, "…")
		if what, _ := credTarget([]byte(a.s)); what != "" {
			sc.report(RuleCredFile, off, fmt.Sprintf("opens %s (%s)", what, short(path)))
			sc.has(capCredRead, off, "reading "+what)
		}
		if mode := arg(1); mode.kind == vStr && strings.ContainsAny(mode.s, "wa") {
			(&jsAnalysis{sc: sc}).write(off, path, "open")
		}
	case "delete":
		if a := arg(0); a.kind == vStr && homeOrRoot(a.s) {
			sc.report(RuleFSRecursiveDelete, off, "shutil.rmtree of "+short(strings.ReplaceAll(a.s, hole, "…")))
		}
	case "chmod":
		if sc.caps[capDownload] != nil {
			sc.report(RuleFSChmodDownload, off, "makes a file executable in code that downloads")
			sc.has(capDynExec, off, "chmod of a download")
		}
	case "dup2":
		p.dup2++
		p.dup2Off = off
	case "envuse":
		if isEnviron(arg(0)) {
			p.envDump(off, name+"(os.environ) collects every environment variable")
		}
	case "output":
		for _, a := range args {
			if v := p.tainted(a, 0); v != "" {
				sc.a.secretUse(sc, off, v, "output")
				break
			}
		}
	}
}

// sqlMethods run SQL text on a database connection or cursor.
var sqlMethods = map[string]bool{"execute": true, "executemany": true, "executescript": true, "read_sql": true, "read_sql_query": true, "raw": true}

var sqlRE = regexp.MustCompile(`(?i)^\s*(?:select|insert|update|delete|replace|create|drop|alter|with|pragma)\b`)

// sql reports SQL text built from values by formatting or concatenation.
// When a formatted value is a parameter of the enclosing function, the
// caller (in a skill: the agent, steered by whatever it read) controls the
// query.
func (p *pyAnalysis) sql(call, q *sitter.Node) {
	src := p.sc.src
	if q.Type() == "identifier" {
		if b, ok := p.env.lookup(text(q, src), q.StartByte()); ok && b.value != nil {
			q = b.value
		}
	}
	v := p.env.eval(q)
	built := v.kind == vStr && v.partial || q.Type() == "binary_operator" ||
		q.Type() == "call" && strings.HasSuffix(text(field(q, "function"), src), ".format")
	if !built {
		return
	}
	if s := text(q, src); !sqlRE.MatchString(strings.TrimLeft(s, "frbuFRBU\"'")) {
		return
	}
	params := enclosingParams(call, src)
	for _, id := range identifiers(q, src) {
		if params[id] {
			p.sc.reportSev(RuleSQLInjection, SeverityCritical, int(call.StartByte()), fmt.Sprintf("SQL built from the function parameter %q: the caller can rewrite the query", id))
			return
		}
	}
	p.sc.report(RuleSQLInjection, int(call.StartByte()), "SQL built by string formatting instead of query parameters")
}

// enclosingParams lists the parameter names of the function around n.
func enclosingParams(n *sitter.Node, src []byte) map[string]bool {
	out := map[string]bool{}
	for f := n.Parent(); f != nil; f = f.Parent() {
		if f.Type() != "function_definition" {
			continue
		}
		for _, prm := range namedChildren(field(f, "parameters")) {
			name := prm
			if prm.Type() != "identifier" {
				name = prm.NamedChild(0)
			}
			if name != nil && name.Type() == "identifier" {
				out[text(name, src)] = true
			}
		}
		break
	}
	return out
}

// identifiers lists the names used in an expression.
func identifiers(n *sitter.Node, src []byte) []string {
	if n == nil {
		return nil
	}
	if n.Type() == "identifier" {
		return []string{text(n, src)}
	}
	var out []string
	for _, c := range namedChildren(n) {
		out = append(out, identifiers(c, src)...)
	}
	return out
}

// tainted returns the secret-named environment variable an expression
// carries, following names but not headers, or "".
func (p *pyAnalysis) tainted(n *sitter.Node, depth int) string {
	if n == nil || depth > 6 {
		return ""
	}
	src := p.sc.src
	switch n.Type() {
	case "subscript":
		if k := strings.Trim(text(field(n, "subscript"), src), `'"`); isEnviron(p.env.eval(field(n, "value"))) && isSecretName(k) {
			return k
		}
		return ""
	case "call":
		callee := p.env.eval(field(n, "function"))
		if callee.kind == vRef && (callee.ref == "module:os.getenv" || callee.ref == "module:os.environ.get") {
			if args := pyArgs(field(n, "arguments")); len(args) > 0 {
				if k := strings.Trim(text(args[0], src), `'"`); isSecretName(k) {
					return k
				}
			}
			return ""
		}
	case "identifier":
		if b, ok := p.env.lookup(text(n, src), n.StartByte()); ok && b.value != nil {
			return p.tainted(b.value, depth+1)
		}
		return ""
	case "pair":
		k := strings.Trim(text(field(n, "key"), src), `'"`)
		if strings.EqualFold(k, "headers") || strings.EqualFold(k, "authorization") {
			return ""
		}
		return p.tainted(field(n, "value"), depth+1)
	case "keyword_argument":
		if text(field(n, "name"), src) == "headers" {
			return ""
		}
	case "string", "integer", "float", "true", "false", "none", "lambda":
		return ""
	}
	for _, c := range namedChildren(n) {
		if v := p.tainted(c, depth+1); v != "" {
			return v
		}
	}
	return ""
}
