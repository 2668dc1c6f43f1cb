// Package examples checks the deployment examples without a container engine:
// `stackaudit audit` finds nothing in any of them (also after install.sh),
// Debian's docker-compose validates the Compose file, systemd-analyze rates
// every unit, and the nftables ruleset is loaded into a network namespace of
// the test's own and probed from two addresses.
package examples

import (
	"encoding/json"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"slices"
	"strconv"
	"strings"
	"testing"

	"github.com/openclaw-secure-stack/securestack/internal/testbin"
)

type report struct {
	Inputs   []struct{ Path, Kind string }
	Findings []struct {
		ID, File, Message string
		Line              int
	}
	Unavailable []struct{ Part, Reason string }
	Skipped     []struct{ Path, Target, Reason string }
}

// audit runs bin/stackaudit audit --format json and checks the exit status
// against the report.
func audit(t *testing.T, env []string, args ...string) report {
	t.Helper()
	cmd := exec.Command(testbin.Path(t, "stackaudit"), append([]string{"audit", "--format", "json"}, args...)...)
	cmd.Env = append(os.Environ(), env...)
	out, err := cmd.Output()
	code := 0
	if ee, ok := err.(*exec.ExitError); ok {
		code = ee.ExitCode()
	} else if err != nil {
		t.Fatal(err)
	}
	var r report
	if err := json.Unmarshal(out, &r); err != nil {
		t.Fatalf("stackaudit output: %v\n%s", err, out)
	}
	want := 0
	switch {
	case len(r.Unavailable) > 0:
		want = 2
	case len(r.Findings) > 0:
		want = 1
	}
	if code != want {
		t.Errorf("exit %d for a report that says %d", code, want)
	}
	return r
}

// requireClean wants files audited, no findings and no part unchecked.
func requireClean(t *testing.T, r report) {
	t.Helper()
	if len(r.Inputs) == 0 {
		t.Fatal("nothing was audited")
	}
	for _, f := range r.Findings {
		t.Errorf("%s %s:%d: %s", f.ID, f.File, f.Line, f.Message)
	}
	for _, u := range r.Unavailable {
		t.Errorf("not checked: %s: %s", u.Part, u.Reason)
	}
	for _, k := range r.Skipped {
		t.Errorf("not followed: %s -> %s", k.Path, k.Target)
	}
}

// swarmEnv is what examples/swarm/deploy.sh exports before `docker stack deploy`.
var swarmEnv = []string{
	"CADDY_IMAGE=registry.example.com/openclaw/caddy@sha256:" + strings.Repeat("1a", 32),
	"COREDNS_IMAGE=registry.example.com/openclaw/coredns@sha256:" + strings.Repeat("2b", 32),
	"OPENCLAW_IMAGE=registry.example.com/openclaw/openclaw@sha256:" + strings.Repeat("3c", 32),
	"DOCKER_GID=999",
}

// noDeploymentFiles are example directories with no file the static audit
// reads (a Go program, a stand-in's sources, the firewall rulesets, which
// `stackaudit audit --live` checks loaded, as TestNftablesRulesetInNetns
// does): the audit must say it has nothing to audit there, not pass them.
var noDeploymentFiles = []string{"firewall", "healthcheck", "local"}

// TestEveryExampleAuditsClean: every file under examples/ that stackaudit
// reads has no finding and nothing unchecked, with no exception.
func TestEveryExampleAuditsClean(t *testing.T) {
	entries, err := os.ReadDir(".")
	if err != nil {
		t.Fatal(err)
	}
	var deployments []string
	for _, e := range entries {
		if e.IsDir() && !slices.Contains(noDeploymentFiles, e.Name()) {
			deployments = append(deployments, e.Name())
		}
	}
	if len(deployments) < 5 {
		t.Errorf("example deployments %v, want compose, coredns, egress-proxy, swarm, systemd", deployments)
	}
	for _, e := range entries {
		if !e.IsDir() {
			continue
		}
		t.Run(e.Name(), func(t *testing.T) {
			var r report
			if e.Name() == "swarm" {
				r = audit(t, swarmEnv, "--os-env", e.Name())
			} else {
				r = audit(t, nil, e.Name())
			}
			if slices.Contains(noDeploymentFiles, e.Name()) {
				if len(r.Inputs) != 0 || len(r.Unavailable) != 1 || !strings.HasPrefix(r.Unavailable[0].Reason, "nothing to audit") {
					t.Errorf("examples/%s: want nothing to audit (exit 2), got %+v", e.Name(), r)
				}
				return
			}
			requireClean(t, r)
		})
	}
}

// TestSwarmNeedsItsDigests: without the variables deploy.sh sets, the stack
// does not load (interpolation fails), which the audit reports as not checked.
func TestSwarmNeedsItsDigests(t *testing.T) {
	r := audit(t, nil, "swarm/docker-stack.yml")
	if len(r.Unavailable) != 1 || !strings.Contains(r.Unavailable[0].Reason, "CADDY_IMAGE") {
		t.Errorf("want the stack unloadable without CADDY_IMAGE: %+v", r.Unavailable)
	}
}

func copyDir(t *testing.T, src, dst string) {
	t.Helper()
	out, err := exec.Command("cp", "-a", src+"/.", dst).CombinedOutput()
	if err != nil {
		t.Fatalf("cp: %v\n%s", err, out)
	}
}

// TestComposeInstallThenAudit runs install.sh --no-start on a copy and audits
// what it wrote: .env and the secrets owner-only, strong tokens, the origin
// in openclaw.json.
func TestComposeInstallThenAudit(t *testing.T) {
	dir := t.TempDir()
	copyDir(t, "compose", dir)
	os.Remove(filepath.Join(dir, "allowlist.txt"))
	cmd := exec.Command("./install.sh", "--no-start", "--origin", "https://openclaw.example.org")
	cmd.Dir = dir
	cmd.Env = append(os.Environ(), "PATH=/usr/sbin:/usr/bin:/sbin:/bin")
	if out, err := cmd.CombinedOutput(); err != nil {
		t.Fatalf("install.sh: %v\n%s", err, out)
	} else if !strings.Contains(string(out), `client token for "operator"`) {
		t.Errorf("install.sh did not hand out the client token:\n%s", out)
	}
	for _, f := range []string{".env", "secrets/guard_tokens", "secrets/audit_key"} {
		st, err := os.Stat(filepath.Join(dir, f))
		if err != nil {
			t.Fatal(err)
		}
		if st.Mode().Perm() != 0o600 {
			t.Errorf("%s has mode %v, want 0600", f, st.Mode().Perm())
		}
	}
	env, _ := os.ReadFile(filepath.Join(dir, ".env"))
	if !regexp.MustCompile(`(?m)^OPENCLAW_GATEWAY_PASSWORD=[A-Za-z0-9_-]{43}$`).Match(env) {
		t.Errorf(".env has no generated gateway password:\n%s", env)
	}
	cfg, _ := os.ReadFile(filepath.Join(dir, "openclaw.json"))
	if !strings.Contains(string(cfg), `allowedOrigins: ["https://openclaw.example.org"]`) {
		t.Errorf("openclaw.json does not carry the origin")
	}
	if _, err := os.Stat(filepath.Join(dir, "allowlist.txt")); err != nil {
		t.Errorf("install.sh wrote no allowlist: %v", err)
	}
	requireClean(t, audit(t, nil, dir))

	// A second run keeps what exists.
	tokens, _ := os.ReadFile(filepath.Join(dir, "secrets", "guard_tokens"))
	cmd = exec.Command("./install.sh", "--no-start")
	cmd.Dir = dir
	if out, err := cmd.CombinedOutput(); err != nil {
		t.Fatalf("second install.sh: %v\n%s", err, out)
	}
	again, _ := os.ReadFile(filepath.Join(dir, "secrets", "guard_tokens"))
	if string(again) != string(tokens) {
		t.Error("a second install.sh replaced the client tokens")
	}
}

func needTool(t *testing.T, name string) string {
	t.Helper()
	p, err := exec.LookPath(name)
	if err != nil {
		t.Fatalf("%s is not installed: run scripts/ensure-deploy-tools.sh (make test does)", name)
	}
	return p
}

// TestComposeConfigValidates runs Debian's docker-compose (v1, no engine
// needed) on the Compose file, and on a broken copy to show it can refuse.
func TestComposeConfigValidates(t *testing.T) {
	dc := needTool(t, "docker-compose")
	run := func(dir string) (string, error) {
		cmd := exec.Command(dc, "-f", "docker-compose.yml", "config", "-q")
		cmd.Dir = dir
		out, err := cmd.CombinedOutput()
		return string(out), err
	}
	if out, err := run("compose"); err != nil {
		t.Fatalf("docker-compose config -q: %v\n%s", err, out)
	}
	dir := t.TempDir()
	copyDir(t, "compose", dir)
	b, _ := os.ReadFile(filepath.Join(dir, "docker-compose.yml"))
	broken := strings.Replace(string(b), "  read_only: true\n", "  read_only: maybe\n", 1)
	if err := os.WriteFile(filepath.Join(dir, "docker-compose.yml"), []byte(broken), 0o644); err != nil {
		t.Fatal(err)
	}
	if out, err := run(dir); err == nil {
		t.Errorf("docker-compose accepted read_only: maybe\n%s", out)
	}
}

var exposureRE = regexp.MustCompile(`Overall exposure level for \S+: ([0-9.]+)`)

func exposure(t *testing.T, unit string) float64 {
	t.Helper()
	out, err := exec.Command(needTool(t, "systemd-analyze"), "security", "--offline=true", unit).CombinedOutput()
	m := exposureRE.FindSubmatch(out)
	if m == nil {
		t.Fatalf("systemd-analyze security %s: %v\n%s", unit, err, out)
	}
	v, _ := strconv.ParseFloat(string(m[1]), 64)
	return v
}

// TestSystemdUnitsExposure: every unit rates 2.0 or lower; a unit with
// none of the hardening rates far higher, so the parse is real.
func TestSystemdUnitsExposure(t *testing.T) {
	units, _ := filepath.Glob("systemd/*.service")
	if len(units) < 5 {
		t.Fatalf("units: %v", units)
	}
	for _, u := range units {
		abs, _ := filepath.Abs(u)
		if e := exposure(t, abs); e > 2.0 {
			t.Errorf("%s: exposure %.1f, want <= 2.0", u, e)
		} else {
			t.Logf("%s: %.1f", filepath.Base(u), e)
		}
	}
	bare := filepath.Join(t.TempDir(), "bare.service")
	if err := os.WriteFile(bare, []byte("[Service]\nExecStart=/usr/local/bin/caddy run\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	if e := exposure(t, bare); e < 9 {
		t.Errorf("a bare unit rates %.1f; the parse is wrong", e)
	}
	for _, timer := range []string{"openclaw-stackaudit", "openclaw-quarantine-rescan"} {
		if _, err := os.Stat(filepath.Join("systemd", timer+".timer")); err != nil {
			t.Errorf("no timer for %s: %v", timer, err)
		}
	}
}

func TestMain(m *testing.M) {
	switch os.Getenv("EXAMPLES_NETNS_HELPER") {
	case "listen":
		os.Exit(helperListen(strings.Split(os.Getenv("EXAMPLES_PORTS"), ",")))
	case "dial":
		os.Exit(helperDial(os.Getenv("EXAMPLES_SRC"), os.Getenv("EXAMPLES_DST")))
	}
	os.Exit(m.Run())
}
