package wire

import (
	"encoding/json"
	"fmt"
	"strings"
	"testing"
)

// History200K is a completions body like OpenClaw's after 50 tool calls:
// its real 40 KB system prompt, then 50 exchanges of a tool call and a
// tool result of about 3 KB, about 200 KB in all.
func History200K(tb testing.TB, results int) []byte {
	var req map[string]any
	if err := json.Unmarshal(fixture(tb, "completions-1.json"), &req); err != nil {
		tb.Fatal(err)
	}
	msgs := req["messages"].([]any)
	line := "2026-11-30 12:00:01 INFO worker[3] processed batch 1182 of 4000 in 83ms; queue depth 12, retries 0\n"
	for i := range results {
		id := fmt.Sprintf("call_%04d", i)
		msgs = append(msgs, map[string]any{"role": "assistant", "content": nil, "tool_calls": []any{map[string]any{
			"id": id, "type": "function", "function": map[string]any{"name": "read", "arguments": fmt.Sprintf(`{"path":"logs/worker-%d.log"}`, i)}}}})
		msgs = append(msgs, map[string]any{"role": "tool", "tool_call_id": id, "content": fmt.Sprintf("log %d\n", i) + strings.Repeat(line, 30)})
	}
	req["messages"] = msgs
	b, err := json.Marshal(req)
	if err != nil {
		tb.Fatal(err)
	}
	return b
}

func BenchmarkParse200K(b *testing.B) {
	body := History200K(b, 50)
	b.SetBytes(int64(len(body)))
	for b.Loop() {
		if _, err := Parse(Completions, body); err != nil {
			b.Fatal(err)
		}
	}
}

// BenchmarkPriorToolCalls reads the earlier calls of a 200 KB history, which
// the guard does once per answer that holds an exec or keystroke call.
func BenchmarkPriorToolCalls(b *testing.B) {
	body := History200K(b, 50)
	b.SetBytes(int64(len(body)))
	for b.Loop() {
		if calls := PriorToolCalls(Completions, body); len(calls) != 50 {
			b.Fatalf("%d calls", len(calls))
		}
	}
}

// BenchmarkReassembleAnswer passes an answer of 200 text deltas through
// the reassembler of each API, with the reading of text for tool calls
// written as text (watch) and without it (the reader set aside: the
// reassembler before red team round 3), in the same run.
func BenchmarkReassembleAnswer(b *testing.B) {
	text := strings.Repeat("The build passed and the logs show nothing unusual today. ", 50)
	for _, api := range APIs {
		up := script(api, text, nil, false)
		var events []Event
		var f Framer
		f.Write([]byte(up))
		for {
			ev, ok, err := f.Next()
			if err != nil || !ok {
				break
			}
			events = append(events, ev)
		}
		for _, watch := range []bool{true, false} {
			b.Run(fmt.Sprintf("%s/watch=%v", api, watch), func(b *testing.B) {
				b.ReportAllocs()
				c0 := processCPU()
				for b.Loop() {
					r := NewReassembler(api, blockExec, BlockWithMessage)
					if !watch {
						r.tw.state = twProse
					}
					for _, ev := range events {
						r.Event(ev)
					}
				}
				b.ReportMetric(float64(processCPU()-c0)/float64(b.N), "cpu-ns/op")
			})
		}
	}
}
