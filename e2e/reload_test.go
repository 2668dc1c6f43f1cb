package e2e

import (
	"bufio"
	"bytes"
	"fmt"
	"io"
	"net"
	"net/http"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"testing"

	"github.com/openclaw-secure-stack/securestack/auditlog"
	"github.com/openclaw-secure-stack/securestack/internal/testport"
)

// TestGuardStateSurvivesReload reloads bin/caddy's config through its admin
// API, as an operator does, and checks that what must outlive a config does:
// the request counters, a client's used-up failed attempts, and one audit
// chain; and that a reload that would silently change the open audit log's
// options is refused.
func TestGuardStateSurvivesReload(t *testing.T) {
	dir := t.TempDir()
	standinAddr, guardAddr, adminAddr := testport.Free(t), testport.Free(t), testport.Free(t)
	must(t, os.WriteFile(filepath.Join(dir, "tokens"), []byte("e2e-client "+clientToken+"\n"), 0o600))
	caddyfile := func(maxBody, sync string) []byte {
		return fmt.Appendf(nil, `{
	admin %[4]s
	auto_https off
	persist_config off
	metrics
}

http://%[1]s {
	bind 127.0.0.1
	openclaw_guard {
		token_file %[3]s/tokens
		audit_log %[3]s/audit.jsonl {
			sync %[6]s
		}
		max_body %[5]s
		failed_attempts 2 1h
	}
	reverse_proxy %[2]s
}
`, guardAddr, standinAddr, dir, adminAddr, maxBody, sync)
	}
	conf := filepath.Join(dir, "Caddyfile")
	must(t, os.WriteFile(conf, caddyfile("64KiB", "batch"), 0o600))
	env := []string{"XDG_DATA_HOME=" + dir, "XDG_CONFIG_HOME=" + dir}
	standin := start(t, "openclaw-standin", env, "-listen", standinAddr)
	standin.waitHealthy(t, "http://"+standinAddr+"/health")
	caddy := start(t, "caddy", env, "run", "--adapter", "caddyfile", "--config", conf)
	caddy.waitHealthy(t, "http://"+guardAddr+"/health")

	s := &stack{guardURL: "http://" + guardAddr, token: clientToken}
	allowed := func() {
		t.Helper()
		if resp, b := s.do(t, s.guardURL, call{path: "/v1/chat/completions", body: chatBody("hello")}); resp.StatusCode != 200 {
			t.Fatalf("allowed chat: %d %s", resp.StatusCode, b)
		}
	}
	// The guesser comes from another loopback address, so that its used-up
	// attempts do not lock out the allowed requests from 127.0.0.1.
	guesser := &http.Client{Transport: &http.Transport{DialContext: (&net.Dialer{
		LocalAddr: &net.TCPAddr{IP: net.IPv4(127, 0, 0, 2)}}).DialContext}}
	wrong := func() *http.Response {
		t.Helper()
		req, _ := http.NewRequest(http.MethodPost, s.guardURL+"/v1/chat/completions", strings.NewReader(chatBody("hello")))
		req.Header.Set("Content-Type", "application/json")
		req.Header.Set("Authorization", "Bearer wrong-token-0123456789abcdef")
		resp, err := guesser.Do(req)
		must(t, err)
		resp.Body.Close()
		return resp
	}
	allowed()
	allowed()
	wrong()
	wrong()
	if resp := wrong(); resp.StatusCode != http.StatusTooManyRequests {
		t.Fatalf("third failure: %d, want 429", resp.StatusCode)
	}
	before := adminMetric(t, adminAddr, "caddy_openclaw_guard_requests_total", `outcome="allowed"`)

	reload := func(body []byte) (int, string) {
		t.Helper()
		req, _ := http.NewRequest(http.MethodPost, "http://"+adminAddr+"/load", bytes.NewReader(body))
		req.Header.Set("Content-Type", "text/caddyfile")
		resp, err := http.DefaultClient.Do(req)
		must(t, err)
		defer resp.Body.Close()
		b, _ := io.ReadAll(resp.Body)
		// The old config's server closes its idle connections once the new
		// one is in; a pooled connection would then fail the next POST
		// (which Go does not retry).
		http.DefaultClient.CloseIdleConnections()
		guesser.CloseIdleConnections()
		return resp.StatusCode, string(b)
	}

	t.Run("a reload that changes the audit log's options is refused and says to restart", func(t *testing.T) {
		code, body := reload(caddyfile("64KiB", "none"))
		if code == http.StatusOK || !strings.Contains(body, "restart") {
			t.Fatalf("reload with sync none: %d %s; want a refusal that says to restart", code, body)
		}
		allowed() // the running config still serves
	})

	t.Run("a reload keeps counters, limiter state and the audit chain", func(t *testing.T) {
		if code, body := reload(caddyfile("128KiB", "batch")); code != http.StatusOK {
			t.Fatalf("reload: %d %s", code, body)
		}
		// A kept-alive connection may still be served by the old config
		// while it drains; the new config takes new connections.
		http.DefaultClient.CloseIdleConnections()
		// The new config is in force: a 100 KiB body passes max_body now.
		big := chatBody(strings.Repeat("a", 100<<10))
		if resp, b := s.do(t, s.guardURL, call{path: "/v1/chat/completions", body: big}); resp.StatusCode != 200 {
			t.Fatalf("after the reload a 100 KiB body got %d %s: the new config is not in force", resp.StatusCode, b)
		}
		if resp := wrong(); resp.StatusCode != http.StatusTooManyRequests {
			t.Errorf("after the reload a client that used up its attempts got %d, want 429: the limiter was reset", resp.StatusCode)
		}
		// allowed() before the failed reload, and the big body after it.
		if after := adminMetric(t, adminAddr, "caddy_openclaw_guard_requests_total", `outcome="allowed"`); after < before+2 {
			t.Errorf("allowed counter %v after the reload, want at least %v: the reload reset it", after, before+2)
		}
	})

	t.Run("the audit log is one chain across the reloads", func(t *testing.T) {
		rep, err := auditlog.Verify([]string{filepath.Join(dir, "audit.jsonl")}, auditlog.VerifyOptions{})
		if err != nil || rep.Problem != nil {
			t.Fatalf("verify: %v %+v", err, rep.Problem)
		}
		// 2 allowed, 3 refused, 1 allowed during the refused reload, 1 big, 1 refused after
		if rep.Records < 8 {
			t.Errorf("%d audit records, want at least 8", rep.Records)
		}
	})
}

// adminMetric sums the samples of a metric family in Caddy's admin /metrics
// whose labels contain every one of labels (`name="value"`).
func adminMetric(t *testing.T, adminAddr, family string, labels ...string) float64 {
	t.Helper()
	resp, err := http.Get("http://" + adminAddr + "/metrics")
	must(t, err)
	defer resp.Body.Close()
	sc := bufio.NewScanner(resp.Body)
	sc.Buffer(nil, 1<<20)
	var sum float64
	found := false
	for sc.Scan() {
		line := sc.Text()
		// Label values may hold spaces (route="POST /v1/..."): the value is
		// after the last one.
		i := strings.LastIndexByte(line, ' ')
		if i < 0 {
			continue
		}
		series, value := line[:i], line[i+1:]
		if series != family && !strings.HasPrefix(series, family+"{") {
			continue
		}
		match := true
		for _, l := range labels {
			match = match && strings.Contains(series, l)
		}
		if !match {
			continue
		}
		f, err := strconv.ParseFloat(value, 64)
		must(t, err)
		sum += f
		found = true
	}
	if !found {
		t.Fatalf("admin /metrics has no %s with %v", family, labels)
	}
	return sum
}
