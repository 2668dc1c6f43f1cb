package wire

import (
	"slices"
)

// Edit replaces one string of a request: the JSON string literal at
// body[Start:End] becomes the JSON encoding of Text. Everything else in the
// body, the message structure and the tool-call pairing included, stays as
// it was.
type Edit struct {
	Start, End int
	Text       string
}

// Apply returns body with the edits made. Edits must not overlap; their
// order does not matter. body itself is not changed.
func Apply(body []byte, edits []Edit) []byte {
	if len(edits) == 0 {
		return body
	}
	edits = slices.Clone(edits)
	slices.SortFunc(edits, func(a, b Edit) int { return a.Start - b.Start })
	n := len(body)
	for _, e := range edits {
		n += len(e.Text) + 8 - (e.End - e.Start)
	}
	out := make([]byte, 0, max(n, 0))
	at := 0
	for _, e := range edits {
		if e.Start < at {
			panic("wire: overlapping edits")
		}
		out = append(out, body[at:e.Start]...)
		out = append(out, quote(e.Text)...)
		at = e.End
	}
	return append(out, body[at:]...)
}
