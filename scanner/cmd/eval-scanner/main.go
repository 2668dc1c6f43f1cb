// Command eval-scanner measures the scanner on labelled skill sets: recall
// (verdict block) on malicious skills, block and warn rates on benign ones,
// per source.
//
//	eval-scanner -malicious DIR [-malicious DIR...] -benign NAME=DIR [-benign NAME=DIR...] [-v]
//
// Each DIR holds one skill per subdirectory. -v lists every skill that was
// not blocked (malicious) or was blocked or warned (benign), with the
// findings that decided it. The exit status is 1 when recall is below
// -min-recall or a benign block rate is above -max-block.
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
)

type dirs []string

func (d *dirs) String() string     { return strings.Join(*d, ",") }
func (d *dirs) Set(v string) error { *d = append(*d, v); return nil }

func main() {
	var mal, ben dirs
	flag.Var(&mal, "malicious", "directory of malicious skills, NAME=DIR or DIR (repeatable)")
	flag.Var(&ben, "benign", "directory of benign skills, NAME=DIR or DIR (repeatable)")
	verbose := flag.Bool("v", false, "list misses and false blocks with their findings")
	minRecall := flag.Float64("min-recall", 0.95, "fail when recall on a malicious source is lower")
	maxBlock := flag.Float64("max-block", 0.02, "fail when the block rate on a benign source is higher")
	flag.Parse()
	if len(mal)+len(ben) == 0 {
		flag.Usage()
		os.Exit(2)
	}
	s, err := scanner.New(scanner.Options{})
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
	if !ok {
		os.Exit(1)
	}
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
