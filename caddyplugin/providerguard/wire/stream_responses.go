package wire

import (
	"bytes"
	"fmt"
	"math"
	"slices"
	"strconv"
	"strings"

	"github.com/go-json-experiment/json/jsontext"
)

// The Responses API streams typed events. A function call is an output
// item: response.output_item.added (item.type "function_call"), then
// response.function_call_arguments.delta/.done for its output_index, then
// response.output_item.done with the complete item. The terminal
// response.completed (or .incomplete) repeats every output item, and
// OpenClaw recovers calls from it, so it is rewritten to match what was
// released.

type rsState struct {
	held    map[int]*rsHeld           // by output_index
	decided map[string]Decision       // by item id and call_id
	blocked map[string]jsontext.Value // item id / call_id -> the notice item that replaces it
	shift   int64                     // sequence numbers sent minus received
}

type rsHeld struct {
	events   [][]byte
	id       string
	callID   string
	name     string
	itemType string
	args     strings.Builder
	// versions are the other spellings of the arguments the stream gave:
	// the added item's, function_call_arguments.done's, the streamed
	// pieces joined.
	versions []string
	firstSeq int64
	hasSeq   bool
}

type rsItem struct {
	Type      string         `json:"type"`
	ID        string         `json:"id"`
	CallID    string         `json:"call_id"`
	Name      string         `json:"name"`
	Arguments *string        `json:"arguments"`
	Input     *string        `json:"input"`
	Status    string         `json:"status"`
	Rest      jsontext.Value `json:",embed"`
}

func isCallItem(t string) bool { return t == "function_call" || t == "custom_tool_call" }

func (r *Reassembler) rsEvent(ev Event) ([]byte, error) {
	s := &r.rs
	data := bytes.TrimSpace(ev.Data)
	if len(data) == 0 || len(s.held) == 0 && len(s.decided) == 0 && s.shift == 0 &&
		!mayCarryCall(data, "function_call", "tool_call", `"response.completed"`, `"response.incomplete"`, `"response.failed"`, `"error"`) {
		return ev.Raw, nil
	}
	var m map[string]jsontext.Value
	if err := unmarshal(data, &m); err != nil {
		return nil, fmt.Errorf("event is not valid JSON: %v", err)
	}
	typ := stringOf(m["type"])
	idx, hasIdx := intOf(m["output_index"])
	switch typ {
	case "response.output_item.added":
		var it rsItem
		if err := unmarshal(m["item"], &it); err != nil {
			return nil, fmt.Errorf("output item is not valid: %v", err)
		}
		if isCallItem(it.Type) {
			if !hasIdx {
				return nil, fmt.Errorf("a %s item has no output_index", it.Type)
			}
			h := &rsHeld{id: it.ID, callID: it.CallID, name: it.Name, itemType: it.Type}
			if it.Arguments != nil {
				h.args.WriteString(*it.Arguments)
				h.versions = append(h.versions, *it.Arguments)
			}
			h.firstSeq, h.hasSeq = intOf(m["sequence_number"])
			h.events = append(h.events, bytes.Clone(ev.Raw))
			if s.held == nil {
				s.held = map[int]*rsHeld{}
			}
			s.held[int(idx)] = h
			return nil, nil
		}
	case "response.function_call_arguments.delta", "response.custom_tool_call_input.delta":
		if h := s.held[int(idx)]; hasIdx && h != nil {
			h.args.WriteString(stringOf(m["delta"]))
			h.events = append(h.events, bytes.Clone(ev.Raw))
			return nil, nil
		}
	case "response.function_call_arguments.done", "response.custom_tool_call_input.done":
		if h := s.held[int(idx)]; hasIdx && h != nil {
			for _, k := range []string{"arguments", "input"} {
				if v, ok := m[k]; ok && v.Kind() == '"' {
					h.versions = append(h.versions, stringOf(v))
				}
			}
			h.events = append(h.events, bytes.Clone(ev.Raw))
			return nil, nil
		}
	case "response.output_item.done":
		var it rsItem
		if err := unmarshal(m["item"], &it); err != nil {
			return nil, fmt.Errorf("output item is not valid: %v", err)
		}
		h := s.held[int(idx)]
		if h == nil && isCallItem(it.Type) {
			// A call item that was never announced: judge it whole.
			if !hasIdx {
				return nil, fmt.Errorf("a %s item has no output_index", it.Type)
			}
			h = &rsHeld{itemType: it.Type}
			h.firstSeq, h.hasSeq = intOf(m["sequence_number"])
		}
		if h != nil {
			delete(s.held, int(idx))
			h.events = append(h.events, bytes.Clone(ev.Raw))
			args := h.args.String()
			h.versions = append(h.versions, args)
			if it.Arguments != nil {
				args = *it.Arguments // the complete arguments win over the deltas
			} else if it.Input != nil {
				args = *it.Input
			}
			if it.ID != "" {
				h.id = it.ID
			}
			if it.CallID != "" {
				h.callID = it.CallID
			}
			if it.Name != "" {
				h.name = it.Name
			}
			return r.rsRelease(int(idx), h, args), nil
		}
	case "response.completed", "response.incomplete":
		out, err := r.rsTerminal(m)
		if err != nil || r.Errored {
			return out, err
		}
		r.Complete = true
		r.Dropped += len(s.held)
		clear(s.held)
		if out == nil {
			return r.rsReseq(ev.Raw, m), nil
		}
		return out, nil
	case "response.failed", "error":
		r.Complete = true
		r.Dropped += len(s.held)
		clear(s.held)
	default:
		if h := s.held[int(idx)]; hasIdx && h != nil {
			h.events = append(h.events, bytes.Clone(ev.Raw))
			return nil, nil
		}
	}
	// A call item anywhere else is not something the guard knows how to
	// hold: it is not passed.
	if v, ok := m["item"]; ok && typ != "response.output_item.added" {
		var it rsItem
		if unmarshal(v, &it) != nil || isCallItem(it.Type) {
			return nil, fmt.Errorf("event %q carries a tool call item the guard cannot judge", typ)
		}
	}
	// So is a call in the output of a response other than the terminal
	// one (which rsTerminal rewrote above).
	if v, ok := m["response"]; ok && typ != "response.completed" && typ != "response.incomplete" {
		var resp struct {
			Output []rsItem `json:"output"`
		}
		if unmarshal(v, &resp) != nil || slices.ContainsFunc(resp.Output, func(it rsItem) bool { return isCallItem(it.Type) }) {
			return nil, fmt.Errorf("event %q carries a response with a tool call the guard cannot judge", typ)
		}
	}
	return r.rsReseq(ev.Raw, m), nil
}

// intOf reads an index as OpenClaw does (a JavaScript number used as a
// Map key): 0, 0.0, 0e0 and -0 are all 0. A number with a fraction is no
// index.
func intOf(v jsontext.Value) (int64, bool) {
	if v.Kind() != '0' {
		return 0, false
	}
	if n, err := strconv.ParseInt(string(v), 10, 64); err == nil {
		return n, true
	}
	f, err := strconv.ParseFloat(string(v), 64)
	if err != nil || f != math.Trunc(f) || math.Abs(f) > 1<<53 {
		return 0, false
	}
	return int64(f), true
}

// rsReseq returns an event with its sequence_number moved by the shift
// that replaced calls introduced.
func (r *Reassembler) rsReseq(raw []byte, m map[string]jsontext.Value) []byte {
	if r.rs.shift == 0 {
		return raw
	}
	if m == nil {
		ev := parseEvent(raw)
		if err := unmarshal(bytes.TrimSpace(ev.Data), &m); err != nil {
			return raw
		}
	}
	n, ok := intOf(m["sequence_number"])
	if !ok {
		return raw
	}
	m["sequence_number"] = jsontext.Value(strconv.FormatInt(n+r.rs.shift, 10))
	return NamedEvent(stringOf(m["type"]), marshal(m))
}

// rsRelease judges a complete call item and returns its held events, or
// the events of a notice message in its place.
func (r *Reassembler) rsRelease(idx int, h *rsHeld, args string) []byte {
	s := &r.rs
	call, d := r.decideVersions(ToolCall{ID: h.callID, Name: h.name, Arguments: args}, h.versions)
	if s.decided == nil {
		s.decided = map[string]Decision{}
	}
	for _, k := range []string{h.id, h.callID} {
		if k != "" {
			s.decided[k] = d
		}
	}
	if !d.Block {
		var out []byte
		for _, e := range h.events {
			out = append(out, r.rsReseq(e, nil)...)
		}
		return out
	}
	notice := Notice(call, d)
	if r.mode == BlockWithError {
		return r.blockedError([]string{notice})
	}
	item := noticeItem(h, notice)
	if s.blocked == nil {
		s.blocked = map[string]jsontext.Value{}
	}
	for _, k := range []string{h.id, h.callID} {
		if k != "" {
			s.blocked[k] = item
		}
	}
	seq := h.firstSeq + s.shift
	var out []byte
	n := 0
	emit := func(typ string, fields string) {
		body := `{"type":` + string(quote(typ))
		if h.hasSeq {
			body += `,"sequence_number":` + strconv.FormatInt(seq+int64(n), 10)
		}
		body += fields + "}"
		out = append(out, NamedEvent(typ, []byte(body))...)
		n++
	}
	id := string(quote(noticeID(h)))
	oi := `,"output_index":` + strconv.Itoa(idx)
	text := string(quote(notice))
	part := func(t string) string { return `{"type":"output_text","text":` + t + `,"annotations":[]}` }
	emit("response.output_item.added", oi+`,"item":{"id":`+id+`,"type":"message","status":"in_progress","role":"assistant","content":[]}`)
	emit("response.content_part.added", `,"item_id":`+id+oi+`,"content_index":0,"part":`+part(`""`))
	emit("response.output_text.delta", `,"item_id":`+id+oi+`,"content_index":0,"delta":`+text)
	emit("response.output_text.done", `,"item_id":`+id+oi+`,"content_index":0,"text":`+text)
	emit("response.content_part.done", `,"item_id":`+id+oi+`,"content_index":0,"part":`+part(text))
	emit("response.output_item.done", oi+`,"item":`+string(item))
	s.shift += int64(n - len(h.events))
	return out
}

func noticeID(h *rsHeld) string {
	id := h.callID
	if id == "" {
		id = h.id
	}
	return "msg_guard_" + id
}

// noticeItem is the completed message item that stands in for a blocked
// call.
func noticeItem(h *rsHeld, notice string) jsontext.Value {
	return jsontext.Value(`{"id":` + string(quote(noticeID(h))) + `,"type":"message","status":"completed","role":"assistant","content":[{"type":"output_text","text":` +
		string(quote(notice)) + `,"annotations":[]}]}`)
}

// rsTerminal rewrites response.output of a terminal event: blocked calls
// become their notice items, and a call item never seen streaming is
// judged now. It returns nil when the event needs no change.
func (r *Reassembler) rsTerminal(m map[string]jsontext.Value) ([]byte, error) {
	s := &r.rs
	var resp map[string]jsontext.Value
	if err := unmarshal(m["response"], &resp); err != nil {
		return nil, fmt.Errorf("terminal response is not valid: %v", err)
	}
	var output []jsontext.Value
	if v, ok := resp["output"]; ok && v.Kind() != 'n' {
		if err := unmarshal(v, &output); err != nil {
			return nil, fmt.Errorf("terminal response output is not valid: %v", err)
		}
	}
	changed := false
	for i, raw := range output {
		var it rsItem
		if err := unmarshal(raw, &it); err != nil {
			return nil, fmt.Errorf("terminal output item %d is not valid: %v", i, err)
		}
		if !isCallItem(it.Type) {
			continue
		}
		if rep, ok := s.blocked[it.ID]; ok {
			output[i], changed = rep, true
			continue
		}
		if rep, ok := s.blocked[it.CallID]; ok && it.CallID != "" {
			output[i], changed = rep, true
			continue
		}
		if _, ok := s.decided[it.ID]; ok {
			continue
		}
		if _, ok := s.decided[it.CallID]; ok && it.CallID != "" {
			continue
		}
		// Never streamed: judge it here.
		args := ""
		if it.Arguments != nil {
			args = *it.Arguments
		} else if it.Input != nil {
			args = *it.Input
		}
		h := &rsHeld{id: it.ID, callID: it.CallID, name: it.Name}
		call := ToolCall{ID: it.CallID, Name: it.Name, Arguments: args}
		d := r.decide(call)
		if s.decided == nil {
			s.decided = map[string]Decision{}
		}
		s.decided[it.ID] = d
		if d.Block {
			if r.mode == BlockWithError {
				return r.blockedError([]string{Notice(call, d)}), nil
			}
			output[i], changed = noticeItem(h, Notice(call, d)), true
		}
	}
	if !changed {
		return nil, nil // unchanged: the caller sends it, renumbered if need be
	}
	resp["output"] = jsontext.Value(marshal(output))
	m["response"] = jsontext.Value(marshal(resp))
	if n, ok := intOf(m["sequence_number"]); ok {
		m["sequence_number"] = jsontext.Value(strconv.FormatInt(n+s.shift, 10))
	}
	return NamedEvent(stringOf(m["type"]), marshal(m)), nil
}
