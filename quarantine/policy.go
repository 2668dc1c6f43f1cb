package quarantine

import (
	"bytes"
	"context"
	"database/sql"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"path/filepath"
	"sort"
	"strings"
	"unicode/utf16"
	"unicode/utf8"

	"github.com/openclaw-secure-stack/securestack/auditlog"
)

// OpenClaw's installPolicy protocol (security.installPolicy in OpenClaw's
// docs/tools/skills-config.md): OpenClaw stages an install, runs the policy
// command with one JSON request on stdin and reads one JSON reply from
// stdout. A non-zero exit, a timeout, invalid JSON, or a missing or invalid
// field blocks the install.

// Protocol limits, from OpenClaw's install-policy implementation.
const (
	PolicyProtocolVersion = 1
	MaxPolicyRequestBytes = 256 << 10 // OpenClaw refuses to send more
	MaxPolicyTextChars    = 1000      // reason and finding texts, in UTF-16 code units
	MaxPolicyFindings     = 100
)

// PolicyRequest is the request OpenClaw writes on the policy command's
// stdin. Fields this package does not use are kept as raw JSON.
type PolicyRequest struct {
	ProtocolVersion int             `json:"protocolVersion"`
	OpenClawVersion string          `json:"openclawVersion"`
	TargetName      string          `json:"targetName"`
	TargetType      string          `json:"targetType"` // "skill" or "plugin"
	SourcePath      string          `json:"sourcePath"`
	SourcePathKind  string          `json:"sourcePathKind"` // "directory" or "file"
	Source          json.RawMessage `json:"source,omitempty"`
	Origin          json.RawMessage `json:"origin,omitempty"`
	Request         json.RawMessage `json:"request,omitempty"`
}

// ParsePolicyRequest reads and checks one request. It refuses anything it
// is not sure about: more than MaxPolicyRequestBytes, invalid UTF-8, not
// exactly one JSON object, duplicate keys, another protocol version, or a
// sourcePath that is not an absolute, clean path.
func ParsePolicyRequest(r io.Reader) (*PolicyRequest, error) {
	data, err := io.ReadAll(io.LimitReader(r, MaxPolicyRequestBytes+1))
	if err != nil {
		return nil, fmt.Errorf("reading the policy request: %w", err)
	}
	if len(data) > MaxPolicyRequestBytes {
		return nil, fmt.Errorf("policy request is larger than %d bytes", MaxPolicyRequestBytes)
	}
	if !utf8.Valid(data) {
		return nil, errors.New("policy request is not valid UTF-8")
	}
	if err := checkJSONObject(data); err != nil {
		return nil, fmt.Errorf("policy request: %w", err)
	}
	var req PolicyRequest
	if err := json.Unmarshal(data, &req); err != nil {
		return nil, fmt.Errorf("policy request: %w", err)
	}
	if req.ProtocolVersion != PolicyProtocolVersion {
		return nil, fmt.Errorf("policy request has protocolVersion %d; this program speaks version %d", req.ProtocolVersion, PolicyProtocolVersion)
	}
	if req.SourcePath == "" {
		return nil, errors.New("policy request has no sourcePath")
	}
	if !filepath.IsAbs(req.SourcePath) || filepath.Clean(req.SourcePath) != req.SourcePath || strings.ContainsRune(req.SourcePath, 0) {
		return nil, fmt.Errorf("policy request sourcePath %q is not an absolute, clean path", req.SourcePath)
	}
	switch req.SourcePathKind {
	case "directory", "file":
	default:
		return nil, fmt.Errorf("policy request sourcePathKind %q is not directory or file", req.SourcePathKind)
	}
	return &req, nil
}

// checkJSONObject accepts exactly one JSON object without duplicate keys at
// any depth: with duplicates, two parsers can read different requests.
func checkJSONObject(data []byte) error {
	dec := json.NewDecoder(bytes.NewReader(data))
	dec.UseNumber()
	tok, err := dec.Token()
	if err != nil {
		return err
	}
	if tok != json.Delim('{') {
		return errors.New("not a JSON object")
	}
	if err := checkObject(dec); err != nil {
		return err
	}
	if _, err := dec.Token(); err != io.EOF {
		return errors.New("data after the JSON object")
	}
	return nil
}

// checkObject reads the rest of an object whose '{' was read.
func checkObject(dec *json.Decoder) error {
	seen := map[string]bool{}
	for dec.More() {
		tok, err := dec.Token()
		if err != nil {
			return err
		}
		key := tok.(string) // the decoder only yields strings as keys
		if seen[key] {
			return fmt.Errorf("duplicate key %q", key)
		}
		seen[key] = true
		if err := checkValue(dec); err != nil {
			return err
		}
	}
	_, err := dec.Token() // '}'
	return err
}

func checkValue(dec *json.Decoder) error {
	tok, err := dec.Token()
	if err != nil {
		return err
	}
	switch tok {
	case json.Delim('{'):
		return checkObject(dec)
	case json.Delim('['):
		for dec.More() {
			if err := checkValue(dec); err != nil {
				return err
			}
		}
		_, err := dec.Token() // ']'
		return err
	}
	return nil
}

// PolicyFinding is a finding in OpenClaw's shape.
type PolicyFinding struct {
	RuleID   string `json:"ruleId"`
	Severity string `json:"severity"` // "info", "warn" or "critical"
	Message  string `json:"message"`
	File     string `json:"file,omitempty"`
	Line     int    `json:"line,omitempty"`
	Evidence string `json:"evidence,omitempty"`
}

// PolicyResponse is the reply written on stdout.
type PolicyResponse struct {
	ProtocolVersion int             `json:"protocolVersion"`
	Decision        string          `json:"decision"` // "allow", "warn" or "block"
	Reason          string          `json:"reason,omitempty"`
	Findings        []PolicyFinding `json:"findings"`
}

// PolicyError is the reply for a request that could not be decided: a
// block that says why.
func PolicyError(err error) PolicyResponse {
	return PolicyResponse{ProtocolVersion: PolicyProtocolVersion, Decision: "block",
		Reason:   capText("quarantine policy failed closed: " + err.Error()),
		Findings: []PolicyFinding{}}
}

// Decide turns the scan of a staged install into a reply. The decision is
// the worst verdict of the results, except that a block result whose hash
// has an override (overridden reports it) counts as allowed: the operator
// accepted exactly that content. No results at all is a block, since
// nothing was inspected. Findings are mapped to OpenClaw's severities
// (critical and high to critical, medium and low to warn, info to info),
// most severe first, and capped at MaxPolicyFindings; texts are capped at
// MaxPolicyTextChars.
func Decide(target string, results []ScanResult, overridden func(sha256 string) (bool, error)) (PolicyResponse, error) {
	resp := PolicyResponse{ProtocolVersion: PolicyProtocolVersion, Decision: "allow", Findings: []PolicyFinding{}}
	if len(results) == 0 {
		resp.Decision, resp.Reason = "block", capText(fmt.Sprintf("quarantine: nothing to scan in the staged %s", target))
		return resp, nil
	}
	var blocked, warned, accepted int
	var findings []Finding
	for _, r := range results {
		findings = append(findings, r.Findings...)
		switch r.Verdict {
		case Block:
			ok, err := overridden(r.SHA256)
			if err != nil {
				return PolicyResponse{}, err
			}
			if ok && r.SHA256 != "" {
				accepted++
			} else {
				blocked++
			}
		case Warn:
			warned++
		case Allow:
		default:
			return PolicyResponse{}, fmt.Errorf("scan result for %s has verdict %q", r.Path, r.Verdict)
		}
	}
	sort.SliceStable(findings, func(i, j int) bool { return severityRank(findings[i].Severity) > severityRank(findings[j].Severity) })
	for i, f := range findings {
		if i == MaxPolicyFindings {
			break
		}
		resp.Findings = append(resp.Findings, policyFinding(f))
	}
	summary := fmt.Sprintf("%d finding(s)", len(findings))
	if len(findings) > 0 {
		top := findings[0]
		summary += fmt.Sprintf("; most severe: [%s] %s: %s", strings.ToUpper(top.Severity), top.RuleID, top.Message)
	}
	switch {
	case blocked > 0:
		resp.Decision = "block"
		resp.Reason = fmt.Sprintf("quarantine: the scanner blocks %s: %s. An operator can accept exactly this content with `quarantine override`", target, summary)
	case warned > 0:
		resp.Decision = "warn"
		resp.Reason = fmt.Sprintf("quarantine: the scanner warns about %s: %s", target, summary)
		fitWarning(&resp)
	case accepted > 0:
		resp.Reason = fmt.Sprintf("quarantine: %s is blocked by the scanner but an operator override accepts this exact content: %s", target, summary)
	}
	resp.Reason = capText(resp.Reason)
	return resp, nil
}

func policyFinding(f Finding) PolicyFinding {
	sev := "warn"
	switch severityRank(f.Severity) {
	case 0:
		sev = "info"
	case 3, 4:
		sev = "critical"
	}
	// OpenClaw drops a finding whose ruleId or message is blank.
	rule := f.RuleID
	if strings.TrimSpace(rule) == "" {
		rule = "UNKNOWN"
	}
	msg := f.Message
	if strings.TrimSpace(msg) == "" {
		msg = rule
	}
	p := PolicyFinding{RuleID: capText(rule), Severity: sev, Message: capText(msg),
		File: capText(f.File), Evidence: capText(strings.TrimSpace(f.Snippet))}
	if f.Line > 0 {
		p.Line = f.Line
	}
	return p
}

// warnNoticeBudget is the room for the reason and findings of a warn reply.
// OpenClaw renders a warning as one notice, adds its title, target and
// about 450 characters of guidance, and fails closed (no acknowledgement
// possible) when the notice passes 4,000 characters.
const warnNoticeBudget = 3200

// fitWarning drops evidence from a warn reply, shortens messages, and keeps
// the most severe findings that fit warnNoticeBudget, saying in the reason
// how many were left out.
func fitWarning(resp *PolicyResponse) {
	resp.Reason = capTo(resp.Reason, 800)
	used := utf16Len(resp.Reason) + len("  Reason: \n  Findings:\n")
	kept := resp.Findings[:0]
	omitted := 0
	for _, f := range resp.Findings {
		f.Evidence = ""
		f.Message = capTo(f.Message, 300)
		// "    • [WARN] RULE: message (file:line)\n", with room for a 16-digit line
		n := 40 + utf16Len(f.RuleID) + utf16Len(f.Message) + utf16Len(f.File)
		if omitted > 0 || used+n > warnNoticeBudget {
			omitted++
			continue
		}
		used += n
		kept = append(kept, f)
	}
	resp.Findings = kept
	if omitted > 0 {
		resp.Reason += fmt.Sprintf(" (%d more finding(s) not shown; run `quarantine scan` on the source to see all)", omitted)
	}
}

// severityRank orders the scanner's severities; an unknown one ranks as
// critical, so a surprise can only make the decision stricter.
func severityRank(s string) int {
	switch s {
	case "info":
		return 0
	case "low":
		return 1
	case "medium":
		return 2
	case "high":
		return 3
	}
	return 4
}

// capText cuts s to MaxPolicyTextChars UTF-16 code units (OpenClaw counts
// JavaScript string length), ending in "..." when cut.
func capText(s string) string { return capTo(s, MaxPolicyTextChars) }

func capTo(s string, max int) string {
	if utf16Len(s) <= max {
		return s
	}
	n := 0
	for i, r := range s {
		n += utf16.RuneLen(r)
		if n > max-3 {
			return s[:i] + "..."
		}
	}
	return s
}

func utf16Len(s string) int {
	n := 0
	for _, r := range s {
		n += utf16.RuneLen(r)
	}
	return n
}

// RecordPolicy writes a policy decision to the events table (and so the
// audit log).
func (s *Store) RecordPolicy(ctx context.Context, req *PolicyRequest, results []ScanResult, resp PolicyResponse) error {
	var findings []Finding
	shas := []string{}
	for _, r := range results {
		findings = append(findings, r.Findings...)
		shas = append(shas, r.SHA256)
	}
	outcome := map[string]auditlog.Outcome{"allow": auditlog.OutcomeAllowed, "warn": auditlog.OutcomeWarned, "block": auditlog.OutcomeBlocked}[resp.Decision]
	err := s.write(ctx, func(tx *sql.Tx) error {
		return s.event(ctx, tx, 0, req.TargetName, "quarantine.policy", outcome, ruleIDs(findings), map[string]any{
			"target_type": req.TargetType, "source_path": req.SourcePath, "openclaw_version": req.OpenClawVersion,
			"sha256": shas, "decision": resp.Decision, "reason": resp.Reason})
	})
	if err != nil {
		return err
	}
	return s.flushAudit(ctx)
}
