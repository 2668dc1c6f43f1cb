package wsfirewall

import (
	"bytes"
	"errors"
	"io"
	"net"
	"strings"
	"testing"
)

// discardConn stands in for the client connection: the firewall's own
// frames (refusals, closes) are written to it and dropped.
type discardConn struct{ net.Conn }

func (discardConn) Write(p []byte) (int, error) { return len(p), nil }
func (discardConn) Close() error                { return nil }

// FuzzRelayStream feeds arbitrary client bytes through the relay and checks
// what it would hand the gateway: whole masked frames only, every data
// message one the firewall judged and allowed, and at most one close frame
// of its own at the end. Nothing panics.
func FuzzRelayStream(f *testing.F) {
	mask := [4]byte{7, 1, 3, 9}
	frame := func(fin bool, op byte, p string) []byte {
		b := appendFrame(nil, op, []byte(p), &mask)
		if !fin {
			b[0] &^= 0x80
		}
		return b
	}
	cat := func(parts ...[]byte) []byte { return bytes.Join(parts, nil) }
	chat := req("2", "chat.send", `{"message":"hello","sessionKey":"main","idempotencyKey":"k"}`)
	f.Add(cat(frame(true, opText, connect), frame(true, opText, chat)))
	f.Add(cat(frame(true, opText, connect), frame(false, opText, chat[:10]), frame(true, opPing, "x"), frame(true, opContinuation, chat[10:])))
	f.Add(cat(frame(true, opText, connect), frame(true, opText, req("3", "terminal.open", ""))))
	f.Add(cat(frame(true, opText, connect), frame(true, opBinary, "x")))
	f.Add(cat(frame(true, opText, connect), frame(true, opText, `{"type":"req","id":"1","method":"health","method":"x"}`)))
	f.Add(frame(true, opText, connect)[:5])
	f.Add([]byte{0x81, 0xFF, 0, 0, 0, 0, 0, 0, 0, 0, 1, 2, 3, 4})
	f.Fuzz(func(t *testing.T, in []byte) {
		fw := &Firewall{Policy: DefaultPolicy(), Judge: injectionJudge, MaxMessage: 1 << 16}
		c := newConn(discardConn{}, bytes.NewReader(in), fw, Peer{Role: "operator"})
		out, err := io.ReadAll(c)
		if err != nil && !errors.Is(err, ErrClosedByFirewall) {
			t.Fatalf("read error %v", err)
		}
		var msg []byte
		inMsg, closed := false, false
		// Connect frames are judged against the socket's history (first or
		// not); every other forwarded message must pass on its own.
		judge := &session{role: "operator", sawConnect: true}
		for len(out) > 0 {
			if closed {
				t.Fatalf("bytes after the firewall's close frame: %q", out)
			}
			h, err := parseHeader(out)
			if err != nil || !h.masked || uint64(len(out)-h.size) < h.length {
				t.Fatalf("forwarded a broken frame: %q", out)
			}
			payload := append([]byte(nil), out[h.size:h.size+int(h.length)]...)
			maskBytes(payload, h.mask, 0)
			out = out[h.size+int(h.length):]
			switch {
			case h.opcode == opClose:
				closed = errors.Is(err, ErrClosedByFirewall) || closed
			case isControl(h.opcode):
			case h.opcode == opText || h.opcode == opContinuation:
				msg = append(msg, payload...)
				inMsg = !h.fin
				if !inMsg {
					if r, err := ParseRequest(msg); err != nil {
						t.Fatalf("forwarded an unparsable message (%v): %q", err, msg)
					} else if r.Method == "connect" {
						msg = nil
						continue
					}
					if d := fw.Inspect(judge, msg); d.Action != Forward {
						t.Fatalf("forwarded a message the firewall refuses (%s): %q", d.Reason, msg)
					}
					if strings.Contains(strings.ToLower(string(msg)), "ignore previous instructions") && strings.Contains(string(msg), "chat.send") {
						t.Fatalf("forwarded an injection: %q", msg)
					}
					msg = nil
				}
			default:
				t.Fatalf("forwarded opcode %d", h.opcode)
			}
		}
		if inMsg {
			t.Fatal("forwarded part of a message")
		}
	})
}

// FuzzChatText reads params as the firewall does: any valid JSON must give
// texts or a ParamsError, never a panic, and every text must be
// named.
func FuzzChatText(f *testing.F) {
	f.Add("chat.send", `{"message":"m","workContext":{"page":"p","selection":"s"},"systemProvenanceReceipt":"r"}`)
	f.Add("agent", `{"message":"m","internalEvents":[{"result":"r","attachments":[{"n":["a",{"b":"c"}]}]}],"swarmOutputSchema":{"a":[1,true,null,"x"]}}`)
	f.Add("agent", `{"internalEvents":"x"}`)
	f.Add("sessions.create", `{"titleSource":"t","task":null}`)
	f.Add("chat.send", `{"message":"m","attachments":[{"fileName":"a.txt","content":"aGk="},{"source":{"type":"base64","data":"AGgAaQ=="}},{"source":[1]},7]}`)
	f.Fuzz(func(t *testing.T, method, params string) {
		if !validJSON([]byte(params)) {
			return
		}
		texts, err := ChatText(method, []byte(params))
		if err != nil {
			var pe *ParamsError
			if !errors.As(err, &pe) {
				t.Fatalf("ChatText(%q, %q) error %T %v, want a *ParamsError", method, params, err, err)
			}
			return
		}
		for _, tx := range texts {
			if tx.Field == "" {
				t.Fatalf("ChatText(%q, %q) gave a text without a field", method, params)
			}
		}
	})
}
