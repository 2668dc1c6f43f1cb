package quarantine

import (
	"context"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"
)

func TestOpen(t *testing.T) {
	ctx := context.Background()
	t.Run("creates the database with mode 0600 in WAL mode and the quarantine directory with 0700", func(t *testing.T) {
		e := newEnv(t)
		s := e.open()
		for p, want := range map[string]os.FileMode{e.db: 0o600, e.db + ".lock": 0o600, e.qdir: 0o700 | os.ModeDir, filepath.Dir(e.db): 0o700 | os.ModeDir} {
			fi, err := os.Stat(p)
			if err != nil {
				t.Fatal(err)
			}
			if got := fi.Mode() & (os.ModePerm | os.ModeDir); got != want {
				t.Errorf("%s: mode %v, want %v", p, got, want)
			}
		}
		var mode string
		if err := s.db.QueryRowContext(ctx, "PRAGMA journal_mode").Scan(&mode); err != nil || mode != "wal" {
			t.Errorf("journal_mode = %q, %v; want wal", mode, err)
		}
		var busy int
		if err := s.db.QueryRowContext(ctx, "PRAGMA busy_timeout").Scan(&busy); err != nil || busy != 20000 {
			t.Errorf("busy_timeout = %d, %v; want 20000", busy, err)
		}
		// A write creates the -wal file, which must be as private as the database.
		if _, err := s.Record(ctx, result(mustSkill(e, "a"), "", Allow)); err != nil {
			t.Fatal(err)
		}
		if fi, err := os.Stat(e.db + "-wal"); err != nil || fi.Mode().Perm() != 0o600 {
			t.Errorf("-wal file: %v %v, want mode 0600", fi.Mode(), err)
		}
	})
	t.Run("tightens an existing database file and quarantine directory", func(t *testing.T) {
		e := newEnv(t)
		e.open().Close()
		if err := os.Chmod(e.db, 0o644); err != nil {
			t.Fatal(err)
		}
		if err := os.Chmod(e.qdir, 0o755); err != nil {
			t.Fatal(err)
		}
		e.open()
		for p, want := range map[string]os.FileMode{e.db: 0o600, e.qdir: 0o700} {
			if fi, _ := os.Stat(p); fi.Mode().Perm() != want {
				t.Errorf("%s: mode %v, want %v", p, fi.Mode().Perm(), want)
			}
		}
	})
	t.Run("applies the migrations once and records the schema version", func(t *testing.T) {
		e := newEnv(t)
		e.open().Close()
		s := e.open()
		v, err := userVersion(ctx, s.db)
		if err != nil || v != len(migrations) {
			t.Fatalf("user_version = %d, %v; want %d", v, err, len(migrations))
		}
		for _, table := range []string{"skills", "overrides", "events", "moves"} {
			var n int
			if err := s.db.QueryRowContext(ctx, "SELECT count(*) FROM sqlite_master WHERE type = 'table' AND name = ?", table).Scan(&n); err != nil || n != 1 {
				t.Errorf("table %s: %d, %v", table, n, err)
			}
		}
	})
	t.Run("refuses a database written by a newer schema", func(t *testing.T) {
		e := newEnv(t)
		s := e.open()
		if _, err := s.db.Exec(fmt.Sprintf("PRAGMA user_version = %d", len(migrations)+1)); err != nil {
			t.Fatal(err)
		}
		s.Close()
		_, err := Open(ctx, e.db, e.options)
		var de *DamagedError
		if !errors.As(err, &de) || !strings.Contains(err.Error(), "newer") {
			t.Fatalf("Open = %v, want a DamagedError about a newer schema", err)
		}
	})
	t.Run("does not call a database damaged when it ran out of time", func(t *testing.T) {
		e := newEnv(t)
		e.open().Close()
		cctx, cancel := context.WithCancel(ctx)
		cancel()
		_, err := Open(cctx, e.db, e.options)
		var de *DamagedError
		if err == nil || errors.As(err, &de) || !errors.Is(err, context.Canceled) {
			t.Errorf("Open with a canceled context = %v, want context.Canceled and no DamagedError", err)
		}
	})
	t.Run("opens a new database from eight stores at once", func(t *testing.T) {
		e := newEnv(t)
		var wg sync.WaitGroup
		errs := make(chan error, 8)
		for range 8 {
			wg.Add(1)
			go func() {
				defer wg.Done()
				s, err := Open(ctx, e.db, e.options)
				if err == nil {
					s.Close()
				}
				errs <- err
			}()
		}
		wg.Wait()
		close(errs)
		for err := range errs {
			if err != nil {
				t.Error(err)
			}
		}
	})
}

func mustSkill(e *env, name string) string {
	p, _ := e.skill(name, "Say hello.")
	return p
}

func TestOpenDamagedDatabase(t *testing.T) {
	ctx := context.Background()
	cases := []struct {
		name    string
		damage  func(t *testing.T, db string)
		message string
	}{
		{"a file that is not a database", func(t *testing.T, db string) {
			if err := os.WriteFile(db, []byte(strings.Repeat("this is not sqlite\n", 300)), 0o600); err != nil {
				t.Fatal(err)
			}
		}, "not a database"},
		{"a database whose pages were overwritten", func(t *testing.T, db string) {
			f, err := os.OpenFile(db, os.O_WRONLY, 0)
			if err != nil {
				t.Fatal(err)
			}
			defer f.Close()
			fi, _ := f.Stat()
			// Keep the 100-byte header, scribble over every page after the first.
			junk := []byte(strings.Repeat("\xde\xad\xbe\xef", int(fi.Size()/4)))
			if _, err := f.WriteAt(junk[:fi.Size()-4096], 4096); err != nil {
				t.Fatal(err)
			}
		}, "malformed"},
		{"a directory where the database should be", func(t *testing.T, db string) {
			for _, p := range []string{db, db + "-wal", db + "-shm"} {
				os.Remove(p)
			}
			if err := os.Mkdir(db, 0o700); err != nil {
				t.Fatal(err)
			}
		}, "is a directory"},
	}
	for _, c := range cases {
		t.Run(c.name+" is refused and nothing is moved", func(t *testing.T) {
			e := newEnv(t)
			s := e.open()
			dir, sum := e.skill("evil", "curl | sh")
			sk, err := s.Record(ctx, result(dir, sum, Block))
			if err != nil {
				t.Fatal(err)
			}
			// Leave a pending move behind, as a crash would, so that a
			// store that wrongly went ahead would move the skill.
			s.stepHook = func(step string) {
				if step == "intent" {
					panic("crash")
				}
			}
			func() {
				defer func() { recover() }()
				s.Quarantine(ctx, sk.ID)
			}()
			s.Close()
			c.damage(t, e.db)

			_, err = Open(ctx, e.db, e.options)
			var de *DamagedError
			if !errors.As(err, &de) {
				t.Fatalf("Open = %v, want a *DamagedError", err)
			}
			if !strings.Contains(err.Error(), c.message) || !strings.Contains(err.Error(), e.db) || !strings.Contains(err.Error(), "restore a backup") {
				t.Errorf("message %q should name the file, the problem (%q) and what to do", err, c.message)
			}
			if got, _ := treeHash(dir); got != sum {
				t.Errorf("the skill at %s changed or moved", dir)
			}
			if got := visible(t, e.qdir); len(got) != 0 {
				t.Errorf("quarantine directory holds %v, want nothing", got)
			}
		})
	}
}

func TestRecord(t *testing.T) {
	ctx := context.Background()
	t.Run("gives each verdict its status", func(t *testing.T) {
		e := newEnv(t)
		s := e.open()
		for _, c := range []struct {
			v    Verdict
			want Status
		}{{Allow, Active}, {Warn, Active}, {Block, Blocked}} {
			dir, sum := e.skill("skill-"+string(c.v), "text")
			sk, err := s.Record(ctx, result(dir, sum, c.v))
			if err != nil {
				t.Fatal(err)
			}
			if sk.Status != c.want || sk.Verdict != c.v || sk.SHA256 != sum || sk.ID == 0 {
				t.Errorf("%s: got %+v, want status %s", c.v, sk, c.want)
			}
			got, err := s.Get(ctx, sk.Name)
			if err != nil || got.Status != c.want || got.Path != dir || len(got.Findings) != len(sk.Findings) {
				t.Errorf("Get(%s) = %+v, %v", sk.Name, got, err)
			}
		}
	})
	t.Run("updates the row of a rescanned path and records only changes as events", func(t *testing.T) {
		e := newEnv(t)
		s := e.open()
		dir, sum := e.skill("weather", "text")
		first, _ := s.Record(ctx, result(dir, sum, Allow))
		e.now = e.now.Add(time.Hour)
		again, err := s.Record(ctx, result(dir, sum, Allow))
		if err != nil || again.ID != first.ID || !again.LastScanned.After(first.LastScanned) || !again.FirstSeen.Equal(first.FirstSeen) {
			t.Fatalf("rescan: %+v, %v", again, err)
		}
		changed, err := s.Record(ctx, result(dir, strings.Repeat("1", 64), Block))
		if err != nil || changed.ID != first.ID || changed.Status != Blocked {
			t.Fatalf("changed content: %+v, %v", changed, err)
		}
		evs, _ := s.Events(ctx, first.ID)
		if len(evs) != 2 || evs[0].Outcome != "active" || evs[1].Outcome != "blocked" || evs[1].Fields["previous_sha256"] != sum {
			t.Errorf("events = %+v, want one for the first scan and one for the change", evs)
		}
		if list, _ := s.List(ctx); len(list) != 1 {
			t.Errorf("List has %d rows, want 1", len(list))
		}
	})
	t.Run("keeps an override for the same hash and drops it for changed content", func(t *testing.T) {
		e := newEnv(t)
		s := e.open()
		dir, sum := e.skill("risky", "text")
		sk, _ := s.Record(ctx, result(dir, sum, Block))
		if _, err := s.Override(ctx, sk.ID, "alice", AckPhrase); err != nil {
			t.Fatal(err)
		}
		if sk, _ = s.Record(ctx, result(dir, sum, Block)); sk.Status != Overridden {
			t.Errorf("same content: status %s, want overridden", sk.Status)
		}
		if err := os.WriteFile(filepath.Join(dir, "SKILL.md"), []byte("changed"), 0o644); err != nil {
			t.Fatal(err)
		}
		changed, _ := treeHash(dir)
		if sk, _ = s.Record(ctx, result(dir, changed, Block)); sk.Status != Blocked {
			t.Errorf("changed content: status %s, want blocked", sk.Status)
		}
	})
	t.Run("refuses results it cannot trust", func(t *testing.T) {
		e := newEnv(t)
		s := e.open()
		dir, sum := e.skill("x", "text")
		for name, r := range map[string]ScanResult{
			"a relative path":    result("skills/x", sum, Allow),
			"an unknown verdict": result(dir, sum, "maybe"),
			"a path inside the quarantine directory that is not a quarantined skill": result(filepath.Join(e.qdir, "9-x"), sum, Allow),
		} {
			if _, err := s.Record(ctx, r); err == nil {
				t.Errorf("%s: no error", name)
			}
		}
		if list, _ := s.List(ctx); len(list) != 0 {
			t.Errorf("rows were written: %+v", list)
		}
	})
	t.Run("does not record a path that vanished after the scan", func(t *testing.T) {
		e := newEnv(t)
		s := e.open()
		dir, sum := e.skill("gone", "text")
		os.RemoveAll(dir)
		if _, err := s.Record(ctx, result(dir, sum, Block)); !errors.Is(err, ErrVanished) {
			t.Errorf("Record = %v, want ErrVanished", err)
		}
	})
	t.Run("marks a skill removed when its directory is gone", func(t *testing.T) {
		e := newEnv(t)
		s := e.open()
		dir, sum := e.skill("gone", "text")
		sk, _ := s.Record(ctx, result(dir, sum, Allow))
		if found, err := s.MarkRemoved(ctx, dir); err != nil || found {
			t.Errorf("MarkRemoved of a present skill = %v, %v; want false", found, err)
		}
		os.RemoveAll(dir)
		if found, err := s.MarkRemoved(ctx, dir); err != nil || !found {
			t.Errorf("MarkRemoved = %v, %v; want true", found, err)
		}
		if got, _ := s.Get(ctx, fmt.Sprint(sk.ID)); got.Status != Removed {
			t.Errorf("status %s, want removed", got.Status)
		}
	})
}

func TestGet(t *testing.T) {
	ctx := context.Background()
	e := newEnv(t)
	s := e.open()
	a, sumA := e.skill("a", "text")
	ska, _ := s.Record(ctx, result(a, sumA, Allow))
	other := filepath.Join(t.TempDir(), "a")
	if err := os.Mkdir(other, 0o755); err != nil {
		t.Fatal(err)
	}
	skb, _ := s.Record(ctx, ScanResult{Skill: "a", Path: other, SHA256: "x", Verdict: Allow})
	for _, c := range []struct {
		ref  string
		want int64
	}{{fmt.Sprint(ska.ID), ska.ID}, {"#" + fmt.Sprint(skb.ID), skb.ID}, {a, ska.ID}, {other, skb.ID}} {
		if got, err := s.Get(ctx, c.ref); err != nil || got.ID != c.want {
			t.Errorf("Get(%q) = #%d, %v; want #%d", c.ref, got.ID, err, c.want)
		}
	}
	var amb *AmbiguousError
	if _, err := s.Get(ctx, "a"); !errors.As(err, &amb) || len(amb.Matches) != 2 || !strings.Contains(err.Error(), "#") {
		t.Errorf("Get of a shared name = %v, want an AmbiguousError listing both", err)
	}
	if _, err := s.Get(ctx, "nope"); !errors.Is(err, ErrNotFound) {
		t.Errorf("Get(nope) = %v, want ErrNotFound", err)
	}
	// Once one of them is removed, the name is no longer ambiguous.
	os.RemoveAll(other)
	s.MarkRemoved(ctx, other)
	if got, err := s.Get(ctx, "a"); err != nil || got.ID != ska.ID {
		t.Errorf("Get(a) after removal = #%d, %v; want #%d", got.ID, err, ska.ID)
	}
}
