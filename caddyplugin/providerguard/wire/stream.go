package wire

import (
	"bytes"
	"fmt"
	"strings"

	"github.com/go-json-experiment/json"
	"github.com/go-json-experiment/json/jsontext"
)

// ToolCall is one complete tool call the model asked for.
type ToolCall struct {
	ID   string // tool call id, call_id or tool_use id
	Name string
	// Arguments are the call's arguments as JSON text, as the model wrote
	// them ("" when it sent none).
	Arguments string
}

// Decision is the verdict on one tool call.
type Decision struct {
	Block  bool
	Rules  []string
	Reason string
}

// Judge decides a tool call. It is called once per complete call, on the
// goroutine feeding the stream.
type Judge func(ToolCall) Decision

// BlockMode is how a blocked call is answered.
type BlockMode int

const (
	// BlockWithMessage completes the stream validly, with assistant text in
	// place of the call that names it and says why it was blocked.
	BlockWithMessage BlockMode = iota
	// BlockWithError ends the stream with the provider's in-stream error.
	BlockWithError
)

// CallRecord is one judged call, for the audit trail.
type CallRecord struct {
	Call     ToolCall
	Decision Decision
}

// Notice is the assistant text that stands in for a blocked call.
func Notice(c ToolCall, d Decision) string {
	var b strings.Builder
	fmt.Fprintf(&b, "[openclaw_provider_guard] The tool call %s", c.Name)
	if c.ID != "" {
		fmt.Fprintf(&b, " (%s)", c.ID)
	}
	b.WriteString(" was blocked and did not run")
	if d.Reason != "" {
		b.WriteString(": " + d.Reason)
	}
	if len(d.Rules) > 0 {
		b.WriteString(" (rules: " + strings.Join(d.Rules, ", ") + ")")
	}
	b.WriteString(".")
	return b.String()
}

// Reassembler reads a streamed response of one API event by event. Text
// and every other event pass at once; the events of a tool call are held
// until the call is complete, then the call is judged and released, or
// replaced by a notice (or the stream is ended with an error), so a blocked
// call never reaches the client.
type Reassembler struct {
	api   API
	judge Judge
	mode  BlockMode

	// Records are the calls judged so far.
	Records []CallRecord
	// Complete is set once the API's terminal event has passed.
	Complete bool
	// Errored is set once the stream was ended with an error event (a
	// blocked call in BlockWithError mode, or an event the guard could not
	// read); later events are dropped.
	Errored bool
	// Dropped counts tool calls held when the stream ended early: they were
	// never sent.
	Dropped int

	cc ccState
	rs rsState
	an anState
	tw textWatch
}

// NewReassembler reads a stream of api, judging each call with judge.
func NewReassembler(api API, judge Judge, mode BlockMode) *Reassembler {
	return &Reassembler{api: api, judge: judge, mode: mode}
}

// Event takes one received event and returns the bytes to send on now.
func (r *Reassembler) Event(ev Event) []byte {
	if r.Errored {
		return nil
	}
	var pre []byte
	if r.tw.active() {
		// Tool calls written as text, which OpenClaw promotes to calls:
		// judged before the event that ends the answer passes.
		end, terminal, err := r.observeText(ev)
		if err == nil && end {
			if notices := r.judgeTextCalls(); len(notices) > 0 {
				if r.mode == BlockWithError {
					r.Dropped += r.held()
					return r.blockedError(notices)
				}
				if r.api == Responses {
					ev, err = rsWithNotice(ev, notices)
				} else {
					pre = r.textNotice(notices)
				}
			} else if terminal && r.api == Responses && r.tw.blocked {
				// response.completed repeats the message: with the notice.
				ev, err = rsWithNotice(ev, r.tw.notices)
			}
			if terminal {
				r.tw.done = true
			}
		}
		if r.tw.over && err == nil {
			r.Dropped += r.held()
			return r.errorEvent("stream_unreadable", "the answer's text opens a tool call written as text and is longer than the guard reads; the response was stopped")
		}
		if err != nil {
			r.Dropped += r.held()
			return r.errorEvent("stream_unreadable", "the guard could not read the provider's stream: "+err.Error()+"; the response was stopped")
		}
	}
	var out []byte
	var err error
	switch r.api {
	case Completions:
		out, err = r.ccEvent(ev)
	case Responses:
		out, err = r.rsEvent(ev)
	case Anthropic:
		out, err = r.anEvent(ev)
	}
	if err != nil {
		// An event that may carry a tool call and cannot be read is not
		// forwarded: the stream ends with an error instead.
		r.Dropped += r.held()
		return append(out, r.errorEvent("stream_unreadable", "the guard could not read the provider's stream: "+err.Error()+"; the response was stopped")...)
	}
	if pre != nil {
		return append(pre, out...)
	}
	return out
}

// End is called when the upstream stream has ended. A stream that ended
// without its terminal event drops whatever tool call it held and returns
// nothing more: the client sees a cut stream, as it would without the
// guard, and never a partial call.
func (r *Reassembler) End() []byte {
	if !r.Complete && !r.Errored {
		r.Dropped += r.held()
		if r.tw.active() {
			// An answer cut before its end may still be promoted from
			// what arrived: its text calls are judged.
			if notices := r.judgeTextCalls(); len(notices) > 0 {
				return r.blockedError(notices)
			}
		}
	}
	return nil
}

// Fail ends the stream with the API's in-stream error (code and message)
// for a reason outside the stream's events, such as an event too large to
// read. Held calls are dropped.
func (r *Reassembler) Fail(code, message string) []byte {
	if r.Errored {
		return nil
	}
	r.Dropped += r.held()
	return r.errorEvent(code, message)
}

// held counts tool calls waiting for completion.
func (r *Reassembler) held() int {
	switch r.api {
	case Completions:
		n := 0
		for _, st := range r.cc.choices {
			n += len(st.calls)
		}
		return n
	case Responses:
		return len(r.rs.held)
	case Anthropic:
		if r.an.held != nil {
			return 1
		}
	}
	return 0
}

// decide judges a call and records the decision.
func (r *Reassembler) decide(c ToolCall) Decision {
	d := r.judge(c)
	r.Records = append(r.Records, CallRecord{Call: c, Decision: d})
	return d
}

// decideVersions judges a call whose arguments arrived in more than one
// version (streamed pieces, a done event, the completed item), which a
// stream may make disagree: the client may take any of them, so the call
// is blocked when one version is. The record holds the version that
// decided.
func (r *Reassembler) decideVersions(c ToolCall, versions []string) (ToolCall, Decision) {
	d := r.judge(c)
	seen := map[string]bool{c.Arguments: true}
	for _, v := range versions {
		if d.Block {
			break
		}
		if seen[v] {
			continue
		}
		seen[v] = true
		alt := c
		alt.Arguments = v
		if ad := r.judge(alt); ad.Block {
			c, d = alt, ad
		}
	}
	r.Records = append(r.Records, CallRecord{Call: c, Decision: d})
	return c, d
}

// errorEvent ends the stream with the API's in-stream error and marks the
// reassembler done.
func (r *Reassembler) errorEvent(code, message string) []byte {
	r.Errored = true
	switch r.api {
	case Anthropic:
		return NamedEvent("error", bytes.TrimSpace(ErrorBody(Anthropic, ErrPermission, code, message)))
	case Responses:
		body := []byte(`{"type":"error","code":` + string(quote(code)) + `,"message":` + string(quote(message)) + `,"param":null}`)
		return NamedEvent("error", body)
	default:
		return DataEvent(bytes.TrimSpace(ErrorBody(Completions, ErrPermission, code, message)))
	}
}

// blockedError is the error that ends a stream in BlockWithError mode.
func (r *Reassembler) blockedError(notices []string) []byte {
	return r.errorEvent("tool_call_blocked", strings.Join(notices, " "))
}

// mayCarryCall reports whether an event's data could be about a tool call:
// it names one, or it holds \u escapes, the only way JSON can spell a
// member name other than literally.
func mayCarryCall(data []byte, names ...string) bool {
	if bytes.Contains(data, []byte(`\u`)) {
		return true
	}
	for _, n := range names {
		if bytes.Contains(data, []byte(n)) {
			return true
		}
	}
	return false
}

// unmarshal is strict JSON into v: duplicate names and invalid UTF-8 are
// errors (jsontext's defaults), names match exactly.
func unmarshal(data []byte, v any) error {
	return json.Unmarshal(data, v)
}

func marshal(v any) []byte {
	b, err := json.Marshal(v, json.Deterministic(true))
	if err != nil {
		panic("wire: marshal: " + err.Error()) // only our own types
	}
	return b
}

// rawString is the JSON text of s.
func rawString(s string) jsontext.Value { return jsontext.Value(quote(s)) }

// stringOf decodes a JSON string value, "" for anything else.
func stringOf(v jsontext.Value) string {
	if v.Kind() != '"' {
		return ""
	}
	s, _ := unquote(v)
	return s
}
