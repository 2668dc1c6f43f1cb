package wire

import (
	"reflect"
	"testing"
)

func TestPriorToolCallsReadsEachShape(t *testing.T) {
	for _, tt := range []struct {
		api  API
		body string
		want []ToolCall
	}{
		{Completions, `{"model":"m","messages":[{"role":"user","content":"hi"},
			{"role":"assistant","content":null,"tool_calls":[{"id":"a","type":"function","function":{"name":"process","arguments":"{\"action\":\"write\",\"sessionId\":\"s\",\"data\":\"cu\"}"}},
			{"id":"b","type":"function","function":{"name":"read","arguments":"{\"path\":\"x\"}"}}]},
			{"role":"tool","tool_call_id":"a","content":"ok"}]}`,
			[]ToolCall{{ID: "a", Name: "process", Arguments: `{"action":"write","sessionId":"s","data":"cu"}`}, {ID: "b", Name: "read", Arguments: `{"path":"x"}`}}},
		{Responses, `{"model":"m","input":[{"role":"user","content":"hi"},
			{"type":"function_call","call_id":"c","name":"process","arguments":"{\"action\":\"submit\",\"sessionId\":\"s\"}"},
			{"type":"function_call_output","call_id":"c","output":"ok"}]}`,
			[]ToolCall{{ID: "c", Name: "process", Arguments: `{"action":"submit","sessionId":"s"}`}}},
		{Anthropic, `{"model":"m","messages":[{"role":"assistant","content":[{"type":"text","text":"x"},
			{"type":"tool_use","id":"t","name":"process","input":{"action":"send-keys","sessionId":"s","keys":["c","u"]}}]}]}`,
			[]ToolCall{{ID: "t", Name: "process", Arguments: `{"action":"send-keys","sessionId":"s","keys":["c","u"]}`}}},
		{Completions, `{"model":"m","messages":"not a list"}`, nil},
	} {
		got := PriorToolCalls(tt.api, []byte(tt.body))
		if !reflect.DeepEqual(got, tt.want) {
			t.Errorf("%s: PriorToolCalls = %#v, want %#v", tt.api, got, tt.want)
		}
	}
}
