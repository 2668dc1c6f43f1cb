package auditlog

import (
	"bytes"
	"errors"
	"fmt"
	"math/rand/v2"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"
)

// readRecords parses the complete lines of path; a torn last line is left
// to the verifier.
func readRecords(t *testing.T, path string) []*Record {
	t.Helper()
	b, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	var out []*Record
	for line := range bytes.Lines(b) {
		if !bytes.HasSuffix(line, []byte("\n")) {
			break
		}
		r, err := ParseRecord(line[:len(line)-1])
		if err != nil {
			t.Fatalf("%s line %d: %v", path, len(out)+1, err)
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

// lockChildEnv makes the test binary act as a second process that tries to
// open the log named by the variable's value.
const lockChildEnv = "AUDITLOG_TEST_LOCK_CHILD"

func TestMain(m *testing.M) {
	if path := os.Getenv(lockChildEnv); path != "" {
		lockChild(path)
	}
	if os.Getenv(killChildEnv) != "" {
		killChild()
	}
	os.Exit(m.Run())
}

func lockChild(path string) {
	l, err := Open(path, Options{})
	if err == nil {
		l.Close()
		fmt.Println("opened")
		os.Exit(0)
	}
	fmt.Println(err)
	if errors.Is(err, ErrLocked) {
		os.Exit(3)
	}
	os.Exit(1)
}

func TestSecondOpenFromAnotherProcessIsLocked(t *testing.T) {
	path := filepath.Join(t.TempDir(), "audit.jsonl")
	child := func() (string, int) {
		cmd := exec.Command(os.Args[0], "-test.run=^$")
		cmd.Env = append(os.Environ(), lockChildEnv+"="+path)
		out, _ := cmd.Output()
		return string(out), cmd.ProcessState.ExitCode()
	}
	l, err := Open(path, Options{})
	if err != nil {
		t.Fatal(err)
	}
	out, code := child()
	if code != 3 || !strings.Contains(out, fmt.Sprintf("pid %d", os.Getpid())) {
		t.Fatalf("while this process holds the log, another got exit %d: %s", code, out)
	}
	if err := l.Close(); err != nil {
		t.Fatal(err)
	}
	if out, code := child(); code != 0 {
		t.Fatalf("after Close, another process could not open the log: %d %s", code, out)
	}
}

func writeN(t testing.TB, l *Log, n int) {
	t.Helper()
	for i := 0; i < n; i++ {
		if err := l.Write(Event{Event: "test.event", Outcome: "allowed", Fields: map[string]any{"i": i}}); err != nil {
			t.Fatal(err)
		}
	}
}

func mustVerify(t *testing.T, paths []string, opts VerifyOptions) *Report {
	t.Helper()
	rep, err := Verify(paths, opts)
	if err != nil {
		t.Fatal(err)
	}
	if rep.Problem != nil {
		t.Fatalf("Verify: %v", rep.Problem)
	}
	return rep
}

func allFiles(t *testing.T, path string) []string {
	t.Helper()
	files, err := Files(path)
	if err != nil {
		t.Fatal(err)
	}
	return files
}

func TestRotationBySizeChainsAcrossFiles(t *testing.T) {
	path := filepath.Join(t.TempDir(), "audit.jsonl")
	l, err := Open(path, Options{Sync: SyncAlways, RotateSize: 2000})
	if err != nil {
		t.Fatal(err)
	}
	writeN(t, l, 100)
	if err := l.Close(); err != nil {
		t.Fatal(err)
	}
	files := allFiles(t, path)
	if len(files) < 10 {
		t.Fatalf("100 records of ~250 bytes with rotate_size 2000 made only %d files", len(files))
	}
	for _, f := range files {
		if st, _ := os.Stat(f); st.Size() > 2000 {
			t.Errorf("%s is %d bytes, over rotate_size", f, st.Size())
		}
	}
	cp, err := ReadCheckpoint(path + ".checkpoint")
	if err != nil {
		t.Fatal(err)
	}
	t.Run("the verifier follows the chain given the files in any order", func(t *testing.T) {
		shuffled := append([]string(nil), files...)
		rand.Shuffle(len(shuffled), func(i, j int) { shuffled[i], shuffled[j] = shuffled[j], shuffled[i] })
		rep := mustVerify(t, shuffled, VerifyOptions{Checkpoint: &cp})
		if rep.Records != 100 || rep.LastSeq != 100 || len(rep.Files) != len(files) {
			t.Fatalf("report %+v", rep)
		}
		for i, fr := range rep.Files {
			if fr.File != files[i] {
				t.Fatalf("file %d in chain order is %s, want %s", i, fr.File, files[i])
			}
		}
	})
	t.Run("a missing middle file is reported", func(t *testing.T) {
		gap := append(append([]string(nil), files[:3]...), files[4:]...)
		rep, err := Verify(gap, VerifyOptions{})
		if err != nil || rep.Problem == nil || rep.Problem.Kind != KindMissing || rep.Problem.File != files[4] {
			t.Fatalf("Verify without %s: %v %+v", files[3], err, rep.Problem)
		}
	})
	t.Run("a missing first file is reported unless --partial", func(t *testing.T) {
		rep, err := Verify(files[1:], VerifyOptions{})
		if err != nil || rep.Problem == nil || rep.Problem.Kind != KindMissing {
			t.Fatalf("Verify without the first file: %v %+v", err, rep.Problem)
		}
		mustVerify(t, files[1:], VerifyOptions{Partial: true})
	})
	t.Run("reopening continues the chain in the active file", func(t *testing.T) {
		l, err := Open(path, Options{RotateSize: 2000})
		if err != nil {
			t.Fatal(err)
		}
		writeN(t, l, 5)
		l.Close()
		if rep := mustVerify(t, allFiles(t, path), VerifyOptions{}); rep.LastSeq != 105 {
			t.Fatalf("last seq %d, want 105", rep.LastSeq)
		}
	})
}

func TestRotationByAge(t *testing.T) {
	path := filepath.Join(t.TempDir(), "audit.jsonl")
	now := time.Date(2026, 3, 1, 0, 0, 0, 0, time.UTC)
	clock := func() time.Time { return now }
	l, err := Open(path, Options{RotateAge: time.Hour, Now: clock})
	if err != nil {
		t.Fatal(err)
	}
	writeN(t, l, 3)
	now = now.Add(59 * time.Minute)
	writeN(t, l, 3)
	if files := allFiles(t, path); len(files) != 1 {
		t.Fatalf("rotated before rotate_age: %v", files)
	}
	now = now.Add(time.Minute)
	writeN(t, l, 3)
	l.Close()
	files := allFiles(t, path)
	if len(files) != 2 || files[0] != rotatedName(path, 1) {
		t.Fatalf("after rotate_age: files %v, want %s and the active file", files, rotatedName(path, 1))
	}
	if rep := mustVerify(t, files, VerifyOptions{}); rep.Files[0].Records != 6 || rep.Files[1].Records != 3 {
		t.Fatalf("report %+v", rep.Files)
	}
}

func TestReopenAfterInterruptedRotation(t *testing.T) {
	path := filepath.Join(t.TempDir(), "audit.jsonl")
	l, err := Open(path, Options{})
	if err != nil {
		t.Fatal(err)
	}
	writeN(t, l, 4)
	l.Close()
	// A crash between the link and the remove leaves both names.
	if err := os.Link(path, rotatedName(path, 1)); err != nil {
		t.Fatal(err)
	}
	l, err = Open(path, Options{})
	if err != nil {
		t.Fatal(err)
	}
	writeN(t, l, 2)
	l.Close()
	files := allFiles(t, path)
	if rep := mustVerify(t, files, VerifyOptions{}); len(files) != 2 || rep.Records != 6 || rep.Files[1].FirstSeq != 5 {
		t.Fatalf("files %v, report %+v", files, rep)
	}
}

func TestTornTailIsCutAndRecorded(t *testing.T) {
	path := filepath.Join(t.TempDir(), "audit.jsonl")
	l, err := Open(path, Options{})
	if err != nil {
		t.Fatal(err)
	}
	writeN(t, l, 10)
	l.Close()
	st, _ := os.Stat(path)
	torn := `{"seq":11,"prev":"8d2`
	f, _ := os.OpenFile(path, os.O_WRONLY|os.O_APPEND, 0)
	f.WriteString(torn)
	f.Close()

	rep := mustVerify(t, []string{path}, VerifyOptions{})
	if rep.TornTail == nil || rep.TornTail.Line != 11 || rep.TornTail.Offset != st.Size() || rep.TornTail.Bytes != int64(len(torn)) {
		t.Fatalf("torn tail %+v, want line 11 at offset %d, %d bytes", rep.TornTail, st.Size(), len(torn))
	}

	l, err = Open(path, Options{})
	if err != nil {
		t.Fatal(err)
	}
	writeN(t, l, 1)
	l.Close()
	rep = mustVerify(t, []string{path}, VerifyOptions{})
	if rep.TornTail != nil || rep.Records != 12 {
		t.Fatalf("after reopening: %+v", rep)
	}
	recs := readRecords(t, path)
	ev := recs[10]
	if ev.Event.Event != "auditlog.torn_tail" || ev.Fields["offset"] != float64(st.Size()) || ev.Fields["bytes"] != float64(len(torn)) {
		t.Fatalf("record 11 is %+v, want an auditlog.torn_tail event with offset and bytes", ev.Event)
	}
}

func TestOpenRefusesAChainItCannotTrust(t *testing.T) {
	dir := t.TempDir()
	keyA, keyB := filepath.Join(dir, "a.key"), filepath.Join(dir, "b.key")
	os.WriteFile(keyA, []byte("aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa\n"), 0o600)
	os.WriteFile(keyB, []byte("bbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbb\n"), 0o600)
	path := filepath.Join(dir, "audit.jsonl")
	l, err := Open(path, Options{KeyFile: keyA})
	if err != nil {
		t.Fatal(err)
	}
	writeN(t, l, 10)
	l.Close()

	for _, tc := range []struct {
		name string
		opts Options
		want string
	}{
		{"another key", Options{KeyFile: keyB}, "hash mismatch"},
		{"no key", Options{}, "hash mismatch"},
	} {
		t.Run("opening with "+tc.name+" is refused", func(t *testing.T) {
			l, err := Open(path, tc.opts)
			if err == nil {
				l.Close()
				t.Fatal("Open succeeded")
			}
			if !strings.Contains(err.Error(), tc.want) || !strings.Contains(err.Error(), path) {
				t.Fatalf("error %q does not name the file and %q", err, tc.want)
			}
		})
	}
	t.Run("a log that ends before its checkpoint is refused", func(t *testing.T) {
		b, _ := os.ReadFile(path)
		lines := bytes.SplitAfter(b, []byte("\n"))
		os.WriteFile(path, bytes.Join(lines[:6], nil), 0o600)
		l, err := Open(path, Options{KeyFile: keyA})
		if err == nil {
			l.Close()
			t.Fatal("Open succeeded")
		}
		if !strings.Contains(err.Error(), "checkpoint") || !strings.Contains(err.Error(), "seq 10") {
			t.Fatalf("error %q does not explain the checkpoint", err)
		}
	})
}

func TestWriteAfterClose(t *testing.T) {
	l, err := Open(filepath.Join(t.TempDir(), "audit.jsonl"), Options{})
	if err != nil {
		t.Fatal(err)
	}
	if err := l.Close(); err != nil {
		t.Fatal(err)
	}
	if err := l.Write(Event{Event: "late"}); !errors.Is(err, ErrClosed) {
		t.Fatalf("Write after Close: %v", err)
	}
	if err := l.Close(); err != nil {
		t.Fatalf("second Close: %v", err)
	}
}

// waitFor polls cond; the deadline only bounds a broken test.
func waitFor(t *testing.T, what string, cond func() bool) {
	t.Helper()
	for deadline := time.Now().Add(10 * time.Second); !cond(); time.Sleep(5 * time.Millisecond) {
		if time.Now().After(deadline) {
			t.Fatalf("gave up waiting for %s", what)
		}
	}
}

func TestBackgroundFlushAndCheckpoint(t *testing.T) {
	path := filepath.Join(t.TempDir(), "audit.jsonl")
	l, err := Open(path, Options{Sync: SyncNone, FlushInterval: 10 * time.Millisecond, CheckpointInterval: 20 * time.Millisecond})
	if err != nil {
		t.Fatal(err)
	}
	defer l.Close()
	writeN(t, l, 3)
	waitFor(t, "the none-mode buffer to reach the file", func() bool {
		b, _ := os.ReadFile(path)
		return bytes.Count(b, []byte("\n")) == 3
	})
	waitFor(t, "a checkpoint naming seq 3", func() bool {
		cp, err := ReadCheckpoint(path + ".checkpoint")
		return err == nil && cp.Seq == 3
	})
	cp, _ := ReadCheckpoint(path + ".checkpoint")
	mustVerify(t, []string{path}, VerifyOptions{Checkpoint: &cp})
}

func TestAFailedCheckpointIsRecordedInTheLog(t *testing.T) {
	dir := t.TempDir()
	path := filepath.Join(dir, "audit.jsonl")
	l, err := Open(path, Options{Checkpoint: filepath.Join(dir, "missing", "cp"), CheckpointInterval: 10 * time.Millisecond})
	if err != nil {
		t.Fatal(err)
	}
	writeN(t, l, 1)
	waitFor(t, "an auditlog.checkpoint_failed record", func() bool {
		b, _ := os.ReadFile(path)
		return bytes.Contains(b, []byte(`"event":"auditlog.checkpoint_failed"`))
	})
	if err := l.Close(); err == nil || !strings.Contains(err.Error(), "checkpoint") {
		t.Fatalf("Close: %v, want the checkpoint error", err)
	}
	mustVerify(t, []string{path}, VerifyOptions{})
}

func TestVerifyCountsAFileUnderTwoNamesOnce(t *testing.T) {
	path := filepath.Join(t.TempDir(), "audit.jsonl")
	l, err := Open(path, Options{})
	if err != nil {
		t.Fatal(err)
	}
	writeN(t, l, 3)
	l.Close()
	// What a crash between the link and the remove of a rotation leaves.
	if err := os.Link(path, rotatedName(path, 1)); err != nil {
		t.Fatal(err)
	}
	if rep := mustVerify(t, allFiles(t, path), VerifyOptions{}); rep.Records != 3 || len(rep.Files) != 1 {
		t.Fatalf("report %+v", rep)
	}
}

func TestEnqueueIsWrittenWithoutWaiting(t *testing.T) {
	for _, mode := range []Sync{SyncAlways, SyncBatch, SyncNone} {
		t.Run(string(mode), func(t *testing.T) {
			path := filepath.Join(t.TempDir(), "audit.jsonl")
			l, err := Open(path, Options{Sync: mode, FlushInterval: 10 * time.Millisecond})
			if err != nil {
				t.Fatal(err)
			}
			defer l.Close()
			var wg sync.WaitGroup
			for i := range 40 {
				wg.Go(func() {
					if err := l.Enqueue(Event{Event: "test.enqueue", Fields: map[string]any{"i": i}}); err != nil {
						t.Error(err)
					}
				})
			}
			wg.Wait()
			// Nothing else is written: the background writer alone must
			// bring the queued records to the file.
			waitFor(t, "40 enqueued records in the file", func() bool {
				b, _ := os.ReadFile(path)
				return bytes.Count(b, []byte("\n")) == 40
			})
			mustVerify(t, []string{path}, VerifyOptions{})
		})
	}
}

// TestEnqueueCommitsLazily: enqueued records wait for the next group commit
// (here, a Write) rather than starting one each, and keep their order with
// the written ones.
func TestEnqueueCommitsLazily(t *testing.T) {
	for _, mode := range []Sync{SyncAlways, SyncBatch, SyncNone} {
		t.Run(string(mode), func(t *testing.T) {
			path := filepath.Join(t.TempDir(), "audit.jsonl")
			// No interval passes during the test: only a Write or Close can
			// bring the enqueued records to the file.
			l, err := Open(path, Options{Sync: mode, FlushInterval: time.Hour, Checkpoint: "off"})
			if err != nil {
				t.Fatal(err)
			}
			defer l.Close()
			for i := range 3 {
				if err := l.Enqueue(Event{Event: "test.enqueue", Fields: map[string]any{"i": i}}); err != nil {
					t.Fatal(err)
				}
			}
			if mode != SyncNone {
				time.Sleep(20 * time.Millisecond) // give a wrongly kicked writer time to write
				if b, _ := os.ReadFile(path); len(b) != 0 {
					t.Fatalf("enqueued records were committed on their own:\n%s", b)
				}
			}
			if err := l.Write(Event{Event: "test.write", Fields: map[string]any{"i": 3}}); err != nil {
				t.Fatal(err)
			}
			if err := l.Enqueue(Event{Event: "test.enqueue", Fields: map[string]any{"i": 4}}); err != nil {
				t.Fatal(err)
			}
			if mode != SyncNone {
				// The Write returned once its group commit was durable, and
				// that commit carried the records enqueued before it.
				if recs := readRecords(t, path); len(recs) != 4 {
					t.Fatalf("after the Write, %d records in the file, want 4", len(recs))
				}
			}
			if err := l.Close(); err != nil {
				t.Fatal(err)
			}
			recs := readRecords(t, path)
			if len(recs) != 5 {
				t.Fatalf("%d records, want 5", len(recs))
			}
			for i, r := range recs {
				want := "test.enqueue"
				if i == 3 {
					want = "test.write"
				}
				if r.Event.Event != want || r.Fields["i"] != float64(i) {
					t.Fatalf("record %d is %s %v, want %s i=%d", i, r.Event.Event, r.Fields, want, i)
				}
			}
			mustVerify(t, []string{path}, VerifyOptions{})
		})
	}
}

// TestEnqueueFsyncsPerInterval: 256 KiB of enqueued records are written
// without an fsync of their own (nobody waits for them); a Write's group
// commit fsyncs them with its own record, and the flush interval fsyncs
// them when no Write comes.
func TestEnqueueFsyncsPerInterval(t *testing.T) {
	fsyncs := func(l *Log) int {
		l.io.Lock()
		defer l.io.Unlock()
		return l.fsyncs
	}
	unsynced := func(l *Log) bool {
		l.io.Lock()
		defer l.io.Unlock()
		return l.unsynced
	}
	enqueueUntilWritten := func(t *testing.T, l *Log, path string) int {
		t.Helper()
		n := 0
		for {
			b, _ := os.ReadFile(path)
			if len(b) > 0 {
				return n
			}
			if n > 4*noneBuffer/64 {
				t.Fatalf("%d enqueued records (about 1 MiB) and nothing in the file", n)
			}
			for range 64 {
				if err := l.Enqueue(Event{Event: "test.enqueue", Route: strings.Repeat("r", 200), Fields: map[string]any{"i": n}}); err != nil {
					t.Fatal(err)
				}
				n++
			}
			time.Sleep(time.Millisecond)
		}
	}
	for _, mode := range []Sync{SyncAlways, SyncBatch} {
		t.Run(string(mode)+", a Write's commit", func(t *testing.T) {
			path := filepath.Join(t.TempDir(), "audit.jsonl")
			l, err := Open(path, Options{Sync: mode, FlushInterval: time.Hour, Checkpoint: "off"})
			if err != nil {
				t.Fatal(err)
			}
			defer l.Close()
			before := fsyncs(l) // Open's
			enqueueUntilWritten(t, l, path)
			if got := fsyncs(l); got != before {
				t.Fatalf("the records written for room were fsynced (%d fsyncs, %d before)", got, before)
			}
			if !unsynced(l) {
				t.Fatal("written records are not marked unsynced")
			}
			if err := l.Write(Event{Event: "test.write"}); err != nil {
				t.Fatal(err)
			}
			if fsyncs(l) == before || unsynced(l) {
				t.Fatalf("the Write returned before an fsync (%d fsyncs, unsynced %v)", fsyncs(l), unsynced(l))
			}
		})
		t.Run(string(mode)+", the interval", func(t *testing.T) {
			path := filepath.Join(t.TempDir(), "audit.jsonl")
			l, err := Open(path, Options{Sync: mode, FlushInterval: 50 * time.Millisecond, Checkpoint: "off"})
			if err != nil {
				t.Fatal(err)
			}
			defer l.Close()
			before := fsyncs(l)
			if err := l.Enqueue(Event{Event: "test.enqueue"}); err != nil {
				t.Fatal(err)
			}
			waitFor(t, "the interval's fsync", func() bool { return fsyncs(l) > before && !unsynced(l) })
			if recs := readRecords(t, path); len(recs) != 1 {
				t.Fatalf("%d records in the file, want 1", len(recs))
			}
		})
	}
}

// TestEnqueueEncodeFailure: what Enqueue can check it refuses at once; a
// record the writer cannot encode is logged as auditlog.encode_failed.
func TestEnqueueEncodeFailure(t *testing.T) {
	path := filepath.Join(t.TempDir(), "audit.jsonl")
	l, err := Open(path, Options{Sync: SyncBatch, Checkpoint: "off"})
	if err != nil {
		t.Fatal(err)
	}
	if err := l.Enqueue(Event{Event: "test.secret", Fields: map[string]any{"token": "x"}}); err == nil || !strings.Contains(err.Error(), "secret") {
		t.Fatalf("a forbidden field: %v", err)
	}
	if err := l.Enqueue(Event{Event: "test.old", Time: time.Date(-1, 1, 1, 0, 0, 0, 0, time.UTC)}); err == nil {
		t.Fatal("a time outside 0..9999 was accepted")
	}
	for _, e := range []Event{
		{Event: "test.func", RequestID: "r1", Fields: map[string]any{"f": func() {}}},
		{Event: "test.huge", RequestID: "r2", Fields: map[string]any{"big": strings.Repeat("a", MaxRecordSize)}},
		{Event: "test.fine", RequestID: "r3"},
	} {
		if err := l.Enqueue(e); err != nil {
			t.Fatal(err)
		}
	}
	if err := l.Close(); err != nil {
		t.Fatal(err)
	}
	recs := readRecords(t, path)
	if len(recs) != 3 {
		t.Fatalf("%d records, want 3", len(recs))
	}
	for i, want := range []string{"test.func", "test.huge"} {
		r := recs[i]
		if r.Event.Event != "auditlog.encode_failed" || r.Fields["event"] != want || r.Outcome != OutcomeError || r.RequestID != "r"+strconv.Itoa(i+1) {
			t.Fatalf("record %d: %+v", i, r.Event)
		}
	}
	if recs[2].Event.Event != "test.fine" {
		t.Fatalf("record 2: %+v", recs[2].Event)
	}
	mustVerify(t, []string{path}, VerifyOptions{})
}

func TestEnqueueFailsClosed(t *testing.T) {
	path := filepath.Join(t.TempDir(), "audit.jsonl")
	l, err := Open(path, Options{Sync: SyncBatch})
	if err != nil {
		t.Fatal(err)
	}
	if err := l.Err(); err != nil {
		t.Fatalf("Err on a healthy log: %v", err)
	}
	// The disk goes away under the log: the queued record cannot be written,
	// and every later record must be refused rather than silently dropped.
	l.io.Lock()
	l.f.Close()
	l.io.Unlock()
	if err := l.Enqueue(Event{Event: "test.lost"}); err != nil {
		t.Fatalf("the first Enqueue does not wait for the disk, so it cannot know yet: %v", err)
	}
	waitFor(t, "the failed write to make Enqueue refuse", func() bool {
		return l.Enqueue(Event{Event: "test.refused"}) != nil
	})
	if err := l.Write(Event{Event: "test.refused"}); err == nil {
		t.Fatal("Write after a failed write succeeded")
	}
	if err := l.Err(); err == nil {
		t.Fatal("Err is nil after a failed write")
	}
	l.Close()
	if err := l.Enqueue(Event{Event: "late"}); !errors.Is(err, ErrClosed) {
		t.Fatalf("Enqueue after Close: %v", err)
	}
}
