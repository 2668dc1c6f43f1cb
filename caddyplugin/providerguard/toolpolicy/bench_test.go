package toolpolicy

import (
	"testing"

	"github.com/openclaw-secure-stack/securestack/caddyplugin/providerguard/wire"
)

// BenchmarkDecide judges the tool calls an agent makes most: a shell
// command, inline Python, a read and a fetch.
func BenchmarkDecide(b *testing.B) {
	j, err := Default().Compile()
	if err != nil {
		b.Fatal(err)
	}
	calls := []wire.ToolCall{
		{Name: "exec", Arguments: `{"command":"cd /home/u/project && git status && go test ./... 2>&1 | tail -20","workdir":"/home/u/project"}`},
		{Name: "exec", Arguments: `{"command":"python3 -c \"import json,sys; d=json.load(open('package.json')); print(d['version'], d.get('name'))\""}`},
		{Name: "read", Arguments: `{"path":"/home/u/project/src/Main.java"}`},
		{Name: "web_fetch", Arguments: `{"url":"https://docs.openclaw.ai/tools/exec?x=1"}`},
	}
	b.ReportAllocs()
	for b.Loop() {
		for _, c := range calls {
			if d := j.Decide(c); d.Block {
				b.Fatalf("%s blocked: %+v", c.Name, d)
			}
		}
	}
}
