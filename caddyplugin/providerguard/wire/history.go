package wire

import (
	"encoding/json"
)

// PriorToolCalls lists the tool calls a request's history says the model
// made before, in order: completions' assistant tool_calls, responses'
// function_call items, anthropic's tool_use blocks. It reads a body the
// guard has already parsed strictly; a body of another shape yields nil.
// The tool policy reads it to judge a call together with the calls before
// it (keystrokes typed into one terminal over several calls).
func PriorToolCalls(api API, body []byte) []ToolCall {
	var out []ToolCall
	switch api {
	case Completions:
		var req struct {
			Messages []struct {
				ToolCalls []struct {
					ID       string `json:"id"`
					Function struct {
						Name      string `json:"name"`
						Arguments string `json:"arguments"`
					} `json:"function"`
				} `json:"tool_calls"`
			} `json:"messages"`
		}
		if json.Unmarshal(body, &req) != nil {
			return nil
		}
		for _, m := range req.Messages {
			for _, c := range m.ToolCalls {
				out = append(out, ToolCall{ID: c.ID, Name: c.Function.Name, Arguments: c.Function.Arguments})
			}
		}
	case Responses:
		var req struct {
			Input json.RawMessage `json:"input"`
		}
		var items []struct {
			Type      string `json:"type"`
			CallID    string `json:"call_id"`
			Name      string `json:"name"`
			Arguments string `json:"arguments"`
		}
		if json.Unmarshal(body, &req) != nil || json.Unmarshal(req.Input, &items) != nil {
			return nil
		}
		for _, it := range items {
			if it.Type == "function_call" {
				out = append(out, ToolCall{ID: it.CallID, Name: it.Name, Arguments: it.Arguments})
			}
		}
	case Anthropic:
		var req struct {
			Messages []struct {
				Content json.RawMessage `json:"content"`
			} `json:"messages"`
		}
		if json.Unmarshal(body, &req) != nil {
			return nil
		}
		for _, m := range req.Messages {
			var blocks []struct {
				Type  string          `json:"type"`
				ID    string          `json:"id"`
				Name  string          `json:"name"`
				Input json.RawMessage `json:"input"`
			}
			if json.Unmarshal(m.Content, &blocks) != nil {
				continue // a string content holds no calls
			}
			for _, b := range blocks {
				if b.Type == "tool_use" {
					out = append(out, ToolCall{ID: b.ID, Name: b.Name, Arguments: string(b.Input)})
				}
			}
		}
	}
	return out
}
