package auditlog

import (
	"errors"
	"path/filepath"
	"strings"
	"testing"
)

func TestRegistry(t *testing.T) {
	opens := 0
	r := NewRegistry(func(p string, o Options) (*Log, error) { opens++; return Open(p, o) })
	path := filepath.Join(t.TempDir(), "audit.jsonl")

	a, err := r.Acquire(path, Options{})
	if err != nil {
		t.Fatal(err)
	}
	t.Run("the same options, spelled with or without defaults, share the open log", func(t *testing.T) {
		b, err := r.Acquire(path, Options{Sync: SyncBatch, CheckpointInterval: DefaultCheckpointInterval})
		if err != nil || b != a || opens != 1 {
			t.Fatalf("second acquire: %v, same log %v, %d opens", err, b == a, opens)
		}
		r.Release(path)
	})
	t.Run("other options are refused, naming both sets and saying to restart", func(t *testing.T) {
		for _, o := range []Options{{Sync: SyncNone}, {KeyFile: "/k"}, {RotateSize: 1 << 20}, {Checkpoint: "off"}} {
			_, err := r.Acquire(path, o)
			if !errors.Is(err, ErrOptionsChanged) || !strings.Contains(err.Error(), "restart") || !strings.Contains(err.Error(), "sync batch") {
				t.Errorf("Acquire(%+v) = %v", o, err)
			}
		}
	})
	t.Run("the last release closes the log", func(t *testing.T) {
		if err := r.Release(path); err != nil {
			t.Fatal(err)
		}
		l, err := Open(path, Options{})
		if err != nil {
			t.Fatalf("the log is still open after its last release: %v", err)
		}
		l.Close()
		if err := r.Release(path); err == nil {
			t.Error("a release without an acquire was accepted")
		}
	})
}
