package model

import "bytes"

// Reader gives each unit of one text (Units, UnitsAt) the evidence of its
// place in the text: prose among table rows, off topic, a task or a
// request about the reply out of place, an address to the assistant and
// an order given to it, a unit after an end-of-content marker, a risky
// order, and a heading. The detector and the trainer both read units through it,
// so that the model is trained on the evidence it is judged with.
type Reader struct {
	Topic   Topic
	text    []byte
	tabular bool
	said    int // the end of the last unit addressed to the assistant, or -1
	after   int // how many units still follow an end-of-content marker
	ev      []uint32
}

// Reset starts reading text (normalised).
func (r *Reader) Reset(text []byte) {
	r.text, r.tabular, r.said, r.after = text, DocumentTabular(text), -1, 0
	r.Topic.Build(text)
}

// Read returns ev with the evidence of unit u appended (ev itself is not
// written to; the result is valid until the next Read), and the unit's
// Place. skip is true for a unit the model
// does not score: an end-of-content marker, which says nothing to the
// assistant ("--- end of document ---") but makes the units after it
// carry AfterMarkerEvidence. Units must be read in order, and units
// without words not at all.
func (r *Reader) Read(u [2]int32, ev []uint32) (out []uint32, place Place, skip bool) {
	unit := r.text[u[0]:u[1]]
	if EndMarker(unit) {
		r.after, r.said = AfterMarker, -1
		return ev, PlaceUnknown, true
	}
	out = append(r.ev[:0], ev...)
	defer func() { r.ev = out }()
	afterMarker := false
	if r.after > 0 {
		r.after--
		afterMarker = true
		out = append(out, afterMarkerBucket)
	}
	if b, ok := UnitContext(unit, r.tabular); ok {
		out = append(out, b)
	}
	place = r.Topic.Place(r.text, int(u[0]), int(u[1]))
	if place == PlaceOffTopic {
		out = append(out, offTopic)
		if TaskLead(unit) {
			out = append(out, taskOffTopic)
		}
		if AboutReply(unit) {
			out = append(out, aboutReply)
		}
	}
	a, act := Address(unit)
	if !a && r.said >= 0 && bytes.IndexByte(r.text[r.said:u[0]], '\n') < 0 {
		a, act = Continued(unit)
	}
	if a {
		r.said = int(u[1])
		out = append(out, addressed)
		if act {
			out = append(out, addressedAction)
		}
	} else {
		r.said = -1
		if Heading(r.text, u) && !taskLead(unit, false) && !Risky(unit) {
			out = append(out, heading)
		}
	}
	if (a || afterMarker) && Risky(unit) {
		out = append(out, risky)
	}
	return out, place, false
}
