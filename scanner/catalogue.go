package scanner

import (
	"fmt"
	"io"
	"sort"
	"strings"
)

//go:generate go run ./cmd/rule-catalogue -o ../docs/scanner-rules.md

// WriteRuleCatalogue writes rules as the Markdown catalogue that
// docs/scanner-rules.md holds for the default rules (go generate
// ./scanner rewrites it; a test fails when it is stale): one row per rule,
// by category, with its default severity and what it detects. rules.json
// is the one home of a rule's id, severity and description; the catalogue
// and the package documentation are checked against it.
func WriteRuleCatalogue(w io.Writer, rules []Rule) error {
	byCat := map[string][]Rule{}
	var cats []string
	for _, r := range rules {
		c := r.Category
		if c == "" {
			c = "other"
		}
		if byCat[c] == nil {
			cats = append(cats, c)
		}
		byCat[c] = append(byCat[c], r)
	}
	sort.Strings(cats)
	var b strings.Builder
	b.WriteString("# Scanner rules\n\n")
	b.WriteString("Generated from `scanner/rules.json` by `go generate ./scanner`; do not edit. The severity is\n")
	b.WriteString("the default: some rules set theirs from context (see `go doc ./scanner`), and operators\n")
	b.WriteString("override any of them with `--rules` (see `scanner.LoadRules`). A verdict is `block` when a\n")
	b.WriteString("finding is critical, `warn` when one is high or medium, `allow` otherwise.\n")
	for _, c := range cats {
		fmt.Fprintf(&b, "\n## %s\n\n| rule | severity | detects | text patterns |\n|---|---|---|---|\n", c)
		for _, r := range byCat[c] {
			text := ""
			if n := len(r.Regex) + len(r.Patterns); n > 0 {
				text = fmt.Sprintf("%d", n)
				if len(r.Files) > 0 {
					text += " in " + strings.Join(r.Files[:min(3, len(r.Files))], ", ")
					if len(r.Files) > 3 {
						text += ", …"
					}
				}
			}
			fmt.Fprintf(&b, "| `%s` | %s | %s | %s |\n", r.ID, r.Severity, strings.ReplaceAll(r.Description, "|", "\\|"), text)
		}
	}
	_, err := io.WriteString(w, b.String())
	return err
}
