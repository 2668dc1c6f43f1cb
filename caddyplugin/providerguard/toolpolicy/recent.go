package toolpolicy

import (
	"sync"

	"github.com/go-json-experiment/json"

	"github.com/openclaw-secure-stack/securestack/caddyplugin/providerguard/wire"
)

// Recent is the history a guard keeps of the direct tool calls it allowed
// (POST /tools/invoke, WebSocket tools.invoke), which carry no
// conversation: the calls that write files (write, edit, apply_patch) and
// that type keys (process, terminal, computer), so that a script written
// by one call and run by another, or a command typed a few keys per call,
// is judged whole, as the provider guard judges a model's calls with the
// conversation's. It is one history for every client of the guard: the
// calls act on one machine, whoever makes them. It keeps at most MaxCalls
// calls and MaxBytes of arguments, forgetting the oldest first.
type Recent struct {
	MaxCalls, MaxBytes int

	mu    sync.Mutex
	calls []wire.ToolCall
	bytes int
	// Forgotten counts calls dropped to stay within the bounds.
	Forgotten int
}

// Defaults of a zero Recent's bounds.
const (
	DefaultRecentCalls = 128
	DefaultRecentBytes = 1 << 20
)

// DecideRecent judges a direct call with the calls before it in rc, and
// remembers it when it is allowed and writes files or types keys. Calls
// are judged one at a time, in the order they arrive.
func (j *Judge) DecideRecent(rc *Recent, c wire.ToolCall) wire.Decision {
	rc.mu.Lock()
	defer rc.mu.Unlock()
	d := j.DecideWith(func() []wire.ToolCall { return rc.calls })(c)
	if !d.Block && j.joins(c) {
		rc.add(c)
	}
	return d
}

// joins reports a call a later one may need: one that writes files or
// types keys (also through tool_call).
func (j *Judge) joins(c wire.ToolCall) bool {
	t, ok := j.p.Tools[j.CanonicalName(c.Name, c.ID)]
	if !ok {
		return false
	}
	switch {
	case t.Kind == KindWrite, t.Kind == KindPatch, t.Session != "":
		return true
	case t.Kind == KindDispatch:
		var args map[string]any
		if json.Unmarshal([]byte(c.Arguments), &args) != nil {
			return false
		}
		inner, _ := args[t.Name].(string)
		return inner != "" && j.joins(wire.ToolCall{Name: inner})
	}
	return false
}

func (rc *Recent) add(c wire.ToolCall) {
	maxCalls, maxBytes := rc.MaxCalls, rc.MaxBytes
	if maxCalls <= 0 {
		maxCalls = DefaultRecentCalls
	}
	if maxBytes <= 0 {
		maxBytes = DefaultRecentBytes
	}
	if len(c.Arguments) > maxBytes {
		rc.Forgotten++
		return
	}
	rc.calls = append(rc.calls, c)
	rc.bytes += len(c.Arguments)
	drop := 0
	for len(rc.calls)-drop > maxCalls || rc.bytes > maxBytes {
		rc.bytes -= len(rc.calls[drop].Arguments)
		drop++
	}
	if drop > 0 {
		rc.Forgotten += drop
		rc.calls = append(rc.calls[:0:0], rc.calls[drop:]...)
	}
}
