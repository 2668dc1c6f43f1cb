// Command sanitizer-train trains the sanitizer's scoring model: logistic
// regression over hashed n-grams of normalised text, fitted with AdaGrad.
// The run is deterministic, so the same data gives a byte-identical weights
// file.
//
//	sanitizer-train -data sanitizer/train -data ../shared/data/injection -out sanitizer/model.bin
//	sanitizer-train -data ... -loso       # leave-one-source-out figures instead of a weights file
//	sanitizer-train -data sanitizer/train -heldout ../shared/data/injection  # trained on written data only
//
// Every *.jsonl file under each -data directory is read: one object per line
// with "text" and "label" (1 attack, 0 benign), optionally "source" and
// "category"; a row without a source takes its file name.
//
// -heldout trains on the -data rows and judges the rows under another
// directory, for a figure on sources the model never saw at all: at the
// threshold, and at the thresholds that keep its FPR under 1, 2 and 3%
// (the held-out target is stated at an FPR, and a figure at one threshold
// moves with the model's calibration as much as with what it tells apart).
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
	"maps"
	"math"
	"math/rand/v2"
	"os"
	"path/filepath"
	"regexp"
	"slices"
	"strings"
	"unicode"

	"github.com/openclaw-secure-stack/securestack/sanitizer"
	"github.com/openclaw-secure-stack/securestack/sanitizer/internal/model"
	"github.com/openclaw-secure-stack/securestack/sanitizer/internal/textnorm"
)

type example struct {
	Text     string `json:"text"`
	Label    int    `json:"label"`
	Source   string `json:"source"`
	Category string `json:"category"`
	Role     string `json:"role"` // who speaks it: user (the default), system, tool
	feats    []uint32
	evidence []uint32    // the flag rules that matched it (model.RuleEvidence)
	extra    []uint32    // evidence from outside the text (model.UnitContext)
	unit     bool        // a unit of content (a line or sentence of a tool result)
	blanked  []byte      // the normalised text with its quotations asked about blanked, as the prompt model reads it (nil: none)
	place    model.Place // where a unit of content stands in its text (model.Topic)
	ctx      []uint32    // the second reading of feats in that place, if any (model.UnitLogOddsAt)
	rules    []string    // every rule that matched it
	ruleHit  bool        // a reject or strip rule matched it: the detector fires whatever the model says
	weight   float64
	group    string // what -loso holds out together
}

// groupFlag maps sources onto the groups -loso holds out together: near
// copies (one file per jailbreak template, one dataset split in three) are
// not an unseen source for each other.
type groupFlag []struct {
	re   *regexp.Regexp
	name string
}

func (g *groupFlag) String() string { return fmt.Sprint(len(*g)) }

func (g *groupFlag) Set(s string) error {
	pat, name, ok := strings.Cut(s, "=")
	re, err := regexp.Compile(pat)
	if !ok || err != nil || name == "" {
		return fmt.Errorf("want PATTERN=NAME with PATTERN a regexp, got %q", s)
	}
	*g = append(*g, struct {
		re   *regexp.Regexp
		name string
	}{re, name})
	return nil
}

// of returns the group of a source: the first matching NAME, or the source.
func (g groupFlag) of(source string) string {
	for _, e := range g {
		if e.re.MatchString(source) {
			return e.name
		}
	}
	return source
}

type dirs []string

func (d *dirs) String() string     { return strings.Join(*d, ",") }
func (d *dirs) Set(s string) error { *d = append(*d, s); return nil }

// settings are the training knobs that -loso is used to choose.
type settings struct {
	epochs int
	seeds  int
	rate   float64
	l2     float64
}

func main() {
	var data dirs
	flag.Var(&data, "data", "directory of *.jsonl training files (repeatable)")
	out := flag.String("out", "", "weights file to write")
	loso := flag.Bool("loso", false, "print leave-one-source-out figures instead of training")
	heldout := flag.String("heldout", "", "train on the -data rows, then print the detector's figures on the rows under this directory")
	show := flag.Int("show", 0, "with -loso: print up to N misjudged held-out rows per source; with -heldout: up to N misjudged rows")
	flag.IntVar(&explain, "explain", 0, "with -heldout -show: after each misjudged row, its N words that weigh most (each with its pair and stem) and its evidence, in log-odds")
	scores := flag.String("scores", "", "with -loso: also write every row's held-out score to this JSONL file, for analysis")
	baseline := flag.String("baseline-sources", "", "with -loso: also print the operating points pooled over the sources listed in this file (one per line), to compare with a run that had only those sources")
	at := flag.Float64("threshold", sanitizer.DefaultThreshold, "with -loso or -heldout: the threshold of the per-source figures")
	var groups groupFlag
	flag.Var(&groups, "group", "with -loso: PATTERN=NAME holds out every source matching the regexp PATTERN together, as NAME (repeatable)")
	var indirect dirs
	flag.Var(&indirect, "indirect", "directory of *.jsonl content rows (BIPIA's fields, or text/label/source/category) for the indirect-injection model (repeatable)")
	var docs dirs
	flag.Var(&docs, "indirect-docs", "with -indirect: a directory of real documents (*.md, *.txt, *.rst, README*), walked; every part of every file is benign content (repeatable)")
	flag.Float64Var(&docsWeight, "indirect-docs-weight", docsWeight, "with -indirect-docs: the weight of a document unit, relative to other content")
	flag.BoolVar(&losoDocs, "indirect-loso-docs", losoDocs, "with -indirect-loso: hold out each -indirect-docs tree in turn and count its documents in the figures (one training per tree); false trains on them in every fold and leaves them out of the figures")
	flag.StringVar(&indirectScores, "indirect-scores", "", "with -indirect-loso: also write every content row's held-out scores to this JSONL file, for analysis")
	flag.Float64Var(&indirectAt, "indirect-threshold", sanitizer.DefaultIndirectThreshold, "with -indirect-loso: the threshold of the per-category, position and source figures")
	indirectLoso := flag.Bool("indirect-loso", false, "with -indirect: held-out figures of the indirect-injection model instead of training")
	indirectOut := flag.String("indirect-out", "", "with -indirect: write the indirect-injection weights file")
	holdout := flag.String("indirect-holdout", "instruction", "with -indirect-loso: hold out BIPIA attacks by instruction (as its test split does) or by category (unseen kinds of attack)")
	prompts := flag.String("indirect-prompts", "all", "with -indirect: which -data rows join the content: attacks, all or none")
	flag.Float64Var(&sourcePower, "source-power", sourcePower, "a row of a source of n rows weighs n^-P before the classes are balanced (0.5: every source weighs the square root of its size)")
	var st settings
	flag.IntVar(&st.epochs, "epochs", 10, "passes over the data")
	flag.IntVar(&st.seeds, "seeds", 1, "train this many times, each with its own shuffle, and average the weights (1: the shipped training)")
	flag.Float64Var(&st.rate, "rate", 0.4, "AdaGrad learning rate")
	flag.Float64Var(&st.l2, "l2", 1e-4, "L2 penalty per update")
	flag.Parse()
	if len(indirect) > 0 {
		if *indirectLoso == (*indirectOut != "") {
			fmt.Fprintln(os.Stderr, "usage: sanitizer-train -indirect DIR [-indirect DIR...] [-data DIR...] (-indirect-loso [-show N] | -indirect-out FILE)")
			os.Exit(2)
		}
		if err := runIndirect(indirect, docs, data, *indirectLoso, *indirectOut, st, *show, *holdout, *prompts); err != nil {
			fmt.Fprintln(os.Stderr, "sanitizer-train:", err)
			os.Exit(1)
		}
		return
	}
	modes := 0
	for _, on := range []bool{*out != "", *loso, *heldout != ""} {
		if on {
			modes++
		}
	}
	if len(data) == 0 || modes != 1 {
		fmt.Fprintln(os.Stderr, "usage: sanitizer-train -data DIR [-data DIR...] (-out FILE | -loso [-show N] | -heldout DIR)")
		os.Exit(2)
	}
	if *baseline != "" {
		b, err := os.ReadFile(*baseline)
		if err != nil {
			fmt.Fprintln(os.Stderr, "sanitizer-train:", err)
			os.Exit(1)
		}
		baselineSources = map[string]bool{}
		for _, line := range strings.Split(string(b), "\n") {
			if line = strings.TrimSpace(line); line != "" && !strings.HasPrefix(line, "#") {
				baselineSources[line] = true
			}
		}
	}
	if err := run(data, *out, *loso, *heldout, groups, st, *at, *show, *scores); err != nil {
		fmt.Fprintln(os.Stderr, "sanitizer-train:", err)
		os.Exit(1)
	}
}

func run(data []string, out string, loso bool, heldout string, groups groupFlag, st settings, at float64, show int, scores string) error {
	var exs []example
	for _, d := range data {
		e, err := load(d)
		if err != nil {
			return err
		}
		exs = append(exs, e...)
	}
	p, err := newPreparer()
	if err != nil {
		return err
	}
	p.prompts = true
	p.prepare(exs)
	setWeights(exs)
	pos := 0
	for _, e := range exs {
		pos += e.Label
	}
	fmt.Fprintf(os.Stderr, "sanitizer-train: %d examples (%d attacks, %d benign) from %d sources\n", len(exs), pos, len(exs)-pos, len(sources(exs)))
	switch {
	case loso:
		for i := range exs {
			exs[i].group = groups.of(exs[i].Source)
		}
		return leaveOneSourceOut(exs, st, at, show, scores)
	case heldout != "":
		test, err := load(heldout)
		if err != nil {
			return err
		}
		p.prepare(test)
		return evaluate(exs, test, st, at, show)
	}
	return os.WriteFile(out, train(exs, st).Marshal(), 0o644)
}

// modelText is the text the prompt model scores for e: normalised, with
// the quotations it asks about blanked (see prepare).
func (e *example) modelText(norm *textnorm.Text) []byte {
	if e.blanked != nil {
		return e.blanked
	}
	norm.Normalize(e.Text, false)
	return norm.Text
}

// preparer works out what training and scoring need to know of a row.
type preparer struct {
	rules, flags *sanitizer.Sanitizer
	// prompts: the rows train the prompt model, which reads quotations
	// asked about as evidence (sanitizer.QuotationEvidence); the content
	// model does not.
	prompts bool
	norm    textnorm.Text
	sc      model.Scratch
}

func newPreparer() (*preparer, error) {
	// The rules, and the flag rules alone: checking stops at the first
	// reject match, and the model (which runs only when none fired) must
	// learn what every flag that matches is worth.
	var flagRules []sanitizer.Rule
	for _, r := range sanitizer.DefaultRules() {
		if r.Action == sanitizer.ActionFlag {
			flagRules = append(flagRules, r)
		}
	}
	rules, err := sanitizer.New(sanitizer.Config{DisableModel: true})
	if err != nil {
		return nil, err
	}
	flags, err := sanitizer.New(sanitizer.Config{Rules: flagRules, DisableModel: true})
	if err != nil {
		return nil, err
	}
	return &preparer{rules: rules, flags: flags}, nil
}

// prepare fills in the rules, evidence and features of each row.
func (p *preparer) prepare(exs []example) {
	for i := range exs {
		e := &exs[i]
		if e.Role == "" {
			e.Role = "user"
		}
		r := p.rules.Check(e.Role, e.Text)
		e.rules, e.ruleHit = r.RuleIDs(), r.Action == sanitizer.ActionReject || r.Action == sanitizer.ActionStrip
		fr := p.flags.Check(e.Role, e.Text)
		for _, m := range fr.Matches {
			if b := model.RuleEvidence(m.RuleID); !strings.Contains(m.RuleID, "/") && sanitizer.IsEvidence(m.RuleID) && !slices.Contains(e.evidence, b) {
				e.evidence = append(e.evidence, b)
			}
		}
		if b, ok := sanitizer.ConcealedActEvidence(e.Text, fr.Matches); ok && p.prompts && !e.unit {
			e.evidence = append(e.evidence, b)
		}
		if e.Role == "system" {
			e.evidence = append(e.evidence, model.RoleEvidence("system"))
		}
		e.evidence = append(e.evidence, e.extra...)
		p.norm.Normalize(e.Text, false)
		text := p.norm.Text
		if p.prompts && !e.unit {
			// As the detector reads a prompt: a quotation it asks about
			// that holds a rule's match blanked, the flags inside it
			// left out, and the fact as evidence
			// (sanitizer.AskedQuotations).
			q := slices.DeleteFunc(sanitizer.AskedQuotations(text, nil), func(q [2]int) bool {
				return len(p.rules.Check(e.Role, string(text[q[0]:q[1]])).Matches) == 0
			})
			if len(q) > 0 {
				text = sanitizer.BlankQuotations(nil, text, q)
				e.blanked = text
				e.evidence = e.evidence[:0]
				fr := p.flags.Check(e.Role, string(text))
				for _, m := range fr.Matches {
					if b := model.RuleEvidence(m.RuleID); !strings.Contains(m.RuleID, "/") && sanitizer.IsEvidence(m.RuleID) && !slices.Contains(e.evidence, b) {
						e.evidence = append(e.evidence, b)
					}
				}
				if b, ok := sanitizer.ConcealedActEvidence(string(text), fr.Matches); ok {
					e.evidence = append(e.evidence, b)
				}
				if e.Role == "system" {
					e.evidence = append(e.evidence, model.RoleEvidence("system"))
				}
				e.evidence = append(e.evidence, e.extra...)
				e.evidence = append(e.evidence, sanitizer.QuotationEvidence())
			}
			// A request the rules read as mentioned, not made, blanked
			// too, and the fact as evidence (sanitizer.MentionedRequests).
			if m := p.rules.MentionedRequests(e.Role, p.norm.Text, q); len(m) > 0 {
				text = sanitizer.BlankQuotations(nil, text, m)
				e.blanked = text
				e.evidence = append(e.evidence, sanitizer.MentionEvidence())
			}
		}
		if p.prompts && !e.unit && e.Role != "system" {
			// As the detector reads a prompt that is not system text:
			// what it does to the assistant's rules, read in the text
			// the model scores.
			e.evidence = model.PersonaEvidence(text, e.evidence, &p.sc)
		}
		f, _ := p.sc.Features(text)
		e.feats = slices.Clone(f)
		e.ctx = nil
		if e.unit && e.place != model.PlaceUnknown {
			f, starts := p.sc.Features(p.norm.Text)
			if len(starts) > 0 {
				lead := model.LeadFeatures(p.norm.Text, f, starts, e.place)
				e.evidence = append(e.evidence, lead[0])
				if lead[1] != lead[0] {
					e.evidence = append(e.evidence, lead[1])
				}
			}
		}
		if e.unit && model.ReadsTwice(e.place) && p.sc.Words(p.norm.Text) <= model.OffTopicWords {
			for _, h := range e.feats {
				e.ctx = append(e.ctx, model.PlacedFeature(h, e.place))
			}
		}
	}
}

// explain is the number of words -heldout -explain prints per misjudged row.
var explain int

// explainRow lists the words of text that weigh most in w's log-odds (a
// word's own feature, the pair it ends and its stem, times the text's
// norm) and the evidence buckets' weights: which words and flags make a
// misjudged row score as it does. It reads the whole text, not windows.
func explainRow(w *model.Weights, text []byte, evidence []uint32, n int) string {
	var sc model.Scratch
	feats, _ := sc.Features(text)
	x := model.Norm(len(feats))
	sum := func(b []byte) float64 {
		f, _ := sc.Features(b)
		v := 0.0
		for _, h := range f {
			v += float64(w.W[h])
		}
		return v
	}
	type word struct {
		s string
		v float64
	}
	// A word weighs its own feature, its stem and the pair it ends: the
	// features of "previous word" + "word" less those of the previous word.
	var words []word
	fields := strings.FieldsFunc(string(text), func(r rune) bool { return !unicode.IsLetter(r) && !unicode.IsDigit(r) })
	for k, f := range fields {
		v := sum([]byte(f))
		if k > 0 {
			v = sum([]byte(fields[k-1]+" "+f)) - sum([]byte(fields[k-1]))
		}
		words = append(words, word{f, v * x})
	}
	slices.SortFunc(words, func(a, b word) int { return cmp.Compare(math.Abs(b.v), math.Abs(a.v)) })
	var out []string
	for _, wd := range words[:min(n, len(words))] {
		out = append(out, fmt.Sprintf("%s %+.2f", wd.s, wd.v))
	}
	ev := 0.0
	for _, e := range evidence {
		ev += float64(w.W[e])
	}
	return fmt.Sprintf("      bias %+.2f evidence %+.2f words (%d): %s", w.Bias, ev, len(fields), strings.Join(out, ", "))
}

// evaluate trains on exs and prints the detector's figures on test, pooled
// and per source: how a model does on sources it never saw at all.
func evaluate(exs, test []example, st settings, at float64, show int) error {
	w := train(exs, st)
	m, err := model.Parse(w.Marshal())
	if err != nil {
		return err
	}
	var norm textnorm.Text
	var sc model.Scratch
	var all tally
	bySource := map[string]*tally{}
	var wrong []string
	scores := make([]float64, len(test))
	for i, e := range test {
		p := m.Score(e.modelText(&norm), e.evidence, &sc)
		scores[i] = p
		hit := e.ruleHit || p >= at
		all.add(e.Label, hit)
		if hit != (e.Label == 1) && len(wrong) < show {
			wrong = append(wrong, fmt.Sprintf("  %s label %d score %.2f rules %v: %.160q", e.Source, e.Label, p, e.rules, e.Text))
			if explain > 0 {
				wrong = append(wrong, explainRow(w, e.modelText(&norm), e.evidence, explain))
			}
		}
		if bySource[e.Source] == nil {
			bySource[e.Source] = &tally{}
		}
		bySource[e.Source].add(e.Label, hit)
	}
	fmt.Printf("held out, detector at threshold %.3f: %s\n", at, all)
	operatingPoints(test, scores, func(example) bool { return true }, 1, 2, 3)
	for _, src := range slices.Sorted(maps.Keys(bySource)) {
		fmt.Printf("  %-64s %s\n", src, bySource[src].short())
	}
	for _, w := range wrong {
		fmt.Println(w)
	}
	return nil
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
// docsWeight scales the weight of -indirect-docs units: documentation is
// one kind of benign content among others, and thousands of its units would
// otherwise outweigh the rest.
var docsWeight = 0.1

// sourcePower damps large sources: a row of a source of n rows weighs
// n^-sourcePower. 0.5 was kept: 0.6 to 1.0 gave up to half a point more
// LOSO TPR at 2% FPR and the shipped model lost two attacks of
// languages.jsonl at 0.7 (docs/BENCHMARKS.md).
var sourcePower = 0.5

// Settings of -indirect-loso (see their flags).
var (
	losoDocs       = true
	indirectScores string
	indirectAt     = sanitizer.DefaultIndirectThreshold
)

func setWeights(exs []example) {
	n := map[string]int{}
	for _, e := range exs {
		n[e.Source]++
	}
	var total [2]float64
	for i := range exs {
		exs[i].weight = math.Pow(float64(n[exs[i].Source]), -sourcePower) // 1/Sqrt exactly at the default 0.5
		if exs[i].Category == "documents" {
			exs[i].weight *= docsWeight
		}
		total[exs[i].Label] += exs[i].weight
	}
	for i := range exs {
		exs[i].weight *= float64(len(exs)) / (2 * total[exs[i].Label])
	}
}

// train fits the model with AdaGrad on the weighted logistic loss, a little
// L2, and a fixed shuffle seed, so that training is deterministic. With
// st.seeds > 1 it trains that many times, each with its own shuffle (the
// first the shipped one), and averages the weights.
func train(exs []example, st settings) *model.Weights {
	if st.seeds <= 1 {
		return trainSeed(exs, st, 1, 2)
	}
	avg := model.NewWeights()
	for k := range st.seeds {
		m := trainSeed(exs, st, uint64(1+2*k), uint64(2+2*k))
		for i, w := range m.W {
			avg.W[i] += w / float32(st.seeds)
		}
		avg.Bias += m.Bias / float32(st.seeds)
	}
	return avg
}

func trainSeed(exs []example, st settings, seed1, seed2 uint64) *model.Weights {
	m := model.NewWeights()
	g2 := make([]float64, len(m.W))
	var bias, biasG2 float64
	order := make([]int, len(exs))
	for i := range order {
		order[i] = i
	}
	rng := rand.New(rand.NewPCG(seed1, seed2))
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
			for _, h := range e.ctx {
				z += float64(m.W[h]) * x
			}
			for _, h := range e.evidence { // worth as much in any length of text
				z += float64(m.W[h])
			}
			p := 1 / (1 + math.Exp(-z))
			g := (p - float64(e.Label)) * e.weight
			for _, h := range e.feats {
				gh := g*x + st.l2*float64(m.W[h])
				g2[h] += gh * gh
				m.W[h] -= float32(st.rate * gh / (math.Sqrt(g2[h]) + 1e-8))
			}
			for _, h := range e.ctx {
				gh := g*x + st.l2*float64(m.W[h])
				g2[h] += gh * gh
				m.W[h] -= float32(st.rate * gh / (math.Sqrt(g2[h]) + 1e-8))
			}
			for _, h := range e.evidence {
				gh := g + st.l2*float64(m.W[h])
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

func groupsOf(exs []example) []string {
	var s []string
	for _, e := range exs {
		s = append(s, e.group)
	}
	slices.Sort(s)
	return slices.Compact(s)
}

func sources(exs []example) []string {
	var s []string
	for _, e := range exs {
		s = append(s, e.Source)
	}
	slices.Sort(s)
	return slices.Compact(s)
}

// baselineSources, when set (-baseline-sources), names the sources of an
// earlier leave-one-source-out run: the operating points are also printed
// pooled over their rows alone.
var baselineSources map[string]bool

// operatingPoints prints, for each FPR target, the lowest threshold at
// which the detector's FPR over the rows keep selects stays within it.
func operatingPoints(exs []example, scores []float64, keep func(example) bool, targets ...float64) {
	for _, target := range targets {
		for th := 0.5; th < 1; th += 0.005 {
			var det tally
			for i, e := range exs {
				if keep(e) {
					det.add(e.Label, scores[i] >= th || e.ruleHit)
				}
			}
			if pct(det.flagged, det.benign) <= target {
				fmt.Printf("  FPR ≤ %.0f%%: threshold %.3f, detector %s\n", target, th, det)
				break
			}
		}
	}
}

// leaveOneSourceOut scores every row with a model trained without its
// source, and prints the figures the shipped threshold is chosen from.
// With dump set, every row's held-out score also goes there, one JSON
// object a line.
func leaveOneSourceOut(exs []example, st settings, at float64, show int, dump string) error {
	scores := make([]float64, len(exs))
	var norm textnorm.Text
	var sc model.Scratch
	for _, src := range groupsOf(exs) {
		var tr []example
		for _, e := range exs {
			if e.group != src {
				tr = append(tr, e)
			}
		}
		// Score with the model as it would ship, quantised.
		m, err := model.Parse(train(tr, st).Marshal())
		if err != nil {
			panic(err) // Marshal and Parse disagree: a bug in package model
		}
		sys := *m // system text is judged whole, as the sanitizer does
		sys.SetWindows(math.MaxInt32, 1, 0)
		for i, e := range exs {
			if e.group == src {
				if e.Role == "system" {
					scores[i] = sys.Score(e.modelText(&norm), e.evidence, &sc)
				} else {
					scores[i] = m.Score(e.modelText(&norm), e.evidence, &sc)
				}
			}
		}
	}
	if dump != "" {
		var b []byte
		for i, e := range exs {
			line, _ := json.Marshal(map[string]any{"source": e.Source, "role": e.Role, "group": e.group, "label": e.Label, "score": scores[i], "rules": e.rules, "caught_by_rule": e.ruleHit, "text": e.Text})
			b = append(append(b, line...), '\n')
		}
		if err := os.WriteFile(dump, b, 0o644); err != nil {
			return err
		}
	}
	thresholds := []float64{0.5, 0.6, 0.7, 0.8, 0.85, 0.9, 0.95}
	fmt.Println("leave-one-source-out: every row is scored by a model trained without its source. A row is caught by the model when its score ≥ threshold, by the detector when the model or a reject/strip rule fires.")
	fmt.Println("pooled over all held-out rows, and macro (mean TPR over attack sources, mean FPR over benign sources):")
	for _, th := range thresholds {
		var mdl, det tally
		bySource := map[string]*tally{}
		for i, e := range exs {
			hit := scores[i] >= th || e.ruleHit
			mdl.add(e.Label, scores[i] >= th)
			det.add(e.Label, hit)
			if bySource[e.group] == nil {
				bySource[e.group] = &tally{}
			}
			bySource[e.group].add(e.Label, hit)
		}
		fmt.Printf("  threshold %.2f  model %s   detector %s   macro %s\n", th, mdl, det, macro(bySource))
	}
	// The operating points: the lowest threshold at which the pooled
	// detector FPR stays within each target.
	operatingPoints(exs, scores, func(example) bool { return true }, 1, 2, 3, 5)
	if baselineSources != nil {
		var n int
		sources := map[string]bool{}
		for _, e := range exs {
			if baselineSources[e.Source] {
				n++
				sources[e.Source] = true
			}
		}
		fmt.Printf("baseline sources (%d of the %d listed, %d rows):\n", len(sources), len(baselineSources), n)
		operatingPoints(exs, scores, func(e example) bool { return baselineSources[e.Source] }, 1, 2, 3)
		fmt.Printf("  at threshold %.3f:", at)
		var t tally
		for i, e := range exs {
			if baselineSources[e.Source] {
				t.add(e.Label, scores[i] >= at || e.ruleHit)
			}
		}
		fmt.Printf(" detector %s\n", t)
	}
	// System text has an operating point of its own: the lowest threshold
	// at which held-out system-role benign rows (operator prompts, tool
	// definitions) are flagged at most 2% of the time.
	for _, role := range []string{"system", "user"} {
		var n int
		for _, e := range exs {
			if e.Role == role {
				n++
			}
		}
		if n == 0 {
			continue
		}
		fmt.Printf("role %s (%d rows):\n", role, n)
		operatingPoints(exs, scores, func(e example) bool { return e.Role == role }, 1, 2, 3)
	}
	fmt.Printf("per held-out source, detector at threshold %.3f:\n", at)
	for _, src := range groupsOf(exs) {
		var t tally
		var wrong []int
		for i, e := range exs {
			if e.group == src {
				hit := scores[i] >= at || e.ruleHit
				t.add(e.Label, hit)
				if hit != (e.Label == 1) {
					wrong = append(wrong, i)
				}
			}
		}
		fmt.Printf("  %-64s %s\n", src, t.short())
		slices.SortFunc(wrong, func(a, b int) int { return cmp.Compare(math.Abs(scores[b]-0.5), math.Abs(scores[a]-0.5)) })
		for _, i := range wrong[:min(show, len(wrong))] {
			fmt.Printf("      label %d score %.2f: %.160q\n", exs[i].Label, scores[i], exs[i].Text)
		}
	}
	return nil
}

// macro averages the TPR of sources with attacks and the FPR of sources
// with benign rows, so that a large source counts no more than a small one.
func macro(bySource map[string]*tally) string {
	var tpr, fpr float64
	var na, nb int
	for _, t := range bySource {
		if t.attacks > 0 {
			tpr += pct(t.caught, t.attacks)
			na++
		}
		if t.benign > 0 {
			fpr += pct(t.flagged, t.benign)
			nb++
		}
	}
	return fmt.Sprintf("TPR %5.1f%% FPR %4.1f%%", tpr/float64(max(na, 1)), fpr/float64(max(nb, 1)))
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

// short is the figures that matter for a source: TPR when it has attacks,
// FPR when it has benign rows.
func (t tally) short() string {
	var s []string
	if t.attacks > 0 {
		s = append(s, fmt.Sprintf("TPR %5.1f%%", pct(t.caught, t.attacks)))
	}
	if t.benign > 0 {
		s = append(s, fmt.Sprintf("FPR %4.1f%%", pct(t.flagged, t.benign)))
	}
	return strings.Join(s, " ")
}

func pct(a, b int) float64 {
	if b == 0 {
		return 0
	}
	return 100 * float64(a) / float64(b)
}
