package wsfirewall

import (
	"encoding/json"
	"fmt"
	"slices"
	"strings"

	"github.com/openclaw-secure-stack/securestack/scanner/shellrisk"
)

// DefaultMaxMessage bounds one client message (all its fragments). OpenClaw
// caps frames before the handshake at 64 KiB; a chat message with pasted
// text or an attachment may be larger afterwards.
const DefaultMaxMessage = 4 << 20

// Judge decides whether a piece of chat text is refused, and which rules
// fired. The guard passes the sanitizer here.
type Judge func(text string) (refuse bool, ruleIDs []string)

// Action is what the firewall does with one client message.
type Action int

const (
	// Forward passes the frame to the gateway unchanged.
	Forward Action = iota
	// Refuse answers the request with an error res frame and drops it.
	Refuse
	// Close closes the socket with Decision.CloseCode: the frame cannot be
	// judged.
	Close
)

func (a Action) String() string {
	switch a {
	case Forward:
		return "forward"
	case Refuse:
		return "refuse"
	}
	return "close"
}

// Decision is the firewall's verdict on one client message, for the relay
// and for the audit log.
type Decision struct {
	Action Action
	// ID and Method of the request, when the frame could be read.
	ID, Method string
	// Role of the session.
	Role string
	// Reason is a short machine-readable cause: a Reason* constant,
	// "prompt_injection", "invalid_params", or "unjudgeable_frame".
	Reason string
	// Rules are the sanitizer rule ids that fired, for a chat refusal.
	Rules []string
	// Fields are the chat text fields that were judged.
	Fields []string
	// Message is the human-readable explanation sent to the client.
	Message string
	// Reply is the res frame payload for a refusal.
	Reply []byte
	// CloseCode and Message make the close frame for Close.
	CloseCode int
}

// Firewall judges the client-to-gateway messages of Control UI sockets.
type Firewall struct {
	Policy *Policy
	// Judge inspects chat text. nil refuses every message that carries chat
	// text (fail closed), so a host must set it.
	Judge Judge
	// Tools judges the tool call of a tools.invoke request (a role granted
	// it runs tools with no model in between). nil refuses every
	// tools.invoke (fail closed).
	Tools ToolJudge
	// MaxMessage bounds a client message; larger ones close the socket.
	// Default DefaultMaxMessage.
	MaxMessage int
	// OnDecision, when set, is called for every refusal and close (the
	// adapter audits them). It runs on the relay's goroutine.
	OnDecision func(Decision)
	// OnForward, when set, is called for every request forwarded, with the
	// frame's payload (valid only during the call).
	OnForward func(d Decision, payload []byte)
}

func (f *Firewall) maxMessage() int {
	if f.MaxMessage > 0 {
		return f.MaxMessage
	}
	return DefaultMaxMessage
}

// session is the per-socket state the firewall keeps.
type session struct {
	role       string
	sawConnect bool
}

// Inspect judges one whole client text message (payload unmasked).
func (f *Firewall) Inspect(s *session, payload []byte) Decision {
	d := f.inspect(s, payload)
	if d.Action == Forward && f.OnForward != nil {
		f.OnForward(d, payload)
	}
	return d
}

func (f *Firewall) inspect(s *session, payload []byte) Decision {
	req, err := ParseRequest(payload)
	if err != nil {
		return f.closeFor(s, err.Error())
	}
	d := Decision{ID: req.ID, Method: req.Method, Role: s.role}
	if !s.sawConnect {
		// The gateway closes a socket whose first request is not connect;
		// the firewall does too, so nothing is judged out of that order.
		if req.Method != "connect" {
			return f.closeFor(s, "the first request must be connect, got "+req.Method)
		}
		s.sawConnect = true
		if role, err := connectRole(req.Params); err != nil || (role != "" && role != "operator") {
			return f.refuse(d, "FORBIDDEN", "connect_role_denied",
				"the guard admits Control UI sessions in the operator role only", nil, nil)
		}
		return d
	}
	if req.Method == "connect" {
		return f.closeFor(s, "connect sent twice on one socket")
	}
	if ok, reason := f.Policy.Decide(s.role, req.Method); !ok {
		return f.refuse(d, "FORBIDDEN", reason, refusalMessage(reason, req.Method, s.role), nil, nil)
	}
	if req.Method == "tools.invoke" {
		name, args, err := toolCall(req.Params)
		if err != nil {
			return f.refuse(d, "INVALID_REQUEST", "invalid_params",
				"the guard could not read the tool call of this request: "+err.Error(), nil, nil)
		}
		if f.Tools == nil {
			return f.refuse(d, "FORBIDDEN", "tool_call_blocked", "the guard has no tool judge: tools.invoke is refused", []string{"guard.no_tool_judge"}, nil)
		}
		if block, rules, reason := f.Tools(name, args); block {
			return f.refuse(d, "FORBIDDEN", "tool_call_blocked",
				"the guard refused this tool call (rules: "+strings.Join(rules, ", ")+"): "+reason, rules, nil)
		}
	}
	texts, err := ChatText(req.Method, req.Params)
	if err != nil {
		return f.refuse(d, "INVALID_REQUEST", "invalid_params",
			"the guard could not read the chat text of this request: "+err.Error(), nil, nil)
	}
	if len(texts) == 0 {
		return d
	}
	for _, t := range texts {
		cmd, ok := bangCommand(req.Method, t)
		if !ok {
			continue
		}
		if f.Tools == nil {
			return f.refuse(d, "FORBIDDEN", "tool_call_blocked", "the guard has no tool judge: a host shell command is refused", []string{"guard.no_tool_judge"}, nil)
		}
		args, _ := json.Marshal(map[string]string{"command": cmd})
		// A chat message that starts with "!" is more often prose ("!Hey,
		// what's new") than a command when commands.bash is off: what does
		// not parse as shell is not refused for that alone.
		if block, rules, reason := f.Tools("exec", string(args)); block && slices.ContainsFunc(rules, func(r string) bool { return r != shellrisk.RuleUnparsable }) {
			return f.refuse(d, "FORBIDDEN", "tool_call_blocked",
				"the guard refused this host shell command (rules: "+strings.Join(rules, ", ")+"): "+reason, rules, []string{t.Field})
		}
	}
	var rules, fields []string
	refused := false
	for _, t := range texts {
		fields = append(fields, t.Field)
		if f.Judge == nil {
			refused = true
			rules = append(rules, "guard.no_sanitizer")
			continue
		}
		if r, ids := f.Judge(t.Value); r {
			refused = true
			rules = append(rules, ids...)
		}
	}
	d.Fields = fields
	if refused {
		rules = dedupe(rules)
		return f.refuse(d, "FORBIDDEN", "prompt_injection",
			"the guard refused this message because it looks like a prompt injection (rules: "+strings.Join(rules, ", ")+")", rules, fields)
	}
	return d
}

// bangCommand returns the host shell command a chat message runs when the
// gateway's commands.bash is on: "! <cmd>" or "/bash <cmd>" (docs/tools/
// slash-commands.md), but not !poll and !stop, which manage a running job.
func bangCommand(method string, t Text) (string, bool) {
	if t.Field != "message" || method == "chat.inject" || method == "sessions.title.prepare" {
		return "", false
	}
	m := strings.TrimSpace(t.Value)
	var rest string
	switch {
	case strings.HasPrefix(m, "!"):
		rest = m[1:]
		if w, _, _ := strings.Cut(strings.TrimSpace(rest), " "); w == "poll" || w == "stop" {
			return "", false
		}
	case m == "/bash" || strings.HasPrefix(m, "/bash ") || strings.HasPrefix(m, "/bash\n") || strings.HasPrefix(m, "/bash\t"):
		rest = m[len("/bash"):]
	default:
		return "", false
	}
	rest = strings.TrimSpace(rest)
	return rest, rest != ""
}

// ToolJudge decides on one tool call: the tool's name and its arguments as
// a JSON object. It reports whether to block, the rule ids and a reason.
type ToolJudge func(name, args string) (block bool, rules []string, reason string)

// toolCall reads a tools.invoke request's tool as OpenClaw does: name,
// trimmed; args an object, absent or null meaning {}.
func toolCall(params []byte) (name, args string, err error) {
	var p struct {
		Name any             `json:"name"`
		Args json.RawMessage `json:"args"`
	}
	if len(params) > 0 {
		if err := json.Unmarshal(params, &p); err != nil {
			return "", "", err
		}
	}
	n, ok := p.Name.(string)
	if !ok || strings.TrimSpace(n) == "" {
		return "", "", fmt.Errorf("name must be a non-empty string")
	}
	a := strings.TrimSpace(string(p.Args))
	switch {
	case a == "" || a == "null":
		a = "{}"
	case a[0] != '{':
		return "", "", fmt.Errorf("args must be an object")
	}
	return strings.TrimSpace(n), a, nil
}

func refusalMessage(reason, method, role string) string {
	switch reason {
	case ReasonDangerous:
		return fmt.Sprintf("the guard refused %s: it is a dangerous method that role %s has not been granted", method, role)
	case ReasonMissingScope:
		scope, _ := MethodScope(method)
		return fmt.Sprintf("the guard refused %s: role %s lacks the OpenClaw scope %s", method, role, scope)
	case ReasonUnknownMethod:
		return fmt.Sprintf("the guard refused %s: not a method it knows (unknown_methods deny)", method)
	case ReasonNodeMethod:
		return fmt.Sprintf("the guard refused %s: only node clients call it", method)
	}
	return fmt.Sprintf("the guard refused %s for role %s", method, role)
}

func (f *Firewall) refuse(d Decision, code, reason, message string, rules, fields []string) Decision {
	d.Action, d.Reason, d.Message, d.Rules = Refuse, reason, message, rules
	if fields != nil {
		d.Fields = fields
	}
	d.Reply = ErrorReply(d.ID, code, message, map[string]any{
		"guard": "openclaw_guard", "reason": reason, "method": d.Method, "role": d.Role, "rules": nonNil(rules),
	})
	if f.OnDecision != nil {
		f.OnDecision(d)
	}
	return d
}

func (f *Firewall) closeFor(s *session, why string) Decision {
	d := Decision{Action: Close, Role: s.role, Reason: "unjudgeable_frame", CloseCode: ClosePolicyViolation,
		Message: "openclaw_guard: " + why}
	if f.OnDecision != nil {
		f.OnDecision(d)
	}
	return d
}

// ErrorReply is a res frame in OpenClaw's error shape (ErrorShapeSchema in
// dist/sessions-*.mjs): {"type":"res","id","ok":false,"error":{code,message,details}}.
// The Control UI shows error.message to the user.
func ErrorReply(id, code, message string, details map[string]any) []byte {
	type errorShape struct {
		Code    string         `json:"code"`
		Message string         `json:"message"`
		Details map[string]any `json:"details,omitempty"`
	}
	b, err := json.Marshal(struct {
		Type  string     `json:"type"`
		ID    string     `json:"id"`
		OK    bool       `json:"ok"`
		Error errorShape `json:"error"`
	}{"res", id, false, errorShape{code, message, details}})
	if err != nil {
		panic(err) // only strings and string slices go in
	}
	return b
}

// connectRole returns connect params.role ("" when absent).
func connectRole(params []byte) (string, error) {
	if len(params) == 0 {
		return "", nil
	}
	p, err := lookupString(params, []string{"role"})
	if err != nil {
		return "", err
	}
	if p == nil {
		return "", nil
	}
	return *p, nil
}

func dedupe(s []string) []string {
	seen := make(map[string]bool, len(s))
	out := s[:0]
	for _, v := range s {
		if !seen[v] {
			seen[v] = true
			out = append(out, v)
		}
	}
	return out
}

func nonNil(s []string) []string {
	if s == nil {
		return []string{}
	}
	return s
}
