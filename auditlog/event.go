package auditlog

import (
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"slices"
	"strconv"
	"strings"
	"time"
	"unicode/utf8"
)

// Event is one audit record as a component reports it. The writer adds the
// chain fields (seq, prev, hash). The eight base fields are always written,
// even when empty, so every line has the same shape; Rules is written as []
// when nil.
type Event struct {
	Time      time.Time      `json:"ts"`         // RFC 3339 UTC with nanoseconds; Write fills a zero Time
	Event     string         `json:"event"`      // "http.request", "dns.query", "quarantine.move", ...
	RequestID string         `json:"request_id"` //
	ClientIP  string         `json:"client_ip"`  //
	TokenName string         `json:"token_name"` // a token's NAME, never its secret
	Route     string         `json:"route"`      //
	Outcome   Outcome        `json:"outcome"`    // one of the Outcome constants
	Rules     []string       `json:"rules"`      // rule ids that fired; [] rather than null
	Fields    map[string]any `json:"fields,omitempty"`
	// FieldList is Fields as a list, for a caller that makes a record per
	// request and would rather not build a map for it: the same keys and
	// values, written the same way (sorted by key, so the bytes do not
	// depend on the list's order). Keys must be distinct, and an event has
	// Fields or FieldList, not both.
	FieldList []Field `json:"-"`
}

// Field is one entry of Event.FieldList.
type Field struct {
	Key   string
	Value any
}

// hasFields reports whether e has fields, as a map or a list.
func (e *Event) hasFields() bool { return len(e.Fields) > 0 || len(e.FieldList) > 0 }

// numFields is how many fields e has.
func (e *Event) numFields() int { return len(e.Fields) + len(e.FieldList) }

// PromptDigest is how a prompt appears in the audit log: its SHA-256 (hex)
// and its length in bytes. The raw text is never logged.
func PromptDigest(text string) (sha256hex string, length int) {
	sum := sha256.Sum256([]byte(text))
	return hex.EncodeToString(sum[:]), len(text)
}

// tsLayout is RFC 3339 in UTC with a fixed nine-digit fraction, so that a
// timestamp has exactly one canonical spelling.
const tsLayout = "2006-01-02T15:04:05.000000000Z"

// forbiddenFields are keys that would put a secret or a raw prompt in the
// log. Write refuses them rather than trusting every caller to remember.
var forbiddenFields = map[string]bool{
	"prompt": true, "authorization": true, "password": true, "secret": true,
	"token": true, "api_key": true, "cookie": true,
}

// marshalFields returns the JSON of e.Fields, or nil when there are none.
// Keys are sorted, so the bytes are deterministic. Strings and integers
// are encoded here because encoding/json's reflection would dominate the
// cost of a record; other values go through encoding/json (which sorts the
// keys of nested maps too).
func marshalFields(e *Event) ([]byte, error) {
	if !e.hasFields() {
		return nil, nil
	}
	return appendFields(make([]byte, 0, 64*e.numFields()), e)
}

// appendFields appends the JSON object of e.Fields (marshalFields's bytes)
// to b.
func appendFields(b []byte, e *Event) ([]byte, error) {
	if e.FieldList != nil {
		return appendFieldList(b, e)
	}
	var arr [16]string // the keys of a usual record, without an allocation
	keys := arr[:0]
	for k := range e.Fields {
		if forbiddenFields[k] {
			return b, forbiddenErr(e, k)
		}
		keys = append(keys, k)
	}
	slices.Sort(keys)
	b = append(b, '{')
	for i, k := range keys {
		if i > 0 {
			b = append(b, ',')
		}
		b = appendString(b, k)
		b = append(b, ':')
		var err error
		if b, err = appendValue(b, e.Fields[k]); err != nil {
			return b, fmt.Errorf("auditlog: event %q: field %q cannot be encoded as JSON: %w", e.Event, k, err)
		}
	}
	return append(b, '}'), nil
}

// appendFieldList is appendFields for e.FieldList: the same object, keys
// sorted, whatever the list's order.
func appendFieldList(b []byte, e *Event) ([]byte, error) {
	if len(e.Fields) > 0 {
		return b, fmt.Errorf("auditlog: event %q has both Fields and FieldList", e.Event)
	}
	var arr [16]int // the order of a usual record's fields, without an allocation
	order := arr[:0]
	for i := range e.FieldList {
		if forbiddenFields[e.FieldList[i].Key] {
			return b, forbiddenErr(e, e.FieldList[i].Key)
		}
		order = append(order, i)
	}
	slices.SortFunc(order, func(i, j int) int { return strings.Compare(e.FieldList[i].Key, e.FieldList[j].Key) })
	b = append(b, '{')
	for n, i := range order {
		f := &e.FieldList[i]
		if n > 0 {
			if f.Key == e.FieldList[order[n-1]].Key {
				return b, fmt.Errorf("auditlog: event %q: field %q is in FieldList twice", e.Event, f.Key)
			}
			b = append(b, ',')
		}
		b = appendString(b, f.Key)
		b = append(b, ':')
		var err error
		if b, err = appendValue(b, f.Value); err != nil {
			return b, fmt.Errorf("auditlog: event %q: field %q cannot be encoded as JSON: %w", e.Event, f.Key, err)
		}
	}
	return append(b, '}'), nil
}

func forbiddenErr(e *Event, k string) error {
	return fmt.Errorf("auditlog: event %q: field %q would log a secret or raw prompt; log auditlog.PromptDigest or a token name instead", e.Event, k)
}

func appendValue(b []byte, v any) ([]byte, error) {
	switch v := v.(type) {
	case string:
		return appendString(b, v), nil
	case int:
		return strconv.AppendInt(b, int64(v), 10), nil
	case int64:
		return strconv.AppendInt(b, v, 10), nil
	case uint64:
		return strconv.AppendUint(b, v, 10), nil
	case bool:
		return strconv.AppendBool(b, v), nil
	case nil:
		return append(b, "null"...), nil
	case []string:
		if out, ok := appendPlainStrings(b, v); ok {
			return out, nil
		}
	}
	j, err := json.Marshal(v)
	return append(b, j...), err
}

// appendPlainStrings appends ss as a JSON array when every string is
// printable ASCII that encoding/json writes as it is (no quote, backslash,
// control character, or <, > and & that it escapes for HTML), so the bytes
// are the ones json.Marshal would give (an address list, a set of names).
// It reports false, having appended nothing, for any other string.
func appendPlainStrings(b []byte, ss []string) ([]byte, bool) {
	if ss == nil {
		return append(b, "null"...), true
	}
	for _, s := range ss {
		for i := 0; i < len(s); i++ {
			if c := s[i]; c < 0x20 || c >= utf8.RuneSelf || c == '"' || c == '\\' || c == '<' || c == '>' || c == '&' {
				return b, false
			}
		}
	}
	b = append(b, '[')
	for i, s := range ss {
		if i > 0 {
			b = append(b, ',')
		}
		b = append(b, '"')
		b = append(b, s...)
		b = append(b, '"')
	}
	return append(b, ']'), true
}

// appendCanonical appends the canonical bytes of a record: a JSON object
// with the keys in this fixed order and no whitespace:
//
//	{"seq":N,"prev":"HEX","ts":"…","event":"…","request_id":"…","client_ip":"…",
//	 "token_name":"…","route":"…","outcome":"…","rules":[…],"fields":{…}}
//
// "fields" is present only when the event has fields. The written line is
// these bytes with `,"hash":"HEX"` inserted before the final brace.
func appendCanonical(dst []byte, seq uint64, prev []byte, e *Event, fields []byte) []byte {
	return appendBody(appendHead(dst, seq, prev), e, fields)
}

// appendHead appends the chain part of the canonical bytes, which is known
// only under the writer's lock: {"seq":N,"prev":"HEX"
func appendHead(dst []byte, seq uint64, prev []byte) []byte {
	dst = append(dst, `{"seq":`...)
	dst = strconv.AppendUint(dst, seq, 10)
	dst = append(dst, `,"prev":"`...)
	dst = append(dst, prev...)
	return append(dst, '"')
}

// appendBody appends the rest, from ,"ts" to the closing brace. Write
// encodes it before taking the lock.
func appendBody(dst []byte, e *Event, fields []byte) []byte {
	dst = appendBase(dst, e)
	if fields != nil {
		dst = append(dst, `,"fields":`...)
		dst = append(dst, fields...)
	}
	return append(dst, '}')
}

// appendEncoded is appendBody with e's fields encoded in place (no buffer
// of their own). On an error dst holds part of the record: cut it back.
func appendEncoded(dst []byte, e *Event) ([]byte, error) {
	dst = appendBase(dst, e)
	if e.hasFields() {
		dst = append(dst, `,"fields":`...)
		var err error
		if dst, err = appendFields(dst, e); err != nil {
			return dst, err
		}
	}
	return append(dst, '}'), nil
}

// appendBase appends the body's base fields, from ,"ts" to the rules.
func appendBase(dst []byte, e *Event) []byte {
	dst = append(dst, `,"ts":"`...)
	dst = appendTS(dst, e.Time)
	dst = append(dst, `","event":`...)
	dst = appendString(dst, e.Event)
	dst = append(dst, `,"request_id":`...)
	dst = appendString(dst, e.RequestID)
	dst = append(dst, `,"client_ip":`...)
	dst = appendString(dst, e.ClientIP)
	dst = append(dst, `,"token_name":`...)
	dst = appendString(dst, e.TokenName)
	dst = append(dst, `,"route":`...)
	dst = appendString(dst, e.Route)
	dst = append(dst, `,"outcome":`...)
	dst = appendString(dst, string(e.Outcome))
	dst = append(dst, `,"rules":[`...)
	for i, r := range e.Rules {
		if i > 0 {
			dst = append(dst, ',')
		}
		dst = appendString(dst, r)
	}
	return append(dst, ']')
}

// appendTS appends t in tsLayout. It is AppendFormat without the layout
// interpretation, which costs as much as hashing the record; Write keeps
// the year within 0..9999 so the width is fixed.
func appendTS(dst []byte, t time.Time) []byte {
	t = t.UTC()
	y, mo, d := t.Date()
	h, mi, s := t.Clock()
	dst = appendDigits(dst, y, 4)
	dst = append(dst, '-')
	dst = appendDigits(dst, int(mo), 2)
	dst = append(dst, '-')
	dst = appendDigits(dst, d, 2)
	dst = append(dst, 'T')
	dst = appendDigits(dst, h, 2)
	dst = append(dst, ':')
	dst = appendDigits(dst, mi, 2)
	dst = append(dst, ':')
	dst = appendDigits(dst, s, 2)
	dst = append(dst, '.')
	dst = appendDigits(dst, t.Nanosecond(), 9)
	return append(dst, 'Z')
}

// appendDigits appends the last width decimal digits of v >= 0, zero-padded.
func appendDigits(dst []byte, v, width int) []byte {
	n := len(dst)
	dst = append(dst, make([]byte, width)...)
	for i := n + width - 1; i >= n; i-- {
		dst[i] = byte('0' + v%10)
		v /= 10
	}
	return dst
}

const hexDigits = "0123456789abcdef"

// appendString appends s as a JSON string. Invalid UTF-8 becomes U+FFFD
// written as a raw character (not \ufffd), so decoding and re-encoding a
// written string gives back the same bytes; the verifier relies on that.
func appendString(dst []byte, s string) []byte {
	dst = append(dst, '"')
	start := 0
	for i := 0; i < len(s); {
		c := s[i]
		if c < utf8.RuneSelf {
			if c >= 0x20 && c != '"' && c != '\\' {
				i++
				continue
			}
			dst = append(dst, s[start:i]...)
			switch c {
			case '"', '\\':
				dst = append(dst, '\\', c)
			case '\n':
				dst = append(dst, '\\', 'n')
			case '\r':
				dst = append(dst, '\\', 'r')
			case '\t':
				dst = append(dst, '\\', 't')
			default:
				dst = append(dst, '\\', 'u', '0', '0', hexDigits[c>>4], hexDigits[c&0xf])
			}
			i++
			start = i
			continue
		}
		r, size := utf8.DecodeRuneInString(s[i:])
		if r == utf8.RuneError && size == 1 {
			dst = append(dst, s[start:i]...)
			dst = append(dst, "\uFFFD"...)
			i++
			start = i
			continue
		}
		i += size
	}
	dst = append(dst, s[start:]...)
	return append(dst, '"')
}
