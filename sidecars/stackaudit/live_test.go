package main

import (
	"context"
	"fmt"
	"net"
	"net/http"
	"net/http/httptest"
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"strings"
	"sync/atomic"
	"syscall"
	"testing"
	"time"

	"github.com/miekg/dns"

	"github.com/openclaw-secure-stack/securestack/internal/testbin"
	"github.com/openclaw-secure-stack/securestack/internal/testport"
	"github.com/openclaw-secure-stack/securestack/sidecars/stackaudit/posture"
)

func findingsOf(rep *posture.Report, id string) []posture.Finding {
	var out []posture.Finding
	for _, f := range rep.Findings {
		if f.ID == id {
			out = append(out, f)
		}
	}
	return out
}

func unavailableOf(rep *posture.Report, part string) bool {
	return slices.ContainsFunc(rep.Unavailable, func(u posture.Unavailable) bool { return strings.HasPrefix(u.Part, part) })
}

func writeFile(t *testing.T, path, content string, mode os.FileMode) string {
	t.Helper()
	if err := os.MkdirAll(filepath.Dir(path), 0o700); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(path, []byte(content), mode); err != nil {
		t.Fatal(err)
	}
	return path
}

// engineServer serves the recorded Engine API answers in testdata/engine on
// a unix socket, as dockerd or `podman system service` would.
func engineServer(t *testing.T) string {
	t.Helper()
	sock := filepath.Join(t.TempDir(), "docker.sock")
	ln, err := net.Listen("unix", sock)
	if err != nil {
		t.Fatal(err)
	}
	file := func(name string) string { return filepath.Join("testdata", "engine", name) }
	mux := http.NewServeMux()
	serve := func(w http.ResponseWriter, name string) {
		b, err := os.ReadFile(file(name))
		if err != nil {
			http.Error(w, err.Error(), http.StatusNotFound)
			return
		}
		w.Header().Set("Content-Type", "application/json")
		w.Write(b)
	}
	mux.HandleFunc("GET /version", func(w http.ResponseWriter, r *http.Request) {
		w.Write([]byte(`{"Version":"27.3.1","ApiVersion":"1.47"}`))
	})
	mux.HandleFunc("GET /containers/json", func(w http.ResponseWriter, r *http.Request) { serve(w, "containers.json") })
	mux.HandleFunc("GET /containers/{id}/json", func(w http.ResponseWriter, r *http.Request) {
		serve(w, "inspect-"+r.PathValue("id")[:2]+".json")
	})
	mux.HandleFunc("GET /info", func(w http.ResponseWriter, r *http.Request) { serve(w, "info.json") })
	mux.HandleFunc("GET /services", func(w http.ResponseWriter, r *http.Request) { serve(w, "services.json") })
	mux.HandleFunc("GET /tasks", func(w http.ResponseWriter, r *http.Request) {
		f := r.URL.Query().Get("filters")
		for _, id := range []string{"s1", "s2"} {
			if strings.Contains(f, `"`+id+`"`) {
				serve(w, "tasks-"+id+".json")
				return
			}
		}
		http.Error(w, "unknown service filter "+f, http.StatusBadRequest)
	})
	mux.HandleFunc("GET /nodes/{id}", func(w http.ResponseWriter, r *http.Request) { serve(w, "node-"+r.PathValue("id")+".json") })
	srv := httptest.NewUnstartedServer(mux)
	srv.Listener = ln
	srv.Start()
	t.Cleanup(srv.Close)
	return sock
}

const stackFile = `services:
  guard:
    image: r.example/caddy@sha256:0123456789abcdef0123456789abcdef0123456789abcdef0123456789abcdef
`

func TestLiveEngineFromRecordedInspect(t *testing.T) {
	sock := engineServer(t)
	dir := t.TempDir()
	writeFile(t, filepath.Join(dir, "docker-stack.yml"), stackFile, 0o644)
	rep := auditDir(t, dir, posture.Options{Live: &posture.LiveOptions{Engine: sock, Firewall: "off"}})
	if len(rep.Unavailable) > 0 {
		t.Fatalf("parts not checked:\n%s", describeReport(rep))
	}
	var msgs []string
	for _, f := range findingsOf(rep, "LIVE_ENGINE_HARDENING") {
		msgs = append(msgs, f.Message)
	}
	joined := strings.Join(msgs, "\n")
	for _, want := range []string{
		"openclaw-secure-stack-provider-guard-1: its root file system is writable",
		"openclaw-secure-stack-provider-guard-1: it does not drop ALL capabilities",
		"openclaw-secure-stack-provider-guard-1: it adds NET_ADMIN",
		"openclaw-secure-stack-provider-guard-1: no-new-privileges is off",
		"openclaw-secure-stack-provider-guard-1: it runs as \"\" (root)",
		"openclaw-secure-stack-provider-guard-1: it shares the host's network namespace",
		"openclaw-secure-stack-provider-guard-1: it mounts /var/run/docker.sock",
		"openclaw-secure-stack-provider-guard-1: it publishes 8080/tcp on the host (:8080): only the guard may",
	} {
		if !strings.Contains(joined, want) {
			t.Errorf("missing %q in:\n%s", want, joined)
		}
	}
	if strings.Contains(joined, "guard-1:") && strings.Contains(joined, "/openclaw-secure-stack-guard-1") || strings.Contains(joined, "container openclaw-secure-stack-guard-1") {
		t.Errorf("the hardened guard container is reported:\n%s", joined)
	}
	if strings.Contains(joined, "someone-else") {
		t.Errorf("a container outside the stack is reported:\n%s", joined)
	}
	var placement []string
	for _, f := range findingsOf(rep, "LIVE_PLACEMENT") {
		placement = append(placement, f.Message)
	}
	if len(placement) != 2 || !strings.Contains(strings.Join(placement, "\n"), "service openclaw_gateway (role gateway) has no") ||
		!strings.Contains(strings.Join(placement, "\n"), "runs on node node-2, which is not labelled") {
		t.Errorf("placement findings:\n%s", strings.Join(placement, "\n"))
	}
}

func TestLiveEngineMissingIsNotAPass(t *testing.T) {
	dir := t.TempDir()
	writeFile(t, filepath.Join(dir, "docker-stack.yml"), stackFile, 0o644)
	rep := auditDir(t, dir, posture.Options{Live: &posture.LiveOptions{Engine: filepath.Join(dir, "absent.sock"), Firewall: "off"}})
	if !unavailableOf(rep, "engine") || rep.ExitCode() != posture.ExitIncomplete {
		t.Fatalf("an absent engine must be reported and exit 2:\n%s", describeReport(rep))
	}
	out, _, code := stackaudit(t, "audit", "--live", "--firewall", "off", "--engine", "unix://"+filepath.Join(dir, "absent.sock"), dir)
	if code != 2 || !strings.Contains(out, "[NOT CHECKED] engine: no Docker or Podman API socket") {
		t.Errorf("bin/stackaudit: exit %d, want 2:\n%s", code, out)
	}
}

// startProc runs a built binary until the test ends.
func startProc(t *testing.T, name string, env []string, args ...string) *exec.Cmd {
	t.Helper()
	return startProcIn(t, "", name, env, args...)
}

// startProcIn starts it in dir (CoreDNS reads relative paths from there).
func startProcIn(t *testing.T, dir, name string, env []string, args ...string) *exec.Cmd {
	t.Helper()
	logf, err := os.Create(filepath.Join(t.TempDir(), name+".log"))
	if err != nil {
		t.Fatal(err)
	}
	cmd := exec.Command(testbin.Path(t, name), args...)
	cmd.Env = append(os.Environ(), env...)
	cmd.Dir = dir
	cmd.Stdout, cmd.Stderr = logf, logf
	cmd.SysProcAttr = &syscall.SysProcAttr{Setpgid: true}
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	done := make(chan struct{})
	go func() { cmd.Wait(); close(done) }()
	t.Cleanup(func() {
		syscall.Kill(-cmd.Process.Pid, syscall.SIGTERM)
		select {
		case <-done:
		case <-time.After(10 * time.Second):
			syscall.Kill(-cmd.Process.Pid, syscall.SIGKILL)
			<-done
		}
		if t.Failed() {
			b, _ := os.ReadFile(logf.Name())
			t.Logf("%s output:\n%s", name, b)
		}
	})
	return cmd
}

func waitTCP(t *testing.T, addr string) {
	t.Helper()
	for deadline := time.Now().Add(30 * time.Second); time.Now().Before(deadline); time.Sleep(50 * time.Millisecond) {
		if c, err := net.Dial("tcp", addr); err == nil {
			c.Close()
			return
		}
	}
	t.Fatalf("nothing listens on %s", addr)
}

// TestLiveGuard runs the real bin/caddy: with the guard in front a request
// without a token is refused; a site that only proxies is reported.
func TestLiveGuard(t *testing.T) {
	upstream := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		w.Write([]byte(`{"object":"list","data":[]}`))
	}))
	t.Cleanup(upstream.Close)
	dir := t.TempDir()
	guarded, open := testport.Free(t), testport.Free(t)
	writeFile(t, filepath.Join(dir, "tokens"), "operator 7vQv3s0mJ7nJ1cN0bH8kq5w2eYdR4tUzXyA6pLfGhCi\n", 0o600)
	writeFile(t, filepath.Join(dir, "audit.key"), "0123456789abcdef0123456789abcdef\n", 0o600)
	caddyfile := fmt.Sprintf(`{
	admin off
	auto_https off
	persist_config off
}

http://%s {
	bind 127.0.0.1
	openclaw_guard {
		token_file %s
		audit_log %s {
			key_file %s
		}
	}
	reverse_proxy %s
}
`, guarded, filepath.Join(dir, "tokens"), filepath.Join(dir, "audit.jsonl"), filepath.Join(dir, "audit.key"), strings.TrimPrefix(upstream.URL, "http://"))
	guardFile := writeFile(t, filepath.Join(dir, "Caddyfile"), caddyfile, 0o644)
	env := []string{"XDG_DATA_HOME=" + filepath.Join(dir, "data"), "XDG_CONFIG_HOME=" + filepath.Join(dir, "data")}
	startProc(t, "caddy", env, "run", "--adapter", "caddyfile", "--config", guardFile)
	openDir := t.TempDir()
	openFile := writeFile(t, filepath.Join(openDir, "Caddyfile.open"), fmt.Sprintf("{\n\tadmin off\n\tauto_https off\n}\nhttp://%s {\n\tbind 127.0.0.1\n\treverse_proxy %s\n}\n", open, strings.TrimPrefix(upstream.URL, "http://")), 0o644)
	startProc(t, "caddy", []string{"XDG_DATA_HOME=" + filepath.Join(openDir, "data"), "XDG_CONFIG_HOME=" + filepath.Join(openDir, "data")}, "run", "--adapter", "caddyfile", "--config", openFile)
	waitTCP(t, guarded)
	waitTCP(t, open)

	live := &posture.LiveOptions{Firewall: "off"}
	rep := auditDir(t, guardFile, posture.Options{Live: live})
	if len(rep.Unavailable) > 0 || len(findingsOf(rep, "LIVE_GUARD_OPEN")) > 0 {
		t.Fatalf("the guarded site, probed at the Caddyfile's address:\n%s", describeReport(rep))
	}
	// The audit log the guard opened verifies with its key.
	if len(findingsOf(rep, "LOG_TAMPERED")) > 0 || len(findingsOf(rep, "LOG_MISSING")) > 0 {
		t.Errorf("the guard's own audit log:\n%s", describeReport(rep))
	}
	rep = auditDir(t, guardFile, posture.Options{Live: &posture.LiveOptions{Firewall: "off", GuardURLs: []string{"http://" + open}}})
	got := findingsOf(rep, "LIVE_GUARD_OPEN")
	if len(got) != 2 || !strings.Contains(got[0].Message, "answered 200") {
		t.Fatalf("the unguarded site must be reported for both probes:\n%s", describeReport(rep))
	}
	// Statically the same unguarded Caddyfile is refused too.
	rep = auditDir(t, openFile, posture.Options{})
	if len(findingsOf(rep, "CADDY_GUARD_MISSING")) != 1 {
		t.Errorf("static check of the unguarded Caddyfile:\n%s", describeReport(rep))
	}
}

// fakeUpstream answers every A query with 192.0.2.1 and counts the queries
// it receives, like a public resolver would.
func fakeUpstream(t *testing.T) (string, *atomic.Int64) {
	t.Helper()
	var n atomic.Int64
	pc, err := net.ListenPacket("udp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	srv := &dns.Server{PacketConn: pc, Handler: dns.HandlerFunc(func(w dns.ResponseWriter, r *dns.Msg) {
		n.Add(1)
		m := new(dns.Msg)
		m.SetReply(r)
		rr, _ := dns.NewRR(r.Question[0].Name + " 60 IN A 192.0.2.1")
		m.Answer = append(m.Answer, rr)
		w.WriteMsg(m)
	})}
	go srv.ActivateAndServe()
	t.Cleanup(func() { srv.Shutdown() })
	return pc.LocalAddr().String(), &n
}

func waitDNS(t *testing.T, addr string) {
	t.Helper()
	c := &dns.Client{Timeout: 200 * time.Millisecond}
	m := new(dns.Msg)
	m.SetQuestion("allowed.example.", dns.TypeA)
	for deadline := time.Now().Add(30 * time.Second); time.Now().Before(deadline); time.Sleep(50 * time.Millisecond) {
		if _, _, err := c.Exchange(m, addr); err == nil {
			return
		}
	}
	t.Fatalf("no DNS answer from %s", addr)
}

// TestLiveEgressDNS runs the real bin/coredns: with egress a name that is on
// no allowlist is refused and never reaches the upstream; without egress the
// same probe is a leak.
func TestLiveEgressDNS(t *testing.T) {
	up, queries := fakeUpstream(t)
	dir := t.TempDir()
	addr := testport.Free(t)
	_, port, _ := net.SplitHostPort(addr)
	writeFile(t, filepath.Join(dir, "allowlist.txt"), "allowed.example\n", 0o644)
	writeFile(t, filepath.Join(dir, "audit.key"), "0123456789abcdef0123456789abcdef\n", 0o600)
	core := fmt.Sprintf(`.:%s {
    bind 127.0.0.1
    egress {
        allowlist allowlist.txt
        audit_log dns-audit.jsonl key_file audit.key
        deny_private_answers
    }
    forward . %s
}
`, port, up)
	corefile := writeFile(t, filepath.Join(dir, "Corefile"), core, 0o644)
	startProcIn(t, dir, "coredns", nil, "-conf", corefile)
	waitDNS(t, addr)
	before := queries.Load()

	rep := auditDir(t, corefile, posture.Options{Live: &posture.LiveOptions{Firewall: "off"}})
	if len(rep.Unavailable) > 0 || len(findingsOf(rep, "LIVE_DNS_LEAK")) > 0 || len(rep.Findings) > 0 {
		t.Fatalf("egress DNS with the allowlist:\n%s", describeReport(rep))
	}
	if got := queries.Load() - before; got != 0 {
		t.Errorf("the blocked probe reached the upstream %d time(s)", got)
	}

	// A Corefile whose audit log is not there, checked live, is reported.
	other := t.TempDir()
	writeFile(t, filepath.Join(other, "allowlist.txt"), "allowed.example\n", 0o644)
	missing := writeFile(t, filepath.Join(other, "Corefile"), strings.Replace(core, "audit_log dns-audit.jsonl key_file audit.key", "audit_log never-written.jsonl key_file audit.key", 1), 0o644)
	writeFile(t, filepath.Join(other, "audit.key"), "0123456789abcdef0123456789abcdef\n", 0o600)
	rep = auditDir(t, missing, posture.Options{Live: &posture.LiveOptions{Firewall: "off"}})
	if got := findingsOf(rep, "LOG_MISSING"); len(got) != 1 || got[0].Line != 5 {
		t.Errorf("LOG_MISSING at Corefile:5:\n%s", describeReport(rep))
	}

	leakAddr := testport.Free(t)
	_, leakPort, _ := net.SplitHostPort(leakAddr)
	leaky := writeFile(t, filepath.Join(t.TempDir(), "Corefile"), fmt.Sprintf(".:%s {\n    bind 127.0.0.1\n    forward . %s\n}\n", leakPort, up), 0o644)
	startProc(t, "coredns", nil, "-conf", leaky)
	waitDNS(t, leakAddr)
	rep = auditDir(t, leaky, posture.Options{Live: &posture.LiveOptions{Firewall: "off"}})
	if got := findingsOf(rep, "LIVE_DNS_LEAK"); len(got) != 1 || !strings.Contains(got[0].Message, "answered NOERROR") {
		t.Errorf("a resolver without egress must be reported:\n%s", describeReport(rep))
	}
	if len(findingsOf(rep, "DNS_EGRESS_MISSING")) != 1 {
		t.Errorf("and statically too:\n%s", describeReport(rep))
	}
}

func gatewayConfig(port string, extra string) string {
	return fmt.Sprintf(`{gateway: {port: %s, bind: "loopback"}%s}`, port, extra)
}

func TestLiveGatewayExposure(t *testing.T) {
	dir := t.TempDir()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer ln.Close()
	_, port, _ := net.SplitHostPort(ln.Addr().String())
	cfg := writeFile(t, filepath.Join(dir, "openclaw.json"), gatewayConfig(port, ""), 0o644)
	rep := auditDir(t, cfg, posture.Options{Live: &posture.LiveOptions{Firewall: "off"}})
	if len(findingsOf(rep, "LIVE_GATEWAY_EXPOSED")) > 0 || unavailableOf(rep, "gateway port") {
		t.Fatalf("a gateway on loopback:\n%s", describeReport(rep))
	}
	ln.Close()

	wide, err := net.Listen("tcp", "0.0.0.0:0")
	if err != nil {
		t.Fatal(err)
	}
	defer wide.Close()
	go func() {
		for {
			c, err := wide.Accept()
			if err != nil {
				return
			}
			c.Close()
		}
	}()
	_, port, _ = net.SplitHostPort(wide.Addr().String())
	writeFile(t, cfg, gatewayConfig(port, ""), 0o644)
	rep = auditDir(t, cfg, posture.Options{Live: &posture.LiveOptions{Firewall: "off"}})
	if got := findingsOf(rep, "LIVE_GATEWAY_EXPOSED"); len(got) == 0 || !strings.Contains(got[0].Message, "beyond loopback") {
		t.Fatalf("a gateway port on 0.0.0.0 must be reported:\n%s", describeReport(rep))
	}

	// Nothing on the port: not a pass.
	writeFile(t, cfg, gatewayConfig(strings.TrimPrefix(testport.Free(t), "127.0.0.1:"), ""), 0o644)
	rep = auditDir(t, cfg, posture.Options{Live: &posture.LiveOptions{Firewall: "off"}})
	if !unavailableOf(rep, "gateway port") {
		t.Errorf("no gateway listening must be reported as not checked:\n%s", describeReport(rep))
	}
}

func TestLiveSkillDatabaseMissing(t *testing.T) {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer ln.Close()
	_, port, _ := net.SplitHostPort(ln.Addr().String())
	dir := t.TempDir()
	cfg := writeFile(t, filepath.Join(dir, "openclaw.json"), gatewayConfig(port, `, security: {installPolicy: {enabled: true, targets: ["skill", "plugin"],
  exec: {source: "exec", command: "`+filepath.Join(dir, "quarantine")+`", args: ["policy", "--db", "`+filepath.Join(dir, "absent.db")+`"]}}}`), 0o644)
	rep := auditDir(t, cfg, posture.Options{})
	if len(findingsOf(rep, "SKILL_DB_MISSING")) > 0 || len(findingsOf(rep, "OC_INSTALL_POLICY_COMMAND")) > 0 {
		t.Errorf("statically the database and the command are on the server, not here:\n%s", describeReport(rep))
	}
	rep = auditDir(t, cfg, posture.Options{Live: &posture.LiveOptions{Firewall: "off"}})
	if got := findingsOf(rep, "SKILL_DB_MISSING"); len(got) != 1 || got[0].Line != 1 {
		t.Errorf("live, a configured database that does not exist:\n%s", describeReport(rep))
	}
	if got := findingsOf(rep, "OC_INSTALL_POLICY_COMMAND"); len(got) != 1 || !strings.Contains(got[0].Message, "no such file") {
		t.Errorf("live, an install policy command that does not exist:\n%s", describeReport(rep))
	}
}

// TestLiveFirewallCommandMissing: with neither nft nor ufw to ask, the
// firewall is not checked, which is not a pass.
func TestLiveFirewallCommandMissing(t *testing.T) {
	dir := t.TempDir()
	live := &posture.LiveOptions{Command: func(ctx context.Context, name string, args ...string) *exec.Cmd {
		return exec.CommandContext(ctx, filepath.Join(dir, "no-such-"+name), args...)
	}}
	a := newAuditor(posture.Options{Live: live})
	a.AddPath(writeFile(t, filepath.Join(dir, "allowlist.txt"), "api.openai.com\n", 0o644))
	rep := a.Run(context.Background())
	if !unavailableOf(rep, "firewall") || rep.ExitCode() != 2 {
		t.Errorf("want the firewall NOT CHECKED and exit 2:\n%s", describeReport(rep))
	}
}
