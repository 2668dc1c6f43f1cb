// Command sanitizer-train trains the sanitizer's scoring model: logistic
// regression over hashed n-grams of normalised text, fitted with AdaGrad.
// The run is deterministic, so the same data gives a byte-identical weights
// file.
//
//	sanitizer-train -data sanitizer/train -data ../shared/data/injection -out sanitizer/model.bin
//	sanitizer-train -data ... -cv 5      # k-fold figures instead of a weights file
//
// Every *.jsonl file under each -data directory is read: one object per line
// with "text" and "label" (1 attack, 0 benign), optionally "source" and
// "category".
package main

import (
	"bufio"
	"encoding/json"
	"flag"
	"fmt"
	"hash/fnv"
	"math"
	"math/rand/v2"
	"os"
	"path/filepath"
	"slices"
	"strings"

	"github.com/openclaw-secure-stack/securestack/sanitizer/internal/model"
	"github.com/openclaw-secure-stack/securestack/sanitizer/internal/textnorm"
)

type example struct {
	Text     string `json:"text"`
	Label    int    `json:"label"`
	Source   string `json:"source"`
	Category string `json:"category"`
	feats    []uint32
}

type dirs []string

func (d *dirs) String() string     { return strings.Join(*d, ",") }
func (d *dirs) Set(s string) error { *d = append(*d, s); return nil }

func main() {
	var data dirs
	flag.Var(&data, "data", "directory of *.jsonl training files (repeatable)")
	out := flag.String("out", "", "weights file to write")
	epochs := flag.Int("epochs", 12, "passes over the data")
	cv := flag.Int("cv", 0, "print k-fold cross-validation figures instead of training")
	flag.Parse()
	if len(data) == 0 || (*out == "" && *cv == 0) {
		fmt.Fprintln(os.Stderr, "usage: sanitizer-train -data DIR [-data DIR...] (-out FILE | -cv K)")
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
	for i := range exs {
		model.Features(textnorm.Normalize(exs[i].Text, false).Text, func(h uint32, _ bool) {
			exs[i].feats = append(exs[i].feats, h)
		})
	}
	pos := 0
	for _, e := range exs {
		pos += e.Label
	}
	fmt.Fprintf(os.Stderr, "sanitizer-train: %d examples (%d attacks, %d benign)\n", len(exs), pos, len(exs)-pos)
	if *cv > 0 {
		crossValidate(exs, *cv, *epochs)
		return
	}
	m := train(exs, *epochs)
	if err := os.WriteFile(*out, m.Marshal(), 0o644); err != nil {
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
		fh, err := os.Open(f)
		if err != nil {
			return nil, err
		}
		sc := bufio.NewScanner(fh)
		sc.Buffer(make([]byte, 1<<20), 1<<24)
		for line := 1; sc.Scan(); line++ {
			if strings.TrimSpace(sc.Text()) == "" {
				continue
			}
			var e example
			if err := json.Unmarshal(sc.Bytes(), &e); err != nil {
				fh.Close()
				return nil, fmt.Errorf("%s:%d: %v", f, line, err)
			}
			if e.Label != 0 && e.Label != 1 {
				fh.Close()
				return nil, fmt.Errorf("%s:%d: label must be 0 or 1", f, line)
			}
			if e.Source == "" {
				e.Source = filepath.Base(f)
			}
			exs = append(exs, e)
		}
		fh.Close()
		if err := sc.Err(); err != nil {
			return nil, fmt.Errorf("%s: %v", f, err)
		}
	}
	return exs, nil
}

// train fits the model with AdaGrad on the logistic loss, classes weighted
// to balance, a little L2, and a fixed shuffle seed.
func train(exs []example, epochs int) *model.Model {
	const (
		rate = 0.3
		l2   = 1e-6
	)
	m := model.New()
	g2 := make([]float64, len(m.Weights))
	var bias, biasG2 float64
	pos := 0
	for _, e := range exs {
		pos += e.Label
	}
	weight := [2]float64{float64(len(exs)) / float64(2*(len(exs)-pos)), float64(len(exs)) / float64(2*pos)}
	order := make([]int, len(exs))
	for i := range order {
		order[i] = i
	}
	rng := rand.New(rand.NewPCG(1, 2))
	for range epochs {
		rng.Shuffle(len(order), func(i, j int) { order[i], order[j] = order[j], order[i] })
		for _, i := range order {
			e := &exs[i]
			if len(e.feats) == 0 {
				continue
			}
			x := model.Norm(len(e.feats))
			z := bias
			for _, h := range e.feats {
				z += float64(m.Weights[h]) * x
			}
			p := 1 / (1 + math.Exp(-z))
			g := (p - float64(e.Label)) * weight[e.Label]
			for _, h := range e.feats {
				gh := g*x + l2*float64(m.Weights[h])
				g2[h] += gh * gh
				m.Weights[h] -= float32(rate * gh / (math.Sqrt(g2[h]) + 1e-8))
			}
			biasG2 += g * g
			bias -= rate * g / (math.Sqrt(biasG2) + 1e-8)
		}
	}
	m.Bias = float32(bias)
	return m
}

// crossValidate trains on k-1 folds and scores the held-out fold, then
// prints TPR and FPR at several thresholds, overall and per source.
func crossValidate(exs []example, k, epochs int) {
	scores := make([]float64, len(exs))
	for fold := range k {
		var tr []example
		for i, e := range exs {
			if foldOf(e.Text, k) != fold {
				tr = append(tr, exs[i])
			}
		}
		m := train(tr, epochs)
		for i, e := range exs {
			if foldOf(e.Text, k) == fold {
				scores[i] = m.Score(textnorm.Normalize(e.Text, false).Text)
			}
		}
	}
	for _, th := range []float64{0.3, 0.5, 0.7, 0.8, 0.9, 0.95} {
		tp, fn, fp, tn := 0, 0, 0, 0
		for i, e := range exs {
			hit := scores[i] >= th
			switch {
			case e.Label == 1 && hit:
				tp++
			case e.Label == 1:
				fn++
			case hit:
				fp++
			default:
				tn++
			}
		}
		fmt.Printf("threshold %.2f: TPR %.1f%% (%d/%d)  FPR %.1f%% (%d/%d)\n", th,
			100*float64(tp)/float64(tp+fn), tp, tp+fn, 100*float64(fp)/float64(fp+tn), fp, fp+tn)
	}
	bySource := map[string][2]int{}
	for i, e := range exs {
		c := bySource[e.Source+" ["+e.Category+"]"]
		c[1]++
		if (scores[i] >= 0.5) == (e.Label == 1) {
			c[0]++
		}
		bySource[e.Source+" ["+e.Category+"]"] = c
	}
	keys := make([]string, 0, len(bySource))
	for s := range bySource {
		keys = append(keys, s)
	}
	slices.Sort(keys)
	for _, s := range keys {
		fmt.Printf("  %-90s correct at 0.5: %d/%d\n", s, bySource[s][0], bySource[s][1])
	}
}

func foldOf(text string, k int) int {
	h := fnv.New32a()
	h.Write([]byte(text))
	return int(h.Sum32() % uint32(k))
}
