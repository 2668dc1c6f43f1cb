package posture

import (
	"errors"
	"fmt"
	"math"
	"strconv"
	"strings"
	"unicode"
	"unicode/utf8"
)

// OpenClaw reads openclaw.json with the npm json5 package (2.x). No Go JSON5
// library is both maintained and complete (titanous/json5 and its forks stopped
// in 2016-2020; yosuke-furukawa/json5 lacks block comments, hex numbers and
// line continuations), and none reports positions, which every finding needs.
// So this is a JSON5 1.0 parser that keeps the line of every value and key. It
// follows json5 2.2.3: a later duplicate key wins, Infinity and NaN are
// numbers, and any Unicode space separator is white space. TestJSON5MatchesNPM
// compares it with the json5 package OpenClaw ships; FuzzParseJSON5 runs it on
// arbitrary input.

// Kind is the type of a JSON5 value.
type Kind int

// The kinds of JSON5 values.
const (
	Null Kind = iota
	Bool
	Number
	String
	Array
	Object
)

// Value is one parsed JSON5 value and the line it starts on.
type Value struct {
	Kind    Kind
	Line    int
	Bool    bool
	Num     float64
	Str     string
	Items   []*Value
	Members []Member // in file order; Get returns the last of equal keys
}

// Member is an object key, its line and its value.
type Member struct {
	Key     string
	KeyLine int
	Value   *Value
}

// Get follows a path of object keys. It returns nil when a step is missing or
// not an object.
func (v *Value) Get(path ...string) *Value {
	for _, k := range path {
		if v == nil || v.Kind != Object {
			return nil
		}
		var found *Value
		for i := len(v.Members) - 1; i >= 0; i-- {
			if v.Members[i].Key == k {
				found = v.Members[i].Value
				break
			}
		}
		v = found
	}
	return v
}

// String returns the value if it is a string, else "".
func (v *Value) String() string {
	if v == nil || v.Kind != String {
		return ""
	}
	return v.Str
}

// IsTrue and IsFalse tell whether v is that boolean (a missing value is neither).
func (v *Value) IsTrue() bool  { return v != nil && v.Kind == Bool && v.Bool }
func (v *Value) IsFalse() bool { return v != nil && v.Kind == Bool && !v.Bool }

// Strings returns the string items of an array (nil if v is not an array).
func (v *Value) Strings() []string {
	if v == nil || v.Kind != Array {
		return nil
	}
	out := make([]string, 0, len(v.Items))
	for _, it := range v.Items {
		if it.Kind == String {
			out = append(out, it.Str)
		}
	}
	return out
}

// LineOr returns v's line, or def when v is nil.
func (v *Value) LineOr(def int) int {
	if v == nil {
		return def
	}
	return v.Line
}

// Interface converts v to encoding/json's generic form (NaN and infinities
// become nil, as JSON.stringify writes them).
func (v *Value) Interface() any {
	switch v.Kind {
	case Bool:
		return v.Bool
	case Number:
		if math.IsNaN(v.Num) || math.IsInf(v.Num, 0) {
			return nil
		}
		return v.Num
	case String:
		return v.Str
	case Array:
		out := make([]any, len(v.Items))
		for i, it := range v.Items {
			out[i] = it.Interface()
		}
		return out
	case Object:
		out := make(map[string]any, len(v.Members))
		for _, m := range v.Members {
			out[m.Key] = m.Value.Interface()
		}
		return out
	}
	return nil
}

// SyntaxError is a JSON5 syntax error at a line and column.
type SyntaxError struct {
	Line, Column int
	Msg          string
}

func (e *SyntaxError) Error() string {
	return fmt.Sprintf("line %d, column %d: %s", e.Line, e.Column, e.Msg)
}

const maxJSON5Depth = 500

// ParseJSON5 parses one JSON5 document.
func ParseJSON5(src []byte) (*Value, error) {
	if !utf8.Valid(src) {
		return nil, &SyntaxError{Line: 1, Column: 1, Msg: "the file is not valid UTF-8"}
	}
	p := &json5Parser{src: string(src), line: 1, col: 1}
	p.skipSpace()
	if p.err != nil {
		return nil, p.err
	}
	v := p.value(0)
	if p.err != nil {
		return nil, p.err
	}
	p.skipSpace()
	if p.err == nil && p.pos < len(p.src) {
		p.fail("unexpected %s after the value", p.describe())
	}
	if p.err != nil {
		return nil, p.err
	}
	return v, nil
}

type json5Parser struct {
	src       string
	pos       int
	line, col int
	err       *SyntaxError
}

func (p *json5Parser) fail(format string, args ...any) {
	if p.err == nil {
		p.err = &SyntaxError{Line: p.line, Column: p.col, Msg: fmt.Sprintf(format, args...)}
	}
}

func (p *json5Parser) peek() (rune, int) {
	if p.pos >= len(p.src) {
		return -1, 0
	}
	return utf8.DecodeRuneInString(p.src[p.pos:])
}

func (p *json5Parser) next() rune {
	r, n := p.peek()
	if n == 0 {
		return -1
	}
	p.pos += n
	if r == '\n' {
		p.line++
		p.col = 1
	} else {
		p.col++
	}
	return r
}

func (p *json5Parser) describe() string {
	r, n := p.peek()
	if n == 0 {
		return "end of input"
	}
	return strconv.QuoteRune(r)
}

func isJSON5Space(r rune) bool {
	switch r {
	case '\t', '\v', '\f', ' ', '\u00a0', '\ufeff', '\n', '\r', '\u2028', '\u2029':
		return true
	}
	return unicode.Is(unicode.Zs, r)
}

func isLineTerminator(r rune) bool {
	return r == '\n' || r == '\r' || r == '\u2028' || r == '\u2029'
}

func (p *json5Parser) skipSpace() {
	for p.err == nil {
		r, n := p.peek()
		switch {
		case n == 0:
			return
		case isJSON5Space(r):
			p.next()
		case r == '/' && strings.HasPrefix(p.src[p.pos:], "//"):
			for {
				r, n := p.peek()
				if n == 0 || isLineTerminator(r) {
					break
				}
				p.next()
			}
		case r == '/' && strings.HasPrefix(p.src[p.pos:], "/*"):
			p.next()
			p.next()
			for {
				if strings.HasPrefix(p.src[p.pos:], "*/") {
					p.next()
					p.next()
					break
				}
				if p.next() < 0 {
					p.fail("unterminated block comment")
					return
				}
			}
		default:
			return
		}
	}
}

func (p *json5Parser) value(depth int) *Value {
	if depth > maxJSON5Depth {
		p.fail("nesting deeper than %d", maxJSON5Depth)
		return nil
	}
	r, n := p.peek()
	line := p.line
	switch {
	case n == 0:
		p.fail("unexpected end of input, want a value")
	case r == '{':
		return p.object(depth)
	case r == '[':
		return p.array(depth)
	case r == '"' || r == '\'':
		s := p.str()
		return &Value{Kind: String, Line: line, Str: s}
	case r == '-' || r == '+' || r == '.' || r == 'I' || r == 'N' || (r >= '0' && r <= '9'):
		f := p.number()
		return &Value{Kind: Number, Line: line, Num: f}
	case p.literal("null"):
		return &Value{Kind: Null, Line: line}
	case p.literal("true"):
		return &Value{Kind: Bool, Line: line, Bool: true}
	case p.literal("false"):
		return &Value{Kind: Bool, Line: line}
	default:
		p.fail("unexpected %s, want a value", p.describe())
	}
	return nil
}

// literal consumes word when it is not followed by an identifier character.
func (p *json5Parser) literal(word string) bool {
	if !strings.HasPrefix(p.src[p.pos:], word) {
		return false
	}
	if r, n := utf8.DecodeRuneInString(p.src[p.pos+len(word):]); n > 0 && isIDContinue(r) {
		return false
	}
	for range word {
		p.next()
	}
	return true
}

func (p *json5Parser) object(depth int) *Value {
	v := &Value{Kind: Object, Line: p.line}
	p.next() // {
	for p.err == nil {
		p.skipSpace()
		r, n := p.peek()
		if n == 0 {
			p.fail("unterminated object that starts on line %d", v.Line)
			break
		}
		if r == '}' {
			p.next()
			return v
		}
		keyLine := p.line
		var key string
		if r == '"' || r == '\'' {
			key = p.str()
		} else {
			key = p.ident()
		}
		p.skipSpace()
		if r, _ := p.peek(); r != ':' {
			p.fail("unexpected %s after key %q, want ':'", p.describe(), key)
			break
		}
		p.next()
		p.skipSpace()
		val := p.value(depth + 1)
		if p.err != nil {
			break
		}
		v.Members = append(v.Members, Member{Key: key, KeyLine: keyLine, Value: val})
		p.skipSpace()
		switch r, _ := p.peek(); r {
		case ',':
			p.next()
		case '}':
		default:
			if _, n := p.peek(); n == 0 {
				p.fail("unterminated object that starts on line %d", v.Line)
			} else {
				p.fail("unexpected %s in object, want ',' or '}'", p.describe())
			}
		}
	}
	return nil
}

func (p *json5Parser) array(depth int) *Value {
	v := &Value{Kind: Array, Line: p.line}
	p.next() // [
	for p.err == nil {
		p.skipSpace()
		r, n := p.peek()
		if n == 0 {
			p.fail("unterminated array that starts on line %d", v.Line)
			break
		}
		if r == ']' {
			p.next()
			return v
		}
		it := p.value(depth + 1)
		if p.err != nil {
			break
		}
		v.Items = append(v.Items, it)
		p.skipSpace()
		switch r, _ := p.peek(); r {
		case ',':
			p.next()
		case ']':
		default:
			if _, n := p.peek(); n == 0 {
				p.fail("unterminated array that starts on line %d", v.Line)
			} else {
				p.fail("unexpected %s in array, want ',' or ']'", p.describe())
			}
		}
	}
	return nil
}

func isIDStart(r rune) bool {
	return r == '$' || r == '_' || unicode.In(r, unicode.L, unicode.Nl, unicode.Other_ID_Start)
}

func isIDContinue(r rune) bool {
	return isIDStart(r) || r == '\u200c' || r == '\u200d' ||
		unicode.In(r, unicode.Mn, unicode.Mc, unicode.Nd, unicode.Pc, unicode.Other_ID_Continue)
}

// ident reads an ECMAScript IdentifierName, with \uXXXX escapes.
func (p *json5Parser) ident() string {
	var b strings.Builder
	for first := true; p.err == nil; first = false {
		r, n := p.peek()
		if r == '\\' {
			p.next()
			if p.next() != 'u' {
				p.fail("invalid escape in identifier, want \\uXXXX")
				return ""
			}
			r = p.hex(4)
		} else if n == 0 || !(first && isIDStart(r) || !first && isIDContinue(r)) {
			if first {
				p.fail("unexpected %s, want a key", p.describe())
			}
			return b.String()
		} else {
			p.next()
		}
		if first && !isIDStart(r) || !first && !isIDContinue(r) {
			p.fail("invalid identifier character %q", r)
			return ""
		}
		b.WriteRune(r)
	}
	return ""
}

func (p *json5Parser) hex(digits int) rune {
	var r rune
	for range digits {
		c := p.next()
		var d rune
		switch {
		case c >= '0' && c <= '9':
			d = c - '0'
		case c >= 'a' && c <= 'f':
			d = c - 'a' + 10
		case c >= 'A' && c <= 'F':
			d = c - 'A' + 10
		default:
			p.fail("invalid hexadecimal escape")
			return 0
		}
		r = r<<4 | d
	}
	return r
}

func (p *json5Parser) str() string {
	quote := p.next()
	startLine := p.line
	var units []uint16 // JavaScript strings are UTF-16; escapes may pair surrogates
	add := func(r rune) {
		if r >= 0x10000 {
			r1, r2 := utf16Pair(r)
			units = append(units, r1, r2)
		} else {
			units = append(units, uint16(r))
		}
	}
	for p.err == nil {
		r := p.next()
		switch {
		case r < 0:
			p.fail("unterminated string that starts on line %d", startLine)
		case r == quote:
			return decodeUTF16(units)
		case r == '\n' || r == '\r':
			p.fail("line break inside a string (escape it as \\n)")
		case r == '\\':
			c := p.next()
			switch c {
			case 'b':
				add('\b')
			case 'f':
				add('\f')
			case 'n':
				add('\n')
			case 'r':
				add('\r')
			case 't':
				add('\t')
			case 'v':
				add('\v')
			case '0':
				if r, _ := p.peek(); r >= '0' && r <= '9' {
					p.fail("octal escapes are not allowed")
				}
				add(0)
			case 'x':
				add(p.hex(2))
			case 'u':
				units = append(units, uint16(p.hex(4)))
			case '\n', '\u2028', '\u2029':
			case '\r':
				if r, _ := p.peek(); r == '\n' {
					p.next()
				}
			case -1:
				p.fail("unterminated string that starts on line %d", startLine)
			default:
				if c >= '1' && c <= '9' {
					p.fail("invalid escape \\%c", c)
				}
				add(c)
			}
		default:
			add(r)
		}
	}
	return ""
}

func utf16Pair(r rune) (uint16, uint16) {
	r -= 0x10000
	return uint16(0xd800 + (r>>10)&0x3ff), uint16(0xdc00 + r&0x3ff)
}

// decodeUTF16 turns UTF-16 code units into Go text; a lone surrogate becomes
// U+FFFD, as it would when OpenClaw writes the string out as UTF-8.
func decodeUTF16(u []uint16) string {
	var b strings.Builder
	for i := 0; i < len(u); i++ {
		c := rune(u[i])
		if c >= 0xd800 && c < 0xdc00 && i+1 < len(u) && u[i+1] >= 0xdc00 && u[i+1] < 0xe000 {
			b.WriteRune(0x10000 + (c-0xd800)<<10 + rune(u[i+1]) - 0xdc00)
			i++
			continue
		}
		if c >= 0xd800 && c < 0xe000 {
			c = utf8.RuneError
		}
		b.WriteRune(c)
	}
	return b.String()
}

var errNumber = errors.New("invalid number")

func (p *json5Parser) number() float64 {
	start, startLine, startCol := p.pos, p.line, p.col
	sign := 1.0
	if r, _ := p.peek(); r == '+' || r == '-' {
		if r == '-' {
			sign = -1
		}
		p.next()
	}
	switch {
	case p.literal("Infinity"):
		return sign * math.Inf(1)
	case p.literal("NaN"):
		return math.NaN()
	}
	body := p.pos
	if strings.HasPrefix(p.src[p.pos:], "0x") || strings.HasPrefix(p.src[p.pos:], "0X") {
		p.next()
		p.next()
		digits := p.pos
		for r, _ := p.peek(); isHexDigit(r); r, _ = p.peek() {
			p.next()
		}
		if p.pos == digits {
			p.fail("hexadecimal number without digits")
			return 0
		}
		n, err := strconv.ParseUint(p.src[digits:p.pos], 16, 64)
		f := float64(n)
		if err != nil { // more than 64 bits: JavaScript still reads it, rounded
			f = 0
			for _, c := range p.src[digits:p.pos] {
				f = f*16 + float64(hexVal(c))
			}
		}
		return p.endNumber(sign * f)
	}
	intDigits := p.digits()
	if intDigits > 1 && p.src[body] == '0' {
		if p.err == nil {
			p.err = &SyntaxError{Line: startLine, Column: startCol, Msg: "numbers may not have leading zeros"}
		}
		return 0
	}
	fracDigits := 0
	if r, _ := p.peek(); r == '.' {
		p.next()
		fracDigits = p.digits()
	}
	if intDigits == 0 && fracDigits == 0 {
		p.fail("invalid number")
		return 0
	}
	if r, _ := p.peek(); r == 'e' || r == 'E' {
		p.next()
		if r, _ := p.peek(); r == '+' || r == '-' {
			p.next()
		}
		if p.digits() == 0 {
			p.fail("exponent without digits")
			return 0
		}
	}
	f, err := strconv.ParseFloat(strings.TrimPrefix(strings.TrimPrefix(p.src[start:p.pos], "+"), "-"), 64)
	if err != nil && !errors.Is(err, strconv.ErrRange) {
		p.fail("%v", errNumber)
		return 0
	}
	return p.endNumber(sign * f)
}

// endNumber refuses a number that runs into a letter or digit ("1x", "0x1g").
func (p *json5Parser) endNumber(f float64) float64 {
	if r, n := p.peek(); n > 0 && isIDContinue(r) {
		p.fail("unexpected %s after a number", p.describe())
	}
	return f
}

func (p *json5Parser) digits() int {
	n := 0
	for r, _ := p.peek(); r >= '0' && r <= '9'; r, _ = p.peek() {
		p.next()
		n++
	}
	return n
}

func isHexDigit(r rune) bool {
	return r >= '0' && r <= '9' || r >= 'a' && r <= 'f' || r >= 'A' && r <= 'F'
}

func hexVal(r rune) int {
	switch {
	case r >= '0' && r <= '9':
		return int(r - '0')
	case r >= 'a' && r <= 'f':
		return int(r-'a') + 10
	}
	return int(r-'A') + 10
}
