package sanitizer

import (
	"bytes"
	_ "embed"
	"encoding/json"
	"errors"
	"fmt"
	"os"
	"regexp"
	"slices"
	"strings"
	"unicode"
)

// Action is what a detection asks the caller to do. The zero value means
// nothing fired.
type Action string

const (
	ActionNone   Action = ""
	ActionFlag   Action = "flag"   // log only; the text is forwarded unchanged
	ActionStrip  Action = "strip"  // remove the matched spans and forward the rest
	ActionReject Action = "reject" // refuse the whole request
)

// rank orders actions so that a result carries the strongest one.
func (a Action) rank() int {
	switch a {
	case ActionFlag:
		return 1
	case ActionStrip:
		return 2
	case ActionReject:
		return 3
	}
	return 0
}

// Severities a rule may declare, weakest first.
var severities = []string{"info", "low", "medium", "high", "critical"}

// Roles a rule may be limited to. "developer" messages count as "system" and
// "function" messages as "tool", as the gateway treats them.
// "tool-definition" is the text of a tool definition (its description, its
// parameters' descriptions and names): system text written by whoever wrote
// the tool, a plugin or an MCP server among them. The rules for "system"
// apply to it too; rules limited to "tool-definition" read only it.
var roles = []string{"system", "user", "assistant", "tool", RoleToolDefinition}

// RoleToolDefinition is the role of a tool definition's text in Check.
const RoleToolDefinition = "tool-definition"

// ruleApplies reports whether a rule limited to roles applies to text
// spoken by role: a tool definition is system text too.
func ruleApplies(roles []string, role string) bool {
	return len(roles) == 0 || slices.Contains(roles, role) || role == RoleToolDefinition && slices.Contains(roles, "system")
}

// toolDefinitionOnly reports a rule limited to tool definitions.
func toolDefinitionOnly(roles []string) bool {
	return len(roles) > 0 && !slices.ContainsFunc(roles, func(r string) bool { return r != RoleToolDefinition })
}

// systemText reports a role whose text is the agent's configuration: judged
// whole by the model at the system threshold, and subject to the system
// policy.
func systemText(role string) bool { return role == "system" || role == RoleToolDefinition }

// Rule is one detection rule in the original secure stack's JSON format:
//
//	{"id": "override.ignore-previous", "pattern": "ignore (all )?previous instructions",
//	 "action": "reject", "severity": "high", "description": "...", "roles": ["user", "tool"]}
//
// Patterns are Go RE2 regular expressions. They are matched case-insensitively
// against the normalised text (see the package documentation), so write them in
// lower case with single spaces between words. Fields other than these are
// allowed and ignored.
type Rule struct {
	ID          string   `json:"id"`
	Pattern     string   `json:"pattern"`
	Action      Action   `json:"action"`
	Severity    string   `json:"severity,omitempty"`    // info, low, medium, high, critical; default medium
	Description string   `json:"description,omitempty"` // why the rule exists, for operators
	Roles       []string `json:"roles,omitempty"`       // message roles the rule applies to; empty means all
}

//go:embed rules/default.json
var defaultRulesJSON []byte

// DefaultRules returns the rule set shipped with the package (the file
// rules/default.json, embedded at build time). The slice is a fresh copy.
func DefaultRules() []Rule {
	rules, err := parseRules(defaultRulesJSON, "rules/default.json")
	if err != nil {
		// The embedded file is checked by the package tests; reaching this is a build defect.
		panic(err)
	}
	return rules
}

// LoadRules reads a JSON rule file: a list of rule objects. The error names
// the file, and the line or the rule that is wrong.
func LoadRules(path string) ([]Rule, error) {
	data, err := os.ReadFile(path)
	if err != nil {
		return nil, fmt.Errorf("sanitizer: reading rules: %w", err)
	}
	return parseRules(data, path)
}

func parseRules(data []byte, name string) ([]Rule, error) {
	var rules []Rule
	if err := json.Unmarshal(data, &rules); err != nil {
		var se *json.SyntaxError
		var te *json.UnmarshalTypeError
		switch {
		case errors.As(err, &se):
			return nil, fmt.Errorf("sanitizer: %s:%d: invalid JSON: %v", name, lineOf(data, se.Offset), se)
		case errors.As(err, &te) && te.Field == "":
			return nil, fmt.Errorf("sanitizer: %s:%d: expected a JSON list of {\"id\",\"pattern\",\"action\"} objects, found %s", name, lineOf(data, te.Offset), te.Value)
		case errors.As(err, &te):
			return nil, fmt.Errorf("sanitizer: %s:%d: field %s must be a %s, not %s", name, lineOf(data, te.Offset), te.Field, te.Type, te.Value)
		}
		return nil, fmt.Errorf("sanitizer: %s: %w", name, err)
	}
	if rules == nil {
		return nil, fmt.Errorf("sanitizer: %s: expected a JSON list of rules, got null", name)
	}
	seen := make(map[string]bool, len(rules))
	for i := range rules {
		r := &rules[i]
		if err := r.validate(); err != nil {
			return nil, fmt.Errorf("sanitizer: %s: rule %d (%q): %w", name, i+1, r.ID, err)
		}
		if seen[r.ID] {
			return nil, fmt.Errorf("sanitizer: %s: rule %d: duplicate id %q", name, i+1, r.ID)
		}
		seen[r.ID] = true
	}
	return rules, nil
}

// lineOf turns a byte offset into a 1-based line number.
func lineOf(data []byte, off int64) int {
	off = min(max(off, 0), int64(len(data)))
	return bytes.Count(data[:off], []byte("\n")) + 1
}

// validate fills defaults and checks one rule.
func (r *Rule) validate() error {
	if r.ID == "" {
		return errors.New(`"id" is missing`)
	}
	if r.Pattern == "" {
		return errors.New(`"pattern" is missing`)
	}
	switch r.Action {
	case ActionFlag, ActionStrip, ActionReject:
	default:
		return fmt.Errorf(`"action" is %q; use "strip", "reject" or "flag"`, r.Action)
	}
	if r.Severity == "" {
		r.Severity = "medium"
	}
	r.Severity = strings.ToLower(r.Severity)
	if !slices.Contains(severities, r.Severity) {
		return fmt.Errorf(`"severity" is %q; use one of %s`, r.Severity, strings.Join(severities, ", "))
	}
	for i, role := range r.Roles {
		role = normalizeRole(role)
		if !slices.Contains(roles, role) {
			return fmt.Errorf(`"roles" has %q; use any of %s`, r.Roles[i], strings.Join(roles, ", "))
		}
		r.Roles[i] = role
	}
	if _, err := compilePattern(r.Pattern); err != nil {
		return fmt.Errorf(`"pattern" does not compile as a Go RE2 regexp: %w`, err)
	}
	return nil
}

// compilePattern compiles a rule pattern case-insensitively, since it runs
// against case-folded text and a pattern written with capitals must still match.
func compilePattern(p string) (*regexp.Regexp, error) {
	return regexp.Compile("(?im)(?:" + p + ")")
}

// normalizeRole maps a message role to the names rules use.
func normalizeRole(role string) string {
	// Trimmed as Go and as JavaScript trim (the gateway's
	// normalizeOptionalString also removes U+FEFF, red team round 9).
	role = strings.ToLower(strings.TrimFunc(role, func(r rune) bool { return unicode.IsSpace(r) || isJSSpace(r) }))
	switch role {
	case "developer":
		return "system"
	case "function":
		return "tool"
	case "tool_definition", "tooldef":
		return RoleToolDefinition
	}
	return role
}
