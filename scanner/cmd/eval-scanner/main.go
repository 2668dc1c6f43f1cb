// Command eval-scanner measures the scanner on labelled skill sets: recall
// (verdict block) on malicious skills, block and warn rates on benign ones,
// per source, and on a field sample reviewed by hand.
//
//	eval-scanner -malicious DIR... -benign NAME=DIR... [-wild NAME=DIR -labels FILE] [-intel FILE] [-v]
//
// Each DIR holds one skill per subdirectory. -v lists every skill that was
// not blocked (malicious) or was blocked or warned (benign), with the
// findings that decided it. A -wild sample is unlabelled: FILE (a TSV of
// skill, verdict, reason, see docs/field-review.tsv) labels the skills a
// review read, and the sample's rates are reported per label; a skill
// never flagged counts as honest, and one flagged but missing from the
// review is listed, since its label is unknown. -intel adds a threat
// feed. The exit status is 1 when recall is below -min-recall, a benign
// block rate is above -max-block, or the share of honest field skills
// blocked is above -max-block too.
package main

import (
	"context"
	"flag"
	"fmt"
	"os"
	"path/filepath"
	"sort"
	"strings"

	"github.com/openclaw-secure-stack/securestack/scanner"
	"github.com/openclaw-secure-stack/securestack/scanner/intel"
)

type dirs []string

func (d *dirs) String() string     { return strings.Join(*d, ",") }
func (d *dirs) Set(v string) error { *d = append(*d, v); return nil }

func main() {
	var mal, ben dirs
	flag.Var(&mal, "malicious", "directory of malicious skills, NAME=DIR or DIR (repeatable)")
	flag.Var(&ben, "benign", "directory of benign skills, NAME=DIR or DIR (repeatable)")
	verbose := flag.Bool("v", false, "list misses and false blocks with their findings")
	var wild dirs
	flag.Var(&wild, "wild", "an unlabelled field sample, NAME=DIR or DIR (repeatable), labelled by -labels")
	labelFile := flag.String("labels", "", "TSV of skill, verdict (malicious, suspicious, honest), reason: the field review of -wild")
	intelFile := flag.String("intel", "", "threat-intelligence feed to scan with")
	minRecall := flag.Float64("min-recall", 0.95, "fail when recall on a malicious source is lower")
	maxBlock := flag.Float64("max-block", 0.02, "fail when the block rate on a benign source is higher")
	flag.Parse()
	if len(mal)+len(ben)+len(wild) == 0 {
		flag.Usage()
		os.Exit(2)
	}
	var opts scanner.Options
	if *intelFile != "" {
		feed, err := intel.Load(*intelFile)
		if err != nil {
			fmt.Fprintln(os.Stderr, err)
			os.Exit(2)
		}
		opts.Intel = feed
	}
	s, err := scanner.New(opts)
	if err != nil {
		fmt.Fprintln(os.Stderr, err)
		os.Exit(2)
	}
	ok := true
	fmt.Printf("%-28s %5s %6s %6s %6s  %s\n", "source", "n", "block", "warn", "allow", "rate")
	for _, spec := range mal {
		name, r := run(s, spec)
		rate := frac(r.counts[scanner.Block], r.n)
		fmt.Printf("%-28s %5d %6d %6d %6d  recall %.1f%%\n", name, r.n, r.counts[scanner.Block], r.counts[scanner.Warn], r.counts[scanner.Allow], 100*rate)
		if rate < *minRecall {
			ok = false
		}
		r.byOrigin()
		if *verbose {
			r.list(func(res scanner.Result) bool { return res.Verdict != scanner.Block })
		}
	}
	for _, spec := range ben {
		name, r := run(s, spec)
		rate := frac(r.counts[scanner.Block], r.n)
		fmt.Printf("%-28s %5d %6d %6d %6d  block %.1f%%, warn %.1f%%\n", name, r.n, r.counts[scanner.Block], r.counts[scanner.Warn], r.counts[scanner.Allow], 100*rate, 100*frac(r.counts[scanner.Warn], r.n))
		if rate > *maxBlock {
			ok = false
		}
		if *verbose {
			r.list(func(res scanner.Result) bool { return res.Verdict != scanner.Allow })
		}
	}
	if len(wild) > 0 {
		labels, err := readLabels(*labelFile)
		if err != nil {
			fmt.Fprintln(os.Stderr, err)
			os.Exit(2)
		}
		for _, spec := range wild {
			name, r := run(s, spec)
			if !r.field(name, labels, *maxBlock, *verbose) {
				ok = false
			}
		}
	}
	if !ok {
		os.Exit(1)
	}
}

// label is a field review's verdict on one skill.
type label struct{ verdict, reason string }

// readLabels reads a review TSV: name, verdict, reason; # comments and a
// "name" header line are skipped.
func readLabels(file string) (map[string]label, error) {
	if file == "" {
		return nil, fmt.Errorf("-wild needs -labels: the field review that says which skills are honest")
	}
	data, err := os.ReadFile(file)
	if err != nil {
		return nil, err
	}
	out := map[string]label{}
	for i, line := range strings.Split(string(data), "\n") {
		if line == "" || strings.HasPrefix(line, "#") || strings.HasPrefix(line, "name\t") {
			continue
		}
		f := strings.SplitN(line, "\t", 3)
		if len(f) != 3 || (f[1] != "malicious" && f[1] != "suspicious" && f[1] != "honest") || f[2] == "" {
			return nil, fmt.Errorf("%s:%d: want name, verdict (malicious, suspicious, honest) and reason, separated by tabs", file, i+1)
		}
		if _, dup := out[f[0]]; dup {
			return nil, fmt.Errorf("%s:%d: %s is labelled twice", file, i+1, f[0])
		}
		out[f[0]] = label{f[1], f[2]}
	}
	return out, nil
}

// field prints a field sample's rates by label and reports whether the
// share of honest skills blocked is within maxBlock.
func (o outcome) field(name string, labels map[string]label, maxBlock float64, verbose bool) bool {
	type count struct{ n, block, warn int }
	by := map[string]*count{"malicious": {}, "suspicious": {}, "honest": {}, "unreviewed": {}}
	var missing []string
	for _, r := range o.results {
		l, ok := labels[r.Skill]
		key := l.verdict
		if !ok {
			key = "unreviewed"
			if r.Verdict != scanner.Allow {
				missing = append(missing, r.Skill)
			}
		}
		c := by[key]
		c.n++
		switch r.Verdict {
		case scanner.Block:
			c.block++
		case scanner.Warn:
			c.warn++
		}
	}
	fmt.Printf("%-28s %5d %6d %6d %6d  block %.1f%%, warn %.1f%% (field sample, %d reviewed)\n", name, o.n, o.counts[scanner.Block], o.counts[scanner.Warn], o.counts[scanner.Allow],
		100*frac(o.counts[scanner.Block], o.n), 100*frac(o.counts[scanner.Warn], o.n), len(labels))
	for _, k := range []string{"malicious", "suspicious", "honest", "unreviewed"} {
		c := by[k]
		fmt.Printf("  %-26s %5d %6d %6d %6d  block %.1f%%, warn %.1f%%\n", k, c.n, c.block, c.warn, c.n-c.block-c.warn, 100*frac(c.block, c.n), 100*frac(c.warn, c.n))
	}
	h, u := by["honest"], by["unreviewed"]
	honestBlock := frac(h.block+u.block, h.n+u.n)
	fmt.Printf("  %-26s %5d %6d %6d %6s  honest skills blocked %.1f%%, warned %.1f%% (labelled honest and never flagged)\n", "honest+unreviewed", h.n+u.n, h.block+u.block, h.warn+u.warn, "",
		100*honestBlock, 100*frac(h.warn+u.warn, h.n+u.n))
	if len(missing) > 0 {
		sort.Strings(missing)
		fmt.Printf("  flagged but not in the review (%d), label them: %s\n", len(missing), strings.Join(missing, ", "))
	}
	if verbose {
		for _, r := range o.results {
			if l, ok := labels[r.Skill]; ok && (l.verdict == "honest") == (r.Verdict == scanner.Block) || ok && l.verdict != "honest" && r.Verdict == scanner.Allow {
				fmt.Printf("    %-5s %-10s %s: %s\n", r.Verdict, l.verdict, r.Skill, l.reason)
			}
		}
	}
	return honestBlock <= maxBlock
}

type outcome struct {
	n       int
	counts  map[scanner.Verdict]int
	results []scanner.Result
}

func frac(a, b int) float64 {
	if b == 0 {
		return 0
	}
	return float64(a) / float64(b)
}

// run scans every subdirectory of the spec's directory as one skill.
func run(s *scanner.Scanner, spec string) (string, outcome) {
	name, dir, found := strings.Cut(spec, "=")
	if !found {
		dir, name = spec, filepath.Base(spec)
	}
	entries, err := os.ReadDir(dir)
	if err != nil {
		fmt.Fprintln(os.Stderr, err)
		os.Exit(2)
	}
	o := outcome{counts: map[scanner.Verdict]int{}}
	for _, e := range entries {
		if !e.IsDir() {
			continue
		}
		rep, err := s.Scan(context.Background(), filepath.Join(dir, e.Name()))
		if err != nil {
			fmt.Fprintln(os.Stderr, err)
			os.Exit(2)
		}
		// A directory is one skill; when discovery splits it, the worst
		// verdict of its parts counts.
		res := rep.Results[0]
		for _, r := range rep.Results[1:] {
			if rank(r.Verdict) > rank(res.Verdict) {
				res.Verdict = r.Verdict
			}
			res.Findings = append(res.Findings, r.Findings...)
		}
		res.Skill = e.Name()
		o.n++
		o.counts[res.Verdict]++
		o.results = append(o.results, res)
	}
	return name, o
}

// byOrigin prints recall per origin, the part of a skill's directory name
// before "__" (clawhub, fixture-cisco...), when a source mixes several.
func (o outcome) byOrigin() {
	type count struct{ n, block int }
	counts := map[string]*count{}
	var origins []string
	for _, r := range o.results {
		origin, _, _ := strings.Cut(r.Skill, "__")
		if counts[origin] == nil {
			counts[origin] = &count{}
			origins = append(origins, origin)
		}
		counts[origin].n++
		if r.Verdict == scanner.Block {
			counts[origin].block++
		}
	}
	if len(origins) < 2 {
		return
	}
	sort.Strings(origins)
	for _, origin := range origins {
		c := counts[origin]
		fmt.Printf("  %-26s %5d %6d %6s %6s  recall %.1f%%\n", origin, c.n, c.block, "", "", 100*frac(c.block, c.n))
	}
}

func rank(v scanner.Verdict) int {
	return map[scanner.Verdict]int{scanner.Allow: 0, scanner.Warn: 1, scanner.Block: 2}[v]
}

func (o outcome) list(show func(scanner.Result) bool) {
	sev := map[string]int{"info": 0, "low": 1, "medium": 2, "high": 3, "critical": 4}
	for _, r := range o.results {
		if !show(r) {
			continue
		}
		fs := append([]scanner.Finding(nil), r.Findings...)
		sort.SliceStable(fs, func(i, j int) bool { return sev[fs[i].Severity] > sev[fs[j].Severity] })
		fmt.Printf("    %-5s %s\n", r.Verdict, r.Skill)
		for i, f := range fs {
			if i == 4 || sev[f.Severity] < 2 {
				break
			}
			fmt.Printf("          [%s] %s %s:%d %s\n", f.Severity, f.RuleID, f.File, f.Line, trim(f.Message))
		}
	}
}

func trim(s string) string {
	if len(s) > 110 {
		return s[:110] + "…"
	}
	return s
}
