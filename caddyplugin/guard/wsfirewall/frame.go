package wsfirewall

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"slices"
	"unicode/utf8"
)

// Request is a client-to-gateway request frame:
// {"type":"req","id":"…","method":"…","params":…}.
type Request struct {
	ID     string
	Method string
	// Params is the raw JSON of params, nil when absent.
	Params []byte
}

// FrameError is a frame the firewall cannot judge. The socket is closed
// with 1008; nothing of the frame is forwarded.
type FrameError struct{ msg string }

func (e *FrameError) Error() string { return e.msg }

func frameErr(format string, args ...any) *FrameError {
	return &FrameError{msg: fmt.Sprintf(format, args...)}
}

// ParseRequest reads a request frame's payload the way the gateway will: it
// must be UTF-8 JSON whose top level is an object with "type":"req", a
// non-empty string "id" and a non-empty string "method". Keys are compared
// after unescaping ("\u006dethod" is "method", as JSON.parse sees it), and a
// key that appears twice anywhere the firewall reads is refused: the guard
// must never judge one value while the gateway acts on another.
func ParseRequest(payload []byte) (Request, error) {
	if !utf8.Valid(payload) {
		return Request{}, frameErr("frame is not valid UTF-8")
	}
	if !validJSON(payload) {
		return Request{}, frameErr("frame is not valid JSON")
	}
	// A hand-rolled walk rather than members(): this runs on every client
	// message, and a callback's captured variables would escape to the heap.
	var req Request
	var typ, id, method []byte
	var keysBuf [8][]byte
	keys := keysBuf[:0]
	var seen map[string]struct{} // past maxScannedKeys keys
	b := payload
	i := skipSpace(b, 0)
	if b[i] != '{' {
		return Request{}, frameErr("%s", errNotObject)
	}
	i = skipSpace(b, i+1)
	for i < len(b) && b[i] == '"' {
		kend := skipString(b, i)
		key := b[i+1 : kend-1]
		if bytes.IndexByte(key, '\\') >= 0 {
			k, _ := stringValue(b[i:kend])
			key = []byte(k)
		}
		if seen != nil {
			if _, dup := seen[string(key)]; dup {
				return Request{}, frameErr("key %q appears twice in one object", key)
			}
			seen[string(key)] = struct{}{}
		} else {
			for _, k := range keys {
				if bytes.Equal(k, key) {
					return Request{}, frameErr("key %q appears twice in one object", key)
				}
			}
			keys = append(keys, key)
			if len(keys) > maxScannedKeys {
				seen = keyMap(keys)
			}
		}
		i = skipSpace(b, skipSpace(b, kend)+1) // past ':'
		vend := skipValue(b, i)
		val := b[i:vend]
		switch string(key) {
		case "type":
			typ = val
		case "id":
			id = val
		case "method":
			method = val
		case "params":
			req.Params = val
		}
		i = skipSpace(b, vend)
		if i < len(b) && b[i] == ',' {
			i = skipSpace(b, i+1)
		}
	}
	if string(typ) != `"req"` {
		if t, ok := stringValue(typ); !ok || t != "req" {
			return Request{}, frameErr(`frame is not a request: want "type":"req"`)
		}
	}
	var ok bool
	if req.ID, ok = stringValue(id); !ok || req.ID == "" {
		return Request{}, frameErr(`request frame has no string "id"`)
	}
	if len(method) > 2 && method[0] == '"' {
		// Known method names are interned: no allocation per message.
		if m, known := methodNames[string(method[1:len(method)-1])]; known {
			req.Method = m
			return req, nil
		}
	}
	if req.Method, ok = stringValue(method); !ok || req.Method == "" {
		return Request{}, frameErr(`request frame has no string "method"`)
	}
	return req, nil
}

var errNotObject = errors.New("not a JSON object")

// maxScannedKeys is how many keys of one object are compared one by one
// for a duplicate; beyond, a map (red team round 9: a 4 MiB frame holds
// 400,000 keys, and comparing each with every one before it took minutes).
const maxScannedKeys = 16

func keyMap[K []byte | string](keys []K) map[string]struct{} {
	m := make(map[string]struct{}, 4*len(keys))
	for _, k := range keys {
		m[string(k)] = struct{}{}
	}
	return m
}

// members calls fn for each member of the JSON object b (valid JSON, with
// surrounding white space allowed), with the key unescaped and the value's
// raw bytes. A duplicate key is an error.
func members(b []byte, fn func(key string, val []byte) error) error {
	i := skipSpace(b, 0)
	if i >= len(b) || b[i] != '{' {
		return frameErr("%s", errNotObject)
	}
	i = skipSpace(b, i+1)
	if i < len(b) && b[i] == '}' {
		return nil
	}
	var seen []string
	var set map[string]struct{} // past maxScannedKeys keys
	for i < len(b) {
		end := skipString(b, i)
		key, ok := stringValue(b[i:end])
		if !ok {
			return frameErr("object key is not a string")
		}
		if set != nil {
			if _, dup := set[key]; dup {
				return frameErr("key %q appears twice in one object", key)
			}
			set[key] = struct{}{}
		} else {
			if slices.Contains(seen, key) {
				return frameErr("key %q appears twice in one object", key)
			}
			seen = append(seen, key)
			if len(seen) > maxScannedKeys {
				set = keyMap(seen)
			}
		}
		i = skipSpace(b, end)
		i = skipSpace(b, i+1) // ':'
		vend := skipValue(b, i)
		if err := fn(key, b[i:vend]); err != nil {
			return err
		}
		i = skipSpace(b, vend)
		if i >= len(b) || b[i] == '}' {
			return nil
		}
		i = skipSpace(b, i+1) // ','
	}
	return nil
}

// stringValue returns the string a raw JSON value holds, and false when the
// value is not a string.
func stringValue(raw []byte) (string, bool) {
	if len(raw) < 2 || raw[0] != '"' {
		return "", false
	}
	inner := raw[1 : len(raw)-1]
	plain := true
	for _, c := range inner {
		if c == '\\' {
			plain = false
			break
		}
	}
	if plain {
		return string(inner), true
	}
	var s string
	if json.Unmarshal(raw, &s) != nil {
		return "", false
	}
	return s, true
}

// The skip functions walk JSON that json.Valid has accepted, so they need
// not check what they skip.

func skipSpace(b []byte, i int) int {
	for i < len(b) && (b[i] == ' ' || b[i] == '\t' || b[i] == '\n' || b[i] == '\r') {
		i++
	}
	return i
}

// skipString returns the index after the string starting at b[i] == '"'.
func skipString(b []byte, i int) int {
	for i++; i < len(b); i++ {
		switch b[i] {
		case '\\':
			i++
		case '"':
			return i + 1
		}
	}
	return len(b)
}

// skipValue returns the index after the value starting at b[i].
func skipValue(b []byte, i int) int {
	if i >= len(b) {
		return i
	}
	switch b[i] {
	case '"':
		return skipString(b, i)
	case '{', '[':
		depth := 0
		for ; i < len(b); i++ {
			switch b[i] {
			case '"':
				i = skipString(b, i) - 1
			case '{', '[':
				depth++
			case '}', ']':
				depth--
				if depth == 0 {
					return i + 1
				}
			}
		}
		return len(b)
	default:
		for i < len(b) {
			switch b[i] {
			case ',', '}', ']', ' ', '\t', '\n', '\r':
				return i
			}
			i++
		}
		return i
	}
}
