package pdfsniff

import (
	"strings"
	"testing"
)

// The cases were checked against clawpdf 0.3.2 (docs/REDTEAM.md, the lead's
// attachment review).
func TestOpens(t *testing.T) {
	for _, c := range []struct {
		b    string
		want bool
	}{
		{"%PDF-1.4\n1 0 obj", true},
		{"%PDFx1.4\n1 0 obj", true},
		{"%PDF\n1 0 obj", true},
		{strings.Repeat("A", 1024) + "%PDF\n", true},
		{strings.Repeat("A", 1025) + "%PDF-1.4\n", false},
		{"%pdf-1.4\n", false},
		{"A PDF opens with a header.", false},
		{"", false},
	} {
		if got := Opens([]byte(c.b)); got != c.want {
			t.Errorf("Opens(%.30q…) = %v, want %v", c.b, got, c.want)
		}
	}
}
