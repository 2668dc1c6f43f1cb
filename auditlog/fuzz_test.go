package auditlog

import (
	"bytes"
	"encoding/json"
	"io"
	"os"
	"testing"
)

func addGoldenLines(f *testing.F) {
	for _, name := range []string{"testdata/golden.jsonl", "testdata/golden-hmac.jsonl"} {
		b, err := os.ReadFile(name)
		if err != nil {
			f.Fatal(err)
		}
		for _, line := range bytes.Split(bytes.TrimSuffix(b, []byte("\n")), []byte("\n")) {
			f.Add(line)
		}
	}
}

// FuzzParseRecord feeds arbitrary lines to the verifier's record parser.
// Whatever it accepts must be exactly what the writer would have written
// for the parsed values, and the verifier's check-only path must accept
// and refuse the same lines as the full parser.
func FuzzParseRecord(f *testing.F) {
	addGoldenLines(f)
	f.Add([]byte(`{"seq":1,"prev":"` + genesis + `","ts":"2026-01-02T03:04:05.000000000Z","event":"\u0001\"\\","request_id":"","client_ip":"","token_name":"","route":"","outcome":"","rules":["a","b"],"fields":{"a":[1,{"b":null}]},"hash":"` + genesis + `"}`))
	f.Add([]byte(`{"seq":18446744073709551615,"prev":"` + genesis + `","ts":"2026-02-29T24:00:00.000000000Z","hash":"` + genesis + `"}`))
	f.Add([]byte(`{}`))
	f.Fuzz(func(t *testing.T, line []byte) {
		r, err := ParseRecord(line)
		_, quickErr := parseRecord(bytes.Clone(line), false)
		if (err == nil) != (quickErr == nil) {
			t.Fatalf("full parse: %v, check-only parse: %v", err, quickErr)
		}
		if err != nil {
			return
		}
		base := appendCanonical(nil, r.Seq, []byte(r.Prev), &Event{Time: r.Time, Event: r.Event.Event, RequestID: r.RequestID,
			ClientIP: r.ClientIP, TokenName: r.TokenName, Route: r.Route, Outcome: r.Outcome, Rules: r.Rules}, nil)
		base = base[:len(base)-1]
		if !bytes.HasPrefix(r.body, base) {
			t.Fatalf("parsed record re-encodes as\n%s\nnot as a prefix of\n%s", base, r.body)
		}
		if rest := r.body[len(base):]; len(rest) > 0 && (!bytes.HasPrefix(rest, []byte(`,"fields":{`)) || len(r.Fields) == 0) {
			t.Fatalf("after the base fields comes %q", rest)
		}
		if again := appendHash(bytes.Clone(r.body), []byte(r.Hash)); !bytes.Equal(again[:len(again)-1], line) {
			t.Fatalf("line does not reassemble:\n%s\n%s", again, line)
		}
	})
}

// FuzzParseCheckpoint feeds arbitrary bytes to the checkpoint reader.
func FuzzParseCheckpoint(f *testing.F) {
	f.Add([]byte(`{"seq":2,"hash":"5bae59b54fdde597ecc73cd5efd714da1fcfb4011b49157d261f72589314f86e","file":"a.jsonl","ts":"2026-11-22T02:50:45.975735295Z"}` + "\n"))
	f.Add([]byte(`{"seq":0,"hash":""}`))
	f.Add([]byte(`{"seq":1,"hash":"` + genesis + `"} {}`))
	f.Fuzz(func(t *testing.T, b []byte) {
		var cp Checkpoint
		if err := parseCheckpoint(b, &cp); err == nil && (cp.Seq == 0 || !isHex([]byte(cp.Hash))) {
			t.Fatalf("accepted %+v", cp)
		}
	})
}

// FuzzVerify feeds arbitrary file contents to the verifier. A file it
// calls intact must be a chain of records numbered from 1.
func FuzzVerify(f *testing.F) {
	for _, name := range []string{"testdata/golden.jsonl", "testdata/golden-hmac.jsonl"} {
		b, err := os.ReadFile(name)
		if err != nil {
			f.Fatal(err)
		}
		f.Add(b)
		f.Add(b[:len(b)/2])
	}
	f.Add([]byte("\n\n"))
	f.Fuzz(func(t *testing.T, data []byte) {
		open := func(string) (io.ReadCloser, error) { return io.NopCloser(bytes.NewReader(data)), nil }
		rep, err := verify([]string{"audit.jsonl"}, open, VerifyOptions{})
		if err != nil {
			t.Fatalf("in-memory file reported unreadable: %v", err)
		}
		if rep.Problem != nil {
			return
		}
		complete := data
		if rep.TornTail != nil {
			complete = data[:rep.TornTail.Offset]
		}
		lines := bytes.Split(bytes.TrimSuffix(complete, []byte("\n")), []byte("\n"))
		if len(complete) == 0 {
			lines = nil
		}
		if len(lines) != rep.Records {
			t.Fatalf("report counts %d records in %d lines", rep.Records, len(lines))
		}
		for i, line := range lines {
			if r, err := ParseRecord(line); err != nil || r.Seq != uint64(i+1) {
				t.Fatalf("line %d of an intact log: %v", i+1, err)
			}
		}
	})
}

// FuzzFieldStrings: a []string field value is encoded as encoding/json
// encodes it, whichever path appendValue takes.
func FuzzFieldStrings(f *testing.F) {
	f.Add("203.0.113.7", "2001:db8::1")
	f.Add("a<b", "")
	f.Add("tab\there", "\xff")
	f.Add(`q"uote`, `back\slash`)
	f.Add("\u2028", "&amp;")
	f.Fuzz(func(t *testing.T, a, b string) {
		for _, v := range [][]string{{a, b}, {a}, {}, nil} {
			got, err := appendValue(nil, v)
			if err != nil {
				t.Fatal(err)
			}
			want, _ := json.Marshal(v)
			if !bytes.Equal(got, want) {
				t.Fatalf("%q encodes as %s, encoding/json gives %s", v, got, want)
			}
		}
	})
}
