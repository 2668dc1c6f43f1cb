package scanner

// decide applies the verdict policy documented in doc.go.
func decide(fs []Finding) Verdict {
	v := Allow
	for _, f := range fs {
		switch r := severityRank(f.Severity); {
		case r >= severityRank(SeverityCritical):
			return Block
		case r >= severityRank(SeverityMedium):
			v = Warn
		}
	}
	return v
}
