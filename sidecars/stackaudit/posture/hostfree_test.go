package posture

import (
	"os/exec"
	"strings"
	"testing"
)

// TestHostFree: the checks never import Caddy or CoreDNS (the command passes
// their parsers in), nor the cgo scanner (it passes a SkillJudge in).
func TestHostFree(t *testing.T) {
	out, err := exec.Command("go", "list", "-deps", ".").CombinedOutput()
	if err != nil {
		t.Fatalf("go list -deps: %v\n%s", err, out)
	}
	for _, d := range strings.Fields(string(out)) {
		for _, bad := range []string{"github.com/caddyserver/", "github.com/coredns/", "github.com/openclaw-secure-stack/securestack/scanner", "github.com/smacker/go-tree-sitter"} {
			if strings.HasPrefix(d, bad) && d != "github.com/openclaw-secure-stack/securestack/scanner/result" {
				t.Errorf("posture depends on %s", d)
			}
		}
	}
}
