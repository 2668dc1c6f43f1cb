// Package e2e runs the built binaries together on loopback: bin/caddy with
// openclaw_guard in front of bin/openclaw-standin.
package e2e

import (
	"bufio"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/openclaw-secure-stack/securestack/internal/testbin"
	"github.com/openclaw-secure-stack/securestack/internal/testport"
)

// proc is a started binary whose output goes to a file in the test's
// temporary directory and which is killed when the test ends.
type proc struct {
	name string
	cmd  *exec.Cmd
	log  string
	done chan struct{}
}

func start(t *testing.T, name string, env []string, args ...string) *proc {
	t.Helper()
	return startPath(t, name, testbin.Path(t, name), env, args...)
}

// startPath starts the executable at path in its own process group, so that
// stopping it also stops any children it spawned.
func startPath(t *testing.T, name, path string, env []string, args ...string) *proc {
	t.Helper()
	logPath := filepath.Join(t.TempDir(), name+".log")
	f, err := os.Create(logPath)
	if err != nil {
		t.Fatal(err)
	}
	cmd := exec.Command(path, args...)
	cmd.Env = append(os.Environ(), env...)
	cmd.Stdout, cmd.Stderr = f, f
	cmd.SysProcAttr = &syscall.SysProcAttr{Setpgid: true}
	if err := cmd.Start(); err != nil {
		t.Fatalf("starting %s: %v", name, err)
	}
	p := &proc{name: name, cmd: cmd, log: logPath, done: make(chan struct{})}
	go func() { cmd.Wait(); f.Close(); close(p.done) }()
	t.Cleanup(func() {
		syscall.Kill(-cmd.Process.Pid, syscall.SIGTERM)
		select {
		case <-p.done:
		case <-time.After(10 * time.Second):
		}
		syscall.Kill(-cmd.Process.Pid, syscall.SIGKILL)
		<-p.done
		if t.Failed() {
			b, _ := os.ReadFile(logPath)
			t.Logf("%s output:\n%s", name, tail(string(b), 4000))
		}
	})
	return p
}

func tail(s string, n int) string {
	if len(s) > n {
		return s[len(s)-n:]
	}
	return s
}

// waitHealthy polls a health endpoint until it answers 200, failing fast if
// the process exits.
func (p *proc) waitHealthy(t *testing.T, url string) {
	t.Helper()
	p.waitHealthyWithin(t, url, 60*time.Second)
}

func (p *proc) waitHealthyWithin(t *testing.T, url string, limit time.Duration) {
	t.Helper()
	deadline := time.Now().Add(limit)
	for time.Now().Before(deadline) {
		select {
		case <-p.done:
			b, _ := os.ReadFile(p.log)
			t.Fatalf("%s exited before it was ready:\n%s", p.name, tail(string(b), 4000))
		default:
		}
		resp, err := http.Get(url)
		if err == nil {
			resp.Body.Close()
			if resp.StatusCode == http.StatusOK {
				return
			}
		}
		time.Sleep(50 * time.Millisecond)
	}
	t.Fatalf("%s not healthy at %s after %v", p.name, url, limit)
}

// stack is a running stand-in gateway behind a guarded Caddy.
type stack struct {
	guardURL     string
	limitedURL   string
	standinURL   string
	token        string
	gatewayToken string
	auditPath    string
}

const (
	clientToken  = "e2e-client-token-0123456789abcdef"
	gatewayToken = "e2e-gateway-token-fedcba9876543210"
	stripMarker  = "STRIPME-4242"
)

func startStack(t *testing.T) *stack {
	t.Helper()
	dir := t.TempDir()
	standinAddr, guardAddr, limitedAddr := testport.Free(t), testport.Free(t), testport.Free(t)

	rules := `[
  {"id": "e2e.strip-marker", "pattern": "STRIPME-[0-9]+", "action": "strip"},
  {"id": "e2e.override", "pattern": "(?i)ignore (all )?previous instructions", "action": "reject"}
]`
	must(t, os.WriteFile(filepath.Join(dir, "rules.json"), []byte(rules), 0o600))
	must(t, os.WriteFile(filepath.Join(dir, "tokens"), []byte("# e2e\ne2e-client "+clientToken+"\n"), 0o600))
	caddyfile := fmt.Sprintf(`{
	admin off
	auto_https off
	persist_config off
}

http://%[1]s {
	bind 127.0.0.1
	openclaw_guard {
		token_file %[3]s/tokens
		rules %[3]s/rules.json
		audit_log %[3]s/audit.jsonl {
			sync batch
		}
		max_body 64KiB
		upstream_token_env E2E_GATEWAY_TOKEN
	}
	respond /respond-bypass "must not be reached without a token" 200
	reverse_proxy %[2]s
}

http://%[4]s {
	bind 127.0.0.1
	openclaw_guard {
		token_file %[3]s/tokens
		audit_log %[3]s/audit.jsonl
		failed_attempts 3 1h
	}
	reverse_proxy %[2]s
}
`, guardAddr, standinAddr, dir, limitedAddr)
	must(t, os.WriteFile(filepath.Join(dir, "Caddyfile"), []byte(caddyfile), 0o600))

	env := []string{"E2E_GATEWAY_TOKEN=" + gatewayToken, "XDG_DATA_HOME=" + dir, "XDG_CONFIG_HOME=" + dir}
	standin := start(t, "openclaw-standin", env, "-listen", standinAddr, "-token-env", "E2E_GATEWAY_TOKEN", "-chunk-delay", "5ms")
	standin.waitHealthy(t, "http://"+standinAddr+"/health")
	caddy := start(t, "caddy", env, "run", "--adapter", "caddyfile", "--config", filepath.Join(dir, "Caddyfile"))
	caddy.waitHealthy(t, "http://"+guardAddr+"/health")
	caddy.waitHealthy(t, "http://"+limitedAddr+"/health")
	return &stack{
		guardURL: "http://" + guardAddr, limitedURL: "http://" + limitedAddr, standinURL: "http://" + standinAddr,
		token: clientToken, gatewayToken: gatewayToken, auditPath: filepath.Join(dir, "audit.jsonl"),
	}
}

func must(t *testing.T, err error) {
	t.Helper()
	if err != nil {
		t.Fatal(err)
	}
}

// received is what the stand-in recorded of a request.
type received struct {
	Method string              `json:"method"`
	Path   string              `json:"path"`
	Header map[string][]string `json:"header"`
	Body   string              `json:"body"`
}

func (s *stack) upstreamRequests(t *testing.T) []received {
	t.Helper()
	resp, err := http.Get(s.standinURL + "/__standin/requests")
	must(t, err)
	defer resp.Body.Close()
	var rs []received
	must(t, json.NewDecoder(resp.Body).Decode(&rs))
	return rs
}

// reached returns the requests the stand-in saw whose body contains marker.
func (s *stack) reached(t *testing.T, marker string) []received {
	var out []received
	for _, r := range s.upstreamRequests(t) {
		if strings.Contains(r.Body, marker) || strings.Contains(r.Path, marker) {
			out = append(out, r)
		}
	}
	return out
}

type call struct {
	method, path, body string
	header             map[string]string
	noAuth             bool
}

func (s *stack) do(t *testing.T, base string, c call) (*http.Response, []byte) {
	t.Helper()
	if c.method == "" {
		c.method = http.MethodPost
	}
	req, err := http.NewRequest(c.method, base+c.path, strings.NewReader(c.body))
	must(t, err)
	if c.body != "" {
		req.Header.Set("Content-Type", "application/json")
	}
	if !c.noAuth {
		req.Header.Set("Authorization", "Bearer "+s.token)
	}
	for k, v := range c.header {
		if v == "" {
			req.Header.Del(k)
		} else {
			req.Header.Set(k, v)
		}
	}
	resp, err := http.DefaultClient.Do(req)
	must(t, err)
	defer resp.Body.Close()
	b, err := io.ReadAll(resp.Body)
	must(t, err)
	return resp, b
}

func chatBody(content string) string {
	b, _ := json.Marshal(map[string]any{"model": "openclaw", "messages": []any{map[string]any{"role": "user", "content": content}}})
	return string(b)
}

type apiError struct {
	Error struct {
		Message, Type, Code string
	} `json:"error"`
}

func decodeError(t *testing.T, b []byte) apiError {
	t.Helper()
	var e apiError
	if err := json.Unmarshal(b, &e); err != nil || e.Error.Message == "" {
		t.Fatalf("want an OpenAI-shaped error body, got %q (%v)", b, err)
	}
	return e
}

// auditRecord is the part of an audit line the tests read.
type auditRecord struct {
	Event     string         `json:"event"`
	RequestID string         `json:"request_id"`
	ClientIP  string         `json:"client_ip"`
	TokenName string         `json:"token_name"`
	Route     string         `json:"route"`
	Outcome   string         `json:"outcome"`
	Rules     []string       `json:"rules"`
	Fields    map[string]any `json:"fields"`
}

func (s *stack) audit(t *testing.T, requestID string) auditRecord {
	t.Helper()
	if requestID == "" {
		t.Fatal("response has no X-Request-Id")
	}
	f, err := os.Open(s.auditPath)
	must(t, err)
	defer f.Close()
	sc := bufio.NewScanner(f)
	sc.Buffer(nil, 1<<20)
	for sc.Scan() {
		var rec auditRecord
		if json.Unmarshal(sc.Bytes(), &rec) == nil && rec.RequestID == requestID {
			return rec
		}
	}
	t.Fatalf("no audit record for request %s in %s", requestID, s.auditPath)
	return auditRecord{}
}
