package posture

import (
	"encoding/json"
	"fmt"
	"io"
	"path/filepath"
	"slices"
	"strings"
)

// WriteText writes the report for people: one line per finding with its fix,
// then what could not be checked, then a summary.
func WriteText(w io.Writer, r *Report) error {
	for _, f := range r.Findings {
		loc := f.File
		if f.Line > 0 {
			loc = fmt.Sprintf("%s:%d", f.File, f.Line)
		}
		if loc == "" {
			loc = "(live)"
		}
		if _, err := fmt.Fprintf(w, "[%s] %s %s: %s\n    fix: %s\n", strings.ToUpper(string(f.Severity)), f.ID, loc, f.Message, f.Fix); err != nil {
			return err
		}
	}
	for _, u := range r.Unavailable {
		if _, err := fmt.Fprintf(w, "[NOT CHECKED] %s: %s\n", u.Part, u.Reason); err != nil {
			return err
		}
	}
	for _, k := range r.Skipped {
		if _, err := fmt.Fprintf(w, "[SKIPPED] %s -> %s: %s\n", k.Path, k.Target, k.Reason); err != nil {
			return err
		}
	}
	var sev []string
	for _, s := range []Severity{Critical, High, Medium, Low, Info} {
		if n := r.Summary.BySeverity[s]; n > 0 {
			sev = append(sev, fmt.Sprintf("%d %s", n, s))
		}
	}
	mode := "static"
	if r.Live {
		mode = "static and live"
	}
	msg := fmt.Sprintf("%s audit of %d file(s): %d finding(s)", mode, len(r.Inputs), r.Summary.Findings)
	if len(sev) > 0 {
		msg += " (" + strings.Join(sev, ", ") + ")"
	}
	if n := len(r.Skipped); n > 0 {
		msg += fmt.Sprintf("; %d symlink(s) out of the audited directories not followed (listed above)", n)
	}
	if n := len(r.Unavailable); n > 0 {
		msg += fmt.Sprintf("; %d part(s) NOT CHECKED, so this is not a pass", n)
	}
	_, err := fmt.Fprintln(w, msg)
	return err
}

// WriteJSON writes the report as one JSON object (schema_version 1).
func WriteJSON(w io.Writer, r *Report) error {
	enc := json.NewEncoder(w)
	enc.SetIndent("", "  ")
	return enc.Encode(r)
}

type (
	sarifLog struct {
		Schema  string     `json:"$schema"`
		Version string     `json:"version"`
		Runs    []sarifRun `json:"runs"`
	}
	sarifRun struct {
		Tool        sarifTool         `json:"tool"`
		Invocations []sarifInvocation `json:"invocations"`
		Results     []sarifResult     `json:"results"`
		Properties  map[string]any    `json:"properties,omitempty"`
		Artifacts   []sarifArtifact   `json:"artifacts,omitempty"`
	}
	sarifTool struct {
		Driver sarifDriver `json:"driver"`
	}
	sarifDriver struct {
		Name           string      `json:"name"`
		InformationURI string      `json:"informationUri,omitempty"`
		Rules          []sarifRule `json:"rules"`
	}
	sarifRule struct {
		ID                   string         `json:"id"`
		Name                 string         `json:"name,omitempty"`
		ShortDescription     sarifMessage   `json:"shortDescription"`
		Help                 sarifMessage   `json:"help"`
		DefaultConfiguration sarifConfig    `json:"defaultConfiguration"`
		Properties           map[string]any `json:"properties,omitempty"`
	}
	sarifConfig struct {
		Level string `json:"level"`
	}
	sarifMessage struct {
		Text string `json:"text"`
	}
	sarifResult struct {
		RuleID     string          `json:"ruleId"`
		RuleIndex  int             `json:"ruleIndex"`
		Level      string          `json:"level"`
		Message    sarifMessage    `json:"message"`
		Locations  []sarifLocation `json:"locations,omitempty"`
		Properties map[string]any  `json:"properties,omitempty"`
	}
	sarifLocation struct {
		PhysicalLocation sarifPhysical `json:"physicalLocation"`
	}
	sarifPhysical struct {
		ArtifactLocation sarifArtifactLocation `json:"artifactLocation"`
		Region           *sarifRegion          `json:"region,omitempty"`
	}
	sarifArtifactLocation struct {
		URI string `json:"uri"`
	}
	sarifRegion struct {
		StartLine int `json:"startLine"`
	}
	sarifArtifact struct {
		Location sarifArtifactLocation `json:"location"`
	}
	sarifInvocation struct {
		ExecutionSuccessful        bool                `json:"executionSuccessful"`
		ToolExecutionNotifications []sarifNotification `json:"toolExecutionNotifications,omitempty"`
	}
	sarifNotification struct {
		Level   string       `json:"level"`
		Message sarifMessage `json:"message"`
	}
)

func sarifLevel(s Severity) string {
	switch s {
	case Critical, High:
		return "error"
	case Medium:
		return "warning"
	}
	return "note"
}

func sarifURI(p string) string {
	return filepath.ToSlash(filepath.Clean(p))
}

// WriteSARIF writes the report as SARIF 2.1.0. Parts that could not be
// checked become tool execution notifications, and the run is then marked
// unsuccessful.
func WriteSARIF(w io.Writer, r *Report) error {
	var rules []sarifRule
	index := map[string]int{}
	for _, f := range r.Findings {
		if _, ok := index[f.ID]; ok {
			continue
		}
		rule := sarifRule{ID: f.ID, Help: sarifMessage{Text: f.Fix}, DefaultConfiguration: sarifConfig{Level: sarifLevel(f.Severity)},
			Properties: map[string]any{"group": f.Group, "source": f.Source}}
		if c, ok := LookupCheck(f.ID); ok {
			rule.ShortDescription = sarifMessage{Text: c.Title}
		} else {
			rule.ShortDescription = sarifMessage{Text: f.Message}
		}
		index[f.ID] = len(rules)
		rules = append(rules, rule)
	}
	results := make([]sarifResult, 0, len(r.Findings))
	for _, f := range r.Findings {
		res := sarifResult{RuleID: f.ID, RuleIndex: index[f.ID], Level: sarifLevel(f.Severity), Message: sarifMessage{Text: f.Message},
			Properties: map[string]any{"severity": string(f.Severity)}}
		if f.File != "" {
			loc := sarifLocation{PhysicalLocation: sarifPhysical{ArtifactLocation: sarifArtifactLocation{URI: sarifURI(f.File)}}}
			if f.Line > 0 {
				loc.PhysicalLocation.Region = &sarifRegion{StartLine: f.Line}
			}
			res.Locations = []sarifLocation{loc}
		}
		results = append(results, res)
	}
	inv := sarifInvocation{ExecutionSuccessful: len(r.Unavailable) == 0}
	for _, u := range r.Unavailable {
		inv.ToolExecutionNotifications = append(inv.ToolExecutionNotifications,
			sarifNotification{Level: "error", Message: sarifMessage{Text: u.Part + ": " + u.Reason}})
	}
	for _, k := range r.Skipped {
		inv.ToolExecutionNotifications = append(inv.ToolExecutionNotifications,
			sarifNotification{Level: "note", Message: sarifMessage{Text: k.Path + " -> " + k.Target + ": " + k.Reason}})
	}
	var arts []sarifArtifact
	for _, in := range r.Inputs {
		arts = append(arts, sarifArtifact{Location: sarifArtifactLocation{URI: sarifURI(in.Path)}})
	}
	slices.SortFunc(arts, func(a, b sarifArtifact) int { return strings.Compare(a.Location.URI, b.Location.URI) })
	log := sarifLog{
		Schema:  "https://json.schemastore.org/sarif-2.1.0.json",
		Version: "2.1.0",
		Runs: []sarifRun{{
			Tool:        sarifTool{Driver: sarifDriver{Name: "stackaudit", Rules: rules}},
			Invocations: []sarifInvocation{inv},
			Results:     results,
			Artifacts:   arts,
			Properties:  map[string]any{"live": r.Live, "status": r.Summary.Status},
		}},
	}
	if log.Runs[0].Tool.Driver.Rules == nil {
		log.Runs[0].Tool.Driver.Rules = []sarifRule{}
	}
	enc := json.NewEncoder(w)
	enc.SetIndent("", "  ")
	return enc.Encode(log)
}
