// Command sanitizer-eval measures the sanitizer on labelled prompts: TPR on
// attacks, FPR on benign prompts, overall and per category, at the shipped
// threshold, for the whole detector and for rules and model apart.
//
//	sanitizer-eval ../shared/data/injection/attacks.jsonl ../shared/data/injection/benign.jsonl
//	sanitizer-eval -languages sanitizer/testdata/eval/languages.jsonl -roles sanitizer/testdata/eval/roles.jsonl \
//	    -obfuscation sanitizer/testdata/eval/obfuscation.jsonl -system 'DIR/*.md'
//
// Each line of each file is {"text", "label" (1 attack, 0 benign), "source", "category"}.
// Every prompt is checked as a user message. The sets of -languages (rows
// with "lang"), -roles (rows with "role" and "kind") and -obfuscation (rows
// with "technique") are reported per language, role (and kind) and technique; every
// file matched by a -system glob is a benign system prompt, checked as
// system text. The rows of -content (with "carrier", "kind", "position" and
// "shape": plain, or web_fetch to judge the text as web_fetch's JSON
// payload with OpenClaw's wrapper) are content, judged by CheckContent. The
// rows of -tools are tool descriptions, each judged as the description of a
// client tool in a chat body by SanitizeChat, the guard's walker.
// -seams pairs consecutive benign contents (the label-0 rows of a JSONL
// file in order, or the documents of a directory in walk order) and judges
// the window over each seam (sanitizer.SeamWindows), as the provider guard
// does for two tool results read in one turn:
//
//	sanitizer-eval -seams ../shared/data/injection/indirect/benign.jsonl -seams DOCS -seam-pages 2000 -seam-bytes 256,512,1024
package main

import (
	"bufio"
	"bytes"
	"encoding/json"
	"flag"
	"fmt"
	"io/fs"
	"maps"
	"os"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
	"unicode/utf8"

	"github.com/openclaw-secure-stack/securestack/sanitizer"
	"github.com/openclaw-secure-stack/securestack/sanitizer/internal/toolresult"
)

type row struct {
	Text      string `json:"text"`
	Label     int    `json:"label"`
	Category  string `json:"category"`
	Lang      string `json:"lang"`
	Role      string `json:"role"`
	Kind      string `json:"kind"`
	Technique string `json:"technique"`
	Position  string `json:"position"`
	Carrier   string `json:"carrier"`
	Shape     string `json:"shape"`
	// Tool is a whole tool definition ({name, description, parameters}),
	// for -tools: judged as the client tool it is, not as a description
	// in a tool of the evaluator's.
	Tool map[string]any `json:"tool"`
	// Source names where a real row came from (a package and version).
	Source string `json:"source"`
}

type globs []string

func (g *globs) String() string     { return fmt.Sprint(*g) }
func (g *globs) Set(s string) error { *g = append(*g, s); return nil }

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
	systemThreshold := flag.Float64("system-threshold", sanitizer.DefaultSystemThreshold, "model threshold for system text")
	toolThreshold := flag.Float64("tool-threshold", sanitizer.DefaultToolThreshold, "model threshold for tool definitions")
	toolCurve := flag.String("tool-curve", "", "with -tools: comma-separated model thresholds for tool definitions, each with its TPR and FPR (a hit is a rule's refusal or a model score at or above the threshold)")
	languages := flag.String("languages", "", "JSONL of rows with a \"lang\": figures per language")
	roles := flag.String("roles", "", "JSONL of rows with \"role\" and \"kind\": figures per role and kind")
	obfuscation := flag.String("obfuscation", "", "JSONL of rows with a \"technique\": figures per technique")
	var system globs
	flag.Var(&system, "system", "glob of benign system prompts, one per file (repeatable)")
	var documents globs
	flag.Var(&documents, "documents", "directory of real documents (*.md, *.txt, README*), walked: each file judged whole by CheckContent as a tool result, for the false-positive figure on what agents read (repeatable)")
	show := flag.Int("show", 5, "with -documents: list up to N flagged files per directory")
	list := flag.Bool("list", false, "with -languages, -roles, -obfuscation: list every missed attack and flagged benign row with its score")
	indirectModel := flag.String("indirect-model", "", "with -indirect or -documents: judge content with this indirect-injection weights file instead of the shipped one")
	indirectThreshold := flag.Float64("indirect-threshold", sanitizer.DefaultIndirectThreshold, "with -indirect or -documents: the indirect-injection model's threshold")
	docScores := flag.String("doc-scores", "", "with -documents: also write every file's score and rule verdict to this JSONL file, for threshold curves")
	content := flag.String("content", "", "JSONL of written content rows with \"carrier\", \"kind\", \"position\" and \"shape\" (plain or web_fetch): CheckContent figures per carrier, kind and position")
	tools := flag.String("tools", "", "JSONL of tool descriptions with \"kind\": each row's text is the description of a client tool in a chat body, judged by SanitizeChat (the walker's path); figures per kind")
	indirect := flag.String("indirect", "", "directory of content rows (BIPIA's attacks.jsonl and benign.jsonl): CheckContent figures per shape, category and position")
	var seams globs
	flag.Var(&seams, "seams", "benign contents, a JSONL file (label-0 rows, in order) or a directory of documents (walked in order): each consecutive pair judged across its seam, for the false-positive figure of the provider guard's seam window (repeatable)")
	seamBytes := flag.String("seam-bytes", "512", "with -seams: the window's bytes a side, a comma-separated list to compare several")
	var seamAttacks globs
	flag.Var(&seamAttacks, "seam-attacks", "a content JSONL (written rows, never the held-out set): each attack row refused whole is cut at every word and inside every word of 4 letters or more, as an attacker splits an instruction over two results; of the cuts neither half of which is refused alone, how many seam windows are refused (repeatable)")
	seamPages := flag.Int("seam-pages", 0, "with -seams: also cut each document of a directory into pages of this many bytes, as a paginated read does, and judge the seams between its pages")
	docPagesBytes := flag.Int("doc-pages-bytes", 0, "with -documents: also cut each document into pages of this many bytes (a cut anywhere, even mid-word) and judge every page alone")
	docPagesLines := flag.String("doc-pages-lines", "", "with -documents: also cut each document into pages of this many whole lines, as OpenClaw's read tool pages a file (offset/limit in lines), and judge every page alone; a comma-separated list to compare several")
	readNotice := flag.Bool("read-notice", true, "with -doc-pages-lines: end every page but the last with the read tool's notice (\"[N more lines in file. Use offset=M to continue.]\"), as OpenClaw does")
	asPage := flag.Bool("as-page", false, "with -content or -indirect: judge every row as the first page of a 2000-line file read with a limit (OpenClaw's read notice appended): the most a page notice lowers the content model's verdict")
	flag.Parse()
	if flag.NArg() == 0 && *languages == "" && *roles == "" && *tools == "" && *obfuscation == "" && len(system) == 0 && *indirect == "" && *content == "" && len(documents) == 0 && len(seams) == 0 && len(seamAttacks) == 0 {
		fmt.Fprintln(os.Stderr, "usage: sanitizer-eval [-threshold T] [-languages F] [-roles F] [-obfuscation F] [-system GLOB] [FILE.jsonl...]")
		os.Exit(2)
	}
	cfg := sanitizer.Config{Threshold: *threshold, SystemThreshold: *systemThreshold, ToolThreshold: *toolThreshold, IndirectThreshold: *indirectThreshold}
	if *indirectModel != "" {
		b, err := os.ReadFile(*indirectModel)
		if err != nil {
			fmt.Fprintln(os.Stderr, "sanitizer-eval:", err)
			os.Exit(1)
		}
		cfg.IndirectModel = b
	}
	shipped, err := sanitizer.New(cfg)
	if err != nil {
		fmt.Fprintln(os.Stderr, "sanitizer-eval:", err)
		os.Exit(1)
	}
	for _, set := range []struct {
		path, title string
		key         func(row) string
		group       func(row) string // a coarser key with a line of its own, or nil
	}{
		{*languages, "per language", func(r row) string { return r.Lang }, nil},
		{*roles, "per role", func(r row) string { return r.Role + ": " + r.Kind }, func(r row) string { return "role " + r.Role }},
		{*obfuscation, "per obfuscation technique (or benign look-alike)", func(r row) string { return r.Technique }, nil},
	} {
		if set.path == "" {
			continue
		}
		rows, err := read(set.path)
		if err != nil {
			fmt.Fprintln(os.Stderr, "sanitizer-eval:", err)
			os.Exit(1)
		}
		var all tally
		by, byGroup, byCategory := map[string]*tally{}, map[string]*tally{}, map[string]*tally{}
		for _, r := range rows {
			role := r.Role
			if role == "" {
				role = "user"
			}
			res := shipped.Check(role, r.Text)
			hit := res.Action == sanitizer.ActionReject || res.Action == sanitizer.ActionStrip
			all.add(r.Label, hit)
			k := set.key(r)
			if *list && hit != (r.Label == 1) {
				fmt.Printf("  %s %s %.2f %v %q\n", map[bool]string{true: "missed ", false: "flagged"}[r.Label == 1], k, res.Score, res.RuleIDs(), r.Text)
			}
			if by[k] == nil {
				by[k] = &tally{}
			}
			by[k].add(r.Label, hit)
			if set.group != nil {
				g := set.group(r)
				if byGroup[g] == nil {
					byGroup[g] = &tally{}
				}
				byGroup[g].add(r.Label, hit)
			}
			if r.Category != "" {
				if byCategory[r.Category] == nil {
					byCategory[r.Category] = &tally{}
				}
				byCategory[r.Category].add(r.Label, hit)
			}
		}
		fmt.Printf("%s (%s): %s\n", set.title, set.path, all)
		for _, k := range slices.Sorted(maps.Keys(byGroup)) {
			fmt.Printf("  %-44s %s\n", k, byGroup[k])
		}
		for _, k := range slices.Sorted(maps.Keys(by)) {
			fmt.Printf("  %-44s %s\n", k, by[k])
		}
		if len(byCategory) > 1 {
			fmt.Printf("  per category:\n")
			for _, k := range slices.Sorted(maps.Keys(byCategory)) {
				fmt.Printf("    %-42s %s\n", k, byCategory[k])
			}
		}
	}
	if *tools != "" {
		if err := toolsFigures(shipped, *tools, *toolCurve, *list); err != nil {
			fmt.Fprintln(os.Stderr, "sanitizer-eval:", err)
			os.Exit(1)
		}
	}
	if *indirect != "" {
		files, _ := filepath.Glob(filepath.Join(*indirect, "*.jsonl"))
		var rows []row
		for _, f := range files {
			r, err := read(f)
			if err != nil {
				fmt.Fprintln(os.Stderr, "sanitizer-eval:", err)
				os.Exit(1)
			}
			rows = append(rows, r...)
		}
		fmt.Printf("CheckContent as shipped (threshold %.3f), fit figures: the model was trained on these rows; see the held-out figures above\n", *indirectThreshold)
		shapes := []struct {
			name string
			of   func(string) string
		}{
			{"plain tool result", func(t string) string { return t }},
			{"web_fetch JSON", func(t string) string {
				return toolresult.WebFetch("https://example.com/page", "Page", t, "5f2b9c0d1e3a4b67")
			}},
		}
		if *asPage {
			shapes = append(shapes, struct {
				name string
				of   func(string) string
			}{"read page of a 2000-line file", firstPage})
		}
		for _, sh := range shapes {
			var all tally
			by := map[string]*tally{}
			for _, r := range rows {
				hit := shipped.CheckContent(sh.of(r.Text)).Action == sanitizer.ActionReject
				all.add(r.Label, hit)
				for _, k := range []string{"category " + r.Category, "position " + r.Position} {
					if by[k] == nil {
						by[k] = &tally{}
					}
					by[k].add(r.Label, hit)
				}
			}
			fmt.Printf("  %s: %s\n", sh.name, all)
			for _, k := range slices.Sorted(maps.Keys(by)) {
				fmt.Printf("    %-62s %s\n", k, by[k])
			}
		}
	}
	if *content != "" {
		rows, err := read(*content)
		if err != nil {
			fmt.Fprintln(os.Stderr, "sanitizer-eval:", err)
			os.Exit(1)
		}
		var all tally
		by := map[string]*tally{}
		for _, r := range rows {
			text := r.Text
			if r.Shape == "web_fetch" {
				text = toolresult.WebFetch("https://example.com/page", "Page", text, "5f2b9c0d1e3a4b67")
			} else if *asPage {
				text = firstPage(text)
			}
			res := shipped.CheckContent(text)
			hit := res.Action == sanitizer.ActionReject
			all.add(r.Label, hit)
			if *list && hit != (r.Label == 1) {
				fmt.Printf("  %s %s/%s %s %.2f %v %.160q\n", map[bool]string{true: "missed ", false: "flagged"}[r.Label == 1], r.Carrier, r.Kind, r.Position, res.Score, res.RuleIDs(), r.Text)
			}
			keys := []string{"carrier " + r.Carrier}
			if r.Label == 1 {
				keys = append(keys, "kind "+r.Kind, "position "+r.Position)
			}
			for _, k := range keys {
				if by[k] == nil {
					by[k] = &tally{}
				}
				by[k].add(r.Label, hit)
			}
		}
		fmt.Printf("content (%s), CheckContent at threshold %.3f: %s\n", *content, *indirectThreshold, all)
		for _, k := range slices.Sorted(maps.Keys(by)) {
			fmt.Printf("  %-44s %s\n", k, by[k])
		}
	}
	if len(seams) > 0 || len(seamAttacks) > 0 {
		if err := evalSeams(shipped, seams, seamAttacks, *seamBytes, *seamPages, *show); err != nil {
			fmt.Fprintln(os.Stderr, "sanitizer-eval:", err)
			os.Exit(1)
		}
	}
	if len(documents) > 0 {
		fmt.Printf("real documents read as tool results (CheckContent, threshold %.3f), a file is flagged when any part of it is refused:\n", *indirectThreshold)
		var all tally
		var scores bytes.Buffer
		for _, dir := range documents {
			var t tally
			var flagged []string
			err := filepath.WalkDir(dir, func(p string, d fs.DirEntry, err error) error {
				if err != nil || d.IsDir() || !isDocument(d.Name()) {
					return err
				}
				b, err := os.ReadFile(p)
				if err != nil {
					return err
				}
				if len(b) > maxDocument {
					b = b[:maxDocument]
				}
				res := shipped.CheckContent(string(b))
				hit := res.Action == sanitizer.ActionReject
				t.add(0, hit)
				all.add(0, hit)
				if *docScores != "" {
					byRule := slices.ContainsFunc(res.Matches, func(m sanitizer.Match) bool {
						return m.Action == sanitizer.ActionReject && m.RuleID != sanitizer.IndirectModelRuleID
					})
					line, _ := json.Marshal(map[string]any{"dir": dir, "file": strings.TrimPrefix(p, dir), "score": res.Score, "rule": byRule})
					scores.Write(line)
					scores.WriteByte('\n')
				}
				if hit && len(flagged) < *show {
					flagged = append(flagged, fmt.Sprintf("%s (score %.2f, %v)", strings.TrimPrefix(p, dir), res.Score, res.RuleIDs()))
				}
				return nil
			})
			if err != nil {
				fmt.Fprintln(os.Stderr, "sanitizer-eval:", err)
				os.Exit(1)
			}
			fmt.Printf("  %-60s %s\n", dir, t)
			for _, f := range flagged {
				fmt.Printf("    flagged: %s\n", f)
			}
		}
		fmt.Printf("  %-60s %s\n", "all documents", all)
		if err := evalDocPages(shipped, documents, *docPagesBytes, *docPagesLines, *readNotice, *show); err != nil {
			fmt.Fprintln(os.Stderr, "sanitizer-eval:", err)
			os.Exit(1)
		}
		if *docScores != "" {
			if err := os.WriteFile(*docScores, scores.Bytes(), 0o644); err != nil {
				fmt.Fprintln(os.Stderr, "sanitizer-eval:", err)
				os.Exit(1)
			}
		}
	}
	if len(system) > 0 {
		var t tally
		var flagged []string
		for _, g := range system {
			files, _ := filepath.Glob(g)
			for _, f := range files {
				b, err := os.ReadFile(f)
				if err != nil {
					fmt.Fprintln(os.Stderr, "sanitizer-eval:", err)
					os.Exit(1)
				}
				res := shipped.Check("system", string(b))
				hit := res.Action == sanitizer.ActionReject || res.Action == sanitizer.ActionStrip
				t.add(0, hit)
				if hit {
					flagged = append(flagged, fmt.Sprintf("%s (score %.2f, %v)", f, res.Score, res.RuleIDs()))
				}
			}
		}
		fmt.Printf("benign system prompts checked as system text, threshold %.3f: %s\n", *systemThreshold, t)
		for _, f := range flagged {
			fmt.Printf("  flagged: %s\n", f)
		}
	}
	if flag.NArg() == 0 {
		return
	}
	// The detector as shipped; its rules alone; and its model alone, which
	// still sees the flag rules' matches, the evidence it was trained with.
	// The detector stops at the first reject, so the model's own figures
	// need a detector of their own.
	var flagRules []sanitizer.Rule
	for _, r := range sanitizer.DefaultRules() {
		if r.Action == sanitizer.ActionFlag {
			flagRules = append(flagRules, r)
		}
	}
	var dets [3]*sanitizer.Sanitizer
	for i, cfg := range []sanitizer.Config{
		{Threshold: *threshold},
		{Threshold: *threshold, DisableModel: true},
		{Threshold: *threshold, Rules: flagRules},
	} {
		s, err := sanitizer.New(cfg)
		if err != nil {
			fmt.Fprintln(os.Stderr, "sanitizer-eval:", err)
			os.Exit(1)
		}
		dets[i] = s
	}
	hit := func(r sanitizer.Result) bool {
		return r.Action == sanitizer.ActionReject || r.Action == sanitizer.ActionStrip
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
			caught := hit(dets[0].Check("user", r.Text))
			all.add(r.Label, caught)
			rules.add(r.Label, hit(dets[1].Check("user", r.Text)))
			model.add(r.Label, hit(dets[2].Check("user", r.Text)))
			if byCat[r.Category] == nil {
				byCat[r.Category] = &tally{}
			}
			byCat[r.Category].add(r.Label, caught)
		}
	}
	fmt.Printf("threshold %.3f (a hit is a reject or strip)\n", *threshold)
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

// maxDocument is how much of a document is judged: what a file-reading
// tool hands the model at once is of this order.
const maxDocument = 64 << 10

// isDocument tells the prose files of a documentation tree.
func isDocument(name string) bool {
	l := strings.ToLower(name)
	return strings.HasSuffix(l, ".md") || strings.HasSuffix(l, ".txt") || strings.HasSuffix(l, ".rst") || strings.HasPrefix(l, "readme")
}

// toolsFigures judges every row of path as a client tool in a chat
// completions body, as the guard's walker reads it (each definition joined
// into one text), and prints the figures per kind: a hit is a body the
// walker refuses or edits. A row's "tool" is its whole definition; a row
// without one is the description of a tool with one parameter. With curve
// (comma-separated thresholds), the figures at each model threshold for
// tool definitions: a hit is a rule's refusal or edit, or a score at or
// above it.
func toolsFigures(s *sanitizer.Sanitizer, path, curve string, list bool) error {
	rows, err := read(path)
	if err != nil {
		return err
	}
	var ts []float64
	for _, f := range strings.Split(curve, ",") {
		if f = strings.TrimSpace(f); f == "" {
			continue
		}
		t, err := strconv.ParseFloat(f, 64)
		if err != nil {
			return fmt.Errorf("-tool-curve: %q is not a number", f)
		}
		ts = append(ts, t)
	}
	var all tally
	at := make([]tally, len(ts))
	by := map[string]*tally{}
	for _, r := range rows {
		fn := r.Tool
		if fn == nil {
			fn = map[string]any{"name": "tool", "description": r.Text,
				"parameters": map[string]any{"type": "object", "properties": map[string]any{"input": map[string]any{"type": "string"}}}}
		}
		body, err := json.Marshal(map[string]any{"model": "m", "messages": []any{map[string]any{"role": "user", "content": "Hello."}},
			"tools": []any{map[string]any{"type": "function", "function": fn}}})
		if err != nil {
			return err
		}
		_, res, err := s.SanitizeChat(body)
		hit := err != nil || res.Action == sanitizer.ActionReject || res.Action == sanitizer.ActionStrip
		all.add(r.Label, hit)
		ruled := err != nil || slices.ContainsFunc(res.Matches, func(m sanitizer.Match) bool {
			return m.RuleID != sanitizer.ModelRuleID && (m.Action == sanitizer.ActionReject || m.Action == sanitizer.ActionStrip)
		})
		for i, t := range ts {
			at[i].add(r.Label, ruled || res.Score >= t)
		}
		if list && hit != (r.Label == 1) {
			fmt.Printf("  %s %s %.2f %v %q\n", map[bool]string{true: "missed ", false: "flagged"}[r.Label == 1], r.Kind, res.Score, res.RuleIDs(), r.Text)
		}
		if by[r.Kind] == nil {
			by[r.Kind] = &tally{}
		}
		by[r.Kind].add(r.Label, hit)
	}
	fmt.Printf("as client tool definitions through SanitizeChat (%s): %s\n", path, all)
	for _, k := range slices.Sorted(maps.Keys(by)) {
		fmt.Printf("  %-44s %s\n", k, by[k])
	}
	for i, t := range ts {
		fmt.Printf("  at tool threshold %.2f: %s\n", t, at[i])
	}
	return nil
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

// evalSeams judges the seams of consecutive benign contents: how many
// windows CheckContent refuses where neither content is refused alone (a
// refusal the seam adds), per source and window size. With pages > 0 the
// documents of a directory are also cut into pages of that many bytes (a
// paginated read, cut mid-sentence and mid-word), and the seams between the
// pages of each document judged.
func evalSeams(s *sanitizer.Sanitizer, sources, attacks []string, sizes string, pages, show int) error {
	var ks []int
	for _, f := range strings.Split(sizes, ",") {
		var k int
		if _, err := fmt.Sscan(strings.TrimSpace(f), &k); err != nil || k <= 0 {
			return fmt.Errorf("-seam-bytes %q: want positive byte counts separated by commas", sizes)
		}
		ks = append(ks, k)
	}
	for _, src := range attacks {
		rows, err := read(src)
		if err != nil {
			return err
		}
		whole, cuts, alone := 0, 0, 0
		caught, empty := make([]int, len(ks)), make([]int, len(ks))
		for _, r := range rows {
			if r.Label != 1 || s.CheckContent(r.Text).Action != sanitizer.ActionReject {
				continue
			}
			whole++
			for _, at := range splitPoints(r.Text) {
				a, b := r.Text[:at], r.Text[at:]
				cuts++
				if s.CheckContent(a).Action == sanitizer.ActionReject || s.CheckContent(b).Action == sanitizer.ActionReject {
					continue
				}
				alone++
				for i, k := range ks {
					ws := sanitizer.SeamWindows(a, b, k)
					if len(ws) == 0 {
						empty[i]++
					} else if _, hit := seamRefused(s, ws); hit {
						caught[i]++
					}
				}
			}
		}
		fmt.Printf("split attacks (%s): %d rows refused whole, %d cuts, %d with neither half refused alone; seam windows refused:", src, whole, cuts, alone)
		for i, k := range ks {
			fmt.Printf(" %d B a side %d/%d (%.1f%%, %d cut between sentences: no window);", k, caught[i], alone, pct(caught[i], alone), empty[i])
		}
		fmt.Println()
	}
	if len(sources) == 0 {
		return nil
	}
	fmt.Printf("seams of consecutive benign contents (CheckContent on sanitizer.SeamWindows); a seam is refused when its window is and neither side is alone:\n")
	type seam struct{ a, b, name string }
	judge := func(label string, seams []seam) {
		alone := map[string]bool{}
		refused := func(t string) bool {
			v, ok := alone[t]
			if !ok {
				v = s.CheckContent(t).Action == sanitizer.ActionReject
				alone[t] = v
			}
			return v
		}
		for _, k := range ks {
			var t tally
			skipped, read := 0, 0
			var listed []string
			for _, sm := range seams {
				if refused(sm.a) || refused(sm.b) {
					skipped++
					continue
				}
				ws := sanitizer.SeamWindows(sm.a, sm.b, k)
				if len(ws) == 0 {
					t.add(0, false) // nothing crosses the seam: no window to judge
					continue
				}
				read++
				res, hit := seamRefused(s, ws)
				t.add(0, hit)
				if hit && len(listed) < show {
					listed = append(listed, fmt.Sprintf("%s (score %.2f, %v)", sm.name, res.Score, res.RuleIDs()))
				}
			}
			fmt.Printf("  %-50s %5d B a side: %d seams, %d with a side refused alone, %d windows read (words of both sides in one sentence); %s\n", label, k, len(seams), skipped, read, t)
			for _, l := range listed {
				fmt.Printf("    refused: %s\n", l)
			}
		}
	}
	for _, src := range sources {
		var texts, names []string
		st, err := os.Stat(src)
		if err != nil {
			return err
		}
		if st.IsDir() {
			err := filepath.WalkDir(src, func(p string, d fs.DirEntry, err error) error {
				if err != nil || d.IsDir() || !isDocument(d.Name()) {
					return err
				}
				b, err := os.ReadFile(p)
				if err != nil {
					return err
				}
				texts, names = append(texts, string(b[:min(len(b), maxDocument)])), append(names, strings.TrimPrefix(p, src))
				return nil
			})
			if err != nil {
				return err
			}
		} else {
			rows, err := read(src)
			if err != nil {
				return err
			}
			for i, r := range rows {
				if r.Label == 0 {
					texts, names = append(texts, r.Text), append(names, fmt.Sprintf("row %d", i+1))
				}
			}
		}
		var seams []seam
		for i := 1; i < len(texts); i++ {
			seams = append(seams, seam{texts[i-1], texts[i], names[i-1] + " | " + names[i]})
		}
		judge(src, seams)
		if pages <= 0 || !st.IsDir() {
			continue
		}
		seams = seams[:0]
		for i, t := range texts {
			for at, n := 0, 0; at+pages < len(t); n++ {
				cut := at + pages
				for cut > at && !utf8.RuneStart(t[cut]) {
					cut--
				}
				next := min(cut+pages, len(t))
				for next < len(t) && !utf8.RuneStart(t[next]) {
					next--
				}
				seams = append(seams, seam{t[at:cut], t[cut:next], fmt.Sprintf("%s pages %d|%d", names[i], n+1, n+2)})
				at = cut
			}
		}
		judge(fmt.Sprintf("%s (pages of %d B)", src, pages), seams)
	}
	return nil
}

// evalDocPages cuts every document of dirs into pages, of bytes bytes and of
// each count of whole lines, and judges every page alone by CheckContent, as
// the provider guard judges one tool result of a paged read. It prints the
// pages refused, those refused by the content model alone (no reject rule),
// and up to show of them per directory.
func evalDocPages(s *sanitizer.Sanitizer, dirs []string, bytes int, lines string, notice bool, show int) error {
	type paging struct {
		label string
		cut   func(string) []string
	}
	var pagings []paging
	if bytes > 0 {
		pagings = append(pagings, paging{fmt.Sprintf("pages of %d B", bytes), func(t string) []string { return bytePages(t, bytes) }})
	}
	for _, f := range strings.Split(lines, ",") {
		if strings.TrimSpace(f) == "" {
			continue
		}
		var n int
		if _, err := fmt.Sscan(strings.TrimSpace(f), &n); err != nil || n <= 0 {
			return fmt.Errorf("-doc-pages-lines %q: want positive line counts separated by commas", lines)
		}
		pagings = append(pagings, paging{fmt.Sprintf("pages of %d lines", n), func(t string) []string {
			pages := linePages(t, n)
			if notice {
				// OpenClaw's read with offset and limit: the lines, then
				// how many are left and where to go on.
				line := 1
				total := strings.Count(t, "\n") + 1
				if strings.HasSuffix(t, "\n") {
					total--
				}
				for i, p := range pages[:max(len(pages)-1, 0)] {
					line += strings.Count(p, "\n")
					pages[i] = strings.TrimSuffix(p, "\n") + fmt.Sprintf("\n\n[%d more lines in file. Use offset=%d to continue.]", total-line+1, line)
				}
			}
			return pages
		}})
	}
	if len(pagings) == 0 {
		return nil
	}
	fmt.Println("documents cut into pages, each page judged alone by CheckContent (a paged read):")
	for _, dir := range dirs {
		var docs, names []string
		err := filepath.WalkDir(dir, func(p string, d fs.DirEntry, err error) error {
			if err != nil || d.IsDir() || !isDocument(d.Name()) {
				return err
			}
			b, err := os.ReadFile(p)
			if err != nil {
				return err
			}
			docs, names = append(docs, string(b[:min(len(b), maxDocument)])), append(names, strings.TrimPrefix(p, dir))
			return nil
		})
		if err != nil {
			return err
		}
		for _, pg := range pagings {
			var t tally
			byModel := 0
			var listed []string
			for i, d := range docs {
				for n, page := range pg.cut(d) {
					if strings.TrimSpace(page) == "" {
						continue
					}
					res := s.CheckContent(page)
					hit := res.Action == sanitizer.ActionReject
					t.add(0, hit)
					if !hit {
						continue
					}
					if !slices.ContainsFunc(res.Matches, func(m sanitizer.Match) bool {
						return m.Action == sanitizer.ActionReject && m.RuleID != sanitizer.IndirectModelRuleID
					}) {
						byModel++
					}
					if len(listed) < show {
						head := strings.TrimSpace(page)
						if r := []rune(head); len(r) > 60 {
							head = string(r[:60])
						}
						listed = append(listed, fmt.Sprintf("%s page %d (score %.2f, %v) %q", names[i], n+1, res.Score, res.RuleIDs(), head))
					}
				}
			}
			fmt.Printf("  %-60s %-18s %s; %d refused by the model alone\n", dir, pg.label, t, byModel)
			for _, l := range listed {
				fmt.Printf("    refused: %s\n", l)
			}
		}
	}
	return nil
}

// firstPage is t as the first page of a 2000-line file read with a limit:
// OpenClaw's read tool ends it with how many lines are left.
func firstPage(t string) string {
	n := strings.Count(t, "\n") + 1
	return t + fmt.Sprintf("\n\n[%d more lines in file. Use offset=%d to continue.]", max(2000-n, 1), n+1)
}

// bytePages cuts t every n bytes (backed to a rune's start).
func bytePages(t string, n int) []string {
	var out []string
	for at := 0; at < len(t); {
		cut := min(at+n, len(t))
		for cut > at+1 && cut < len(t) && !utf8.RuneStart(t[cut]) {
			cut--
		}
		out = append(out, t[at:cut])
		at = cut
	}
	return out
}

// linePages cuts t after every n lines, as a read with offset and limit in
// lines returns it.
func linePages(t string, n int) []string {
	var out []string
	for t != "" {
		at, k := 0, 0
		for k < n && at < len(t) {
			i := strings.IndexByte(t[at:], '\n')
			if i < 0 {
				at = len(t)
				break
			}
			at += i + 1
			k++
		}
		out = append(out, t[:at])
		t = t[at:]
	}
	return out
}

// splitPoints are where an attacker may cut a text in two: before every
// word (the space stays with the first half) and in the middle of every
// word of four letters or more.
func splitPoints(t string) []int {
	var out []int
	start := -1
	for i, r := range t + " " {
		word := r != ' ' && r != '\n' && r != '\t'
		switch {
		case word && start < 0:
			start = i
			if i > 0 {
				out = append(out, i)
			}
		case !word && start >= 0:
			if n := utf8.RuneCountInString(t[start:i]); n >= 4 {
				mid := start
				for k := 0; k < n/2; k++ {
					_, size := utf8.DecodeRuneInString(t[mid:])
					mid += size
				}
				out = append(out, mid)
			}
			start = -1
		}
	}
	return out
}

// seamRefused judges the windows of one seam: refused when one is.
func seamRefused(s *sanitizer.Sanitizer, windows []string) (sanitizer.Result, bool) {
	var last sanitizer.Result
	for _, w := range windows {
		if last = s.CheckContent(w); last.Action == sanitizer.ActionReject {
			return last, true
		}
	}
	return last, false
}
