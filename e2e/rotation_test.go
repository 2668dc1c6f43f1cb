package e2e

import (
	"fmt"
	"net"
	"net/http"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/openclaw-secure-stack/securestack/internal/testport"
)

// TestTokenRotationUnderLoad rotates a client token in the real token file of
// a running bin/caddy, as an operator does (write a new file, rename it over
// the old one), while clients keep sending requests. A request whose token is
// in every version of the file present while it runs must never fail.
func TestTokenRotationUnderLoad(t *testing.T) {
	if testing.Short() {
		t.Skip("starts bin/caddy")
	}
	const (
		oldToken = "rotation-old-0123456789abcdef"
		newToken = "rotation-new-0123456789abcdef"
	)
	rec := startRecorder(t)
	dir := t.TempDir()
	guardAddr, adminAddr := testport.Free(t), testport.Free(t)
	tokens := filepath.Join(dir, "tokens")
	replaceFile := func(text string) {
		t.Helper()
		must(t, os.WriteFile(tokens+".new", []byte(text), 0o600))
		must(t, os.Rename(tokens+".new", tokens))
	}
	replaceFile("alice " + oldToken + "\n")
	must(t, os.WriteFile(filepath.Join(dir, "Caddyfile"), fmt.Appendf(nil, `{
	admin %[3]s
	auto_https off
	persist_config off
	metrics
}

http://%[1]s {
	bind 127.0.0.1
	openclaw_guard {
		token_file %[2]s/tokens
		token_reload 100ms
		audit_log %[2]s/audit.jsonl {
			sync none
		}
	}
	reverse_proxy %[4]s
}
`, guardAddr, dir, adminAddr, rec.addr), 0o600))
	env := []string{"XDG_DATA_HOME=" + dir, "XDG_CONFIG_HOME=" + dir}
	caddy := start(t, "caddy", env, "run", "--adapter", "caddyfile", "--config", filepath.Join(dir, "Caddyfile"))
	caddy.waitHealthy(t, "http://"+guardAddr+"/health")

	get := func(c *http.Client, token string) int {
		req, _ := http.NewRequest(http.MethodGet, "http://"+guardAddr+"/v1/models", nil)
		req.Header.Set("Authorization", "Bearer "+token)
		resp, err := c.Do(req)
		if err != nil {
			return 0
		}
		resp.Body.Close()
		return resp.StatusCode
	}
	// The probe asks from another loopback address: its expected 401s must
	// not use up the load's failed-attempt budget.
	probe := &http.Client{Transport: &http.Transport{DialContext: (&net.Dialer{
		LocalAddr: &net.TCPAddr{IP: net.IPv4(127, 0, 0, 2)}}).DialContext}}
	waitStatus := func(token string, want int) {
		t.Helper()
		for deadline := time.Now().Add(15 * time.Second); get(probe, token) != want; time.Sleep(20 * time.Millisecond) {
			if time.Now().After(deadline) {
				t.Fatalf("the token was not answered %d within 15s", want)
			}
		}
	}

	var loadToken atomic.Value
	loadToken.Store(oldToken)
	var sent, failed atomic.Int64
	var firstFailure atomic.Value
	stop := make(chan struct{})
	var wg sync.WaitGroup
	for range 4 {
		wg.Go(func() {
			c := &http.Client{}
			for {
				select {
				case <-stop:
					return
				default:
				}
				if st := get(c, loadToken.Load().(string)); st != http.StatusOK {
					failed.Add(1)
					firstFailure.CompareAndSwap(nil, fmt.Sprintf("status %d", st))
				}
				sent.Add(1)
			}
		})
	}
	time.Sleep(300 * time.Millisecond)
	reloadsBefore := adminMetric(t, adminAddr, "caddy_openclaw_guard_token_reloads_total")

	// Add the new line: both are valid while both lines are in the file.
	replaceFile("alice " + oldToken + "\nalice " + newToken + "\n")
	waitStatus(newToken, http.StatusOK)
	time.Sleep(300 * time.Millisecond)
	loadToken.Store(newToken)
	time.Sleep(300 * time.Millisecond)

	// A broken file is refused and changes nothing.
	errorsBefore := adminMetric(t, adminAddr, "caddy_openclaw_guard_token_reload_errors_total")
	replaceFile("alice " + newToken + "\nbroken line without a secret\n")
	for deadline := time.Now().Add(15 * time.Second); adminMetric(t, adminAddr, "caddy_openclaw_guard_token_reload_errors_total") <= errorsBefore; time.Sleep(20 * time.Millisecond) {
		if time.Now().After(deadline) {
			t.Fatal("the malformed file was not counted as a reload error")
		}
	}
	if st := get(probe, oldToken); st != http.StatusOK {
		t.Errorf("the malformed file revoked the old token (%d): the last good set must stay", st)
	}

	// Remove the old line: the old token stops working, the new one goes on.
	replaceFile("alice " + newToken + "\n")
	waitStatus(oldToken, http.StatusUnauthorized)
	time.Sleep(300 * time.Millisecond)
	close(stop)
	wg.Wait()

	if n := failed.Load(); n != 0 {
		t.Errorf("%d of %d requests failed during the rotation (first: %v)", n, sent.Load(), firstFailure.Load())
	}
	if sent.Load() < 100 {
		t.Errorf("only %d requests were sent: the load did not run", sent.Load())
	}
	if got := adminMetric(t, adminAddr, "caddy_openclaw_guard_token_reloads_total"); got < reloadsBefore+2 {
		t.Errorf("token_reloads_total went from %v to %v, want at least two reloads", reloadsBefore, got)
	}
	caddyLog, _ := os.ReadFile(caddy.log)
	if want := tokens + ":2:"; !strings.Contains(string(caddyLog), want) {
		t.Errorf("the log does not name the malformed file and line (%s)", want)
	}
	t.Logf("%d requests during the rotation, none failed", sent.Load())
}
