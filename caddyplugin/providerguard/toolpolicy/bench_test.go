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
// busy /tools/invoke client would leave, writing 256 files over and
// over), against BenchmarkDecideAlone,
// the same call judged without one: the cost of the join. Each op is
// DecideRecent of one more write and of one keystroke call, each pushing
// the oldest call out, as a busy client's history turns over.
func BenchmarkDecideRecent(b *testing.B) {
	j, err := Default().Compile()
	if err != nil {
		b.Fatal(err)
	}
	rc := &Recent{}
	next := func(k int) wire.ToolCall {
		if k%2 == 1 {
			return wire.ToolCall{Name: "process", Arguments: fmt.Sprintf(`{"action":"write","sessionId":"s%d","data":"go test ./... -run F%d\n"}`, k%8, k)}
		}
		return wire.ToolCall{Name: "write", Arguments: fmt.Sprintf(`{"path":"src/f%d.go","content":"package main\n\nfunc f%d() int { return %d }\n"}`, k%256, k, k)}
	}
	k := 0
	for ; k < DefaultRecentCalls; k++ {
		j.DecideRecent(rc, next(k))
	}
	calls := make([]wire.ToolCall, 8)
	for s := range calls {
		calls[s] = wire.ToolCall{Name: "process", Arguments: fmt.Sprintf(`{"action":"send-keys","sessionId":"s%d","literal":"bash build.sh","keys":["Enter"]}`, s)}
	}
	b.ReportAllocs()
	c0 := processCPU()
	for b.Loop() {
		// One write and one keystroke call: the history stays half
		// writes, half keys typed into eight sessions.
		k += 2
		if d := j.DecideRecent(rc, next(k)); d.Block {
			b.Fatal(d)
		}
		if d := j.DecideRecent(rc, calls[k/2%8]); d.Block {
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
