// Package result holds the scanner's result types as plain data: what the
// scanner reports and what the quarantine store records. It has no cgo and
// no dependencies, so that the store and other tools can handle results
// without linking the scanner (tree-sitter). Package scanner re-exports
// these types; see its documentation for what they mean.
package result

// Severities, lowest first. A Finding's Severity is one of these.
const (
	SeverityInfo     = "info"
	SeverityLow      = "low"
	SeverityMedium   = "medium"
	SeverityHigh     = "high"
	SeverityCritical = "critical"
)

// Verdict is the decision for one skill, plugin, file or archive.
type Verdict string

// Verdicts, from the verdict policy in package scanner's documentation.
const (
	Allow Verdict = "allow"
	Warn  Verdict = "warn"
	Block Verdict = "block"
)

// Finding is one detection. File is relative to the Result's Path (for an
// archive: the member name); Line and Column are 1-based, 0 when unknown.
type Finding struct {
	RuleID   string `json:"rule_id"`
	Severity string `json:"severity"`
	File     string `json:"file"`
	Line     int    `json:"line"`
	Column   int    `json:"column"`
	Message  string `json:"message"`
	Snippet  string `json:"snippet"`
}

// Result is the outcome for one scanned unit: a skill directory, a plugin
// package, a single file or an archive.
type Result struct {
	Skill    string    `json:"skill"`
	Path     string    `json:"path"`
	SHA256   string    `json:"sha256"`
	Verdict  Verdict   `json:"verdict"`
	Findings []Finding `json:"findings"`
}
