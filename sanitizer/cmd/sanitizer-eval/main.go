// Command sanitizer-eval measures the sanitizer on labelled prompts: TPR on
// attacks, FPR on benign prompts, overall and per category, at the shipped
// threshold, for the whole detector and for rules and model apart.
//
//	sanitizer-eval ../shared/data/injection/attacks.jsonl ../shared/data/injection/benign.jsonl
//
// Each line of each file is {"text", "label" (1 attack, 0 benign), "source", "category"}.
// Every prompt is checked as a user message.
package main

import (
	"bufio"
	"encoding/json"
	"flag"
	"fmt"
	"os"
	"slices"

	"github.com/openclaw-secure-stack/securestack/sanitizer"
)

type row struct {
	Text     string `json:"text"`
	Label    int    `json:"label"`
	Category string `json:"category"`
}

type tally struct{ attacks, caught, benign, flagged int }

func (t *tally) add(label int, hit bool) {
	if label == 1 {
		t.attacks++
		if hit {
			t.caught++
		}
		return
	}
	t.benign++
	if hit {
		t.flagged++
	}
}

func (t tally) String() string {
	s := ""
	if t.attacks > 0 {
		s += fmt.Sprintf("TPR %5.1f%% (%d/%d)", pct(t.caught, t.attacks), t.caught, t.attacks)
	}
	if t.benign > 0 {
		if s != "" {
			s += "  "
		}
		s += fmt.Sprintf("FPR %5.1f%% (%d/%d)", pct(t.flagged, t.benign), t.flagged, t.benign)
	}
	return s
}

func pct(a, b int) float64 { return 100 * float64(a) / float64(b) }

func main() {
	threshold := flag.Float64("threshold", sanitizer.DefaultThreshold, "model threshold")
	flag.Parse()
	if flag.NArg() == 0 {
		fmt.Fprintln(os.Stderr, "usage: sanitizer-eval [-threshold T] FILE.jsonl...")
		os.Exit(2)
	}
	s, err := sanitizer.New(sanitizer.Config{Threshold: *threshold})
	if err != nil {
		fmt.Fprintln(os.Stderr, "sanitizer-eval:", err)
		os.Exit(1)
	}
	var all, rules, model tally
	byCat := map[string]*tally{}
	for _, path := range flag.Args() {
		rows, err := read(path)
		if err != nil {
			fmt.Fprintln(os.Stderr, "sanitizer-eval:", err)
			os.Exit(1)
		}
		for _, r := range rows {
			res := s.Check("user", r.Text)
			ruleHit, modelHit := false, false
			for _, m := range res.Matches {
				if m.Action != sanitizer.ActionReject && m.Action != sanitizer.ActionStrip {
					continue
				}
				if m.RuleID == sanitizer.ModelRuleID {
					modelHit = true
				} else {
					ruleHit = true
				}
			}
			hit := res.Action == sanitizer.ActionReject || res.Action == sanitizer.ActionStrip
			all.add(r.Label, hit)
			rules.add(r.Label, ruleHit)
			model.add(r.Label, modelHit)
			if byCat[r.Category] == nil {
				byCat[r.Category] = &tally{}
			}
			byCat[r.Category].add(r.Label, hit)
		}
	}
	fmt.Printf("threshold %.2f (a hit is a reject or strip)\n", *threshold)
	fmt.Printf("  %-44s %s\n", "all (rules + model)", all)
	fmt.Printf("  %-44s %s\n", "rules only", rules)
	fmt.Printf("  %-44s %s\n", "model only", model)
	fmt.Println("per category:")
	cats := make([]string, 0, len(byCat))
	for c := range byCat {
		cats = append(cats, c)
	}
	slices.Sort(cats)
	for _, c := range cats {
		fmt.Printf("  %-44s %s\n", c, byCat[c])
	}
}

func read(path string) ([]row, error) {
	f, err := os.Open(path)
	if err != nil {
		return nil, err
	}
	defer f.Close()
	var rows []row
	sc := bufio.NewScanner(f)
	sc.Buffer(make([]byte, 1<<20), 1<<24)
	for line := 1; sc.Scan(); line++ {
		var r row
		if err := json.Unmarshal(sc.Bytes(), &r); err != nil {
			return nil, fmt.Errorf("%s:%d: %v", path, line, err)
		}
		rows = append(rows, r)
	}
	return rows, sc.Err()
}
