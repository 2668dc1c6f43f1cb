package scanner

import (
	"context"
)

// fileFacts is what analysing one file yields: its findings and the
// capabilities that the chain rules combine across a unit.
type fileFacts struct {
	rel      string
	findings []Finding
	caps     capSet
	// skillName is the front matter name when the file is a SKILL.md.
	skillName string
	depth     int
}

// analyzer holds the per-goroutine state (tree-sitter parsers are not safe
// for concurrent use).
type analyzer struct {
	s *Scanner
}

func (s *Scanner) newAnalyzer() *analyzer { return &analyzer{s: s} }

func (a *analyzer) close() {}

// analyzeFile runs every applicable analysis over one text file.
func (a *analyzer) analyzeFile(ctx context.Context, f file) fileFacts {
	facts := fileFacts{rel: f.rel}
	a.s.rules.matchText(f.rel, f.data, func(fd Finding) { facts.findings = append(facts.findings, fd) })
	return facts
}

// capSet is a set of capabilities seen in one file or code block.
type capSet uint32

// unitChains combines capabilities across the files of a unit.
func (s *Scanner) unitChains(files []fileFacts) []Finding { return nil }
