package wsfirewall

import (
	"reflect"
	"strings"
	"testing"
)

func TestMethodTable(t *testing.T) {
	if len(methodScopes) < 400 {
		t.Fatalf("methods.tsv has %d methods; OpenClaw 2026.9.6 has 482", len(methodScopes))
	}
	for m, want := range map[string]string{
		"chat.send": ScopeWrite, "chat.history": ScopeRead, "terminal.open": ScopeAdmin,
		"config.patch": ScopeAdmin, "node.invoke": ScopeWrite, "node.invoke.result": "", "health": ScopeRead,
	} {
		if got, ok := MethodScope(m); !ok || got != want {
			t.Errorf("MethodScope(%s) = %q, %v; want %q", m, got, ok, want)
		}
	}
	for _, m := range ChatMethods() {
		if _, ok := MethodScope(m); !ok {
			t.Errorf("chat method %s is not in OpenClaw's method table", m)
		}
	}
	for _, d := range DangerousMethods {
		if strings.HasSuffix(d, ".*") {
			continue
		}
		if _, ok := MethodScope(d); !ok {
			t.Errorf("dangerous method %s is not in OpenClaw's method table", d)
		}
	}
}

func TestScopeSatisfied(t *testing.T) {
	for _, tc := range []struct {
		required string
		granted  []string
		want     bool
	}{
		{ScopeRead, []string{ScopeRead}, true},
		{ScopeWrite, []string{ScopeRead}, false},
		{ScopeRead, []string{ScopeWrite}, true},
		{ScopeSessionsWrite, []string{ScopeWrite}, true},
		{ScopeSessionsRead, []string{ScopeRead}, true},
		{ScopeTalk, []string{ScopeWrite}, true},
		{ScopePairing, []string{ScopeWrite}, false},
		{ScopeAdmin, []string{ScopeWrite, ScopeRead}, false},
		{ScopePairing, []string{ScopeAdmin}, true},
		{"node.invoke", []string{ScopeAdmin}, false},
	} {
		if got := ScopeSatisfied(tc.required, tc.granted); got != tc.want {
			t.Errorf("ScopeSatisfied(%s, %v) = %v", tc.required, tc.granted, got)
		}
	}
}

func TestDecide(t *testing.T) {
	granted := RoleAdmin
	granted.Name = "admin-terminal"
	granted.Grant = []string{"terminal.*"}
	ops := RoleOperator
	ops.Name = "ops-no-cron-read"
	ops.Deny = []string{"cron.list"}
	p, err := NewPolicy([]Role{RoleViewer, RoleOperator, RoleAdmin, granted, ops}, UnknownDeny)
	if err != nil {
		t.Fatal(err)
	}
	for _, tc := range []struct {
		role, method string
		ok           bool
		reason       string
	}{
		{"viewer", "chat.history", true, ""},
		{"viewer", "chat.send", false, ReasonMissingScope},
		{"operator", "chat.send", true, ""},
		{"operator", "sessions.create", true, ""},
		{"operator", "config.get", true, ""},
		{"operator", "config.patch", false, ReasonDangerous},
		{"operator", "terminal.open", false, ReasonDangerous},
		{"viewer", "terminal.open", false, ReasonDangerous},
		{"admin", "terminal.open", false, ReasonDangerous},
		{"admin", "cron.add", false, ReasonDangerous},
		{"admin", "sessions.delete", true, ""},
		{"admin-terminal", "terminal.open", true, ""},
		{"admin-terminal", "terminal.input", true, ""},
		{"admin-terminal", "node.invoke", false, ReasonDangerous},
		{"admin-terminal", "skills.install", false, ReasonDangerous},
		{"ops-no-cron-read", "cron.list", false, ReasonRoleDenied},
		{"ops-no-cron-read", "chat.send", true, ""},
		{"operator", "tools.invoke", false, ReasonDangerous},
		{"operator", "node.event", false, ReasonNodeMethod},
		{"operator", "browser.request", false, ReasonUnknownMethod},
		{"operator", "connect", true, ""},
		{"nobody", "chat.history", false, ReasonRoleDenied},
	} {
		ok, reason := p.Decide(tc.role, tc.method)
		if ok != tc.ok || reason != tc.reason {
			t.Errorf("Decide(%s, %s) = %v, %q; want %v, %q", tc.role, tc.method, ok, reason, tc.ok, tc.reason)
		}
	}

	allowUnknown, _ := NewPolicy([]Role{RoleOperator}, UnknownAllow)
	if ok, _ := allowUnknown.Decide("operator", "browser.request"); !ok {
		t.Error("unknown_methods allow refused an unknown method")
	}
	if ok, _ := allowUnknown.Decide("operator", "terminal.open"); ok {
		t.Error("unknown_methods allow let a dangerous method through")
	}
}

func TestRoleCheck(t *testing.T) {
	for _, tc := range []struct {
		role Role
		want string
	}{
		{Role{Name: "x", Scopes: []string{"operator.root"}}, "unknown OpenClaw scope"},
		{Role{Name: "x", Grant: []string{"chat.send"}}, "not a dangerous method"},
		{Role{Name: "x", Grant: []string{"*"}}, "method pattern"},
		{Role{Name: "x", Deny: []string{"a*b"}}, "method pattern"},
		{Role{Scopes: []string{ScopeRead}}, "name"},
	} {
		if err := tc.role.Check(); err == nil || !strings.Contains(err.Error(), tc.want) {
			t.Errorf("Check(%+v) = %v, want %q", tc.role, err, tc.want)
		}
	}
	for _, ok := range []Role{{Name: "a", Grant: []string{"terminal.open"}}, {Name: "b", Grant: []string{"cron.*", "node.invoke"}}} {
		if err := ok.Check(); err != nil {
			t.Errorf("Check(%+v): %v", ok, err)
		}
	}
	if _, err := NewPolicy([]Role{RoleViewer, RoleViewer}, ""); err == nil {
		t.Error("a role defined twice was accepted")
	}
	if _, err := NewPolicy(nil, "sometimes"); err == nil {
		t.Error("a bad unknown_methods value was accepted")
	}
}

func TestCapHeader(t *testing.T) {
	if got := RoleViewer.CapHeader(); got != "operator.read,operator.sessions.read" {
		t.Errorf("viewer cap = %q", got)
	}
	for _, r := range []Role{RoleViewer, RoleOperator, RoleAdmin} {
		if err := r.Check(); err != nil {
			t.Error(err)
		}
	}
}

func TestChatText(t *testing.T) {
	realPNG := noisePNG(t)
	for _, tc := range []struct {
		method, params string
		want           []Text
		err            string
	}{
		{"chat.send", `{"sessionKey":"main","message":"hello","idempotencyKey":"k"}`, []Text{{"message", "hello"}}, ""},
		{"chat.send", `{"message":"a","workContext":{"page":"p","selection":"sel"}}`, []Text{{"message", "a"}, {"workContext.page", "p"}, {"workContext.selection", "sel"}}, ""},
		{"sessions.send", `{"key":"k","message":"m"}`, []Text{{"message", "m"}}, ""},
		{"sessions.steer", `{"key":"k","message":"m"}`, []Text{{"message", "m"}}, ""},
		{"sessions.create", `{"key":"k"}`, nil, ""},
		{"sessions.create", `{"message":"m","task":"t"}`, []Text{{"message", "m"}, {"task", "t"}}, ""},
		{"agent", `{"message":"m","extraSystemPrompt":"s","idempotencyKey":"k"}`, []Text{{"message", "m"}, {"extraSystemPrompt", "s"}}, ""},
		{"chat.inject", `{"sessionKey":"s","message":"m"}`, []Text{{"message", "m"}}, ""},
		{"wake", `{"mode":"now","text":"t"}`, []Text{{"text", "t"}}, ""},
		{"conversations.send", `{"message":"m"}`, []Text{{"message", "m"}}, ""},
		{"conversations.turn", `{"message":"m"}`, []Text{{"message", "m"}}, ""},
		{"cron.add", `{"payload":{"kind":"agentTurn","message":"m"}}`, []Text{{"payload.message", "m"}}, ""},
		{"cron.add", `{"payload":{"kind":"systemEvent","text":"t"}}`, []Text{{"payload.text", "t"}}, ""},
		{"cron.update", `{"id":"j","patch":{"payload":{"kind":"agentTurn","message":"m"}}}`, []Text{{"patch.payload.message", "m"}}, ""},
		{"chat.send", `{"message":null}`, nil, ""},
		{"chat.send", `null`, nil, ""},
		{"chat.history", `{"message":"not chat text here"}`, nil, ""},
		{"chat.send", `{"message":["a"]}`, nil, "want a string"},
		{"chat.send", `{"message":5}`, nil, "want a string"},
		{"chat.send", `"message"`, nil, "want an object"},
		{"cron.add", `{"payload":"m"}`, nil, "want an object"},
		{"chat.send", `{"message":"\u0069gnore"}`, []Text{{"message", "ignore"}}, ""},
		// Red team 2026-12-06: fields the gateway also puts in front of the
		// model. The whole work context is JSON-quoted into the prompt
		// (work-context-*.mjs formatChatWorkContext), the provenance receipt
		// is prepended to the message (chat-send-handler-*.mjs), an agent
		// call's internal events are rendered as a task-completion turn
		// with its replyInstruction, and its swarm output schema is a JSON
		// schema the model reads.
		{"chat.send", `{"message":"m","workContext":{"page":"chat","title":"t","file":"f","workspace":"w","selection":"s"}}`,
			[]Text{{"message", "m"}, {"workContext.page", "chat"}, {"workContext.title", "t"}, {"workContext.file", "f"}, {"workContext.workspace", "w"}, {"workContext.selection", "s"}}, ""},
		{"chat.send", `{"message":"m","systemProvenanceReceipt":"r"}`, []Text{{"message", "m"}, {"systemProvenanceReceipt", "r"}}, ""},
		{"agent", `{"message":"m","internalEvents":[{"type":"task_completion","result":"r","replyInstruction":"i","attachments":[{"name":"n"}]}]}`,
			[]Text{{"message", "m"}, {"internalEvents[0].type", "task_completion"}, {"internalEvents[0].result", "r"}, {"internalEvents[0].replyInstruction", "i"}, {"internalEvents[0].attachments[0].name", "n"}}, ""},
		{"agent", `{"message":"m","swarmOutputSchema":{"type":"object","properties":{"a":{"description":"d"}}}}`,
			[]Text{{"message", "m"}, {"swarmOutputSchema.type (key)", "type"}, {"swarmOutputSchema.type", "object"}, {"swarmOutputSchema.properties (key)", "properties"},
				{"swarmOutputSchema.properties.a (key)", "a"}, {"swarmOutputSchema.properties.a.description (key)", "description"}, {"swarmOutputSchema.properties.a.description", "d"}}, ""},
		{"sessions.create", `{"titleSource":"t"}`, []Text{{"titleSource", "t"}}, ""},
		{"chat.send", `{"message":"m","workContext":"s"}`, nil, "want an object"},
		// Red team round 7: attachments. OpenClaw puts the text of a file it
		// reads as text, and the file's name, into the prompt.
		{"chat.send", `{"message":"m","attachments":[{"type":"file","mimeType":"text/plain","fileName":"a.txt","content":"aGVsbG8="}]}`,
			[]Text{{"message", "m"}, {"attachments[0].type", "file"}, {"attachments[0].fileName", "a.txt"}, {"attachments[0].content", "hello"}}, ""},
		{"chat.send", `{"message":"m","attachments":[{"content":" data:text/plain;base64,aGVsbG8= "}]}`, []Text{{"message", "m"}, {"attachments[0].content", "hello"}}, ""},
		{"chat.send", `{"message":"m","attachments":[{"content":5,"source":{"type":"base64","media_type":"text/plain","data":"aGk="}}]}`,
			[]Text{{"message", "m"}, {"attachments[0].source.data", "hi"}}, ""},
		{"chat.send", `{"message":"m","attachments":[{"source":{"type":"url","data":"aGk="}},{"source":"x"},"y",null]}`, []Text{{"message", "m"}}, ""},
		{"sessions.send", `{"message":"m","attachments":[{"content":"aABpAA=="}]}`, []Text{{"message", "m"}, {"attachments[0].content", "hi"}, {"attachments[0].content", "h\x00i\x00"}}, ""},
		{"sessions.send", `{"message":"m","attachments":[{"content":"//5oAGkA"}]}`, []Text{{"message", "m"}, {"attachments[0].content", "hi"}, {"attachments[0].content", "\u00ff\u00feh\x00i\x00"}}, ""},
		{"agent", `{"message":"m","attachments":[{"content":"6Q=="}]}`, []Text{{"message", "m"}, {"attachments[0].content", "\ufffd"}, {"attachments[0].content", "\u00e9"}}, ""},
		// Not UTF-8 because of one stray byte: the gateway decodes a file
		// the client calls text as UTF-8 (the Russian stays Russian), one it
		// sniffs as windows-1252 (mojibake); both readings are judged.
		{"agent", `{"message":"m","attachments":[{"content":"0L/RgNC40LLQtdGC/w=="}]}`, []Text{{"message", "m"}, {"attachments[0].content", "привет\ufffd"}, {"attachments[0].content", "Ð¿Ñ€Ð¸Ð²ÐµÑ‚\u00ff"}}, ""},
		// A PNG signature with too little after it for file-type: without a
		// name OpenClaw reads these bytes as UTF-16BE text (with the name
		// p.png, as an image); the guard judges every reading.
		{"sessions.create", `{"attachments":[{"fileName":"p.png","content":"iVBORw0KGgoAAAAN"}]}`, []Text{{"attachments[0].fileName", "p.png"}, {"attachments[0].content", "\u8950\u4e47\u0d0a\u1a0a\x00\r"}, {"attachments[0].content", "\u2030PNG\r\n\x1a\n\x00\x00\x00\r"}}, ""},
		// A real PNG (its first 2 KiB) is an image to OpenClaw and is skipped.
		{"sessions.create", `{"attachments":[{"fileName":"p.png","content":"` + realPNG + `"}]}`, []Text{{"attachments[0].fileName", "p.png"}}, ""},
		{"chat.send", `{"message":"m","attachments":[{"content":""}]}`, []Text{{"message", "m"}}, ""},
		{"chat.send", `{"message":"m","attachments":[{"content":"JVBERi0xLjcK"}]}`, nil, "is a PDF"},
		{"chat.send", `{"message":"m","attachments":[{"content":"aGVsbG8"}]}`, nil, "not base64"},
		{"chat.send", `{"message":"m","attachments":{"content":"aGk="}}`, nil, "want an array"},
		{"chat.inject", `{"message":"m","attachments":[{"content":"aGk="}]}`, []Text{{"message", "m"}}, ""},
		// Red team round 7: other methods whose text reaches a model.
		{"talk.client.toolCall", `{"sessionKey":"s","callId":"c","name":"n","args":{"question":"q","context":"c"}}`, []Text{{"args.question", "q"}, {"args.context", "c"}}, ""},
		{"talk.client.transcript", `{"sessionKey":"s","voiceSessionId":"v","entryId":"e","role":"user","text":"t"}`, []Text{{"text", "t"}}, ""},
		{"openclaw.chat", `{"sessionId":"s","message":"m","context":{"page":"p"}}`, []Text{{"message", "m"}, {"context.page", "p"}}, ""},
		{"system-event", `{"text":"t","wake":true}`, []Text{{"text", "t"}}, ""},
		{"system-event", `{"text":"Node: h","host":"h","ip":"i","version":"v","mode":"m","reason":"r","platform":"p"}`, []Text{{"text", "Node: h"}, {"host", "h"}, {"ip", "i"}, {"version", "v"}, {"mode", "m"}, {"reason", "r"}}, ""},
		{"sessions.catalog.startTerminal", `{"catalogId":"c","agentId":"a","cwd":"/w","initialMessage":"m"}`, []Text{{"initialMessage", "m"}}, ""},
		{"mcp.app.updateModelContext", `{"sessionKey":"s","viewId":"v","content":[{"type":"text","text":"t"}]}`, []Text{{"content[0].type", "text"}, {"content[0].text", "t"}}, ""},
		{"session.suggestions.add", `{"sessionKey":"s","text":"t"}`, []Text{{"text", "t"}}, ""},
		{"chat.inject", `{"sessionKey":"s","label":"L","message":"m"}`, []Text{{"label+message", "[L]\n\nm"}}, ""},
		{"chat.inject", `{"sessionKey":"s","label":"","message":"m"}`, []Text{{"message", "m"}}, ""},
		{"sessions.companion.ask", `{"sessionKey":"main","question":"q"}`, []Text{{"question", "q"}}, ""},
		{"sessions.title.prepare", `{"agentId":"main","message":"m"}`, []Text{{"message", "m"}}, ""},
		{"sessions.goal.update", `{"sessionKey":"s","operationId":"o","action":"edit","objective":"g"}`, []Text{{"objective", "g"}}, ""},
		{"sessions.goal.update", `{"sessionKey":"s","operationId":"o","action":"block","note":"n"}`, []Text{{"note", "n"}}, ""},
	} {
		got, err := ChatText(tc.method, []byte(tc.params))
		if tc.err != "" {
			if err == nil || !strings.Contains(err.Error(), tc.err) {
				t.Errorf("ChatText(%s, %s) err = %v, want %q", tc.method, tc.params, err, tc.err)
			}
			continue
		}
		if err != nil || !reflect.DeepEqual(got, tc.want) {
			t.Errorf("ChatText(%s, %s) = %v, %v; want %v", tc.method, tc.params, got, err, tc.want)
		}
	}
}
