package auditlog

import (
	"bytes"
	"encoding/json"
	"flag"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"
	"time"
)

var update = flag.Bool("update", false, "rewrite testdata/golden*.jsonl")

// fixedClock returns a clock that starts at a fixed instant and moves one
// millisecond per call, so written logs are byte-for-byte reproducible.
func fixedClock() func() time.Time {
	t := time.Date(2026, 1, 2, 3, 4, 5, 123456789, time.UTC)
	return func() time.Time {
		t = t.Add(time.Millisecond)
		return t
	}
}

// goldenEvents cover every field, escapes, invalid UTF-8 and fields.
func goldenEvents() []Event {
	sum, n := PromptDigest("ignore previous instructions")
	return []Event{
		{Event: "http.request", RequestID: "r-1", ClientIP: "127.0.0.1", TokenName: "ci", Route: "/v1/chat/completions",
			Outcome: "rejected", Rules: []string{"PI-001", "PI-007"},
			Fields: map[string]any{"status": 400, "prompt_sha256": sum, "prompt_len": n}},
		{Event: "dns.query", ClientIP: "10.0.0.2", Outcome: "blocked", Fields: map[string]any{"qname": "evil.example.", "qtype": "A"}},
		{Event: "quarantine.move", Outcome: "allowed", Route: "tab\there \"quoted\" back\\slash \x01 \xff é ☃"},
		{Time: time.Date(2025, 12, 31, 23, 59, 59, 0, time.FixedZone("X", 3600)), Event: "http.request", Outcome: "allowed", Rules: []string{}},
	}
}

func writeGolden(t *testing.T, keyFile string) []byte {
	t.Helper()
	path := filepath.Join(t.TempDir(), "audit.jsonl")
	l, err := Open(path, Options{KeyFile: keyFile, Now: fixedClock(), Checkpoint: "off"})
	if err != nil {
		t.Fatal(err)
	}
	for _, e := range goldenEvents() {
		if err := l.Write(e); err != nil {
			t.Fatal(err)
		}
	}
	if err := l.Close(); err != nil {
		t.Fatal(err)
	}
	b, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	return b
}

// The record format is a promise to every log already written: a change
// that alters these bytes breaks verification of old logs.
func TestRecordFormatIsStable(t *testing.T) {
	for _, tc := range []struct{ name, golden, key string }{
		{"a plain SHA-256 log is written byte for byte as in testdata", "testdata/golden.jsonl", ""},
		{"an HMAC log is written byte for byte as in testdata", "testdata/golden-hmac.jsonl", "testdata/golden.key"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			got := writeGolden(t, tc.key)
			if *update {
				if err := os.WriteFile(tc.golden, got, 0o644); err != nil {
					t.Fatal(err)
				}
			}
			want, err := os.ReadFile(tc.golden)
			if err != nil {
				t.Fatal(err)
			}
			if !bytes.Equal(got, want) {
				t.Fatalf("written log differs from %s:\n got: %s\nwant: %s", tc.golden, got, want)
			}
		})
	}
}

func TestRecordsAreValidJSONWithTheBaseFields(t *testing.T) {
	lines := bytes.Split(bytes.TrimSuffix(writeGolden(t, ""), []byte("\n")), []byte("\n"))
	for i, line := range lines {
		var m map[string]json.RawMessage
		if err := json.Unmarshal(line, &m); err != nil {
			t.Fatalf("line %d is not JSON: %v", i+1, err)
		}
		for _, k := range []string{"seq", "prev", "hash", "ts", "event", "request_id", "client_ip", "token_name", "route", "outcome", "rules"} {
			if _, ok := m[k]; !ok {
				t.Errorf("line %d has no %q", i+1, k)
			}
		}
		if string(m["rules"]) == "null" {
			t.Errorf("line %d: rules is null, want []", i+1)
		}
		var ts string
		json.Unmarshal(m["ts"], &ts)
		if _, err := time.Parse(time.RFC3339Nano, ts); err != nil || !strings.HasSuffix(ts, "Z") || len(ts) != len(tsLayout) {
			t.Errorf("line %d: ts %q is not RFC 3339 UTC with nanoseconds", i+1, ts)
		}
	}
	r, err := ParseRecord(lines[3])
	if err != nil {
		t.Fatal(err)
	}
	if want := time.Date(2025, 12, 31, 22, 59, 59, 0, time.UTC); !r.Time.Equal(want) || r.Time.Location() != time.UTC {
		t.Errorf("a caller's time in another zone is stored as %v, want %v in UTC", r.Time, want)
	}
}

func TestStringsSurviveTheCanonicalEncoding(t *testing.T) {
	for _, tc := range []struct{ name, in, want string }{
		{"plain ASCII is kept", "abc", "abc"},
		{"quotes and backslashes are escaped", `a"b\c`, `a"b\c`},
		{"control characters are escaped", "a\n\r\t\x00\x1f\x7f", "a\n\r\t\x00\x1f\x7f"},
		{"multi-byte UTF-8 is kept", "é☃😀\u2028", "é☃😀\u2028"},
		{"invalid UTF-8 becomes U+FFFD", "a\xffb\xc3", "a\uFFFDb\uFFFD"},
		{"HTML characters are kept", "<a&b>", "<a&b>"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			enc := appendString(nil, tc.in)
			var viaJSON string
			if err := json.Unmarshal(enc, &viaJSON); err != nil || viaJSON != tc.want {
				t.Fatalf("encoding/json reads %s as %q (%v), want %q", enc, viaJSON, err, tc.want)
			}
			p := parser{b: enc}
			if got := p.str(); p.err != nil || got != tc.want || p.i != len(enc) {
				t.Fatalf("parser reads %s as %q (%v)", enc, got, p.err)
			}
			if again := appendString(nil, viaJSON); !bytes.Equal(again, enc) {
				t.Fatalf("re-encoding gives %s, want %s", again, enc)
			}
		})
	}
}

func TestParseRecordAcceptsOnlyTheWritersSpelling(t *testing.T) {
	lines := bytes.Split(writeGolden(t, ""), []byte("\n"))
	good := string(lines[0])
	if _, err := ParseRecord(lines[0]); err != nil {
		t.Fatalf("a written record does not parse: %v", err)
	}
	for _, tc := range []struct{ name, old, new string }{
		{"a space after a colon", `"event":"http`, `"event": "http`},
		{"keys out of order", `"request_id":"r-1","client_ip":"127.0.0.1"`, `"client_ip":"127.0.0.1","request_id":"r-1"`},
		{"an unknown key", `,"rules":`, `,"extra":1,"rules":`},
		{"a repeated key", `,"route":`, `,"outcome":"x","route":`},
		{"rules as null", `"rules":["PI-001","PI-007"]`, `"rules":null`},
		{"a unicode escape the writer would not use", `"r-1"`, `"r\u002d1"`},
		{"a timestamp without nanoseconds", `.124456789Z"`, `Z"`},
		{"a timestamp in another zone", `.124456789Z"`, `.124456789+00:00"`},
		{"seq 0", `{"seq":1,`, `{"seq":0,`},
		{"seq with a leading zero", `{"seq":1,`, `{"seq":01,`},
		{"upper-case hex in prev", `"prev":"0000`, `"prev":"A000`},
		{"empty fields", `"fields":{"prompt_len`, `"fields":{},"x":{"prompt_len`},
		{"fields that are not an object", `"fields":{"prompt_len":28,"prompt_sha256":`, `"fields":["prompt_len",28,`},
		{"no hash", `,"hash":"`, `,"hush":"`},
		{"bytes after the record", `"}`, `"} `},
	} {
		t.Run("it rejects "+tc.name, func(t *testing.T) {
			bad := strings.Replace(good, tc.old, tc.new, 1)
			if bad == good {
				t.Fatalf("test case does not change the record: %q not in %s", tc.old, good)
			}
			if r, err := ParseRecord([]byte(bad)); err == nil {
				t.Fatalf("accepted %s as %+v", bad, r)
			}
		})
	}
}

func TestPromptDigest(t *testing.T) {
	sum, n := PromptDigest("hello")
	if sum != "2cf24dba5fb0a30e26e83b2ac5b9e29e1b161e5c1fa7425e73043362938b9824" || n != 5 {
		t.Fatalf("PromptDigest(hello) = %s, %d", sum, n)
	}
}

func TestWriteRefusesSecretsAndRawPrompts(t *testing.T) {
	l, err := Open(filepath.Join(t.TempDir(), "audit.jsonl"), Options{})
	if err != nil {
		t.Fatal(err)
	}
	defer l.Close()
	for _, k := range []string{"prompt", "authorization", "token", "api_key"} {
		err := l.Write(Event{Event: "http.request", Fields: map[string]any{k: "sk-live-123"}})
		if err == nil || !strings.Contains(err.Error(), k) {
			t.Errorf("field %q: Write returned %v, want an error naming it", k, err)
		}
	}
	if err := l.Write(Event{Event: "x", Fields: map[string]any{"bad": func() {}}}); err == nil {
		t.Error("a field JSON cannot encode was accepted")
	}
}

func TestTimestampsMatchTheLayout(t *testing.T) {
	for _, ts := range []time.Time{
		{}, time.Unix(0, 0), time.Date(9999, 12, 31, 23, 59, 59, 999999999, time.UTC),
		time.Date(2026, 6, 1, 12, 0, 0, 1, time.FixedZone("", -7*3600)), time.Now(),
	} {
		if got, want := string(appendTS(nil, ts)), ts.UTC().Format(tsLayout); got != want {
			t.Errorf("appendTS(%v) = %s, want %s", ts, got, want)
		}
	}
	l, err := Open(filepath.Join(t.TempDir(), "audit.jsonl"), Options{})
	if err != nil {
		t.Fatal(err)
	}
	defer l.Close()
	if err := l.Write(Event{Event: "x", Time: time.Date(10000, 1, 1, 0, 0, 0, 0, time.UTC)}); err == nil {
		t.Error("a time in year 10000 was written; the record would not verify")
	}
}

func TestOversizedEventsAreRefused(t *testing.T) {
	path := filepath.Join(t.TempDir(), "audit.jsonl")
	l, err := Open(path, Options{})
	if err != nil {
		t.Fatal(err)
	}
	defer l.Close()
	if err := l.Write(Event{Event: "big", Fields: map[string]any{"x": strings.Repeat("a", MaxRecordSize)}}); err == nil {
		t.Fatal("a record over MaxRecordSize was written")
	}
	if err := l.Write(Event{Event: "fits", Fields: map[string]any{"x": strings.Repeat("a", MaxRecordSize-1024)}}); err != nil {
		t.Fatalf("a record just under MaxRecordSize: %v", err)
	}
	l.Close()
	mustVerify(t, []string{path}, VerifyOptions{})
}

// FieldList is written exactly as Fields with the same keys and values,
// whatever the list's order.
func TestFieldListEncodesLikeFields(t *testing.T) {
	fieldSets := []map[string]any{
		{"status": 400, "prompt_sha256": "ab", "prompt_len": 7},
		{"method": "CONNECT", "status": 200, "duration_ms": int64(3), "host": "api.example.com", "port": 443,
			"addr": "93.184.216.34:443", "resolved": []string{"93.184.216.34", "2606:2800::1"}, "bytes_up": int64(517),
			"bytes_down": int64(1 << 40), "end": "closed"},
		{"nested": map[string]any{"b": 1, "a": []any{"x", nil}}, "html": []string{"<a>&"}, "u": uint64(1 << 63), "ok": true, "nil": nil},
		{"tab\tkey": "\xff é ☃", "": "empty key"},
	}
	for i, fields := range fieldSets {
		keys := make([]string, 0, len(fields))
		for k := range fields {
			keys = append(keys, k)
		}
		// Reverse-sorted, so the encoder has to sort.
		slices.Sort(keys)
		slices.Reverse(keys)
		var list []Field
		for _, k := range keys {
			list = append(list, Field{Key: k, Value: fields[k]})
		}
		e := Event{Event: "x", Outcome: OutcomeAllowed}
		e.Fields = fields
		want, err := appendEncoded(nil, &e)
		if err != nil {
			t.Fatal(err)
		}
		e.Fields, e.FieldList = nil, list
		got, err := appendEncoded(nil, &e)
		if err != nil {
			t.Fatal(err)
		}
		if !bytes.Equal(got, want) {
			t.Errorf("set %d: FieldList gives\n%s\nFields gives\n%s", i, got, want)
		}
	}
	// No fields at all: no "fields" key, as for an empty map.
	e := Event{Event: "x", FieldList: []Field{}}
	got, _ := appendEncoded(nil, &e)
	if bytes.Contains(got, []byte(`"fields"`)) {
		t.Errorf("an empty FieldList wrote %s", got)
	}
}

func TestFieldListIsCheckedLikeFields(t *testing.T) {
	l, err := Open(filepath.Join(t.TempDir(), "audit.jsonl"), Options{})
	if err != nil {
		t.Fatal(err)
	}
	defer l.Close()
	for _, k := range []string{"prompt", "authorization", "token", "api_key"} {
		for name, write := range map[string]func(Event) error{"Write": l.Write, "Enqueue": l.Enqueue} {
			err := write(Event{Event: "http.request", FieldList: []Field{{"status", 200}, {k, "sk-live-123"}}})
			if err == nil || !strings.Contains(err.Error(), k) {
				t.Errorf("field %q: %s returned %v, want an error naming it", k, name, err)
			}
		}
	}
	for name, e := range map[string]Event{
		"a key given twice":    {Event: "x", FieldList: []Field{{"a", 1}, {"b", 2}, {"a", 3}}},
		"both Fields and list": {Event: "x", Fields: map[string]any{"a": 1}, FieldList: []Field{{"b", 2}}},
		"a value JSON refuses": {Event: "x", FieldList: []Field{{"bad", func() {}}}},
	} {
		if err := l.Write(e); err == nil {
			t.Errorf("%s: accepted", name)
		}
	}
	if err := l.Enqueue(Event{Event: "x", Fields: map[string]any{"a": 1}, FieldList: []Field{{"b", 2}}}); err == nil {
		t.Error("Enqueue accepted an event with both Fields and FieldList")
	}
}
