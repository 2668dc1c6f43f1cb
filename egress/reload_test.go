package egress

import (
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"
)

// replace rewrites path the way an operator's tooling should: a temporary
// file renamed over the old one.
func replace(t *testing.T, path, text string) {
	t.Helper()
	tmp := path + ".tmp"
	if err := os.WriteFile(tmp, []byte(text), 0o644); err != nil {
		t.Fatal(err)
	}
	if err := os.Rename(tmp, path); err != nil {
		t.Fatal(err)
	}
}

func TestReloader(t *testing.T) {
	path := filepath.Join(t.TempDir(), "allowlist.txt")
	replace(t, path, "old.example\n")
	r, err := NewReloader(path)
	if err != nil {
		t.Fatal(err)
	}
	t.Run("an unchanged file is not read again", func(t *testing.T) {
		before := r.List()
		if reloaded, err := r.Reload(); reloaded || err != nil || r.List() != before {
			t.Fatalf("Reload = %v, %v; the list was replaced although the file did not change", reloaded, err)
		}
	})
	t.Run("a changed file applies", func(t *testing.T) {
		replace(t, path, "new.example\n")
		if reloaded, err := r.Reload(); !reloaded || err != nil {
			t.Fatalf("Reload = %v, %v; want reloaded", reloaded, err)
		}
		if !r.List().Match("new.example") || r.List().Match("old.example") {
			t.Error("the new list is not in force")
		}
	})
	t.Run("a bad file keeps the last good list and reports once", func(t *testing.T) {
		replace(t, path, "new.example\nbad entry.example\n")
		_, err := r.Reload()
		if err == nil || !strings.Contains(err.Error(), "allowlist.txt:2") {
			t.Fatalf("Reload error = %v, want one naming the file and line", err)
		}
		if _, err := r.Reload(); err != nil {
			t.Errorf("the same broken file was reported twice: %v", err)
		}
		if !r.List().Match("new.example") {
			t.Error("the last good list was dropped")
		}
	})
	t.Run("a missing file keeps the last good list", func(t *testing.T) {
		os.Remove(path)
		if _, err := r.Reload(); err == nil {
			t.Error("a missing file was not reported")
		}
		if !r.List().Match("new.example") {
			t.Error("the last good list was dropped")
		}
	})
	t.Run("a fixed file applies again", func(t *testing.T) {
		replace(t, path, "fixed.example\n")
		if reloaded, _ := r.Reload(); !reloaded || !r.List().Match("fixed.example") {
			t.Error("the fixed list is not in force")
		}
	})
	t.Run("Run picks up a change and stops when told", func(t *testing.T) {
		stop := make(chan struct{})
		done := make(chan struct{})
		reports := make(chan bool, 10)
		go func() {
			r.Run(stop, 5*time.Millisecond, func(reloaded bool, err error) { reports <- reloaded })
			close(done)
		}()
		replace(t, path, "ran.example\n")
		select {
		case ok := <-reports:
			if !ok || !r.List().Match("ran.example") {
				t.Error("Run reported without applying the change")
			}
		case <-time.After(10 * time.Second):
			t.Fatal("Run did not pick up the change")
		}
		close(stop)
		<-done
	})
}

func TestNewReloaderFailsOnABadFile(t *testing.T) {
	if _, err := NewReloader(filepath.Join(t.TempDir(), "missing.txt")); err == nil {
		t.Error("a missing file was accepted at startup")
	}
	if _, err := NewReloader(); err == nil {
		t.Error("no files were accepted")
	}
	if _, err := NewReloader("testdata/bad-line.txt"); err == nil {
		t.Error("a bad file was accepted at startup")
	}
}
