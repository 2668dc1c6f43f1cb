package wire

import (
	"bytes"
	stdjson "encoding/json"
	"strconv"
	"strings"
	"unicode"
	"unicode/utf8"

	"github.com/go-json-experiment/json/jsontext"
)

// Tool calls written as text. OpenClaw's embedded runner promotes an
// assistant answer whose text is nothing but tool calls in one of the
// plain-text syntaxes some models emit (attempt-tool-call-text-promotion:
// "[exec]\n{…}\n[END_TOOL_REQUEST]", "[tool:exec]{…}", Harmony's
// "commentary to=exec code {…}", "<function=exec><parameter=command>…")
// into real tool calls, and runs them. They arrive as text deltas, which
// the guard passes at once; so the guard also reads the answer's text, and
// when the whole of it is such calls it judges them before the answer
// ends. A blocked one ends the stream with the provider's error in place
// of the terminal event: OpenClaw promotes only an answer that completed
// (stop reason stop or toolUse), and an errored answer runs nothing.
//
// Reading costs nothing for ordinary answers: the text is read only while
// its first characters may open such a call; an answer that starts with
// anything else is never read again.

// maxTextCalls bounds the text kept for one answer that may be tool calls;
// past it the answer is ended with an error rather than judged partly.
const maxTextCalls = 4 << 20

const (
	twWatching  = iota // no text yet
	twCandidate        // the text so far may be (or is) tool calls
	twProse            // the text is not tool calls: nothing more to read
)

type textWatch struct {
	state int
	text  strings.Builder
	over  bool
	// Responses: the streamed text of each message item (by output index
	// or item id), while it may be tool calls; the done item's content
	// replaces it.
	items    map[string]*itemText
	watching int  // items whose streamed text may still be calls
	done     bool // the answer ended, or its text calls were decided
	// judged counts the text calls judged so far; blocked is set once one
	// was blocked. choice and nextIndex place the notice (the choice that
	// ends, Anthropic's next block index).
	judged    int
	blocked   bool
	notices   []string
	choice    int
	nextIndex int64
}

type itemText struct {
	text  strings.Builder
	prose bool
}

// active reports whether events must still be read for text.
func (w *textWatch) active() bool { return !w.done && w.state != twProse }

// add appends answer text and moves the state on.
func (w *textWatch) add(s string) {
	if w.state == twProse || s == "" {
		return
	}
	if w.text.Len()+len(s) > maxTextCalls {
		w.over = true
		return
	}
	w.text.WriteString(s)
	if w.state == twWatching {
		switch opening(&w.text) {
		case openNo:
			w.state = twProse
			w.text.Reset()
		case openYes:
			w.state = twCandidate
		}
	}
}

const (
	openMaybe = iota // too little text to tell
	openYes
	openNo
)

// maxUndecided is how much text may leave mayOpenTextCall undecided; the
// longest opening it waits for ("[tool:" and a 120-byte name) is shorter.
const maxUndecided = 256

// opening says whether the text gathered in b opens a tool call. Leading
// whitespace decides nothing and is dropped from b, and text still
// undecided past maxUndecided bytes (an opening padded with blanks) is
// taken for a call, judged when the answer ends: each delta costs a
// bounded look, never a rescan of all the text held.
func opening(b *strings.Builder) int {
	t := trimJSSpace(b.String())
	if len(t) < b.Len() {
		b.Reset()
		b.WriteString(t)
	}
	if len(t) > maxUndecided {
		if mayOpenTextCall(t[:maxUndecided]) == openNo {
			return openNo
		}
		return openYes
	}
	return mayOpenTextCall(t)
}

// mayOpenTextCall says whether text (without leading whitespace) opens a
// tool call in one of OpenClaw's plain-text syntaxes.
func mayOpenTextCall(t string) int {
	if t == "" {
		return openMaybe
	}
	switch t[0] {
	case '[':
		rest := t[1:]
		if len(rest) < 5 && strings.HasPrefix("tool:", rest) {
			return openMaybe
		}
		rest = strings.TrimPrefix(rest, "tool:")
		n := 0
		for n < len(rest) && textCallNameByte(rest[n]) {
			n++
			if n > 120 {
				return openNo
			}
		}
		switch {
		case n == len(rest):
			return openMaybe
		case n == 0 || rest[n] != ']':
			return openNo
		}
		return openYes
	case '<':
		for _, m := range []string{"<function=", "<|channel|>"} {
			head := t[:min(len(t), len(m))]
			if strings.EqualFold(head, m[:len(head)]) {
				if len(head) == len(m) {
					return openYes
				}
				return openMaybe
			}
		}
		return openNo
	}
	for _, ch := range harmonyChannels {
		if len(t) <= len(ch) {
			if strings.HasPrefix(ch, t) {
				return openMaybe
			}
			continue
		}
		if !strings.HasPrefix(t, ch) || t[len(ch)] != ' ' && t[len(ch)] != '\t' {
			continue
		}
		r := strings.TrimLeft(t[len(ch):], " \t")
		switch {
		case len(r) < 3 && strings.HasPrefix("to=", r):
			return openMaybe
		case strings.HasPrefix(r, "to="):
			return openYes
		}
	}
	return openNo
}

var harmonyChannels = []string{"commentary", "analysis", "final"}

func textCallNameByte(c byte) bool {
	return c == '_' || c == '-' || '0' <= c && c <= '9' || 'a' <= c|0x20 && c|0x20 <= 'z'
}

func xmlNameByte(c byte) bool { return textCallNameByte(c) || c == '.' || c == ':' }

// jsSpace is JavaScript's \s.
func jsSpace(r rune) bool { return r == 0xFEFF || r != 0x85 && unicode.IsSpace(r) }

func trimJSSpace(s string) string { return strings.TrimLeftFunc(s, jsSpace) }

func skipJSSpace(s string, i int) int {
	for i < len(s) {
		r, n := utf8.DecodeRuneInString(s[i:])
		if !jsSpace(r) {
			break
		}
		i += n
	}
	return i
}

// TextCalls returns the tool calls written as text in an answer that
// opens with one (nil otherwise): every call that starts a line, or
// follows another, in any of the plain-text syntaxes OpenClaw promotes.
// It reads more than OpenClaw would promote (a call among prose, a call
// with no closing marker), never less.
func TextCalls(text string) []ToolCall {
	if mayOpenTextCall(trimJSSpace(text)) != openYes {
		return nil
	}
	var calls []ToolCall
	for i := 0; i < len(text); {
		if i > 0 && text[i-1] != '\n' && text[i-1] != '\r' {
			i++
			continue
		}
		p := i
		for p < len(text) && (text[p] == ' ' || text[p] == '\t') {
			p++
		}
		for {
			c, end, ok := textCallAt(text, skipJSSpace(text, p))
			if !ok {
				break
			}
			c.ID = "text-call-" + strconv.Itoa(len(calls)+1)
			calls = append(calls, c)
			p = end
		}
		i = max(p, i+1)
	}
	return calls
}

// textCallAt parses one call at p: its name and its arguments as JSON.
func textCallAt(t string, p int) (ToolCall, int, bool) {
	if p >= len(t) {
		return ToolCall{}, 0, false
	}
	name, q := "", -1
	switch {
	case t[p] == '[':
		k := p + 1
		if strings.HasPrefix(t[k:], "tool:") {
			k += 5
		}
		e := k
		for e < len(t) && textCallNameByte(t[e]) && e-k <= 120 {
			e++
		}
		if e == k || e >= len(t) || t[e] != ']' {
			return ToolCall{}, 0, false
		}
		name, q = t[k:e], e+1
	case hasFoldPrefix(t[p:], "<function="):
		k := p + len("<function=")
		e := k
		for e < len(t) && xmlNameByte(t[e]) && e-k <= 120 {
			e++
		}
		if e == k || e >= len(t) || t[e] != '>' {
			return ToolCall{}, 0, false
		}
		name, q = t[k:e], e+1
	default:
		k := p
		if strings.HasPrefix(t[k:], "<|channel|>") {
			k += len("<|channel|>")
		}
		ch := ""
		for _, c := range harmonyChannels {
			if strings.HasPrefix(t[k:], c) {
				ch = c
			}
		}
		if ch == "" {
			return ToolCall{}, 0, false
		}
		k += len(ch)
		k2 := k
		for k2 < len(t) && (t[k2] == ' ' || t[k2] == '\t') {
			k2++
		}
		if k2 == k || !strings.HasPrefix(t[k2:], "to=") {
			return ToolCall{}, 0, false
		}
		k = k2 + 3
		e := k
		for e < len(t) && textCallNameByte(t[e]) && e-k <= 120 {
			e++
		}
		if e == k {
			return ToolCall{}, 0, false
		}
		name = t[k:e]
		q = e
		for q < len(t) && (t[q] == ' ' || t[q] == '\t') {
			q++
		}
		q = strings.Index(t[q:], "{") + q // "code", <|message|>: up to the payload
		if q < e {
			return ToolCall{}, 0, false
		}
	}
	q = skipJSSpace(t, q)
	if q < len(t) && t[q] == '{' {
		end := jsonObjectEnd(t, q)
		if end < 0 {
			// Unterminated: JSON.parse refuses it too, OpenClaw promotes
			// nothing here.
			return ToolCall{}, 0, false
		}
		// A balanced object is a call even where Go's decoder refuses it:
		// JSON.parse takes numbers past float64's range (1e400 is Infinity)
		// and nesting deeper than Go's limit. The judge blocks arguments it
		// cannot parse.
		return ToolCall{Name: name, Arguments: t[q:end]}, skipClosing(t, end, name), true
	}
	// <parameter=k>v</parameter> ... [</function>]
	args := map[string]string{}
	for {
		q = skipJSSpace(t, q)
		if hasFoldPrefix(t[q:], "</function>") {
			q += len("</function>")
			break
		}
		if !hasFoldPrefix(t[q:], "<parameter=") {
			break
		}
		k := q + len("<parameter=")
		e := k
		for e < len(t) && xmlNameByte(t[e]) && e-k <= 120 {
			e++
		}
		if e == k || e >= len(t) || t[e] != '>' {
			break
		}
		v := e + 1
		c := indexFold(t[v:], "</parameter>")
		if c < 0 {
			args[t[k:e]] = t[v:]
			q = len(t)
			break
		}
		args[t[k:e]] = t[v : v+c]
		q = v + c + len("</parameter>")
	}
	if len(args) == 0 {
		return ToolCall{}, 0, false
	}
	b, _ := stdjson.Marshal(args)
	return ToolCall{Name: name, Arguments: string(b)}, skipClosing(t, q, name), true
}

// skipClosing steps over a call's closing marker, if there is one.
func skipClosing(t string, at int, name string) int {
	p := skipJSSpace(t, at)
	for _, m := range []string{"<|call|>", "[END_TOOL_REQUEST]", "[/" + name + "]"} {
		if strings.HasPrefix(t[p:], m) {
			return p + len(m)
		}
	}
	return at
}

// hasFoldPrefix: s starts with the ASCII marker prefix, in any case.
func hasFoldPrefix(s, prefix string) bool {
	if len(s) < len(prefix) {
		return false
	}
	for i := 0; i < len(prefix); i++ {
		a, b := s[i], prefix[i]
		if 'A' <= a && a <= 'Z' {
			a += 'a' - 'A'
		}
		if 'A' <= b && b <= 'Z' {
			b += 'a' - 'A'
		}
		if a != b {
			return false
		}
	}
	return true
}

// indexFold finds an ASCII marker in s, in any case, by byte offset.
func indexFold(s, sub string) int {
	for i := 0; i+len(sub) <= len(s); i++ {
		if hasFoldPrefix(s[i:], sub) {
			return i
		}
	}
	return -1
}

// jsonObjectEnd is OpenClaw's scanJsonObject: the end of the object that
// starts at p, counting braces outside strings; -1 if it does not end.
func jsonObjectEnd(t string, p int) int {
	depth, inString, escaped := 0, false, false
	for i := p; i < len(t); i++ {
		c := t[i]
		if inString {
			switch {
			case escaped:
				escaped = false
			case c == '\\':
				escaped = true
			case c == '"':
				inString = false
			}
			continue
		}
		switch c {
		case '"':
			inString = true
		case '{':
			depth++
		case '}':
			depth--
			if depth == 0 {
				return i + 1
			}
		}
	}
	return -1
}

// judgeTextCalls judges the calls the answer's text holds that were not
// judged yet, and returns the notices of the blocked ones.
func (r *Reassembler) judgeTextCalls() []string {
	w := &r.tw
	if w.state != twCandidate {
		return nil
	}
	var notices []string
	calls := TextCalls(w.text.String())
	for _, c := range calls[min(w.judged, len(calls)):] {
		if d := r.decide(c); d.Block {
			notices = append(notices, Notice(c, d))
		}
	}
	w.judged = max(w.judged, len(calls))
	if len(notices) > 0 {
		w.blocked = true
		w.notices = append(w.notices, notices...)
		r.Dropped += len(notices)
	}
	return notices
}

// textNoticeText is the text added to an answer whose text calls were
// blocked: prose after the calls, so that the answer is no longer calls
// alone and OpenClaw promotes none of them (it shows the text instead,
// with the calls scrubbed).
func textNoticeText(notices []string) string {
	return "\n\n" + strings.Join(notices, "\n")
}

// textNotice returns the events that add the notice to the answer before
// the event that ends it (Completions and Anthropic; Responses edits the
// done item instead).
func (r *Reassembler) textNotice(notices []string) []byte {
	text := textNoticeText(notices)
	switch r.api {
	case Completions:
		return r.ccChunkWith(r.tw.choice, `{"content":`+string(quote(text))+`}`)
	case Anthropic:
		i := strconv.FormatInt(r.tw.nextIndex, 10)
		r.tw.nextIndex++
		out := NamedEvent("content_block_start", []byte(`{"type":"content_block_start","index":`+i+`,"content_block":{"type":"text","text":""}}`))
		out = append(out, NamedEvent("content_block_delta", []byte(`{"type":"content_block_delta","index":`+i+`,"delta":{"type":"text_delta","text":`+string(quote(text))+`}}`))...)
		return append(out, NamedEvent("content_block_stop", []byte(`{"type":"content_block_stop","index":`+i+`}`))...)
	}
	return nil
}

// rsWithNotice returns a Responses event whose message item (the done
// item's, or the last message of the response's output) has the notice
// added to its last text part.
func rsWithNotice(ev Event, notices []string) (Event, error) {
	var m map[string]jsontext.Value
	if err := unmarshal(ev.Data, &m); err != nil {
		return ev, err
	}
	addTo := func(item jsontext.Value) (jsontext.Value, bool) {
		var it map[string]jsontext.Value
		if unmarshal(item, &it) != nil || stringOf(it["type"]) != "message" {
			return item, false
		}
		var parts []map[string]jsontext.Value
		if unmarshal(it["content"], &parts) != nil {
			parts = nil
		}
		k := -1
		for j, p := range parts {
			if t := stringOf(p["type"]); t == "output_text" || t == "text" {
				k = j
			}
		}
		text := textNoticeText(notices)
		if k < 0 {
			parts = append(parts, map[string]jsontext.Value{"type": rawString("output_text"), "text": rawString(text), "annotations": jsontext.Value("[]")})
		} else {
			parts[k]["text"] = rawString(stringOf(parts[k]["text"]) + text)
		}
		it["content"] = jsontext.Value(marshal(parts))
		return jsontext.Value(marshal(it)), true
	}
	if v, ok := m["item"]; ok {
		m["item"], _ = addTo(v)
	} else if v, ok := m["response"]; ok {
		var resp map[string]jsontext.Value
		var out []jsontext.Value
		if unmarshal(v, &resp) == nil && unmarshal(resp["output"], &out) == nil {
			for j := len(out) - 1; j >= 0; j-- {
				if nv, ok := addTo(out[j]); ok {
					out[j] = nv
					break
				}
			}
			resp["output"] = jsontext.Value(marshal(out))
			m["response"] = jsontext.Value(marshal(resp))
		}
	}
	data := marshal(m)
	raw := NamedEvent(ev.Name, data)
	if ev.Name == "" {
		raw = DataEvent(data)
	}
	return Event{Name: ev.Name, Data: data, Raw: raw}, nil
}

// textKeys are the member names of the events that carry answer text or
// end an answer, by API; an event with none of them (and no \u escape,
// the one other way to spell a name) is skipped unread.
var textKeys = map[API][]string{
	Completions: {`"content"`, `"refusal"`, `"finish_reason"`, `[DONE]`},
	Anthropic:   {`"text"`, `"content"`, `"content_block_start"`, `"message_delta"`, `"message_stop"`},
	Responses:   {`text.delta"`, `refusal.delta"`, `"response.output_item.added"`, `"response.output_item.done"`, `"response.completed"`, `"response.incomplete"`, `"response.failed"`, `"error"`},
}

// observeText reads an event for the answer's text while it may be tool
// calls, and reports whether the event ends the answer.
func (r *Reassembler) observeText(ev Event) (end, terminal bool, err error) {
	if d := ev.Data; r.api == Responses && r.tw.watching == 0 && bytes.Contains(d, []byte(`.delta"`)) &&
		!bytes.Contains(d, []byte(`output_item`)) && !bytes.Contains(d, []byte(`complete`)) && !bytes.Contains(d, []byte(`\u`)) {
		// A delta of an item already known to be prose (or never
		// announced, which OpenClaw does not read): nothing to read.
		return false, false, nil
	}
	if !mayCarryCall(ev.Data, textKeys[r.api]...) {
		return false, false, nil
	}
	data := strings.TrimSpace(string(ev.Data))
	switch r.api {
	case Completions:
		if data == "[DONE]" {
			return true, true, nil
		}
		if data == "" {
			return false, false, nil
		}
		type ccText struct {
			Content any    `json:"content"`
			Refusal string `json:"refusal"`
		}
		var c struct {
			Choices []struct {
				Index        int            `json:"index"`
				Delta        *ccText        `json:"delta"`
				Message      *ccText        `json:"message"`
				FinishReason jsontext.Value `json:"finish_reason"`
			} `json:"choices"`
		}
		if err := unmarshal([]byte(data), &c); err != nil {
			return false, false, err
		}
		for _, ch := range c.Choices {
			d := ch.Delta
			if d == nil {
				d = ch.Message // choice.delta ?? choice.message
			}
			if d != nil {
				// OpenClaw's text: content as a string or parts (text,
				// content, refusal; not thinking), then refusal.
				r.tw.add(contentText(d.Content))
				r.tw.add(d.Refusal)
			}
			if ch.FinishReason.Kind() == '"' {
				end = true
				r.tw.choice = ch.Index
			}
		}
		return end, end, nil
	case Anthropic:
		if data == "" {
			return false, false, nil
		}
		var e struct {
			Type         string         `json:"type"`
			Index        jsontext.Value `json:"index"`
			ContentBlock *struct {
				Type string `json:"type"`
				Text string `json:"text"`
			} `json:"content_block"`
			Delta *struct {
				Type       string         `json:"type"`
				Text       string         `json:"text"`
				Content    jsontext.Value `json:"content"`
				StopReason jsontext.Value `json:"stop_reason"`
			} `json:"delta"`
		}
		if err := unmarshal([]byte(data), &e); err != nil {
			return false, false, err
		}
		if n, ok := intOf(e.Index); ok && n >= r.tw.nextIndex {
			r.tw.nextIndex = n + 1
		}
		switch e.Type {
		case "content_block_start":
			if e.ContentBlock != nil && e.ContentBlock.Type == "text" {
				r.tw.add(e.ContentBlock.Text)
			}
		case "content_block_delta":
			if d := e.Delta; d != nil {
				switch d.Type {
				case "text_delta":
					r.tw.add(d.Text)
				case "input_json_delta", "thinking_delta", "signature_delta":
				default:
					// OpenClaw appends a compatible provider's content
					// string to the open text block.
					r.tw.add(stringOf(d.Content))
				}
			}
		case "message_delta":
			stop := e.Delta != nil && e.Delta.StopReason.Kind() == '"'
			return stop, stop, nil
		case "message_stop":
			return true, true, nil
		}
		return false, false, nil
	case Responses:
		return r.observeResponsesText(data)
	}
	return false, false, nil
}

func (r *Reassembler) observeResponsesText(data string) (end, terminal bool, err error) {
	if data == "" {
		return false, false, nil
	}

	var e struct {
		Type        string         `json:"type"`
		OutputIndex jsontext.Value `json:"output_index"`
		ItemID      string         `json:"item_id"`
		Delta       jsontext.Value `json:"delta"`
		Item        *rsTextItem    `json:"item"`
		Response    *struct {
			Output []rsTextItem `json:"output"`
		} `json:"response"`
	}
	if err := unmarshal([]byte(data), &e); err != nil {
		return false, false, err
	}
	w := &r.tw
	key := func() string {
		if n, ok := intOf(e.OutputIndex); ok {
			return "#" + strconv.FormatInt(n, 10)
		}
		return e.ItemID
	}
	switch e.Type {
	case "response.output_item.added":
		// OpenClaw reads the deltas of announced message items only.
		if e.Item != nil && e.Item.Type == "message" {
			if w.items == nil {
				w.items = map[string]*itemText{}
			}
			if _, dup := w.items[key()]; !dup {
				w.items[key()] = &itemText{}
				w.watching++
			}
		}
	case "response.output_text.delta", "response.text.delta", "response.refusal.delta":
		it := w.items[key()]
		if it != nil && !it.prose && it.text.Len() < maxTextCalls {
			it.text.WriteString(stringOf(e.Delta))
			if opening(&it.text) == openNo {
				it.prose = true
				it.text.Reset()
				w.watching--
			}
		}
	case "response.output_item.done":
		if e.Item != nil && e.Item.Type == "message" {
			// The done item's content is the text OpenClaw keeps; without
			// one, the streamed text.
			it := w.items[key()]
			if it != nil {
				delete(w.items, key())
				if !it.prose {
					w.watching--
				}
			}
			if e.Item.Content != nil {
				w.add(e.Item.text())
			} else if it != nil && !it.prose {
				w.add(it.text.String())
			} else if it != nil {
				w.add("\x00") // prose: no call
			}
			// The item's text is final: its calls are judged now, and a
			// notice goes into this item.
			return true, false, nil
		}
	case "response.completed", "response.incomplete":
		if w.state == twWatching && e.Response != nil {
			for _, it := range e.Response.Output {
				if it.Type == "message" {
					w.add(it.text())
				}
			}
		}
		return true, true, nil
	case "response.failed", "error":
		w.done = true
	}
	return false, false, nil
}

type rsTextItem struct {
	Type    string `json:"type"`
	Content []struct {
		Type    string `json:"type"`
		Text    string `json:"text"`
		Refusal string `json:"refusal"`
	} `json:"content"`
}

func (it *rsTextItem) text() string {
	var b strings.Builder
	for _, c := range it.Content {
		if c.Type == "refusal" {
			b.WriteString(c.Refusal)
		} else if c.Type == "output_text" || c.Type == "text" {
			b.WriteString(c.Text)
		}
	}
	return b.String()
}

// contentText is the answer text of a completions content value as
// OpenClaw reads it (readOpenAICompletionsContentPartDeltas): a string, or
// parts whose text, content or refusal it takes, except thinking and
// reasoning parts.
func contentText(v any) string {
	switch v := v.(type) {
	case string:
		return v
	case []any:
		var b strings.Builder
		for _, x := range v {
			b.WriteString(contentText(x))
		}
		return b.String()
	case map[string]any:
		typ, _ := v["type"].(string)
		typ = strings.ToLower(typ)
		if strings.Contains(typ, "thinking") || strings.Contains(typ, "reasoning") {
			return ""
		}
		for _, k := range []string{"text", "content", "thinking", "refusal"} {
			if x, ok := v[k]; ok && x != nil {
				return nestedText(x)
			}
		}
	}
	return ""
}

func nestedText(v any) string {
	switch v := v.(type) {
	case string:
		return v
	case []any:
		var b strings.Builder
		for _, x := range v {
			b.WriteString(nestedText(x))
		}
		return b.String()
	case map[string]any:
		for _, k := range []string{"text", "content", "thinking", "refusal"} {
			if x, ok := v[k]; ok && x != nil {
				return nestedText(x)
			}
		}
	}
	return ""
}
