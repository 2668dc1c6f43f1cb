package main

import (
	"encoding/json"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"

	"github.com/openclaw-secure-stack/securestack/internal/testbin"
)

// BenchmarkPolicyCommand is one installPolicy decision as OpenClaw makes
// it: start bin/quarantine, read the request, scan, open the database,
// record and audit, reply. OpenClaw allows 10 s by default. The peer is
// `quarantine list` on the same database: process start and opening the
// store, without scanning or writing.
func BenchmarkPolicyCommand(b *testing.B) {
	bin := testbin.Path(b, "quarantine")
	db := filepath.Join(b.TempDir(), "quarantine.db")
	request := func(sample string) string {
		p, err := filepath.Abs(filepath.Join("testdata", "skills", sample))
		if err != nil {
			b.Fatal(err)
		}
		r, _ := json.Marshal(map[string]any{"protocolVersion": 1, "targetName": sample, "targetType": "skill", "sourcePath": p, "sourcePathKind": "directory"})
		return string(r)
	}
	for _, c := range []struct {
		name, stdin string
		args        []string
		want        string
	}{
		{"policy allows weather", request("weather"), []string{"policy"}, `"decision":"allow"`},
		{"policy blocks evil-prereq", request("evil-prereq"), []string{"policy"}, `"decision":"block"`},
		{"peer: list", "", []string{"list"}, "ID"},
	} {
		b.Run(c.name, func(b *testing.B) {
			for b.Loop() {
				cmd := exec.Command(bin, c.args...)
				cmd.Env = append(os.Environ(), "QUARANTINE_DB="+db)
				cmd.Stdin = strings.NewReader(c.stdin)
				out, err := cmd.Output()
				if err != nil || !strings.Contains(string(out), c.want) {
					b.Fatalf("%s: %v", out, err)
				}
			}
		})
	}
}
