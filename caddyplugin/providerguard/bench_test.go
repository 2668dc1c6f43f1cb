package providerguard

import (
	"context"
	"encoding/json"
	"fmt"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"

	"github.com/caddyserver/caddy/v2"

	"github.com/openclaw-secure-stack/securestack/caddyplugin/internal/auditcfg"
)

// BenchmarkServeNextTurn is the handler's whole work on OpenClaw's real
// first-turn body (about 52 KB) with a new user turn each time, in process:
// token check, inspection (the unchanged prefix reused), key swap, audit
// record, and a four-event stream passed through the interceptor. sync
// none keeps the disk out of it; the fsync of sync batch runs while the
// provider works (see ServeHTTP).
func BenchmarkServeNextTurn(b *testing.B) {
	raw, err := os.ReadFile("wire/testdata/openclaw/completions-1.json")
	if err != nil {
		b.Fatal(err)
	}
	var req map[string]any
	json.Unmarshal(raw, &req)
	msgs := req["messages"].([]any)
	b.Setenv("PG_TEST_KEY", providerKey)
	b.Setenv("PG_TEST_TOKEN", clientToken)
	g := &Guard{API: "openai-completions", APIKeyEnv: "PG_TEST_KEY", TokenEnv: []TokenEnvConfig{{"openclaw", "PG_TEST_TOKEN"}},
		AuditLog: &auditcfg.Config{Path: filepath.Join(b.TempDir(), "audit.jsonl"), Options: map[string]string{"sync": "none"}}}
	ctx, cancel := caddy.NewContext(caddy.Context{Context: context.Background()})
	defer cancel()
	if err := g.Provision(ctx); err != nil {
		b.Fatal(err)
	}
	defer g.Cleanup()
	p := &provider{contentType: "text/event-stream", reply: textStream}
	bodies := make([]string, 64)
	i := 0
	for b.Loop() {
		if i%len(bodies) == 0 {
			b.StopTimer()
			for k := range bodies {
				req["messages"] = append(slices.Clone(msgs), map[string]any{"role": "user", "content": fmt.Sprintf("turn %d.%d", i, k)})
				out, _ := json.Marshal(req)
				bodies[k] = string(out)
			}
			b.StartTimer()
		}
		r := httptest.NewRequest(http.MethodPost, "/v1/chat/completions", strings.NewReader(bodies[i%len(bodies)]))
		r.Header.Set("Content-Type", "application/json")
		r.Header.Set("Authorization", "Bearer "+clientToken)
		r = r.WithContext(context.WithValue(r.Context(), caddy.ReplacerCtxKey, caddy.NewReplacer()))
		w := httptest.NewRecorder()
		if err := g.ServeHTTP(w, r, p); err != nil || w.Code != 200 {
			b.Fatal(err, w.Code)
		}
		i++
	}
}
