package sanitizer

import (
	"bufio"
	"encoding/json"
	"fmt"
	"os"
	"testing"
)

func TestProbeHDB64(t *testing.T) {
	s := newDefault(t, Config{})
	f, _ := os.Open("testdata/eval/obfuscation.jsonl")
	sc := bufio.NewScanner(f)
	for sc.Scan() {
		var r struct{ Text, Technique string; Label int }
		json.Unmarshal(sc.Bytes(), &r)
		if r.Technique != "base64 in groups" {
			continue
		}
		res := s.Check("user", r.Text)
		fmt.Printf("%.2f %s %v %q\n", res.Score, res.Action, res.RuleIDs(), r.Text[:min(120, len(r.Text))])
	}
}
