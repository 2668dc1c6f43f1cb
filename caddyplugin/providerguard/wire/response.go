package wire

import (
	"fmt"
	"strings"

	"github.com/go-json-experiment/json/jsontext"
)

// ErrBlocked is returned by JudgeResponse in BlockWithError mode when a
// call was blocked; its message names the calls.
type ErrBlocked struct{ Notices []string }

func (e *ErrBlocked) Error() string { return strings.Join(e.Notices, " ") }

// JudgeResponse judges the tool calls of a whole (non-streamed) response
// body and returns the body to send: unchanged when every call is allowed,
// otherwise with each blocked call removed and the notice added as
// assistant text, and the finish reason corrected. In BlockWithError mode a
// blocked call makes it return *ErrBlocked instead. A body it cannot read
// is an error: the guard does not pass what it cannot judge.
func JudgeResponse(api API, body []byte, judge Judge, mode BlockMode) ([]byte, []CallRecord, error) {
	r := &Reassembler{api: api, judge: judge, mode: mode}
	var m map[string]jsontext.Value
	if err := unmarshal(body, &m); err != nil {
		return nil, nil, fmt.Errorf("the provider's response is not valid JSON: %v", err)
	}
	// Tool calls written as the answer's text, which OpenClaw promotes to
	// calls (textcalls.go): a blocked one refuses the whole answer, whose
	// text cannot be kept without it.
	var tn []string
	for _, c := range TextCalls(answerText(api, m)) {
		if d := r.decide(c); d.Block {
			tn = append(tn, Notice(c, d))
		}
	}
	if len(tn) > 0 {
		return nil, r.Records, &ErrBlocked{Notices: tn}
	}
	var notices []string
	var err error
	switch api {
	case Completions:
		notices, err = r.judgeChat(m)
	case Responses:
		notices, err = r.judgeResponses(m)
	case Anthropic:
		notices, err = r.judgeAnthropic(m)
	}
	if err != nil {
		return nil, r.Records, err
	}
	if len(notices) == 0 {
		return body, r.Records, nil
	}
	if mode == BlockWithError {
		return nil, r.Records, &ErrBlocked{Notices: notices}
	}
	return append(marshal(m), '\n'), r.Records, nil
}

func (r *Reassembler) judgeChat(m map[string]jsontext.Value) ([]string, error) {
	var choices []map[string]jsontext.Value
	if err := unmarshal(m["choices"], &choices); err != nil {
		return nil, fmt.Errorf("choices: %v", err)
	}
	var all []string
	for i, ch := range choices {
		var msg map[string]jsontext.Value
		if v, ok := ch["message"]; !ok || v.Kind() == 'n' {
			continue
		} else if err := unmarshal(v, &msg); err != nil {
			return nil, fmt.Errorf("choices[%d].message: %v", i, err)
		}
		if _, ok := msg["function_call"]; ok && msg["function_call"].Kind() != 'n' {
			return nil, fmt.Errorf("choices[%d].message: legacy function_call is not supported; use tools", i)
		}
		v, ok := msg["tool_calls"]
		if !ok || v.Kind() == 'n' {
			continue
		}
		var calls []struct {
			ID       string `json:"id"`
			Function struct {
				Name      string `json:"name"`
				Arguments string `json:"arguments"`
			} `json:"function"`
		}
		var raws []jsontext.Value
		if err := unmarshal(v, &calls); err != nil {
			return nil, fmt.Errorf("choices[%d].message.tool_calls: %v", i, err)
		}
		if err := unmarshal(v, &raws); err != nil {
			return nil, err
		}
		var keep []jsontext.Value
		var notices []string
		for k, c := range calls {
			call := ToolCall{ID: c.ID, Name: c.Function.Name, Arguments: c.Function.Arguments}
			if d := r.decide(call); d.Block {
				notices = append(notices, Notice(call, d))
			} else {
				keep = append(keep, raws[k])
			}
		}
		if len(notices) == 0 {
			continue
		}
		all = append(all, notices...)
		text := stringOf(msg["content"])
		if text != "" {
			text += "\n"
		}
		msg["content"] = rawString(text + strings.Join(notices, "\n"))
		if len(keep) == 0 {
			delete(msg, "tool_calls")
			if stringOf(ch["finish_reason"]) == "tool_calls" {
				ch["finish_reason"] = rawString("stop")
			}
		} else {
			msg["tool_calls"] = jsontext.Value(marshal(keep))
		}
		ch["message"] = jsontext.Value(marshal(msg))
	}
	if len(all) > 0 {
		m["choices"] = jsontext.Value(marshal(choices))
	}
	return all, nil
}

func (r *Reassembler) judgeResponses(m map[string]jsontext.Value) ([]string, error) {
	var output []jsontext.Value
	if v, ok := m["output"]; ok && v.Kind() != 'n' {
		if err := unmarshal(v, &output); err != nil {
			return nil, fmt.Errorf("output: %v", err)
		}
	}
	var notices []string
	for i, raw := range output {
		var it rsItem
		if err := unmarshal(raw, &it); err != nil {
			return nil, fmt.Errorf("output[%d]: %v", i, err)
		}
		if !isCallItem(it.Type) {
			continue
		}
		args := ""
		if it.Arguments != nil {
			args = *it.Arguments
		} else if it.Input != nil {
			args = *it.Input
		}
		call := ToolCall{ID: it.CallID, Name: it.Name, Arguments: args}
		if d := r.decide(call); d.Block {
			n := Notice(call, d)
			notices = append(notices, n)
			output[i] = noticeItem(&rsHeld{id: it.ID, callID: it.CallID}, n)
		}
	}
	if len(notices) > 0 {
		m["output"] = jsontext.Value(marshal(output))
	}
	return notices, nil
}

func (r *Reassembler) judgeAnthropic(m map[string]jsontext.Value) ([]string, error) {
	var content []jsontext.Value
	if v, ok := m["content"]; ok && v.Kind() != 'n' {
		if err := unmarshal(v, &content); err != nil {
			return nil, fmt.Errorf("content: %v", err)
		}
	}
	var notices []string
	left := 0
	for i, raw := range content {
		var b anBlock
		if err := unmarshal(raw, &b); err != nil {
			return nil, fmt.Errorf("content[%d]: %v", i, err)
		}
		if b.Type != "tool_use" {
			continue
		}
		call := ToolCall{ID: b.ID, Name: b.Name, Arguments: string(b.Input)}
		if d := r.decide(call); d.Block {
			n := Notice(call, d)
			notices = append(notices, n)
			content[i] = jsontext.Value(`{"type":"text","text":` + string(quote(n)) + `}`)
		} else {
			left++
		}
	}
	if len(notices) > 0 {
		m["content"] = jsontext.Value(marshal(content))
		if left == 0 && stringOf(m["stop_reason"]) == "tool_use" {
			m["stop_reason"] = rawString("end_turn")
		}
	}
	return notices, nil
}

// answerText is the text of a whole answer as OpenClaw reads it for
// promotion: the first choice's message content, the output messages'
// text, the text blocks; "" when it has none.
func answerText(api API, m map[string]jsontext.Value) string {
	var b strings.Builder
	switch api {
	case Completions:
		var choices []struct {
			Message *struct {
				Content any    `json:"content"`
				Refusal string `json:"refusal"`
			} `json:"message"`
		}
		if unmarshal(m["choices"], &choices) == nil {
			for _, ch := range choices {
				if ch.Message != nil {
					b.WriteString(contentText(ch.Message.Content))
					b.WriteString(ch.Message.Refusal)
				}
			}
		}
	case Responses:
		var output []rsTextItem
		if unmarshal(m["output"], &output) == nil {
			for i := range output {
				if output[i].Type == "message" {
					b.WriteString(output[i].text())
				}
			}
		}
	case Anthropic:
		var content []struct {
			Type string `json:"type"`
			Text string `json:"text"`
		}
		if unmarshal(m["content"], &content) == nil {
			for _, c := range content {
				if c.Type == "text" {
					b.WriteString(c.Text)
				}
			}
		}
	}
	return b.String()
}
