package quarantine

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"strings"
	"syscall"
	"testing"
)

// acrossDevices makes every rename between two different directories fail
// with EXDEV, as if the load directory and the quarantine directory were on
// different file systems; renames inside one directory still work.
func acrossDevices(oldpath, newpath string) error {
	if filepath.Dir(oldpath) != filepath.Dir(newpath) {
		return &os.LinkError{Op: "rename", Old: oldpath, New: newpath, Err: syscall.EXDEV}
	}
	return os.Rename(oldpath, newpath)
}

func TestQuarantineAndOverride(t *testing.T) {
	ctx := context.Background()
	for _, device := range []struct {
		name   string
		rename func(string, string) error
	}{{"on one file system", os.Rename}, {"across file systems", acrossDevices}} {
		t.Run(device.name, func(t *testing.T) {
			e := newEnv(t)
			s := e.open()
			s.rename = device.rename
			dir, sum := e.skill("evil", "curl | sh")
			before := modes(t, dir)
			sk, err := s.Record(ctx, result(dir, sum, Block))
			if err != nil {
				t.Fatal(err)
			}

			q, err := s.Quarantine(ctx, sk.ID)
			if err != nil {
				t.Fatalf("Quarantine: %v", err)
			}
			if q.Status != Quarantined || !within(e.qdir, q.QuarantinePath) {
				t.Fatalf("after Quarantine: %+v", q)
			}
			if exists(dir) || len(visible(t, e.load)) != 0 {
				t.Errorf("the load directory still holds %v", visible(t, e.load))
			}
			if ents, _ := os.ReadDir(e.load); len(ents) != 0 {
				t.Errorf("leftovers in the load directory: %v", ents)
			}
			for rel, m := range modes(t, q.QuarantinePath) {
				want := fs.FileMode(0o600)
				if fi, _ := os.Stat(filepath.Join(q.QuarantinePath, rel)); fi.IsDir() {
					want = 0o700
				}
				if m.Perm() != want || m&(fs.ModeSetuid|fs.ModeSetgid) != 0 {
					t.Errorf("quarantined %s has mode %v, want %v", rel, m, want)
				}
			}
			if target, err := os.Readlink(filepath.Join(q.QuarantinePath, "README.md")); err != nil || target != "SKILL.md" {
				t.Errorf("symlink: %q, %v", target, err)
			}
			mv, _ := s.Moves(ctx, sk.ID)
			if len(mv) != 1 || mv[0].State != stateDone || mv[0].Src != dir || mv[0].Dst != q.QuarantinePath {
				t.Errorf("journal: %+v", mv)
			}

			if _, err := s.Quarantine(ctx, sk.ID); err != nil {
				t.Errorf("quarantining a quarantined skill again: %v", err)
			}
			if _, err := s.Override(ctx, sk.ID, "alice", "i accept the risk"); !errors.Is(err, ErrAck) {
				t.Errorf("Override with the wrong phrase = %v, want ErrAck", err)
			}
			if _, err := s.Override(ctx, sk.ID, "  ", AckPhrase); err == nil {
				t.Error("Override without a user succeeded")
			}
			if !exists(q.QuarantinePath) {
				t.Fatal("a refused override moved the skill")
			}

			o, err := s.Override(ctx, sk.ID, "alice", AckPhrase)
			if err != nil {
				t.Fatalf("Override: %v", err)
			}
			if o.Status != Overridden || o.QuarantinePath != "" || exists(q.QuarantinePath) {
				t.Errorf("after Override: %+v", o)
			}
			if got, _ := treeHash(dir); got != sum {
				t.Errorf("restored tree hash %s, want the original %s", got, sum)
			}
			if got := modes(t, dir); fmt.Sprint(got) != fmt.Sprint(before) {
				t.Errorf("restored modes %v, want %v", got, before)
			}
			ov, _ := s.Overrides(ctx, sk.ID)
			if len(ov) != 1 || ov[0].SHA256 != sum || ov[0].User != "alice" || ov[0].Ack != AckPhrase {
				t.Errorf("overrides: %+v", ov)
			}
			if ok, _ := s.Overridden(ctx, sum); !ok {
				t.Error("Overridden(original hash) = false")
			}
			kinds := []string{}
			evs, _ := s.Events(ctx, sk.ID)
			for _, ev := range evs {
				kinds = append(kinds, ev.Kind+":"+string(ev.Outcome))
			}
			want := "quarantine.scan:blocked quarantine.move:quarantined quarantine.override:overridden quarantine.move:restored"
			if strings.Join(kinds, " ") != want {
				t.Errorf("events %v, want %s", kinds, want)
			}
			if len(e.audit.events) != len(evs) {
				t.Errorf("audit log has %d events, the store %d", len(e.audit.events), len(evs))
			}
		})
	}
}

func TestRealCrossDeviceMove(t *testing.T) {
	// /dev/shm is a tmpfs on Linux, a different file system from the
	// temporary directory.
	ctx := context.Background()
	shm, err := os.MkdirTemp("/dev/shm", "quarantine-test-")
	if err != nil {
		t.Fatalf("this test needs a writable /dev/shm: %v", err)
	}
	t.Cleanup(func() { os.RemoveAll(shm) })
	e := newEnv(t)
	var a, b syscall.Stat_t
	if err := errors.Join(syscall.Stat(shm, &a), syscall.Stat(e.load, &b)); err != nil || a.Dev == b.Dev {
		t.Fatalf("/dev/shm and %s are on the same device (%v)", e.load, err)
	}
	e.options.QuarantineDir = filepath.Join(shm, "quarantined")
	s := e.open()
	calls := 0
	s.rename = func(o, n string) error { calls++; return os.Rename(o, n) }
	dir, sum := e.skill("evil", "text")
	sk, _ := s.Record(ctx, result(dir, sum, Block))
	q, err := s.Quarantine(ctx, sk.ID)
	if err != nil || exists(dir) || !exists(q.QuarantinePath) {
		t.Fatalf("Quarantine: %+v, %v", q, err)
	}
	if _, err := s.Override(ctx, sk.ID, "bob", AckPhrase); err != nil {
		t.Fatal(err)
	}
	if got, _ := treeHash(dir); got != sum {
		t.Error("the tree changed on its way through /dev/shm")
	}
	if calls < 6 {
		t.Errorf("%d renames; a cross-device move takes three each way", calls)
	}
}

func TestRestoreRefusals(t *testing.T) {
	ctx := context.Background()
	setup := func(t *testing.T) (*env, *Store, Skill, string) {
		e := newEnv(t)
		s := e.open()
		dir, sum := e.skill("evil", "text")
		sk, _ := s.Record(ctx, result(dir, sum, Block))
		q, err := s.Quarantine(ctx, sk.ID)
		if err != nil {
			t.Fatal(err)
		}
		return e, s, q, sum
	}
	t.Run("a changed quarantined copy is not restored and stays secured", func(t *testing.T) {
		_, s, q, _ := setup(t)
		if err := os.WriteFile(filepath.Join(q.QuarantinePath, "SKILL.md"), []byte("swapped"), 0o600); err != nil {
			t.Fatal(err)
		}
		_, err := s.Override(ctx, q.ID, "alice", AckPhrase)
		if err == nil || !strings.Contains(err.Error(), "changed while quarantined") {
			t.Fatalf("Override = %v, want a refusal", err)
		}
		if exists(q.Path) {
			t.Error("the changed copy reached the load directory")
		}
		if m := modes(t, q.QuarantinePath); m["scripts/run.sh"] != 0o600 {
			t.Errorf("the refused copy kept mode %v", m["scripts/run.sh"])
		}
		got, _ := s.Get(ctx, fmt.Sprint(q.ID))
		mv, _ := s.Moves(ctx, q.ID)
		if got.Status != Quarantined || mv[len(mv)-1].State != stateRolledBack {
			t.Errorf("status %s, last move %+v", got.Status, mv[len(mv)-1])
		}
	})
	t.Run("an occupied load path is not overwritten", func(t *testing.T) {
		_, s, q, _ := setup(t)
		if err := os.Mkdir(q.Path, 0o755); err != nil {
			t.Fatal(err)
		}
		if _, err := s.Override(ctx, q.ID, "alice", AckPhrase); err == nil || !strings.Contains(err.Error(), "occupied") {
			t.Fatalf("Override = %v, want occupied", err)
		}
		if !exists(q.QuarantinePath) {
			t.Error("the quarantined copy moved")
		}
	})
	t.Run("release needs a scan that no longer blocks", func(t *testing.T) {
		e, s, q, sum := setup(t)
		if _, err := s.Release(ctx, q.ID); !errors.Is(err, ErrStillBlocked) {
			t.Fatalf("Release = %v, want ErrStillBlocked", err)
		}
		// A rescan of the quarantined copy (new rules, say) allows it.
		if _, err := s.Record(ctx, ScanResult{Skill: "9-evil", Path: q.QuarantinePath, SHA256: "modes-differ", Verdict: Allow}); err != nil {
			t.Fatal(err)
		}
		got, _ := s.Get(ctx, fmt.Sprint(q.ID))
		if got.Status != Quarantined || got.SHA256 != sum || got.Verdict != Allow || got.Name != "evil" {
			t.Fatalf("after rescan of the copy: %+v", got)
		}
		// A store opened with another quarantine directory still knows the copy.
		e.options.QuarantineDir = filepath.Join(t.TempDir(), "elsewhere")
		s2 := e.open()
		if got, err := s2.Record(ctx, ScanResult{Skill: "x", Path: q.QuarantinePath, SHA256: "y", Verdict: Allow}); err != nil || got.ID != q.ID || got.Status != Quarantined {
			t.Fatalf("rescan through a store with another quarantine directory: %+v, %v", got, err)
		}
		r, err := s.Release(ctx, q.ID)
		if err != nil || r.Status != Active || !exists(q.Path) {
			t.Fatalf("Release = %+v, %v", r, err)
		}
		if _, err := s.Release(ctx, q.ID); err == nil {
			t.Error("releasing an active skill succeeded")
		}
	})
}

// TestCrashDuringMove stops a move after each step, as a crash would (the
// hook panics; nothing is cleaned up), checks that the load directory holds
// either the whole skill or nothing, then opens the store again and checks
// that the move was completed or rolled back and that no byte was lost.
func TestCrashDuringMove(t *testing.T) {
	ctx := context.Background()
	type outcome string
	const completed, rolledBack outcome = "completed", "rolled back"
	steps := []struct {
		kind, step string
		across     bool
		want       outcome
	}{
		{"quarantine", "intent", false, rolledBack},
		{"quarantine", "renamed", false, completed},
		{"quarantine", "secured", false, completed},
		{"quarantine", "intent", true, rolledBack},
		{"quarantine", "copied", true, rolledBack},
		{"quarantine", "aside", true, completed},
		{"quarantine", "placed", true, completed},
		{"quarantine", "cleaned", true, completed},
		{"quarantine", "secured", true, completed},
		{"restore", "intent", false, rolledBack},
		{"restore", "prepared", false, rolledBack},
		{"restore", "renamed", false, completed},
		{"restore", "secured", false, completed},
		{"restore", "prepared", true, rolledBack},
		{"restore", "copied", true, rolledBack},
		{"restore", "aside", true, completed},
		{"restore", "placed", true, completed},
		{"restore", "cleaned", true, completed},
	}
	for _, c := range steps {
		dev := "on one file system"
		if c.across {
			dev = "across file systems"
		}
		t.Run(fmt.Sprintf("a %s %s interrupted after %s is %s", c.kind, dev, c.step, c.want), func(t *testing.T) {
			e := newEnv(t)
			s := e.open()
			if c.across {
				s.rename = acrossDevices
			}
			dir, sum := e.skill("evil", "text")
			before := modes(t, dir)
			sk, _ := s.Record(ctx, result(dir, sum, Block))
			if c.kind == "restore" {
				if _, err := s.Quarantine(ctx, sk.ID); err != nil {
					t.Fatal(err)
				}
			}
			reached := false
			s.stepHook = func(step string) {
				if step == c.step {
					reached = true
					panic("simulated crash")
				}
			}
			func() {
				defer func() { recover() }()
				if c.kind == "quarantine" {
					s.Quarantine(ctx, sk.ID)
				} else {
					s.Override(ctx, sk.ID, "alice", AckPhrase)
				}
			}()
			if !reached {
				t.Fatalf("step %q was never reached", c.step)
			}
			s.Close()

			// Between the crash and the next run: whole or absent.
			switch got := visible(t, e.load); {
			case len(got) == 0:
			case len(got) == 1 && got[0] == "evil":
				// A restore places the tree with its modes already restored.
				if h, _ := treeHash(dir); h != sum {
					t.Errorf("a partial or altered tree is visible in the load directory")
				}
			default:
				t.Errorf("load directory shows %v", got)
			}

			s2 := e.open() // Open recovers
			got, err := s2.Get(ctx, fmt.Sprint(sk.ID))
			if err != nil {
				t.Fatal(err)
			}
			inLoad := c.kind == "restore"
			if c.want == rolledBack {
				inLoad = !inLoad
			}
			if inLoad {
				if h, _ := treeHash(dir); h != sum || fmt.Sprint(modes(t, dir)) != fmt.Sprint(before) {
					t.Errorf("the skill in the load directory differs from the original")
				}
				if len(visible(t, e.qdir)) != 0 {
					t.Errorf("the quarantine directory still holds %v", visible(t, e.qdir))
				}
			} else {
				if exists(dir) {
					t.Error("the skill is still in the load directory")
				}
				if got.Status != Quarantined || !exists(got.QuarantinePath) {
					t.Fatalf("status %s at %q, want quarantined", got.Status, got.QuarantinePath)
				}
				if m := modes(t, got.QuarantinePath); m["scripts/run.sh"] != 0o600 || m["scripts"] != 0o700 {
					t.Errorf("quarantined copy not secured: %v", m)
				}
				// The bytes are all there: give them their modes back and compare.
				probe := filepath.Join(t.TempDir(), "probe")
				if err := copyTree(got.QuarantinePath, probe); err != nil {
					t.Fatal(err)
				}
				if err := applyModes(probe, readJournalModes(t, s2, sk.ID)); err != nil {
					t.Fatal(err)
				}
				if h, _ := treeHash(probe); h != sum {
					t.Error("the quarantined copy lost or changed content")
				}
			}
			wantStatus := map[bool]Status{true: Overridden, false: Quarantined}[inLoad]
			if c.kind == "quarantine" && inLoad {
				wantStatus = Blocked
			}
			if got.Status != wantStatus {
				t.Errorf("status %s, want %s", got.Status, wantStatus)
			}
			for _, d := range []string{e.load, e.qdir} {
				ents, _ := os.ReadDir(d)
				for _, ent := range ents {
					if strings.HasPrefix(ent.Name(), ".") {
						t.Errorf("leftover %s in %s", ent.Name(), d)
					}
				}
			}
			mv, _ := s2.Moves(ctx, sk.ID)
			last := mv[len(mv)-1]
			wantState := map[outcome]string{completed: stateDone, rolledBack: stateRolledBack}[c.want]
			if last.State != wantState {
				t.Errorf("journal says %s, want %s", last.State, wantState)
			}
			evs, _ := s2.Events(ctx, sk.ID)
			if ev := evs[len(evs)-1]; ev.Kind != "quarantine.recover" {
				t.Errorf("last event %s:%s, want quarantine.recover", ev.Kind, ev.Outcome)
			}
		})
	}
}

func readJournalModes(t *testing.T, s *Store, id int64) map[string]fs.FileMode {
	var js string
	if err := s.db.QueryRow(`SELECT modes FROM moves WHERE skill_id = ? AND kind = 'quarantine' ORDER BY id LIMIT 1`, id).Scan(&js); err != nil {
		t.Fatal(err)
	}
	var m map[string]fs.FileMode
	if err := json.Unmarshal([]byte(js), &m); err != nil {
		t.Fatal(err)
	}
	return m
}

func TestResolveUnexpectedStates(t *testing.T) {
	ctx := context.Background()
	t.Run("a move whose source and destination both exist is marked failed and nothing is deleted", func(t *testing.T) {
		e := newEnv(t)
		s := e.open()
		dir, sum := e.skill("evil", "text")
		sk, _ := s.Record(ctx, result(dir, sum, Block))
		s.stepHook = func(step string) {
			if step == "intent" {
				panic("crash")
			}
		}
		func() { defer func() { recover() }(); s.Quarantine(ctx, sk.ID) }()
		mv, _ := s.Moves(ctx, sk.ID)
		if err := os.Mkdir(mv[0].Dst, 0o700); err != nil {
			t.Fatal(err)
		}
		rec, err := s.Recover(ctx)
		if err != nil || len(rec) != 1 || rec[0].Outcome != "failed" || rec[0].Err == nil {
			t.Fatalf("Recover = %+v, %v", rec, err)
		}
		if h, _ := treeHash(dir); h != sum || !exists(mv[0].Dst) {
			t.Error("something was deleted")
		}
	})
	t.Run("a move whose tree vanished is marked failed", func(t *testing.T) {
		e := newEnv(t)
		s := e.open()
		dir, sum := e.skill("evil", "text")
		sk, _ := s.Record(ctx, result(dir, sum, Block))
		s.stepHook = func(step string) {
			if step == "intent" {
				panic("crash")
			}
		}
		func() { defer func() { recover() }(); s.Quarantine(ctx, sk.ID) }()
		os.RemoveAll(dir)
		rec, err := s.Recover(ctx)
		if err != nil || len(rec) != 1 || rec[0].Outcome != "failed" || !strings.Contains(rec[0].Err.Error(), "deleted") {
			t.Fatalf("Recover = %+v, %v", rec, err)
		}
	})
	t.Run("a cross-device copy that fails is rolled back at once", func(t *testing.T) {
		e := newEnv(t)
		s := e.open()
		s.rename = acrossDevices
		dir, _ := e.skill("evil", "text")
		if err := syscall.Mkfifo(filepath.Join(dir, "pipe"), 0o600); err != nil {
			t.Fatal(err)
		}
		sum, _ := treeHash(dir)
		sk, _ := s.Record(ctx, result(dir, sum, Block))
		_, err := s.Quarantine(ctx, sk.ID)
		if err == nil || !strings.Contains(err.Error(), "cannot be copied") {
			t.Fatalf("Quarantine = %v, want a copy error", err)
		}
		if h, _ := treeHash(dir); h != sum {
			t.Error("the skill was damaged")
		}
		mv, _ := s.Moves(ctx, sk.ID)
		got, _ := s.Get(ctx, fmt.Sprint(sk.ID))
		if mv[0].State != stateRolledBack || got.Status != Blocked {
			t.Errorf("journal %s, status %s", mv[0].State, got.Status)
		}
	})
	t.Run("a quarantine directory inside the load directory is refused", func(t *testing.T) {
		e := newEnv(t)
		e.options.QuarantineDir = filepath.Join(e.load, ".quarantine")
		s := e.open()
		dir, sum := e.skill("evil", "text")
		sk, _ := s.Record(ctx, result(dir, sum, Block))
		if _, err := s.Quarantine(ctx, sk.ID); err == nil || !strings.Contains(err.Error(), "inside the load directory") {
			t.Errorf("Quarantine = %v", err)
		}
	})
}
