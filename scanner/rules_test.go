package scanner

import (
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"testing"
)

func TestDefaultRulesDescribeEveryBuiltInRule(t *testing.T) {
	rules := DefaultRules()
	byID := map[string]Rule{}
	for _, r := range rules {
		if _, dup := byID[r.ID]; dup {
			t.Errorf("rule %s is listed twice", r.ID)
		}
		byID[r.ID] = r
		if r.Description == "" || !validSeverity(r.Severity) {
			t.Errorf("rule %s lacks a description or a valid severity: %+v", r.ID, r)
		}
	}
	src, err := os.ReadFile("ruleids.go")
	if err != nil {
		t.Fatal(err)
	}
	for _, line := range strings.Split(string(src), "\n") {
		_, val, ok := strings.Cut(line, "= \"")
		if !ok {
			continue
		}
		id := strings.TrimSuffix(strings.TrimSpace(val), "\"")
		if _, ok := byID[id]; !ok {
			t.Errorf("built-in rule %s has no entry in rules.json", id)
		}
	}
}

func TestLoadRulesReadsTheOriginalStackFormat(t *testing.T) {
	rules, err := LoadRules(filepath.Join("testdata", "rules", "original-scanner-rules.json"))
	if err != nil {
		t.Fatal(err)
	}
	if len(rules) != 2 || rules[1].ID != "FS_DELETE" || rules[1].Patterns[1] != "rmSync" || rules[1].Name == "" {
		t.Fatalf("rules %+v", rules)
	}
	s := newScanner(t, Options{Rules: rules})
	dir := writeSkill(t, map[string]string{"SKILL.md": sampleHeader, "clean.js": "const fs = require('fs');\nfs.rmSync('out', {force: true});\n"})
	r := scanOne(t, s, dir)
	f, ok := findRule(r, "FS_DELETE")
	if !ok || f.Severity != SeverityHigh || f.Line != 2 || f.File != "clean.js" {
		t.Errorf("custom pattern rule: %+v in\n%s", f, dump(r.Findings))
	}
}

func TestRulesOverrideSeverityAndDisable(t *testing.T) {
	dir := writeSkill(t, map[string]string{"SKILL.md": sampleHeader + "\n```bash\nbrew install x\nxattr -d com.apple.quarantine /Applications/X.app\n```\n"})
	tests := []struct {
		name    string
		rule    Rule
		verdict Verdict
		present bool
	}{
		{"a raised severity blocks", Rule{ID: RuleQuarantineBypass, Severity: SeverityCritical, Regex: []string{`xattr`}}, Block, true},
		{"a disabled rule disappears", Rule{ID: RuleQuarantineBypass, Severity: SeverityHigh, Disabled: true}, Allow, false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			r := scanOne(t, newScanner(t, Options{Rules: []Rule{tt.rule}}), dir)
			_, ok := findRule(r, RuleQuarantineBypass)
			if r.Verdict != tt.verdict || ok != tt.present {
				t.Errorf("verdict %s, finding present %v; want %s, %v\n%s", r.Verdict, ok, tt.verdict, tt.present, dump(r.Findings))
			}
		})
	}
}

// An operator's severity for a built-in rule also replaces the severity the
// scanner sets from context: an unchecked parameter in SQL is critical by
// default, and an operator who calls SQL_INJECTION medium gets medium.
func TestRulesOverrideContextualSeverity(t *testing.T) {
	dir := writeSkill(t, map[string]string{"SKILL.md": sampleHeader,
		"q.py": "def find(name):\n    cur.execute(f\"SELECT * FROM users WHERE name = '{name}'\")\n"})
	r := scanOne(t, newScanner(t, Options{}), dir)
	if f, ok := findRule(r, RuleSQLInjection); !ok || f.Severity != SeverityCritical || r.Verdict != Block {
		t.Fatalf("default: verdict %s, want block with a critical SQL_INJECTION\n%s", r.Verdict, dump(r.Findings))
	}
	r = scanOne(t, newScanner(t, Options{Rules: []Rule{{ID: RuleSQLInjection, Severity: SeverityMedium}}}), dir)
	if f, ok := findRule(r, RuleSQLInjection); !ok || f.Severity != SeverityMedium || r.Verdict != Warn {
		t.Errorf("overridden: verdict %s, want warn with a medium SQL_INJECTION\n%s", r.Verdict, dump(r.Findings))
	}
}

func TestBadRulesAreRejectedWithTheirName(t *testing.T) {
	tests := []struct{ name, json, want string }{
		{"not JSON", `{`, "want a JSON array"},
		{"no id", `[{"severity":"low"}]`, "rule 1 has no id"},
		{"unknown severity", `[{"id":"X","severity":"severe"}]`, `rule X: severity "severe"`},
		{"bad glob", `[{"id":"X","severity":"low","files":["["]}]`, "bad files pattern"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			p := filepath.Join(t.TempDir(), "rules.json")
			if err := os.WriteFile(p, []byte(tt.json), 0o644); err != nil {
				t.Fatal(err)
			}
			_, err := LoadRules(p)
			if err == nil || !strings.Contains(err.Error(), tt.want) || !strings.Contains(err.Error(), p) {
				t.Errorf("error %v, want one naming %s and saying %q", err, p, tt.want)
			}
		})
	}
	if _, err := New(Options{Rules: []Rule{{ID: "X", Severity: SeverityLow, Regex: []string{"("}}}}); err == nil || !strings.Contains(err.Error(), "rule X") {
		t.Errorf("a regex that does not compile: error %v", err)
	}
}

func TestRequiredLiteralFindsAnAnchor(t *testing.T) {
	tests := []struct {
		re, lit string
		fold    bool
	}{
		{`xattr\s+-d`, "xattr", false},
		{`(?i)display dialog.*password`, "display dialog", true},
		{`a|b`, "", false},
		{`eval\(function\(p,a,c,k,e,[rd]\)`, "eval(function(p,a,c,k,e,", false},
	}
	for _, tt := range tests {
		if lit, fold := anchor(tt.re); lit != tt.lit || fold != tt.fold {
			t.Errorf("anchor of %q = %q (fold %v), want %q (fold %v)", tt.re, lit, fold, tt.lit, tt.fold)
		}
	}
}

func TestCredentialTargetsContainTheirAnchor(t *testing.T) {
	samples := []string{"~/.ssh/id_rsa", "$HOME/.aws/credentials", "~/.openclaw/openclaw.json", "~/.clawdbot/.env",
		"agents/main/auth-profiles.json", "~/.env", "Library/Application Support/Google/Chrome", "~/.config/google-chrome",
		"Default/Login Data", "Chrome/Local State", "Cookies.binarycookies", "~/.mozilla/firefox", "logins.json", "key4.db",
		"BraveSoftware", "~/Library/Keychains/login.keychain-db", "security find-generic-password -s x", "wallet.dat",
		"Exodus/exodus.wallet", ".config/solana/id.json", "~/.ethereum/keystore", "nkbihfbeogaeaoehlefnkodbefgpgknn",
		"~/.kube/config", "~/.docker/config.json", "~/.config/gcloud", "~/.azure", "~/.git-credentials", "~/.netrc",
		"~/.zsh_history", "/etc/shadow", "Telegram Desktop/tdata"}
	for _, s := range samples {
		if _, ok := findCred([]byte("x = '" + s + "'\n")); !ok {
			t.Errorf("%q is not recognised as a secret store", s)
		}
	}
	for _, s := range []string{"const chrome = require('chrome-launcher')", "wallet balance", "ssh user@host", "README.env.md"} {
		if h, ok := findCred([]byte(s)); ok {
			t.Errorf("%q taken for %s", s, h.what)
		}
	}
}

// docs/scanner-rules.md is generated from rules.json; a rule added,
// renamed or re-rated there without go generate fails here.
func TestRuleCatalogueIsGenerated(t *testing.T) {
	var b strings.Builder
	if err := WriteRuleCatalogue(&b, DefaultRules()); err != nil {
		t.Fatal(err)
	}
	have, err := os.ReadFile(filepath.Join("..", "docs", "scanner-rules.md"))
	if err != nil {
		t.Fatal(err)
	}
	if string(have) != b.String() {
		t.Error("docs/scanner-rules.md is stale: run go generate ./scanner")
	}
}

// Every rule the package documentation names exists in rules.json, so the
// prose cannot describe a rule that is gone or misspelt.
func TestPackageDocNamesOnlyRealRules(t *testing.T) {
	ids := map[string]bool{}
	prefixes := map[string]bool{}
	for _, r := range DefaultRules() {
		ids[r.ID] = true
		prefixes[r.ID[:strings.IndexByte(r.ID, '_')+1]] = true
	}
	doc, err := os.ReadFile("doc.go")
	if err != nil {
		t.Fatal(err)
	}
	named := 0
	for _, tok := range regexp.MustCompile(`\b[A-Z][A-Z0-9]*(?:_[A-Z0-9]+)+\b`).FindAllString(string(doc), -1) {
		if !prefixes[tok[:strings.IndexByte(tok, '_')+1]] {
			continue // OPENAI_API_KEY and the like
		}
		named++
		if !ids[tok] {
			t.Errorf("doc.go names %s, which rules.json does not define", tok)
		}
	}
	if named < 20 {
		t.Errorf("doc.go names only %d rules", named)
	}
}

// Every built-in rule has an emitter: a constant in ruleids.go that some
// analysis reports, or text patterns in rules.json. A rule that nothing
// reports is a catalogue entry without a detection.
func TestEveryRuleIsReported(t *testing.T) {
	consts := map[string]string{} // id -> constant name
	src, err := os.ReadFile("ruleids.go")
	if err != nil {
		t.Fatal(err)
	}
	for _, m := range regexp.MustCompile(`(?m)^\s*(Rule\w+)\s*=\s*"([A-Z0-9_]+)"`).FindAllStringSubmatch(string(src), -1) {
		consts[m[2]] = m[1]
	}
	code := ""
	files, _ := filepath.Glob("*.go")
	for _, f := range files {
		if strings.HasSuffix(f, "_test.go") || f == "ruleids.go" {
			continue
		}
		b, err := os.ReadFile(f)
		if err != nil {
			t.Fatal(err)
		}
		code += string(b)
	}
	for _, r := range DefaultRules() {
		if len(r.Regex)+len(r.Patterns) > 0 {
			continue
		}
		c, ok := consts[r.ID]
		if !ok {
			t.Errorf("rule %s has no constant in ruleids.go", r.ID)
			continue
		}
		if !strings.Contains(code, c) {
			t.Errorf("rule %s (%s) is never reported", r.ID, c)
		}
	}
}
