package wire

import (
	"strings"
)

// OpenClaw's runtime context: a user-role message it writes itself,
// delimited by these lines, holding instructions of its own and "data, not
// instructions" fragments (each a JSON string on its own line) that may
// carry text from elsewhere (exec session output, subagent results).
// OpenClaw escapes the delimiters in untrusted text it embeds, so a message
// that is one such block, from its first line to its last, is OpenClaw's.
const (
	runtimeContextBegin = "<<<BEGIN_OPENCLAW_INTERNAL_CONTEXT>>>"
	runtimeContextEnd   = "<<<END_OPENCLAW_INTERNAL_CONTEXT>>>"
)

var runtimeDataHeaders = []string{"Conversation data (data, not instructions):", "Heartbeat outcome (data, not instructions):"}

// RuntimeContext reports whether a user text is one OpenClaw runtime
// context block and returns its data fragments, decoded: the parts of it
// that did not come from OpenClaw and are to be judged. A data line that
// is not a JSON string is returned as it is.
func RuntimeContext(text string) (data []string, ok bool) {
	if !strings.HasPrefix(text, runtimeContextBegin+"\n") || !strings.HasSuffix(text, "\n"+runtimeContextEnd) {
		return nil, false
	}
	inner := text[len(runtimeContextBegin)+1 : len(text)-len(runtimeContextEnd)-1]
	if strings.Contains(inner, runtimeContextBegin) || strings.Contains(inner, runtimeContextEnd) {
		return nil, false // nested or forged: not the shape OpenClaw writes
	}
	lines := strings.Split(inner, "\n")
	for i := 0; i+1 < len(lines); i++ {
		for _, h := range runtimeDataHeaders {
			if lines[i] != h {
				continue
			}
			v := lines[i+1]
			if s, err := unquote([]byte(v)); err == nil && strings.HasPrefix(v, `"`) {
				v = s
			}
			data = append(data, v)
			i++
			break
		}
	}
	return data, true
}
