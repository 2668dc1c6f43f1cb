package quarantine

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"fmt"
	"io"
	"io/fs"
	"os"
	"path/filepath"
	"sort"
	"testing"
	"time"

	"github.com/openclaw-secure-stack/securestack/auditlog"
)

// treeHash stands in for scanner.TreeHash (which needs cgo): the same
// definition, path NUL mode NUL size NUL content for every entry but
// directories, in WalkDir order.
func treeHash(root string) (string, error) {
	h := sha256.New()
	err := filepath.WalkDir(root, func(p string, d fs.DirEntry, err error) error {
		if err != nil {
			return err
		}
		if p == root || d.IsDir() {
			return nil
		}
		rel, _ := filepath.Rel(root, p)
		fi, err := d.Info()
		if err != nil {
			return err
		}
		if fi.Mode()&fs.ModeSymlink != 0 {
			target, err := os.Readlink(p)
			if err != nil {
				return err
			}
			fmt.Fprintf(h, "%s\x00%s\x00%d\x00%s", filepath.ToSlash(rel), fi.Mode(), len(target), target)
			return nil
		}
		if !fi.Mode().IsRegular() {
			fmt.Fprintf(h, "%s\x00%s\x000\x00", filepath.ToSlash(rel), fi.Mode())
			return nil
		}
		fmt.Fprintf(h, "%s\x00%s\x00%d\x00", filepath.ToSlash(rel), fi.Mode(), fi.Size())
		f, err := os.Open(p)
		if err != nil {
			return err
		}
		defer f.Close()
		_, err = io.Copy(h, f)
		return err
	})
	return hex.EncodeToString(h.Sum(nil)), err
}

// env is a load directory, a quarantine directory and a database.
type env struct {
	t       testing.TB
	load    string
	qdir    string
	db      string
	now     time.Time
	audit   *memAudit
	options Options
}

func newEnv(t testing.TB) *env {
	t.Helper()
	root := t.TempDir()
	e := &env{t: t, load: filepath.Join(root, "skills"), qdir: filepath.Join(root, "state", "quarantined"),
		db: filepath.Join(root, "state", "quarantine.db"), now: time.Date(2026, 5, 1, 12, 0, 0, 0, time.UTC), audit: &memAudit{}}
	if err := os.MkdirAll(e.load, 0o755); err != nil {
		t.Fatal(err)
	}
	e.options = Options{QuarantineDir: e.qdir, TreeHash: treeHash, OpenAudit: e.audit.open,
		BusyTimeout: 20 * time.Second, Now: func() time.Time { return e.now }}
	return e
}

func (e *env) open() *Store {
	e.t.Helper()
	s, err := Open(context.Background(), e.db, e.options)
	if err != nil {
		e.t.Fatalf("Open: %v", err)
	}
	e.t.Cleanup(func() { s.Close() })
	return s
}

// skill writes a skill directory with a SKILL.md, an executable script and
// a nested directory, and returns its path and tree hash.
func (e *env) skill(name, body string) (string, string) {
	e.t.Helper()
	dir := filepath.Join(e.load, name)
	files := map[string]struct {
		mode fs.FileMode
		data string
	}{
		"SKILL.md":                {0o644, "---\nname: " + name + "\ndescription: test skill\n---\n" + body + "\n"},
		"scripts/run.sh":          {0o755, "#!/bin/sh\necho " + name + "\n"},
		"references/notes/a.txt":  {0o640, "notes\n"},
		"references/notes/b.txt":  {0o600, "more notes\n"},
		"assets/template.json":    {0o644, "{}\n"},
		"scripts/lib/helper.py":   {0o750, "print('hi')\n"},
		"references/empty-marker": {0o444, ""},
	}
	for rel, f := range files {
		p := filepath.Join(dir, rel)
		if err := os.MkdirAll(filepath.Dir(p), 0o755); err != nil {
			e.t.Fatal(err)
		}
		if err := os.WriteFile(p, []byte(f.data), 0o600); err != nil {
			e.t.Fatal(err)
		}
		if err := os.Chmod(p, f.mode); err != nil {
			e.t.Fatal(err)
		}
	}
	if err := os.Symlink("SKILL.md", filepath.Join(dir, "README.md")); err != nil {
		e.t.Fatal(err)
	}
	if err := os.Chmod(filepath.Join(dir, "scripts"), 0o750); err != nil {
		e.t.Fatal(err)
	}
	sum, err := treeHash(dir)
	if err != nil {
		e.t.Fatal(err)
	}
	return dir, sum
}

func result(path, sha string, v Verdict) ScanResult {
	r := ScanResult{Skill: filepath.Base(path), Path: path, SHA256: sha, Verdict: v, Findings: []Finding{}}
	if v == Block {
		r.Findings = append(r.Findings, Finding{RuleID: "CHAIN_DROPPER", Severity: "critical", File: "SKILL.md", Line: 5, Message: "downloads and runs code"})
	}
	return r
}

// visible lists the entries of dir that OpenClaw's skill discovery would
// look at (it skips names starting with a dot).
func visible(t *testing.T, dir string) []string {
	t.Helper()
	ents, err := os.ReadDir(dir)
	if err != nil {
		t.Fatal(err)
	}
	var out []string
	for _, e := range ents {
		if e.Name()[0] != '.' {
			out = append(out, e.Name())
		}
	}
	sort.Strings(out)
	return out
}

// modes returns the permission bits of every entry of a tree but symlinks.
func modes(t *testing.T, root string) map[string]fs.FileMode {
	t.Helper()
	out := map[string]fs.FileMode{}
	err := filepath.WalkDir(root, func(p string, d fs.DirEntry, err error) error {
		if err != nil {
			return err
		}
		if d.Type()&fs.ModeSymlink != 0 {
			return nil
		}
		fi, err := d.Info()
		if err != nil {
			return err
		}
		rel, _ := filepath.Rel(root, p)
		out[rel] = fi.Mode() & modeBits
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	return out
}

// memAudit is an in-memory audit log that can be told to fail.
type memAudit struct {
	events  []string
	failAt  int // fail the Nth write from now (1-based); 0 never
	openErr error
	opens   int
}

func (m *memAudit) open() (AuditLog, error) {
	m.opens++
	if m.openErr != nil {
		return nil, m.openErr
	}
	return memAuditLog{m}, nil
}

type memAuditLog struct{ m *memAudit }

func (l memAuditLog) Write(e auditlog.Event) error {
	if l.m.failAt > 0 {
		l.m.failAt--
		if l.m.failAt == 0 {
			return fmt.Errorf("disk full")
		}
	}
	l.m.events = append(l.m.events, fmt.Sprintf("%s %s %v", e.Event, e.Outcome, e.Fields["event_id"]))
	return nil
}

func (l memAuditLog) Close() error { return nil }
