package scanner

import (
	"bytes"
	"context"
	"encoding/json"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

func newScanner(t testing.TB, opts Options) *Scanner {
	t.Helper()
	s, err := New(opts)
	if err != nil {
		t.Fatal(err)
	}
	return s
}

func scanOne(t testing.TB, s *Scanner, path string) Result {
	t.Helper()
	rep, err := s.Scan(context.Background(), path)
	if err != nil {
		t.Fatal(err)
	}
	if len(rep.Results) != 1 {
		t.Fatalf("scan of %s: got %d results, want 1", path, len(rep.Results))
	}
	return rep.Results[0]
}

func hasRule(r Result, id string) bool {
	for _, f := range r.Findings {
		if f.RuleID == id {
			return true
		}
	}
	return false
}

func TestScanGivesVerdictsForTestSkills(t *testing.T) {
	s := newScanner(t, Options{})
	tests := []struct {
		dir     string
		verdict Verdict
		rule    string
	}{
		{"quarantine-bypass", Block, RuleQuarantineBypass},
		{"benign-notes", Allow, ""},
	}
	for _, tt := range tests {
		t.Run(tt.dir+" is "+string(tt.verdict), func(t *testing.T) {
			r := scanOne(t, s, filepath.Join("testdata", "skills", tt.dir))
			if r.Verdict != tt.verdict {
				t.Errorf("verdict %s, want %s; findings: %+v", r.Verdict, tt.verdict, r.Findings)
			}
			if tt.rule != "" && !hasRule(r, tt.rule) {
				t.Errorf("no %s finding in %+v", tt.rule, r.Findings)
			}
			if r.Skill != tt.dir {
				t.Errorf("skill %q, want the front matter name %q", r.Skill, tt.dir)
			}
			want, err := TreeHash(filepath.Join("testdata", "skills", tt.dir))
			if err != nil {
				t.Fatal(err)
			}
			if r.SHA256 != want {
				t.Errorf("Result.SHA256 %s differs from TreeHash %s", r.SHA256, want)
			}
		})
	}
}

func TestScanOfMissingPathBlocks(t *testing.T) {
	s := newScanner(t, Options{})
	r := scanOne(t, s, filepath.Join(t.TempDir(), "nope"))
	if r.Verdict != Block || !hasRule(r, RuleInputUnreadable) {
		t.Fatalf("missing path: verdict %s, findings %+v; want block with %s", r.Verdict, r.Findings, RuleInputUnreadable)
	}
}

func TestWriteJSONFollowsTheSchema(t *testing.T) {
	rep := &Report{Results: []Result{{Skill: "a", Path: "/x/a", SHA256: "00", Verdict: Allow}}}
	var buf bytes.Buffer
	if err := WriteJSON(&buf, rep); err != nil {
		t.Fatal(err)
	}
	var got map[string][]map[string]any
	if err := json.Unmarshal(buf.Bytes(), &got); err != nil {
		t.Fatal(err)
	}
	res := got["results"][0]
	for _, k := range []string{"skill", "path", "sha256", "verdict", "findings"} {
		if _, ok := res[k]; !ok {
			t.Errorf("result lacks %q: %s", k, buf.String())
		}
	}
	if !strings.Contains(buf.String(), `"findings": []`) {
		t.Errorf("empty findings should be [], got %s", buf.String())
	}
}

func TestTreeHashChangesWithContentModeAndName(t *testing.T) {
	dir := t.TempDir()
	write := func(name, body string, mode os.FileMode) {
		t.Helper()
		if err := os.WriteFile(filepath.Join(dir, name), []byte(body), mode); err != nil {
			t.Fatal(err)
		}
		if err := os.Chmod(filepath.Join(dir, name), mode); err != nil {
			t.Fatal(err)
		}
	}
	hash := func() string {
		t.Helper()
		h, err := TreeHash(dir)
		if err != nil {
			t.Fatal(err)
		}
		return h
	}
	write("SKILL.md", "a", 0o644)
	h1 := hash()
	if h1 != hash() {
		t.Fatal("tree hash is not stable")
	}
	write("SKILL.md", "b", 0o644)
	h2 := hash()
	write("SKILL.md", "b", 0o755)
	h3 := hash()
	if err := os.Rename(filepath.Join(dir, "SKILL.md"), filepath.Join(dir, "skill.md")); err != nil {
		t.Fatal(err)
	}
	h4 := hash()
	seen := map[string]bool{}
	for _, h := range []string{h1, h2, h3, h4} {
		if seen[h] {
			t.Fatalf("two different trees share hash %s", h)
		}
		seen[h] = true
	}
}
