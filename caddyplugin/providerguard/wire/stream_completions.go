package wire

import (
	"bytes"
	"fmt"
	"sort"
	"strings"

	"github.com/go-json-experiment/json/jsontext"
)

// Chat Completions streams chunks as data-only events, ending with
// "data: [DONE]". A tool call arrives as fragments in
// choices[i].delta.tool_calls[k], keyed by k: the first carries id, type
// and function.name, the others pieces of function.arguments. Calls are
// complete when their choice's finish_reason arrives (providers may
// interleave the fragments of parallel calls, so an earlier point is not
// safe).

type ccChunk struct {
	ID                jsontext.Value `json:"id,omitzero"`
	Object            jsontext.Value `json:"object,omitzero"`
	Created           jsontext.Value `json:"created,omitzero"`
	Model             jsontext.Value `json:"model,omitzero"`
	SystemFingerprint jsontext.Value `json:"system_fingerprint,omitzero"`
	Choices           []ccChoice     `json:"choices"`
	Rest              jsontext.Value `json:",embed"`
}

type ccChoice struct {
	Index int      `json:"index"`
	Delta *ccDelta `json:"delta,omitzero"`
	// Message is read as the delta when a chunk has none: OpenClaw takes
	// choice.delta ?? choice.message.
	Message      *ccDelta       `json:"message,omitzero"`
	FinishReason jsontext.Value `json:"finish_reason,omitzero"`
	Rest         jsontext.Value `json:",embed"`
}

type ccDelta struct {
	ToolCalls []ccFragment   `json:"tool_calls,omitzero"`
	Rest      jsontext.Value `json:",embed"`
}

type ccFragment struct {
	Index    *int        `json:"index"`
	ID       *string     `json:"id"`
	Type     *string     `json:"type"`
	Function *ccFunction `json:"function"`
}

type ccFunction struct {
	Name      *string `json:"name"`
	Arguments *string `json:"arguments"`
}

type ccState struct {
	meta    *ccChunk // the first chunk's identity fields, for synthesized chunks
	choices map[int]*ccChoiceState
	blocked bool // some call was blocked: finish reasons need watching
}

type ccChoiceState struct {
	calls   map[int]*ccCall
	allowed int // calls released so far (the next released call's index)
	blocked int
}

type ccCall struct {
	id, name string
	args     strings.Builder
}

func (r *Reassembler) ccEvent(ev Event) ([]byte, error) {
	data := bytes.TrimSpace(ev.Data)
	if string(data) == "[DONE]" {
		out := r.ccReleaseAll()
		if r.Errored {
			return out, nil
		}
		r.Complete = true
		return append(out, ev.Raw...), nil
	}
	if len(data) == 0 || r.held() == 0 && !r.cc.blocked && !mayCarryCall(data, `"tool_calls"`, `"function_call"`) {
		return ev.Raw, nil
	}
	var c ccChunk
	if err := unmarshal(data, &c); err != nil {
		return nil, fmt.Errorf("chunk is not valid JSON: %v", err)
	}
	if r.cc.meta == nil {
		r.cc.meta = &ccChunk{ID: c.ID, Object: c.Object, Created: c.Created, Model: c.Model, SystemFingerprint: c.SystemFingerprint}
	}
	var out []byte
	modified := false
	for i := range c.Choices {
		ch := &c.Choices[i]
		d := ch.Delta
		if d == nil {
			d = ch.Message
		}
		if d != nil && bytes.Contains(d.Rest, []byte(`"function_call"`)) {
			// The legacy single function call: not what OpenClaw asks for,
			// and not something the guard releases unjudged.
			return nil, fmt.Errorf("legacy function_call deltas are not supported; use tools")
		}
		if d != nil && len(d.ToolCalls) > 0 {
			st := r.cc.choice(ch.Index)
			for _, f := range d.ToolCalls {
				if err := st.add(f); err != nil {
					return nil, err
				}
			}
			d.ToolCalls = nil
			modified = true
		}
		if fr := stringOf(ch.FinishReason); fr != "" {
			st := r.cc.choice(ch.Index)
			out = append(out, r.ccRelease(ch.Index, st)...)
			if r.Errored {
				return out, nil
			}
			if fr == "tool_calls" && st.allowed == 0 && st.blocked > 0 {
				ch.FinishReason = rawString("stop")
				modified = true
			}
		}
	}
	if !modified {
		return append(out, ev.Raw...), nil
	}
	return append(out, DataEvent(marshal(&c))...), nil
}

func (s *ccState) choice(i int) *ccChoiceState {
	if s.choices == nil {
		s.choices = map[int]*ccChoiceState{}
	}
	st := s.choices[i]
	if st == nil {
		st = &ccChoiceState{calls: map[int]*ccCall{}}
		s.choices[i] = st
	}
	return st
}

func (st *ccChoiceState) add(f ccFragment) error {
	if f.Index == nil {
		return fmt.Errorf("a tool call fragment has no index")
	}
	c := st.calls[*f.Index]
	if c == nil {
		c = &ccCall{}
		st.calls[*f.Index] = c
	}
	if f.ID != nil && *f.ID != "" {
		c.id = *f.ID
	}
	if f.Function != nil {
		if f.Function.Name != nil && *f.Function.Name != "" {
			c.name += *f.Function.Name
		}
		if f.Function.Arguments != nil {
			c.args.WriteString(*f.Function.Arguments)
		}
	}
	return nil
}

// ccRelease judges a choice's held calls in index order and returns the
// chunks that carry the allowed ones, then the notice for the blocked ones.
func (r *Reassembler) ccRelease(choice int, st *ccChoiceState) []byte {
	if len(st.calls) == 0 {
		return nil
	}
	idx := make([]int, 0, len(st.calls))
	for k := range st.calls {
		idx = append(idx, k)
	}
	sort.Ints(idx)
	var out []byte
	var notices []string
	for _, k := range idx {
		c := st.calls[k]
		call := ToolCall{ID: c.id, Name: c.name, Arguments: c.args.String()}
		d := r.decide(call)
		if d.Block {
			st.blocked++
			r.cc.blocked = true
			notices = append(notices, Notice(call, d))
			continue
		}
		frag := `{"index":` + fmt.Sprint(st.allowed) + `,"id":` + string(quote(c.id)) + `,"type":"function","function":{"name":` +
			string(quote(c.name)) + `,"arguments":` + string(quote(call.Arguments)) + `}}`
		out = append(out, r.ccChunkWith(choice, `{"tool_calls":[`+frag+`]}`)...)
		st.allowed++
	}
	clear(st.calls)
	if len(notices) > 0 {
		if r.mode == BlockWithError {
			return append(out, r.blockedError(notices)...)
		}
		text := strings.Join(notices, "\n")
		if st.allowed > 0 {
			text = "\n" + text
		}
		out = append(out, r.ccChunkWith(choice, `{"content":`+string(quote(text))+`}`)...)
	}
	return out
}

// ccReleaseAll releases every choice still holding calls (a stream that
// ends with [DONE] but no finish_reason).
func (r *Reassembler) ccReleaseAll() []byte {
	keys := make([]int, 0, len(r.cc.choices))
	for k := range r.cc.choices {
		keys = append(keys, k)
	}
	sort.Ints(keys)
	var out []byte
	for _, k := range keys {
		out = append(out, r.ccRelease(k, r.cc.choices[k])...)
		if r.Errored {
			break
		}
	}
	return out
}

// ccChunkWith is a synthesized chunk for one choice with the given delta.
func (r *Reassembler) ccChunkWith(choice int, delta string) []byte {
	m := r.cc.meta
	if m == nil {
		m = &ccChunk{}
	}
	c := ccChunk{ID: m.ID, Object: m.Object, Created: m.Created, Model: m.Model, SystemFingerprint: m.SystemFingerprint,
		Choices: []ccChoice{{Index: choice, Delta: &ccDelta{Rest: jsontext.Value(delta)}, FinishReason: jsontext.Value("null")}}}
	if c.Object == nil {
		c.Object = rawString("chat.completion.chunk")
	}
	return DataEvent(marshal(&c))
}
