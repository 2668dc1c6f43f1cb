package scanner

import (
	"encoding/base64"
	"fmt"
	"regexp"
	"strconv"
	"strings"
)

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
	binds map[string][]binding
	folds
}

var pyBuiltins = map[string]bool{"eval": true, "exec": true, "compile": true, "open": true, "dict": true, "str": true,
	"getattr": true, "__import__": true, "bytes": true, "bytearray": true, "chr": true, "print": true}

// pyWellKnown are modules resolved even without an import, because
// fragments and snippets in documentation often leave the import out.
var pyWellKnown = map[string]bool{"os": true, "subprocess": true, "socket": true, "requests": true, "base64": true,
	"pickle": true, "marshal": true, "pty": true, "shutil": true, "urllib": true, "httpx": true, "sys": true}

func (e *pyEnv) lookup(name string, off int) (binding, bool) {
	return (&jsEnv{binds: e.binds}).lookup(name, off)
}

func (e *pyEnv) eval(n node) jsVal { return e.fold(n, e.eval1) }

func (e *pyEnv) eval1(n node) jsVal {
	switch n.typ() {
	case "string":
		return pyString(n, e)
	case "concatenated_string":
		var b strings.Builder
		v := jsVal{kind: vStr, built: true}
		for _, c := range n.namedChildren() {
			s := e.eval(c)
			t, ok := s.asString()
			b.WriteString(t)
			v.partial = v.partial || !ok
		}
		v.s = b.String()
		return v
	case "integer":
		if i, err := strconv.ParseInt(strings.ReplaceAll(n.text(), "_", ""), 0, 64); err == nil {
			return jsVal{kind: vNum, n: float64(i)}
		}
	case "parenthesized_expression", "await":
		return e.eval(n.namedChild(0))
	case "identifier":
		name := n.text()
		if b, ok := e.lookup(name, n.start()); ok {
			if b.ref != "" {
				return jsVal{kind: vRef, ref: b.ref}
			}
			return e.eval(b.value)
		}
		if pyBuiltins[name] {
			return jsVal{kind: vRef, ref: name}
		}
		if name == "__file__" {
			return skillDirValue()
		}
		if pyWellKnown[name] {
			return jsVal{kind: vRef, ref: "module:" + name}
		}
		if name == "builtins" || name == "__builtins__" {
			return jsVal{kind: vRef, ref: "builtins"}
		}
	case "attribute":
		obj := e.eval(n.field("object"))
		if underSkillDir(obj) && (n.field("attribute").textIs("parent") || n.field("attribute").textIs("parents")) {
			return skillDirValue() // Path(__file__).parent
		}
		if obj.kind == vRef {
			return pyMember(obj, n.field("attribute").text(), false)
		}
	case "binary_operator":
		// "a" + "b", and pathlib's Path.home() / ".ssh" / "id_rsa".
		if op := n.field("operator").text(); op == "+" || op == "/" {
			l, r := e.eval(n.field("left")), e.eval(n.field("right"))
			if l.kind == vStr || r.kind == vStr {
				ls, lok := l.asString()
				rs, rok := r.asString()
				if op == "/" {
					ls += "/"
				}
				return jsVal{kind: vStr, s: ls + rs, partial: !lok || !rok, built: true, decoded: l.decoded || r.decoded}
			}
		}
	case "list", "tuple":
		var arr []jsVal
		for _, c := range n.namedChildren() {
			arr = append(arr, e.eval(c))
		}
		return jsVal{kind: vArr, arr: arr}
	case "call":
		return e.call(n)
	case "subscript":
		// s[::-1], s[::2]: reversed and interleaved strings.
		v := e.eval(n.field("value"))
		sl := n.field("subscript")
		if v.kind != vStr || v.partial || sl.typ() != "slice" {
			break
		}
		bounds, ok := pySliceBounds(sl)
		if !ok {
			break
		}
		if out, ok := pySlice(v.s, bounds[0], bounds[1], bounds[2]); ok {
			return jsVal{kind: vStr, s: out, built: true, decoded: bounds[2] != nil && *bounds[2] != 1}
		}
	}
	return jsVal{}
}

// pySliceBounds reads the integer literals of a slice a:b:c, nil for an
// omitted one; ok false when a bound is not a literal.
func pySliceBounds(sl node) (out [3]*int, ok bool) {
	part := 0
	for c := sl.firstChild(); c.ok(); c = c.nextSibling() {
		if !c.named() {
			if c.text() == ":" {
				part++
			}
			continue
		}
		if part > 2 {
			return out, false
		}
		v, err := strconv.Atoi(strings.ReplaceAll(c.text(), " ", ""))
		if err != nil {
			return out, false
		}
		out[part] = &v
	}
	return out, true
}

func pyMember(obj jsVal, attr string, computed bool) jsVal {
	ref := obj.ref + "." + attr
	if obj.ref == "builtins" || obj.ref == "module:builtins" || obj.ref == "module:__builtin__" {
		ref = attr // import builtins; builtins.exec is exec
	}
	if obj.ref == "module:os" && attr == "path" {
		ref = "module:os.path"
	}
	return jsVal{kind: vRef, ref: ref, hidden: obj.hidden || computed}
}

func (e *pyEnv) call(n node) jsVal {
	fn := n.field("function")
	args := pyArgs(n.field("arguments"))
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
		case "module:base64.b32decode", "module:base64.b85decode", "module:base64.a85decode", "module:base64.z85decode":
			if a := arg(0); a.kind == vStr && !a.partial {
				var b []byte
				ok := false
				switch callee.ref {
				case "module:base64.b32decode":
					b, ok = decodeBase32(a.s)
				case "module:base64.b85decode":
					b, ok = decodeBase85(a.s, b85Alphabet)
				case "module:base64.z85decode":
					b, ok = decodeBase85(a.s, z85Alphabet)
				default:
					b, ok = decodeASCII85(a.s)
				}
				if ok {
					return jsVal{kind: vStr, s: string(b), built: true, decoded: true}
				}
			}
			return jsVal{kind: vStr, s: hole, partial: true, decoded: true}
		case "module:codecs.decode":
			// codecs.decode(s, "rot13")
			if a, enc := arg(0), arg(1); a.kind == vStr && !a.partial && enc.kind == vStr && strings.Contains(strings.ToLower(enc.s), "rot") {
				return jsVal{kind: vStr, s: substitute(a.s, trSet("A-Za-z"), trSet("N-ZA-Mn-za-m")), built: true, decoded: true}
			}
			return jsVal{kind: vStr, s: hole, partial: true, decoded: true}
		case "str.maketrans", "module:str.maketrans":
			// A substitution alphabet, applied by str.translate.
			if a, b := arg(0), arg(1); a.kind == vStr && b.kind == vStr && !a.partial && !b.partial {
				return jsVal{kind: vArr, arr: []jsVal{a, b}}
			}
		case "module:bytes.fromhex", "module:binascii.unhexlify":
			return jsVal{kind: vStr, s: hole, partial: true, decoded: true}
		case "compile":
			if a := arg(0); a.kind == vStr {
				return a
			}
		case "module:os.path.dirname", "module:os.path.abspath", "module:os.path.realpath", "module:os.path.normpath":
			if a := arg(0); underSkillDir(a) {
				return skillDirValue()
			}
			return jsVal{}
		case "module:pathlib.Path", "module:pathlib.PurePath":
			if a := arg(0); len(args) == 1 && underSkillDir(a) {
				return a
			}
			fallthrough
		case "module:os.path.expanduser", "module:os.path.join", "module:os.path.expandvars":
			var parts []string
			for i := range args {
				s, _ := arg(i).asString()
				parts = append(parts, s)
			}
			return jsVal{kind: vStr, s: leaveSkillDir(strings.Join(parts, "/")), partial: true, built: true}
		case "module:os.getenv", "module:os.environ.get":
			return jsVal{kind: vStr, s: hole, partial: true}
		}
	}
	if fn.ok() && fn.typ() == "attribute" {
		recv := e.eval(fn.field("object"))
		switch method := fn.field("attribute").text(); {
		case recv.kind == vStr && (method == "decode" || method == "encode" || method == "strip"):
			return recv
		case underSkillDir(recv) && (method == "resolve" || method == "absolute"):
			return recv
		case recv.kind == vStr && !recv.partial && method == "translate":
			if t := arg(0); t.kind == vArr && len(t.arr) == 2 {
				return jsVal{kind: vStr, s: substitute(recv.s, []rune(t.arr[0].s), []rune(t.arr[1].s)), built: true, decoded: true}
			}
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
func pyArgs(n node) []node {
	var out []node
	for _, c := range n.namedChildren() {
		if c.typ() != "keyword_argument" && c.typ() != "comment" {
			out = append(out, c)
		}
	}
	return out
}

func pyKeyword(n node, name string) node {
	for _, c := range n.namedChildren() {
		if c.typ() == "keyword_argument" && c.field("name").text() == name {
			return c.field("value")
		}
	}
	return node{}
}

// pyString decodes a Python string literal; f-strings fold with holes.
func pyString(n node, e *pyEnv) jsVal {
	raw := n.text()
	prefixEnd := strings.IndexAny(raw, `'"`)
	if prefixEnd < 0 {
		return jsVal{}
	}
	prefix := strings.ToLower(raw[:prefixEnd])
	var b strings.Builder
	v := jsVal{kind: vStr}
	for _, c := range n.namedChildren() {
		switch c.typ() {
		case "string_content":
			s := c.text()
			if !strings.Contains(prefix, "r") && strings.Contains(s, `\`) {
				js := jsString(`"` + s + `"`)
				s, v.built = js.s, v.built || js.built
			}
			b.WriteString(s)
		case "escape_sequence":
			js := jsString(`"` + c.text() + `"`)
			b.WriteString(js.s)
			v.built = v.built || js.built
		case "interpolation":
			inner := e.eval(c.namedChild(0))
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
	tree := a.parseCode(sc, langPython, parseErrors, "calls")
	if tree == nil {
		return
	}
	defer a.ps.release(tree)
	caps := map[string][]node{}
	for i := range tree.nodes {
		switch n := (node{tree, int32(i)}); n.typ() {
		case "call", "assignment", "import_statement", "import_from_statement", "for_statement":
			caps[n.typ()] = append(caps[n.typ()], n)
		}
	}
	env := &pyEnv{binds: map[string][]binding{}, folds: folds{memo: map[node]jsVal{}}}
	bind := func(name string, b binding) { env.binds[name] = append(env.binds[name], b) }
	for _, n := range caps["import_statement"] {
		for _, c := range n.namedChildren() {
			switch c.typ() {
			case "dotted_name":
				full := c.text()
				top := strings.SplitN(full, ".", 2)[0]
				bind(top, binding{off: n.start(), ref: "module:" + top})
			case "aliased_import":
				bind(c.field("alias").text(), binding{off: n.start(), ref: "module:" + c.field("name").text()})
			}
		}
	}
	for _, n := range caps["import_from_statement"] {
		mod := n.field("module_name").text()
		for _, c := range n.namedChildren() {
			if !c.ok() || c.start() == n.field("module_name").start() {
				continue
			}
			switch c.typ() {
			case "dotted_name":
				name := c.text()
				bind(name, binding{off: n.start(), ref: "module:" + mod + "." + name})
			case "aliased_import":
				bind(c.field("alias").text(), binding{off: n.start(), ref: "module:" + mod + "." + c.field("name").text()})
			}
		}
	}
	for _, n := range caps["assignment"] {
		if l := n.field("left"); l.ok() && l.typ() == "identifier" {
			bind(l.text(), binding{off: n.start(), value: n.field("right")})
		}
	}
	for _, b := range env.binds {
		sortBindings(b)
	}
	p := &pyAnalysis{sc: sc, env: env}
	for _, n := range caps["call"] {
		p.call(n)
	}
	for _, n := range caps["for_statement"] {
		if isEnviron(env.eval(n.field("right"))) {
			p.envDump(int(n.start()), "iterates over os.environ")
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

func (p *pyAnalysis) call(n node) {
	sc := p.sc
	fn := n.field("function")
	argList := n.field("arguments")
	args := pyArgs(argList)
	off := int(n.start())
	// os.environ.items() and friends.
	if fn.ok() && fn.typ() == "attribute" {
		method := fn.field("attribute").text()
		if sqlMethods[method] && len(args) > 0 {
			p.sql(n, args[0])
		}
		if (method == "items" || method == "keys" || method == "values") && isEnviron(p.env.eval(fn.field("object"))) {
			p.envDump(off, "os.environ."+method+"() collects every environment variable")
			return
		}
		// Path objects: (Path.home() / ".aws" / "credentials").read_text()
		if obj := p.env.eval(fn.field("object")); obj.kind == vStr && (method == "read_text" || method == "read_bytes" || method == "open" || method == "write_text") {
			mode := jsVal{}
			switch {
			case method == "write_text":
				mode = str("w")
			case method == "open" && len(args) > 0:
				mode = p.env.eval(args[0])
			}
			p.opens(off, obj, mode)
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
	calleeText := fn.text()
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
		if len(args) > 0 && args[0].typ() == "string" && !a.built {
			return // eval("1 + 1") of a plain literal is not dynamic
		}
		sc.report(RuleEval, off, fmt.Sprintf("%s runs code built at run time", name))
		sc.has(capDynExec, off, name)
		if a.decoded || strings.Contains(argList.text(), "b64decode") || strings.Contains(argList.text(), "decode(") {
			sc.report(RuleObfEncodedPayload, off, fmt.Sprintf("%s runs decoded content", name))
		}
		if a.kind == vStr && a.built && !a.partial {
			sc.a.analyzeSnippet(sc, off, a.s, langPython, "folded string")
		}
	case "process":
		sc.report(RuleChildProcess, off, fmt.Sprintf("starts a process with %s", name))
		sc.has(capProcess, off, name)
		if len(args) > 0 && p.fromNetwork(args[0], 0) {
			sc.report(RuleChainDropper, off, fmt.Sprintf("%s runs a command that was downloaded", name))
			sc.has(capDownload, off, "download")
			sc.has(capDynExec, off, name+" of downloaded text")
		}
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
		if a := arg(0); a.kind == vStr {
			sc.netCall(a)
		} else if u := pyKeyword(argList, "url"); u.ok() {
			sc.netCall(p.env.eval(u))
		} else {
			sc.netCall(a)
		}
		if kind == "net" {
			sc.has(capDownload, off, name)
		}
		if a := arg(0); a.kind == vStr && a.built {
			sc.a.analyzeSnippet(sc, off, strings.ReplaceAll(a.s, hole, "X"), langText, "folded string")
		}
		sent := []node{}
		for _, kw := range []string{"data", "json", "files", "content", "params"} {
			if v := pyKeyword(argList, kw); v.ok() {
				sent = append(sent, v)
			}
		}
		if len(args) > 1 {
			sent = append(sent, args[1])
		}
		for _, v := range sent {
			if isEnviron(p.env.eval(v)) {
				// requests.get(url, params=os.environ)
				p.envDump(off, name+" sends os.environ, every environment variable")
				break
			}
			if name := p.tainted(v, 0); name != "" {
				sc.a.secretUse(sc, off, name, "network")
				break
			}
		}
	case "open":
		p.opens(off, arg(0), arg(1))
	case "delete":
		if a := arg(0); a.kind == vStr && homeOrRoot(a.s) {
			sc.report(RuleFSRecursiveDelete, off, "shutil.rmtree of "+short(strings.ReplaceAll(a.s, hole, "…")))
		}
	case "chmod":
		if sc.caps[capDownload] != nil && !privateMode(arg(1), argList.text()) {
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

// fromNetwork reports an expression computed from a network response:
// requests.get(u).text, urlopen(u).read(), or a name bound to one.
func (p *pyAnalysis) fromNetwork(n node, depth int) bool {
	if !n.ok() || depth > 6 {
		return false
	}
	switch n.typ() {
	case "call":
		if callee := p.env.eval(n.field("function")); callee.kind == vRef && pyTarget(callee.ref) == "net" {
			return true
		}
	case "identifier":
		if b, ok := p.env.lookup(n.text(), n.start()); ok && b.value.ok() && b.off < n.start() {
			return p.fromNetwork(b.value, depth+1)
		}
		return false
	case "string", "integer", "lambda":
		return false
	}
	for c := n.firstChild(); c.ok(); c = c.nextSibling() {
		if c.named() && p.fromNetwork(c, depth+1) {
			return true
		}
	}
	return false
}

// opens checks a file opened at a path, in the given mode.
func (p *pyAnalysis) opens(off int, file, mode jsVal) {
	if file.kind != vStr {
		return
	}
	path := strings.ReplaceAll(file.s, hole, "…")
	if h, ok := findCred([]byte(file.s)); ok {
		p.sc.credFound(h, off, fmt.Sprintf("opens %s (%s)", h.what, short(path)))
	}
	if mode.kind == vStr && strings.ContainsAny(mode.s, "wa") {
		(&jsAnalysis{sc: p.sc}).write(off, path, "open")
	}
}

// sqlMethods run SQL text on a database connection or cursor.
var sqlMethods = map[string]bool{"execute": true, "executemany": true, "executescript": true, "read_sql": true, "read_sql_query": true, "raw": true}

var sqlRE = regexp.MustCompile(`(?i)^\s*(?:select|insert|update|delete|replace|create|drop|alter|with|pragma)\b`)

// sql reports SQL text built from values by formatting or concatenation.
// When a formatted value is a parameter of the enclosing function, the
// caller (in a skill: the agent, steered by whatever it read) controls the
// query.
func (p *pyAnalysis) sql(call, q node) {
	if q.typ() == "identifier" {
		if b, ok := p.env.lookup(q.text(), q.start()); ok && b.value.ok() {
			q = b.value
		}
	}
	v := p.env.eval(q)
	built := v.kind == vStr && v.partial || q.typ() == "binary_operator" ||
		q.typ() == "call" && strings.HasSuffix(q.field("function").text(), ".format")
	if !built {
		return
	}
	if s := q.text(); !sqlRE.MatchString(strings.TrimLeft(s, "frbuFRBU\"'")) {
		return
	}
	params := enclosingParams(call)
	for _, id := range untypedIdentifiers(q) {
		if params[id] && !validatedBefore(call, id) {
			p.sc.reportSev(RuleSQLInjection, SeverityCritical, call.start(), fmt.Sprintf("SQL built from the function parameter %q, unchecked: the caller (the agent, steered by whatever it read) can rewrite the query", id))
			return
		}
	}
	p.sc.reportSev(RuleSQLInjection, SeverityMedium, call.start(), "SQL built by string formatting instead of query parameters")
}

// enclosingParams lists the parameter names of the function around n.
func enclosingParams(n node) map[string]bool {
	out := map[string]bool{}
	for f := n.parent(); f.ok(); f = f.parent() {
		if f.typ() != "function_definition" {
			continue
		}
		for _, prm := range f.field("parameters").namedChildren() {
			name := prm
			if prm.typ() != "identifier" {
				name = prm.namedChild(0)
			}
			if name.ok() && name.typ() == "identifier" {
				out[name.text()] = true
			}
		}
		break
	}
	return out
}

// untypedIdentifiers lists the names used in an expression, except inside
// int(), float() and bool() conversions, which cannot carry SQL text.
func untypedIdentifiers(n node) []string {
	if !n.ok() {
		return nil
	}
	switch n.typ() {
	case "identifier":
		return []string{n.text()}
	case "call":
		switch n.field("function").text() {
		case "int", "float", "bool", "len":
			return nil
		}
	}
	var out []string
	for _, c := range n.namedChildren() {
		out = append(out, untypedIdentifiers(c)...)
	}
	return out
}

// validatedBefore reports whether the function around call checks id before
// the statement holding call: an if on id that raises or returns ("if table
// not in ALLOWED: raise"), an assert on id, or id rebound to a number
// ("user_id = int(user_id)").
func validatedBefore(call node, id string) bool {
	fn := call.parent()
	for fn.ok() && fn.typ() != "function_definition" {
		fn = fn.parent()
	}
	if !fn.ok() {
		return false
	}
	names := func(n node) bool {
		for _, x := range identifiers(n) {
			if x == id {
				return true
			}
		}
		return false
	}
	var exits func(n node) bool
	exits = func(n node) bool {
		switch n.typ() {
		case "raise_statement", "return_statement", "continue_statement":
			return true
		case "function_definition", "class_definition":
			return false
		}
		for c := n.firstChild(); c.ok(); c = c.nextSibling() {
			if c.named() && exits(c) {
				return true
			}
		}
		return false
	}
	var walk func(block node) bool
	walk = func(block node) bool {
		for st := block.firstChild(); st.ok() && st.start() < call.start(); st = st.nextSibling() {
			if !st.named() {
				continue
			}
			if st.end() > call.start() {
				// The statement holding the call: look inside its blocks.
				for c := st.firstChild(); c.ok(); c = c.nextSibling() {
					if c.typ() == "block" && c.start() <= call.start() && walk(c) {
						return true
					}
				}
				return false
			}
			switch st.typ() {
			case "if_statement":
				if names(st.field("condition")) && exits(st.field("consequence")) {
					return true
				}
			case "assert_statement":
				if names(st) {
					return true
				}
			case "expression_statement":
				if as := st.namedChild(0); as.typ() == "assignment" && as.field("left").text() == id &&
					len(untypedIdentifiers(as.field("right"))) == 0 && as.field("right").typ() == "call" {
					return true
				}
			}
		}
		return false
	}
	return walk(fn.field("body"))
}

// identifiers lists the names used in an expression.
func identifiers(n node) []string {
	if !n.ok() {
		return nil
	}
	if n.typ() == "identifier" {
		return []string{n.text()}
	}
	var out []string
	for _, c := range n.namedChildren() {
		out = append(out, identifiers(c)...)
	}
	return out
}

// tainted returns the secret-named environment variable an expression
// carries, following names but not headers, or "".
func (p *pyAnalysis) tainted(n node, depth int) string {
	if !n.ok() || depth > 6 {
		return ""
	}
	switch n.typ() {
	case "subscript":
		if k := strings.Trim(n.field("subscript").text(), `'"`); isEnviron(p.env.eval(n.field("value"))) && isSecretName(k) {
			return k
		}
		return ""
	case "call":
		callee := p.env.eval(n.field("function"))
		if callee.kind == vRef && (callee.ref == "module:os.getenv" || callee.ref == "module:os.environ.get") {
			if args := pyArgs(n.field("arguments")); len(args) > 0 {
				if k := strings.Trim((args[0]).text(), `'"`); isSecretName(k) {
					return k
				}
			}
			return ""
		}
	case "identifier":
		if b, ok := p.env.lookup(n.text(), n.start()); ok && b.value.ok() {
			return p.tainted(b.value, depth+1)
		}
		return ""
	case "pair":
		k := strings.Trim(n.field("key").text(), `'"`)
		if strings.EqualFold(k, "headers") || strings.EqualFold(k, "authorization") {
			return ""
		}
		return p.tainted(n.field("value"), depth+1)
	case "keyword_argument":
		if n.field("name").text() == "headers" {
			return ""
		}
	case "string", "integer", "float", "true", "false", "none", "lambda":
		return ""
	}
	for _, c := range n.namedChildren() {
		if v := p.tainted(c, depth+1); v != "" {
			return v
		}
	}
	return ""
}
