package scanner_test

import (
	"context"
	"fmt"
	"os"
	"strings"

	"github.com/openclaw-secure-stack/securestack/scanner"
	"github.com/openclaw-secure-stack/securestack/scanner/intel"
)

// Scan skills and write a report; the verdict decides what happens to
// each.
func ExampleScanner_Scan() {
	s, err := scanner.New(scanner.Options{})
	if err != nil {
		fmt.Println(err)
		return
	}
	rep, err := s.Scan(context.Background(), "testdata/skills/benign-notes", "testdata/skills/mal-base64-pipe")
	if err != nil {
		fmt.Println(err)
		return
	}
	for _, r := range rep.Results {
		fmt.Println(r.Skill, r.Verdict)
	}
	// Output:
	// benign-notes allow
	// mal-base64-pipe block
}

// Scan with a threat-intelligence feed: a skill whose ClawHub publisher
// the feed lists is blocked, whatever its content, by a finding that
// names the report.
func ExampleOptions_intel() {
	feed, err := intel.Parse(strings.NewReader("publisher bad-actor 2026-02-04 https://reports.example.invalid/4\n"), "feed.intel")
	if err != nil {
		fmt.Println(err) // a malformed line names the file and line
		return
	}
	dir, _ := os.MkdirTemp("", "intel-example")
	defer os.RemoveAll(dir)
	os.WriteFile(dir+"/SKILL.md", []byte("---\nname: clean\ndescription: a clean skill\n---\n# Clean\n"), 0o644)
	os.WriteFile(dir+"/_meta.json", []byte(`{"owner": "bad-actor", "slug": "clean"}`), 0o644)

	s, _ := scanner.New(scanner.Options{Intel: feed})
	rep, _ := s.Scan(context.Background(), dir)
	for _, f := range rep.Results[0].Findings {
		fmt.Println(rep.Results[0].Verdict, f.RuleID, f.Severity, strings.Contains(f.Message, "reports.example.invalid/4"))
	}
	// Output: block INTEL_INDICATOR critical true
}
