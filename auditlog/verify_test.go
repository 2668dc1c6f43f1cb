package auditlog

import (
	"bytes"
	"fmt"
	"io"
	"math/rand/v2"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// memLog is a log held in memory, so the mutation test can verify
// thousands of variants without writing them to disk.
type memLog struct {
	lines [][]byte // each with its newline
	cp    Checkpoint
	key   []byte
}

// newMemLog writes n records through a real Log and reads them back.
func newMemLog(t *testing.T, n int, key []byte) *memLog {
	t.Helper()
	dir := t.TempDir()
	opts := Options{Sync: SyncNone, Now: fixedClock()}
	if key != nil {
		opts.KeyFile = filepath.Join(dir, "key")
		os.WriteFile(opts.KeyFile, key, 0o600)
	}
	path := filepath.Join(dir, "audit.jsonl")
	l, err := Open(path, opts)
	if err != nil {
		t.Fatal(err)
	}
	for i := 0; i < n; i++ {
		err := l.Write(Event{Event: "http.request", RequestID: fmt.Sprintf("r-%d", i), ClientIP: "192.0.2.7",
			TokenName: "ci", Route: "/v1/chat/completions", Outcome: "allowed", Rules: []string{},
			Fields: map[string]any{"status": 200, "i": i}})
		if err != nil {
			t.Fatal(err)
		}
	}
	if err := l.Close(); err != nil {
		t.Fatal(err)
	}
	b, _ := os.ReadFile(path)
	cp, err := ReadCheckpoint(path + ".checkpoint")
	if err != nil {
		t.Fatal(err)
	}
	return &memLog{lines: bytes.SplitAfter(b, []byte("\n"))[:n], cp: cp, key: key}
}

// verify checks lines as the single file audit.jsonl, with the checkpoint.
func (m *memLog) verify(t *testing.T, lines [][]byte) *Report {
	t.Helper()
	open := func(string) (io.ReadCloser, error) { return io.NopCloser(&linesReader{lines: lines}), nil }
	cp := m.cp
	rep, err := verify([]string{"audit.jsonl"}, open, VerifyOptions{Key: m.key, Checkpoint: &cp})
	if err != nil {
		t.Fatal(err)
	}
	return rep
}

// linesReader reads lines one after another without joining them.
type linesReader struct {
	lines [][]byte
	off   int
}

func (r *linesReader) Read(p []byte) (int, error) {
	n := 0
	for n < len(p) && len(r.lines) > 0 {
		c := copy(p[n:], r.lines[0][r.off:])
		n += c
		if r.off += c; r.off == len(r.lines[0]) {
			r.lines, r.off = r.lines[1:], 0
		}
	}
	if n == 0 {
		return 0, io.EOF
	}
	return n, nil
}

// positions returns 0, step, 2*step, ... below n, and always n-1.
func positions(n, step int) []int {
	var out []int
	for i := 0; i < n; i += step {
		out = append(out, i)
	}
	if out[len(out)-1] != n-1 {
		out = append(out, n-1)
	}
	return out
}

// kindAfter is the kind of problem a wrong record after the first i
// records is: at the very start it reads as a chain with a missing head.
func kindAfter(i int) string {
	if i == 0 {
		return KindMissing
	}
	return KindTampered
}

// without returns a copy of lines with lines[i] removed.
func without(lines [][]byte, i int) [][]byte {
	return append(append([][]byte{}, lines[:i]...), lines[i+1:]...)
}

// with returns a copy of lines with line inserted before lines[i].
func with(lines [][]byte, i int, line []byte) [][]byte {
	out := append(append([][]byte{}, lines[:i]...), line)
	return append(out, lines[i:]...)
}

func replaced(lines [][]byte, i int, line []byte) [][]byte {
	out := append([][]byte{}, lines...)
	out[i] = line
	return out
}

// forge builds a well-formed record that follows record seq-1 (hash prev),
// hashed with plain SHA-256: what someone without the key can make.
func forge(seq uint64, prev string) []byte {
	e := Event{Time: fixedClock()(), Event: "http.request", Outcome: "allowed"}
	b := appendCanonical(nil, seq, []byte(prev), &e, nil)
	var sum [64]byte
	h := newHash(nil)
	h.Write(b)
	encodeHex(sum[:], h.Sum(nil))
	return appendHash(b[:len(b)-1], sum[:])
}

// TestMutationsAreDetected changes a 1,000-record log in every single way
// the issue lists, at every position, and expects each change to be
// reported at the right line.
//
// Each case verifies the log up to the change, so the whole test checks
// millions of records. The race detector makes that twenty times slower
// and finds nothing in this single-goroutine code, so under -race only
// every 25th position is changed; `make test` also runs the test without
// -race (target e2e-auditlog), covering every position.
func TestMutationsAreDetected(t *testing.T) {
	const n = 1000
	step := 1
	switch {
	case raceEnabled:
		step = 25
		t.Logf("race detector on: changing every %dth position; make e2e-auditlog covers them all", step)
	case testing.Short():
		step = 97
		t.Logf("-short: changing every %dth position; make e2e-auditlog covers them all", step)
	}
	for _, keyed := range []bool{false, true} {
		var key []byte
		name := "with plain SHA-256"
		if keyed {
			key, name = []byte("mutation-test-key-0123456789abcdef"), "with an HMAC key"
		}
		m := newMemLog(t, n, key)
		hashOf := func(i int) string { // hash of record i (1-based); genesis for 0
			if i == 0 {
				return genesis
			}
			r, err := ParseRecord(bytes.TrimSuffix(m.lines[i-1], []byte("\n")))
			if err != nil {
				t.Fatal(err)
			}
			return r.Hash
		}
		if rep := m.verify(t, m.lines); rep.Problem != nil || rep.Records != n {
			t.Fatalf("%s: the unmodified log does not verify: %+v", name, rep.Problem)
		}
		// expect checks that the first problem is at line (0: any line) and of kind.
		expect := func(t *testing.T, what string, lines [][]byte, line int, kind string) {
			t.Helper()
			rep := m.verify(t, lines)
			p := rep.Problem
			if p == nil {
				t.Fatalf("%s was not detected", what)
			}
			if (line != 0 && p.Line != line) || (kind != "" && p.Kind != kind) {
				t.Fatalf("%s: reported %v, want line %d kind %q", what, p, line, kind)
			}
		}
		t.Run(name, func(t *testing.T) {
			t.Run("every modified record is reported at its own line", func(t *testing.T) {
				t.Parallel()
				rng := rand.New(rand.NewPCG(1, 2))
				for _, i := range positions(n, step) {
					line := m.lines[i]
					edited := bytes.Replace(line, []byte(`"outcome":"allowed"`), []byte(`"outcome":"blocked"`), 1)
					expect(t, fmt.Sprintf("changing the outcome of record %d", i+1), replaced(m.lines, i, edited), i+1, KindTampered)
					flipped := bytes.Clone(line)
					pos := rng.IntN(len(line) - 1)
					flipped[pos] ^= byte(1 + rng.IntN(255))
					expect(t, fmt.Sprintf("changing byte %d of record %d", pos, i+1), replaced(m.lines, i, flipped), i+1, "")
				}
			})
			t.Run("every deleted record is detected", func(t *testing.T) {
				t.Parallel()
				for _, i := range positions(n-1, step) {
					expect(t, fmt.Sprintf("deleting record %d", i+1), without(m.lines, i), i+1, "")
				}
				expect(t, "deleting the last record", m.lines[:n-1], 0, KindTruncated)
			})
			t.Run("every inserted record is detected", func(t *testing.T) {
				t.Parallel()
				for _, p := range positions(n+1, step) {
					replay := m.lines[(p+n/2)%n]
					expect(t, fmt.Sprintf("replaying a record before line %d", p+1), with(m.lines, p, replay), p+1, kindAfter(p))
					if keyed || p < n {
						forged := forge(uint64(p+1), hashOf(p))
						want := p + 1 // the key, or the checkpoint at the end, catches it at once
						if !keyed && p < n-1 {
							want = p + 2 // the chain catches the record after it
						}
						expect(t, fmt.Sprintf("forging a record before line %d", p+1), with(m.lines, p, forged), want, KindTampered)
					}
				}
			})
			t.Run("every swap of two records is detected", func(t *testing.T) {
				t.Parallel()
				swap := func(a, b int) [][]byte {
					out := append([][]byte{}, m.lines...)
					out[a], out[b] = out[b], out[a]
					return out
				}
				for _, i := range positions(n-1, step) {
					expect(t, fmt.Sprintf("swapping records %d and %d", i+1, i+2), swap(i, i+1), i+1, kindAfter(i))
				}
				rng := rand.New(rand.NewPCG(3, 4))
				for range 300 / step {
					a, b := rng.IntN(n), rng.IntN(n)
					if a == b {
						continue
					}
					a, b = min(a, b), max(a, b)
					expect(t, fmt.Sprintf("swapping records %d and %d", a+1, b+1), swap(a, b), a+1, kindAfter(a))
				}
			})
			t.Run("every truncation is detected with the checkpoint", func(t *testing.T) {
				t.Parallel()
				for _, k := range positions(n, step) {
					expect(t, fmt.Sprintf("truncating after record %d", k), m.lines[:k], 0, KindTruncated)
					torn := append(append([][]byte{}, m.lines[:k]...), m.lines[k][:len(m.lines[k])/2])
					expect(t, fmt.Sprintf("truncating inside record %d", k+1), torn, 0, KindTruncated)
				}
			})
		})
	}
}

// Without the key an attacker can rewrite a record and recompute every
// hash after it. The plain chain then verifies; the HMAC chain does not.
func TestHMACChainCannotBeRecomputedWithoutTheKey(t *testing.T) {
	const n = 50
	for _, keyed := range []bool{false, true} {
		var key []byte
		if keyed {
			key = []byte("rechain-test-key-0123456789abcdef")
		}
		m := newMemLog(t, n, key)
		var lines [][]byte
		prev := genesis
		for i, line := range m.lines {
			r, err := ParseRecord(bytes.TrimSuffix(line, []byte("\n")))
			if err != nil {
				t.Fatal(err)
			}
			if i == 9 {
				r.Outcome = "rejected"
			}
			b := appendCanonical(nil, r.Seq, []byte(prev), &r.Event, mustJSON(t, r.Fields))
			var sum [64]byte
			h := newHash(nil) // the attacker's best guess: plain SHA-256
			h.Write(b)
			encodeHex(sum[:], h.Sum(nil))
			lines = append(lines, appendHash(b[:len(b)-1], sum[:]))
			prev = string(sum[:])
		}
		m.cp.Hash = prev // the attacker rewrites the local checkpoint too
		rep := m.verify(t, lines)
		switch {
		case keyed && (rep.Problem == nil || rep.Problem.Line != 1):
			t.Errorf("HMAC log re-chained without the key: want a problem at line 1, got %+v", rep.Problem)
		case !keyed && rep.Problem != nil:
			t.Errorf("plain log re-chained by the attacker should verify (the HMAC key is what prevents this): %+v", rep.Problem)
		}
	}
}

func mustJSON(t *testing.T, fields map[string]any) []byte {
	t.Helper()
	e := Event{Fields: fields}
	b, err := marshalFields(&e)
	if err != nil {
		t.Fatal(err)
	}
	return b
}

func TestVerifyReports(t *testing.T) {
	m := newMemLog(t, 20, nil)
	t.Run("a torn tail within the checkpoint is a warning, not a problem", func(t *testing.T) {
		lines := append(append([][]byte{}, m.lines...), []byte(`{"seq":21,"pr`))
		rep := m.verify(t, lines)
		if rep.Problem != nil || rep.TornTail == nil || rep.TornTail.Line != 21 || rep.TornTail.Bytes != 13 {
			t.Fatalf("got problem %+v torn %+v", rep.Problem, rep.TornTail)
		}
	})
	t.Run("a record changed after the checkpoint was taken is reported against it", func(t *testing.T) {
		m2 := *m
		m2.cp.Hash = strings.Repeat("a", 64)
		rep := m2.verify(t, m.lines)
		if rep.Problem == nil || rep.Problem.Seq != 20 || !strings.Contains(rep.Problem.Reason, "checkpoint") {
			t.Fatalf("got %+v", rep.Problem)
		}
	})
	t.Run("a checkpoint before the first record given is reported", func(t *testing.T) {
		m2 := *m
		m2.cp.Seq = 1
		data := bytes.Join(m.lines[5:], nil)
		open := func(string) (io.ReadCloser, error) { return io.NopCloser(bytes.NewReader(data)), nil }
		rep, err := verify([]string{"a"}, open, VerifyOptions{Checkpoint: &m2.cp, Partial: true})
		if err != nil || rep.Problem == nil || rep.Problem.Kind != KindMissing {
			t.Fatalf("got %v %+v", err, rep.Problem)
		}
	})
	t.Run("an unreadable file is an error, not a report", func(t *testing.T) {
		if _, err := Verify([]string{filepath.Join(t.TempDir(), "missing")}, VerifyOptions{}); err == nil {
			t.Fatal("no error")
		}
		if _, err := Verify([]string{t.TempDir()}, VerifyOptions{}); err == nil {
			t.Fatal("a directory was read as a log")
		}
	})
	t.Run("two files holding the same records are reported", func(t *testing.T) {
		data := bytes.Join(m.lines, nil)
		open := func(string) (io.ReadCloser, error) { return io.NopCloser(bytes.NewReader(data)), nil }
		rep, err := verify([]string{"a", "b"}, open, VerifyOptions{})
		if err != nil || rep.Problem == nil || rep.Problem.Kind != KindTampered {
			t.Fatalf("got %v %+v", err, rep.Problem)
		}
	})
}
