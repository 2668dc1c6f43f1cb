package auth

import (
	"context"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"
)

// replace writes text to path the way an operator should: a temporary file
// renamed over the old one.
func replace(t *testing.T, path, text string) {
	t.Helper()
	tmp := path + ".tmp"
	if err := os.WriteFile(tmp, []byte(text), 0o600); err != nil {
		t.Fatal(err)
	}
	if err := os.Rename(tmp, path); err != nil {
		t.Fatal(err)
	}
}

func TestTokenSetRotation(t *testing.T) {
	const oldSecret, newSecret = "old-secret-0123456789abcdef", "new-secret-0123456789abcdef"
	path := filepath.Join(t.TempDir(), "tokens")
	replace(t, path, "alice "+oldSecret+"\n")
	ci, _ := ParseToken("ci", bobSecret)
	s, err := NewTokenSet([]Token{ci}, path)
	if err != nil {
		t.Fatal(err)
	}
	valid := func(secret string) bool { _, ok := s.Verify(secret); return ok }
	reload := func(wantChanged bool) error {
		t.Helper()
		changed, err := s.Reload()
		if changed != wantChanged {
			t.Fatalf("Reload changed = %v, want %v (err %v)", changed, wantChanged, err)
		}
		return err
	}

	if err := reload(false); err != nil || !valid(oldSecret) || !valid(bobSecret) {
		t.Fatalf("an unchanged file: err %v, old valid %v", err, valid(oldSecret))
	}

	replace(t, path, "alice "+oldSecret+"\nalice "+newSecret+"\n")
	if err := reload(true); err != nil || !valid(oldSecret) || !valid(newSecret) {
		t.Fatalf("while both lines are in the file both must be valid: err %v, old %v, new %v", err, valid(oldSecret), valid(newSecret))
	}
	if name, _ := s.Verify(newSecret); name != "alice" {
		t.Errorf("the new secret names %q", name)
	}

	replace(t, path, "alice "+newSecret+"\n")
	if err := reload(true); err != nil || valid(oldSecret) || !valid(newSecret) {
		t.Fatalf("after the old line is removed: err %v, old %v, new %v", err, valid(oldSecret), valid(newSecret))
	}

	t.Run("a malformed file keeps the last good set and names its line, once", func(t *testing.T) {
		replace(t, path, "alice "+newSecret+"\nbob\n")
		err := reload(false)
		if err == nil || !strings.Contains(err.Error(), path+":2:") {
			t.Fatalf("Reload error = %v, want one naming %s:2", err, path)
		}
		if !valid(newSecret) {
			t.Fatal("a malformed file revoked the last good tokens")
		}
		if err := reload(false); err != nil {
			t.Errorf("the same malformed file was reported again: %v", err)
		}
		replace(t, path, "alice "+newSecret+"\nbob "+aliceSecret+"\n")
		if err := reload(true); err != nil || !valid(aliceSecret) {
			t.Fatalf("the mended file: err %v", err)
		}
	})

	t.Run("a secret under two names is refused and the previous set kept", func(t *testing.T) {
		replace(t, path, "alice "+newSecret+"\nmallory "+bobSecret+"\n")
		if err := reload(false); err == nil || !strings.Contains(err.Error(), "same secret") {
			t.Fatalf("Reload error = %v", err)
		}
		if name, _ := s.Verify(bobSecret); name != "ci" || !valid(aliceSecret) {
			t.Fatalf("the refused set took effect: bob's secret names %q", name)
		}
	})

	t.Run("a missing file keeps its tokens and is reported once", func(t *testing.T) {
		replace(t, path, "alice "+newSecret+"\n")
		reload(true)
		os.Remove(path)
		if err := reload(false); err == nil || !valid(newSecret) {
			t.Fatalf("missing file: err %v, valid %v", err, valid(newSecret))
		}
		if err := reload(false); err != nil {
			t.Errorf("reported again: %v", err)
		}
		replace(t, path, "alice "+newSecret+"\n")
		if err := reload(true); err != nil {
			t.Fatal(err)
		}
	})

	t.Run("an emptied file revokes its tokens", func(t *testing.T) {
		replace(t, path, "# everyone revoked\n")
		if err := reload(true); err != nil || valid(newSecret) || !valid(bobSecret) {
			t.Fatalf("err %v, revoked still valid %v, fixed token valid %v", err, valid(newSecret), valid(bobSecret))
		}
	})
}

func TestNewTokenSetRefusesWhatItCannotRead(t *testing.T) {
	dir := t.TempDir()
	bad := filepath.Join(dir, "bad")
	replace(t, bad, "alice\n")
	for _, tc := range []struct {
		files []string
		want  string
	}{
		{[]string{filepath.Join(dir, "missing")}, "no such file"},
		{[]string{bad}, bad + ":1:"},
		{nil, "no tokens"},
	} {
		if _, err := NewTokenSet(nil, tc.files...); err == nil || !strings.Contains(err.Error(), tc.want) {
			t.Errorf("NewTokenSet(%v) = %v, want %q", tc.files, err, tc.want)
		}
	}
}

// TestTokenSetWatchUnderLoad replaces the file while verifiers run: a secret
// that is in every version of the file must never fail.
func TestTokenSetWatchUnderLoad(t *testing.T) {
	path := filepath.Join(t.TempDir(), "tokens")
	replace(t, path, "alice "+aliceSecret+"\n")
	s, err := NewTokenSet(nil, path)
	if err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	var reloads atomic.Int32
	go s.Watch(ctx, time.Millisecond, func(changed bool, err error) {
		if err != nil {
			t.Error(err)
		}
		if changed {
			reloads.Add(1)
		}
	})
	var failures atomic.Int32
	var wg sync.WaitGroup
	stop := make(chan struct{})
	for range 4 {
		wg.Go(func() {
			for {
				select {
				case <-stop:
					return
				default:
				}
				if _, ok := s.Verify(aliceSecret); !ok {
					failures.Add(1)
				}
			}
		})
	}
	for i := range 50 {
		replace(t, path, "alice "+aliceSecret+"\nbob-"+string(rune('a'+i%26))+" "+bobSecret+strings.Repeat("x", i)+"\n")
		time.Sleep(2 * time.Millisecond)
	}
	close(stop)
	wg.Wait()
	if n := failures.Load(); n != 0 {
		t.Fatalf("%d verifications of a secret present in every version failed", n)
	}
	if reloads.Load() == 0 {
		t.Fatal("Watch never reloaded the replaced file")
	}
}

func TestTokenSetHolds(t *testing.T) {
	const aliceOld, aliceNew, bob = "alice-old-0123456789abcdef", "alice-new-0123456789abcdef", "bob-secret-0123456789abcdef"
	path := filepath.Join(t.TempDir(), "tokens")
	replace(t, path, "alice "+aliceOld+"\nbob "+bob+"\n")
	s, err := NewTokenSet(nil, path)
	if err != nil {
		t.Fatal(err)
	}
	if !s.Holds("alice", DigestOf(aliceOld)) || !s.Holds("bob", DigestOf(bob)) {
		t.Fatal("configured tokens are not held")
	}
	if s.Holds("alice", DigestOf(bob)) || s.Holds("carol", DigestOf(bob)) || s.Holds("alice", "sha256:00") {
		t.Fatal("a name with another token's secret, or an unknown name, is held")
	}
	replace(t, path, "alice "+aliceNew+"\n")
	if changed, err := s.Reload(); !changed || err != nil {
		t.Fatalf("Reload: %v %v", changed, err)
	}
	if s.Holds("alice", DigestOf(aliceOld)) || s.Holds("bob", DigestOf(bob)) || !s.Holds("alice", DigestOf(aliceNew)) {
		t.Fatal("after rotation and removal, Holds still answers from the old set")
	}
}
