package wire

import (
	"bytes"
	"fmt"
	"strconv"
	"strings"

	"github.com/go-json-experiment/json/jsontext"
)

// Anthropic's Messages API streams content blocks one after another: a
// tool_use block is content_block_start (with id, name and an empty input),
// input_json_delta pieces of its input, then content_block_stop. A blocked
// block is replaced by a text block at the same index, and a stop_reason
// of tool_use becomes end_turn when no tool_use block is left.

type anState struct {
	held    *anHeld
	allowed int
	blocked int
}

type anHeld struct {
	index   int64
	events  [][]byte
	id      string
	name    string
	input   strings.Builder
	initial jsontext.Value
}

type anBlock struct {
	Type  string         `json:"type"`
	ID    string         `json:"id"`
	Name  string         `json:"name"`
	Input jsontext.Value `json:"input"`
	Rest  jsontext.Value `json:",embed"`
}

func (r *Reassembler) anEvent(ev Event) ([]byte, error) {
	s := &r.an
	data := bytes.TrimSpace(ev.Data)
	if len(data) == 0 || s.held == nil && s.blocked == 0 && !mayCarryCall(data, `"tool_use"`, `"message_stop"`, `"error"`) {
		return ev.Raw, nil
	}
	var m map[string]jsontext.Value
	if err := unmarshal(data, &m); err != nil {
		return nil, fmt.Errorf("event is not valid JSON: %v", err)
	}
	typ := stringOf(m["type"])
	idx, hasIdx := intOf(m["index"])
	switch typ {
	case "content_block_start":
		var b anBlock
		if err := unmarshal(m["content_block"], &b); err != nil {
			return nil, fmt.Errorf("content block is not valid: %v", err)
		}
		if b.Type == "tool_use" {
			if !hasIdx {
				return nil, fmt.Errorf("a tool_use block has no index")
			}
			if s.held != nil {
				return nil, fmt.Errorf("a tool_use block started before the previous one stopped")
			}
			s.held = &anHeld{index: idx, id: b.ID, name: b.Name, initial: bytes.Clone(b.Input), events: [][]byte{bytes.Clone(ev.Raw)}}
			return nil, nil
		}
	case "content_block_delta":
		if h := s.held; h != nil && hasIdx && idx == h.index {
			var d struct {
				Type        string `json:"type"`
				PartialJSON string `json:"partial_json"`
			}
			if err := unmarshal(m["delta"], &d); err != nil {
				return nil, fmt.Errorf("delta is not valid: %v", err)
			}
			h.input.WriteString(d.PartialJSON)
			h.events = append(h.events, bytes.Clone(ev.Raw))
			return nil, nil
		}
	case "content_block_stop":
		if h := s.held; h != nil && hasIdx && idx == h.index {
			s.held = nil
			h.events = append(h.events, bytes.Clone(ev.Raw))
			return r.anRelease(h), nil
		}
	case "message_delta":
		if s.blocked > 0 && s.allowed == 0 {
			var d map[string]jsontext.Value
			if err := unmarshal(m["delta"], &d); err == nil && stringOf(d["stop_reason"]) == "tool_use" {
				d["stop_reason"] = rawString("end_turn")
				m["delta"] = jsontext.Value(marshal(d))
				return NamedEvent(typ, marshal(m)), nil
			}
		}
	case "message_stop", "error":
		r.Complete = true
		if s.held != nil {
			r.Dropped++
			s.held = nil
		}
	}
	if v, ok := m["content_block"]; ok {
		var b anBlock
		if unmarshal(v, &b) != nil || b.Type == "tool_use" {
			return nil, fmt.Errorf("event %q carries a tool_use block the guard cannot judge", typ)
		}
	}
	if s.held != nil {
		// Anthropic does not interleave blocks; anything else while a
		// tool_use block is open is held with it, in order.
		s.held.events = append(s.held.events, bytes.Clone(ev.Raw))
		return nil, nil
	}
	return ev.Raw, nil
}

// anRelease judges a complete tool_use block and returns its events, or a
// text block with the notice at the same index.
func (r *Reassembler) anRelease(h *anHeld) []byte {
	args := h.input.String()
	if args == "" && len(h.initial) > 0 {
		args = string(h.initial)
	}
	call := ToolCall{ID: h.id, Name: h.name, Arguments: args}
	d := r.decide(call)
	if !d.Block {
		r.an.allowed++
		return bytes.Join(h.events, nil)
	}
	r.an.blocked++
	notice := Notice(call, d)
	if r.mode == BlockWithError {
		return r.blockedError([]string{notice})
	}
	i := strconv.FormatInt(h.index, 10)
	out := NamedEvent("content_block_start", []byte(`{"type":"content_block_start","index":`+i+`,"content_block":{"type":"text","text":""}}`))
	out = append(out, NamedEvent("content_block_delta", []byte(`{"type":"content_block_delta","index":`+i+`,"delta":{"type":"text_delta","text":`+string(quote(notice))+`}}`))...)
	return append(out, NamedEvent("content_block_stop", []byte(`{"type":"content_block_stop","index":`+i+`}`))...)
}
