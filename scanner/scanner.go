package scanner

import (
	"context"
	"fmt"
	"runtime"
	"sort"
	"sync"

	"golang.org/x/sync/semaphore"

	"github.com/openclaw-secure-stack/securestack/sanitizer"
	"github.com/openclaw-secure-stack/securestack/scanner/intel"
	"github.com/openclaw-secure-stack/securestack/scanner/result"
)

// Severities, lowest first. A Finding's Severity is one of these.
const (
	SeverityInfo     = result.SeverityInfo
	SeverityLow      = result.SeverityLow
	SeverityMedium   = result.SeverityMedium
	SeverityHigh     = result.SeverityHigh
	SeverityCritical = result.SeverityCritical
)

// severityRank orders severities; unknown strings rank as critical so a typo in
// a rules file can only make the scanner stricter.
func severityRank(s string) int {
	switch s {
	case SeverityInfo:
		return 0
	case SeverityLow:
		return 1
	case SeverityMedium:
		return 2
	case SeverityHigh:
		return 3
	}
	return 4
}

// Verdict is the decision for one skill, plugin, file or archive.
type Verdict = result.Verdict

// Verdicts, from the verdict policy in the package documentation.
const (
	Allow = result.Allow
	Warn  = result.Warn
	Block = result.Block
)

// Finding is one detection. File is relative to the Result's Path (for an
// archive: the member name); Line and Column are 1-based, 0 when unknown.
// The result types live in package result, which has no cgo, so that
// programs can handle results without linking tree-sitter.
type Finding = result.Finding

// Result is the outcome for one scanned unit: a skill directory, a plugin
// package, a single file or an archive.
type Result = result.Result

// Report holds the results of one Scan call, in the order the units were found.
type Report struct {
	Results []Result `json:"results"`
}

// Allowlist accepts the domains that network rules should not report. An
// *egress.Allowlist satisfies it.
type Allowlist interface {
	Match(name string) bool
}

// Options configure a Scanner. The zero value scans with the embedded
// default rules, no domain allowlist and the default limits.
type Options struct {
	// Rules override or extend the default rules by id (see LoadRules). A
	// severity given for a built-in rule applies to all of its findings,
	// including those whose severity the scanner otherwise sets from
	// context (an exfiltration endpoint in code or in prose, say).
	Rules []Rule
	// Allowlist, when set, makes every literal URL whose host it does not
	// match a finding (rule NET_DOMAIN_NOT_ALLOWED). Known exfiltration
	// endpoints and raw-IP URLs are reported either way.
	Allowlist Allowlist
	// PromptChecker judges SKILL.md prose for prompt injection; nil means a
	// sanitizer with its default rules and without its scoring model, which
	// is tuned for chat and reads every skill as instructions (which skills
	// are).
	PromptChecker PromptChecker
	// Limits bound what one scan reads; zero fields take the defaults.
	Limits Limits
	// Workers is the number of files analysed at once; 0 means GOMAXPROCS.
	Workers int
	// Intel, when set, makes every indicator of the feed that a skill
	// matches a critical INTEL_INDICATOR finding (see package intel).
	Intel *intel.Feed
}

// PromptChecker finds prompt injection in text; *sanitizer.Sanitizer is one.
// Skill text is checked with role "tool".
type PromptChecker interface {
	Check(role, text string) sanitizer.Result
}

// Limits bound the work and memory of a scan. Anything beyond a limit is
// reported as a finding, never skipped silently.
type Limits struct {
	MaxFileSize       int64 // bytes per file; default 8 MiB
	MaxFiles          int   // files per unit; default 5,000
	MaxTotalSize      int64 // bytes per unit, after decompression; default 256 MiB
	MaxExpansionRatio int   // archive: uncompressed / compressed; default 100
	MaxDepth          int   // directory depth searched for SKILL.md; default 6
	// MaxInFlight bounds the bytes of source being analysed at once, since
	// a syntax tree takes about 30 times the memory of its source; a larger
	// file is analysed alone. Default 8 MiB.
	MaxInFlight int64
}

func (l Limits) withDefaults() Limits {
	if l.MaxFileSize <= 0 {
		l.MaxFileSize = 8 << 20
	}
	if l.MaxFiles <= 0 {
		l.MaxFiles = 5000
	}
	if l.MaxTotalSize <= 0 {
		l.MaxTotalSize = 256 << 20
	}
	if l.MaxExpansionRatio <= 0 {
		l.MaxExpansionRatio = 100
	}
	if l.MaxDepth <= 0 {
		l.MaxDepth = 6
	}
	if l.MaxInFlight <= 0 {
		l.MaxInFlight = 8 << 20
	}
	return l
}

// Scanner scans skills and plugins. It is safe for concurrent use.
type Scanner struct {
	rules   *ruleSet
	allow   Allowlist
	prompt  PromptChecker
	limits  Limits
	workers int
	// pinned are the severities operators set for built-in rules.
	pinned map[string]string
	intel  *intelMatcher
}

// New returns a Scanner; it fails when a rule does not compile.
func New(opts Options) (*Scanner, error) {
	defaults := DefaultRules()
	rs, err := compileRules(mergeRules(defaults, opts.Rules))
	if err != nil {
		return nil, err
	}
	pc := opts.PromptChecker
	if pc == nil {
		san, err := sanitizer.New(sanitizer.Config{DisableModel: true})
		if err != nil {
			return nil, fmt.Errorf("scanner: default prompt checker: %w", err)
		}
		pc = san
	}
	w := opts.Workers
	if w <= 0 {
		w = runtime.GOMAXPROCS(0)
	}
	pinned := map[string]string{}
	builtin := make(map[string]bool, len(defaults))
	for _, r := range defaults {
		builtin[r.ID] = true
	}
	for _, r := range opts.Rules {
		if builtin[r.ID] && r.Severity != "" {
			pinned[r.ID] = r.Severity
		}
	}
	return &Scanner{rules: rs, allow: opts.Allowlist, prompt: pc,
		limits: opts.Limits.withDefaults(), workers: w, pinned: pinned, intel: newIntelMatcher(opts.Intel)}, nil
}

// Scan scans each path: a directory (every skill found in it, or the
// directory as one plugin or bundle), a single file, or a .zip, .tgz or
// .tar.gz archive read in memory. An input that cannot be read becomes a
// Result with a finding and verdict block; Scan returns an error only when
// ctx ends.
func (s *Scanner) Scan(ctx context.Context, paths ...string) (*Report, error) {
	var units []*unitState
	for _, p := range paths {
		for _, u := range s.discover(p) {
			units = append(units, &unitState{unit: u})
		}
	}
	// One pool of analysers serves every unit, so that many small units
	// (a skills directory, a file list) keep all workers busy.
	jobs := make(chan job)
	inFlight := semaphore.NewWeighted(s.limits.MaxInFlight)
	var wg sync.WaitGroup
	for range s.workers {
		wg.Add(1)
		go func() {
			defer wg.Done()
			// tree-sitter's memory comes from the worker's parse arena
			// (arena.c), and what overflows it from the calling thread's
			// malloc arena; one thread per worker keeps that in one malloc
			// arena, and measured a little faster than letting Go move
			// the worker between threads.
			runtime.LockOSThread()
			defer runtime.UnlockOSThread()
			a := s.newAnalyzer()
			defer a.close()
			for j := range jobs {
				j.unit.addFacts(a.analyzeFile(ctx, j.file))
				inFlight.Release(j.weight)
			}
		}()
	}
	for _, st := range units {
		if ctx.Err() != nil {
			break
		}
		st.meta, st.err = st.open(s.limits, func(f file) error {
			w := min(int64(len(f.data)), s.limits.MaxInFlight)
			if err := inFlight.Acquire(ctx, w); err != nil {
				return err
			}
			select {
			case jobs <- job{f, st, w}:
				return nil
			case <-ctx.Done():
				inFlight.Release(w)
				return ctx.Err()
			}
		}, st.add)
	}
	close(jobs)
	wg.Wait()
	if err := ctx.Err(); err != nil {
		return nil, err
	}
	rep := &Report{Results: make([]Result, len(units))}
	for i, st := range units {
		rep.Results[i] = s.result(st)
	}
	return rep, nil
}

// unitState collects what the workers find in one unit.
type unitState struct {
	unit
	mu       sync.Mutex
	findings []Finding
	files    []fileFacts
	meta     unitMeta
	err      error
}

type job struct {
	file   file
	unit   *unitState
	weight int64 // of the in-flight budget
}

func (st *unitState) add(fs ...Finding) {
	st.mu.Lock()
	st.findings = append(st.findings, fs...)
	st.mu.Unlock()
}

func (st *unitState) addFacts(f fileFacts) {
	st.mu.Lock()
	for i := range f.installers {
		f.installers[i].finding += len(st.findings) // an index into st.findings from now on
	}
	for i := range f.skillWrites {
		f.skillWrites[i].finding += len(st.findings)
	}
	st.findings = append(st.findings, f.findings...)
	f.findings = nil
	st.files = append(st.files, f)
	st.mu.Unlock()
}

// result applies the unit-level rules and the verdict policy.
func (s *Scanner) result(st *unitState) Result {
	res := Result{Skill: st.name, Path: st.path, SHA256: st.meta.sha256}
	findings := st.findings
	if st.err != nil {
		findings = append(findings, Finding{RuleID: RuleInputUnreadable, File: st.rel,
			Message: fmt.Sprintf("cannot read %s: %v; the input was not fully scanned", st.path, st.err)})
	}
	if name := skillName(st.files); name != "" {
		res.Skill = name
	}
	findings = append(findings, s.unitChains(st.files)...)
	if f := s.intelUnit(&res, st.rel); f != nil {
		findings = append(findings, *f)
	}
	settleUnitInstallers(findings, st.files)
	settleSkillWrites(findings, st.files, st.name)
	res.Findings = s.finish(findings)
	quotedSamples(res.Findings, st.files)
	res.Verdict = decide(res.Findings)
	return res
}

// finish fills severities from the rule table, drops disabled rules and
// duplicates, and sorts findings by file, line, column and rule.
func (s *Scanner) finish(in []Finding) []Finding {
	type key struct {
		rule, file string
		line       int
	}
	out := make([]Finding, 0, len(in))
	seen := make(map[key]int, len(in))
	for _, f := range in {
		r, ok := s.rules.byID[f.RuleID]
		r0 := r
		if ok && r.Disabled {
			continue
		}
		if sev, ok := s.pinned[f.RuleID]; ok {
			f.Severity = sev
		}
		if f.Severity == "" {
			if ok {
				f.Severity = r.Severity
			} else {
				f.Severity = SeverityHigh
			}
		}
		if f.Message == "" && ok {
			f.Message = r.Description
		}
		// One finding per rule and line: the same technique found by two
		// analyses (say, the AST and a text rule) is reported once, at the
		// higher severity.
		k := key{f.RuleID, f.File, f.Line}
		if i, ok := seen[k]; ok {
			if r := severityRank(f.Severity) - severityRank(out[i].Severity); r > 0 || r == 0 && out[i].Message == r0.Description && f.Message != r0.Description {
				out[i] = f
			}
			continue
		}
		seen[k] = len(out)
		out = append(out, f)
	}
	sort.SliceStable(out, func(i, j int) bool {
		a, b := out[i], out[j]
		if a.File != b.File {
			return a.File < b.File
		}
		if a.Line != b.Line {
			return a.Line < b.Line
		}
		if a.Column != b.Column {
			return a.Column < b.Column
		}
		return a.RuleID < b.RuleID
	})
	return out
}

// skillName is the front matter name of the unit's top-most SKILL.md.
func skillName(files []fileFacts) string {
	name, depth := "", -1
	for _, f := range files {
		if f.skillName != "" && (depth < 0 || f.depth < depth) {
			name, depth = f.skillName, f.depth
		}
	}
	return name
}
