package wire

import (
	"bytes"
	"encoding/json"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"testing"

	"github.com/go-json-experiment/json/jsontext"
)

// FuzzParseRequest: the request parser never panics, every text it
// reports is the string literal at its span, and a parse resumed after any
// item finds what the full parse found.
func FuzzParseRequest(f *testing.F) {
	files, _ := filepath.Glob("testdata/openclaw/*.json")
	for _, name := range files {
		b, _ := os.ReadFile(name)
		api := byte(strings.Index("cra", filepath.Base(name)[:1]))
		f.Add(api, b)
	}
	f.Add(byte(0), []byte(`{"messages":[{"role":"tool","tool_call_id":"a","content":[{"type":"text","text":"x\u00e9"}]}]}`))
	f.Add(byte(1), []byte(`{"input":[{"type":"function_call_output","call_id":"a","output":"x"}],"instructions":"s"}`))
	f.Add(byte(2), []byte(`{"system":"s","messages":[{"role":"user","content":[{"type":"tool_result","tool_use_id":"t","content":"x"}]}]}`))
	f.Fuzz(func(t *testing.T, which byte, body []byte) {
		api := APIs[int(which)%len(APIs)]
		req, err := Parse(api, body)
		if err != nil {
			return
		}
		for _, tx := range all(req) {
			if tx.Start < 0 || tx.End > len(body) || tx.End-tx.Start < 2 || body[tx.Start] != '"' || body[tx.End-1] != '"' {
				t.Fatalf("%s: span %d..%d is not a string literal", tx.Path, tx.Start, tx.End)
			}
			if v, err := unquote(body[tx.Start:tx.End]); err != nil || v != tx.Value {
				t.Fatalf("%s: span decodes to %q, value %q", tx.Path, v, tx.Value)
			}
		}
		// Editing every text keeps a body the parser reads the same way.
		var edits []Edit
		for _, tx := range all(req) {
			edits = append(edits, Edit{tx.Start, tx.End, "<" + tx.Value + ">"})
		}
		edited, err := Parse(api, Apply(body, edits))
		if err != nil || len(all(edited)) != len(all(req)) {
			t.Fatalf("edited body: %v (%d texts, want %d)", err, len(all(edited)), len(all(req)))
		}
		want, _ := json.Marshal(req)
		for n := 1; n <= len(req.Items); n++ {
			again, err := ParseFrom(api, body, req, n)
			if err != nil {
				t.Fatalf("resumed after %d items: %v", n, err)
			}
			if got, _ := json.Marshal(again); !bytes.Equal(got, want) {
				t.Fatalf("resumed after %d items differs", n)
			}
		}
	})
}

// FuzzReassemble: whatever the provider streams, in whatever pieces, a
// call the judge blocks never reaches the client, and the reassembler
// never panics.
func FuzzReassemble(f *testing.F) {
	for i, api := range APIs {
		f.Add(byte(i), []byte(script(api, "hello there ", []call{readCall, execCall}, false)), byte(7))
		f.Add(byte(i), []byte(script(api, "", []call{execCall}, true)), byte(1))
	}
	for i, api := range APIs {
		f.Add(byte(i), []byte(script(api, "[exec]\n{\"command\":\"ls\"}\n[END_TOOL_REQUEST]", nil, false)), byte(5))
		f.Add(byte(i), []byte(script(api, "<function=exec><parameter=command>ls</parameter></function>", nil, true)), byte(9))
	}
	f.Add(byte(0), []byte(`data: {"choices":[{"index":0,"delta":{"tool\u005fcalls":[{"index":0,"function":{"name":"x"}}]},"finish_reason":"tool_calls"}]}`+"\n\n"), byte(3))
	f.Fuzz(func(t *testing.T, which byte, stream []byte, size byte) {
		api := APIs[int(which)%len(APIs)]
		blockAll := func(ToolCall) Decision { return Decision{Block: true, Rules: []string{"TEST"}} }
		out, _ := run(api, string(stream), blockAll, BlockWithMessage, func(int) int { return int(size%32) + 1 })
		var fr Framer
		fr.Write([]byte(out))
		for {
			ev, ok, err := fr.Next()
			if err != nil || !ok {
				break
			}
			if call := carriesCall(api, ev.Data); call != "" {
				t.Fatalf("a blocked call reached the client: %s in %q", call, ev.Data)
			}
		}
	})
}

// carriesCall reads an event as a lenient client would and names a tool
// call in it, or "".
func carriesCall(api API, data []byte) string {
	var m map[string]any
	if json.Unmarshal(data, &m) != nil {
		return ""
	}
	switch api {
	case Completions:
		chs, _ := m["choices"].([]any)
		for _, ch := range chs {
			ch, _ := ch.(map[string]any)
			d, _ := ch["delta"].(map[string]any)
			if d == nil {
				d, _ = ch["message"].(map[string]any) // OpenClaw: delta ?? message
			}
			if tc, _ := d["tool_calls"].([]any); len(tc) > 0 {
				return "delta.tool_calls"
			}
			if d["function_call"] != nil {
				return "delta.function_call"
			}
		}
	case Responses:
		if it, _ := m["item"].(map[string]any); it != nil && isCallItem(toString(it["type"])) {
			return "item " + toString(it["type"])
		}
		if r, _ := m["response"].(map[string]any); r != nil {
			out, _ := r["output"].([]any)
			for _, it := range out {
				if it, _ := it.(map[string]any); it != nil && isCallItem(toString(it["type"])) {
					return "response.output " + toString(it["type"])
				}
			}
		}
	case Anthropic:
		if cb, _ := m["content_block"].(map[string]any); cb != nil && toString(cb["type"]) == "tool_use" {
			return "tool_use block"
		}
	}
	return ""
}

func toString(v any) string { s, _ := v.(string); return s }

// FuzzPriorToolCalls: reading the earlier calls of any body never panics,
// and an anthropic call's arguments are its input object as JSON.
func FuzzPriorToolCalls(f *testing.F) {
	files, _ := filepath.Glob("testdata/openclaw/*.json")
	for _, name := range files {
		b, _ := os.ReadFile(name)
		f.Add(byte(strings.Index("cra", filepath.Base(name)[:1])), b)
	}
	f.Add(byte(0), []byte(`{"messages":[{"role":"assistant","tool_calls":[{"id":"a","function":{"name":"process","arguments":"{}"}}]}]}`))
	f.Add(byte(1), []byte(`{"input":[{"type":"function_call","call_id":"a","name":"process","arguments":"{}"}]}`))
	f.Add(byte(2), []byte(`{"messages":[{"role":"assistant","content":[{"type":"tool_use","id":"t","name":"process","input":{"a":1}}]}]}`))
	f.Add(byte(2), []byte(`{"messages":[{"role":"user","content":"x"}]}`))
	f.Fuzz(func(t *testing.T, which byte, body []byte) {
		api := APIs[int(which)%len(APIs)]
		for _, c := range PriorToolCalls(api, body) {
			if api == Anthropic && c.Arguments != "" && !json.Valid([]byte(c.Arguments)) {
				t.Fatalf("arguments %q are not JSON", c.Arguments)
			}
		}
	})
}

// FuzzTextCalls: the reader of tool calls written as text never panics,
// and what it returns is a named call with JSON object arguments.
func FuzzTextCalls(f *testing.F) {
	for _, s := range []string{
		"[exec]\n{\"command\":\"ls\"}\n[END_TOOL_REQUEST]", "[tool:read]{\"path\":\"a\"}[tool:exec]{}",
		"commentary to=exec code {\"a\":\"}\"}", "<|channel|>final to=x code<|message|>{}<|call|>",
		"<function=a.b:c><parameter=k>v</parameter><parameter=q>", "[a]\r\n<parameter=x>y</parameter>", "[", "<funct", "final\tto=",
	} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		for _, c := range TextCalls(s) {
			// Arguments are a balanced object, not always one Go decodes
			// (1e400, deep nesting): the judge blocks those.
			if c.Name == "" || !strings.HasPrefix(c.Arguments, "{") || !strings.HasSuffix(c.Arguments, "}") {
				t.Fatalf("TextCalls(%q) returned %+v", s, c)
			}
		}
	})
}

var surrogateEscape = regexp.MustCompile(`\\[uU][dD][89a-fA-F]`)

// FuzzUnquoteValid: on any string literal the decoder accepts, unquoteValid
// either declines or gives what jsontext.AppendUnquote gives. The input is
// tried both as it is and quoted by jsontext.AppendQuote.
func FuzzUnquoteValid(f *testing.F) {
	for _, s := range []string{`""`, `"a"`, `"line\nnext\ttab \"q\" \\ \/ \b\f\r"`, `"\u00e9\n"`, `"\u003cb\u003e \u0026 \u00E9 \u20ac \u0000"`, `"x\\"`, `"\ud83d\ude00 \n"`,
		"\"é ü \\n\"", `"\`, `"ab`, "\"\x01\"", "\"\xff\\n\"", "plain text\nwith\ttabs and \"quotes\" and \\ and é\x7f"} {
		f.Add([]byte(s))
	}
	f.Fuzz(func(t *testing.T, b []byte) {
		quoted, err := jsontext.AppendQuote(nil, b)
		if err != nil {
			quoted = nil // invalid UTF-8, replaced: tried as it is only
		}
		for _, v := range [][]byte{b, quoted} {
			var dec jsontext.Decoder
			dec.Reset(bytes.NewReader(v))
			read, err := dec.ReadValue()
			if err != nil || read.Kind() != '"' || !bytes.Equal(read, v) {
				continue // not a string literal the decoder reads whole
			}
			want, err := jsontext.AppendUnquote(nil, v)
			if err != nil {
				t.Fatalf("decoder read %q but AppendUnquote failed: %v", v, err)
			}
			got, ok := unquoteValid(nil, v)
			if ok && !bytes.Equal(got, want) {
				t.Fatalf("unquoteValid(%q) = %q, want %q", v, got, want)
			}
			if !ok && !surrogateEscape.Match(v) {
				t.Fatalf("unquoteValid(%q) declined a string without a surrogate escape", v)
			}
		}
	})
}
