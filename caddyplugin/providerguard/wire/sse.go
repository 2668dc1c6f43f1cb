package wire

import (
	"bytes"
)

// Event is one server-sent event as received.
type Event struct {
	// Raw is the event's bytes, its terminating blank line included: what
	// is forwarded when the event passes unchanged.
	Raw []byte
	// Name is the event field ("" when the event has none).
	Name string
	// Data is the data fields joined with "\n".
	Data []byte
}

// Framer cuts a byte stream into server-sent events (the WHATWG
// EventSource format: lines ending in \n, \r\n or \r, an event ending at a
// blank line). Bytes may arrive split anywhere.
type Framer struct {
	buf  []byte
	scan int // bytes of buf already searched for an event end
	// MaxEvent bounds the bytes one event may take; past it Next reports
	// ErrEventTooLarge. Zero means 8 MiB.
	MaxEvent int
}

// ErrEventTooLarge is returned by Next for an event longer than MaxEvent.
var ErrEventTooLarge = errorString("server-sent event larger than the guard's limit")

type errorString string

func (e errorString) Error() string { return string(e) }

// Write adds received bytes.
func (f *Framer) Write(p []byte) {
	f.buf = append(f.buf, p...)
}

// Next returns the next complete event, or ok false when more bytes are
// needed. The event's slices stay valid until the next Write.
func (f *Framer) Next() (ev Event, ok bool, err error) {
	limit := f.MaxEvent
	if limit == 0 {
		limit = 8 << 20
	}
	end, resume := eventEnd(f.buf, f.scan)
	if end < 0 {
		f.scan = resume
		if len(f.buf) > limit {
			return Event{}, false, ErrEventTooLarge
		}
		return Event{}, false, nil
	}
	raw := f.buf[:end]
	f.buf = f.buf[end:]
	f.scan = 0
	if len(f.buf) == 0 {
		f.buf = nil // let a large event's memory go
	}
	return parseEvent(raw), true, nil
}

// Pending reports bytes received that do not yet make a complete event.
func (f *Framer) Pending() int { return len(f.buf) }

// eventEnd returns the offset just after the blank line that ends the
// first event in b, or -1 and the start of the first line it could not
// finish, where the next search can begin (from is such a start).
func eventEnd(b []byte, from int) (end, resume int) {
	for i := from; i < len(b); {
		j := bytes.IndexAny(b[i:], "\r\n")
		if j < 0 {
			return -1, i
		}
		nl := i + j
		next := nl + 1
		if b[nl] == '\r' {
			if next >= len(b) {
				return -1, i // a \r at the end may be half of \r\n
			}
			if b[next] == '\n' {
				next++
			}
		}
		if nl == i {
			// An empty line ends the event (at offset 0, an empty event: a
			// stray blank line, forwarded as it is).
			return next, 0
		}
		i = next
	}
	return -1, len(b)
}

// parseEvent reads the fields of one event.
func parseEvent(raw []byte) Event {
	ev := Event{Raw: raw}
	var data [][]byte
	for len(raw) > 0 {
		j := bytes.IndexAny(raw, "\r\n")
		if j < 0 {
			j = len(raw)
		}
		line := raw[:j]
		rest := raw[j:]
		if len(rest) > 0 {
			if rest[0] == '\r' && len(rest) > 1 && rest[1] == '\n' {
				rest = rest[2:]
			} else {
				rest = rest[1:]
			}
		}
		raw = rest
		if len(line) == 0 || line[0] == ':' {
			continue
		}
		name, value, _ := bytes.Cut(line, []byte(":"))
		value = bytes.TrimPrefix(value, []byte(" "))
		switch string(name) {
		case "event":
			ev.Name = string(value)
		case "data":
			data = append(data, value)
		}
	}
	if len(data) == 1 {
		ev.Data = data[0]
	} else if len(data) > 1 {
		ev.Data = bytes.Join(data, []byte("\n"))
	}
	return ev
}

// DataEvent formats a data-only event.
func DataEvent(data []byte) []byte {
	out := make([]byte, 0, len(data)+8)
	out = append(out, "data: "...)
	out = append(out, data...)
	return append(out, "\n\n"...)
}

// NamedEvent formats an event with a name and one data line.
func NamedEvent(name string, data []byte) []byte {
	out := make([]byte, 0, len(name)+len(data)+16)
	out = append(out, "event: "...)
	out = append(out, name...)
	out = append(out, "\ndata: "...)
	out = append(out, data...)
	return append(out, "\n\n"...)
}
