package sanitizer

import (
	"bufio"
	"encoding/json"
	"os"
	"path/filepath"
	"testing"
)

// The frozen language sets measure what the model never saw: none of their
// texts may appear in a training file.
func TestFrozenEvalSetsAreNotTrainedOn(t *testing.T) {
	texts := func(glob string) map[string]string {
		files, err := filepath.Glob(glob)
		if err != nil || len(files) == 0 {
			t.Fatalf("%s: %v (%d files)", glob, err, len(files))
		}
		out := map[string]string{}
		for _, f := range files {
			fh, err := os.Open(f)
			if err != nil {
				t.Fatal(err)
			}
			sc := bufio.NewScanner(fh)
			sc.Buffer(nil, 4<<20)
			for sc.Scan() {
				var row struct {
					Text string `json:"text"`
				}
				if json.Unmarshal(sc.Bytes(), &row) == nil && row.Text != "" {
					out[row.Text] = f
				}
			}
			fh.Close()
		}
		return out
	}
	train := texts("train*/*.jsonl")
	for _, set := range []string{"languages-2", "languages-3", "languages-4", "languages-5", "everyday", "system-defences", "persona-lookalikes", "persona-contrast", "indirect-3", "indirect-4", "indirect-kinds", "tool-descriptions", "tool-descriptions-2", "tool-descriptions-3", "tool-descriptions-real", "interruptions", "padding"} {
		eval := texts("testdata/eval/" + set + ".jsonl")
		if len(eval) < 50 { // a path typo reads nothing; the smallest set has 53 rows
			t.Errorf("%s: %d rows", set, len(eval))
		}
		for text := range eval {
			if f, ok := train[text]; ok {
				t.Errorf("%s row in training file %s: %.80q", set, f, text)
			}
		}
	}
}
