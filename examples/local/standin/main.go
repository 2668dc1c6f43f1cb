// Command openclaw-standin is a small, deterministic stand-in for the OpenClaw
// gateway's HTTP API, for trying the stack and for tests. The same binary
// serves as the OpenAI-compatible model provider behind a real OpenClaw.
//
//	openclaw-standin -listen 127.0.0.1:18789 [-token-env OPENCLAW_GATEWAY_TOKEN]
//
// Routes:
//
//	GET|HEAD /health /healthz /ready /readyz   {"ok":true,"status":"live"}
//	GET  /v1/models, /v1/models/{id}
//	POST /v1/chat/completions                  non-streaming and SSE ("stream": true)
//	POST /v1/responses                         non-streaming and SSE
//	POST /tools/invoke                         {"ok":true,"result":...}
//	GET  /__standin/requests                   what it received (for tests)
//	POST /__standin/release?id=ID              releases a held stream (for tests)
//
// With -token-env, every route but the health checks requires
// `Authorization: Bearer $VAR`, as the real gateway does in token mode.
//
// A reply echoes the last user message, so a test can see what reached the
// gateway. A streaming request whose body has "metadata":{"standin_hold":ID},
// or whose user text contains "standin-hold:ID" (which survives a real
// OpenClaw turning the chat into its own model request), sends its first
// chunk and then waits for /__standin/release?id=ID: a test can tell an
// unbuffered proxy from a buffering one without timing anything.
package main

import (
	"crypto/sha256"
	"crypto/subtle"
	"encoding/hex"
	"encoding/json"
	"flag"
	"fmt"
	"io"
	"log"
	"net"
	"net/http"
	"os"
	"os/signal"
	"strings"
	"sync"
	"syscall"
	"time"
)

const maxRecorded = 1000

// received is what the stand-in records of each request.
type received struct {
	Method     string              `json:"method"`
	Path       string              `json:"path"`
	Header     map[string][]string `json:"header"`
	BodySHA256 string              `json:"body_sha256"`
	Body       string              `json:"body"`
}

type server struct {
	token string
	delay time.Duration

	mu       sync.Mutex
	requests []received
	holds    map[string]chan struct{}
}

func main() {
	listen := flag.String("listen", "127.0.0.1:18789", "address to listen on")
	tokenEnv := flag.String("token-env", "", "environment variable holding the bearer token to require (empty: no auth)")
	delay := flag.Duration("chunk-delay", 20*time.Millisecond, "pause between streamed chunks")
	flag.Parse()

	s := &server{delay: *delay, holds: map[string]chan struct{}{}}
	if *tokenEnv != "" {
		s.token = os.Getenv(*tokenEnv)
		if s.token == "" {
			log.Fatalf("openclaw-standin: -token-env %s is set but $%s is empty", *tokenEnv, *tokenEnv)
		}
	}
	ln, err := net.Listen("tcp", *listen)
	if err != nil {
		log.Fatalf("openclaw-standin: %v", err)
	}
	log.Printf("openclaw-standin: listening on http://%s", ln.Addr())
	srv := &http.Server{Handler: s.routes(), ReadHeaderTimeout: 10 * time.Second}
	go func() {
		sig := make(chan os.Signal, 1)
		signal.Notify(sig, os.Interrupt, syscall.SIGTERM)
		<-sig
		srv.Close()
	}()
	if err := srv.Serve(ln); err != http.ErrServerClosed {
		log.Fatalf("openclaw-standin: %v", err)
	}
}

func (s *server) routes() http.Handler {
	mux := http.NewServeMux()
	for _, p := range []string{"/health", "/healthz", "/ready", "/readyz"} {
		mux.HandleFunc(p, func(w http.ResponseWriter, r *http.Request) {
			if r.Method != http.MethodGet && r.Method != http.MethodHead {
				apiError(w, http.StatusMethodNotAllowed, "method not allowed", "invalid_request_error")
				return
			}
			writeJSON(w, http.StatusOK, map[string]any{"ok": true, "status": "live"})
		})
	}
	mux.HandleFunc("GET /v1/models", s.models)
	mux.HandleFunc("GET /v1/models/{id}", s.models)
	mux.HandleFunc("POST /v1/chat/completions", s.chat)
	mux.HandleFunc("POST /v1/responses", s.responses)
	mux.HandleFunc("POST /tools/invoke", func(w http.ResponseWriter, r *http.Request) {
		writeJSON(w, http.StatusOK, map[string]any{"ok": true, "result": map[string]any{"standin": "tool invoked"}})
	})
	mux.HandleFunc("GET /__standin/requests", func(w http.ResponseWriter, r *http.Request) {
		s.mu.Lock()
		defer s.mu.Unlock()
		writeJSON(w, http.StatusOK, s.requests)
	})
	mux.HandleFunc("POST /__standin/release", func(w http.ResponseWriter, r *http.Request) {
		s.hold(r.URL.Query().Get("id")) <- struct{}{}
		writeJSON(w, http.StatusOK, map[string]any{"released": true})
	})
	mux.HandleFunc("/", func(w http.ResponseWriter, r *http.Request) {
		apiError(w, http.StatusNotFound, "no route "+r.Method+" "+r.URL.Path, "invalid_request_error")
	})
	return s.record(mux)
}

// record remembers each request and enforces the bearer token.
func (s *server) record(next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if strings.HasPrefix(r.URL.Path, "/__standin/") {
			next.ServeHTTP(w, r)
			return
		}
		body, err := io.ReadAll(io.LimitReader(r.Body, 8<<20))
		if err != nil {
			apiError(w, http.StatusBadRequest, "reading body: "+err.Error(), "invalid_request_error")
			return
		}
		r.Body = io.NopCloser(strings.NewReader(string(body)))
		sum := sha256.Sum256(body)
		s.mu.Lock()
		if len(s.requests) == maxRecorded {
			s.requests = s.requests[1:]
		}
		s.requests = append(s.requests, received{r.Method, r.URL.Path, r.Header.Clone(), hex.EncodeToString(sum[:]), string(body)})
		s.mu.Unlock()

		public := strings.HasPrefix(r.URL.Path, "/health") || strings.HasPrefix(r.URL.Path, "/ready")
		if s.token != "" && !public {
			want := "Bearer " + s.token
			if subtle.ConstantTimeCompare([]byte(r.Header.Get("Authorization")), []byte(want)) != 1 {
				apiError(w, http.StatusUnauthorized, "Unauthorized", "unauthorized")
				return
			}
		}
		next.ServeHTTP(w, r)
	})
}

func (s *server) hold(id string) chan struct{} {
	s.mu.Lock()
	defer s.mu.Unlock()
	ch, ok := s.holds[id]
	if !ok {
		ch = make(chan struct{}, 1)
		s.holds[id] = ch
	}
	return ch
}

func (s *server) models(w http.ResponseWriter, r *http.Request) {
	models := []map[string]any{
		{"id": "openclaw", "object": "model", "created": 0, "owned_by": "openclaw"},
		{"id": "openclaw/default", "object": "model", "created": 0, "owned_by": "openclaw"},
		{"id": "fake-model", "object": "model", "created": 0, "owned_by": "standin"},
	}
	if id := r.PathValue("id"); id != "" {
		for _, m := range models {
			if m["id"] == id {
				writeJSON(w, http.StatusOK, m)
				return
			}
		}
		apiError(w, http.StatusNotFound, "model "+id+" not found", "invalid_request_error")
		return
	}
	writeJSON(w, http.StatusOK, map[string]any{"object": "list", "data": models})
}

type chatRequest struct {
	Model    string `json:"model"`
	Stream   bool   `json:"stream"`
	Messages []struct {
		Role    string          `json:"role"`
		Content json.RawMessage `json:"content"`
	} `json:"messages"`
	Metadata struct {
		Hold string `json:"standin_hold"`
	} `json:"metadata"`
}

// text returns the text of a content field: a string or an array of parts.
func text(raw json.RawMessage) string {
	var s string
	if json.Unmarshal(raw, &s) == nil {
		return s
	}
	var parts []struct {
		Type string `json:"type"`
		Text string `json:"text"`
	}
	json.Unmarshal(raw, &parts)
	var b strings.Builder
	for _, p := range parts {
		b.WriteString(p.Text)
	}
	return b.String()
}

func reply(prompt string) string {
	if len(prompt) > 400 {
		prompt = prompt[:400]
	}
	return "Stand-in reply to: " + prompt
}

func (s *server) chat(w http.ResponseWriter, r *http.Request) {
	var req chatRequest
	if err := json.NewDecoder(r.Body).Decode(&req); err != nil {
		apiError(w, http.StatusBadRequest, "invalid JSON: "+err.Error(), "invalid_request_error")
		return
	}
	var prompt string
	for _, m := range req.Messages {
		// A real OpenClaw appends its own context as a user message, and a
		// runtime footer to the user's text.
		if t := text(m.Content); m.Role == "user" && !strings.HasPrefix(t, "<<<BEGIN_OPENCLAW_INTERNAL_CONTEXT>>>") {
			prompt, _, _ = strings.Cut(t, "\n\nRuntime: ")
		}
	}
	hold := req.Metadata.Hold
	if _, after, ok := strings.Cut(prompt, "standin-hold:"); ok && hold == "" {
		hold, _, _ = strings.Cut(after, " ")
	}
	model := req.Model
	if model == "" {
		model = "openclaw"
	}
	id := fmt.Sprintf("chatcmpl_standin_%x", sha256.Sum256([]byte(prompt)))[:40]
	answer := reply(prompt)
	if !req.Stream {
		writeJSON(w, http.StatusOK, map[string]any{
			"id": id, "object": "chat.completion", "created": 0, "model": model,
			"choices": []any{map[string]any{"index": 0, "message": map[string]any{"role": "assistant", "content": answer}, "finish_reason": "stop"}},
			"usage":   map[string]any{"prompt_tokens": len(strings.Fields(prompt)), "completion_tokens": len(strings.Fields(answer)), "total_tokens": len(strings.Fields(prompt)) + len(strings.Fields(answer))},
		})
		return
	}
	chunk := func(delta map[string]any, finish any) map[string]any {
		return map[string]any{"id": id, "object": "chat.completion.chunk", "created": 0, "model": model,
			"choices": []any{map[string]any{"index": 0, "delta": delta, "finish_reason": finish}}}
	}
	sse := newSSE(w)
	sse.data(chunk(map[string]any{"role": "assistant", "content": ""}, nil))
	for i, word := range strings.SplitAfter(answer, " ") {
		sse.data(chunk(map[string]any{"content": word}, nil))
		if i == 0 && hold != "" {
			s.wait(r, hold)
		}
		time.Sleep(s.delay)
	}
	sse.data(chunk(map[string]any{}, "stop"))
	sse.raw("data: [DONE]\n\n")
}

func (s *server) wait(r *http.Request, id string) {
	select {
	case <-s.hold(id):
	case <-r.Context().Done():
	case <-time.After(30 * time.Second):
	}
}

func (s *server) responses(w http.ResponseWriter, r *http.Request) {
	var req struct {
		Model        string          `json:"model"`
		Stream       bool            `json:"stream"`
		Input        json.RawMessage `json:"input"`
		Instructions string          `json:"instructions"`
	}
	if err := json.NewDecoder(r.Body).Decode(&req); err != nil {
		apiError(w, http.StatusBadRequest, "invalid JSON: "+err.Error(), "invalid_request_error")
		return
	}
	prompt := text(req.Input)
	if prompt == "" {
		var items []struct {
			Content json.RawMessage `json:"content"`
		}
		json.Unmarshal(req.Input, &items)
		for _, it := range items {
			prompt = text(it.Content)
		}
	}
	answer := reply(prompt)
	resp := map[string]any{
		"id": "resp_standin", "object": "response", "created_at": 0, "status": "completed", "model": req.Model,
		"output": []any{map[string]any{"type": "message", "id": "msg_standin", "role": "assistant", "status": "completed",
			"content": []any{map[string]any{"type": "output_text", "text": answer, "annotations": []any{}}}}},
	}
	if !req.Stream {
		writeJSON(w, http.StatusOK, resp)
		return
	}
	sse := newSSE(w)
	sse.event("response.created", map[string]any{"type": "response.created", "response": map[string]any{"id": "resp_standin", "status": "in_progress"}})
	for _, word := range strings.SplitAfter(answer, " ") {
		sse.event("response.output_text.delta", map[string]any{"type": "response.output_text.delta", "delta": word})
		time.Sleep(s.delay)
	}
	sse.event("response.completed", map[string]any{"type": "response.completed", "response": resp})
}

type sseWriter struct {
	w http.ResponseWriter
	f http.Flusher
}

func newSSE(w http.ResponseWriter) sseWriter {
	w.Header().Set("Content-Type", "text/event-stream")
	w.Header().Set("Cache-Control", "no-cache")
	w.WriteHeader(http.StatusOK)
	f, _ := w.(http.Flusher)
	return sseWriter{w, f}
}

func (s sseWriter) raw(text string) {
	io.WriteString(s.w, text)
	if s.f != nil {
		s.f.Flush()
	}
}

func (s sseWriter) data(v any) {
	b, _ := json.Marshal(v)
	s.raw("data: " + string(b) + "\n\n")
}

func (s sseWriter) event(name string, v any) {
	b, _ := json.Marshal(v)
	s.raw("event: " + name + "\ndata: " + string(b) + "\n\n")
}

func writeJSON(w http.ResponseWriter, status int, v any) {
	w.Header().Set("Content-Type", "application/json")
	w.WriteHeader(status)
	json.NewEncoder(w).Encode(v)
}

func apiError(w http.ResponseWriter, status int, msg, typ string) {
	writeJSON(w, status, map[string]any{"error": map[string]any{"message": msg, "type": typ}})
}
