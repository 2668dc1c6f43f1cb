package sanitizer

import (
	"bytes"
	"encoding/binary"
	"encoding/json"
	"fmt"
	"slices"
	"strconv"
	"strings"
	"unicode/utf16"
	"unicode/utf8"
)

// BodyError says why a request body cannot be inspected. Its message is
// written for the API client and is safe to return in a 400 answer.
type BodyError struct {
	Field  string // JSON path of the offending value, empty for the body as a whole
	Reason string
}

func (e *BodyError) Error() string {
	if e.Field == "" {
		return "request body " + e.Reason
	}
	return "request body field " + e.Field + " " + e.Reason
}

func bodyErr(field, format string, args ...any) *BodyError {
	return &BodyError{Field: field, Reason: fmt.Sprintf(format, args...)}
}

type kind uint8

const (
	kindNull kind = iota
	kindBool
	kindNumber
	kindString
	kindArray
	kindObject
)

func (k kind) String() string {
	return [...]string{"null", "a boolean", "a number", "a string", "an array", "an object"}[k]
}

// node is one JSON value with the byte span it came from, so that a rewrite
// can replace exactly one string and leave every other byte alone.
type node struct {
	kind       kind
	str        string // decoded value of a string
	start, end int    // byte span of the value in the body
	keys       []string
	elems      []*node // object values (parallel to keys) or array elements
}

// get returns the value of key in an object, or nil.
func (n *node) get(key string) *node {
	for i, k := range n.keys {
		if k == key {
			return n.elems[i]
		}
	}
	return nil
}

// parseBody parses a request body strictly: one JSON object, valid UTF-8, no
// duplicate keys, no lone surrogate escapes, nesting at most maxDepth. These
// are the places where parsers disagree, and the guard must judge the same
// document the gateway will read.
//
// It reads the body in one pass, without a token per value, and builds the
// JSON path of a value only for an error message. It accepts exactly what
// the encoding/json token walk it replaced accepted and builds the same
// tree; that walk is kept as the oracle of a differential fuzz target
// (body_oracle_test.go).
func parseBody(in []byte, maxDepth int) (*node, error) {
	if !utf8.Valid(in) {
		return nil, bodyErr("", "is not valid UTF-8 (first bad byte at offset %d); send UTF-8 JSON", invalidUTF8At(in))
	}
	p := &bodyParser{in: in, maxDepth: maxDepth}
	p.ws()
	root, err := p.value(0)
	if err != nil {
		return nil, err
	}
	if root.kind != kindObject {
		return nil, bodyErr("", "must be a JSON object, not %s", root.kind)
	}
	if p.ws(); p.i < len(in) {
		return nil, bodyErr("", "has data after the JSON object (offset %d); send exactly one JSON object", p.i)
	}
	return root, nil
}

// bodyParser is the state of one parseBody.
type bodyParser struct {
	in       []byte
	i        int // next byte to read
	maxDepth int
	path     []pathSeg // where the value being read is, for error messages
	nodes    []node    // allocated in blocks
	keys     []string  // members of the open objects, innermost last
	elems    []*node   // values of the open containers, innermost last
	scratch  []byte    // decoding a string with escapes
}

// pathSeg is one step of a JSON path: an object key, or an array index
// when key is empty and idx >= 0.
type pathSeg struct {
	key string
	idx int
}

// pathString renders the path of the value being read, as the walker
// names fields: messages[2].content.
func (p *bodyParser) pathString() string {
	var b strings.Builder
	for _, s := range p.path {
		if s.idx >= 0 {
			b.WriteByte('[')
			b.WriteString(strconv.Itoa(s.idx))
			b.WriteByte(']')
			continue
		}
		if b.Len() > 0 {
			b.WriteByte('.')
		}
		b.WriteString(s.key)
	}
	return orTop(b.String())
}

func (p *bodyParser) newNode(k kind, start int) *node {
	if len(p.nodes) == cap(p.nodes) {
		// A small first block: a one-message chat body has six values.
		p.nodes = make([]node, 0, min(8+2*cap(p.nodes), 64))
	}
	p.nodes = append(p.nodes, node{kind: k, start: start})
	return &p.nodes[len(p.nodes)-1]
}

func (p *bodyParser) ws() {
	for p.i < len(p.in) {
		switch p.in[p.i] {
		case ' ', '\t', '\n', '\r':
			p.i++
		default:
			return
		}
	}
}

// early is the error of a body that ends inside a value.
func (p *bodyParser) early() error {
	return bodyErr("", "ends early; send one complete JSON object")
}

// syntax is the error of an unexpected byte at p.i (or the end of the
// body), read while looking for what.
func (p *bodyParser) syntax(what string) error {
	if p.i >= len(p.in) {
		return p.early()
	}
	r, _ := utf8.DecodeRune(p.in[p.i:])
	return bodyErr("", "is not valid JSON at offset %d: invalid character %q %s", p.i, r, what)
}

// value reads the value at p.i (whitespace already skipped); depth is the
// nesting of the value, 0 for the body itself.
func (p *bodyParser) value(depth int) (*node, error) {
	if p.i >= len(p.in) {
		return nil, p.early()
	}
	start := p.i
	switch c := p.in[p.i]; c {
	case '{', '[':
		if depth >= p.maxDepth {
			return nil, bodyErr(p.pathString(), "nests deeper than %d levels; flatten the request", p.maxDepth)
		}
		if c == '[' {
			return p.array(depth)
		}
		return p.object(depth)
	case '"':
		s, lone, err := p.str()
		if err != nil {
			return nil, err
		}
		if lone != 0 {
			return nil, bodyErr(p.pathString(), "%v", loneSurrogate(lone))
		}
		n := p.newNode(kindString, start)
		n.str, n.end = s, p.i
		return n, nil
	case 't':
		return p.literal("true", kindBool)
	case 'f':
		return p.literal("false", kindBool)
	case 'n':
		return p.literal("null", kindNull)
	}
	if err := p.number(); err != nil {
		return nil, err
	}
	n := p.newNode(kindNumber, start)
	n.end = p.i
	return n, nil
}

func (p *bodyParser) literal(lit string, k kind) (*node, error) {
	start := p.i
	for j := 0; j < len(lit); j++ {
		if p.i >= len(p.in) {
			return nil, p.early()
		}
		if p.in[p.i] != lit[j] {
			return nil, p.syntax("in literal " + lit)
		}
		p.i++
	}
	n := p.newNode(k, start)
	n.end = p.i
	return n, nil
}

func isDigit(c byte) bool { return c >= '0' && c <= '9' }

// number reads a number as RFC 8259 spells it:
// -?(0|[1-9][0-9]*)(\.[0-9]+)?([eE][+-]?[0-9]+)?
func (p *bodyParser) number() error {
	in := p.in
	minus := in[p.i] == '-'
	if minus {
		p.i++
	}
	switch {
	case p.i >= len(in):
		return p.early()
	case in[p.i] == '0':
		p.i++
	case in[p.i] >= '1' && in[p.i] <= '9':
		for p.i++; p.i < len(in) && isDigit(in[p.i]); p.i++ {
		}
	case minus:
		return p.syntax("in numeric literal")
	default:
		return p.syntax("looking for beginning of value")
	}
	if p.i < len(in) && in[p.i] == '.' {
		p.i++
		if err := p.digits(); err != nil {
			return err
		}
	}
	if p.i < len(in) && (in[p.i] == 'e' || in[p.i] == 'E') {
		p.i++
		if p.i < len(in) && (in[p.i] == '+' || in[p.i] == '-') {
			p.i++
		}
		return p.digits()
	}
	return nil
}

// digits reads one or more decimal digits.
func (p *bodyParser) digits() error {
	if p.i >= len(p.in) || !isDigit(p.in[p.i]) {
		return p.syntax("in numeric literal")
	}
	for p.i++; p.i < len(p.in) && isDigit(p.in[p.i]); p.i++ {
	}
	return nil
}

// str reads the string at p.i and returns it decoded. lone is the first
// lone surrogate escape in it (0 when there is none), which the caller
// refuses with the path it knows.
func (p *bodyParser) str() (s string, lone rune, err error) {
	in := p.in
	start := p.i + 1
	i := start
	i = plainRun(in, i)
	if i < len(in) && in[i] == '"' {
		p.i = i + 1
		return string(in[start:i]), 0, nil
	}
	buf := append(p.scratch[:0], in[start:i]...) // reused: only the string is kept
	defer func() { p.scratch = buf }()
	for {
		if i >= len(in) {
			p.i = i
			return "", 0, p.early()
		}
		switch c := in[i]; {
		case c == '"':
			p.i = i + 1
			return string(buf), lone, nil
		case c < 0x20:
			p.i = i
			return "", 0, p.syntax("in string literal")
		case c == '\\':
			if i+1 >= len(in) {
				p.i = i + 1
				return "", 0, p.early()
			}
			switch e := in[i+1]; e {
			case '"', '\\', '/':
				buf = append(buf, e)
			case 'b':
				buf = append(buf, '\b')
			case 'f':
				buf = append(buf, '\f')
			case 'n':
				buf = append(buf, '\n')
			case 'r':
				buf = append(buf, '\r')
			case 't':
				buf = append(buf, '\t')
			case 'u':
				r, ok := hex4(in, i+2)
				if !ok {
					p.i = i + 2
					return "", 0, p.hexErr()
				}
				if r >= 0xD800 && r < 0xE000 {
					lo := rune(-1)
					if r < 0xDC00 && i+11 < len(in) && in[i+6] == '\\' && in[i+7] == 'u' {
						lo, _ = hex4(in, i+8)
					}
					if lo >= 0xDC00 && lo < 0xE000 {
						r = utf16.DecodeRune(r, lo)
						i += 6
					} else {
						// Go would read it as U+FFFD and JavaScript keep the
						// lone half: the two would see different text. The
						// rest of the string must still be valid JSON.
						if lone == 0 {
							lone = r
						}
						r = utf8.RuneError
					}
				}
				buf = utf8.AppendRune(buf, r)
				i += 6
				continue
			default:
				p.i = i + 1
				return "", 0, p.syntax("in string escape code")
			}
			i += 2
		default:
			j := plainRun(in, i+1)
			buf = append(buf, in[i:j]...)
			i = j
		}
	}
}

// strStop marks the bytes that end a plain run in a string: the quote, the
// backslash and the control characters.
var strStop = func() (t [256]bool) {
	for c := range 0x20 {
		t[c] = true
	}
	t['"'], t['\\'] = true, true
	return t
}()

// plainRun returns the offset of the first byte at or after i that ends a
// plain run in a string (strStop), or len(in). It tests eight bytes at a
// time: prose is long runs of plain bytes.
func plainRun(in []byte, i int) int {
	for {
		for i+8 <= len(in) && !hasStop(binary.LittleEndian.Uint64(in[i:])) {
			i += 8
		}
		// The word holds a stop byte (or is a false alarm, or is short).
		for end := min(i+8, len(in)); i < end; i++ {
			if strStop[in[i]] {
				return i
			}
		}
		if i == len(in) {
			return i
		}
	}
}

// hasStop reports whether one of the eight bytes of w may be a stop byte:
// below 0x20, a quote or a backslash. It never misses one; a borrow can
// make it report one that is not there, which plainRun checks byte by byte.
func hasStop(w uint64) bool {
	const ones, highs = 0x0101010101010101, 0x8080808080808080
	q, b := w^(ones*'"'), w^(ones*'\\')
	return ((w-ones*0x20)&^w|(q-ones)&^q|(b-ones)&^b)&highs != 0
}

// hexErr is the error of a \u escape without four hex digits at p.i.
func (p *bodyParser) hexErr() error {
	for j := 0; j < 4; j++ {
		if p.i >= len(p.in) {
			return p.early()
		}
		if _, ok := hexVal(p.in[p.i]); !ok {
			return p.syntax("in \\u hexadecimal character escape")
		}
		p.i++
	}
	return p.early()
}

func hexVal(c byte) (rune, bool) {
	switch {
	case c >= '0' && c <= '9':
		return rune(c - '0'), true
	case c >= 'a' && c <= 'f':
		return rune(c - 'a' + 10), true
	case c >= 'A' && c <= 'F':
		return rune(c - 'A' + 10), true
	}
	return 0, false
}

// hex4 decodes the four hex digits at in[i:].
func hex4(in []byte, i int) (rune, bool) {
	if i+4 > len(in) {
		return 0, false
	}
	var r rune
	for _, c := range in[i : i+4] {
		v, ok := hexVal(c)
		if !ok {
			return 0, false
		}
		r = r<<4 | v
	}
	return r, true
}

func loneSurrogate(r rune) error {
	return fmt.Errorf("a lone surrogate escape \\u%04X; send valid UTF-16 pairs or plain UTF-8", r)
}

func (p *bodyParser) array(depth int) (*node, error) {
	n := p.newNode(kindArray, p.i)
	p.i++
	base := len(p.elems)
	p.ws()
	if p.i < len(p.in) && p.in[p.i] == ']' {
		p.i++
		n.end = p.i
		return n, nil
	}
	p.path = append(p.path, pathSeg{idx: 0})
	for idx := 0; ; idx++ {
		p.path[len(p.path)-1].idx = idx
		child, err := p.value(depth + 1)
		if err != nil {
			return nil, err
		}
		p.elems = append(p.elems, child)
		p.ws()
		if p.i >= len(p.in) {
			return nil, p.early()
		}
		switch p.in[p.i] {
		case ',':
			p.i++
			p.ws()
			continue
		case ']':
			p.i++
		default:
			return nil, p.syntax("after array element")
		}
		break
	}
	p.path = p.path[:len(p.path)-1]
	n.elems = slices.Clone(p.elems[base:])
	p.elems = p.elems[:base]
	n.end = p.i
	return n, nil
}

func (p *bodyParser) object(depth int) (*node, error) {
	n := p.newNode(kindObject, p.i)
	p.i++
	base, ebase := len(p.keys), len(p.elems)
	var seen map[string]bool // only for large objects; small ones are scanned
	p.ws()
	if p.i < len(p.in) && p.in[p.i] == '}' {
		p.i++
		n.end = p.i
		return n, nil
	}
	for {
		if p.i >= len(p.in) {
			return nil, p.early()
		}
		if p.in[p.i] != '"' {
			return nil, p.syntax("looking for beginning of object key string")
		}
		key, lone, err := p.str()
		if err != nil {
			return nil, err
		}
		if lone != 0 {
			return nil, bodyErr(p.pathString(), "has a key with %v", loneSurrogate(lone))
		}
		members := p.keys[base:]
		dup := false
		if seen != nil {
			dup = seen[key]
			seen[key] = true
		} else {
			dup = slices.Contains(members, key)
			if len(members) >= 16 {
				seen = make(map[string]bool, 2*len(members))
				for _, k := range members {
					seen[k] = true
				}
				seen[key] = true
			}
		}
		if dup {
			return nil, bodyErr(p.pathString(), "has the key %q twice; parsers disagree on which copy wins, so send each key once", key)
		}
		p.ws()
		if p.i >= len(p.in) {
			return nil, p.early()
		}
		if p.in[p.i] != ':' {
			return nil, p.syntax("after object key")
		}
		p.i++
		p.ws()
		p.path = append(p.path, pathSeg{key: key, idx: -1})
		child, err := p.value(depth + 1)
		if err != nil {
			return nil, err
		}
		p.path = p.path[:len(p.path)-1]
		p.keys = append(p.keys, key)
		p.elems = append(p.elems, child)
		p.ws()
		if p.i >= len(p.in) {
			return nil, p.early()
		}
		switch p.in[p.i] {
		case ',':
			p.i++
			p.ws()
			continue
		case '}':
			p.i++
		default:
			return nil, p.syntax("after object key:value pair")
		}
		break
	}
	n.keys = slices.Clone(p.keys[base:])
	n.elems = slices.Clone(p.elems[ebase:])
	p.keys, p.elems = p.keys[:base], p.elems[:ebase]
	n.end = p.i
	return n, nil
}

func invalidUTF8At(b []byte) int {
	for i := 0; i < len(b); {
		r, size := utf8.DecodeRune(b[i:])
		if r == utf8.RuneError && size == 1 {
			return i
		}
		i += size
	}
	return len(b)
}

func orTop(path string) string {
	if path == "" {
		return "(top level)"
	}
	return path
}

func join(path, key string) string {
	if path == "" {
		return key
	}
	return path + "." + key
}

// edit replaces one string value in the body.
type edit struct {
	n    *node
	text string
}

// rewrite applies edits to in, re-encoding only the edited strings.
func rewrite(in []byte, edits []edit) []byte {
	out := make([]byte, 0, len(in))
	pos := 0
	var buf bytes.Buffer
	enc := json.NewEncoder(&buf)
	enc.SetEscapeHTML(false)
	slices.SortFunc(edits, func(a, b edit) int { return a.n.start - b.n.start })
	for _, e := range edits {
		out = append(out, in[pos:e.n.start]...)
		buf.Reset()
		_ = enc.Encode(e.text) // encoding a string cannot fail
		out = append(out, bytes.TrimSuffix(buf.Bytes(), []byte("\n"))...)
		pos = e.n.end
	}
	return append(out, in[pos:]...)
}
