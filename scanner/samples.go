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
//
// Two things are never samples, whatever the skill says it is. A file
// that SKILL.md or another document tells the agent to run ("sh
// tests/audit.sh") is a program the agent runs, not a quoted payload.
// And instructions addressed to the agent (SKILL_AGENT_DIRECTIVE), to
// send secrets away (SKILL_EXFIL_INSTRUCTION) or to collect every
// credential (SKILL_CREDENTIAL_SWEEP) are orders to whoever reads the
// file: a detector's catalogue shows attack phrases and payloads, and
// those stay samples; it does not need to address the agent that reads
// it. Otherwise "security audit" in a description would be a key that
// turns any reference file's orders into a warning.

// securityToolRE is a skill's name or description that says it defends.
var securityToolRE = regexp.MustCompile(`(?i)\b(?:security|secure|injection|defen[cs]e|guard|detect\w*|scann?\w*|audit\w*|pentest\w*|penetration|vulnerab\w*|threat\w*|malware|exploit\w*|red[- ]team\w*|firewall|sanitiz\w*|protect\w*|hardening)\b`)

// quotedSamples lowers the critical findings in a security tool's
// reference documents and tests.
func quotedSamples(fs []Finding, files []fileFacts) {
	about := ""
	run := map[string]bool{}
	for _, f := range files {
		if f.skillAbout != "" && path.Base(f.rel) == skillManifest && (about == "" || f.depth == 0) {
			about = f.skillAbout
		}
		for _, r := range f.runs {
			run[r] = true
		}
	}
	if !securityToolRE.MatchString(about) {
		return
	}
	for i := range fs {
		f := &fs[i]
		if f.Severity != SeverityCritical || !sampleFile(f.File) || unquotable(f.RuleID) || run[f.File] {
			continue
		}
		f.Severity = SeverityHigh
		f.Message += " (in a security tool's reference or test, a sample of what it detects)"
	}
}

// runRE is a command that runs a file of the skill: an interpreter, a run
// verb or ./ before a relative path with an extension ("sh tests/audit.sh",
// "python3 {baseDir}/tests/check.py", "Run ./scripts/x.sh", "execute the
// script tests/a.sh"). A directory ("pytest tests/") is where a test
// runner looks, not one file the agent runs.
var runRE = regexp.MustCompile(`(?i)(?:\b(?:sh|bash|zsh|dash|ksh|fish|python[0-9.]*|py|node|nodejs|deno(?:\s+run)?|bun(?:\s+run)?|tsx|ts-node|ruby|perl|php|pwsh|powershell|osascript|source|exec|run|runs|execute|launch|invoke)\s+(?:the\s+(?:script|file|program|helper|tool)\s+)?(?:-[\w-]+\s+)*|(?:^|[\s\x60"'(])\.\s+|(?:^|[\s\x60"'(])(?:\./))[\x60"']?((?:\{baseDir\}/|\$\{?\w+\}?/|\./)?[\w.-]+(?:/[\w.-]+)*\.(?:sh|bash|zsh|py|js|mjs|cjs|ts|rb|pl|php|ps1|command|applescript|scpt))\b`)

// runTargets are the skill's files that the document at rel tells the
// agent to run, relative to the skill and to the document's directory.
func runTargets(rel string, doc []byte) []string {
	var out []string
	dir := path.Dir(rel)
	for _, m := range runRE.FindAllSubmatch(doc, -1) {
		p := string(m[1])
		if i := strings.IndexByte(p, '/'); i >= 0 && (strings.HasPrefix(p, "{") || strings.HasPrefix(p, "$")) {
			p = p[i+1:]
		}
		p = path.Clean(p)
		if strings.HasPrefix(p, "../") || path.IsAbs(p) {
			continue
		}
		out = append(out, p)
		if dir != "." {
			out = append(out, path.Join(dir, p))
		}
	}
	return out
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

// unquotable rules say the scan was incomplete, name a known-bad
// indicator, or are orders to the agent that reads the file: no framing
// changes them.
func unquotable(rule string) bool {
	switch rule {
	case RuleSkillAgentDirective, RuleSkillExfil, RuleSkillCredSweep:
		return true
	}
	return strings.HasPrefix(rule, "INPUT_") || strings.HasPrefix(rule, "ARCHIVE_") || strings.HasPrefix(rule, "INTEL_")
}
