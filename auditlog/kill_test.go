package auditlog

import (
	"bufio"
	"fmt"
	"math/rand/v2"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"sync"
	"syscall"
	"testing"
	"time"
)

// killChildEnv makes the test binary a writer that reports each
// acknowledged record on stdout until it is killed.
const killChildEnv = "AUDITLOG_TEST_KILL_CHILD"

// killChild writes "kill.test" events from 8 goroutines and prints
// "round w i" after each Write returns nil.
func killChild() {
	path, mode, round := os.Getenv(killChildEnv), os.Getenv("AUDITLOG_TEST_KILL_MODE"), os.Getenv("AUDITLOG_TEST_KILL_ROUND")
	l, err := Open(path, Options{Sync: Sync(mode), RotateSize: 32 << 10, FlushInterval: time.Hour})
	if err != nil {
		fmt.Fprintln(os.Stderr, err)
		os.Exit(1)
	}
	var mu sync.Mutex
	for w := 0; w < 8; w++ {
		go func() {
			for i := 0; ; i++ {
				if err := l.Write(Event{Event: "kill.test", Fields: map[string]any{"r": round, "w": w, "i": i}}); err != nil {
					fmt.Fprintln(os.Stderr, err)
					os.Exit(1)
				}
				mu.Lock()
				fmt.Fprintf(os.Stdout, "%s %d %d\n", round, w, i) // one write(2), atomic on a pipe
				mu.Unlock()
			}
		}()
	}
	select {}
}

// killRound runs one child, kills it with SIGKILL once it has acknowledged
// at least minAcks records (plus a random delay), and returns every
// acknowledged "round w i".
func killRound(t *testing.T, path string, mode Sync, round, minAcks int) map[string]bool {
	t.Helper()
	cmd := exec.Command(os.Args[0], "-test.run=^$")
	cmd.Env = append(os.Environ(), killChildEnv+"="+path, "AUDITLOG_TEST_KILL_MODE="+string(mode), "AUDITLOG_TEST_KILL_ROUND="+strconv.Itoa(round))
	cmd.Stderr = os.Stderr
	out, err := cmd.StdoutPipe()
	if err != nil {
		t.Fatal(err)
	}
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	acks := map[string]bool{}
	enough := make(chan struct{})
	done := make(chan struct{})
	go func() {
		defer close(done)
		sc := bufio.NewScanner(out)
		for sc.Scan() {
			acks[sc.Text()] = true
			if len(acks) == minAcks {
				close(enough)
			}
		}
	}()
	select {
	case <-enough:
	case <-done:
		cmd.Wait()
		t.Fatalf("child exited after %d acks", len(acks))
	}
	time.Sleep(time.Duration(rand.IntN(3000)) * time.Microsecond)
	cmd.Process.Signal(syscall.SIGKILL)
	<-done
	if err := cmd.Wait(); err == nil || cmd.ProcessState.Sys().(syscall.WaitStatus).Signal() != syscall.SIGKILL {
		t.Fatalf("child did not die by SIGKILL: %v", err)
	}
	return acks
}

// present returns the "round w i" of every kill.test record in the log,
// after checking that the log verifies.
func present(t *testing.T, path string) map[string]bool {
	t.Helper()
	files := allFiles(t, path)
	mustVerify(t, files, VerifyOptions{})
	got := map[string]bool{}
	for _, f := range files {
		for _, r := range readRecords(t, f) {
			if r.Event.Event == "kill.test" {
				got[fmt.Sprintf("%s %v %v", r.Fields["r"], r.Fields["w"], r.Fields["i"])] = true
			}
		}
	}
	return got
}

func TestKilledWriterLosesNoAcknowledgedRecord(t *testing.T) {
	for _, mode := range []Sync{SyncAlways, SyncBatch} {
		t.Run("in "+string(mode)+" mode every acknowledged record survives SIGKILL", func(t *testing.T) {
			path := filepath.Join(t.TempDir(), "audit.jsonl")
			for round := 1; round <= 4; round++ {
				acks := killRound(t, path, mode, round, 1+rand.IntN(400))
				got := present(t, path)
				for a := range acks {
					if !got[a] {
						t.Fatalf("round %d: acknowledged record %q is not in the log (%d acks)", round, a, len(acks))
					}
				}
				t.Logf("round %d: %d acknowledged, %d in the log", round, len(acks), len(got))
			}
			// The next writer repairs whatever the last kill left.
			l, err := Open(path, Options{})
			if err != nil {
				t.Fatal(err)
			}
			l.Close()
			if rep := mustVerify(t, allFiles(t, path), VerifyOptions{}); rep.TornTail != nil {
				t.Fatalf("torn tail left after reopening: %+v", rep.TornTail)
			}
		})
	}
	// The same check must notice lost records, or it proves nothing: none
	// mode acknowledges records that are still in the process's buffer.
	t.Run("in none mode the check notices lost acknowledged records", func(t *testing.T) {
		path := filepath.Join(t.TempDir(), "audit.jsonl")
		acks := killRound(t, path, SyncNone, 1, 100)
		got := present(t, path)
		lost := 0
		for a := range acks {
			if !got[a] {
				lost++
			}
		}
		if lost == 0 {
			t.Fatalf("none mode lost none of %d acknowledged records; the check cannot tell durable from buffered", len(acks))
		}
	})
}
