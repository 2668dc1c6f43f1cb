package toolpolicy

import (
	"fmt"
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

// BenchmarkDecideRecent judges a direct keystroke call with a full history
// of direct calls (DefaultRecentCalls writes and keystroke calls, as a
// busy /tools/invoke client would leave), against BenchmarkDecideAlone,
// the same call judged without one: the cost of the join.
func BenchmarkDecideRecent(b *testing.B) {
	j, err := Default().Compile()
	if err != nil {
		b.Fatal(err)
	}
	rc := &Recent{}
	for k := 0; k < DefaultRecentCalls; k++ {
		c := wire.ToolCall{Name: "write", Arguments: fmt.Sprintf(`{"path":"src/f%d.go","content":"package main\n\nfunc f%d() int { return %d }\n"}`, k, k, k)}
		if k%2 == 1 {
			c = wire.ToolCall{Name: "process", Arguments: fmt.Sprintf(`{"action":"write","sessionId":"s%d","data":"go test ./... -run F%d\n"}`, k%8, k)}
		}
		j.DecideRecent(rc, c)
	}
	call := wire.ToolCall{Name: "process", Arguments: `{"action":"send-keys","sessionId":"s3","literal":"bash build.sh","keys":["Enter"]}`}
	b.ReportAllocs()
	c0 := processCPU()
	for b.Loop() {
		if d := j.DecideWith(func() []wire.ToolCall { return rc.calls })(call); d.Block {
			b.Fatal(d)
		}
	}
	b.ReportMetric(float64(processCPU()-c0)/float64(b.N), "cpu-ns/op")
}

func BenchmarkDecideAlone(b *testing.B) {
	j, err := Default().Compile()
	if err != nil {
		b.Fatal(err)
	}
	call := wire.ToolCall{Name: "process", Arguments: `{"action":"send-keys","sessionId":"s3","literal":"bash build.sh","keys":["Enter"]}`}
	b.ReportAllocs()
	c0 := processCPU()
	for b.Loop() {
		if d := j.Decide(call); d.Block {
			b.Fatal(d)
		}
	}
	b.ReportMetric(float64(processCPU()-c0)/float64(b.N), "cpu-ns/op")
}
