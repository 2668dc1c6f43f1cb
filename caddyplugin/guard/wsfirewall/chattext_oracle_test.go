package wsfirewall

import (
	"bytes"
	"errors"
	"io"
	"slices"
	"strconv"
	"strings"
	"testing"
	"time"
)

// allStringsRecursive is allStrings as it was before red team round 9: a
// walk that skips each nested value to find its end and then reads it
// again. Kept as the oracle of the single pass.
func allStringsRecursive(raw []byte, name string, keys bool, out []Text) ([]Text, error) {
	i := skipSpace(raw, 0)
	if i >= len(raw) {
		return out, nil
	}
	switch raw[i] {
	case '"':
		s, _ := stringValue(raw[i:skipString(raw, i)])
		return append(out, Text{Field: name, Value: s}), nil
	case '{':
		var err error
		merr := members(raw[i:], func(key string, val []byte) error {
			if keys {
				out = append(out, Text{Field: name + "." + key + " (key)", Value: key})
			}
			out, err = allStringsRecursive(val, name+"."+key, keys, out)
			return err
		})
		return out, merr
	case '[':
		j := skipSpace(raw, i+1)
		for k := 0; j < len(raw) && raw[j] != ']'; k++ {
			end := skipValue(raw, j)
			var err error
			if out, err = allStringsRecursive(raw[j:end], name+"["+strconv.Itoa(k)+"]", keys, out); err != nil {
				return nil, err
			}
			j = skipSpace(raw, end)
			if j < len(raw) && raw[j] == ',' {
				j = skipSpace(raw, j+1)
			}
		}
	}
	return out, nil
}

// FuzzAllStrings holds the single pass to the recursive walk: the same
// texts, names and values, in the same order, and an error for the same
// inputs (a key twice in one object).
func FuzzAllStrings(f *testing.F) {
	for _, s := range []string{
		`{"a":"x","b":[1,"y",{"c":"z","d":[]}],"e":{}}`, `[]`, `{}`, `"s"`, `[[["deep"]]]`, `{"a":1,"a":2}`,
		`{"a":{"b":"x","\u0062":"y"}}`, `[{"k":"v"},{"k":"w"}]`, ` [ "a" , { "b" : [ null , true ] } ] `,
		`{"q\"k":"v","e\\":["\u00e9"]}`, strings.Repeat(`{"a":`, 40) + `"x"` + strings.Repeat("}", 40),
	} {
		f.Add([]byte(s), true)
	}
	f.Fuzz(func(t *testing.T, b []byte, keys bool) {
		if !validJSON(b) {
			return
		}
		got, gerr := allStrings(b, "f", keys, nil)
		want, werr := allStringsRecursive(b, "f", keys, nil)
		if (gerr != nil) != (werr != nil) {
			t.Fatalf("%q: error %v, the recursive walk's %v", b, gerr, werr)
		}
		if gerr != nil {
			return
		}
		// Names deeper than maxNamedDepth steps are cut: "…" ends the
		// first maxNamedDepth steps of the full name.
		same := func(g, w Text) bool {
			if g.Value != w.Value {
				return false
			}
			pre, cut := strings.CutSuffix(strings.TrimSuffix(g.Field, " (key)"), "…")
			if !cut {
				return g.Field == w.Field
			}
			return strings.HasPrefix(w.Field, pre) && len(w.Field) > len(pre)
		}
		if !slices.EqualFunc(got, want, same) {
			t.Fatalf("%q:\n got %q\nwant %q", b, got, want)
		}
	})
}

// Red team round 9: one authenticated frame could hold a WebSocket
// connection's reader for minutes. A chat method's object field nested
// 9,000 deep around 3 MiB took 34 s in ChatText (each level skipped what
// it held, then read it again), and a frame or params of 40,000 keys took
// 3.4 s in ParseRequest and 4.1 s in members (each key compared with every
// one before it), 400,000 keys fit in a 4 MiB frame. Each must now take a
// single pass; the bound is loose for a shared machine and -race.
func TestLargeFramesAreReadInOnePass(t *testing.T) {
	const limit = 5 * time.Second
	deep := `{"content":` + strings.Repeat("[", 9000) + `"` + strings.Repeat("x", 2<<20) + `"` + strings.Repeat("]", 9000) + `}`
	deepObj := `{"workContext":` + strings.Repeat(`{"a":`, 9000) + `"x"` + strings.Repeat("}", 9000) + `,"message":"` + strings.Repeat("y ", 1<<20) + `"}`
	var keys strings.Builder
	for i := range 200_000 {
		keys.WriteString(`"k` + strconv.Itoa(i) + `":0,`)
	}
	frame := `{"type":"req","id":"1","method":"chat.send",` + keys.String() + `"params":{}}`
	params := `{` + keys.String() + `"message":"hi"}`
	for name, run := range map[string]func() error{
		"a deep array":         func() error { _, err := ChatText("mcp.app.updateModelContext", []byte(deep)); return err },
		"deep objects":         func() error { _, err := ChatText("chat.send", []byte(deepObj)); return err },
		"a frame of many keys": func() error { _, err := ParseRequest([]byte(frame)); return err },
		"params of many keys":  func() error { _, err := ChatText("chat.send", []byte(params)); return err },
		"an object of many keys": func() error {
			_, err := ChatText("mcp.app.updateModelContext", []byte(`{"content":`+params+`}`))
			return err
		},
	} {
		start := time.Now()
		err := run()
		if d := time.Since(start); d > limit || err != nil {
			t.Errorf("%s: %v (err %v), want under %v", name, d, err, limit)
		}
	}
	texts, err := ChatText("mcp.app.updateModelContext", []byte(`{"content":`+strings.Repeat("[", 50)+`"x"`+strings.Repeat("]", 50)+`}`))
	if err != nil || len(texts) != 1 || !strings.HasSuffix(texts[0].Field, "…") || len(texts[0].Field) > 200 {
		t.Errorf("a text 50 deep: %v %q, want its name cut after %d steps", err, texts, maxNamedDepth)
	}
}

// Red team round 9: a fragmented message's raw frames are held until its
// last fragment; fragments without payload added nothing to the message's
// size, which alone was bounded, so a client could pile up six bytes a
// frame, without end. The held frames are bounded too.
func TestEmptyFragmentsDoNotPileUp(t *testing.T) {
	const max = 1 << 16
	fw := &Firewall{Policy: DefaultPolicy(), Judge: injectionJudge, MaxMessage: max}
	mask := [4]byte{1, 2, 3, 4}
	var in bytes.Buffer
	in.Write(appendFrame(nil, opText, []byte(connect), &mask))
	first := appendFrame(nil, opText, []byte(`{"type":"req",`), &mask)
	first[0] &^= 0x80
	in.Write(first)
	empty := appendFrame(nil, opContinuation, nil, &mask)
	empty[0] &^= 0x80
	for range 200_000 {
		in.Write(empty)
	}
	c := newConn(discardConn{}, &in, fw, Peer{Role: "operator"})
	_, err := io.ReadAll(c)
	if !errors.Is(err, ErrClosedByFirewall) || len(c.held) > 2*max {
		t.Errorf("200,000 empty fragments: err %v, %d bytes held, want the socket closed with at most %d held", err, len(c.held), 2*max)
	}
}
