package scanner

import (
	"bytes"
	"fmt"
	"regexp"
	"strings"

	"github.com/openclaw-secure-stack/securestack/scanner/shellrisk"
)

var (
	detachedRE     = regexp.MustCompile(`\bdetached\s*:\s*true\b`)
	ignoredStdioRE = regexp.MustCompile(`\bstdio\s*:\s*(?:['"\x60]ignore['"\x60]|\[\s*['"\x60]ignore['"\x60]\s*,\s*['"\x60]ignore)`)
	persistPath    = shellrisk.PersistPath
)

// isSecretName reports names like OPENAI_API_KEY or ghToken: one of their
// words (split at "_", "-" and case changes) names a secret.
func isSecretName(name string) bool { return shellrisk.IsSecretName(name) }

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
	"JSON.stringify": "envuse", "Object.assign": "envuse", "Object.keys": "envuse", "Object.values": "envuse", "Object.entries": "envuse",
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

// jsNodeKind classifies the node types that analyzeJS collects.
type jsNodeKind uint8

const (
	jsOther jsNodeKind = iota
	jsCall
	jsNew
	jsDeclarator
	jsAssign
	jsImport
	jsFuncDecl
	jsForIn
	jsStringLit
	jsSpread
)

// jsKinds maps each JavaScript, TypeScript and TSX symbol to its kind, so
// that one pass over the nodes finds what the analysis needs.
var jsKinds = func() (k [numLangs][]jsNodeKind) {
	names := map[string]jsNodeKind{"call_expression": jsCall, "new_expression": jsNew, "variable_declarator": jsDeclarator,
		"assignment_expression": jsAssign, "import_statement": jsImport, "function_declaration": jsFuncDecl, "for_in_statement": jsForIn, "string": jsStringLit, "spread_element": jsSpread}
	for _, l := range []lang{langJS, langTS, langTSX} {
		k[l] = make([]jsNodeKind, len(grammars[l].symbols))
		for sym, name := range grammars[l].symbols {
			k[l][sym] = names[name]
		}
	}
	return k
}()

// analyzeJS parses JavaScript or TypeScript and reports its dangerous calls.
// A file that does not parse keeps the text-level checks.
func (a *analyzer) analyzeJS(sc *scope, l lang, parseErrors bool) {
	tree := a.parseCode(sc, l, parseErrors, "calls")
	if tree == nil {
		return
	}
	defer a.ps.release(tree)
	var calls, news [][3]node
	var forins, spreads []node
	env := newJSEnv(sc.src)
	kinds := jsKinds[l]
	for i := range tree.nodes {
		sym := int(tree.nodes[i].symbol)
		if sym >= len(kinds) || kinds[sym] == jsOther {
			continue
		}
		n := node{tree, int32(i)}
		switch kinds[sym] {
		case jsCall:
			calls = append(calls, [3]node{n, n.namedChild(0), n.lastNamed()})
		case jsNew:
			var args node
			if n.namedCount() > 1 {
				args = n.lastNamed()
			}
			news = append(news, [3]node{n, n.namedChild(0), args})
		case jsDeclarator:
			var value node
			if v := n.lastNamed(); n.namedCount() > 1 && v.typ() != "type_annotation" {
				value = v
			}
			bindPattern(env, n.namedChild(0), value, n.start())
		case jsAssign:
			switch left := n.namedChild(0); left.typ() {
			case "identifier":
				env.bind(left.text(), binding{off: n.start(), value: n.lastNamed()})
			case "member_expression":
				// this.cp = require("child_process"), this.run = eval;
				// other member assignments (exports.x = x) are too many
				// to bind.
				right := n.lastNamed()
				v := sc.src[right.start():right.end()]
				if !bytes.Contains(v, []byte("require")) && !bytes.Contains(v, []byte("import")) && jsGlobals[string(v)] == "" {
					break
				}
				if t := left.text(); plainChain(t) {
					env.bind(t, binding{off: n.start(), value: right})
					env.members = true
				}
			}
		case jsFuncDecl:
			env.bind(n.namedChild(0).text(), binding{off: n.start(), value: n})
		case jsImport:
			bindImport(env, n)
		case jsForIn:
			if n.namedCount() > 1 {
				forins = append(forins, n.namedChild(1))
			}
		case jsStringLit:
			escapedName(sc, n)
		case jsSpread:
			spreads = append(spreads, n)
		}
	}
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
	for _, v := range spreads {
		if r := env.eval(v.namedChild(0)); r.kind == vRef && r.ref == "process.env" && !childEnv(v.parent()) {
			j.envDump(v, "spreads process.env, every environment variable, into an object")
		}
	}
	j.hexNames()
}

// errorOffset finds the first syntax error for the report.
func errorOffset(n node) int {
	for n.ok() && n.hasError() {
		if n.isError() || n.missing() {
			return n.start()
		}
		var next node
		for c := n.firstChild(); c.ok(); c = c.nextSibling() {
			if c.hasError() || c.missing() {
				next = c
				break
			}
		}
		if !next.ok() {
			return n.start()
		}
		n = next
	}
	return 0
}

// bindPattern records the names a declaration introduces.
func bindPattern(env *jsEnv, name, value node, off int) {
	if !name.ok() {
		return
	}
	switch name.typ() {
	case "identifier":
		env.bind(name.text(), binding{off: off, value: value})
	case "object_pattern":
		for _, c := range name.namedChildren() {
			switch c.typ() {
			case "shorthand_property_identifier_pattern":
				p := c.text()
				env.bind(p, binding{off: off, value: value, prop: p})
			case "pair_pattern":
				key, val := c.field("key"), c.field("value")
				if val.ok() && val.typ() == "identifier" {
					k := strings.Trim(key.text(), `'"`)
					env.bind(val.text(), binding{off: off, value: value, prop: k})
				}
			case "object_assignment_pattern":
				if l := c.field("left"); l.ok() {
					p := l.text()
					env.bind(p, binding{off: off, value: value, prop: p})
				}
			}
		}
	}
}

func bindImport(env *jsEnv, n node) {
	src := n.field("source")
	if !src.ok() {
		return
	}
	mod := moduleName(jsString(src.text()).s)
	for _, c := range n.namedChildren() {
		if c.typ() != "import_clause" {
			continue
		}
		for _, ic := range c.namedChildren() {
			switch ic.typ() {
			case "identifier":
				env.bind(ic.text(), binding{off: n.start(), ref: "module:" + mod})
			case "namespace_import":
				if id := ic.namedChild(0); id.ok() {
					env.bind(id.text(), binding{off: n.start(), ref: "module:" + mod})
				}
			case "named_imports":
				for _, spec := range ic.namedChildren() {
					name := spec.field("name").text()
					local := name
					if al := spec.field("alias"); al.ok() {
						local = al.text()
					}
					env.bind(local, binding{off: n.start(), ref: "module:" + mod + "." + name})
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
	sc      *scope
	env     *jsEnv
	modules map[string]bool // names that may hold a module, by moduleAlias
}

func (j *jsAnalysis) arg(args []node, i int) jsVal {
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

// indirectBases are globals called through a member: eval.call(null, s),
// Function.apply(null, args), require.call(null, m), Reflect.apply(f, ...).
var indirectBases = map[string]bool{"eval": true, "Function": true, "require": true, "Reflect": true}

// worthResolving is a cheap textual filter: a plain member chain whose last
// name no target has, or a plain name with no binding and no global
// meaning, cannot resolve to anything reported.
func (j *jsAnalysis) worthResolving(callee string) bool {
	if !plainChain(callee) {
		return true // computed members, calls, parentheses: resolve
	}
	dot := strings.LastIndexByte(callee, '.')
	last := callee[dot+1:]
	if i := strings.IndexByte(callee, '.'); i >= 0 {
		// cp.execSync(), this.cp.exec(): any member of child_process is
		// a target.
		return calleeNames[last] || indirectBases[callee[:i]] && j.env.binds[callee[:i]] == nil ||
			j.moduleAlias(callee[:i]) || dot != i && j.moduleAlias(callee[:dot])
	}
	_, bound := j.env.binds[callee]
	return bound || jsGlobals[callee] != ""
}

// moduleAlias reports a name that one of its bindings may set to a module:
// an import, or a value that mentions require or import.
func (j *jsAnalysis) moduleAlias(name string) bool {
	if v, ok := j.modules[name]; ok {
		return v
	}
	found := false
	for _, b := range j.env.binds[name] {
		if b.ref != "" {
			found = true
			break
		}
		if b.value.ok() {
			v := j.env.src[b.value.start():b.value.end()]
			if bytes.Contains(v, []byte("require")) || bytes.Contains(v, []byte("import")) {
				found = true
				break
			}
		}
	}
	if j.modules == nil {
		j.modules = map[string]bool{}
	}
	j.modules[name] = found
	return found
}

// call classifies one call or construction.
func (j *jsAnalysis) call(n, fn, argList node, isNew bool) {
	if !fn.ok() || !j.worthResolving(fn.text()) {
		return
	}
	callee := j.env.eval(fn)
	if callee.kind != vRef {
		return
	}
	args := argList.namedChildren()
	if p := fn.lastNamed(); fn.typ() == "member_expression" && (p.textIs("call") || p.textIs("apply")) {
		// eval.call(null, s), exec.apply(null, [cmd]): the function itself
		// is called, with this first.
		if obj := j.env.eval(fn.namedChild(0)); obj.kind == vRef && jsTarget(obj.ref) != "" {
			callee = obj
			if len(args) > 0 {
				args = args[1:]
			}
			if p.textIs("apply") && len(args) > 0 {
				args = args[0].namedChildren()
			}
		}
	}
	if callee.ref == "Reflect.apply" && len(args) > 0 {
		// Reflect.apply(f, this, [args]) calls f.
		if callee = j.env.eval(args[0]); callee.kind != vRef {
			return
		}
		callee.hidden = true
		if len(args) > 2 {
			args = args[2].namedChildren()
		} else {
			args = nil
		}
	}
	kind := jsTarget(callee.ref)
	if kind == "" {
		return
	}
	sc := j.sc
	off := int(n.start())
	name := shortRef(callee.ref)
	calleeText := fn.text()
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
		if lib := vendoredEval(sc.src, off); lib != nil && !callee.hidden {
			sc.reportSev(rule, SeverityLow, off, fmt.Sprintf("%s in the bundled %s library, which %s", name, lib.lib, lib.why))
			break
		}
		if code, ok := j.constantCode(args); ok && kind == "function" && !callee.hidden && globalObjectIdiom(code) {
			sc.reportSev(rule, SeverityLow, off, fmt.Sprintf("%s(%q) reaches the global object, as bundled libraries do", name, code))
			break
		}
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
			sc.report(RuleDynamicImport, off, fmt.Sprintf("%s of a computed module name %s", calleeText, short(argList.text())))
		} else if a.built && jsTarget("module:"+moduleName(a.s)+".") != "" {
			sc.report(RuleHiddenCall, off, fmt.Sprintf("module %q loaded through a built string", moduleName(a.s)))
		}
	case "process":
		if opts := argList.text(); detachedRE.MatchString(opts) && ignoredStdioRE.MatchString(opts) {
			sc.reportSev(RuleChildProcess, SeverityHigh, off, fmt.Sprintf("%s starts a detached process whose output nobody sees", name))
		} else {
			sc.report(RuleChildProcess, off, fmt.Sprintf("starts a process with %s", name))
		}
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
		sc.netCall(j.arg(args, 0))
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
			if h, ok := findCred([]byte(a.s)); ok {
				sc.credFound(h, off, fmt.Sprintf("%s reads %s (%s)", name, h.what, short(strings.ReplaceAll(a.s, hole, "…"))))
			}
		}
	case "fswrite":
		if a := j.arg(args, 0); a.kind == vStr {
			j.write(off, strings.ReplaceAll(a.s, hole, "…"), name)
		}
	case "fsdelete":
		if a := j.arg(args, 0); a.kind == vStr && homeOrRoot(a.s) && strings.Contains(argList.text(), "recursive") {
			sc.report(RuleFSRecursiveDelete, off, fmt.Sprintf("recursive delete of %s", short(strings.ReplaceAll(a.s, hole, "…"))))
		}
	case "chmod":
		if sc.caps[capDownload] != nil && !privateMode(j.arg(args, 1), argList.text()) {
			sc.report(RuleFSChmodDownload, off, "makes a file executable in code that downloads")
			sc.has(capDynExec, off, "chmod of a download")
		}
	case "envuse":
		// JSON.stringify(process.env), Object.assign({}, process.env)
		if childEnv(n) {
			break
		}
		for i := range args {
			if a := j.arg(args, i); a.kind == vRef && a.ref == "process.env" {
				j.envDump(n, fmt.Sprintf("%s(process.env) collects every environment variable", name))
				break
			}
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

// escapedNames are names that code has to spell to load a module or
// reach a dangerous function.
var escapedNames = func() map[string]bool {
	m := map[string]bool{}
	for _, n := range strings.Fields(`child_process exec execSync execFile execFileSync spawn spawnSync fork eval Function
		constructor require mainModule binding process env vm runInNewContext runInThisContext fs readFileSync
		writeFileSync http https net dgram dns tls fetch XMLHttpRequest WebSocket homedir userInfo atob fromCharCode
		Buffer base64 global globalThis /bin/sh /bin/bash cmd.exe powershell`) {
		m[n] = true
	}
	return m
}()

// escapedName reports a string literal that spells one of escapedNames in
// escapes ("\x63\x68\x69..."): minifiers never escape plain letters, so
// only someone hiding the name writes them.
func escapedName(sc *scope, n node) {
	if bytes.IndexByte(sc.src[n.start():n.end()], '\\') < 0 {
		return // most strings; checked without copying them
	}
	text := n.text()
	v := jsString(text)
	if v.kind == vStr && v.built && escapedNames[v.s] {
		sc.report(RuleHiddenCall, n.start(), fmt.Sprintf("the name %q is written as escapes (%s)", v.s, short(text)))
	}
}

// childEnv reports an expression that is the env option of a call, as in
// spawn(cmd, { env: { ...process.env, DEBUG: "1" } }): the environment
// handed to a child process, not collected.
func childEnv(n node) bool {
	p := n.parent()
	if p.typ() == "variable_declarator" && n.typ() == "object" {
		// const env = { ...process.env, DEBUG: "1" }: named for where it
		// goes, a child process.
		name := strings.ToLower(p.namedChild(0).text())
		return strings.HasSuffix(name, "env") || strings.HasPrefix(name, "env") || strings.Contains(name, "environment")
	}
	if p.typ() != "pair" {
		return false
	}
	key := p.field("key")
	if n.i == key.i {
		return false
	}
	k := strings.Trim(key.text(), `"'`)
	return k == "env" || k == "environment"
}

func (j *jsAnalysis) envDump(n node, msg string) {
	j.sc.report(RuleEnvHarvest, int(n.start()), msg)
	j.sc.has(capEnvDump, int(n.start()), "environment harvest")
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
	if agentFileWrite(j.sc, off, p, by, false) {
		return
	}
	switch {
	case persistPath.MatchString(p):
		persistence(j.sc, off, p, fmt.Sprintf("%s writes %s", by, short(p)))
	case homeOrRoot(p):
		j.sc.report(RuleFSWriteHome, off, fmt.Sprintf("%s writes %s", by, short(p)))
	}
}

// persistence reports a write to a place that runs or admits something
// later. A key added to authorized_keys lets its owner log in: a backdoor,
// not a setting.
func persistence(sc *scope, off int, target, msg string) {
	if strings.Contains(target, "authorized_keys") {
		sc.reportSev(RuleFSPersistence, SeverityCritical, off, msg+": grants SSH access to whoever holds the key")
		return
	}
	sc.report(RuleFSPersistence, off, msg)
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
func (j *jsAnalysis) tainted(n node, depth int) string {
	if !n.ok() || depth > 6 {
		return ""
	}
	switch n.typ() {
	case "member_expression":
		obj := j.env.eval(n.field("object"))
		if prop := n.field("property").text(); obj.kind == vRef && obj.ref == "process.env" && isSecretName(prop) {
			return prop
		}
		return ""
	case "subscript_expression":
		obj := j.env.eval(n.field("object"))
		if idx := strings.Trim(n.field("index").text(), `'"`); obj.kind == vRef && obj.ref == "process.env" && isSecretName(idx) {
			return idx
		}
		return ""
	case "identifier", "shorthand_property_identifier":
		if b, ok := j.env.lookup(n.text(), n.start()); ok && b.value.ok() {
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
		k := strings.Trim(n.field("key").text(), `'"`)
		if strings.EqualFold(k, "headers") || strings.EqualFold(k, "auth") || strings.EqualFold(k, "authorization") {
			return ""
		}
		return j.tainted(n.field("value"), depth+1)
	case "string", "number", "regex", "true", "false", "null", "undefined", "arrow_function", "function_expression":
		return ""
	}
	for _, c := range n.namedChildren() {
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
	for i := 0; ; i += 3 {
		k := bytes.Index(src[i:], []byte("_0x"))
		if k < 0 {
			break
		}
		i += k
		if i+6 < len(src) && isHex(src[i+3]) && isHex(src[i+4]) && isHex(src[i+5]) && isHex(src[i+6]) && (i == 0 || !isIdent(src[i-1])) {
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

// privateMode reports a chmod mode that makes nothing executable: 0o600
// on a token file, stat.S_IRUSR | stat.S_IWUSR, "644". Restricting a
// file is the opposite of arming a download. An unknown mode is not
// private.
func privateMode(mode jsVal, args string) bool {
	switch mode.kind {
	case vNum:
		return int64(mode.n)&0o111 == 0
	case vStr:
		if !mode.partial && len(mode.s) >= 3 && strings.Trim(mode.s, "01234567") == "" {
			return !strings.ContainsAny(mode.s[len(mode.s)-3:], "1357")
		}
		return false
	}
	// stat constants: S_IRUSR | S_IWUSR and the like, without any S_IX.
	return strings.Contains(args, "S_IR") && !strings.Contains(args, "S_IX") && !strings.Contains(args, "S_IRWX")
}
