package providerguard

import (
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/openclaw-secure-stack/securestack/caddyplugin/providerguard/toolpolicy"
	"github.com/openclaw-secure-stack/securestack/caddyplugin/providerguard/wire"
)

func TestZZTextCallsCorpus(t *testing.T) {
	roots := strings.Fields(os.Getenv("CORPUS"))
	if len(roots) == 0 {
		t.Skip()
	}
	j, _ := toolpolicy.Default().Compile()
	for _, root := range roots {
		var paras, cands, blocked int
		filepath.Walk(root, func(p string, info os.FileInfo, err error) error {
			if err != nil || info.IsDir() || !strings.HasSuffix(p, ".md") || info.Size() > 1<<20 {
				return nil
			}
			b, _ := os.ReadFile(p)
			for _, para := range strings.Split(string(b), "\n\n") {
				paras++
				calls := wire.TextCalls(para)
				if len(calls) == 0 {
					continue
				}
				cands++
				for _, c := range calls {
					if d := j.Decide(c); d.Block {
						blocked++
						fmt.Printf("BLOCK %s: %s %.120q %v\n", p, c.Name, c.Arguments, d.Rules)
					}
				}
			}
			return nil
		})
		fmt.Printf("%s: paragraphs %d, read as text calls %d, blocked %d\n", root, paras, cands, blocked)
	}
}
