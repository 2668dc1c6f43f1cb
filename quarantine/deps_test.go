package quarantine

import (
	"os/exec"
	"strings"
	"testing"
)

// The store handles scanner results as plain data: it must build without
// cgo and without linking the scanner or tree-sitter, so that tools that
// only read the store stay small and portable.
func TestNoScannerDependency(t *testing.T) {
	cmd := exec.Command("go", "list", "-deps", ".")
	cmd.Env = append(cmd.Environ(), "CGO_ENABLED=0")
	out, err := cmd.CombinedOutput()
	if err != nil {
		t.Fatalf("go list -deps with CGO_ENABLED=0: %v\n%s", err, out)
	}
	for _, dep := range strings.Fields(string(out)) {
		if dep == "github.com/openclaw-secure-stack/securestack/scanner" || strings.Contains(dep, "go-tree-sitter") {
			t.Errorf("quarantine depends on %s", dep)
		}
	}
}
