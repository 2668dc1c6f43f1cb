package sanitizer

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"slices"
	"strconv"
	"strings"
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
func parseBody(in []byte, maxDepth int) (*node, error) {
	if !utf8.Valid(in) {
		return nil, bodyErr("", "is not valid UTF-8 (first bad byte at offset %d); send UTF-8 JSON", invalidUTF8At(in))
	}
	p := &bodyParser{in: in, dec: json.NewDecoder(bytes.NewReader(in)), maxDepth: maxDepth}
	p.dec.UseNumber()
	root, err := p.value("", 0)
	if err != nil {
		return nil, err
	}
	if root.kind != kindObject {
		return nil, bodyErr("", "must be a JSON object, not %s", root.kind)
	}
	if _, err := p.dec.Token(); err != io.EOF {
		return nil, bodyErr("", "has data after the JSON object (offset %d); send exactly one JSON object", p.dec.InputOffset())
	}
	return root, nil
}

type bodyParser struct {
	in       []byte
	dec      *json.Decoder
	prev     int // end offset of the previous token
	maxDepth int
}

func (p *bodyParser) token() (json.Token, int, int, error) {
	tok, err := p.dec.Token()
	start, end := p.prev, int(p.dec.InputOffset())
	p.prev = end
	if err != nil {
		if err == io.EOF {
			return nil, 0, 0, bodyErr("", "ends early; send one complete JSON object")
		}
		var se *json.SyntaxError
		if errors.As(err, &se) {
			return nil, 0, 0, bodyErr("", "is not valid JSON at offset %d: %v", se.Offset, se)
		}
		return nil, 0, 0, bodyErr("", "is not valid JSON: %v", err)
	}
	return tok, start, end, nil
}

func (p *bodyParser) value(path string, depth int) (*node, error) {
	tok, start, end, err := p.token()
	if err != nil {
		return nil, err
	}
	return p.fromToken(tok, start, end, path, depth)
}

func (p *bodyParser) fromToken(tok json.Token, start, end int, path string, depth int) (*node, error) {
	switch t := tok.(type) {
	case nil:
		return &node{kind: kindNull, start: start, end: end}, nil
	case bool:
		return &node{kind: kindBool, start: start, end: end}, nil
	case json.Number:
		return &node{kind: kindNumber, start: start, end: end}, nil
	case string:
		start += bytes.IndexByte(p.in[start:end], '"')
		if strings.ContainsRune(t, utf8.RuneError) {
			if err := checkSurrogates(p.in[start:end]); err != nil {
				return nil, bodyErr(orTop(path), "%v", err)
			}
		}
		return &node{kind: kindString, str: t, start: start, end: end}, nil
	case json.Delim:
		if depth >= p.maxDepth {
			return nil, bodyErr(orTop(path), "nests deeper than %d levels; flatten the request", p.maxDepth)
		}
		if t == '[' {
			return p.array(path, depth)
		}
		return p.object(path, depth)
	}
	return nil, bodyErr(orTop(path), "has an unexpected token %v", tok)
}

func (p *bodyParser) array(path string, depth int) (*node, error) {
	n := &node{kind: kindArray}
	for i := 0; ; i++ {
		tok, start, end, err := p.token()
		if err != nil {
			return nil, err
		}
		if tok == json.Delim(']') {
			return n, nil
		}
		child, err := p.fromToken(tok, start, end, path+"["+strconv.Itoa(i)+"]", depth+1)
		if err != nil {
			return nil, err
		}
		n.elems = append(n.elems, child)
	}
}

func (p *bodyParser) object(path string, depth int) (*node, error) {
	n := &node{kind: kindObject}
	var seen map[string]bool // only for large objects; small ones are scanned
	for {
		tok, start, end, err := p.token()
		if err != nil {
			return nil, err
		}
		if tok == json.Delim('}') {
			return n, nil
		}
		key := tok.(string) // the decoder only yields strings in key position
		if strings.ContainsRune(key, utf8.RuneError) {
			if err := checkSurrogates(p.in[start:end]); err != nil {
				return nil, bodyErr(orTop(path), "has a key with %v", err)
			}
		}
		dup := false
		if seen != nil {
			dup = seen[key]
			seen[key] = true
		} else {
			for _, k := range n.keys {
				if k == key {
					dup = true
					break
				}
			}
			if len(n.keys) >= 16 {
				seen = make(map[string]bool, 2*len(n.keys))
				for _, k := range n.keys {
					seen[k] = true
				}
				seen[key] = true
			}
		}
		if dup {
			return nil, bodyErr(orTop(path), "has the key %q twice; parsers disagree on which copy wins, so send each key once", key)
		}
		child, err := p.value(join(path, key), depth+1)
		if err != nil {
			return nil, err
		}
		n.keys = append(n.keys, key)
		n.elems = append(n.elems, child)
	}
}

// checkSurrogates rejects \u escapes that name half a surrogate pair. Go
// decodes them as U+FFFD while JavaScript keeps the lone half, so the two
// would see different text.
func checkSurrogates(raw []byte) error {
	for i := 0; i+5 < len(raw); i++ {
		if raw[i] != '\\' {
			continue
		}
		if raw[i+1] != 'u' {
			i++ // skip the escaped character, which may itself be a backslash
			continue
		}
		r, _ := strconv.ParseUint(string(raw[i+2:i+6]), 16, 32)
		switch {
		case r >= 0xD800 && r < 0xDC00:
			if i+11 < len(raw) && raw[i+6] == '\\' && raw[i+7] == 'u' {
				lo, _ := strconv.ParseUint(string(raw[i+8:i+12]), 16, 32)
				if lo >= 0xDC00 && lo < 0xE000 {
					i += 11
					continue
				}
			}
			return fmt.Errorf("a lone surrogate escape \\u%04X; send valid UTF-16 pairs or plain UTF-8", r)
		case r >= 0xDC00 && r < 0xE000:
			return fmt.Errorf("a lone surrogate escape \\u%04X; send valid UTF-16 pairs or plain UTF-8", r)
		}
		i += 5
	}
	return nil
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
