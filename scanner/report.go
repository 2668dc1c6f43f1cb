package scanner

import (
	"bufio"
	"encoding/json"
	"fmt"
	"io"
	"path"
	"path/filepath"
	"sort"
	"strings"
)

// WriteText writes a report for people: one block per result with its
// verdict, then each finding as severity, rule, file:line:column, message
// and the snippet, and a closing count of verdicts.
func WriteText(w io.Writer, r *Report) error {
	bw := bufio.NewWriter(w)
	counts := map[Verdict]int{}
	for _, res := range r.Results {
		counts[res.Verdict]++
		fmt.Fprintf(bw, "%s  %s  (%s)\n", strings.ToUpper(string(res.Verdict)), res.Skill, res.Path)
		if res.SHA256 != "" {
			fmt.Fprintf(bw, "  sha256 %s\n", res.SHA256)
		}
		for _, f := range res.Findings {
			fmt.Fprintf(bw, "  [%s] %s %s: %s\n", strings.ToUpper(f.Severity), f.RuleID, location(f), f.Message)
			if f.Snippet != "" {
				fmt.Fprintf(bw, "      | %s\n", f.Snippet)
			}
		}
		if len(res.Findings) == 0 {
			fmt.Fprintln(bw, "  no findings")
		}
		fmt.Fprintln(bw)
	}
	fmt.Fprintf(bw, "%d scanned: %d block, %d warn, %d allow\n", len(r.Results), counts[Block], counts[Warn], counts[Allow])
	return bw.Flush()
}

func location(f Finding) string {
	switch {
	case f.Line > 0 && f.Column > 0:
		return fmt.Sprintf("%s:%d:%d", f.File, f.Line, f.Column)
	case f.Line > 0:
		return fmt.Sprintf("%s:%d", f.File, f.Line)
	}
	return f.File
}

// WriteJSON writes the report in the stable schema documented in doc.go.
// Empty finding lists are written as [] rather than null.
func WriteJSON(w io.Writer, r *Report) error {
	out := Report{Results: make([]Result, len(r.Results))}
	for i, res := range r.Results {
		if res.Findings == nil {
			res.Findings = []Finding{}
		}
		out.Results[i] = res
	}
	enc := json.NewEncoder(w)
	enc.SetIndent("", "  ")
	return enc.Encode(out)
}

// SARIF 2.1.0, the subset this scanner fills.
type (
	sarifLog struct {
		Schema  string     `json:"$schema"`
		Version string     `json:"version"`
		Runs    []sarifRun `json:"runs"`
	}
	sarifRun struct {
		Tool    sarifTool     `json:"tool"`
		Results []sarifResult `json:"results"`
	}
	sarifTool struct {
		Driver sarifDriver `json:"driver"`
	}
	sarifDriver struct {
		Name           string      `json:"name"`
		InformationURI string      `json:"informationUri"`
		Rules          []sarifRule `json:"rules"`
	}
	sarifRule struct {
		ID                   string         `json:"id"`
		ShortDescription     sarifMessage   `json:"shortDescription"`
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
		Locations  []sarifLocation `json:"locations"`
		Properties map[string]any  `json:"properties"`
	}
	sarifLocation struct {
		PhysicalLocation sarifPhysical `json:"physicalLocation"`
	}
	sarifPhysical struct {
		ArtifactLocation sarifArtifact `json:"artifactLocation"`
		Region           *sarifRegion  `json:"region,omitempty"`
	}
	sarifArtifact struct {
		URI string `json:"uri"`
	}
	sarifRegion struct {
		StartLine   int           `json:"startLine"`
		StartColumn int           `json:"startColumn,omitempty"`
		Snippet     *sarifMessage `json:"snippet,omitempty"`
	}
)

// sarifLevel maps a severity onto SARIF's three result levels.
func sarifLevel(sev string) string {
	switch sev {
	case SeverityCritical, SeverityHigh:
		return "error"
	case SeverityMedium:
		return "warning"
	}
	return "note"
}

// securitySeverity is the CVSS-like score code-scanning services sort by.
var securitySeverity = map[string]string{
	SeverityCritical: "9.5", SeverityHigh: "8.0", SeverityMedium: "5.5", SeverityLow: "3.0", SeverityInfo: "0.0",
}

// WriteSARIF writes the report as one SARIF 2.1.0 run. Rule metadata comes
// from the default rules; each result carries the skill, its verdict and
// the finding's severity as properties.
func WriteSARIF(w io.Writer, r *Report) error {
	known := map[string]Rule{}
	for _, rule := range DefaultRules() {
		known[rule.ID] = rule
	}
	index := map[string]int{}
	var ids []string
	for _, res := range r.Results {
		for _, f := range res.Findings {
			if _, ok := index[f.RuleID]; !ok {
				index[f.RuleID] = 0
				ids = append(ids, f.RuleID)
			}
		}
	}
	sort.Strings(ids)
	run := sarifRun{
		Tool: sarifTool{Driver: sarifDriver{
			Name:           "securestack-scanner",
			InformationURI: "https://github.com/openclaw-secure-stack/securestack",
			Rules:          make([]sarifRule, 0, len(ids)),
		}},
		Results: []sarifResult{},
	}
	for i, id := range ids {
		index[id] = i
		rule, ok := known[id]
		desc, sev := rule.Description, rule.Severity
		if !ok {
			desc, sev = "Custom rule "+id, SeverityMedium
		}
		props := map[string]any{"security-severity": securitySeverity[sev]}
		if rule.Category != "" {
			props["tags"] = []string{"security", rule.Category}
		}
		run.Tool.Driver.Rules = append(run.Tool.Driver.Rules, sarifRule{
			ID: id, ShortDescription: sarifMessage{Text: desc},
			DefaultConfiguration: sarifConfig{Level: sarifLevel(sev)}, Properties: props,
		})
	}
	for _, res := range r.Results {
		for _, f := range res.Findings {
			loc := sarifPhysical{ArtifactLocation: sarifArtifact{URI: artifactURI(res, f)}}
			if f.Line > 0 {
				loc.Region = &sarifRegion{StartLine: f.Line, StartColumn: f.Column}
				if f.Snippet != "" {
					loc.Region.Snippet = &sarifMessage{Text: f.Snippet}
				}
			}
			msg := f.Message
			if msg == "" {
				msg = f.RuleID
			}
			run.Results = append(run.Results, sarifResult{
				RuleID: f.RuleID, RuleIndex: index[f.RuleID], Level: sarifLevel(f.Severity),
				Message:    sarifMessage{Text: msg},
				Locations:  []sarifLocation{{PhysicalLocation: loc}},
				Properties: map[string]any{"skill": res.Skill, "verdict": res.Verdict, "severity": f.Severity, "sha256": res.SHA256},
			})
		}
	}
	enc := json.NewEncoder(w)
	enc.SetIndent("", "  ")
	return enc.Encode(sarifLog{
		Schema:  "https://json.schemastore.org/sarif-2.1.0.json",
		Version: "2.1.0",
		Runs:    []sarifRun{run},
	})
}

// artifactURI names a finding's file as a relative or file: URI reference.
// A single-file result's finding names the file itself.
func artifactURI(res Result, f Finding) string {
	p := filepath.ToSlash(res.Path)
	if f.File != "" && f.File != "." && path.Base(p) != f.File {
		p = path.Join(p, f.File)
	}
	if strings.HasPrefix(p, "/") {
		return "file://" + escapePath(p)
	}
	return escapePath(p)
}

// escapePath percent-encodes what a URI path may not hold, keeping '/'.
func escapePath(p string) string {
	var b strings.Builder
	for i := 0; i < len(p); i++ {
		c := p[i]
		if c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z' || c >= '0' && c <= '9' || strings.IndexByte("/-._~!$&'()*+,;=:@", c) >= 0 {
			b.WriteByte(c)
			continue
		}
		fmt.Fprintf(&b, "%%%02X", c)
	}
	return b.String()
}
