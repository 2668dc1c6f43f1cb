package sanitizer

import (
	_ "embed"
	"fmt"
	"github.com/openclaw-secure-stack/securestack/sanitizer/internal/model"
	"github.com/openclaw-secure-stack/securestack/sanitizer/internal/textnorm"
	"slices"
	"strings"
	"sync"
)

// SystemPolicy says what to do with client-supplied system text: "system" and
// "developer" messages, /v1/responses "instructions", and tool definitions.
type SystemPolicy string

const (
	SystemSanitize SystemPolicy = "sanitize" // scan it like any other text (the default)
	SystemAllow    SystemPolicy = "allow"    // trust it: do not scan
	SystemReject   SystemPolicy = "reject"   // refuse any request that carries it
)

// Config configures a Sanitizer. The zero value is usable: the default rules
// and the system policy "sanitize".
type Config struct {
	// Rules to apply. Nil means DefaultRules(); an empty non-nil slice means none.
	Rules []Rule
	// SystemMessages is the policy for client-supplied system text.
	SystemMessages SystemPolicy
	// MaxDepth bounds JSON nesting in bodies; deeper bodies are rejected. Default 64.
	MaxDepth int
	// Threshold is the model score (0 to 1) at or above which a text is an
	// injection. Zero means DefaultThreshold.
	Threshold float64
	// ModelAction is what a model hit does: reject (the default), strip
	// (removes the whole text) or flag.
	ModelAction Action
	// DisableModel turns the scoring model off; only rules apply.
	DisableModel bool
}

// DefaultThreshold is the shipped operating point of the model, chosen on
// held-out folds of the training data (see docs/BENCHMARKS.md).
const DefaultThreshold = 0.7

// ModelRuleID names model hits in Result.Matches and audit records.
const ModelRuleID = "model.injection"

//go:embed model.bin
var modelFile []byte

// shippedModel is parsed once; it is never written after.
var shippedModel = sync.OnceValues(func() (*model.Model, error) { return model.Parse(modelFile) })

// Sanitizer detects prompt injection in text and rewrites OpenAI-style bodies.
// It is safe for concurrent use.
type Sanitizer struct {
	engine      *ruleEngine
	system      SystemPolicy
	maxDepth    int
	model       *model.Model // nil when disabled
	threshold   float64
	modelAction Action
}

// Match is one detection in one text.
type Match struct {
	RuleID   string `json:"rule_id"`
	Action   Action `json:"action"`
	Severity string `json:"severity"`
	Role     string `json:"role,omitempty"`  // normalised role of the message
	Field    string `json:"field,omitempty"` // JSON path of the text in a body, e.g. messages[2].content
	// Start and End are the byte span of the match in the original text.
	Start int `json:"start"`
	End   int `json:"end"`
}

// Result is the verdict on a text or a body. Action is the strongest action
// of its matches; Score is the highest model score seen (0 to 1).
type Result struct {
	Action  Action
	Matches []Match
	Score   float64
}

// RuleIDs lists the ids of the matches, sorted and without repeats; it is
// never nil, so an audit record shows [] rather than null.
func (r Result) RuleIDs() []string {
	ids := make([]string, 0, len(r.Matches))
	for _, m := range r.Matches {
		ids = append(ids, m.RuleID)
	}
	slices.Sort(ids)
	return slices.Compact(ids)
}

func (r *Result) add(ms ...Match) {
	for _, m := range ms {
		if m.Action.rank() > r.Action.rank() {
			r.Action = m.Action
		}
		r.Matches = append(r.Matches, m)
	}
}

// New compiles the configuration.
func New(cfg Config) (*Sanitizer, error) {
	rules := cfg.Rules
	if rules == nil {
		rules = DefaultRules()
	}
	s := &Sanitizer{system: cfg.SystemMessages, maxDepth: cfg.MaxDepth}
	switch s.system {
	case "":
		s.system = SystemSanitize
	case SystemSanitize, SystemAllow, SystemReject:
	default:
		return nil, fmt.Errorf("sanitizer: SystemMessages is %q; use %q, %q or %q", s.system, SystemSanitize, SystemAllow, SystemReject)
	}
	if s.maxDepth <= 0 {
		s.maxDepth = 64
	}
	if !cfg.DisableModel {
		m, err := shippedModel()
		if err != nil {
			return nil, fmt.Errorf("sanitizer: embedded model: %w", err)
		}
		s.model = m
	}
	s.threshold = cfg.Threshold
	if s.threshold == 0 {
		s.threshold = DefaultThreshold
	}
	if s.threshold < 0 || s.threshold > 1 {
		return nil, fmt.Errorf("sanitizer: Threshold is %v; use a score between 0 and 1", s.threshold)
	}
	s.modelAction = cfg.ModelAction
	switch s.modelAction {
	case "":
		s.modelAction = ActionReject
	case ActionFlag, ActionStrip, ActionReject:
	default:
		return nil, fmt.Errorf("sanitizer: ModelAction is %q; use %q, %q or %q", s.modelAction, ActionReject, ActionStrip, ActionFlag)
	}
	checked := make([]Rule, len(rules))
	seen := make(map[string]bool, len(rules))
	for i, r := range rules {
		r.Roles = slices.Clone(r.Roles)
		if err := r.validate(); err != nil {
			return nil, fmt.Errorf("sanitizer: rule %d (%q): %w", i+1, r.ID, err)
		}
		if seen[r.ID] {
			return nil, fmt.Errorf("sanitizer: rule %d: duplicate id %q", i+1, r.ID)
		}
		seen[r.ID] = true
		checked[i] = r
	}
	s.engine = newRuleEngine(checked)
	return s, nil
}

// Check inspects one text as spoken by role ("user", "system", "tool", ...)
// and reports what fired. It never changes the text.
func (s *Sanitizer) Check(role, text string) Result {
	var r Result
	ms, score := s.scan(normalizeRole(role), text)
	r.add(ms...)
	r.Score = score
	return r
}

// scan returns the matches of every rule that applies to role, with spans
// in the original text, and the model's score. The model does not judge
// system text: a system prompt is made of instructions by design.
func (s *Sanitizer) scan(role, text string) ([]Match, float64) {
	n := textnorm.Normalize(text, false)
	spans := s.engine.match(role, n.Text)
	var out []Match
	score := 0.0
	if s.model != nil && role != "system" {
		score = s.model.Score(n.Text)
		if score >= s.threshold {
			out = append(out, Match{RuleID: ModelRuleID, Action: s.modelAction, Severity: "high", Role: role, Start: 0, End: len(text)})
		}
	}
	if len(spans) == 0 {
		return out, score
	}
	n = textnorm.Normalize(text, true) // only now are the offsets worth computing
	for _, sp := range spans {
		r := &s.engine.rules[sp.rule]
		start, end := n.Span(sp.start, sp.end)
		out = append(out, Match{RuleID: r.ID, Action: r.Action, Severity: r.Severity, Role: role, Start: start, End: end})
	}
	return out, score
}

// strip removes the spans of strip matches from text.
func strip(text string, ms []Match) string {
	var spans [][2]int
	for _, m := range ms {
		if m.Action == ActionStrip && m.End > m.Start {
			spans = append(spans, [2]int{m.Start, m.End})
		}
	}
	if len(spans) == 0 {
		return text
	}
	slices.SortFunc(spans, func(a, b [2]int) int { return a[0] - b[0] })
	var b strings.Builder
	b.Grow(len(text))
	pos := 0
	for _, sp := range spans {
		if sp[0] > pos {
			b.WriteString(text[pos:sp[0]])
		}
		pos = max(pos, sp[1])
	}
	b.WriteString(text[pos:])
	return b.String()
}
