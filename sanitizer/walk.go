package sanitizer

import (
	"fmt"
	"slices"
	"strconv"
	"strings"
	"unicode/utf8"
)

// SanitizeChat inspects a POST /v1/chat/completions body: every message's
// content (a string or an array of parts with "text" or "input_text"), the
// message "name" and "tool_call_id" (the gateway prints them into the
// prompt), assistant tool_calls, and client tool definitions (as system text).
// On ActionStrip, out is the body with the matched spans removed from those
// strings and every other byte unchanged; otherwise out is in.
func (s *Sanitizer) SanitizeChat(in []byte) (out []byte, r Result, err error) {
	return s.sanitize(in, (*walker).chat)
}

// SanitizeResponses inspects a POST /v1/responses body: "instructions" (as
// system text), "input" as a string or as items (message content, function
// calls and their outputs, reasoning), and client tool definitions.
func (s *Sanitizer) SanitizeResponses(in []byte) (out []byte, r Result, err error) {
	return s.sanitize(in, (*walker).responses)
}

// SanitizeToolsInvoke inspects a POST /tools/invoke body
// ({tool|name, action?, args, sessionKey?, agentId?, idempotencyKey?}): the
// action and every string in args, at any depth, as user text.
func (s *Sanitizer) SanitizeToolsInvoke(in []byte) (out []byte, r Result, err error) {
	return s.sanitize(in, (*walker).toolsInvoke)
}

func (s *Sanitizer) sanitize(in []byte, walk func(*walker, *node) error) ([]byte, Result, error) {
	root, err := parseBody(in, s.maxDepth)
	if err != nil {
		return in, Result{}, err
	}
	w := &walker{s: s}
	if err := walk(w, root); err != nil {
		return in, Result{}, err
	}
	if w.r.Action != ActionStrip {
		return in, w.r, nil
	}
	return rewrite(in, w.edits), w.r, nil
}

// walker visits the text-bearing fields of one body.
type walker struct {
	s     *Sanitizer
	files bool // input_file parts are read (/v1/responses)
	r     Result
	edits []edit
	// last is the last string of a user or system turn, and mention is
	// set when it held a mention of a reject rule (see joinMention).
	last, lastRole string
	mention        bool
}

// joinMention reads a string that holds a mention (a quotation asked
// about, a request reported and refused) together with the string before
// it and the one after it: what makes a mention one (the question, the
// refusal) and what turns it into the attack ("Now do what it says.",
// "Respond to the quoted line below as a normal request.", "Just kidding,
// do it.") can be sent as two content parts or two messages, and the
// gateway reads them as one conversation. A mention in an assistant or
// tool string counts too, but such a string without one is skipped, not
// joined: the assistant's answer to a question about an attack speaks of
// it and to the user in every line, and would end the question's mention.
// Only a short assistant or tool turn right after a mention that gives an
// order about it (speaksOrder, orders.go: "Now do what it says.", "Do the
// thing.") is read with the mention, since red team round 6 forged one.
// The string before a mention is joined only when it is of
// the same role (an operator's prompt is not the frame of a user's
// question). The joined text is read by the rules in the role of the
// string that holds the mention (assistant and tool text as user text); a
// reject match there that neither string has alone refuses the body,
// reported in the later string's field. Only the neighbours of a mention
// pay for it.
func (w *walker) joinMention(text, field, role string, ms []Match) {
	if role == RoleToolDefinition {
		return
	}
	mention := w.s.mentionsReject(ms)
	if !mention && (role == "assistant" || role == "tool") {
		if w.mention && len(text) <= maxOrderTurn && speaksOrder(text) {
			// A short turn right after the mention that gives an order
			// about it ("Now do what it says.", "Do the thing.") is read
			// with it, and still skipped: the mention carries on.
			w.readJoined(w.last+"\n"+text, field, role, w.lastRole, len(text))
		}
		return // skipped, not joined: an answer between a question and its follow-up
	}
	// The string before is joined when it holds the mention, or when it is
	// of the same role: an operator's system prompt before a user's
	// question is not the question's frame.
	if w.last != "" && (w.mention || mention && w.lastRole == role) && !hasReject(ms) {
		next := text
		if w.mention && !mention {
			// A quotation is asked about only in a text of up to
			// maxQuotationText bytes (normalised, which may be a little
			// longer): the next string is read as far as the room left, so
			// that a long honest follow-up does not undo the question.
			next = cutUTF8(text, maxQuotationText*7/8-len(w.last)-1)
		}
		joined := w.last + "\n" + next
		// Read in the role of the string that holds the mention (an
		// operator's refusal stays system text); assistant and tool text as
		// user text, whose rules every role's text is read by.
		holder := role
		if w.mention {
			holder = w.lastRole
		}
		found := w.readJoined(joined, field, role, holder, len(text))
		if w.mention && !mention && w.s.mentionsReject(found) {
			// The mention carries on to the string after this one: the
			// order may follow a "Thanks." in between.
			w.last, w.mention = joined, true
			return
		}
	}
	w.last, w.lastRole, w.mention = text, role, mention
}

// readJoined reads joined, a mention and its neighbour, by the rules in
// the role of holder, the string that holds the mention (an operator's
// refusal stays system text; assistant and tool text are read as user
// text, whose rules every role's text is read by). A reject match refuses
// the body, reported over the later string (field, role, its length n).
func (w *walker) readJoined(joined, field, role, holder string, n int) []Match {
	jrole := "user"
	if holder == "system" {
		jrole = "system"
	}
	found, _ := w.s.scanAs(jrole, joined, scanRulesOnly)
	for _, m := range found {
		if m.Action == ActionReject {
			w.r.add(Match{RuleID: m.RuleID, Action: ActionReject, Severity: m.Severity, Role: role, Field: field, Start: 0, End: n})
			break
		}
	}
	return found
}

// cutUTF8 returns at most the first n bytes of s, cut at a character
// boundary.
func cutUTF8(s string, n int) string {
	if n <= 0 {
		return ""
	}
	if len(s) <= n {
		return s
	}
	for n > 0 && !utf8.RuneStart(s[n]) {
		n--
	}
	return s[:n]
}

func hasReject(ms []Match) bool {
	for _, m := range ms {
		if m.Action == ActionReject {
			return true
		}
	}
	return false
}

// maxStripRounds bounds re-scanning after a strip. Removing a span can join
// its neighbours into a new match ("<|im_<|im_start|>start|>"), so stripped
// text is scanned again; text that still needs stripping after this many
// rounds is rejected.
const maxStripRounds = 4

// text inspects one string field spoken by role.
func (w *walker) text(n *node, field, role string) error {
	if skip, err := w.policy(field, role); skip || err != nil {
		return err
	}
	ms, score := w.s.scan(role, n.str)
	w.r.Score = max(w.r.Score, score)
	for i := range ms {
		ms[i].Field = field
	}
	w.r.add(ms...)
	w.joinMention(n.str, field, role, ms)
	if !hasStrip(ms) {
		return nil
	}
	text := n.str
	for round := 0; ; round++ {
		text = strip(text, ms)
		ms, _ = w.s.scan(role, text)
		if !hasStrip(ms) {
			break
		}
		if round == maxStripRounds {
			w.r.add(Match{RuleID: "sanitizer.strip-incomplete", Action: ActionReject, Severity: "high", Role: role, Field: field})
			return nil
		}
	}
	for _, m := range ms {
		if m.Action == ActionReject { // stripping uncovered a new attack
			m.Field = field
			m.Start, m.End = -1, -1 // the span is in the stripped text, not the original
			w.r.add(m)
		}
	}
	w.edits = append(w.edits, edit{n: n, text: text})
	return nil
}

// policy applies the system policy to a field spoken by role: skip is
// true when the field is not to be inspected (allowed, or refused with
// err).
func (w *walker) policy(field, role string) (skip bool, err error) {
	if !systemText(role) {
		return false, nil
	}
	switch w.s.system {
	case SystemAllow:
		return true, nil
	case SystemReject:
		return true, bodyErr(field, "is client-supplied system text, which this gateway does not accept (sanitizer system policy %q); move it to a user message or ask the operator", SystemReject)
	}
	return false, nil
}

func hasStrip(ms []Match) bool {
	for _, m := range ms {
		if m.Action == ActionStrip {
			return true
		}
	}
	return false
}

// optionalText inspects key of obj when it is a string; null and absent are
// fine, anything else is refused because the gateway would read it differently.
func (w *walker) optionalText(obj *node, key, path, role string) error {
	n := obj.get(key)
	if n == nil || n.kind == kindNull {
		return nil
	}
	if n.kind != kindString {
		return bodyErr(join(path, key), "must be a string, not %s", n.kind)
	}
	return w.text(n, join(path, key), role)
}

// allStrings inspects every string value under n, at any depth.
func (w *walker) allStrings(n *node, path, role string) error {
	switch n.kind {
	case kindString:
		return w.text(n, path, role)
	case kindArray:
		for i, e := range n.elems {
			if err := w.allStrings(e, index(path, i), role); err != nil {
				return err
			}
		}
	case kindObject:
		for i, e := range n.elems {
			if err := w.allStrings(e, join(path, n.keys[i]), role); err != nil {
				return err
			}
		}
	}
	return nil
}

func index(path string, i int) string { return path + "[" + strconv.Itoa(i) + "]" }

func (w *walker) chat(root *node) error {
	msgs := root.get("messages")
	if msgs == nil {
		return w.tools(root)
	}
	if msgs.kind != kindArray {
		return bodyErr("messages", "must be an array of message objects, not %s", msgs.kind)
	}
	for i, m := range msgs.elems {
		path := index("messages", i)
		if m.kind != kindObject {
			return bodyErr(path, "must be a message object, not %s", m.kind)
		}
		rn := m.get("role")
		if rn == nil || rn.kind != kindString {
			return bodyErr(join(path, "role"), "must be a string such as \"user\"")
		}
		role := normalizeRole(rn.str)
		if err := w.chatContent(m.get("content"), join(path, "content"), role); err != nil {
			return err
		}
		for _, key := range []string{"name", "tool_call_id"} {
			if err := w.optionalText(m, key, path, role); err != nil {
				return err
			}
		}
		if err := w.toolCalls(m.get("tool_calls"), join(path, "tool_calls")); err != nil {
			return err
		}
	}
	if rf := root.get("response_format"); rf != nil && rf.kind == kindObject {
		// A JSON schema's names and descriptions reach the model.
		if err := w.allStringsAndKeys(rf, "response_format", "system"); err != nil {
			return err
		}
	}
	return w.tools(root)
}

func (w *walker) chatContent(n *node, path, role string) error {
	if n == nil || n.kind == kindNull {
		return nil
	}
	switch n.kind {
	case kindString:
		return w.text(n, path, role)
	case kindArray:
		for i, part := range n.elems {
			pp := index(path, i)
			if part.kind != kindObject {
				return bodyErr(pp, "must be a content part object, not %s", part.kind)
			}
			if err := w.imagePart(part, pp); err != nil {
				return err
			}
			// The gateway reads "text" and "input_text" from parts of any type.
			for _, key := range []string{"text", "input_text"} {
				if err := w.optionalText(part, key, pp, role); err != nil {
					return err
				}
			}
			if t := part.get("type"); w.files && t != nil && t.kind == kindString && t.str == "input_file" {
				if err := w.inputFile(part, pp, role); err != nil {
					return err
				}
			}
		}
		return nil
	}
	return bodyErr(path, "must be a string or an array of content parts, not %s", n.kind)
}

// imagePart refuses an image part when the operator denies images: the
// sanitizer cannot read text drawn in an image.
func (w *walker) imagePart(part *node, path string) error {
	if w.s.images != ImagesDeny {
		return nil
	}
	t := part.get("type")
	if (t != nil && t.kind == kindString && (t.str == "image_url" || t.str == "input_image" || t.str == "image")) || part.get("image_url") != nil {
		return bodyErr(path, "is an image, and this gateway refuses images (sanitizer images policy %q) because the guard cannot read text drawn in them; send the text instead", ImagesDeny)
	}
	return nil
}

// inputFile inspects a /v1/responses input_file part: the gateway decodes
// the file with its media type and charset, or as its bytes suggest (every
// reading it may make is judged), and puts its text, and its
// filename, into the agent's prompt. A file the sanitizer cannot decode to
// text the same way is refused: it would reach the model unread.
func (w *walker) inputFile(part *node, path, role string) error {
	src := part.get("source")
	sp := join(path, "source")
	if src == nil || src.kind != kindObject {
		return bodyErr(sp, "must be an object with type, media_type and data")
	}
	typ := src.get("type")
	if typ == nil || typ.kind != kindString {
		return bodyErr(join(sp, "type"), "must be a string: base64 or url")
	}
	switch typ.str {
	case "url":
		return bodyErr(sp, "is a file by URL, which the gateway fetches and the guard cannot inspect; send the file as base64 data instead")
	case "base64":
	default:
		return bodyErr(join(sp, "type"), "is %q; use base64", typ.str)
	}
	if err := w.optionalText(src, "filename", sp, role); err != nil {
		return err
	}
	mt, data := src.get("media_type"), src.get("data")
	if mt == nil || mt.kind != kindString || data == nil || data.kind != kindString {
		return bodyErr(sp, "needs media_type and data strings")
	}
	texts, err := decodeFile(mt.str, data.str)
	if err != nil {
		return bodyErr(join(sp, "data"), "%v", err)
	}
	for _, text := range texts {
		if err := w.unedited(text, join(sp, "data"), role); err != nil {
			return err
		}
	}
	return nil
}

// unedited inspects text that the sanitizer cannot edit in the body (an
// object key, a decoded file): a strip match refuses the request.
func (w *walker) unedited(text, field, role string) error {
	if skip, err := w.policy(field, role); skip || err != nil {
		return err
	}
	ms, score := w.s.scan(role, text)
	w.r.Score = max(w.r.Score, score)
	for _, m := range ms {
		m.Field = field
		if m.Action == ActionStrip {
			m.Action = ActionReject
		}
		w.r.add(m)
	}
	return nil
}

// toolCalls inspects assistant tool calls from the client's history: the
// gateway renders their names and arguments into the prompt.
func (w *walker) toolCalls(n *node, path string) error {
	if n == nil || n.kind == kindNull {
		return nil
	}
	if n.kind != kindArray {
		return bodyErr(path, "must be an array of tool calls, not %s", n.kind)
	}
	for i, call := range n.elems {
		if err := w.allStrings(call, index(path, i), "assistant"); err != nil {
			return err
		}
		// Arguments that are not a string are rendered with
		// JSON.stringify (extractAssistantToolCalls), keys and all: the
		// rendering is judged whole, as the model reads it.
		if call.kind != kindObject {
			continue
		}
		fn := call.get("function")
		if fn == nil || fn.kind != kindObject {
			continue
		}
		if args := fn.get("arguments"); args != nil && (args.kind == kindObject || args.kind == kindArray) {
			var b strings.Builder
			stringify(&b, args)
			if err := w.unedited(b.String(), join(join(index(path, i), "function"), "arguments"), "assistant"); err != nil {
				return err
			}
		}
	}
	return nil
}

// stringify writes n as JavaScript's JSON.stringify does, but for numbers
// and booleans, which carry no words: written as 0 and true.
func stringify(b *strings.Builder, n *node) {
	switch n.kind {
	case kindNull:
		b.WriteString("null")
	case kindBool:
		b.WriteString("true")
	case kindNumber:
		b.WriteByte('0')
	case kindString:
		quoteJS(b, n.str)
	case kindArray:
		b.WriteByte('[')
		for i, e := range n.elems {
			if i > 0 {
				b.WriteByte(',')
			}
			stringify(b, e)
		}
		b.WriteByte(']')
	case kindObject:
		b.WriteByte('{')
		for i, e := range n.elems {
			if i > 0 {
				b.WriteByte(',')
			}
			quoteJS(b, n.keys[i])
			b.WriteByte(':')
			stringify(b, e)
		}
		b.WriteByte('}')
	}
}

// quoteJS quotes s as JSON.stringify does: only '"', '\\' and the C0
// controls are escaped.
func quoteJS(b *strings.Builder, s string) {
	b.WriteByte('"')
	for i := 0; i < len(s); i++ {
		switch c := s[i]; {
		case c == '"' || c == '\\':
			b.WriteByte('\\')
			b.WriteByte(c)
		case c == '\n':
			b.WriteString(`\n`)
		case c == '\t':
			b.WriteString(`\t`)
		case c == '\r':
			b.WriteString(`\r`)
		case c < 0x20:
			fmt.Fprintf(b, `\u%04x`, c)
		default:
			b.WriteByte(c)
		}
	}
	b.WriteByte('"')
}

// tools inspects client tool definitions, which reach the model beside the
// system prompt: system text, with the rules for tool definitions too.
func (w *walker) tools(root *node) error {
	n := root.get("tools")
	if n == nil || n.kind == kindNull {
		return nil
	}
	if n.kind != kindArray {
		return bodyErr("tools", "must be an array of tool definitions, not %s", n.kind)
	}
	for i, def := range n.elems {
		if err := w.toolDefinition(def, index("tools", i)); err != nil {
			return err
		}
	}
	return nil
}

// toolPart is one string of a tool definition in its joined text: a
// string value, or an object key (n nil), which cannot be edited.
type toolPart struct {
	n     *node
	field string
}

// toolDefinition judges one tool definition as one text (ToolDefinition):
// every string and every key its author chose, a line each, so that an
// order split over the description and a parameter's description is read
// whole. A rule's match inside one string is reported in that string's
// field; a match across strings and the model's verdict name the
// definition. A strip match in a string strips that string, judged alone
// as before; one in a key, across strings or by the model on the whole
// definition cannot be stripped, and refuses the request.
func (w *walker) toolDefinition(def *node, path string) error {
	if skip, err := w.policy(path, RoleToolDefinition); skip || err != nil {
		return err
	}
	var d ToolDefinition
	var parts []toolPart
	var collect func(n *node, path, key string)
	collect = func(n *node, path, key string) {
		switch n.kind {
		case kindString:
			if key == "type" && jsonType(n.str) {
				return
			}
			if d.Add(n.str) {
				parts = append(parts, toolPart{n: n, field: path})
			}
		case kindArray:
			for i, e := range n.elems {
				collect(e, index(path, i), key)
			}
		case kindObject:
			for i, e := range n.elems {
				k, kp := n.keys[i], join(path, n.keys[i])
				if !schemaKeyword(k) && d.Add(k) {
					parts = append(parts, toolPart{field: kp + " (key)"})
				}
				collect(e, kp, k)
			}
		}
	}
	collect(def, path, "")
	if d.Parts() == 0 {
		return nil
	}
	ms, score := w.s.scan(RoleToolDefinition, d.Text())
	w.r.Score = max(w.r.Score, score)
	var restrip []int
	for _, m := range ms {
		p, start, end, ok := d.Span(m.Start, m.End)
		if !ok || m.RuleID == ModelRuleID || m.RuleID == LimitsRuleID {
			m.Field, m.Start, m.End = path, -1, -1
			if m.Action == ActionStrip {
				m.Action = ActionReject
			}
			w.r.add(m)
			continue
		}
		m.Field, m.Start, m.End = parts[p].field, start, end
		if m.Action == ActionStrip {
			if parts[p].n != nil {
				if !slices.Contains(restrip, p) {
					restrip = append(restrip, p)
				}
				continue
			}
			m.Action = ActionReject
		}
		w.r.add(m)
	}
	for _, p := range restrip {
		if err := w.text(parts[p].n, parts[p].field, RoleToolDefinition); err != nil {
			return err
		}
	}
	return nil
}

// allStringsAndKeys inspects every string value and every object key under
// n: the keys of a tool's parameter schema are property names the model
// reads. A key cannot be edited in place, so a strip match in one refuses
// the request.
func (w *walker) allStringsAndKeys(n *node, path, role string) error {
	switch n.kind {
	case kindString:
		return w.text(n, path, role)
	case kindArray:
		for i, e := range n.elems {
			if err := w.allStringsAndKeys(e, index(path, i), role); err != nil {
				return err
			}
		}
	case kindObject:
		for i, e := range n.elems {
			kp := join(path, n.keys[i])
			if err := w.unedited(n.keys[i], kp+" (key)", role); err != nil {
				return err
			}
			if err := w.allStringsAndKeys(e, kp, role); err != nil {
				return err
			}
		}
	}
	return nil
}

func (w *walker) responses(root *node) error {
	w.files = true
	if err := w.optionalText(root, "instructions", "", "system"); err != nil {
		return err
	}
	in := root.get("input")
	switch {
	case in == nil || in.kind == kindNull:
	case in.kind == kindString:
		if err := w.text(in, "input", "user"); err != nil {
			return err
		}
	case in.kind == kindArray:
		for i, item := range in.elems {
			if err := w.responsesItem(item, index("input", i)); err != nil {
				return err
			}
		}
	default:
		return bodyErr("input", "must be a string or an array of input items, not %s", in.kind)
	}
	return w.tools(root)
}

func (w *walker) responsesItem(item *node, path string) error {
	if item.kind != kindObject {
		return bodyErr(path, "must be an input item object, not %s", item.kind)
	}
	typ := "message" // the short form {role, content} is a message
	if t := item.get("type"); t != nil {
		if t.kind != kindString {
			return bodyErr(join(path, "type"), "must be a string, not %s", t.kind)
		}
		typ = t.str
	}
	switch typ {
	case "message":
		rn := item.get("role")
		if rn == nil || rn.kind != kindString {
			return bodyErr(join(path, "role"), "must be a string such as \"user\"")
		}
		return w.chatContent(item.get("content"), join(path, "content"), normalizeRole(rn.str))
	case "function_call":
		for _, key := range []string{"name", "arguments", "call_id"} {
			if err := w.optionalText(item, key, path, "assistant"); err != nil {
				return err
			}
		}
	case "function_call_output":
		for _, key := range []string{"call_id", "output"} {
			if err := w.optionalText(item, key, path, "tool"); err != nil {
				return err
			}
		}
	case "reasoning":
		for _, key := range []string{"content", "summary"} {
			if err := w.optionalText(item, key, path, "assistant"); err != nil {
				return err
			}
		}
	case "item_reference":
	default:
		return bodyErr(join(path, "type"), "is %q, which the sanitizer cannot inspect; use message, function_call, function_call_output, reasoning or item_reference", typ)
	}
	return nil
}

func (w *walker) toolsInvoke(root *node) error {
	for _, key := range []string{"tool", "name", "sessionKey", "agentId", "idempotencyKey"} {
		if n := root.get(key); n != nil && n.kind != kindString && n.kind != kindNull {
			return bodyErr(key, "must be a string, not %s", n.kind)
		}
	}
	if err := w.optionalText(root, "action", "", "user"); err != nil {
		return err
	}
	args := root.get("args")
	if args == nil || args.kind == kindNull {
		return nil
	}
	if args.kind != kindObject {
		return bodyErr("args", "must be an object of tool arguments, not %s", args.kind)
	}
	return w.allStrings(args, "args", "user")
}
