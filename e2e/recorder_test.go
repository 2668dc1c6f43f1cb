package e2e

import (
	"fmt"
	"io"
	"net"
	"net/http"
	"net/url"
	"os"
	"path"
	"path/filepath"
	"strings"
	"sync"
	"testing"

	"github.com/openclaw-secure-stack/securestack/internal/testport"
)

// recorder is an upstream that answers every request with a small JSON
// document and records exactly what it received: the raw request target,
// headers, body and trailers.
type recorder struct {
	addr string
	mu   sync.Mutex
	reqs []recorded
}

type recorded struct {
	Method, RequestURI string
	Header, Trailer    http.Header
	Body               string
}

func startRecorder(t *testing.T) *recorder {
	t.Helper()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	must(t, err)
	rec := &recorder{addr: ln.Addr().String()}
	srv := &http.Server{Handler: http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		body, _ := io.ReadAll(r.Body)
		rec.mu.Lock()
		rec.reqs = append(rec.reqs, recorded{Method: r.Method, RequestURI: r.RequestURI, Header: r.Header.Clone(), Trailer: r.Trailer.Clone(), Body: string(body)})
		rec.mu.Unlock()
		w.Header().Set("Content-Type", "application/json")
		w.Write([]byte(`{"object":"list","data":[]}`))
	})}
	go srv.Serve(ln)
	t.Cleanup(func() { srv.Close() })
	return rec
}

// of returns what the recorder received for one case (its X-Case header).
func (rec *recorder) of(id string) []recorded {
	rec.mu.Lock()
	defer rec.mu.Unlock()
	var out []recorded
	for _, r := range rec.reqs {
		if r.Header.Get("X-Case") == id {
			out = append(out, r)
		}
	}
	return out
}

func (rec *recorder) all() []recorded {
	rec.mu.Lock()
	defer rec.mu.Unlock()
	return append([]recorded(nil), rec.reqs...)
}

// startGuardedRecorder runs bin/caddy with the guard in front of a recorder:
// one site with the default route table (plus nothing), and one that enables
// the WebSocket upgrade and /tools/invoke with inspection, as an operator
// would.
func startGuardedRecorder(t *testing.T) (rec *recorder, defaultAddr, openAddr, auditPath string) {
	t.Helper()
	rec = startRecorder(t)
	dir := t.TempDir()
	defaultAddr, openAddr = testport.Free(t), testport.Free(t)
	must(t, os.WriteFile(filepath.Join(dir, "tokens"), []byte("e2e-client "+clientToken+"\n"), 0o600))
	caddyfile := fmt.Sprintf(`{
	admin off
	auto_https off
	persist_config off
}

http://%[1]s {
	bind 127.0.0.1
	openclaw_guard {
		token_file %[3]s/tokens
		audit_log %[3]s/audit.jsonl {
			sync none
		}
		upstream_token_env E2E_GATEWAY_TOKEN
		failed_attempts 100000 1s
	}
	reverse_proxy %[4]s
}

http://%[2]s {
	bind 127.0.0.1
	openclaw_guard {
		token_file %[3]s/tokens
		audit_log %[3]s/audit.jsonl {
			sync none
		}
		upstream_token_env E2E_GATEWAY_TOKEN
		failed_attempts 100000 1s
		route WS / auth
		route POST /tools/invoke inspect
		system_messages reject
	}
	reverse_proxy %[4]s
}
`, defaultAddr, openAddr, dir, rec.addr)
	must(t, os.WriteFile(filepath.Join(dir, "Caddyfile"), []byte(caddyfile), 0o600))
	env := []string{"E2E_GATEWAY_TOKEN=" + gatewayToken, "XDG_DATA_HOME=" + dir, "XDG_CONFIG_HOME=" + dir}
	caddy := start(t, "caddy", env, "run", "--adapter", "caddyfile", "--config", filepath.Join(dir, "Caddyfile"))
	caddy.waitHealthy(t, "http://"+defaultAddr+"/health")
	caddy.waitHealthy(t, "http://"+openAddr+"/health")
	return rec, defaultAddr, openAddr, filepath.Join(dir, "audit.jsonl")
}

func firstLine(s string) string {
	l, _, _ := strings.Cut(s, "\r\n")
	return l
}

// anyReader is the path the most lenient reader could take a forwarded
// request target for: percent-decoded repeatedly, backslashes as slashes,
// lower-cased, parameters and queries cut, dot segments resolved, and
// OpenClaw's capability prefix removed as often as it appears. It is not the
// guard's own judgement, so a test that compares with it cannot agree with
// the guard by construction.
func anyReader(target string) string {
	p := target
	if u, err := url.Parse(target); err == nil && u.Path != "" && (u.Scheme != "" || u.Host != "") {
		p = u.EscapedPath()
	}
	for range 8 {
		if u, err := url.PathUnescape(p); err == nil {
			p = u
		}
	}
	p = strings.ToLower(strings.ReplaceAll(p, "\\", "/"))
	if i := strings.IndexAny(p, "?#;\x00"); i >= 0 {
		p = p[:i]
	}
	p = path.Clean("/" + p)
	for {
		rest, ok := strings.CutPrefix(p, "/__openclaw__/cap/")
		if !ok {
			return p
		}
		_, tail, _ := strings.Cut(rest, "/")
		p = path.Clean("/" + tail)
	}
}
