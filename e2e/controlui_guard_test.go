//go:build openclaw

package e2e

import (
	"bufio"
	"encoding/json"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/openclaw-secure-stack/securestack/auditlog"
)

// uiGuard is bin/caddy with openclaw_guard's control_ui in front of the
// real gateway, configured as docs/control-ui.md and the README say.
type uiGuard struct {
	url, addr string
	audit     string
}

// tokens for the browser tests, with their roles.
type uiToken struct{ name, secret, role string }

// uiCaddyfile is the site the browser test runs: the README's trusted-proxy
// setup, with a role that is granted the terminal.
func uiCaddyfile(addr, gwAddr, dir string, tokens []uiToken) string {
	var roles strings.Builder
	for _, tk := range tokens {
		if tk.role != "" { // a token without one is an API client's
			fmt.Fprintf(&roles, "\t\t\trole %s %s\n", tk.name, tk.role)
		}
	}
	return fmt.Sprintf(`{
	admin off
	auto_https off
	persist_config off
}

http://%[1]s {
	bind 127.0.0.1
	openclaw_guard {
		token_file %[3]s/tokens
		audit_log %[3]s/audit.jsonl
		control_ui {
%[4]s			role_def admin-terminal {
				scopes operator.admin operator.read operator.write operator.sessions.read operator.sessions.write operator.approvals operator.questions operator.pairing operator.talk operator.talk.secrets
				grant terminal.*
			}
		}
	}
	reverse_proxy %[2]s {
		header_up X-Forwarded-For {http.vars.openclaw_guard.forwarded_for}
	}
}
`, addr, gwAddr, dir, roles.String())
}

// startUIGuard starts bin/caddy at addr (chosen before the gateway, whose
// config names the guard's origin) in front of gwAddr.
func startUIGuard(t *testing.T, addr, gwAddr string, tokens []uiToken) *uiGuard {
	t.Helper()
	dir := t.TempDir()
	var file strings.Builder
	for _, tk := range tokens {
		fmt.Fprintf(&file, "%s %s\n", tk.name, tk.secret)
	}
	must(t, os.WriteFile(filepath.Join(dir, "tokens"), []byte(file.String()), 0o600))
	conf := filepath.Join(dir, "Caddyfile")
	must(t, os.WriteFile(conf, []byte(uiCaddyfile(addr, gwAddr, dir, tokens)), 0o600))
	env := []string{"XDG_DATA_HOME=" + dir, "XDG_CONFIG_HOME=" + dir}
	caddy := start(t, "caddy", env, "run", "--adapter", "caddyfile", "--config", conf)
	caddy.waitHealthy(t, "http://"+addr+"/health")
	return &uiGuard{url: "http://" + addr, addr: addr, audit: filepath.Join(dir, "audit.jsonl")}
}

// decision is a WebSocket firewall decision as the guard audits it.
type decision struct {
	Event   string
	Outcome auditlog.Outcome
	Token   string
	Method  string
	Reason  string
	Role    string
	Rules   []string
}

// decisions reads the guard's audit log for firewall decisions (ws.refused,
// ws.closed) of a method ("" for all).
func (g *uiGuard) decisions(t *testing.T, method string) []decision {
	t.Helper()
	f, err := os.Open(g.audit)
	must(t, err)
	defer f.Close()
	var out []decision
	sc := bufio.NewScanner(f)
	sc.Buffer(nil, 1<<20)
	for sc.Scan() {
		var e auditlog.Event
		if json.Unmarshal(sc.Bytes(), &e) != nil || !strings.HasPrefix(e.Event, "ws.") {
			continue
		}
		d := decision{Event: e.Event, Outcome: e.Outcome, Token: e.TokenName, Rules: e.Rules}
		d.Method, _ = e.Fields["method"].(string)
		d.Reason, _ = e.Fields["reason"].(string)
		d.Role, _ = e.Fields["role"].(string)
		if method == "" || d.Method == method {
			out = append(out, d)
		}
	}
	return out
}

// auditHas reports whether the audit log has an event with that name and
// outcome.
func (g *uiGuard) auditHas(t *testing.T, event string, outcome auditlog.Outcome) bool {
	t.Helper()
	b, err := os.ReadFile(g.audit)
	must(t, err)
	for line := range strings.SplitSeq(string(b), "\n") {
		var e auditlog.Event
		if json.Unmarshal([]byte(line), &e) == nil && e.Event == event && e.Outcome == outcome {
			return true
		}
	}
	return false
}
