package scanner

import (
	"os"
	"path/filepath"
	"testing"
)

// The samples of the later waves' techniques in testdata/waves: every
// malicious one is blocked, and none of the honest counterexamples
// written beside them is. make eval-scanner counts them too.
func TestWaveTechniqueSamples(t *testing.T) {
	s := newScanner(t, Options{})
	for _, kind := range []string{"malicious", "honest"} {
		dir := filepath.Join("testdata", "waves", kind)
		entries, err := os.ReadDir(dir)
		if err != nil {
			t.Fatal(err)
		}
		if len(entries) < 10 {
			t.Fatalf("%s: only %d samples", dir, len(entries))
		}
		for _, e := range entries {
			t.Run(kind+"/"+e.Name(), func(t *testing.T) {
				r := scanOne(t, s, filepath.Join(dir, e.Name()))
				switch {
				case kind == "malicious" && r.Verdict != Block:
					t.Errorf("verdict %s, want block:\n%s", r.Verdict, dump(r.Findings))
				case kind == "honest" && r.Verdict == Block:
					t.Errorf("blocked:\n%s", dump(r.Findings))
				}
			})
		}
	}
}
