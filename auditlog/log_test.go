package auditlog

import (
	"bufio"
	"errors"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"testing"
)

func readRecords(t *testing.T, path string) []*Record {
	t.Helper()
	f, err := os.Open(path)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	var out []*Record
	sc := bufio.NewScanner(f)
	sc.Buffer(nil, MaxRecordSize+1)
	for sc.Scan() {
		r, err := ParseRecord(sc.Bytes())
		if err != nil {
			t.Fatalf("line %d: %v", len(out)+1, err)
		}
		out = append(out, r)
	}
	return out
}

func TestWriteChainsRecords(t *testing.T) {
	for _, mode := range []Sync{SyncAlways, SyncBatch, SyncNone} {
		t.Run("in "+string(mode)+" mode concurrent writes form one chain", func(t *testing.T) {
			path := filepath.Join(t.TempDir(), "audit.jsonl")
			l, err := Open(path, Options{Sync: mode})
			if err != nil {
				t.Fatal(err)
			}
			var wg sync.WaitGroup
			for w := 0; w < 8; w++ {
				wg.Add(1)
				go func() {
					defer wg.Done()
					for i := 0; i < 50; i++ {
						if err := l.Write(Event{Event: "test", Fields: map[string]any{"w": w, "i": i}}); err != nil {
							t.Error(err)
						}
					}
				}()
			}
			wg.Wait()
			if err := l.Close(); err != nil {
				t.Fatal(err)
			}
			recs := readRecords(t, path)
			if len(recs) != 400 {
				t.Fatalf("got %d records, want 400", len(recs))
			}
			prev := genesis
			h := newHash(nil)
			for i, r := range recs {
				if r.Seq != uint64(i+1) || r.Prev != prev {
					t.Fatalf("record %d: seq %d prev %s, want seq %d prev %s", i, r.Seq, r.Prev, i+1, prev)
				}
				if err := r.check(h); err != nil {
					t.Fatalf("record %d: %v", i, err)
				}
				prev = r.Hash
			}
		})
	}
}

func TestSecondOpenIsLocked(t *testing.T) {
	path := filepath.Join(t.TempDir(), "audit.jsonl")
	l, err := Open(path, Options{})
	if err != nil {
		t.Fatal(err)
	}
	defer l.Close()
	_, err = Open(path, Options{})
	if !errors.Is(err, ErrLocked) || !strings.Contains(err.Error(), "pid") {
		t.Fatalf("second Open: %v, want ErrLocked naming the pid", err)
	}
}
