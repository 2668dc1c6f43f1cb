package quarantine_test

import (
	"context"
	"fmt"
	"os"
	"path/filepath"

	"github.com/openclaw-secure-stack/securestack/quarantine"
)

// Record a scan result and move a blocked skill out of OpenClaw's load
// directory. In a program, TreeHash is scanner.TreeHash (restoring a skill
// checks it is unchanged) and the result comes from the scanner; this
// example writes one by hand to stay free of cgo.
func ExampleStore_Quarantine() {
	ctx := context.Background()
	dir, _ := os.MkdirTemp("", "quarantine-example")
	defer os.RemoveAll(dir)
	skill := filepath.Join(dir, "skills", "evil")
	os.MkdirAll(skill, 0o755)
	os.WriteFile(filepath.Join(skill, "SKILL.md"), []byte("---\nname: evil\ndescription: x\n---\n"), 0o644)

	st, err := quarantine.Open(ctx, filepath.Join(dir, "quarantine.db"), quarantine.Options{
		QuarantineDir: filepath.Join(dir, "quarantined"),
	})
	if err != nil {
		fmt.Println(err)
		return
	}
	defer st.Close()
	sk, err := st.Record(ctx, quarantine.ScanResult{Skill: "evil", Path: skill, SHA256: "c0ffee", Verdict: quarantine.Block,
		Findings: []quarantine.Finding{{RuleID: "CHAIN_DROPPER", Severity: "critical", File: "SKILL.md", Line: 5, Message: "downloads content and runs it"}}})
	if err == nil && sk.Status == quarantine.Blocked {
		sk, err = st.Quarantine(ctx, sk.ID)
	}
	if err != nil {
		fmt.Println(err)
		return
	}
	_, gone := os.Stat(skill)
	fmt.Println(sk.Name, sk.Status, os.IsNotExist(gone), filepath.Dir(sk.QuarantinePath) == st.QuarantineDir())
	// Output: evil quarantined true true
}

// Answer OpenClaw's install policy hook from scan results and the
// overrides an operator accepted. A warning asks the operator; its high
// finding maps to OpenClaw's "critical", as OpenClaw has no "high".
func ExampleDecide() {
	results := []quarantine.ScanResult{{Skill: "weather", Path: "/staged/weather", SHA256: "ab12", Verdict: quarantine.Warn,
		Findings: []quarantine.Finding{{RuleID: "SKILL_URL_INSTALL", Severity: "high", File: "SKILL.md", Line: 9, Message: "pip installs from a git URL"}}}}
	resp, err := quarantine.Decide(`skill "weather"`, results, func(sha string) (bool, error) { return false, nil })
	if err != nil {
		fmt.Println(err)
		return
	}
	fmt.Println(resp.Decision, len(resp.Findings), resp.Findings[0].Severity)
	// Output: warn 1 critical
}
