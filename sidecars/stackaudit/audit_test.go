package main

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"io/fs"
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
	"testing"

	"github.com/santhosh-tekuri/jsonschema/v6"

	"github.com/openclaw-secure-stack/securestack/caddyplugin/guard"
	"github.com/openclaw-secure-stack/securestack/caddyplugin/guard/controlui"
	"github.com/openclaw-secure-stack/securestack/internal/testbin"
	"github.com/openclaw-secure-stack/securestack/sidecars/stackaudit/posture"
)

// fixture is a txtar-style file: directives (want, mode, copy) up to the
// first "-- NAME --" line, then files.
type fixture struct {
	want  []string // "ID" or "ID FILE:LINE"
	modes map[string]os.FileMode
	copy  [][2]string
	files map[string]string
	order []string
}

func readFixture(t *testing.T, path string) fixture {
	t.Helper()
	b, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	fx := fixture{modes: map[string]os.FileMode{}, files: map[string]string{}}
	var cur string
	var body strings.Builder
	flush := func() {
		if cur != "" {
			fx.files[cur] = body.String()
			fx.order = append(fx.order, cur)
		}
		body.Reset()
	}
	for _, line := range strings.SplitAfter(string(b), "\n") {
		trimmed := strings.TrimRight(line, "\n")
		if strings.HasPrefix(trimmed, "-- ") && strings.HasSuffix(trimmed, " --") {
			flush()
			cur = strings.TrimSuffix(strings.TrimPrefix(trimmed, "-- "), " --")
			continue
		}
		if cur != "" {
			body.WriteString(line)
			continue
		}
		f := strings.Fields(trimmed)
		switch {
		case len(f) == 0:
		case f[0] == "want":
			fx.want = append(fx.want, strings.Join(f[1:], " "))
		case f[0] == "mode" && len(f) == 3:
			m, err := strconv.ParseUint(f[2], 8, 32)
			if err != nil {
				t.Fatalf("%s: %v", path, err)
			}
			fx.modes[f[1]] = os.FileMode(m)
		case f[0] == "copy" && len(f) == 3:
			fx.copy = append(fx.copy, [2]string{f[1], f[2]})
		default:
			t.Fatalf("%s: unknown directive %q", path, trimmed)
		}
	}
	flush()
	return fx
}

// materialize writes the fixture's files (0600 unless a mode says otherwise)
// into a new directory; $DIR in a file stands for that directory.
func (fx fixture) materialize(t *testing.T) string {
	t.Helper()
	dir := t.TempDir()
	root, err := testbin.ModuleRoot()
	if err != nil {
		t.Fatal(err)
	}
	for _, name := range fx.order {
		p := filepath.Join(dir, name)
		if err := os.MkdirAll(filepath.Dir(p), 0o700); err != nil {
			t.Fatal(err)
		}
		mode := os.FileMode(0o600)
		if m, ok := fx.modes[name]; ok {
			mode = m
		}
		if err := os.WriteFile(p, []byte(strings.ReplaceAll(fx.files[name], "$DIR", dir)), mode); err != nil {
			t.Fatal(err)
		}
		if err := os.Chmod(p, mode); err != nil {
			t.Fatal(err)
		}
	}
	for _, c := range fx.copy {
		copyTree(t, filepath.Join(root, c[0]), filepath.Join(dir, c[1]))
	}
	return dir
}

func copyTree(t *testing.T, src, dst string) {
	t.Helper()
	err := filepath.WalkDir(src, func(p string, d fs.DirEntry, err error) error {
		if err != nil {
			return err
		}
		rel, _ := filepath.Rel(src, p)
		target := filepath.Join(dst, rel)
		if d.IsDir() {
			return os.MkdirAll(target, 0o700)
		}
		b, err := os.ReadFile(p)
		if err != nil {
			return err
		}
		return os.WriteFile(target, b, 0o600)
	})
	if err != nil {
		t.Fatal(err)
	}
}

func newAuditor(opts posture.Options) *posture.Auditor {
	opts.AdaptCaddyfile = adaptCaddyfile
	opts.ParseCorefile = parseCorefile
	opts.Skills = scannerJudge{}
	return posture.NewAuditor(opts)
}

func auditDir(t *testing.T, dir string, opts posture.Options) *posture.Report {
	t.Helper()
	a := newAuditor(opts)
	a.AddPath(dir)
	return a.Run(context.Background())
}

func hasFinding(rep *posture.Report, dir, want string) bool {
	id, loc, _ := strings.Cut(want, " ")
	return slices.ContainsFunc(rep.Findings, func(f posture.Finding) bool {
		if f.ID != id {
			return false
		}
		if loc == "" {
			return true
		}
		rel, _ := filepath.Rel(dir, f.File)
		return fmt.Sprintf("%s:%d", rel, f.Line) == loc
	})
}

func describeReport(rep *posture.Report) string {
	var b bytes.Buffer
	_ = posture.WriteText(&b, rep)
	return b.String()
}

// liveOnly are checks that only --live can fire; the live tests cover them.
var liveOnly = map[string]string{
	"LIVE_ENGINE_HARDENING":  "TestLiveEngineFromRecordedInspect",
	"LIVE_PLACEMENT":         "TestLiveEngineFromRecordedInspect",
	"LIVE_GATEWAY_EXPOSED":   "TestLiveGatewayExposure",
	"LIVE_GUARD_OPEN":        "TestLiveGuard",
	"LIVE_DNS_LEAK":          "TestLiveEgressDNS",
	"LIVE_FIREWALL_INACTIVE": "TestNftablesRulesetInNetns (examples)",
	"LOG_MISSING":            "TestLiveEgressDNS",
	"SKILL_DB_MISSING":       "TestLiveSkillDatabaseMissing",
}

// TestEveryCheckFires runs each broken fixture in testdata/broken (one per
// check, named by its id) and wants that check to fire where the fixture says.
func TestEveryCheckFires(t *testing.T) {
	for _, c := range posture.Checks {
		path := filepath.Join("testdata", "broken", c.ID+".txtar")
		if _, err := os.Stat(path); err != nil {
			if _, ok := liveOnly[c.ID]; ok {
				continue
			}
			t.Errorf("check %s has no broken fixture %s", c.ID, path)
			continue
		}
		t.Run(c.ID, func(t *testing.T) {
			fx := readFixture(t, path)
			if !slices.ContainsFunc(fx.want, func(w string) bool { return strings.HasPrefix(w+" ", c.ID+" ") }) {
				t.Fatalf("fixture does not want its own check %s", c.ID)
			}
			dir := fx.materialize(t)
			rep := auditDir(t, dir, posture.Options{})
			if len(rep.Unavailable) > 0 {
				t.Fatalf("parts not checked:\n%s", describeReport(rep))
			}
			for _, w := range fx.want {
				if !hasFinding(rep, dir, w) {
					t.Errorf("want %s; got:\n%s", w, describeReport(rep))
				}
			}
			if rep.ExitCode() != posture.ExitFindings {
				t.Errorf("exit code %d, want 1", rep.ExitCode())
			}
		})
	}
	for id := range liveOnly {
		if _, ok := posture.LookupCheck(id); !ok {
			t.Errorf("liveOnly names unknown check %s", id)
		}
	}
	entries, _ := os.ReadDir(filepath.Join("testdata", "broken"))
	for _, e := range entries {
		if _, ok := posture.LookupCheck(strings.TrimSuffix(e.Name(), ".txtar")); !ok {
			t.Errorf("fixture %s names no check", e.Name())
		}
	}
}

// cleanDeployment is a small native deployment that passes every static check.
func cleanDeployment(t *testing.T) string {
	t.Helper()
	dir := t.TempDir()
	root, err := testbin.ModuleRoot()
	if err != nil {
		t.Fatal(err)
	}
	for _, f := range []string{"openclaw.json", "Caddyfile.guard", "Caddyfile.egress", "Corefile", "allowlist.txt", "openclaw-guard.service", "openclaw-gateway.service", "openclaw-egress.service"} {
		b, err := os.ReadFile(filepath.Join(root, "examples", "systemd", f))
		if err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(filepath.Join(dir, f), b, 0o644); err != nil {
			t.Fatal(err)
		}
	}
	if err := os.WriteFile(filepath.Join(dir, "guard_tokens"), []byte("operator 7vQv3s0mJ7nJ1cN0bH8kq5w2eYdR4tUzXyA6pLfGhCi\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	return dir
}

func TestCleanDeploymentExitsZero(t *testing.T) {
	dir := cleanDeployment(t)
	rep := auditDir(t, dir, posture.Options{})
	if rep.ExitCode() != posture.ExitClean || len(rep.Findings) != 0 {
		t.Fatalf("exit %d:\n%s", rep.ExitCode(), describeReport(rep))
	}
	if len(rep.Inputs) != 9 {
		t.Errorf("inputs %v, want the 9 files", rep.Inputs)
	}
}

func TestExitCodes(t *testing.T) {
	dir := cleanDeployment(t)
	if _, _, code := stackaudit(t, "audit", dir); code != 0 {
		t.Errorf("clean: exit %d, want 0", code)
	}
	if err := os.Chmod(filepath.Join(dir, "guard_tokens"), 0o644); err != nil {
		t.Fatal(err)
	}
	out, _, code := stackaudit(t, "audit", dir)
	if code != 1 || !strings.Contains(out, "SECRET_FILE_MODE") {
		t.Errorf("world-readable token file: exit %d, want 1 with SECRET_FILE_MODE:\n%s", code, out)
	}
	out, _, code = stackaudit(t, "audit", filepath.Join(dir, "missing"))
	if code != 2 || !strings.Contains(out, "NOT CHECKED") {
		t.Errorf("missing path: exit %d, want 2 and NOT CHECKED:\n%s", code, out)
	}
	if err := os.WriteFile(filepath.Join(dir, "openclaw.json"), []byte("{gateway: {bind: 'loopback',}"), 0o644); err != nil {
		t.Fatal(err)
	}
	out, _, code = stackaudit(t, "audit", dir)
	if code != 2 || !strings.Contains(out, "openclaw.json: not JSON5 as OpenClaw reads it: line 1") {
		t.Errorf("unparsable openclaw.json: exit %d, want 2 naming the line:\n%s", code, out)
	}
	if _, _, code := stackaudit(t, "audit", "--format", "xml", dir); code != 2 {
		t.Errorf("bad --format: exit %d, want 2", code)
	}
}

func compileSchema(t *testing.T, path, id string) *jsonschema.Schema {
	t.Helper()
	f, err := os.Open(path)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	doc, err := jsonschema.UnmarshalJSON(f)
	if err != nil {
		t.Fatal(err)
	}
	c := jsonschema.NewCompiler()
	if err := c.AddResource(id, doc); err != nil {
		t.Fatal(err)
	}
	s, err := c.Compile(id)
	if err != nil {
		t.Fatal(err)
	}
	return s
}

// TestOutputsMatchTheirSchemas validates the SARIF output against the SARIF
// 2.1.0 schema and the JSON output against docs' report schema, for a report
// with findings, a part that was not checked and a symlink not followed.
func TestOutputsMatchTheirSchemas(t *testing.T) {
	root, err := testbin.ModuleRoot()
	if err != nil {
		t.Fatal(err)
	}
	sarif := compileSchema(t, filepath.Join(root, "scanner", "testdata", "sarif-schema-2.1.0.json"), "sarif-schema-2.1.0.json")
	report := compileSchema(t, filepath.Join("posture", "report.schema.json"), "report.schema.json")

	fx := readFixture(t, filepath.Join("testdata", "broken", "OC_BIND.txtar"))
	dir := fx.materialize(t)
	outside := t.TempDir()
	writeFile(t, filepath.Join(outside, "sshd.service"), "[Service]\nExecStart=/usr/sbin/sshd -D\n", 0o644)
	if err := os.Symlink(filepath.Join(outside, "sshd.service"), filepath.Join(dir, "sshd.service")); err != nil {
		t.Fatal(err)
	}
	a := newAuditor(posture.Options{})
	a.AddPath(dir)
	a.AddPath(filepath.Join(dir, "absent.yml"))
	rep := a.Run(context.Background())
	if len(rep.Findings) == 0 || len(rep.Unavailable) == 0 || len(rep.Skipped) == 0 {
		t.Fatalf("want findings, an unavailable part and a skipped link:\n%s", describeReport(rep))
	}
	for name, tc := range map[string]struct {
		write  func(*bytes.Buffer, *posture.Report) error
		schema *jsonschema.Schema
	}{
		"sarif": {func(b *bytes.Buffer, r *posture.Report) error { return posture.WriteSARIF(b, r) }, sarif},
		"json":  {func(b *bytes.Buffer, r *posture.Report) error { return posture.WriteJSON(b, r) }, report},
	} {
		var b bytes.Buffer
		if err := tc.write(&b, rep); err != nil {
			t.Fatal(err)
		}
		inst, err := jsonschema.UnmarshalJSON(bytes.NewReader(b.Bytes()))
		if err != nil {
			t.Fatalf("%s: %v", name, err)
		}
		if err := tc.schema.Validate(inst); err != nil {
			t.Errorf("%s output does not match its schema: %v\n%s", name, err, b.String())
		}
	}
	var b bytes.Buffer
	_ = posture.WriteSARIF(&b, rep)
	var log struct {
		Runs []struct {
			Results []struct {
				RuleID    string `json:"ruleId"`
				Locations []struct {
					PhysicalLocation struct {
						Region struct{ StartLine int } `json:"region"`
					} `json:"physicalLocation"`
				} `json:"locations"`
			} `json:"results"`
			Invocations []struct{ ExecutionSuccessful bool } `json:"invocations"`
		} `json:"runs"`
	}
	if err := json.Unmarshal(b.Bytes(), &log); err != nil {
		t.Fatal(err)
	}
	r := log.Runs[0]
	if r.Invocations[0].ExecutionSuccessful {
		t.Error("SARIF marks a run with unchecked parts successful")
	}
	if !slices.ContainsFunc(r.Results, func(x struct {
		RuleID    string `json:"ruleId"`
		Locations []struct {
			PhysicalLocation struct {
				Region struct{ StartLine int } `json:"region"`
			} `json:"physicalLocation"`
		} `json:"locations"`
	}) bool {
		return x.RuleID == "OC_BIND" && len(x.Locations) == 1 && x.Locations[0].PhysicalLocation.Region.StartLine == 7
	}) {
		t.Errorf("SARIF lacks OC_BIND at line 7:\n%s", b.String())
	}
}

// TestComposeProfilesAndInterpolation: compose-go interpolates from .env and
// applies profiles; the audit sees every profile unless told otherwise.
func TestComposeProfilesAndInterpolation(t *testing.T) {
	dir := t.TempDir()
	compose := `services:
  app:
    image: ${APP_IMAGE}
    labels: { org.openclaw-secure-stack.role: egress-proxy }
    read_only: true
    cap_drop: [ALL]
    security_opt: ["no-new-privileges:true"]
    user: "65532:65532"
    mem_limit: 64m
    cpus: 0.5
    pids_limit: 64
    healthcheck: { test: ["CMD", "/hc"] }
    networks: [internal]
  debug:
    profiles: [debug]
    image: example.org/debug@sha256:0123456789abcdef0123456789abcdef0123456789abcdef0123456789abcdef
    privileged: true
networks:
  internal: { internal: true }
`
	if err := os.WriteFile(filepath.Join(dir, "docker-compose.yml"), []byte(compose), 0o644); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(filepath.Join(dir, ".env"), []byte("APP_IMAGE=example.org/app:latest\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	rep := auditDir(t, dir, posture.Options{})
	if !hasFinding(rep, dir, "CTR_IMAGE_DIGEST docker-compose.yml:3") {
		t.Errorf("the interpolated image tag is not seen:\n%s", describeReport(rep))
	}
	if !hasFinding(rep, dir, "CTR_PRIVILEGED docker-compose.yml:17") {
		t.Errorf("a service in a profile is not audited by default:\n%s", describeReport(rep))
	}
	rep = auditDir(t, dir, posture.Options{Profiles: []string{"prod"}})
	if hasFinding(rep, dir, "CTR_PRIVILEGED") {
		t.Errorf("--profile prod audits the debug profile:\n%s", describeReport(rep))
	}
	if err := os.WriteFile(filepath.Join(dir, ".env"), []byte("APP_IMAGE=example.org/app@sha256:0123456789abcdef0123456789abcdef0123456789abcdef0123456789abcdef\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	rep = auditDir(t, dir, posture.Options{Profiles: []string{"prod"}})
	if rep.ExitCode() != 0 {
		t.Errorf("pinned by digest through .env, prod profile: want clean:\n%s", describeReport(rep))
	}
}

// TestSkillsAgainstTheQuarantineDatabase: a blocked skill that quarantine
// recorded and left in place is reported from the database; an override of
// its exact hash clears it.
func TestSkillsAgainstTheQuarantineDatabase(t *testing.T) {
	root, _ := testbin.ModuleRoot()
	dir := t.TempDir()
	skills := filepath.Join(dir, "workspace", "skills")
	copyTree(t, filepath.Join(root, "scanner", "testdata", "skills", "mal-stealer-js"), filepath.Join(skills, "mal-stealer-js"))
	db := filepath.Join(dir, "state", "quarantine.db")
	q := func(args ...string) string {
		cmdArgs := append([]string{args[0], "--db", db}, args[1:]...)
		out, err := exec.Command(testbin.Path(t, "quarantine"), cmdArgs...).CombinedOutput()
		if err != nil && !strings.Contains(err.Error(), "exit status 1") {
			t.Fatalf("quarantine %v: %v\n%s", args, err, out)
		}
		return string(out)
	}
	q("scan", skills) // records it as blocked, leaves it in place
	cfg := strings.ReplaceAll(`{gateway: {bind: "loopback"}, agents: {defaults: {workspace: "$W"}},
  security: {installPolicy: {enabled: true, targets: ["skill", "plugin"],
    exec: {source: "exec", command: "/usr/local/bin/quarantine", args: ["policy", "--db", "$DB"]}}}}`, "$W", filepath.Join(dir, "workspace"))
	cfg = strings.ReplaceAll(cfg, "$DB", db)
	if err := os.WriteFile(filepath.Join(dir, "openclaw.json"), []byte(cfg), 0o644); err != nil {
		t.Fatal(err)
	}
	rep := auditDir(t, filepath.Join(dir, "openclaw.json"), posture.Options{})
	if !slices.ContainsFunc(rep.Findings, func(f posture.Finding) bool { return f.ID == "SKILL_BLOCKED_LOADABLE" && f.File == db }) {
		t.Fatalf("the database's blocked skill is not reported:\n%s", describeReport(rep))
	}
	q("override", "mal-stealer-js", "--ack", "I accept the risk", "--user", "test")
	rep = auditDir(t, filepath.Join(dir, "openclaw.json"), posture.Options{})
	if slices.ContainsFunc(rep.Findings, func(f posture.Finding) bool { return strings.HasPrefix(f.ID, "SKILL_") }) {
		t.Errorf("an overridden skill is still reported:\n%s", describeReport(rep))
	}
}

// TestChecksDocumented keeps docs/stackaudit.md's table true to the catalog.
func TestChecksDocumented(t *testing.T) {
	root, _ := testbin.ModuleRoot()
	doc, err := os.ReadFile(filepath.Join(root, "docs", "stackaudit.md"))
	if err != nil {
		t.Fatal(err)
	}
	for _, c := range posture.Checks {
		row := fmt.Sprintf("| `%s` | %s | %s |", c.ID, c.Group, c.Severity)
		if !strings.Contains(string(doc), row) {
			t.Errorf("docs/stackaudit.md has no row %q", row)
		}
	}
}

func TestGuardDefaultUserHeaderIsTheGuards(t *testing.T) {
	if posture.GuardDefaultUserHeader != controlui.DefaultUserHeader {
		t.Errorf("posture.GuardDefaultUserHeader %q, the guard's control_ui default %q", posture.GuardDefaultUserHeader, controlui.DefaultUserHeader)
	}
}

// TestGuardAlwaysStripsMatchesTheGuard: the headers the posture check takes
// as always removed are the ones the guard's header cleaning removes.
func TestGuardAlwaysStripsMatchesTheGuard(t *testing.T) {
	for _, h := range []string{"X-Forwarded-User", "x-forwarded-email", "X-OpenClaw-Scopes", "Forwarded", "X-Real-IP",
		"X-Auth-User", "Remote-User", "X-Forwarded-For", "X-Forwarded-Host"} {
		if got, want := posture.GuardAlwaysStrips(h), guard.StripsClientHeader(h); got != want {
			t.Errorf("%s: posture says always stripped %v, the guard %v", h, got, want)
		}
	}
}

// TestAllowlistsSpeltTwoWaysAgree: the fixture of ALLOWLIST_DIVERGES with
// the Caddyfile's list holding what the Corefile's holds, in other spellings.
func TestAllowlistsSpeltTwoWaysAgree(t *testing.T) {
	fx := readFixture(t, filepath.Join("testdata", "broken", "ALLOWLIST_DIVERGES.txtar"))
	dir := fx.materialize(t)
	for f, text := range map[string]string{
		"proxy-allowlist.txt": "API.OpenAI.com.\n.münchen.de\n192.0.2.7\n",
		"dns-allowlist.txt":   "api.openai.com\nxn--mnchen-3ya.de\n*.xn--mnchen-3ya.de\n192.0.2.7/32\n",
	} {
		if err := os.WriteFile(filepath.Join(dir, f), []byte(text), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	rep := auditDir(t, dir, posture.Options{})
	if slices.ContainsFunc(rep.Findings, func(f posture.Finding) bool { return f.ID == "ALLOWLIST_DIVERGES" }) {
		t.Errorf("the same list spelt two ways diverges:\n%s", describeReport(rep))
	}
}
