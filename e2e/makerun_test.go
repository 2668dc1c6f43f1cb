//go:build openclaw

// `make run` (scripts/run-local.sh) end to end: the script starts the real
// stack on free loopback ports, the test replays the command lines it
// prints and checks each outcome, then stops it with SIGINT (Ctrl-C) and
// checks that no process it started is left and every port is free. A
// second run on the same state reuses it. `make e2e-run` (part of `make
// test`) runs this.

package e2e

import (
	"bufio"
	"bytes"
	"context"
	"encoding/json"
	"io"
	"net"
	"net/http"
	"net/url"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"slices"
	"strconv"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"

	"github.com/openclaw-secure-stack/securestack/auditlog"
	"github.com/openclaw-secure-stack/securestack/internal/testbin"
	"github.com/openclaw-secure-stack/securestack/internal/testport"
)

// demo is one block the script prints: a comment saying what it shows, and
// the command lines to type.
type demo struct {
	label string
	cmds  []string
}

// runScript is one `make run`.
type runScript struct {
	cmd  *exec.Cmd
	mu   sync.Mutex
	out  bytes.Buffer
	done chan struct{}
}

func (r *runScript) output() string {
	r.mu.Lock()
	defer r.mu.Unlock()
	return r.out.String()
}

func (r *runScript) Write(p []byte) (int, error) {
	r.mu.Lock()
	defer r.mu.Unlock()
	return r.out.Write(p)
}

// startRun starts scripts/run-local.sh in its own process group with env
// and waits until it prints that it is ready.
func startRun(t *testing.T, env []string) *runScript {
	t.Helper()
	root, err := testbin.ModuleRoot()
	must(t, err)
	r := &runScript{done: make(chan struct{})}
	r.cmd = exec.Command(filepath.Join(root, "scripts", "run-local.sh"))
	r.cmd.Env = env
	r.cmd.Stdout, r.cmd.Stderr = r, r
	r.cmd.SysProcAttr = &syscall.SysProcAttr{Setpgid: true}
	must(t, r.cmd.Start())
	go func() { r.cmd.Wait(); close(r.done) }()
	t.Cleanup(func() {
		// Whatever happened, nothing started here outlives the test.
		select {
		case <-r.done:
		default:
			syscall.Kill(r.cmd.Process.Pid, syscall.SIGTERM)
		}
		select {
		case <-r.done:
		case <-time.After(30 * time.Second):
			syscall.Kill(-r.cmd.Process.Pid, syscall.SIGKILL)
			<-r.done
		}
		if t.Failed() {
			t.Logf("make run output:\n%s", tail(r.output(), 6000))
		}
	})
	deadline := time.Now().Add(10 * time.Minute) // the first run installs Node and OpenClaw
	for !strings.Contains(r.output(), "Press Ctrl-C to stop.") {
		select {
		case <-r.done:
			t.Fatalf("make run exited before it was ready:\n%s", tail(r.output(), 6000))
		case <-time.After(200 * time.Millisecond):
		}
		if time.Now().After(deadline) {
			t.Fatalf("make run not ready after 10 minutes")
		}
	}
	return r
}

// demos parses the blocks after "Try these": a "# label" line, then command
// lines, a trailing backslash continuing a line.
func demos(out string) []demo {
	var ds []demo
	_, rest, ok := strings.Cut(out, "Try these from another terminal:")
	if !ok {
		return nil
	}
	var cur *demo
	var line strings.Builder
	sc := bufio.NewScanner(strings.NewReader(rest))
	sc.Buffer(make([]byte, 0, 64<<10), 1<<20)
	for sc.Scan() {
		l := strings.TrimSpace(sc.Text())
		switch {
		case strings.HasPrefix(l, "Press Ctrl-C"):
			return ds
		case l == "":
			cur = nil
		case strings.HasPrefix(l, "# ") && line.Len() == 0:
			if cur == nil {
				ds = append(ds, demo{label: l[2:]})
				cur = &ds[len(ds)-1]
			}
		case cur != nil:
			if s, ok := strings.CutSuffix(l, `\`); ok {
				line.WriteString(s)
				continue
			}
			line.WriteString(l)
			cur.cmds = append(cur.cmds, line.String())
			line.Reset()
		}
	}
	return ds
}

// shell runs one printed command line as a user would, in bash.
func shell(t *testing.T, env []string, line string) (string, int) {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 3*time.Minute)
	defer cancel()
	cmd := exec.CommandContext(ctx, "bash", "-c", line)
	cmd.Env = env
	out, err := cmd.CombinedOutput()
	code := 0
	if ee, ok := err.(*exec.ExitError); ok {
		code = ee.ExitCode()
	} else if err != nil {
		t.Fatalf("%s: %v", line, err)
	}
	return string(out), code
}

// groupMembers lists the live processes of process group pgid.
func groupMembers(pgid int) []string {
	var left []string
	stats, _ := filepath.Glob("/proc/[0-9]*/stat")
	for _, f := range stats {
		b, err := os.ReadFile(f)
		if err != nil {
			continue
		}
		s := string(b)
		i := strings.LastIndexByte(s, ')')
		if i < 0 {
			continue
		}
		fields := strings.Fields(s[i+1:])
		if len(fields) > 2 && fields[0] != "Z" && fields[2] == strconv.Itoa(pgid) {
			left = append(left, s[:i+1])
		}
	}
	return left
}

// runSetup gives a `make run` its binaries, a state directory, free ports
// and an environment without the machine's provider keys.
func runSetup(t *testing.T) (bin, runDir string, addrs map[string]string, env []string) {
	t.Helper()
	// The script builds nothing; the binaries come from bin/ (make) or are
	// built once here.
	for _, name := range []string{"caddy", "coredns", "quarantine", "stackaudit", "openclaw-standin"} {
		bin = filepath.Dir(testbin.Path(t, name))
	}
	ensureOpenClaw(t)
	runDir = t.TempDir()
	addrs = map[string]string{
		"GUARD_ADDR": testport.Free(t), "GATEWAY_ADDR": testport.Free(t), "PROVIDER_ADDR": testport.Free(t),
		"EGRESS_ADDR": testport.Free(t), "MODEL_ADDR": testport.Free(t), "DNS_ADDR": testport.Free(t),
	}
	for _, kv := range os.Environ() {
		if !strings.HasPrefix(kv, "OPENAI_API_KEY=") && !strings.HasPrefix(kv, "ANTHROPIC_API_KEY=") {
			env = append(env, kv)
		}
	}
	env = append(env, "BIN="+bin, "RUN_DIR="+runDir)
	for k, v := range addrs {
		env = append(env, k+"="+v)
	}
	return bin, runDir, addrs, env
}

func TestMakeRun(t *testing.T) {
	// The stand-in model, whatever keys the machine has.
	_, runDir, addrs, env := runSetup(t)

	started := time.Now()
	r := startRun(t, env)
	t.Logf("make run ready after %.1fs", time.Since(started).Seconds())
	out := r.output()
	token := regexp.MustCompile(`Token:\s+(\S+)`).FindStringSubmatch(out)
	if token == nil {
		t.Fatalf("no token printed")
	}
	if !strings.Contains(out, "Guard URL:   http://"+addrs["GUARD_ADDR"]) {
		t.Errorf("the guard URL is not printed as http://%s", addrs["GUARD_ADDR"])
	}

	t.Run("the printed posture audit finds nothing but the missing native sandbox", func(t *testing.T) {
		posture := regexp.MustCompile(`Posture:\s+(.*)`).FindStringSubmatch(out)
		if posture == nil {
			t.Fatal("no posture line")
		}
		if !strings.HasSuffix(posture[1], ": 0 findings") && !strings.Contains(posture[1], ": 1 finding, OC_SANDBOX ") {
			t.Errorf("posture: %s", posture[1])
		}
	})

	ds := demos(out)
	want := []string{"allowed chat", "refused injection", "no token", "blocked skill:", "blocked skill install", "refused egress"}
	byLabel := map[string]demo{}
	for _, w := range want {
		for _, d := range ds {
			if strings.HasPrefix(d.label, w) {
				byLabel[w] = d
			}
		}
		if len(byLabel[w].cmds) == 0 {
			t.Fatalf("no %q block with commands among the printed lines %+v", w, ds)
		}
	}
	one := func(t *testing.T, w string) (string, int) {
		t.Helper()
		d := byLabel[w]
		if len(d.cmds) != 1 {
			t.Fatalf("%q: want one command, got %q", w, d.cmds)
		}
		return shell(t, env, d.cmds[0])
	}

	t.Run("allowed chat: the model's reply through the guard, the gateway and the provider guard", func(t *testing.T) {
		got, _ := one(t, "allowed chat")
		if !strings.Contains(got, "HTTP 200") || !strings.Contains(got, "Stand-in reply to:") || !strings.Contains(got, "Hello, who are you?") {
			// The provider guard's verdicts say whether it neutralized the turn.
			b, _ := os.ReadFile(filepath.Join(runDir, "log/egress/provider-audit.jsonl"))
			t.Fatalf("got %.600s\nprovider guard audit:\n%.1500s", got, b)
		}
		// The request crossed the provider guard, which audited it. The
		// response's line is written when the provider guard has relayed the
		// whole stream, which may be after the gateway has answered the
		// client: wait for it.
		allowed := regexp.MustCompile(`"event":"provider.response"[^\n]*"outcome":"allowed"`)
		var b []byte
		for deadline := time.Now().Add(15 * time.Second); ; time.Sleep(200 * time.Millisecond) {
			var err error
			b, err = os.ReadFile(filepath.Join(runDir, "log/egress/provider-audit.jsonl"))
			must(t, err)
			if allowed.Match(b) || time.Now().After(deadline) {
				break
			}
		}
		if !allowed.Match(b) {
			t.Errorf("the provider guard's audit log has no allowed response after 15 s:\n%s", b)
		}
	})
	t.Run("Control UI: the printed login URL logs the token in, and the page loads", func(t *testing.T) {
		m := regexp.MustCompile(`Control UI:\s+(http://\S+)`).FindStringSubmatch(out)
		if m == nil {
			t.Fatal("no Control UI URL printed")
		}
		noRedirect := &http.Client{Timeout: 30 * time.Second, CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }}
		resp, err := noRedirect.Get(m[1])
		must(t, err)
		resp.Body.Close()
		if resp.StatusCode != http.StatusOK {
			t.Fatalf("GET %s: %d", m[1], resp.StatusCode)
		}
		req, _ := http.NewRequest(http.MethodPost, m[1], strings.NewReader("token="+url.QueryEscape(token[1])))
		req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
		req.Header.Set("Origin", "http://"+addrs["GUARD_ADDR"])
		resp, err = noRedirect.Do(req)
		must(t, err)
		resp.Body.Close()
		var cookie string
		for _, c := range resp.Cookies() {
			if c.Name == "openclaw-session" {
				cookie = c.Name + "=" + c.Value
			}
		}
		if resp.StatusCode != http.StatusSeeOther || cookie == "" {
			t.Fatalf("login: %d, cookies %v", resp.StatusCode, resp.Cookies())
		}
		req, _ = http.NewRequest(http.MethodGet, "http://"+addrs["GUARD_ADDR"]+"/", nil)
		req.Header.Set("Cookie", cookie)
		req.Header.Set("Accept", "text/html")
		resp, err = noRedirect.Do(req)
		must(t, err)
		page, _ := io.ReadAll(resp.Body)
		resp.Body.Close()
		if resp.StatusCode != http.StatusOK || !bytes.Contains(bytes.ToLower(page), []byte("<html")) {
			t.Fatalf("the Control UI after login: %d %.300s", resp.StatusCode, page)
		}
		// The CLI named for approving a browser reaches the gateway (its
		// local password fallback).
		cli := regexp.MustCompile(`(\S+/openclaw-cli) devices list`).FindStringSubmatch(out)
		if cli == nil {
			t.Fatal("no openclaw-cli devices line printed")
		}
		if got, code := shell(t, env, cli[1]+" devices list"); code != 0 {
			t.Errorf("openclaw-cli devices list: exit %d\n%s", code, got)
		}
	})
	t.Run("refused injection: 400 prompt_injection_detected", func(t *testing.T) {
		got, _ := one(t, "refused injection")
		if !strings.Contains(got, "HTTP 400") || !strings.Contains(got, "prompt_injection_detected") {
			t.Fatalf("got %s", got)
		}
	})
	t.Run("no token: 401 invalid_token", func(t *testing.T) {
		got, _ := one(t, "no token")
		if !strings.Contains(got, "HTTP 401") || !strings.Contains(got, "invalid_token") {
			t.Fatalf("got %s", got)
		}
	})
	t.Run("blocked skill: a malicious sample copied into the skills directory is quarantined", func(t *testing.T) {
		d := byLabel["blocked skill:"]
		if len(d.cmds) != 3 || !strings.HasPrefix(d.cmds[0], "cp ") {
			t.Fatalf("want cp, list, ls; got %q", d.cmds)
		}
		if got, code := shell(t, env, d.cmds[0]); code != 0 {
			t.Fatalf("%s: exit %d %s", d.cmds[0], code, got)
		}
		// quarantine watch waits for the copy to settle, then scans: poll
		// the printed list command until it shows the skill quarantined.
		var list string
		deadline := time.Now().Add(60 * time.Second)
		for !regexp.MustCompile(`(?m)quarantined\s+block\s+evil-exfil`).MatchString(list) {
			if time.Now().After(deadline) {
				t.Fatalf("not quarantined within 60s; quarantine list:\n%s", list)
			}
			time.Sleep(250 * time.Millisecond)
			list, _ = shell(t, env, d.cmds[1])
		}
		ls, _ := shell(t, env, d.cmds[2])
		if strings.Contains(ls, "evil-exfil") {
			t.Errorf("the skill is still in the skills directory: %s", ls)
		}
	})
	t.Run("blocked skill install: OpenClaw's install policy refuses it", func(t *testing.T) {
		got, code := one(t, "blocked skill install")
		if code != 1 || !strings.Contains(got, "Install blocked by policy") || !strings.Contains(got, "CHAIN_DROPPER") {
			t.Fatalf("exit %d:\n%s", code, got)
		}
		if _, err := os.Stat(filepath.Join(runDir, "openclaw/workspace/skills/evil-prereq")); err == nil {
			t.Error("the refused skill was installed")
		}
	})
	t.Run("refused egress: 403 from the egress proxy", func(t *testing.T) {
		got, _ := one(t, "refused egress")
		if strings.TrimSpace(got) != "HTTP 403" {
			t.Fatalf("got %q", got)
		}
	})

	// What the script started: one process group each.
	pidFiles, _ := filepath.Glob(filepath.Join(runDir, "pids", "*.pid"))
	if len(pidFiles) != 6 {
		t.Errorf("%d pid files, want 6 (dns, model, egress, watch, gateway, guard): %v", len(pidFiles), pidFiles)
	}
	groups := []int{r.cmd.Process.Pid}
	for _, f := range pidFiles {
		b, err := os.ReadFile(f)
		must(t, err)
		pid, err := strconv.Atoi(strings.TrimSpace(string(b)))
		must(t, err)
		if len(groupMembers(pid)) == 0 {
			t.Errorf("%s: process group %d has no process while running", filepath.Base(f), pid)
		}
		groups = append(groups, pid)
	}

	t.Run("Ctrl-C stops everything and frees every port", func(t *testing.T) {
		must(t, syscall.Kill(r.cmd.Process.Pid, syscall.SIGINT))
		select {
		case <-r.done:
		case <-time.After(60 * time.Second):
			t.Fatal("make run still running 60s after SIGINT")
		}
		if !strings.Contains(r.output(), "run: stopped") {
			t.Error("no \"run: stopped\"")
		}
		for _, g := range groups {
			if left := groupMembers(g); len(left) > 0 {
				t.Errorf("left running in process group %d: %v", g, left)
			}
		}
		for k, a := range addrs {
			ln, err := net.Listen("tcp", a)
			if err != nil {
				t.Errorf("%s %s still taken: %v", k, a, err)
				continue
			}
			ln.Close()
		}
		if c, err := net.ListenPacket("udp", addrs["DNS_ADDR"]); err != nil {
			t.Errorf("DNS_ADDR %s (udp) still taken: %v", addrs["DNS_ADDR"], err)
		} else {
			c.Close()
		}
	})

	t.Run("the audit trails record each refusal and verify with the run's key", func(t *testing.T) {
		has := func(file string, match func(e auditRecord) bool) bool {
			b, err := os.ReadFile(filepath.Join(runDir, file))
			if err != nil {
				t.Errorf("%s: %v", file, err)
				return false
			}
			for _, line := range strings.Split(strings.TrimSpace(string(b)), "\n") {
				var e auditRecord
				if json.Unmarshal([]byte(line), &e) == nil && match(e) {
					return true
				}
			}
			return false
		}
		if !has("log/guard/audit.jsonl", func(e auditRecord) bool {
			return e.Outcome == string(auditlog.OutcomeRejected) && slices.Contains(e.Rules, "override.ignore-previous")
		}) {
			t.Error("the guard's audit log has no rejected injection")
		}
		if !has("log/guard/audit.jsonl", func(e auditRecord) bool { return e.Outcome == string(auditlog.OutcomeUnauthorized) }) {
			t.Error("the guard's audit log has no unauthorized request")
		}
		if !has("log/egress/egress-audit.jsonl", func(e auditRecord) bool {
			return e.Outcome == string(auditlog.OutcomeBlocked) && e.Fields["host"] == "example.com"
		}) {
			t.Error("the egress proxy's audit log has no blocked example.com")
		}
		qlog := "openclaw/quarantine/quarantine-audit.jsonl"
		if !has(qlog, func(e auditRecord) bool { return e.Outcome == string(auditlog.OutcomeQuarantined) }) {
			t.Error("the quarantine audit log has no quarantined skill")
		}
		if !has(qlog, func(e auditRecord) bool {
			return e.Event == "quarantine.policy" && e.Outcome == string(auditlog.OutcomeBlocked)
		}) {
			t.Error("the quarantine audit log has no blocked install")
		}
		logs, _ := filepath.Glob(filepath.Join(runDir, "log", "*", "*.jsonl"))
		logs = append(logs, filepath.Join(runDir, qlog))
		if len(logs) < 5 {
			t.Errorf("audit logs %v, want guard, provider, egress, dns and quarantine", logs)
		}
		// The printed command verifies every trail at once, each as its own chain.
		line := ""
		for _, l := range strings.Split(r.output(), "\n") {
			if strings.Contains(l, "stackaudit verify-log ") {
				line = strings.TrimSpace(l)
			}
		}
		if line == "" {
			t.Fatalf("make run printed no verify-log command:\n%s", r.output())
		}
		out, code := shell(t, env, line)
		if code != 0 || strings.Count(out, ": OK: ") != len(logs) {
			t.Errorf("%s: exit %d, want 0 and %d logs OK:\n%s", line, code, len(logs), out)
		}
		for _, l := range logs {
			if !strings.Contains(out, l+": OK: ") {
				t.Errorf("%s is not verified by the printed command:\n%s", l, out)
			}
		}
	})

	t.Run("a second run reuses the state: same token, nothing installed", func(t *testing.T) {
		r2 := startRun(t, env)
		out2 := r2.output()
		if tok := regexp.MustCompile(`Token:\s+(\S+)`).FindStringSubmatch(out2); tok == nil || tok[1] != token[1] {
			t.Errorf("token %v, want the first run's %s", tok, token[1])
		}
		if strings.Contains(out2, "installing") {
			t.Errorf("the second run installed something:\n%s", out2)
		}
		must(t, syscall.Kill(r2.cmd.Process.Pid, syscall.SIGINT))
		select {
		case <-r2.done:
		case <-time.After(60 * time.Second):
			t.Fatal("the second run still running 60s after SIGINT")
		}
	})
}

// With a provider key, the provider guard alone holds it and calls the
// provider over TLS through the egress proxy, which resolves through egress
// DNS. The key is fake and the test needs no network: the call fails either
// at DNS (no network) or at the provider (401), after the path was taken.
// OPENAI_API_KEY and ANTHROPIC_API_KEY each take make run's other branch
// (provider, API, upstream, base path): OpenClaw's anthropic-messages client
// calls the provider guard at its address with no /v1, the provider guard
// forwards to api.anthropic.com.
func TestMakeRunProviderKey(t *testing.T) {
	for _, tc := range []struct {
		env, route, modelLine, host string
		full                        bool // wait for the whole turn (about 2 minutes of OpenClaw's retries), or only for the first provider call
	}{
		{"OPENAI_API_KEY", "POST /v1/chat/completions", "openai/gpt-4.1-mini at https://api.openai.com, over TLS through the egress proxy", "api.openai.com", true},
		{"ANTHROPIC_API_KEY", "POST /v1/messages", "anthropic/claude-haiku-4-5 at https://api.anthropic.com, over TLS through the egress proxy", "api.anthropic.com", false},
	} {
		t.Run(tc.env, func(t *testing.T) {
			makeRunProviderKey(t, tc.env, tc.route, tc.modelLine, tc.host, tc.full)
		})
	}
}

func makeRunProviderKey(t *testing.T, envKey, route, modelLine, host string, full bool) {
	started := time.Now()
	_, runDir, addrs, env := runSetup(t)
	const key = "sk-makerun-e2e-fake-provider-key-0123456789"
	r := startRun(t, append(env, envKey+"="+key))
	t.Logf("make run started in %v", time.Since(started).Round(time.Second))
	out := r.output()
	if !strings.Contains(out, modelLine) {
		t.Errorf("the model line does not name the real provider: want %q", modelLine)
	}
	token := regexp.MustCompile(`Token:\s+(\S+)`).FindStringSubmatch(out)
	if token == nil {
		t.Fatal("no token printed")
	}

	// Which processes hold the key in their environment: the provider
	// guard's Caddy only.
	pidFiles, _ := filepath.Glob(filepath.Join(runDir, "pids", "*.pid"))
	if len(pidFiles) != 5 {
		t.Errorf("%d pid files, want 5 (no stand-in model): %v", len(pidFiles), pidFiles)
	}
	for _, f := range pidFiles {
		b, err := os.ReadFile(f)
		must(t, err)
		environ, err := os.ReadFile("/proc/" + strings.TrimSpace(string(b)) + "/environ")
		must(t, err)
		holds := bytes.Contains(environ, []byte(key))
		if name := strings.TrimSuffix(filepath.Base(f), ".pid"); holds != (name == "egress") {
			t.Errorf("%s holds the provider key in its environment: %v", name, holds)
		}
	}
	for _, f := range []string{"etc/openclaw.json", "openclaw-cli"} {
		b, err := os.ReadFile(filepath.Join(runDir, f))
		must(t, err)
		if bytes.Contains(b, []byte(key)) {
			t.Errorf("%s holds the provider key", f)
		}
	}

	// The path: OpenClaw presented the provider guard's token on the
	// provider's route, and the provider guard asked the egress proxy for
	// the provider's host on 443.
	read := func(file string) []auditRecord {
		b, err := os.ReadFile(filepath.Join(runDir, file))
		if err != nil && !os.IsNotExist(err) {
			t.Fatal(err)
		}
		var es []auditRecord
		for _, line := range strings.Split(strings.TrimSpace(string(b)), "\n") {
			var e auditRecord
			if json.Unmarshal([]byte(line), &e) == nil {
				es = append(es, e)
			}
		}
		return es
	}
	requested := func() bool {
		return slices.ContainsFunc(read("log/egress/provider-audit.jsonl"), func(e auditRecord) bool {
			return e.Event == "provider.request" && e.TokenName == "openclaw" && e.Route == route
		})
	}
	connected := func() bool {
		return slices.ContainsFunc(read("log/egress/egress-audit.jsonl"), func(e auditRecord) bool {
			return e.Route == "CONNECT "+host+":443"
		})
	}

	ctx, cancel := context.WithTimeout(context.Background(), 3*time.Minute)
	defer cancel()
	req, _ := http.NewRequestWithContext(ctx, http.MethodPost, "http://"+addrs["GUARD_ADDR"]+"/v1/chat/completions",
		strings.NewReader(`{"model":"openclaw","messages":[{"role":"user","content":"Hello"}]}`))
	req.Header.Set("Authorization", "Bearer "+token[1])
	req.Header.Set("Content-Type", "application/json")
	chatted := time.Now()
	type answer struct {
		status int
		err    error
	}
	answered := make(chan answer, 1)
	go func() {
		resp, err := http.DefaultClient.Do(req)
		if err != nil {
			answered <- answer{err: err}
			return
		}
		resp.Body.Close()
		answered <- answer{status: resp.StatusCode}
	}()
	if full {
		// The whole turn: OpenClaw gives up on the provider (it retries
		// first) and the guard answers an error.
		a := <-answered
		must(t, a.err)
		t.Logf("the chat answered %d in %v", a.status, time.Since(chatted).Round(time.Second))
		if a.status == http.StatusOK {
			t.Errorf("a chat with a fake provider key answered 200")
		}
	} else {
		// Until OpenClaw's first call to the provider has taken the path;
		// then the turn (retries against a fake key) is cut short.
		for !(requested() && connected()) && ctx.Err() == nil {
			select {
			case a := <-answered:
				t.Logf("the chat answered %d (%v) in %v", a.status, a.err, time.Since(chatted).Round(time.Second))
				cancel()
			case <-time.After(500 * time.Millisecond):
			}
		}
		t.Logf("the provider call took the path in %v", time.Since(chatted).Round(time.Second))
		cancel()
	}

	if !requested() {
		t.Errorf("no provider request %s from OpenClaw with the provider guard's token", route)
	}
	// OpenClaw's own turn (its system prompt, the runtime context, the
	// operator's "Hello") is the agent's, not an injection: nothing of it is
	// withheld from the model.
	for _, e := range read("log/egress/provider-audit.jsonl") {
		// (GET / is make run's own readiness probe.)
		if e.Event == "provider.request" && e.Route != "GET /" && e.Outcome != string(auditlog.OutcomeAllowed) {
			t.Errorf("a benign turn was not forwarded as it was: %s: outcome %q, rules %v, fields %v", e.Route, e.Outcome, e.Rules, e.Fields)
		}
	}
	if !connected() {
		t.Errorf("the provider guard did not go through the egress proxy to %s:443", host)
	}
	must(t, syscall.Kill(r.cmd.Process.Pid, syscall.SIGINT))
	select {
	case <-r.done:
	case <-time.After(60 * time.Second):
		t.Fatal("make run still running 60s after SIGINT")
	}
}
