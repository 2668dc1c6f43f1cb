package guard

import (
	"encoding/json"
	"net/http"
	"net/http/httptest"
	"path/filepath"
	"strings"
	"testing"

	"github.com/openclaw-secure-stack/securestack/caddyplugin/internal/auditcfg"
)

// benchBody is the 4 KB chat request of make bench-guard, without an
// injection.
var benchBody = func() string {
	content := strings.Repeat("Please summarise the quarterly report for the team and list the main risks. ", 60)[:3900]
	b, _ := json.Marshal(map[string]any{"model": "openclaw", "messages": []any{
		map[string]any{"role": "user", "content": content},
	}})
	return string(b)
}()

func benchGuard(b *testing.B, sync string, mode AuditMode) {
	g := &Guard{Tokens: []TokenConfig{{"a", testSecret}}, AuditMode: mode,
		AuditLog: &auditcfg.Config{Path: filepath.Join(b.TempDir(), "audit.jsonl"), Options: map[string]string{"sync": sync}}}
	provision(b, g)
	b.SetBytes(int64(len(benchBody)))
	b.ReportAllocs()
	b.RunParallel(func(pb *testing.PB) {
		for pb.Next() {
			r := httptest.NewRequest(http.MethodPost, "/v1/chat/completions", strings.NewReader(benchBody))
			r.Header.Set("Authorization", "Bearer "+testSecret)
			r.Header.Set("Content-Type", "application/json")
			if w, fwd := serve(g, r); fwd == nil {
				b.Fatalf("refused: %d %s", w.Code, w.Body)
			}
		}
	})
}

// BenchmarkGuardChat is the guard's whole per-request work on a 4 KB chat
// body: route, auth, strict parse, sanitize, audit record.
func BenchmarkGuardChat(b *testing.B) {
	b.Run("audit=none", func(b *testing.B) { benchGuard(b, "none", AuditSync) })
	b.Run("audit=async,batch", func(b *testing.B) { benchGuard(b, "batch", AuditAsync) })
	b.Run("audit=batch", func(b *testing.B) { benchGuard(b, "batch", AuditSync) })
}

// BenchmarkPeerDecode is the peer in the same run: the same request through
// the same harness, with the handler only decoding the body with
// encoding/json, as any JSON API would.
func BenchmarkPeerDecode(b *testing.B) {
	b.SetBytes(int64(len(benchBody)))
	b.ReportAllocs()
	b.RunParallel(func(pb *testing.PB) {
		for pb.Next() {
			r := httptest.NewRequest(http.MethodPost, "/v1/chat/completions", strings.NewReader(benchBody))
			var v map[string]any
			if err := json.NewDecoder(r.Body).Decode(&v); err != nil {
				b.Fatal(err)
			}
		}
	})
}
