package scanner

import (
	"encoding/base64"
	"encoding/hex"
	"net/url"
	"sort"
	"strconv"
	"strings"
	"unicode/utf8"
)

// hole stands for an unknown part of a partly folded string, so that path
// and URL patterns still match around it.
const hole = "\x00"

// skillDir stands for the directory of the file being analysed
// (__dirname, Path(__file__).parent): a path under it is the skill's own
// file, never the home directory.
const skillDir = "\x01"

func skillDirValue() jsVal { return jsVal{kind: vStr, s: skillDir, partial: true} }

// leaveSkillDir turns a path that climbs out of the skill's directory
// (__dirname/../../.env) into an unknown location: two levels up from a
// script is already outside most skills.
func leaveSkillDir(p string) string {
	if !strings.HasPrefix(p, skillDir) || strings.Count(p, "..") < 2 {
		return p
	}
	rest := p[strings.LastIndex(p, "..")+2:]
	return hole + "/" + strings.TrimLeft(rest, "/")
}

// underSkillDir reports a folded path inside the skill's directory.
func underSkillDir(v jsVal) bool { return v.kind == vStr && strings.HasPrefix(v.s, skillDir) }

type vkind uint8

const (
	vUnknown vkind = iota
	vStr           // a string; partial when it has holes
	vNum
	vArr
	vRef  // a known object or function, by canonical name
	vWrap // a function that passes its argument to ref
)

// jsVal is the abstract value of a JavaScript expression.
type jsVal struct {
	kind    vkind
	s       string
	partial bool
	n       float64
	arr     []jsVal
	ref     string // "eval", "require", "module:child_process", "module:child_process.exec", "global", "process.env"...
	// built is set when a string was assembled (concatenation, escapes,
	// char codes, joins) rather than written as one plain literal.
	built bool
	// decoded is set when a string came out of base64 or hex decoding.
	decoded bool
	// hidden is set when a reference was reached through a built string.
	hidden bool
}

func str(s string) jsVal { return jsVal{kind: vStr, s: s} }

// asString returns the string form of a value for concatenation.
func (v jsVal) asString() (string, bool) {
	switch v.kind {
	case vStr:
		return v.s, !v.partial
	case vNum:
		return strconv.FormatFloat(v.n, 'f', -1, 64), true
	}
	return hole, false
}

// binding is one declaration of a name: the value node, or a property of it
// when destructured, or an imported module member.
type binding struct {
	off   int
	value node
	prop  string // destructured property, "" for the whole value
	ref   string // set for imports: the canonical ref
}

// jsEnv folds the expressions of one file.
type jsEnv struct {
	src     []byte
	binds   map[string][]binding
	members bool // some binding is of a member chain, such as this.cp
	folds
}

// folds memoises the folding of each node of one file. Depth is bounded
// and a node being folded reads as unknown, so that self-referencing
// declarations terminate.
type folds struct {
	memo  map[node]jsVal
	depth int
}

func (f *folds) fold(n node, eval1 func(node) jsVal) jsVal {
	if !n.ok() {
		return jsVal{}
	}
	if v, ok := f.memo[n]; ok {
		return v
	}
	if f.depth > 24 {
		return jsVal{}
	}
	f.depth++
	f.memo[n] = jsVal{} // cycle guard
	v := eval1(n)
	f.depth--
	f.memo[n] = v
	return v
}

func newJSEnv(src []byte) *jsEnv {
	return &jsEnv{src: src, binds: map[string][]binding{}, folds: folds{memo: map[node]jsVal{}}}
}

func (e *jsEnv) bind(name string, b binding) {
	e.binds[name] = append(e.binds[name], b)
}

// lookup returns the binding of name nearest before off (or the first one
// after it), which approximates lexical scope without building scopes.
func (e *jsEnv) lookup(name string, off int) (binding, bool) {
	bs := e.binds[name]
	if len(bs) == 0 {
		return binding{}, false
	}
	i := sort.Search(len(bs), func(i int) bool { return bs[i].off >= off })
	if i > 0 {
		return bs[i-1], true
	}
	return bs[0], true
}

// globals are names that mean something before any declaration.
var jsGlobals = map[string]string{
	"eval": "eval", "Function": "Function", "require": "require", "fetch": "fetch",
	"XMLHttpRequest": "XMLHttpRequest", "WebSocket": "WebSocket", "EventSource": "EventSource",
	"setTimeout": "setTimeout", "setInterval": "setInterval", "setImmediate": "setImmediate",
	"atob": "atob", "btoa": "btoa", "Buffer": "Buffer", "String": "String", "process": "process",
	"globalThis": "global", "global": "global", "window": "global", "self": "global",
	"Bun": "Bun", "Deno": "Deno", "JSON": "JSON", "Object": "Object", "Reflect": "Reflect",
	"decodeURIComponent": "decodeURIComponent", "unescape": "unescape", "decodeURI": "decodeURI",
	"navigator": "navigator", "module": "module", "Date": "Date", "console": "console",
	"import": "require", // import(name), a node of its own type; listed for worthResolving
}

// plainChain reports a chain of names and dots, like this.cp or a.b.c.
func plainChain(s string) bool {
	for i := 0; i < len(s); i++ {
		if c := s[i]; !(isIdent(c) || c == '.') {
			return false
		}
	}
	return s != ""
}

// eval folds an expression to a value.
func (e *jsEnv) eval(n node) jsVal { return e.fold(n, e.eval1) }

func (e *jsEnv) eval1(n node) jsVal {
	switch n.typ() {
	case "string":
		return jsString(n.text())
	case "template_string":
		return e.template(n)
	case "number":
		f, err := strconv.ParseFloat(strings.ReplaceAll(n.text(), "_", ""), 64)
		if err != nil {
			if i, err := strconv.ParseInt(strings.ReplaceAll(n.text(), "_", ""), 0, 64); err == nil {
				return jsVal{kind: vNum, n: float64(i)}
			}
			return jsVal{}
		}
		return jsVal{kind: vNum, n: f}
	case "parenthesized_expression", "as_expression", "non_null_expression", "satisfies_expression", "type_assertion", "await_expression":
		if c := n.namedChild(0); c.ok() {
			return e.eval(c)
		}
	case "sequence_expression":
		if c := int(n.namedCount()); c > 0 {
			return e.eval(n.namedChild(c - 1))
		}
	case "identifier", "shorthand_property_identifier":
		return e.ident(n.text(), n.start())
	case "binary_expression":
		if op := n.field("operator"); op.ok() && op.text() == "+" {
			l, r := e.eval(n.field("left")), e.eval(n.field("right"))
			if l.kind == vNum && r.kind == vNum {
				return jsVal{kind: vNum, n: l.n + r.n}
			}
			if l.kind == vStr || r.kind == vStr {
				ls, lok := l.asString()
				rs, rok := r.asString()
				return jsVal{kind: vStr, s: ls + rs, partial: !lok || !rok, built: true, decoded: l.decoded || r.decoded}
			}
		}
	case "array":
		var arr []jsVal
		for _, c := range n.namedChildren() {
			arr = append(arr, e.eval(c))
		}
		return jsVal{kind: vArr, arr: arr}
	case "member_expression":
		prop := n.lastNamed()
		if prop.textIs("constructor") {
			// [].constructor.constructor and (() => {}).constructor are
			// Function, reached without naming it.
			inner := n.namedChild(0)
			for inner.typ() == "parenthesized_expression" {
				inner = inner.namedChild(0)
			}
			switch inner.typ() {
			case "arrow_function", "function_expression", "function", "generator_function":
				return jsVal{kind: vRef, ref: "Function", hidden: true}
			case "member_expression":
				if inner.lastNamed().textIs("constructor") {
					return jsVal{kind: vRef, ref: "Function", hidden: true}
				}
			}
		}
		if e.members {
			// this.cp = require("child_process") earlier; only plain
			// chains are bound, and the lookup does not allocate.
			if _, ok := e.binds[string(e.src[n.start():n.end()])]; ok {
				return e.ident(n.text(), n.start())
			}
		}
		obj := e.eval(n.namedChild(0))
		return e.member(obj, prop.text(), false)
	case "subscript_expression":
		obj := e.eval(n.field("object"))
		idx := n.field("index")
		key := e.eval(idx)
		if key.kind == vNum && obj.kind == vArr && int(key.n) >= 0 && int(key.n) < len(obj.arr) {
			return obj.arr[int(key.n)]
		}
		if key.kind == vStr && !key.partial {
			return e.member(obj, key.s, key.built || idx.typ() != "string")
		}
		if obj.kind == vRef && strings.HasPrefix(obj.ref, "module:") && jsTarget(obj.ref+".?") == "process" {
			// require("child_process")[name]: whatever the name, a member
			// of a dangerous module, chosen so that it does not show.
			return jsVal{kind: vRef, ref: obj.ref + ".?", hidden: true}
		}
	case "call_expression":
		return e.call(n)
	case "import":
		// import(name) loads a module as require(name) does.
		return jsVal{kind: vRef, ref: "require"}
	case "arrow_function", "function_expression", "function_declaration", "function":
		return e.wrapper(n)
	}
	return jsVal{}
}

// wrapper recognises one-parameter functions that hand their parameter
// straight to a known function, like (name) => require(name).
func (e *jsEnv) wrapper(n node) jsVal {
	var param string
	if p := n.field("parameter"); p.ok() {
		param = p.text()
	} else if ps := n.field("parameters").namedChildren(); len(ps) == 1 {
		param = (ps[0]).text()
	}
	body := n.field("body")
	if param == "" || !body.ok() {
		return jsVal{}
	}
	if body.typ() == "statement_block" {
		if body.namedCount() != 1 || body.namedChild(0).typ() != "return_statement" {
			return jsVal{}
		}
		body = body.namedChild(0).namedChild(0)
	}
	if !body.ok() || body.typ() != "call_expression" {
		return jsVal{}
	}
	args := body.field("arguments").namedChildren()
	if len(args) != 1 || (args[0]).text() != param {
		return jsVal{}
	}
	if callee := e.eval(body.field("function")); callee.kind == vRef {
		return jsVal{kind: vRef, ref: "wrap:" + callee.ref}
	}
	return jsVal{}
}

func (e *jsEnv) ident(name string, off int) jsVal {
	if b, ok := e.lookup(name, off); ok {
		if b.ref != "" {
			return jsVal{kind: vRef, ref: b.ref}
		}
		v := e.eval(b.value)
		if b.prop != "" {
			return e.member(v, b.prop, false)
		}
		return v
	}
	if g, ok := jsGlobals[name]; ok && g != "" {
		return jsVal{kind: vRef, ref: g}
	}
	if name == "__dirname" || name == "__filename" {
		return skillDirValue()
	}
	return jsVal{}
}

// member resolves obj.prop for references.
func (e *jsEnv) member(obj jsVal, prop string, computed bool) jsVal {
	if obj.kind != vRef {
		if obj.kind == vStr && prop == "length" {
			return jsVal{kind: vNum, n: float64(len(obj.s))}
		}
		return jsVal{}
	}
	if strings.HasPrefix(obj.ref, "module:") && (prop == "then" || prop == "catch" || prop == "finally") {
		return jsVal{} // import(name).then(...): the promise, not a member of the module
	}
	var ref string
	switch {
	case obj.ref == "global":
		if g, ok := jsGlobals[prop]; ok && g != "" {
			ref = g
		} else {
			ref = prop
		}
	case obj.ref == "process" && prop == "mainModule", obj.ref == "module" && prop == "constructor":
		ref = "module"
	case obj.ref == "module" && prop == "require", obj.ref == "process.mainModule" && prop == "require":
		ref = "require"
	case obj.ref == "module:fs" && prop == "promises":
		ref = "module:fs/promises"
	default:
		ref = obj.ref + "." + prop
	}
	return jsVal{kind: vRef, ref: ref, hidden: obj.hidden || computed}
}

// call folds the calls that build strings or load modules.
func (e *jsEnv) call(n node) jsVal {
	fn := n.namedChild(0)
	args := n.lastNamed().namedChildren()
	arg := func(i int) jsVal {
		if i < len(args) {
			return e.eval(args[i])
		}
		return jsVal{}
	}
	if !fn.ok() {
		return jsVal{}
	}
	// Methods on folded strings and arrays.
	if fn.typ() == "member_expression" {
		method := fn.lastNamed().text()
		recv := e.eval(fn.namedChild(0))
		switch {
		case recv.kind == vArr && method == "join":
			sep := ","
			if len(args) > 0 {
				s := arg(0)
				if s.kind != vStr {
					return jsVal{}
				}
				sep = s.s
			}
			parts := make([]string, len(recv.arr))
			partial := false
			for i, el := range recv.arr {
				s, ok := el.asString()
				parts[i], partial = s, partial || !ok
			}
			return jsVal{kind: vStr, s: strings.Join(parts, sep), partial: partial, built: true}
		case recv.kind == vArr && method == "reverse":
			out := make([]jsVal, len(recv.arr))
			for i, el := range recv.arr {
				out[len(out)-1-i] = el
			}
			return jsVal{kind: vArr, arr: out}
		case recv.kind == vArr && method == "map" && len(args) == 1 && e.isCharCodeMapper(args[0]):
			var b strings.Builder
			for _, el := range recv.arr {
				if el.kind != vNum {
					return jsVal{}
				}
				b.WriteRune(rune(int(el.n)))
			}
			return jsVal{kind: vArr, arr: splitChars(b.String())}
		case recv.kind == vStr && !recv.partial && method == "split" && len(args) == 1:
			sep := arg(0)
			if sep.kind != vStr {
				return jsVal{}
			}
			var out []jsVal
			for _, p := range strings.Split(recv.s, sep.s) {
				out = append(out, jsVal{kind: vStr, s: p, built: true})
			}
			return jsVal{kind: vArr, arr: out}
		case recv.kind == vStr && (method == "toString" || method == "trim" || method == "valueOf"):
			return recv
		case recv.kind == vStr && method == "concat":
			s := recv
			for i := range args {
				a := arg(i)
				as, ok := a.asString()
				s = jsVal{kind: vStr, s: s.s + as, partial: s.partial || !ok, built: true, decoded: s.decoded}
			}
			return s
		case recv.kind == vStr && !recv.partial && (method == "replace" || method == "replaceAll") && len(args) == 2:
			from, to := arg(0), arg(1)
			if from.kind == vStr && to.kind == vStr {
				return jsVal{kind: vStr, s: strings.ReplaceAll(recv.s, from.s, to.s), built: true}
			}
		case recv.kind == vRef && recv.ref == "String" && method == "fromCharCode":
			var b strings.Builder
			for i := range args {
				a := arg(i)
				if a.kind != vNum {
					return jsVal{}
				}
				b.WriteRune(rune(int(a.n)))
			}
			return jsVal{kind: vStr, s: b.String(), built: true}
		case recv.kind == vRef && recv.ref == "Buffer" && method == "from" && len(args) >= 1:
			data := arg(0)
			enc := arg(1)
			if data.kind == vStr && !data.partial && enc.kind == vStr {
				if s, ok := decodeJS(data.s, enc.s); ok {
					return jsVal{kind: vStr, s: s, built: true, decoded: true}
				}
			}
			if data.kind == vStr {
				return data
			}
		case recv.kind == vStr && method == "toString" && len(args) == 1:
			return recv
		}
	}
	callee := e.eval(fn)
	if callee.kind == vRef {
		switch callee.ref {
		case "atob":
			if a := arg(0); a.kind == vStr && !a.partial {
				if s, ok := decodeJS(a.s, "base64"); ok {
					return jsVal{kind: vStr, s: s, built: true, decoded: true}
				}
			}
		case "decodeURIComponent", "unescape", "decodeURI":
			if a := arg(0); a.kind == vStr && !a.partial {
				if s, err := url.PathUnescape(a.s); err == nil {
					return jsVal{kind: vStr, s: s, built: true}
				}
			}
		case "require":
			if a := arg(0); a.kind == vStr && !a.partial {
				return jsVal{kind: vRef, ref: "module:" + moduleName(a.s), hidden: a.built}
			}
		case "String":
			return arg(0)
		case "module:path.join", "module:path.resolve", "module:path.posix.join", "module:path.posix.resolve", "module:path.win32.join":
			// Paths built from parts, so that path rules see
			// homedir/.openclaw/openclaw.json as one path.
			v := jsVal{kind: vStr, built: true}
			var parts []string
			for i := range args {
				s, ok := arg(i).asString()
				parts, v.partial = append(parts, s), v.partial || !ok
			}
			v.s = leaveSkillDir(strings.Join(parts, "/"))
			return v
		case "module:path.dirname", "module:url.fileURLToPath", "module:path.normalize":
			if a := arg(0); underSkillDir(a) {
				return skillDirValue()
			}
		case "module:os.homedir", "module:os.tmpdir", "module:os.userInfo":
			return jsVal{kind: vStr, s: hole, partial: true}
		}
		if strings.HasPrefix(callee.ref, "wrap:") {
			// A helper such as (name) => require(name).
			inner := strings.TrimPrefix(callee.ref, "wrap:")
			if inner == "require" {
				if a := arg(0); a.kind == vStr && !a.partial {
					return jsVal{kind: vRef, ref: "module:" + moduleName(a.s), hidden: true}
				}
			}
		}
	}
	return jsVal{}
}

// isCharCodeMapper recognises c => String.fromCharCode(c).
func (e *jsEnv) isCharCodeMapper(n node) bool {
	if n.typ() != "arrow_function" && n.typ() != "function_expression" {
		return false
	}
	return strings.Contains(n.text(), "String.fromCharCode")
}

func splitChars(s string) []jsVal {
	var out []jsVal
	for _, r := range s {
		out = append(out, jsVal{kind: vStr, s: string(r), built: true})
	}
	return out
}

// moduleName normalises a module specifier: "node:fs" is "fs",
// "fs/promises" stays.
func moduleName(s string) string {
	return strings.TrimPrefix(s, "node:")
}

// decodeJS decodes what Buffer.from and atob accept.
func decodeJS(s, enc string) (string, bool) {
	var b []byte
	var err error
	switch strings.ToLower(enc) {
	case "base64", "base64url":
		s = strings.TrimRight(strings.Map(func(r rune) rune {
			switch r {
			case '-':
				return '+'
			case '_':
				return '/'
			case ' ', '\n', '\r', '\t':
				return -1
			}
			return r
		}, s), "=")
		b, err = base64.RawStdEncoding.DecodeString(s)
	case "hex":
		b, err = hex.DecodeString(s)
	case "utf8", "utf-8", "ascii", "latin1", "binary":
		return s, true
	default:
		return "", false
	}
	if err != nil || !utf8.Valid(b) {
		return "", false
	}
	return string(b), true
}

// jsString decodes a JavaScript string literal with its quotes. Escapes
// that spell letters or digits mark the value as built, since nobody writes
// "\x65val" by hand except to hide it.
func jsString(lit string) jsVal {
	if len(lit) < 2 {
		return jsVal{}
	}
	body := lit[1 : len(lit)-1]
	if !strings.Contains(body, `\`) {
		return str(body)
	}
	var b strings.Builder
	built := false
	for i := 0; i < len(body); i++ {
		c := body[i]
		if c != '\\' || i+1 >= len(body) {
			b.WriteByte(c)
			continue
		}
		i++
		esc := body[i]
		var r rune = -1
		switch esc {
		case 'n':
			r = '\n'
		case 't':
			r = '\t'
		case 'r':
			r = '\r'
		case 'b':
			r = '\b'
		case 'f':
			r = '\f'
		case 'v':
			r = '\v'
		case '0':
			r = 0
		case 'x':
			if i+2 < len(body) {
				if v, err := strconv.ParseUint(body[i+1:i+3], 16, 8); err == nil {
					r = rune(v)
					i += 2
				}
			}
		case 'u':
			if i+1 < len(body) && body[i+1] == '{' {
				if j := strings.IndexByte(body[i:], '}'); j > 0 {
					if v, err := strconv.ParseUint(body[i+2:i+j], 16, 32); err == nil {
						r = rune(v)
						i += j
					}
				}
			} else if i+4 < len(body) {
				if v, err := strconv.ParseUint(body[i+1:i+5], 16, 16); err == nil {
					r = rune(v)
					i += 4
				}
			}
		case '\n':
			continue
		default:
			r = rune(esc)
		}
		if r < 0 {
			b.WriteByte(esc)
			continue
		}
		if (esc == 'x' || esc == 'u') && (r >= 'a' && r <= 'z' || r >= 'A' && r <= 'Z' || r >= '0' && r <= '9' || r == '_') {
			built = true
		}
		b.WriteRune(r)
	}
	return jsVal{kind: vStr, s: b.String(), built: built}
}

// template folds a template literal; substitutions that do not fold
// become holes.
func (e *jsEnv) template(n node) jsVal {
	start, end := n.start()+1, n.end()-1
	if end < start {
		return jsVal{}
	}
	var b strings.Builder
	partial, built := false, false
	pos := start
	for _, c := range n.namedChildren() {
		if c.typ() != "template_substitution" {
			continue
		}
		b.WriteString(rawTemplate(e.src[pos:c.start()]))
		inner := e.eval(c.namedChild(0))
		s, ok := inner.asString()
		b.WriteString(s)
		partial = partial || !ok
		built = true
		pos = c.end()
	}
	if pos <= end {
		b.WriteString(rawTemplate(e.src[pos:end]))
	}
	return jsVal{kind: vStr, s: b.String(), partial: partial, built: built}
}

func rawTemplate(b []byte) string {
	if !strings.Contains(string(b), `\`) {
		return string(b)
	}
	return jsString("`" + string(b) + "`").s
}
