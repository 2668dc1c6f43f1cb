package wire

import (
	"bytes"
	"errors"
	"fmt"
	"regexp"
	"slices"
	"strconv"
	"strings"
	"unicode"
	"unicode/utf16"
	"unicode/utf8"

	"github.com/go-json-experiment/json/jsontext"
)

// Origin says who wrote a text in a request: the guard judges what the agent
// did not write (Untrusted) and leaves the rest alone.
type Origin uint8

const (
	OriginSystem     Origin = iota // system, developer, instructions: the agent's configuration
	OriginAssistant                // the model's own earlier turns: text, tool call arguments, reasoning
	OriginUser                     // user turns: the operator, or a message from a channel
	OriginToolResult               // what a tool returned: files, pages, command output
	OriginImageText                // alt text or caption of an image
	OriginUnknown                  // a string in a part or item type the guard does not know
	// OriginToolDef is the text of a tool definition (a description, a
	// parameter's description): the agent's configuration, but written
	// by whoever wrote the tool, a plugin or an MCP server among them,
	// which can change it after it was installed. Judged as system text.
	OriginToolDef
)

var originNames = [...]string{"system", "assistant", "user", "tool_result", "image_text", "unknown", "tool_definition"}

func (o Origin) String() string {
	if int(o) < len(originNames) {
		return originNames[o]
	}
	return "origin(" + strconv.Itoa(int(o)) + ")"
}

// Untrusted reports text the agent did not write itself, which may carry
// instructions aimed at the assistant.
func (o Origin) Untrusted() bool { return o >= OriginUser }

// Text is one string of a request that the guard judges or rewrites.
type Text struct {
	Origin Origin
	// Path is the JSON path of the string, e.g. messages[3].content or
	// input[5].output[0].text.
	Path string
	// CallID is the tool call a tool result answers (tool_call_id,
	// call_id, tool_use_id).
	CallID string
	// Start and End are the byte span of the JSON string literal, quotes
	// included, in the body.
	Start, End int
	// Signed is set for text a provider signs (Anthropic thinking blocks):
	// changing it makes the provider refuse the request.
	Signed bool
	// Value is the decoded string.
	Value string
}

// Item is one element of the history (messages or input).
type Item struct {
	// Start and End are the element's byte span in the body; End is a point
	// where parsing can resume (see ParseFrom).
	Start, End int
	Texts      []Text
}

// Request is a parsed request body: the texts in it, by history element.
type Request struct {
	API    API
	Stream bool
	Model  string
	// Items are the history's elements (messages, input items), in order.
	Items []Item
	// Top are texts outside the history: system, instructions, a string
	// input.
	Top []Text

	// head is the top-level state when the history array was entered, so a
	// parse can resume inside it.
	head *head
	// tools is the tools member as read: its bytes, where they began and
	// the texts found in them, for the next turn's body, which re-sends the
	// same definitions (ParseFrom).
	tools *toolsRead
}

type toolsRead struct {
	raw   []byte
	base  int
	texts []Text
}

// head is what the parser knows when it enters the history array.
type head struct {
	names  map[string]bool // top-level names seen so far, the history's included
	stream bool
	model  string
	top    []Text
}

// BodyError says why a request cannot be inspected. Its message is written
// for the client and is safe to return in a 400 answer.
type BodyError struct {
	Field  string // JSON path of the offending value, "" for the body as a whole
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

// MaxDepth bounds JSON nesting in a request; deeper bodies are refused.
const MaxDepth = 64

// Parse reads a request body strictly: one JSON object, valid UTF-8, no
// duplicate names, no lone surrogate escapes, nesting at most MaxDepth, the
// history an array of objects. These are the places where parsers disagree,
// and the guard must judge the document the provider will read.
func Parse(api API, body []byte) (*Request, error) {
	return ParseFrom(api, body, nil, 0)
}

// ParseFrom parses body reusing the first n history items of prev, a parse
// of a body whose bytes up to prev.Items[n-1].End are the same as body's
// (the caller checks). Parsing is a function of the bytes read, so the state
// at that point is the same; only the rest is read. With prev nil or n 0 it
// is Parse.
func ParseFrom(api API, body []byte, prev *Request, n int) (*Request, error) {
	p := &parser{api: api, body: body, req: &Request{API: api}}
	if prev != nil && n > 0 && n <= len(prev.Items) && prev.head != nil && prev.API == api {
		p.prev = prev
		h := prev.head
		p.req.head = h
		p.req.Stream, p.req.Model = h.stream, h.model
		p.req.Top = append([]Text(nil), h.top...)
		p.req.Items = append(make([]Item, 0, n+8), prev.Items[:n]...)
		p.names = make(map[string]bool, len(h.names)+4)
		for k := range h.names {
			p.names[k] = true
		}
		p.pos = prev.Items[n-1].End
		if p.pos > len(body) {
			return nil, errors.New("wire: ParseFrom past the end of the body")
		}
		if err := p.historyRest(historyKey(api)); err != nil {
			return nil, err
		}
		if err := p.members(true); err != nil {
			return nil, err
		}
		return p.req, nil
	}
	if !utf8.Valid(body) {
		return nil, bodyErr("", "is not valid UTF-8; send UTF-8 JSON")
	}
	p.names = map[string]bool{}
	p.ws()
	if err := p.expect('{', ""); err != nil {
		return nil, bodyErr("", "must be a JSON object")
	}
	p.ws()
	if p.pos < len(body) && body[p.pos] == '}' {
		p.pos++
		return p.req, p.end()
	}
	if err := p.members(false); err != nil {
		return nil, err
	}
	return p.req, nil
}

func historyKey(api API) string {
	if api == Responses {
		return "input"
	}
	return "messages"
}

type parser struct {
	api   API
	body  []byte
	pos   int
	names map[string]bool
	req   *Request
	dec   jsontext.Decoder
	prev  *Request // the request a resumed parse continues (ParseFrom)
	buf   []byte   // unquote's scratch
}

func isWS(c byte) bool { return c == ' ' || c == '\t' || c == '\n' || c == '\r' }

func (p *parser) ws() {
	for p.pos < len(p.body) && isWS(p.body[p.pos]) {
		p.pos++
	}
}

func (p *parser) expect(c byte, field string) error {
	if p.pos >= len(p.body) {
		return bodyErr(field, "ends early; send one complete JSON object")
	}
	if p.body[p.pos] != c {
		return bodyErr(field, "is not valid JSON at offset %d: want %q, found %q", p.pos, c, p.body[p.pos])
	}
	p.pos++
	return nil
}

// end checks that nothing but whitespace follows the top-level object.
func (p *parser) end() error {
	p.ws()
	if p.pos != len(p.body) {
		return bodyErr("", "has data after the JSON object (offset %d); send exactly one JSON object", p.pos)
	}
	return nil
}

// members reads the top-level object's members from p.pos, which is just
// after '{' (afterValue false) or after a member's value (afterValue true).
func (p *parser) members(afterValue bool) error {
	for {
		if afterValue {
			p.ws()
			if p.pos < len(p.body) && p.body[p.pos] == '}' {
				p.pos++
				return p.end()
			}
			if err := p.expect(',', ""); err != nil {
				return err
			}
			p.ws()
		}
		name, err := p.name()
		if err != nil {
			return err
		}
		if p.names[name] {
			return bodyErr(name, "appears twice; send each field once")
		}
		p.names[name] = true
		p.ws()
		if err := p.expect(':', name); err != nil {
			return err
		}
		p.ws()
		if err := p.member(name); err != nil {
			return err
		}
		afterValue = true
	}
}

// reset points the decoder at p.pos.
func (p *parser) reset() int {
	p.dec.Reset(bytes.NewBuffer(p.body[p.pos:]))
	return p.pos
}

// name reads a member name at p.pos.
func (p *parser) name() (string, error) {
	if p.pos >= len(p.body) || p.body[p.pos] != '"' {
		return "", bodyErr("", "is not valid JSON at offset %d: want a member name", p.pos)
	}
	base := p.reset()
	v, err := p.dec.ReadValue()
	if err != nil {
		return "", jsonErr("", base, err)
	}
	p.pos = base + int(p.dec.InputOffset())
	s, err := unquote(v)
	if err != nil {
		return "", jsonErr("", base, err)
	}
	return s, nil
}

// jsonErr turns a decoder error into a BodyError.
func jsonErr(field string, base int, err error) error {
	var se *jsontext.SyntacticError
	if errors.As(err, &se) {
		return bodyErr(field, "is not valid JSON at offset %d: %v", base+int(se.ByteOffset), se.Err)
	}
	return bodyErr(field, "is not valid JSON: %v", err)
}

func unquote(v []byte) (string, error) {
	var buf []byte
	return unquoteBuf(&buf, v)
}

// unquoteBuf is unquote with a buffer kept across calls, so that the string
// is the one allocation (the texts of a history are most of its size).
func unquoteBuf(buf *[]byte, v []byte) (string, error) {
	if len(v) >= 2 && bytes.IndexByte(v, '\\') < 0 {
		return string(v[1 : len(v)-1]), nil
	}
	b, err := jsontext.AppendUnquote(slices.Grow((*buf)[:0], len(v)), v)
	*buf = b
	return string(b), err
}

// member reads one top-level member's value.
func (p *parser) member(name string) error {
	switch {
	case name == historyKey(p.api):
		if p.pos < len(p.body) && p.body[p.pos] == '[' {
			return p.history(name)
		}
		if p.api == Responses {
			// input may be one string: a user turn.
			return p.topTexts(name, OriginUser, true)
		}
		return bodyErr(name, "must be an array")
	case name == "stream":
		base := p.reset()
		tok, err := p.dec.ReadToken()
		if err != nil {
			return jsonErr(name, base, err)
		}
		if k := tok.Kind(); k != 't' && k != 'f' {
			return bodyErr(name, "must be true or false")
		}
		p.req.Stream = tok.Bool()
		p.pos = base + int(p.dec.InputOffset())
	case name == "model":
		base := p.reset()
		v, err := p.dec.ReadValue()
		if err != nil {
			return jsonErr(name, base, err)
		}
		p.pos = base + int(p.dec.InputOffset())
		if v.Kind() == '"' {
			p.req.Model, _ = unquote(v)
		}
	case p.api == Anthropic && name == "system", p.api == Responses && name == "instructions":
		return p.topTexts(name, OriginSystem, false)
	case name == "tools":
		return p.toolDefs(name)
	default:
		base := p.reset()
		if err := p.dec.SkipValue(); err != nil {
			return jsonErr(name, base, err)
		}
		p.pos = base + int(p.dec.InputOffset())
	}
	return nil
}

// topTexts reads a top-level string or array of text blocks.
func (p *parser) topTexts(name string, o Origin, stringOnly bool) error {
	base := p.reset()
	var leaves []leaf
	if err := p.collect(base, name, &leaves); err != nil {
		return err
	}
	p.pos = base + int(p.dec.InputOffset())
	for _, l := range leaves {
		if l.path == name || !stringOnly && strings.HasSuffix(l.path, ".text") {
			t, err := p.text(l, o)
			if err != nil {
				return err
			}
			p.req.Top = append(p.req.Top, t)
		}
	}
	return nil
}

// toolDefs reads the tools array: every string of a definition but its
// identifiers (names, types, formats, patterns, schema references, enum
// values and required property names) is judged as a tool definition.
func (p *parser) toolDefs(name string) error {
	base := p.reset()
	if pr := p.prev; pr != nil && pr.tools != nil {
		// A resumed parse (the next turn of a conversation) re-sends the
		// same definitions: the same bytes are the same complete value,
		// read before, so their texts are the previous ones, moved.
		if end := base + len(pr.tools.raw); end <= len(p.body) && bytes.Equal(p.body[base:end], pr.tools.raw) {
			shift := base - pr.tools.base
			tr := &toolsRead{raw: p.body[base:end], base: base, texts: make([]Text, len(pr.tools.texts))}
			for i, t := range pr.tools.texts {
				t.Start += shift
				t.End += shift
				tr.texts[i] = t
			}
			p.req.Top = append(p.req.Top, tr.texts...)
			p.req.tools = tr
			p.pos = end
			return nil
		}
	}
	var leaves []leaf
	if err := p.collect(base, name, &leaves); err != nil {
		return err
	}
	p.pos = base + int(p.dec.InputOffset())
	tr := &toolsRead{raw: p.body[base:p.pos], base: base}
	for _, l := range leaves {
		t, err := p.text(l, OriginToolDef)
		if err != nil {
			return err
		}
		if !toolDefIdentifier(l.path, t.Value) {
			tr.texts = append(tr.texts, t)
		}
	}
	p.req.Top = append(p.req.Top, tr.texts...)
	p.req.tools = tr
	return nil
}

// toolDefIdentifier reports a string of a tool definition that names
// rather than says: the tool's and its types' names, formats, patterns,
// references, enum values, required property names, and the tool's cache
// hint. A schema keyword's value is skipped only when it reads as an
// identifier (at most 64 bytes, no blank): a plugin or MCP server writes
// these strings too, and a sentence in an enum, a format or a property
// named cache_control is read by the model like a description.
func toolDefIdentifier(path, value string) bool {
	if toolCacheHint.MatchString(path) {
		return true
	}
	k := lastKey(path)
	keyword := false
	if strings.HasSuffix(path, "]") {
		open := strings.LastIndexByte(path, '[')
		k = lastKey(path[:open])
		keyword = k == "enum" || k == "required" || k == "type"
	} else {
		switch k {
		case "name", "type", "format", "pattern", "$ref", "$schema", "$id", "contentEncoding", "contentMediaType", "strict":
			keyword = true
		}
	}
	return keyword && len(value) <= 64 && !strings.ContainsFunc(value, unicode.IsSpace)
}

// toolCacheHint matches the path of a tool's own cache hint.
var toolCacheHint = regexp.MustCompile(`^tools\[\d+\]\.cache_control\.`)

// history reads the history array from its '['.
func (p *parser) history(name string) error {
	p.pos++ // '['
	h := &head{names: make(map[string]bool, len(p.names)), stream: p.req.Stream, model: p.req.Model, top: append([]Text(nil), p.req.Top...)}
	for k := range p.names {
		h.names[k] = true
	}
	p.req.head = h
	p.ws()
	if p.pos < len(p.body) && p.body[p.pos] == ']' {
		p.pos++
		return nil
	}
	if err := p.item(name); err != nil {
		return err
	}
	return p.historyRest(name)
}

// historyRest reads the history array after an element: more elements,
// then its ']'.
func (p *parser) historyRest(name string) error {
	for {
		p.ws()
		if p.pos < len(p.body) && p.body[p.pos] == ']' {
			p.pos++
			return nil
		}
		if err := p.expect(',', name); err != nil {
			return err
		}
		p.ws()
		if err := p.item(name); err != nil {
			return err
		}
	}
}

// item reads one history element.
func (p *parser) item(name string) error {
	i := len(p.req.Items)
	path := name + "[" + strconv.Itoa(i) + "]"
	if p.pos >= len(p.body) || p.body[p.pos] != '{' {
		return bodyErr(path, "must be an object")
	}
	base := p.reset()
	var leaves []leaf
	if err := p.collect(base, "", &leaves); err != nil {
		return prefixErr(path, err)
	}
	end := base + int(p.dec.InputOffset())
	texts, err := p.classify(path, leaves)
	if err != nil {
		return err
	}
	p.req.Items = append(p.req.Items, Item{Start: base, End: end, Texts: texts})
	p.pos = end
	return nil
}

func prefixErr(path string, err error) error {
	var be *BodyError
	if errors.As(err, &be) {
		f := path
		if be.Field != "" {
			f = path + "." + be.Field
		}
		return &BodyError{Field: f, Reason: be.Reason}
	}
	return err
}

// leaf is one string value of an element, by its path inside the element.
type leaf struct {
	path       string // "content[0].text"
	start, end int    // span of the literal in the body
}

// collect reads one value at the decoder and records every string in it.
// The decoder checks the syntax, UTF-8, surrogates and duplicate names.
func (p *parser) collect(base int, path string, out *[]leaf) error {
	depth := 0
	var walk func(path string) error
	walk = func(path string) error {
		switch k := p.dec.PeekKind(); k {
		case '{', '[':
			depth++
			if depth > MaxDepth {
				return bodyErr(path, "is nested more than %d levels deep", MaxDepth)
			}
			if _, err := p.dec.ReadToken(); err != nil {
				return jsonErr(path, base, err)
			}
			for i := 0; p.dec.PeekKind() != k+2; i++ { // '{'+2 == '}', '['+2 == ']'
				child := path + "[" + strconv.Itoa(i) + "]"
				if k == '{' {
					tok, err := p.dec.ReadToken()
					if err != nil {
						return jsonErr(path, base, err)
					}
					child = tok.String()
					if path != "" {
						child = path + "." + child
					}
				}
				if err := walk(child); err != nil {
					return err
				}
			}
			if _, err := p.dec.ReadToken(); err != nil {
				return jsonErr(path, base, err)
			}
			depth--
		case '"':
			v, err := p.dec.ReadValue()
			if err != nil {
				return jsonErr(path, base, err)
			}
			end := base + int(p.dec.InputOffset())
			*out = append(*out, leaf{path: path, start: end - len(v), end: end})
		default:
			if err := p.dec.SkipValue(); err != nil {
				return jsonErr(path, base, err)
			}
		}
		return nil
	}
	return walk(path)
}

func (p *parser) value(l leaf) (string, error) {
	v := p.body[l.start:l.end]
	if b, ok := unquoteValid(p.buf[:0], v); ok {
		p.buf = b
		return string(b), nil
	}
	return unquoteBuf(&p.buf, v)
}

// unquoteValid unquotes v, a string the decoder has read (and so checked:
// valid UTF-8, no control bytes, escapes well formed), copying the runs
// between escapes whole rather than a byte at a time as AppendUnquote does.
// It decodes the one-letter escapes and \u escapes; ok is false at a
// surrogate (\ud83d\ude00), which unquote reads. Tool results and prompts are long, with a \n escape every
// line: this was a twentieth of a first turn's time.
func unquoteValid(dst, v []byte) (out []byte, ok bool) {
	if len(v) < 2 || v[0] != '"' || v[len(v)-1] != '"' {
		return dst, false
	}
	s := v[1 : len(v)-1]
	dst = slices.Grow(dst, len(s))
	for {
		i := bytes.IndexByte(s, '\\')
		if i < 0 || i+1 >= len(s) {
			if i >= 0 {
				return dst, false
			}
			return append(dst, s...), true
		}
		dst = append(dst, s[:i]...)
		if s[i+1] == 'u' {
			// \uXXXX outside the surrogates: the code point in UTF-8
			// (encoding/json writes <, > and & so).
			r, ok := hex4(s[i+2:])
			if !ok || utf16.IsSurrogate(r) {
				return dst, false
			}
			dst = utf8.AppendRune(dst, r)
			s = s[i+6:]
			continue
		}
		c := oneLetterEscape[s[i+1]]
		if c == 0 {
			return dst, false
		}
		dst = append(dst, c)
		s = s[i+2:]
	}
}

// hex4 reads four hex digits at the start of b.
func hex4(b []byte) (rune, bool) {
	if len(b) < 4 {
		return 0, false
	}
	var r rune
	for _, c := range b[:4] {
		switch {
		case '0' <= c && c <= '9':
			r = r<<4 | rune(c-'0')
		case 'a' <= c|0x20 && c|0x20 <= 'f':
			r = r<<4 | rune(c|0x20-'a'+10)
		default:
			return 0, false
		}
	}
	return r, true
}

// oneLetterEscape maps the letter after a backslash to the byte it
// stands for (0: not a one-letter escape).
var oneLetterEscape = [256]byte{'"': '"', '\\': '\\', '/': '/', 'b': '\b', 'f': '\f', 'n': '\n', 'r': '\r', 't': '\t'}

func (p *parser) text(l leaf, o Origin) (Text, error) {
	v, err := p.value(l)
	if err != nil {
		return Text{}, bodyErr(l.path, "is not a valid JSON string: %v", err)
	}
	return Text{Origin: o, Path: l.path, Start: l.start, End: l.end, Value: v}, nil
}
