package wsfirewall

import (
	"encoding/json"
	"testing"
)

func TestInspect(t *testing.T) {
	chat := []byte(req("1", "chat.send", `{"message":"hello"}`))
	t.Run("without a judge chat text is refused", func(t *testing.T) {
		fw := &Firewall{Policy: DefaultPolicy()}
		s := &session{role: "operator", sawConnect: true}
		if d := fw.Inspect(s, chat); d.Action != Refuse || d.Rules[0] != "guard.no_sanitizer" {
			t.Fatalf("Inspect = %+v", d)
		}
		if d := fw.Inspect(s, []byte(req("2", "chat.history", `{}`))); d.Action != Forward {
			t.Fatalf("a request without chat text was not forwarded: %+v", d)
		}
	})
	t.Run("connect in the node role is refused", func(t *testing.T) {
		fw := &Firewall{Policy: DefaultPolicy()}
		s := &session{role: "admin"}
		d := fw.Inspect(s, []byte(req("c", "connect", `{"role":"node"}`)))
		if d.Action != Refuse || d.Reason != "connect_role_denied" {
			t.Fatalf("Inspect = %+v", d)
		}
	})
	t.Run("the reply is OpenClaw's error shape for the request id", func(t *testing.T) {
		fw := &Firewall{Policy: DefaultPolicy(), Judge: injectionJudge}
		s := &session{role: "viewer", sawConnect: true}
		d := fw.Inspect(s, []byte(req("id-\"7", "terminal.open", "")))
		var r struct {
			Type  string `json:"type"`
			ID    string `json:"id"`
			OK    *bool  `json:"ok"`
			Error struct {
				Code, Message string
				Details       map[string]any
			} `json:"error"`
		}
		if err := json.Unmarshal(d.Reply, &r); err != nil {
			t.Fatal(err)
		}
		if r.Type != "res" || r.ID != `id-"7` || r.OK == nil || *r.OK || r.Error.Code != "FORBIDDEN" || r.Error.Message == "" ||
			r.Error.Details["method"] != "terminal.open" {
			t.Fatalf("reply %s", d.Reply)
		}
	})
}
