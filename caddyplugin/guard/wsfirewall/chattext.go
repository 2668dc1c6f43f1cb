package wsfirewall

import (
	"fmt"
	"slices"
	"sort"
	"strconv"
	"strings"
)

// chatFields lists, per method, the params fields whose text reaches a model
// as a prompt, read from the schemas of OpenClaw 2026.9.6
// (dist/sessions-*.mjs and dist/src-*.mjs, the gateway-protocol schema
// regions; see docs/control-ui.md):
//
//	chat.send             message, workContext.*,          ChatSendParamsSchema
//	                      systemProvenanceReceipt
//	sessions.send         message                          SessionsSendParamsSchema
//	sessions.steer        message                          the same schema (handleSessionSend)
//	sessions.create       message, task, titleSource       SessionsCreateParamsSchema (the first turn;
//	                                                       titleSource goes to the naming model)
//	agent                 message, extraSystemPrompt,      AgentParamsSchema
//	                      internalEvents.*, swarmOutputSchema.*
//	chat.inject           message, label                   ChatInjectParamsSchema (the label is put before
//	                                                       the message: "[label]\n\nmessage", judged joined)
//	wake                  text                             WakeParamsSchema
//	conversations.send    message                          ConversationSendParamsSchema
//	conversations.turn    message                          ConversationTurnParamsSchema
//	cron.add              payload.message, payload.text    CronAddParamsSchema (agentTurn, systemEvent)
//	cron.update           patch.payload.message, patch.payload.text   CronUpdateParamsSchema
//	sessions.companion.ask  question                       SessionsCompanionAskParamsSchema (session-companion-ask-*.mjs:
//	                                                       a user turn after the session's transcript)
//	sessions.title.prepare  message                        SessionsTitlePrepareParamsSchema (the naming model)
//	sessions.goal.update  objective, note                  SessionsGoalUpdateParamsSchema (inbound-meta-*.mjs
//	                                                       formatActiveGoalContext: before every later turn)
//	session.suggestions.add  text                          SessionSuggestionsAddParamsSchema (sent as a chat.send
//	                                                       by session.suggestions.resolve, inside the gateway)
//	mcp.app.updateModelContext  content.*                  (no schema; mcp-app-model-context-*.mjs: one text
//	                                                       block, put before the next turn)
//	sessions.catalog.startTerminal  initialMessage         SessionsCatalogStartTerminalParamsSchema (a dangerous method)
//	openclaw.chat         message, context.*               SystemAgentChatParamsSchema (the system agent)
//	system-event          text, host, ip, version, mode,   SystemEventParamsSchema (system-*.mjs: the next turn;
//	                      reason                           a presence event's line "Node: host (ip) · app … · mode … · reason …")
//	skills.proposals.requestRevision  instructions         SkillsProposalRequestRevisionParamsSchema (a chat.send
//	                                                       inside the gateway)
//	taskSuggestions.create  prompt, title, tldr            TaskSuggestionsCreateParamsSchema (the prompt is a chat.send
//	                                                       inside the gateway when accepted)
//	talk.client.steer, talk.session.steer, talk.client.transcript  text   (channels-*.mjs schemas)
//	talk.client.toolCall  args.*                           TalkClientToolCallParamsSchema (a chat.send inside
//	                                                       the gateway)
//
// attachments[] (chat.send, sessions.send and .steer, sessions.create,
// agent) is a list of files: their names and the text of those OpenClaw
// reads as text are judged (attachments.go).
//
// A listed field that is present must be a string (null counts as absent);
// anything else is refused, since the guard cannot judge it. A field ending
// in ".**" is judged as ".*" is, and its object keys too (a JSON schema's
// property names reach the model). A field ending in ".*" is an object or array whose every string, at any depth, reaches
// the model: the work context is JSON-quoted into the prompt whole
// (work-context-*.mjs formatChatWorkContext), the provenance receipt is
// prepended to the message (chat-send-handler-*.mjs), internal events are
// rendered as a task-completion turn with their replyInstruction, and a
// swarm output schema is a JSON schema the model reads.
var chatFields = map[string][]string{
	"chat.send":          {"message", "workContext.*", "systemProvenanceReceipt", attachmentsField},
	"sessions.send":      {"message", attachmentsField},
	"sessions.steer":     {"message", attachmentsField},
	"sessions.create":    {"message", "task", "titleSource", attachmentsField},
	"agent":              {"message", "extraSystemPrompt", "internalEvents.*", "swarmOutputSchema.**", attachmentsField},
	"chat.inject":        {"message", "label"},
	"wake":               {"text"},
	"conversations.send": {"message"},
	"conversations.turn": {"message"},
	"cron.add":           {"payload.message", "payload.text"},
	"cron.update":        {"patch.payload.message", "patch.payload.text"},
	// Red team round 7: the side-chat question (a user turn to a model that
	// reads the session's transcript; operator.read), the text the naming
	// model titles, and a session goal's objective (put before every later
	// turn) and note.
	"sessions.companion.ask": {"question"},
	"sessions.title.prepare": {"message"},
	"sessions.goal.update":   {"objective", "note"},
	// A suggestion's text is sent later as a chat.send inside the gateway
	// (session.suggestions.resolve "send" or "queue"), unseen by the
	// firewall: it is judged when stored.
	"session.suggestions.add": {"text"},
	// An MCP App view's text for the model, put before the next turn
	// ("MCP App context snapshot:", mcp-app-model-context-*.mjs).
	"mcp.app.updateModelContext": {"content.*"},
	// The first prompt of a catalog agent's terminal session (a dangerous
	// method: judged when a role is granted it).
	"sessions.catalog.startTerminal": {"initialMessage"},
	// OpenClaw's system agent, a model that sets OpenClaw up
	// (system-agent-*.mjs), and a system event line the session's next
	// turn reads (system-*.mjs), as wake's text is.
	"openclaw.chat": {"message", "context.*"},
	"system-event":  {"text", "host", "ip", "version", "mode", "reason"},
	// Forwarded to an agent session as a chat.send inside the gateway
	// (skills-*.mjs forwardSkillWorkshopRevisionToChatSend).
	"skills.proposals.requestRevision": {"instructions"},
	// A task suggestion's prompt is sent as a chat.send inside the gateway
	// when taskSuggestions.accept takes it (task-suggestions-*.mjs
	// sendSuggestedTaskPrompt): judged when stored, with its title and
	// summary.
	"taskSuggestions.create": {"prompt", "title", "tldr"},
	// Talk's text: steering the running agent, a client's finalized
	// transcript entries (written into the session transcript), and a
	// realtime tool call's arguments, built into a chat.send inside the
	// gateway (agent-run-control-shared-*.mjs
	// buildRealtimeVoiceAgentConsultChatMessage: question, context,
	// responseStyle).
	"talk.client.steer":      {"text"},
	"talk.session.steer":     {"text"},
	"talk.client.transcript": {"text"},
	"talk.client.toolCall":   {"args.*"},
}

// ChatMethods lists the methods whose chat text the firewall inspects.
func ChatMethods() []string {
	out := make([]string, 0, len(chatFields))
	for m := range chatFields {
		out = append(out, m)
	}
	sort.Strings(out)
	return out
}

// ChatFields lists the params fields of method whose text the firewall
// judges, as paths ("message", "workContext.*"); nil for other methods.
func ChatFields(method string) []string {
	return append([]string(nil), chatFields[method]...)
}

// Text is one piece of chat text and the params field it came from.
type Text struct {
	Field string
	Value string
}

// ParamsError is a request whose params the firewall cannot read where chat
// text should be. The request is refused (INVALID_REQUEST), not forwarded.
type ParamsError struct{ msg string }

func (e *ParamsError) Error() string { return e.msg }

// ChatText returns the chat text a request carries. Methods that carry none
// give nil. params is the raw JSON of the frame's params (from
// ParseRequest), nil when absent.
func ChatText(method string, params []byte) ([]Text, error) {
	fields, ok := chatFields[method]
	if !ok {
		return nil, nil
	}
	if len(params) == 0 || string(params) == "null" {
		return nil, nil
	}
	var out []Text
	for _, f := range fields {
		if f == attachmentsField {
			var raw []byte
			if err := members(params, func(key string, val []byte) error {
				if key == "attachments" {
					raw = val
				}
				return nil
			}); err != nil {
				return nil, &ParamsError{msg: fmt.Sprintf("%s params: %v", method, err)}
			}
			var err error
			if out, err = attachmentTexts(raw, "attachments", out); err != nil {
				return nil, &ParamsError{msg: fmt.Sprintf("%s params.%v", method, err)}
			}
			continue
		}
		under, keys := strings.CutSuffix(f, ".**")
		ok := keys
		if !ok {
			under, ok = strings.CutSuffix(f, ".*")
		}
		if ok {
			var err error
			if out, err = lookupAll(params, strings.Split(under, "."), under, keys, out); err != nil {
				return nil, &ParamsError{msg: fmt.Sprintf("%s params.%s: %v", method, under, err)}
			}
			continue
		}
		t, err := lookupString(params, strings.Split(f, "."))
		if err != nil {
			return nil, &ParamsError{msg: fmt.Sprintf("%s params.%s: %v", method, f, err)}
		}
		if t != nil {
			out = append(out, Text{Field: f, Value: *t})
		}
	}
	if method == "chat.inject" {
		out = injectedText(out)
	}
	return out, nil
}

// injectedText joins chat.inject's label to its message as the gateway
// writes them into the transcript (chat-transcript-persistence-*.mjs:
// "[label]\n\nmessage", an assistant message every later turn sends to the
// model), so that an instruction split over the two is read whole.
func injectedText(texts []Text) []Text {
	var label, message *Text
	for i := range texts {
		switch texts[i].Field {
		case "label":
			label = &texts[i]
		case "message":
			message = &texts[i]
		}
	}
	if label == nil || label.Value == "" {
		return slices.DeleteFunc(texts, func(t Text) bool { return t.Field == "label" })
	}
	if message == nil {
		return texts
	}
	return []Text{{Field: "label+message", Value: "[" + label.Value + "]\n\n" + message.Value}}
}

// lookupString follows path through nested objects in raw. A missing or
// null step gives nil; a step that is not an object, or a leaf that is not a
// string, is an error.
func lookupString(raw []byte, path []string) (*string, error) {
	i := skipSpace(raw, 0)
	if i >= len(raw) {
		return nil, nil
	}
	switch raw[i] {
	case 'n':
		return nil, nil
	case '{':
	default:
		if len(path) == 0 {
			break
		}
		return nil, fmt.Errorf("want an object on the way to %q", path[0])
	}
	if len(path) == 0 {
		s, ok := stringValue(raw[i:])
		if !ok {
			return nil, fmt.Errorf("want a string")
		}
		return &s, nil
	}
	var found []byte
	err := members(raw, func(key string, val []byte) error {
		if key == path[0] {
			found = val
		}
		return nil
	})
	if err != nil {
		return nil, err
	}
	if found == nil {
		return nil, nil
	}
	return lookupString(found, path[1:])
}

// lookupAll follows path through nested objects in raw to an object or an
// array, and appends every string under it, at any depth, named by its
// path from name. A missing or null step gives nothing.
func lookupAll(raw []byte, path []string, name string, keys bool, out []Text) ([]Text, error) {
	i := skipSpace(raw, 0)
	if i >= len(raw) || raw[i] == 'n' {
		return out, nil
	}
	if len(path) > 0 {
		if raw[i] != '{' {
			return nil, fmt.Errorf("want an object on the way to %q", path[0])
		}
		var found []byte
		if err := members(raw, func(key string, val []byte) error {
			if key == path[0] {
				found = val
			}
			return nil
		}); err != nil {
			return nil, err
		}
		if found == nil {
			return out, nil
		}
		return lookupAll(found, path[1:], name, keys, out)
	}
	if raw[i] != '{' && raw[i] != '[' {
		return nil, fmt.Errorf("want an object or an array")
	}
	return allStrings(raw[i:], name, keys, out)
}

// allStrings appends every string in the JSON value raw (valid JSON), named
// by its path from name, and with keys every object key too. It reads raw
// once, front to back (red team round 9: a walk that skipped each nested
// value and then read it again took 34 s of one core for a 3 MiB frame
// nested 9,000 deep), and names a string by its first maxNamedDepth steps.
// A key twice in one object is an error, as in members.
func allStrings(raw []byte, name string, keys bool, out []Text) ([]Text, error) {
	type level struct {
		obj  bool
		n    int      // elements of an array so far
		seen []string // keys of an object, then set
		set  map[string]struct{}
	}
	var stack []level
	var steps []string // the path below name, a step per level
	field := func() string {
		var b strings.Builder
		b.WriteString(name)
		for _, s := range steps[:min(len(steps), maxNamedDepth)] {
			b.WriteString(s)
		}
		if len(steps) > maxNamedDepth {
			b.WriteString("…")
		}
		return b.String()
	}
	i := skipSpace(raw, 0)
	for i < len(raw) {
		// A value starts at i.
		switch raw[i] {
		case '"':
			end := skipString(raw, i)
			s, _ := stringValue(raw[i:end])
			out = append(out, Text{Field: field(), Value: s})
			i = end
		case '{', '[':
			obj := raw[i] == '{'
			i = skipSpace(raw, i+1)
			if i < len(raw) && (raw[i] == '}' || raw[i] == ']') {
				i++
				break
			}
			stack = append(stack, level{obj: obj})
			steps = append(steps, "[0]")
			if obj {
				var err error
				if i, err = objectKey(raw, i, &stack[len(stack)-1].seen, &stack[len(stack)-1].set, &steps[len(steps)-1]); err != nil {
					return nil, err
				}
				if keys {
					k := steps[len(steps)-1]
					out = append(out, Text{Field: field() + " (key)", Value: k[1:]})
				}
			}
			continue
		default:
			i = skipValue(raw, i)
		}
		// After a value: a comma, or the ends of the levels it closes.
		for {
			if len(stack) == 0 {
				return out, nil
			}
			i = skipSpace(raw, i)
			if i >= len(raw) {
				return out, nil
			}
			if raw[i] == ',' {
				i = skipSpace(raw, i+1)
				top := &stack[len(stack)-1]
				if top.obj {
					var err error
					if i, err = objectKey(raw, i, &top.seen, &top.set, &steps[len(steps)-1]); err != nil {
						return nil, err
					}
					if keys {
						k := steps[len(steps)-1]
						out = append(out, Text{Field: field() + " (key)", Value: k[1:]})
					}
				} else {
					top.n++
					steps[len(steps)-1] = "[" + strconv.Itoa(top.n) + "]"
				}
				break
			}
			// '}' or ']'
			stack, steps = stack[:len(stack)-1], steps[:len(steps)-1]
			i++
		}
	}
	return out, nil
}

// maxNamedDepth is how many steps below a field name a text's name spells
// out; deeper ones end in "…".
const maxNamedDepth = 32

// objectKey reads the key at raw[i] (a string) and the ':' after it,
// refusing a key the object held before, sets *step to "."+key, and
// returns the index of the value.
func objectKey(raw []byte, i int, seen *[]string, set *map[string]struct{}, step *string) (int, error) {
	end := skipString(raw, i)
	key, ok := stringValue(raw[i:end])
	if !ok {
		return 0, frameErr("object key is not a string")
	}
	if *set != nil {
		if _, dup := (*set)[key]; dup {
			return 0, frameErr("key %q appears twice in one object", key)
		}
		(*set)[key] = struct{}{}
	} else {
		if slices.Contains(*seen, key) {
			return 0, frameErr("key %q appears twice in one object", key)
		}
		*seen = append(*seen, key)
		if len(*seen) > maxScannedKeys {
			*set = keyMap(*seen)
		}
	}
	*step = "." + key
	i = skipSpace(raw, end)
	return skipSpace(raw, i+1), nil // past ':'
}
