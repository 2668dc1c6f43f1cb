package scanner

import (
	"path"
	"regexp"
	"strings"
)

// Security tooling quotes attacks: a prompt-injection detector lists
// injections, a pentest guide shows vulnerable code, a scanner's tests
// hold the payloads they must catch. In such a skill, what its reference
// documents and tests show is a sample of what it detects. It is reported
// as high, for the operator to see, rather than critical. SKILL.md itself,
// which the agent reads as its instructions, is judged as always; so are
// incomplete scans and threat-intelligence hits.

// securityToolRE is a skill's name or description that says it defends.
var securityToolRE = regexp.MustCompile(`(?i)\b(?:security|secure|injection|defen[cs]e|guard|detect\w*|scann?\w*|audit\w*|pentest\w*|penetration|vulnerab\w*|threat\w*|malware|exploit\w*|red[- ]team\w*|firewall|sanitiz\w*|protect\w*|hardening)\b`)

// quotedSamples lowers the critical findings in a security tool's
// reference documents and tests.
func quotedSamples(fs []Finding, files []fileFacts) {
	about := ""
	for _, f := range files {
		if f.skillAbout != "" && path.Base(f.rel) == skillManifest && (about == "" || f.depth == 0) {
			about = f.skillAbout
		}
	}
	if !securityToolRE.MatchString(about) {
		return
	}
	for i := range fs {
		f := &fs[i]
		if f.Severity != SeverityCritical || !sampleFile(f.File) || unquotable(f.RuleID) {
			continue
		}
		f.Severity = SeverityHigh
		f.Message += " (in a security tool's reference or test, a sample of what it detects)"
	}
}

// sampleFile reports a documentation file other than SKILL.md, or a test.
func sampleFile(rel string) bool {
	base := strings.ToLower(path.Base(rel))
	if docFile(rel) {
		return base != strings.ToLower(skillManifest)
	}
	for _, seg := range strings.Split(strings.ToLower(path.Dir(rel)), "/") {
		switch seg {
		case "test", "tests", "__tests__", "spec", "specs", "fixtures", "testdata", "samples":
			return true
		}
	}
	name := strings.TrimSuffix(base, path.Ext(base))
	return strings.HasPrefix(name, "test_") || strings.HasSuffix(name, "_test") || strings.HasSuffix(name, ".test") || strings.HasSuffix(name, ".spec")
}

// unquotable rules say the scan was incomplete, or name a known-bad
// indicator: no framing changes them.
func unquotable(rule string) bool {
	return strings.HasPrefix(rule, "INPUT_") || strings.HasPrefix(rule, "ARCHIVE_") || strings.HasPrefix(rule, "INTEL_")
}
