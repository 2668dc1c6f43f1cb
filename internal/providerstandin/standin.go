// Package providerstandin is a scripted, streaming stand-in for a model
// provider, for the provider guard's end-to-end tests and benchmarks. It
// speaks the three wire shapes OpenClaw uses (Chat Completions at
// /chat/completions, Responses at /responses, Anthropic Messages at
// /messages, any base path), answers every request with a stream a script
// chooses, and records what it received.
package providerstandin

import (
	"bytes"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync"
	"time"

	"github.com/openclaw-secure-stack/securestack/caddyplugin/providerguard/wire"
)

// Call is a tool call in a reply.
type Call struct {
	ID, Name string
	Args     string // JSON text
}

// Reply is one scripted answer: text chunks, then tool calls.
type Reply struct {
	Text  []string
	Calls []Call
	// Delay is the pause before each text chunk (time to first token
	// included).
	Delay time.Duration
}

// Request is what the stand-in received.
type Request struct {
	API    wire.API
	Path   string
	Header http.Header
	Body   []byte
}

// Server is a running stand-in.
type Server struct {
	*httptest.Server
	script func(api wire.API, body []byte) Reply
	mu     sync.Mutex
	reqs   []Request
	extra  map[string]http.HandlerFunc
}

// Start runs a stand-in on loopback, with TLS when tls is set (its
// certificate is Certificate(), for the client's trust pool). script picks
// the reply to each request.
func Start(tls bool, script func(api wire.API, body []byte) Reply) *Server {
	s := &Server{script: script, extra: map[string]http.HandlerFunc{}}
	if tls {
		s.Server = httptest.NewTLSServer(s)
	} else {
		s.Server = httptest.NewServer(s)
	}
	return s
}

// Handle serves an extra path (a payload a test command might fetch).
func (s *Server) Handle(path string, h http.HandlerFunc) {
	s.mu.Lock()
	s.extra[path] = h
	s.mu.Unlock()
}

// Requests returns what the stand-in received so far.
func (s *Server) Requests() []Request {
	s.mu.Lock()
	defer s.mu.Unlock()
	return append([]Request(nil), s.reqs...)
}

func (s *Server) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	s.mu.Lock()
	h := s.extra[r.URL.Path]
	s.mu.Unlock()
	if h != nil {
		h(w, r)
		return
	}
	var api wire.API
	for _, a := range wire.APIs {
		if a.Matches(r.URL.Path) {
			api = a
		}
	}
	if api == "" || r.Method != http.MethodPost {
		http.Error(w, "not a provider endpoint", http.StatusNotFound)
		return
	}
	body, _ := io.ReadAll(r.Body)
	s.mu.Lock()
	s.reqs = append(s.reqs, Request{API: api, Path: r.URL.Path, Header: r.Header.Clone(), Body: body})
	s.mu.Unlock()
	Stream(w, api, s.script(api, body))
}

// Stream writes reply as a streamed response of api, flushing each event.
func Stream(w http.ResponseWriter, api wire.API, reply Reply) {
	w.Header().Set("Content-Type", "text/event-stream")
	w.Header().Set("Cache-Control", "no-cache")
	w.WriteHeader(http.StatusOK)
	f, _ := w.(http.Flusher)
	var b bytes.Buffer
	emit := func() {
		w.Write(b.Bytes())
		b.Reset()
		if f != nil {
			f.Flush()
		}
	}
	js := func(v string) string { q, _ := json.Marshal(v); return string(q) }
	switch api {
	case wire.Completions:
		chunk := func(delta, finish string) {
			fmt.Fprintf(&b, `data: {"id":"chatcmpl-standin","object":"chat.completion.chunk","created":1796500000,"model":"standin","choices":[{"index":0,"delta":%s,"finish_reason":%s}]}`+"\n\n", delta, finish)
		}
		chunk(`{"role":"assistant","content":""}`, "null")
		emit()
		for _, t := range reply.Text {
			time.Sleep(reply.Delay)
			chunk(`{"content":`+js(t)+`}`, "null")
			emit()
		}
		for k, c := range reply.Calls {
			chunk(fmt.Sprintf(`{"tool_calls":[{"index":%d,"id":%s,"type":"function","function":{"name":%s,"arguments":""}}]}`, k, js(c.ID), js(c.Name)), "null")
			for _, p := range halves(c.Args) {
				chunk(fmt.Sprintf(`{"tool_calls":[{"index":%d,"function":{"arguments":%s}}]}`, k, js(p)), "null")
			}
			emit()
		}
		finish := `"stop"`
		if len(reply.Calls) > 0 {
			finish = `"tool_calls"`
		}
		chunk(`{}`, finish)
		b.WriteString(`data: {"id":"chatcmpl-standin","object":"chat.completion.chunk","created":1796500000,"model":"standin","choices":[],"usage":{"prompt_tokens":10,"completion_tokens":5,"total_tokens":15}}` + "\n\n")
		b.WriteString("data: [DONE]\n\n")
		emit()
	case wire.Responses:
		seq := 0
		ev := func(typ, fields string) {
			fmt.Fprintf(&b, "event: %s\ndata: {\"type\":%q,\"sequence_number\":%d%s}\n\n", typ, typ, seq, fields)
			seq++
		}
		ev("response.created", `,"response":{"id":"resp_standin","object":"response","status":"in_progress","output":[]}`)
		emit()
		var final []string
		oi := 0
		if len(reply.Text) > 0 {
			full := strings.Join(reply.Text, "")
			ev("response.output_item.added", `,"output_index":0,"item":{"id":"msg_standin","type":"message","status":"in_progress","role":"assistant","content":[]}`)
			ev("response.content_part.added", `,"item_id":"msg_standin","output_index":0,"content_index":0,"part":{"type":"output_text","text":"","annotations":[]}`)
			emit()
			for _, t := range reply.Text {
				time.Sleep(reply.Delay)
				ev("response.output_text.delta", `,"item_id":"msg_standin","output_index":0,"content_index":0,"delta":`+js(t))
				emit()
			}
			item := `{"id":"msg_standin","type":"message","status":"completed","role":"assistant","content":[{"type":"output_text","text":` + js(full) + `,"annotations":[]}]}`
			ev("response.output_text.done", `,"item_id":"msg_standin","output_index":0,"content_index":0,"text":`+js(full))
			ev("response.content_part.done", `,"item_id":"msg_standin","output_index":0,"content_index":0,"part":{"type":"output_text","text":`+js(full)+`,"annotations":[]}`)
			ev("response.output_item.done", `,"output_index":0,"item":`+item)
			final = append(final, item)
			oi++
		}
		for _, c := range reply.Calls {
			o := fmt.Sprintf(`,"output_index":%d`, oi)
			id := "fc_" + c.ID
			ev("response.output_item.added", o+`,"item":{"id":"`+id+`","type":"function_call","status":"in_progress","call_id":`+js(c.ID)+`,"name":`+js(c.Name)+`,"arguments":""}`)
			for _, p := range halves(c.Args) {
				ev("response.function_call_arguments.delta", `,"item_id":"`+id+`"`+o+`,"delta":`+js(p))
			}
			item := `{"id":"` + id + `","type":"function_call","status":"completed","call_id":` + js(c.ID) + `,"name":` + js(c.Name) + `,"arguments":` + js(c.Args) + `}`
			ev("response.function_call_arguments.done", `,"item_id":"`+id+`"`+o+`,"arguments":`+js(c.Args))
			ev("response.output_item.done", o+`,"item":`+item)
			final = append(final, item)
			oi++
			emit()
		}
		ev("response.completed", `,"response":{"id":"resp_standin","object":"response","status":"completed","output":[`+strings.Join(final, ",")+`],"usage":{"input_tokens":10,"output_tokens":5,"total_tokens":15}}`)
		emit()
	case wire.Anthropic:
		ev := func(typ, data string) { fmt.Fprintf(&b, "event: %s\ndata: %s\n\n", typ, data) }
		ev("message_start", `{"type":"message_start","message":{"id":"msg_standin","type":"message","role":"assistant","content":[],"model":"standin","stop_reason":null,"stop_sequence":null,"usage":{"input_tokens":10,"output_tokens":1}}}`)
		emit()
		i := 0
		if len(reply.Text) > 0 {
			ev("content_block_start", `{"type":"content_block_start","index":0,"content_block":{"type":"text","text":""}}`)
			emit()
			for _, t := range reply.Text {
				time.Sleep(reply.Delay)
				ev("content_block_delta", `{"type":"content_block_delta","index":0,"delta":{"type":"text_delta","text":`+js(t)+`}}`)
				emit()
			}
			ev("content_block_stop", `{"type":"content_block_stop","index":0}`)
			i++
		}
		for _, c := range reply.Calls {
			ev("content_block_start", fmt.Sprintf(`{"type":"content_block_start","index":%d,"content_block":{"type":"tool_use","id":%s,"name":%s,"input":{}}}`, i, js(c.ID), js(c.Name)))
			for _, p := range halves(c.Args) {
				ev("content_block_delta", fmt.Sprintf(`{"type":"content_block_delta","index":%d,"delta":{"type":"input_json_delta","partial_json":%s}}`, i, js(p)))
			}
			ev("content_block_stop", fmt.Sprintf(`{"type":"content_block_stop","index":%d}`, i))
			i++
			emit()
		}
		stop := "end_turn"
		if len(reply.Calls) > 0 {
			stop = "tool_use"
		}
		ev("message_delta", `{"type":"message_delta","delta":{"stop_reason":"`+stop+`","stop_sequence":null},"usage":{"output_tokens":5}}`)
		ev("message_stop", `{"type":"message_stop"}`)
		emit()
	}
}

// halves splits arguments in two fragments, as providers stream them.
func halves(s string) []string {
	if len(s) < 2 {
		return []string{s}
	}
	return []string{s[:len(s)/2], s[len(s)/2:]}
}
