package scanner

import (
	"fmt"
	"regexp"
	"strings"

	sitter "github.com/smacker/go-tree-sitter"
)

// jsQuery captures everything the JavaScript analysis looks at; the query
// runs in C, so Go only sees these nodes, not the whole tree.
// One capture and no field constraints: that is the cheapest query to run
// (fields are read from the few nodes that matter, by position).
const jsQuery = `
[(call_expression) (new_expression) (variable_declarator) (assignment_expression)
 (import_statement) (function_declaration) (for_in_statement)] @node
`

var (
	persistPath = regexp.MustCompile(`(?i)\.(?:bash|zsh|ksh)rc\b|\.bash_profile|\.zprofile|\.zshenv|(?:^|/)\.profile\b|Library/Launch(?:Agents|Daemons)|\.config/systemd/user|/etc/systemd/system|/etc/cron|/var/spool/cron|\bcrontab\b|authorized_keys|\.config/autostart|/etc/rc\.local|/etc/profile\.d|\.ssh/rc\b`)
)

// secretParts are the words that make an environment variable a secret.
var secretParts = map[string]bool{"KEY": true, "APIKEY": true, "SECRET": true, "TOKEN": true, "PASSWORD": true, "PASSWD": true,
	"PASS": true, "PWD": true, "CREDENTIAL": true, "CREDENTIALS": true, "CREDS": true, "AUTH": true, "PRIVATE": true,
	"SESSION": true, "COOKIE": true, "MNEMONIC": true, "SEED": true}

// isSecretName reports names like OPENAI_API_KEY or ghToken: one of their
// words (split at "_", "-" and case changes) names a secret.
func isSecretName(name string) bool {
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
		if secretParts[w] || len(w) > 3 && (strings.HasSuffix(w, "KEY") || strings.HasSuffix(w, "TOKEN") || strings.HasSuffix(w, "SECRET")) {
			return true
		}
	}
	return false
}

// jsTargets classifies resolved callees. Keys are canonical refs; a key
// ending in "." matches every member of that module.
var jsTargets = map[string]string{
	"eval": "eval", "Function": "function", "wrap:eval": "eval", "wrap:Function": "function",
	"module:vm.runInThisContext": "vm", "module:vm.runInNewContext": "vm", "module:vm.runInContext": "vm",
	"module:vm.compileFunction": "vm", "module:vm.Script": "vm", "module:vm.SourceTextModule": "vm",
	"setTimeout": "timer", "setInterval": "timer", "setImmediate": "timer",
	"require": "require", "module:module.createRequire": "require",
	"module:child_process.": "process", "module:execa": "process", "module:execa.": "process",
	"module:shelljs.exec": "process", "module:cross-spawn": "process", "module:cross-spawn.": "process",
	"module:node-pty.spawn": "process", "module:zx.$": "process", "Bun.spawn": "process", "Bun.spawnSync": "process",
	"Bun.$": "process", "Deno.run": "process", "Deno.Command": "process",
	"fetch": "net", "XMLHttpRequest": "net", "EventSource": "net", "navigator.sendBeacon": "net",
	"module:axios": "net", "module:axios.": "net", "module:got": "net", "module:got.": "net",
	"module:node-fetch": "net", "module:undici.": "net", "module:http.request": "net", "module:http.get": "net",
	"module:https.request": "net", "module:https.get": "net", "module:http2.connect": "net", "module:request": "net",
	"module:request.": "net", "module:needle": "net", "module:needle.": "net", "module:superagent.": "net",
	"WebSocket": "socket", "module:ws": "socket", "module:net.connect": "socket", "module:net.createConnection": "socket",
	"module:net.Socket": "socket", "module:tls.connect": "socket", "module:dgram.createSocket": "socket",
	"module:dns.": "socket", "module:dns/promises.": "socket", "module:socket.io-client": "socket",
	"module:fs.readFileSync": "fsread", "module:fs.readFile": "fsread", "module:fs.createReadStream": "fsread",
	"module:fs/promises.readFile": "fsread", "module:fs.copyFileSync": "fsread", "module:fs.readdirSync": "fsread",
	"module:fs.writeFileSync": "fswrite", "module:fs.writeFile": "fswrite", "module:fs.appendFileSync": "fswrite",
	"module:fs.appendFile": "fswrite", "module:fs.createWriteStream": "fswrite", "module:fs/promises.writeFile": "fswrite",
	"module:fs/promises.appendFile": "fswrite",
	"module:fs.rmSync":              "fsdelete", "module:fs.rm": "fsdelete", "module:fs.rmdirSync": "fsdelete", "module:fs/promises.rm": "fsdelete",
	"module:fs.chmodSync": "chmod", "module:fs.chmod": "chmod", "module:fs/promises.chmod": "chmod",
	"JSON.stringify": "envuse", "Object.keys": "envuse", "Object.values": "envuse", "Object.entries": "envuse",
	"console.log": "output", "console.info": "output", "console.error": "output", "console.warn": "output",
	"console.debug": "output", "process.stdout.write": "output", "process.stderr.write": "output",
}

func jsTarget(ref string) string {
	ref = strings.TrimPrefix(ref, "wrap:")
	if k, ok := jsTargets[ref]; ok {
		return k
	}
	if strings.HasPrefix(ref, "module:") {
		if i := strings.LastIndexByte(ref, '.'); i > 0 {
			if k, ok := jsTargets[ref[:i+1]]; ok {
				return k
			}
		}
		// require("fs").promises.readFile and similar deeper members.
		if i := strings.IndexByte(ref, '.'); i > 0 {
			if k, ok := jsTargets[ref[:i+1]]; ok {
				return k
			}
		}
	}
	return ""
}

// shortRef is a ref as people write it: "child_process.exec".
func shortRef(ref string) string {
	return strings.TrimPrefix(strings.TrimPrefix(ref, "wrap:"), "module:")
}

// analyzeJS parses JavaScript or TypeScript and reports its dangerous calls.
// A file that does not parse keeps the text-level checks.
func (a *analyzer) analyzeJS(sc *scope, l lang, parseErrors bool) {
	tree, broken, err := a.ps.parse(a.ctx, l, sc.src)
	if err != nil {
		sc.report(RuleInputParseError, 0, fmt.Sprintf("%s parser failed: %v; only text rules applied", l, err))
		return
	}
	defer tree.Close()
	if broken && parseErrors {
		sc.report(RuleInputParseError, errorOffset(tree.RootNode()), fmt.Sprintf("%s syntax error; calls inside the broken part may be missed", l))
	}
	q, err := a.query(l, jsQuery)
	if err != nil {
		sc.report(RuleInputParseError, 0, err.Error())
		return
	}
	var calls, news [][3]*sitter.Node
	var forins []*sitter.Node
	names := a.symbolNames(l)
	env := newJSEnv(sc.src, names)
	forMatches(q, tree.RootNode(), func(m match) {
		n := m.node
		switch symbolName(names, n) {
		case "call_expression":
			calls = append(calls, [3]*sitter.Node{n, n.NamedChild(0), lastNamed(n)})
		case "new_expression":
			var args *sitter.Node
			if n.NamedChildCount() > 1 {
				args = lastNamed(n)
			}
			news = append(news, [3]*sitter.Node{n, n.NamedChild(0), args})
		case "variable_declarator":
			var value *sitter.Node
			if v := lastNamed(n); n.NamedChildCount() > 1 && symbolName(names, v) != "type_annotation" {
				value = v
			}
			bindPattern(env, n.NamedChild(0), value, n.StartByte())
		case "assignment_expression":
			if left := n.NamedChild(0); left != nil && symbolName(names, left) == "identifier" {
				env.bind(text(left, sc.src), binding{off: n.StartByte(), value: lastNamed(n)})
			}
		case "function_declaration":
			env.bind(text(n.NamedChild(0), sc.src), binding{off: n.StartByte(), value: n})
		case "import_statement":
			bindImport(env, n)
		case "for_in_statement":
			if n.NamedChildCount() > 1 {
				forins = append(forins, n.NamedChild(1))
			}
		}
	})
	for _, b := range env.binds {
		sortBindings(b)
	}
	j := &jsAnalysis{sc: sc, env: env}
	for _, c := range calls {
		j.call(c[0], c[1], c[2], false)
	}
	for _, c := range news {
		j.call(c[0], c[1], c[2], true)
	}
	for _, v := range forins {
		if r := env.eval(v); r.kind == vRef && r.ref == "process.env" {
			j.envDump(v, "iterates over process.env")
		}
	}
	j.hexNames()
}

// errorOffset finds the first syntax error for the report.
func errorOffset(n *sitter.Node) int {
	for n != nil && n.HasError() {
		if n.IsError() || n.IsMissing() {
			return int(n.StartByte())
		}
		var next *sitter.Node
		for i := 0; i < int(n.ChildCount()); i++ {
			if c := n.Child(i); c.HasError() || c.IsMissing() {
				next = c
				break
			}
		}
		if next == nil {
			return int(n.StartByte())
		}
		n = next
	}
	return 0
}

// bindPattern records the names a declaration introduces.
func bindPattern(env *jsEnv, name, value *sitter.Node, off uint32) {
	if name == nil {
		return
	}
	switch env.typ(name) {
	case "identifier":
		env.bind(text(name, env.src), binding{off: off, value: value})
	case "object_pattern":
		for _, c := range namedChildren(name) {
			switch env.typ(c) {
			case "shorthand_property_identifier_pattern":
				p := text(c, env.src)
				env.bind(p, binding{off: off, value: value, prop: p})
			case "pair_pattern":
				key, val := field(c, "key"), field(c, "value")
				if val != nil && env.typ(val) == "identifier" {
					k := strings.Trim(text(key, env.src), `'"`)
					env.bind(text(val, env.src), binding{off: off, value: value, prop: k})
				}
			case "object_assignment_pattern":
				if l := field(c, "left"); l != nil {
					p := text(l, env.src)
					env.bind(p, binding{off: off, value: value, prop: p})
				}
			}
		}
	}
}

func bindImport(env *jsEnv, n *sitter.Node) {
	src := field(n, "source")
	if src == nil {
		return
	}
	mod := moduleName(jsString(text(src, env.src)).s)
	for _, c := range namedChildren(n) {
		if env.typ(c) != "import_clause" {
			continue
		}
		for _, ic := range namedChildren(c) {
			switch env.typ(ic) {
			case "identifier":
				env.bind(text(ic, env.src), binding{off: n.StartByte(), ref: "module:" + mod})
			case "namespace_import":
				if id := ic.NamedChild(0); id != nil {
					env.bind(text(id, env.src), binding{off: n.StartByte(), ref: "module:" + mod})
				}
			case "named_imports":
				for _, spec := range namedChildren(ic) {
					name := text(field(spec, "name"), env.src)
					local := name
					if al := field(spec, "alias"); al != nil {
						local = text(al, env.src)
					}
					env.bind(local, binding{off: n.StartByte(), ref: "module:" + mod + "." + name})
				}
			}
		}
	}
}

func sortBindings(b []binding) {
	for i := 1; i < len(b); i++ {
		for j := i; j > 0 && b[j].off < b[j-1].off; j-- {
			b[j], b[j-1] = b[j-1], b[j]
		}
	}
}

type jsAnalysis struct {
	sc  *scope
	env *jsEnv
}

func (j *jsAnalysis) arg(args []*sitter.Node, i int) jsVal {
	if i >= 0 && i < len(args) {
		return j.env.eval(args[i])
	}
	return jsVal{}
}

// calleeNames are the last names of every callee jsTargets knows, so
// that calls like items.map() are dismissed without resolving them.
var calleeNames = func() map[string]bool {
	m := map[string]bool{}
	for k := range jsTargets {
		k = strings.TrimSuffix(k, ".")
		m[k[strings.LastIndexAny(k, ".:")+1:]] = true
	}
	return m
}()

// worthResolving is a cheap textual filter: a plain member chain whose last
// name no target has, or a plain name with no binding and no global
// meaning, cannot resolve to anything reported.
func (j *jsAnalysis) worthResolving(callee string) bool {
	plain := true
	for i := 0; i < len(callee); i++ {
		if c := callee[i]; !(isIdent(c) || c == '.') {
			plain = false
			break
		}
	}
	if !plain {
		return true // computed members, calls, parentheses: resolve
	}
	last := callee[strings.LastIndexByte(callee, '.')+1:]
	if strings.IndexByte(callee, '.') >= 0 {
		return calleeNames[last]
	}
	_, bound := j.env.binds[callee]
	return bound || jsGlobals[callee] != ""
}

// call classifies one call or construction.
func (j *jsAnalysis) call(n, fn, argList *sitter.Node, isNew bool) {
	if fn == nil || !j.worthResolving(text(fn, j.sc.src)) {
		return
	}
	callee := j.env.eval(fn)
	if callee.kind != vRef {
		return
	}
	kind := jsTarget(callee.ref)
	if kind == "" {
		return
	}
	sc, src := j.sc, j.sc.src
	off := int(n.StartByte())
	args := namedChildren(argList)
	name := shortRef(callee.ref)
	calleeText := text(fn, src)
	last := name[strings.LastIndexAny(name, "./")+1:]
	// Names built from strings, and helper functions wrapped around eval
	// or require, exist to hide a call. A plain alias (const F = Function)
	// is common in libraries; the call itself is reported either way.
	dangerous := kind == "eval" || kind == "function" || kind == "vm" || kind == "process" || kind == "require"
	if callee.hidden && kind != "envuse" && kind != "output" || strings.HasPrefix(callee.ref, "wrap:") && dangerous {
		sc.report(RuleHiddenCall, off, fmt.Sprintf("call to %s hidden as %q", name, short(calleeText)))
	}
	if !strings.Contains(strings.ToLower(calleeText), strings.ToLower(last)) {
		name += " (as " + short(calleeText) + ")"
	}
	switch kind {
	case "eval", "function", "vm":
		rule := map[string]string{"eval": RuleEval, "function": RuleFunctionCtor, "vm": RuleVM}[kind]
		sc.report(rule, off, fmt.Sprintf("%s runs code from a string", name))
		sc.has(capDynExec, off, name)
		if a := j.arg(args, len(args)-1); a.kind == vStr {
			j.payload(off, a, name)
		}
	case "timer":
		if a := j.arg(args, 0); a.kind == vStr {
			sc.report(RuleStringTimer, off, fmt.Sprintf("%s with a string argument evaluates it as code", name))
			sc.has(capDynExec, off, name)
			j.payload(off, a, name)
		}
	case "require":
		if isNew {
			return
		}
		a := j.arg(args, 0)
		if a.kind != vStr || a.partial {
			sc.report(RuleDynamicImport, off, fmt.Sprintf("require of a computed module name %s", short(text(argList, src))))
		} else if a.built && jsTarget("module:"+moduleName(a.s)+".") != "" {
			sc.report(RuleHiddenCall, off, fmt.Sprintf("module %q loaded through a built string", moduleName(a.s)))
		}
	case "process":
		sc.report(RuleChildProcess, off, fmt.Sprintf("starts a process with %s", name))
		sc.has(capProcess, off, name)
		if cmd := commandLine(j.arg(args, 0), j.arg(args, 1)); cmd.kind == vStr {
			j.command(off, cmd)
		}
	case "net", "socket":
		rule := RuleNetRequest
		if kind == "socket" {
			rule = RuleNetSocket
		}
		sc.report(rule, off, fmt.Sprintf("network access with %s", name))
		sc.has(capNetwork, off, name)
		if a := j.arg(args, 0); a.kind == vStr {
			if a.built {
				j.builtString(off, a)
			}
			if isNew || kind == "net" {
				sc.has(capDownload, off, name)
			}
		}
		for _, a := range args[min(1, len(args)):] {
			if v := j.tainted(a, 0); v != "" {
				j.sc.a.secretUse(j.sc, off, v, "network")
				break
			}
		}
	case "fsread":
		if a := j.arg(args, 0); a.kind == vStr {
			if what, _ := credTarget([]byte(a.s)); what != "" {
				sc.report(RuleCredFile, off, fmt.Sprintf("%s reads %s (%s)", name, what, short(strings.ReplaceAll(a.s, hole, "…"))))
				sc.has(capCredRead, off, "reading "+what)
			}
		}
	case "fswrite":
		if a := j.arg(args, 0); a.kind == vStr {
			j.write(off, strings.ReplaceAll(a.s, hole, "…"), name)
		}
	case "fsdelete":
		if a := j.arg(args, 0); a.kind == vStr && homeOrRoot(a.s) && strings.Contains(text(argList, src), "recursive") {
			sc.report(RuleFSRecursiveDelete, off, fmt.Sprintf("recursive delete of %s", short(strings.ReplaceAll(a.s, hole, "…"))))
		}
	case "chmod":
		if sc.caps[capDownload] != nil {
			sc.report(RuleFSChmodDownload, off, "makes a file executable in code that downloads")
			sc.has(capDynExec, off, "chmod of a download")
		}
	case "envuse":
		if a := j.arg(args, 0); a.kind == vRef && a.ref == "process.env" {
			j.envDump(n, fmt.Sprintf("%s(process.env) collects every environment variable", name))
		}
	case "output":
		for _, a := range args {
			if v := j.tainted(a, 0); v != "" {
				j.sc.a.secretUse(j.sc, off, v, "output")
				break
			}
		}
	}
}

func (j *jsAnalysis) envDump(n *sitter.Node, msg string) {
	j.sc.report(RuleEnvHarvest, int(n.StartByte()), msg)
	j.sc.has(capEnvDump, int(n.StartByte()), "environment harvest")
}

// payload analyses a string that is run as code.
func (j *jsAnalysis) payload(off int, v jsVal, by string) {
	if v.decoded {
		j.sc.report(RuleObfEncodedPayload, off, fmt.Sprintf("%s runs decoded content: %s", by, short(v.s)))
	}
	if v.built && !v.partial {
		j.sc.a.analyzeSnippet(j.sc, off, v.s, langJS, "folded string")
	}
}

// command analyses a string handed to a shell.
func (j *jsAnalysis) command(off int, v jsVal) {
	if v.decoded {
		j.sc.report(RuleObfEncodedPayload, off, "runs a decoded command: "+short(v.s))
	}
	j.sc.a.analyzeSnippet(j.sc, off, strings.ReplaceAll(v.s, hole, "X"), langShell, "")
}

// builtString checks URLs and paths that were assembled at run time, which
// the text scan cannot see.
func (j *jsAnalysis) builtString(off int, v jsVal) {
	j.sc.a.analyzeSnippet(j.sc, off, strings.ReplaceAll(v.s, hole, "X"), langText, "folded string")
}

// write reports writes to persistence locations and outside the skill.
func (j *jsAnalysis) write(off int, p, by string) {
	switch {
	case persistPath.MatchString(p):
		j.sc.report(RuleFSPersistence, off, fmt.Sprintf("%s writes %s", by, short(p)))
	case homeOrRoot(p):
		j.sc.report(RuleFSWriteHome, off, fmt.Sprintf("%s writes %s", by, short(p)))
	}
}

// homeOrRoot reports paths that point at the home directory or an absolute
// location other than temporary directories.
func homeOrRoot(p string) bool {
	switch {
	case strings.HasPrefix(p, "/tmp"), strings.HasPrefix(p, "/var/tmp"), strings.HasPrefix(p, "/dev/"):
		return false
	case strings.HasPrefix(p, "/"), strings.HasPrefix(p, "~"), strings.HasPrefix(p, "$HOME"), strings.HasPrefix(p, hole+"/."):
		return true
	}
	return false
}

// tainted returns the name of a secret environment variable that an
// expression carries, following names, encodings and object fields other
// than headers, or "".
func (j *jsAnalysis) tainted(n *sitter.Node, depth int) string {
	if n == nil || depth > 6 {
		return ""
	}
	src := j.sc.src
	switch j.env.typ(n) {
	case "member_expression":
		obj := j.env.eval(field(n, "object"))
		if prop := text(field(n, "property"), src); obj.kind == vRef && obj.ref == "process.env" && isSecretName(prop) {
			return prop
		}
		return ""
	case "subscript_expression":
		obj := j.env.eval(field(n, "object"))
		if idx := strings.Trim(text(field(n, "index"), src), `'"`); obj.kind == vRef && obj.ref == "process.env" && isSecretName(idx) {
			return idx
		}
		return ""
	case "identifier", "shorthand_property_identifier":
		if b, ok := j.env.lookup(text(n, src), n.StartByte()); ok && b.value != nil {
			if b.prop != "" {
				if v := j.env.eval(b.value); v.kind == vRef && v.ref == "process.env" && isSecretName(b.prop) {
					return b.prop
				}
				return ""
			}
			return j.tainted(b.value, depth+1)
		}
		return ""
	case "pair":
		k := strings.Trim(text(field(n, "key"), src), `'"`)
		if strings.EqualFold(k, "headers") || strings.EqualFold(k, "auth") || strings.EqualFold(k, "authorization") {
			return ""
		}
		return j.tainted(field(n, "value"), depth+1)
	case "string", "number", "regex", "true", "false", "null", "undefined", "arrow_function", "function_expression":
		return ""
	}
	for _, c := range namedChildren(n) {
		if v := j.tainted(c, depth+1); v != "" {
			return v
		}
	}
	return ""
}

// commandLine joins a command and its argument array as a shell line:
// exec("curl x | sh"), spawn("bash", ["-c", cmd]), execa("curl", [url]).
func commandLine(cmd, args jsVal) jsVal {
	switch {
	case cmd.kind == vArr:
		return jsVal{kind: vStr, s: shellArgv(cmd.arr), partial: true, built: true}
	case cmd.kind == vStr && args.kind == vArr:
		return jsVal{kind: vStr, s: shellArgv(append([]jsVal{cmd}, args.arr...)), partial: true, built: true, decoded: cmd.decoded}
	case cmd.kind == vStr:
		return cmd
	}
	return jsVal{}
}

// shellArgv turns ["bash", "-c", cmd] into the command it runs.
func shellArgv(arr []jsVal) string {
	var parts []string
	for _, el := range arr {
		s, _ := el.asString()
		parts = append(parts, strings.ReplaceAll(s, hole, "X"))
	}
	if len(parts) >= 3 && (parts[1] == "-c" || parts[1] == "-lc") {
		return parts[2]
	}
	return strings.Join(parts, " ")
}

// hexNames reports obfuscator-style _0x identifiers.
func (j *jsAnalysis) hexNames() {
	src := j.sc.src
	first, n := -1, 0
	for i := 0; i+6 < len(src); i++ {
		if src[i] == '_' && src[i+1] == '0' && src[i+2] == 'x' && isHex(src[i+3]) && isHex(src[i+4]) && isHex(src[i+5]) && isHex(src[i+6]) && (i == 0 || !isIdent(src[i-1])) {
			if first < 0 {
				first = i
			}
			n++
		}
	}
	if n >= 20 {
		j.sc.report(RuleObfHexNames, first, fmt.Sprintf("%d obfuscator-style _0x names", n))
	}
}

func isIdent(c byte) bool {
	return c == '_' || c == '$' || c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z' || c >= '0' && c <= '9'
}
