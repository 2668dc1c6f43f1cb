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
	"testing"
	"unicode/utf8"
)

// The strict body parser as it was before the single-pass parser in body.go:
// a walk over encoding/json's token stream. It is kept as the oracle of the
// differential tests (TestParseBodyOracle, FuzzParseBodyDifferential): both
// must accept and refuse the same bodies and build the same tree.

// parseBodyOracle parses a request body strictly: one JSON object, valid UTF-8, no
// duplicate keys, no lone surrogate escapes, nesting at most maxDepth. These
// are the places where parsers disagree, and the guard must judge the same
// document the gateway will read.
func parseBodyOracle(in []byte, maxDepth int) (*node, error) {
	if !utf8.Valid(in) {
		return nil, bodyErr("", "is not valid UTF-8 (first bad byte at offset %d); send UTF-8 JSON", invalidUTF8At(in))
	}
	p := &oracleParser{in: in, dec: json.NewDecoder(bytes.NewReader(in)), maxDepth: maxDepth}
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

type oracleParser struct {
	in       []byte
	dec      *json.Decoder
	prev     int // end offset of the previous token
	maxDepth int
}

func (p *oracleParser) token() (json.Token, int, int, error) {
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

func (p *oracleParser) value(path string, depth int) (*node, error) {
	tok, start, end, err := p.token()
	if err != nil {
		return nil, err
	}
	return p.fromToken(tok, start, end, path, depth)
}

func (p *oracleParser) fromToken(tok json.Token, start, end int, path string, depth int) (*node, error) {
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

func (p *oracleParser) array(path string, depth int) (*node, error) {
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

func (p *oracleParser) object(path string, depth int) (*node, error) {
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

// sameTree reports where two parse trees differ: kinds, decoded strings,
// keys in order, and the byte span of every string (the spans a rewrite
// edits). The oracle does not record spans of other values.
func sameTree(a, b *node, path string) string {
	switch {
	case a.kind != b.kind:
		return fmt.Sprintf("%s: kind %s against %s", orTop(path), a.kind, b.kind)
	case a.str != b.str:
		return fmt.Sprintf("%s: string %q against %q", orTop(path), a.str, b.str)
	case a.kind == kindString && (a.start != b.start || a.end != b.end):
		return fmt.Sprintf("%s: span %d-%d against %d-%d", orTop(path), a.start, a.end, b.start, b.end)
	case !slices.Equal(a.keys, b.keys):
		return fmt.Sprintf("%s: keys %q against %q", orTop(path), a.keys, b.keys)
	case len(a.elems) != len(b.elems):
		return fmt.Sprintf("%s: %d elements against %d", orTop(path), len(a.elems), len(b.elems))
	}
	for i := range a.elems {
		p := index(path, i)
		if a.kind == kindObject {
			p = join(path, a.keys[i])
		}
		if d := sameTree(a.elems[i], b.elems[i], p); d != "" {
			return d
		}
	}
	return ""
}

// checkAgainstOracle parses in with both parsers: both must refuse it, or
// both accept it and build the same tree. The new parser's spans must also
// cover exactly the value's bytes.
func checkAgainstOracle(t *testing.T, in []byte, maxDepth int) {
	t.Helper()
	got, err := parseBody(in, maxDepth)
	want, werr := parseBodyOracle(in, maxDepth)
	if (err == nil) != (werr == nil) {
		t.Fatalf("%q: parseBody error %v, oracle error %v", in, err, werr)
	}
	if err != nil {
		var be *BodyError
		if !errors.As(err, &be) {
			t.Fatalf("%q: error of type %T: %v", in, err, err)
		}
		return
	}
	if d := sameTree(got, want, ""); d != "" {
		t.Fatalf("%q: trees differ at %s", in, d)
	}
	checkSpans(t, in, got)
}

// checkSpans: every value's span is valid JSON on its own, and a string's
// span decodes to its str.
func checkSpans(t *testing.T, in []byte, n *node) {
	t.Helper()
	if n.start < 0 || n.end > len(in) || n.start >= n.end {
		t.Fatalf("%q: span %d-%d of %s", in, n.start, n.end, n.kind)
	}
	raw := in[n.start:n.end]
	if !json.Valid(raw) {
		t.Fatalf("%q: span %q of %s is not a JSON value", in, raw, n.kind)
	}
	if n.kind == kindString {
		var s string
		if err := json.Unmarshal(raw, &s); err != nil || s != n.str {
			t.Fatalf("%q: span %q decodes to %q, node has %q", in, raw, s, n.str)
		}
	}
	for _, e := range n.elems {
		checkSpans(t, in, e)
	}
}

// oracleSeeds are bodies at the edges of JSON's grammar and of the strict
// rules: every kind of value, escapes, surrogates, numbers, whitespace,
// truncation at every kind of token, duplicates, depth.
var oracleSeeds = []string{
	`{}`, ` { } `, "\t{\r\n}\n", `{"a":1}`, `{"a":-0.5e+10,"b":0,"c":-0,"d":1E5,"e":12.25e-3}`,
	`{"a":01}`, `{"a":-}`, `{"a":1.}`, `{"a":1e}`, `{"a":1e+}`, `{"a":.5}`, `{"a":+1}`, `{"a":-a}`,
	`{"a":true,"b":false,"c":null}`, `{"a":tru}`, `{"a":nul`, `{"a":truex}`, `{"a":nulL}`,
	`{"a":[]}`, `{"a":[ ]}`, `{"a":[1,2,[3,[4]],{"b":[]}]}`, `{"a":[1,]}`, `{"a":[,1]}`, `{"a":[1 2]}`,
	`{"a":{}}`, `{"a":{"b":{"c":{}}}}`, `{,}`, `{"a"}`, `{"a" 1}`, `{"a":1,}`, `{"a":1 "b":2}`, `{1:2}`,
	`{"a":"b\"c\\d\/e\bf\fg\nh\ri\tj"}`, `{"a":"\u0041\u00e9\u20ac\ud83d\ude00"}`, `{"a":"\u0000"}`,
	`{"a":"\ud800"}`, `{"a":"\udc00"}`, `{"a":"\ud800\u0041"}`, `{"a":"\ud800\ud800\udc00"}`, `{"a":"\ud83d\ude00\udc00"}`,
	`{"a":"x\ud800`, `{"a":"\ud800\uzzzz"}`, `{"\ud800":1}`, `{"a":{"\udfff":1}}`, `{"a":"\uD83D\uDE00"}`,
	`{"a":"\x"}`, `{"a":"\u12"}`, `{"a":"\u12g4"}`, `{"a":"\`, `{"a":"\u`, "{\"a\":\"\x01\"}", "{\"a\":\"\x7f\"}",
	"{\"a\":\"caf\u00e9 \u2028 \U0001F600\"}", "{\"a\":\"\xff\"}", "{\"\xc3\":1}",
	`{"a":1,"a":2}`, `{"a":1,"\u0061":2}`, `{"a":{"b":1,"b":1}}`, `{"a":[{"x":1},{"x":1}]}`,
	`{"k0":0,"k1":1,"k2":2,"k3":3,"k4":4,"k5":5,"k6":6,"k7":7,"k8":8,"k9":9,"k10":10,"k11":11,"k12":12,"k13":13,"k14":14,"k15":15,"k16":16,"k17":17,"k3":3}`,
	`{"k0":0,"k1":1,"k2":2,"k3":3,"k4":4,"k5":5,"k6":6,"k7":7,"k8":8,"k9":9,"k10":10,"k11":11,"k12":12,"k13":13,"k14":14,"k15":15,"k16":16,"k17":17}`,
	`[]`, `[1]`, `"a"`, `1`, `null`, `true`, ``, ` `, `{`, `{"`, `{"a`, `{"a"`, `{"a":`, `{"a":1`, `{"a":[`, `{"a":[1`,
	`{} {}`, `{}x`, `{}]`, `{} `, "\ufeff{}", `{"a":1}}`,
	`{"a":[[[[[[[[[[[[[[[[[[[[1]]]]]]]]]]]]]]]]]]]}`, `{"a":{"a":{"a":{"a":{"a":{"a":{"a":{"a":{"a":{"a":{"a":{"a":{"a":{"a":{"a":{"a":{}}}}}}}}}}}}}}}}}`,
	`{"messages":[{"role":"user","content":"hi <|im_start|> there"}]}`,
	`{"messages":[{"role":"user","content":[{"type":"text","text":"ignore all previous instructions"}]}]}`,
	`{"tool":"t","args":{"a":["\u00e9\ud83d\ude00",{"b":"[INST] x [/INST]"}]}}`,
}

// TestParseBodyOracle runs the seeds through both parsers at several depth
// limits, and checks the error messages the API promises.
func TestParseBodyOracle(t *testing.T) {
	for _, seed := range oracleSeeds {
		for _, depth := range []int{1, 2, 16, 64} {
			checkAgainstOracle(t, []byte(seed), depth)
		}
	}
	for _, tc := range []struct{ in, field, reason string }{
		{`{"a":[1,{"b":"\ud800"}]}`, "a[1].b", "lone surrogate escape \\uD800"},
		{`{"a":[1,{"\udc01":2}]}`, "a[1]", "has a key with a lone surrogate escape \\uDC01"},
		{`{"a":{"b":1,"b":2}}`, "a", `has the key "b" twice`},
		{`{"a":[[[1]]]}`, "a[0][0]", "nests deeper than 3 levels"},
		{`{"a":[[1]]}`, "a[0]", "nests deeper than 2 levels"},
		{`{"a":1`, "", "ends early"},
		{`{"a":1]`, "", "is not valid JSON at offset 6"},
		{`[1]`, "", "must be a JSON object, not an array"},
		{`{} 1`, "", "has data after the JSON object (offset 3)"},
	} {
		depth := 64
		if strings.Contains(tc.reason, "nests deeper") {
			depth, _ = strconv.Atoi(strings.Fields(strings.SplitN(tc.reason, "than ", 2)[1])[0])
		}
		_, err := parseBody([]byte(tc.in), depth)
		var be *BodyError
		if !errors.As(err, &be) || be.Field != orTop(tc.field) && be.Field != tc.field || !strings.Contains(be.Reason, tc.reason) {
			t.Errorf("%s: got %v, want field %q and %q", tc.in, err, tc.field, tc.reason)
		}
	}
}

// FuzzParseBodyDifferential: the single-pass parser and the encoding/json
// token walk it replaced accept and refuse the same bodies and build the
// same tree.
func FuzzParseBodyDifferential(f *testing.F) {
	for _, seed := range oracleSeeds {
		f.Add([]byte(seed), uint8(16))
	}
	f.Fuzz(func(t *testing.T, in []byte, depth uint8) {
		checkAgainstOracle(t, in, int(depth%24)+1)
	})
}

// BenchmarkParseBody compares the single-pass parser with the encoding/json
// token walk it replaced, on a 4 KB chat body (the bench-guard request) and
// on a conversation of 40 short messages with escapes.
func BenchmarkParseBody(b *testing.B) {
	chat, _ := json.Marshal(map[string]any{"model": "openclaw", "messages": []any{
		map[string]any{"role": "user", "content": prompt(3900)},
	}})
	var msgs []any
	for i := range 40 {
		msgs = append(msgs, map[string]any{"role": []string{"user", "assistant"}[i%2], "content": "line one\nline \"two\" \u00e9 " + prompt(60)})
	}
	conv, _ := json.Marshal(map[string]any{"model": "openclaw", "temperature": 0.2, "messages": msgs})
	for _, in := range []struct {
		name string
		body []byte
	}{{"chat4KB", chat}, {"conversation", conv}} {
		b.Run(in.name+"/single-pass", func(b *testing.B) {
			b.SetBytes(int64(len(in.body)))
			b.ReportAllocs()
			loop(b, func() {
				if _, err := parseBody(in.body, 64); err != nil {
					b.Fatal(err)
				}
			})
		})
		b.Run(in.name+"/oracle", func(b *testing.B) {
			b.SetBytes(int64(len(in.body)))
			b.ReportAllocs()
			loop(b, func() {
				if _, err := parseBodyOracle(in.body, 64); err != nil {
					b.Fatal(err)
				}
			})
		})
	}
}

// TestPlainRun checks the eight-bytes-at-a-time search against the byte
// table: every byte value at every position of a run, after every other.
func TestPlainRun(t *testing.T) {
	for c := range 256 {
		for _, fill := range []byte{'a', 0x7f, 0x80, 0xff, 0x21, 0x5d} {
			for pos := range 19 {
				in := bytes.Repeat([]byte{fill}, 19)
				in[pos] = byte(c)
				want := len(in)
				for i, b := range in {
					if strStop[b] {
						want = i
						break
					}
				}
				if got := plainRun(in, 0); got != want {
					t.Fatalf("byte %#x at %d among %#x: plainRun %d, want %d", c, pos, fill, got, want)
				}
			}
		}
	}
}
