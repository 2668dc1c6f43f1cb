// Command sanitizer-train trains the sanitizer's scoring model: logistic
// regression over hashed n-grams of normalised text, fitted with AdaGrad.
// The run is deterministic, so the same data gives a byte-identical weights
// file.
//
//	sanitizer-train -data sanitizer/train -data ../shared/data/injection -out sanitizer/model.bin
//	sanitizer-train -data ... -loso       # leave-one-source-out figures instead of a weights file
//
// Every *.jsonl file under each -data directory is read: one object per line
// with "text" and "label" (1 attack, 0 benign), optionally "source" and
// "category"; a row without a source takes its file name.
//
// -loso trains once per source with that source left out and scores the
// left-out rows, so every row is judged by a model that never saw its source
// (nor anything written in its style). It prints, per held-out source and
// pooled, the model's TPR and FPR and those of the shipped detector (rules or
// model), over a range of thresholds: this is how the shipped threshold and
// the training settings are chosen, never on rows the model was fitted to.
package main

import (
	"bufio"
	"cmp"
	"encoding/json"
	"flag"
	"fmt"
	"math"
	"math/rand/v2"
	"os"
	"path/filepath"
	"slices"
	"strings"

	"github.com/openclaw-secure-stack/securestack/sanitizer"
	"github.com/openclaw-secure-stack/securestack/sanitizer/internal/model"
	"github.com/openclaw-secure-stack/securestack/sanitizer/internal/textnorm"
)

type example struct {
	Text     string `json:"text"`
	Label    int    `json:"label"`
	Source   string `json:"source"`
	Category string `json:"category"`
	feats    []uint32
	weight   float64
}

type dirs []string

func (d *dirs) String() string     { return strings.Join(*d, ",") }
func (d *dirs) Set(s string) error { *d = append(*d, s); return nil }

// settings are the training knobs that -loso is used to choose.
type settings struct {
	epochs int
	rate   float64
	l2     float64
}

func main() {
	var data dirs
	flag.Var(&data, "data", "directory of *.jsonl training files (repeatable)")
	out := flag.String("out", "", "weights file to write")
	loso := flag.Bool("loso", false, "print leave-one-source-out figures instead of training")
	show := flag.Int("show", 0, "with -loso: print up to N misjudged held-out rows per source")
	var st settings
	flag.IntVar(&st.epochs, "epochs", 10, "passes over the data")
	flag.Float64Var(&st.rate, "rate", 0.2, "AdaGrad learning rate")
	flag.Float64Var(&st.l2, "l2", 1e-5, "L2 penalty per update")
	flag.Parse()
	if len(data) == 0 || (*out == "") == !*loso {
		fmt.Fprintln(os.Stderr, "usage: sanitizer-train -data DIR [-data DIR...] (-out FILE | -loso [-show N])")
		os.Exit(2)
	}
	var exs []example
	for _, d := range data {
		e, err := load(d)
		if err != nil {
			fmt.Fprintln(os.Stderr, "sanitizer-train:", err)
			os.Exit(1)
		}
		exs = append(exs, e...)
	}
	var norm textnorm.Text
	for i := range exs {
		norm.Normalize(exs[i].Text, false)
		exs[i].feats, _ = model.Features(nil, nil, norm.Text)
	}
	setWeights(exs)
	pos := 0
	for _, e := range exs {
		pos += e.Label
	}
	fmt.Fprintf(os.Stderr, "sanitizer-train: %d examples (%d attacks, %d benign) from %d sources\n", len(exs), pos, len(exs)-pos, len(sources(exs)))
	if *loso {
		leaveOneSourceOut(exs, st, *show)
		return
	}
	if err := os.WriteFile(*out, train(exs, st).Marshal(), 0o644); err != nil {
		fmt.Fprintln(os.Stderr, "sanitizer-train:", err)
		os.Exit(1)
	}
}

// load reads every *.jsonl file under dir, in name order.
func load(dir string) ([]example, error) {
	files, err := filepath.Glob(filepath.Join(dir, "*.jsonl"))
	if err != nil {
		return nil, err
	}
	if len(files) == 0 {
		return nil, fmt.Errorf("%s: no *.jsonl files", dir)
	}
	slices.Sort(files)
	var exs []example
	for _, f := range files {
		e, err := loadFile(f)
		if err != nil {
			return nil, err
		}
		exs = append(exs, e...)
	}
	return exs, nil
}

func loadFile(path string) ([]example, error) {
	fh, err := os.Open(path)
	if err != nil {
		return nil, err
	}
	defer fh.Close()
	var exs []example
	sc := bufio.NewScanner(fh)
	sc.Buffer(make([]byte, 1<<20), 1<<24)
	for line := 1; sc.Scan(); line++ {
		if strings.TrimSpace(sc.Text()) == "" {
			continue
		}
		var e example
		if err := json.Unmarshal(sc.Bytes(), &e); err != nil {
			return nil, fmt.Errorf("%s:%d: %v", path, line, err)
		}
		if e.Label != 0 && e.Label != 1 {
			return nil, fmt.Errorf("%s:%d: label must be 0 or 1", path, line)
		}
		if e.Text == "" {
			return nil, fmt.Errorf("%s:%d: text is empty", path, line)
		}
		if e.Source == "" {
			e.Source = filepath.Base(path)
		}
		exs = append(exs, e)
	}
	if err := sc.Err(); err != nil {
		return nil, fmt.Errorf("%s: %v", path, err)
	}
	return exs, nil
}

// setWeights balances the two classes, and within a class damps large
// sources (weight 1/sqrt(rows)), so that one big crawl does not drown out
// the many small sources the model must also generalise to.
func setWeights(exs []example) {
	n := map[string]int{}
	for _, e := range exs {
		n[e.Source]++
	}
	var total [2]float64
	for i := range exs {
		exs[i].weight = 1 / math.Sqrt(float64(n[exs[i].Source]))
		total[exs[i].Label] += exs[i].weight
	}
	for i := range exs {
		exs[i].weight *= float64(len(exs)) / (2 * total[exs[i].Label])
	}
}

// train fits the model with AdaGrad on the weighted logistic loss, a little
// L2, and a fixed shuffle seed.
func train(exs []example, st settings) *model.Weights {
	m := model.NewWeights()
	g2 := make([]float64, len(m.W))
	var bias, biasG2 float64
	order := make([]int, len(exs))
	for i := range order {
		order[i] = i
	}
	rng := rand.New(rand.NewPCG(1, 2))
	for range st.epochs {
		rng.Shuffle(len(order), func(i, j int) { order[i], order[j] = order[j], order[i] })
		for _, i := range order {
			e := &exs[i]
			if len(e.feats) == 0 {
				continue
			}
			x := model.Norm(len(e.feats))
			z := bias
			for _, h := range e.feats {
				z += float64(m.W[h]) * x
			}
			p := 1 / (1 + math.Exp(-z))
			g := (p - float64(e.Label)) * e.weight
			for _, h := range e.feats {
				gh := g*x + st.l2*float64(m.W[h])
				g2[h] += gh * gh
				m.W[h] -= float32(st.rate * gh / (math.Sqrt(g2[h]) + 1e-8))
			}
			biasG2 += g * g
			bias -= st.rate * g / (math.Sqrt(biasG2) + 1e-8)
		}
	}
	m.Bias = float32(bias)
	return m
}

func sources(exs []example) []string {
	var s []string
	for _, e := range exs {
		s = append(s, e.Source)
	}
	slices.Sort(s)
	return slices.Compact(s)
}

// leaveOneSourceOut scores every row with a model trained without its
// source, and prints the figures the shipped threshold is chosen from.
func leaveOneSourceOut(exs []example, st settings, show int) {
	scores := make([]float64, len(exs))
	var norm textnorm.Text
	var sc model.Scratch
	for _, src := range sources(exs) {
		var tr []example
		for _, e := range exs {
			if e.Source != src {
				tr = append(tr, e)
			}
		}
		// Score with the model as it would ship, quantised.
		m, err := model.Parse(train(tr, st).Marshal())
		if err != nil {
			panic(err) // Marshal and Parse disagree: a bug in package model
		}
		for i, e := range exs {
			if e.Source == src {
				norm.Normalize(e.Text, false)
				scores[i] = m.Score(norm.Text, &sc)
			}
		}
	}
	rules, err := sanitizer.New(sanitizer.Config{DisableModel: true})
	if err != nil {
		fmt.Fprintln(os.Stderr, "sanitizer-train:", err)
		os.Exit(1)
	}
	ruleHit := make([]bool, len(exs))
	for i, e := range exs {
		a := rules.Check("user", e.Text).Action
		ruleHit[i] = a == sanitizer.ActionReject || a == sanitizer.ActionStrip
	}
	thresholds := []float64{0.5, 0.6, 0.7, 0.8, 0.85, 0.9, 0.95}
	fmt.Println("leave-one-source-out, pooled over every held-out row (a row is caught by the model when its score ≥ threshold, by the detector when the model or a reject/strip rule fires):")
	for _, th := range thresholds {
		var mdl, det tally
		for i, e := range exs {
			mdl.add(e.Label, scores[i] >= th)
			det.add(e.Label, scores[i] >= th || ruleHit[i])
		}
		fmt.Printf("  threshold %.2f  model %s   detector %s\n", th, mdl, det)
	}
	fmt.Printf("per held-out source, detector at each threshold %v:\n", thresholds)
	for _, src := range sources(exs) {
		var ts []tally
		var wrong []int
		for _, th := range thresholds {
			var t tally
			for i, e := range exs {
				if e.Source == src {
					hit := scores[i] >= th || ruleHit[i]
					t.add(e.Label, hit)
					if th == sanitizer.DefaultThreshold && hit != (e.Label == 1) {
						wrong = append(wrong, i)
					}
				}
			}
			ts = append(ts, t)
		}
		fmt.Printf("  %s\n   ", src)
		for _, t := range ts {
			fmt.Printf(" %s", t.short())
		}
		fmt.Println()
		slices.SortFunc(wrong, func(a, b int) int { return cmp.Compare(math.Abs(scores[b]-0.5), math.Abs(scores[a]-0.5)) })
		for _, i := range wrong[:min(show, len(wrong))] {
			fmt.Printf("      label %d score %.2f: %.160q\n", exs[i].Label, scores[i], exs[i].Text)
		}
	}
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
	return fmt.Sprintf("TPR %5.1f%% (%d/%d) FPR %4.1f%% (%d/%d)", pct(t.caught, t.attacks), t.caught, t.attacks, pct(t.flagged, t.benign), t.flagged, t.benign)
}

// short is the figure that matters for a one-class source.
func (t tally) short() string {
	if t.attacks > 0 {
		return fmt.Sprintf("TPR %5.1f%%", pct(t.caught, t.attacks))
	}
	return fmt.Sprintf("FPR %4.1f%%", pct(t.flagged, t.benign))
}

func pct(a, b int) float64 {
	if b == 0 {
		return 0
	}
	return 100 * float64(a) / float64(b)
}
