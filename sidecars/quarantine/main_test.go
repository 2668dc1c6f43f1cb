package main

import (
	"bufio"
	"bytes"
	"encoding/json"
	"fmt"
	"io"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"

	"github.com/openclaw-secure-stack/securestack/auditlog"
	"github.com/openclaw-secure-stack/securestack/internal/testbin"
	"github.com/openclaw-secure-stack/securestack/quarantine"
)

// site is a skill directory and a state directory for one test, used
// through the real bin/quarantine.
type site struct {
	t      *testing.T
	bin    string
	skills string
	state  string
	rules  string
}

func newSite(t *testing.T) *site {
	t.Helper()
	root := t.TempDir()
	rules, err := filepath.Abs(filepath.Join("testdata", "rules.json"))
	if err != nil {
		t.Fatal(err)
	}
	s := &site{t: t, bin: testbin.Path(t, "quarantine"), skills: filepath.Join(root, "skills"), state: filepath.Join(root, "state"), rules: rules}
	if err := os.Mkdir(s.skills, 0o755); err != nil {
		t.Fatal(err)
	}
	return s
}

func (s *site) db() string { return filepath.Join(s.state, "quarantine.db") }

// add copies a sample from testdata/skills into the skill directory as name.
func (s *site) add(sample, name string) string {
	s.t.Helper()
	dst := filepath.Join(s.skills, name)
	if err := os.CopyFS(dst, os.DirFS(filepath.Join("testdata", "skills", sample))); err != nil {
		s.t.Fatal(err)
	}
	return dst
}

// write creates a one-file skill whose SKILL.md holds body.
func (s *site) write(name, body string) string {
	s.t.Helper()
	dir := filepath.Join(s.skills, name)
	if err := os.MkdirAll(dir, 0o755); err != nil {
		s.t.Fatal(err)
	}
	md := "---\nname: " + name + "\ndescription: a skill written by the quarantine tests\n---\n" + body + "\n"
	if err := os.WriteFile(filepath.Join(dir, "SKILL.md"), []byte(md), 0o644); err != nil {
		s.t.Fatal(err)
	}
	return dir
}

type outcome struct {
	stdout, stderr string
	code           int
}

// run runs bin/quarantine with QUARANTINE_DB pointing into the site.
func (s *site) run(stdin string, args ...string) outcome {
	s.t.Helper()
	cmd := exec.Command(s.bin, args...)
	cmd.Env = append(os.Environ(), "QUARANTINE_DB="+s.db(), "QUARANTINE_DIR=", "QUARANTINE_AUDIT_LOG=", "QUARANTINE_AUDIT_KEY=")
	cmd.Stdin = strings.NewReader(stdin)
	var out, errb bytes.Buffer
	cmd.Stdout, cmd.Stderr = &out, &errb
	err := cmd.Run()
	code := 0
	if ee, ok := err.(*exec.ExitError); ok {
		code = ee.ExitCode()
	} else if err != nil {
		s.t.Fatal(err)
	}
	return outcome{out.String(), errb.String(), code}
}

func (s *site) list() []quarantine.Skill {
	s.t.Helper()
	o := s.run("", "list", "--format", "json")
	var got struct{ Skills []quarantine.Skill }
	if o.code != 0 || json.Unmarshal([]byte(o.stdout), &got) != nil {
		s.t.Fatalf("list: %+v", o)
	}
	return got.Skills
}

func (s *site) status(name string) quarantine.Status {
	for _, sk := range s.list() {
		if sk.Name == name && sk.Status != quarantine.Removed {
			return sk.Status
		}
	}
	return ""
}

func TestExitStatus(t *testing.T) {
	s := newSite(t)
	weather := s.add("weather", "weather")
	evil := s.add("evil-prereq", "evil-prereq")
	warned := s.write("chatty", "QUARANTINE-TEST-WARN")
	cases := []struct {
		name  string
		stdin string
		args  []string
		code  int
		out   string // in stdout
		err   string // in stderr
	}{
		{"a clean scan exits 0", "", []string{"scan", weather}, 0, "ALLOW  weather", ""},
		{"a scan with a warning exits 1", "", []string{"scan", "--rules", s.rules, warned}, 1, "WARN  chatty", ""},
		{"a scan that blocks exits 1", "", []string{"scan", "--format", "json", evil}, 1, `"verdict": "block"`, ""},
		{"a SARIF report", "", []string{"scan", "--format", "sarif", weather}, 0, `"version": "2.1.0"`, ""},
		{"an unknown command exits 2", "", []string{"frobnicate"}, 2, "", "unknown command"},
		{"no command exits 2", "", nil, 2, "", "usage"},
		{"an unknown flag exits 2", "", []string{"scan", "--bogus", weather}, 2, "", "flag provided but not defined"},
		{"a bad format exits 2", "", []string{"scan", "--format", "xml", weather}, 2, "", "want text, json or sarif"},
		{"a missing path exits 2", "", []string{"scan", filepath.Join(s.skills, "nope")}, 2, "", "no such file"},
		{"a bad rules file exits 2", "", []string{"scan", "--rules", "/nonexistent/rules.json", weather}, 2, "", "rules"},
		{"list exits 0", "", []string{"list"}, 0, "evil-prereq", ""},
		{"show of an unknown skill exits 2", "", []string{"show", "nope"}, 2, "", "no such skill"},
		{"show of a known skill exits 0", "", []string{"show", "evil-prereq"}, 0, "OBF_ENCODED_PAYLOAD", ""},
		{"override without the exact phrase exits 2", "", []string{"override", "evil-prereq", "--user", "alice", "--ack", "I accept the risk."}, 2, "", `"I accept the risk"`},
		{"override without a user exits 2", "", []string{"override", "evil-prereq", "--ack", "I accept the risk"}, 2, "", "--user"},
		{"release of a skill that is not quarantined exits 2", "", []string{"release", "evil-prereq"}, 2, "", "not quarantined"},
		{"rescan with an argument exits 2", "", []string{"rescan", "x"}, 2, "", "no arguments"},
		{"watch of a missing directory exits 2", "", []string{"watch", filepath.Join(s.skills, "nope")}, 2, "", "not a directory"},
		{"policy with garbage exits 2 and still blocks", "{", []string{"policy"}, 2, `"decision":"block"`, "policy request"},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			o := s.run(c.stdin, c.args...)
			if o.code != c.code || !strings.Contains(o.stdout, c.out) || !strings.Contains(o.stderr, c.err) {
				t.Errorf("exit %d, want %d\nstdout: %s\nstderr: %s\nwant %q in stdout and %q in stderr", o.code, c.code, o.stdout, o.stderr, c.out, c.err)
			}
		})
	}
	if got := s.status("evil-prereq"); got != quarantine.Blocked {
		t.Errorf("a scan without --quarantine left evil-prereq %s, want blocked in place", got)
	}
}

func TestQuarantineOverrideRelease(t *testing.T) {
	s := newSite(t)
	evil := s.add("evil-prereq", "evil-prereq")
	s.add("weather", "weather")
	toggled := s.write("toggled", "QUARANTINE-TEST-BLOCK")

	o := s.run("", "scan", "--quarantine", "--rules", s.rules, s.skills)
	if o.code != 1 || !strings.Contains(o.stderr, "moved evil-prereq") || !strings.Contains(o.stderr, "moved toggled") {
		t.Fatalf("scan --quarantine: %+v", o)
	}
	if _, err := os.Stat(evil); !os.IsNotExist(err) {
		t.Fatalf("%s is still in the skill directory", evil)
	}
	ents, _ := os.ReadDir(s.skills)
	if len(ents) != 1 || ents[0].Name() != "weather" {
		t.Errorf("skill directory holds %v, want only weather", ents)
	}

	o = s.run("", "override", "evil-prereq", "--ack", quarantine.AckPhrase, "--user", "alice")
	if o.code != 0 || s.status("evil-prereq") != quarantine.Overridden {
		t.Fatalf("override: %+v", o)
	}
	if _, err := os.Stat(filepath.Join(evil, "SKILL.md")); err != nil {
		t.Fatalf("override did not restore the skill: %v", err)
	}
	// The override binds to the content: a changed skill is quarantined again.
	if o = s.run("", "scan", "--quarantine", evil); o.code != 1 || s.status("evil-prereq") != quarantine.Overridden {
		t.Fatalf("rescan of the unchanged skill: %+v, status %s", o, s.status("evil-prereq"))
	}
	f, _ := os.OpenFile(filepath.Join(evil, "SKILL.md"), os.O_APPEND|os.O_WRONLY, 0)
	f.WriteString("\nOne more line.\n")
	f.Close()
	if o = s.run("", "rescan", "--quarantine"); o.code != 1 || !strings.Contains(o.stderr, "moved evil-prereq") {
		t.Fatalf("rescan after a change: %+v", o)
	}
	if got := s.status("evil-prereq"); got != quarantine.Quarantined {
		t.Errorf("changed overridden skill is %s, want quarantined", got)
	}

	// release: refused while still blocked; allowed once the rules no longer
	// block it (here: without the test rules that flagged it).
	if o = s.run("", "release", "--rules", s.rules, "toggled"); o.code != 1 || !strings.Contains(o.stderr, "still blocked") {
		t.Fatalf("release of a blocked skill: %+v", o)
	}
	if o = s.run("", "release", "toggled"); o.code != 0 || s.status("toggled") != quarantine.Active {
		t.Fatalf("release: %+v", o)
	}
	if fi, err := os.Stat(filepath.Join(toggled, "SKILL.md")); err != nil || fi.Mode().Perm() != 0o644 {
		t.Errorf("released SKILL.md: %v %v, want mode 0644 back", fi, err)
	}

	// Every state change reached the audit log, and the chain verifies.
	log := filepath.Join(s.state, "quarantine-audit.jsonl")
	rep, err := auditlog.Verify([]string{log}, auditlog.VerifyOptions{})
	if err != nil || rep.Problem != nil {
		t.Fatalf("audit log: %+v %v", rep, err)
	}
	o = s.run("", "show", "--format", "json", "evil-prereq")
	var shown struct {
		Events []quarantine.Event
		Moves  []quarantine.Move
	}
	if err := json.Unmarshal([]byte(o.stdout), &shown); err != nil {
		t.Fatal(err)
	}
	var kinds []string
	for _, e := range shown.Events {
		kinds = append(kinds, e.Kind+":"+string(e.Outcome))
		if !e.Audited {
			t.Errorf("event %d not audited", e.ID)
		}
	}
	want := "quarantine.scan:blocked quarantine.move:quarantined quarantine.override:overridden quarantine.move:restored quarantine.scan:blocked quarantine.move:quarantined"
	if strings.Join(kinds, " ") != want {
		t.Errorf("events:\n%s\nwant:\n%s", strings.Join(kinds, " "), want)
	}
	if len(shown.Moves) != 3 {
		t.Errorf("%d moves, want 3", len(shown.Moves))
	}
}

func TestConcurrentScans(t *testing.T) {
	s := newSite(t)
	const procs = 8
	var paths []string
	for i := range procs {
		paths = append(paths, s.write(fmt.Sprintf("clean-%d", i), fmt.Sprintf("Say hello %d times.", i)))
		paths = append(paths, s.write(fmt.Sprintf("bad-%d", i), fmt.Sprintf("QUARANTINE-TEST-BLOCK %d", i)))
	}
	// Each process scans every skill, starting at a different one.
	var wg sync.WaitGroup
	results := make([]outcome, procs)
	for i := range procs {
		wg.Add(1)
		go func() {
			defer wg.Done()
			args := []string{"scan", "--quarantine", "--format", "json", "--rules", s.rules}
			args = append(args, paths[2*i:]...)
			args = append(args, paths[:2*i]...)
			results[i] = s.run("", args...)
		}()
	}
	wg.Wait()
	// A process exits 0 when the others had moved every blocked skill
	// before it got to them; never 2.
	blocked := 0
	for i, o := range results {
		if o.code == 1 {
			blocked++
		}
		if o.code == 2 || strings.Contains(o.stderr, "locked") || strings.Contains(o.stderr, "BUSY") {
			t.Errorf("process %d: exit %d\n%s", i, o.code, o.stderr)
		}
	}
	if blocked == 0 {
		t.Error("no process reported a blocked skill")
	}
	skills := s.list()
	if len(skills) != 2*procs {
		t.Errorf("%d rows, want %d", len(skills), 2*procs)
	}
	seen := map[string]bool{}
	for _, sk := range skills {
		if seen[sk.Name] {
			t.Errorf("two rows for %s", sk.Name)
		}
		seen[sk.Name] = true
		want := quarantine.Active
		if strings.HasPrefix(sk.Name, "bad-") {
			want = quarantine.Quarantined
		}
		if sk.Status != want {
			t.Errorf("%s is %s, want %s", sk.Name, sk.Status, want)
		}
		if want == quarantine.Quarantined {
			if _, err := os.Stat(filepath.Join(sk.QuarantinePath, "SKILL.md")); err != nil {
				t.Errorf("%s: quarantined copy missing: %v", sk.Name, err)
			}
			o := s.run("", "show", "--format", "json", fmt.Sprint(sk.ID))
			var shown struct{ Moves []quarantine.Move }
			json.Unmarshal([]byte(o.stdout), &shown)
			if len(shown.Moves) != 1 || shown.Moves[0].State != "done" {
				t.Errorf("%s: moves %+v, want exactly one, done", sk.Name, shown.Moves)
			}
		}
	}
	ents, _ := os.ReadDir(s.skills)
	if len(ents) != procs {
		t.Errorf("the skill directory holds %d entries, want the %d clean skills", len(ents), procs)
	}
	rep, err := auditlog.Verify([]string{filepath.Join(s.state, "quarantine-audit.jsonl")}, auditlog.VerifyOptions{})
	// One scan event per skill, one move per blocked one.
	if err != nil || rep.Problem != nil || rep.Records != 3*procs {
		t.Errorf("audit log: %d records (want %d), problem %v, %v", rep.Records, 3*procs, rep.Problem, err)
	}
}

func TestDamagedDatabase(t *testing.T) {
	for _, c := range []struct {
		name   string
		damage func(t *testing.T, db string)
	}{
		{"a file of garbage", func(t *testing.T, db string) {
			os.Remove(db + "-wal")
			os.Remove(db + "-shm")
			if err := os.WriteFile(db, bytes.Repeat([]byte("garbage!"), 1024), 0o600); err != nil {
				t.Fatal(err)
			}
		}},
		{"a directory", func(t *testing.T, db string) {
			for _, p := range []string{db, db + "-wal", db + "-shm"} {
				os.Remove(p)
			}
			if err := os.Mkdir(db, 0o700); err != nil {
				t.Fatal(err)
			}
		}},
	} {
		t.Run(c.name+" gives a clear message and exit 2, and nothing moves", func(t *testing.T) {
			s := newSite(t)
			evil := s.add("evil-prereq", "evil-prereq")
			if o := s.run("", "list"); o.code != 0 {
				t.Fatalf("creating the database: %+v", o)
			}
			c.damage(t, s.db())
			for _, args := range [][]string{{"scan", "--quarantine", evil}, {"list"}, {"rescan", "--quarantine"}} {
				o := s.run("", args...)
				if o.code != 2 || !strings.Contains(o.stderr, s.db()) || !strings.Contains(o.stderr, "cannot be used") || !strings.Contains(o.stderr, "restore a backup") {
					t.Errorf("%v: exit %d\n%s", args, o.code, o.stderr)
				}
			}
			o := s.run(`{"protocolVersion":1,"targetName":"evil","targetType":"skill","sourcePath":"`+evil+`","sourcePathKind":"directory"}`, "policy")
			if o.code != 2 || !strings.Contains(o.stdout, `"decision":"block"`) || !strings.Contains(o.stdout, "cannot be used") {
				t.Errorf("policy: %+v", o)
			}
			if _, err := os.Stat(filepath.Join(evil, "SKILL.md")); err != nil {
				t.Errorf("the skill moved: %v", err)
			}
			if ents, _ := os.ReadDir(filepath.Join(s.state, "quarantined")); len(ents) != 0 {
				t.Errorf("the quarantine directory holds %v", ents)
			}
		})
	}
}

func TestPolicy(t *testing.T) {
	s := newSite(t)
	stage := t.TempDir()
	copySample := func(sample string) string {
		dst := filepath.Join(stage, sample)
		if err := os.CopyFS(dst, os.DirFS(filepath.Join("testdata", "skills", sample))); err != nil {
			t.Fatal(err)
		}
		return dst
	}
	request := func(path, kind string) string {
		b, _ := json.Marshal(map[string]any{"protocolVersion": 1, "openclawVersion": "2026.9.6", "targetName": filepath.Base(path),
			"targetType": "skill", "sourcePath": path, "sourcePathKind": kind,
			"source": map[string]any{"kind": "local-path", "authority": "user", "mutable": true, "network": false},
			"origin": map[string]any{"type": "path", "spec": path}, "request": map[string]any{"kind": "skill-install", "mode": "install"}})
		return string(b)
	}
	type reply struct {
		ProtocolVersion int
		Decision        string
		Reason          string
		Findings        []quarantine.PolicyFinding
	}
	ask := func(stdin string, args ...string) (reply, outcome) {
		o := s.run(stdin, append([]string{"policy"}, args...)...)
		var r reply
		if err := json.Unmarshal([]byte(o.stdout), &r); err != nil {
			t.Fatalf("reply is not JSON: %v\n%+v", err, o)
		}
		if r.ProtocolVersion != 1 || r.Findings == nil || (r.Decision != "allow" && r.Reason == "") {
			t.Errorf("reply breaks the protocol: %s", o.stdout)
		}
		return r, o
	}
	weather, evil, exfil := copySample("weather"), copySample("evil-prereq"), copySample("evil-exfil")
	warned := filepath.Join(stage, "chatty")
	os.Mkdir(warned, 0o755)
	os.WriteFile(filepath.Join(warned, "SKILL.md"), []byte("---\nname: chatty\ndescription: x\n---\nQUARANTINE-TEST-WARN\n"), 0o644)

	for _, c := range []struct {
		name, stdin string
		args        []string
		decision    string
		code        int
		contains    string
	}{
		{"a benign skill is allowed", request(weather, "directory"), nil, "allow", 0, ""},
		{"a ClawHavoc-style prerequisite is blocked", request(evil, "directory"), nil, "block", 0, "OBF_ENCODED_PAYLOAD"},
		{"a credential exfiltration is blocked", request(exfil, "directory"), nil, "block", 0, "CHAIN_EXFILTRATION"},
		{"a warning warns", request(warned, "directory"), []string{"--rules", s.rules}, "warn", 0, "TEST_WARN_MARKER"},
		{"a missing source is blocked with exit 2", request(filepath.Join(stage, "nope"), "directory"), nil, "block", 2, "cannot read the staged skill"},
		{"a directory sent as a file is blocked with exit 2", request(weather, "file"), nil, "block", 2, "not a file"},
		{"a request of another protocol is blocked with exit 2", `{"protocolVersion":2}`, nil, "block", 2, "protocolVersion 2"},
		{"an argument is blocked with exit 2", request(weather, "directory"), []string{"extra"}, "block", 2, "no arguments"},
	} {
		t.Run(c.name, func(t *testing.T) {
			r, o := ask(c.stdin, c.args...)
			all, _ := json.Marshal(r)
			if r.Decision != c.decision || o.code != c.code || !strings.Contains(string(all), c.contains) {
				t.Errorf("decision %s exit %d, want %s exit %d containing %q\n%s\n%s", r.Decision, o.code, c.decision, c.code, c.contains, o.stdout, o.stderr)
			}
			for _, f := range r.Findings {
				if f.Severity != "info" && f.Severity != "warn" && f.Severity != "critical" {
					t.Errorf("finding severity %q", f.Severity)
				}
			}
		})
	}
	t.Run("an override admits exactly the reviewed content", func(t *testing.T) {
		installed := s.add("evil-prereq", "evil-prereq")
		s.run("", "scan", installed)
		if o := s.run("", "override", "evil-prereq", "--user", "alice", "--ack", quarantine.AckPhrase); o.code != 0 {
			t.Fatal(o)
		}
		if r, _ := ask(request(evil, "directory")); r.Decision != "allow" || !strings.Contains(r.Reason, "override") {
			t.Errorf("same bytes: %+v", r)
		}
		os.WriteFile(filepath.Join(evil, "extra.txt"), []byte("x"), 0o644)
		if r, _ := ask(request(evil, "directory")); r.Decision != "block" {
			t.Errorf("changed bytes: %+v", r)
		}
	})
	t.Run("every decision is recorded and audited", func(t *testing.T) {
		rep, err := auditlog.Verify([]string{filepath.Join(s.state, "quarantine-audit.jsonl")}, auditlog.VerifyOptions{})
		if err != nil || rep.Problem != nil || rep.Records < 6 {
			t.Errorf("audit log: %+v %v", rep, err)
		}
	})
	t.Run("without a database location it blocks with exit 2", func(t *testing.T) {
		cmd := exec.Command(s.bin, "policy")
		cmd.Env = []string{} // as OpenClaw runs it without passEnv
		cmd.Stdin = strings.NewReader(request(weather, "directory"))
		out, err := cmd.Output()
		ee, _ := err.(*exec.ExitError)
		if ee == nil || ee.ExitCode() != 2 || !strings.Contains(string(out), `"decision":"block"`) || !strings.Contains(string(out), "QUARANTINE_DB") {
			t.Errorf("%s %v", out, err)
		}
	})
}

func TestWatch(t *testing.T) {
	s := newSite(t)
	s.add("weather", "weather")
	cmd := exec.Command(s.bin, "watch", "--debounce", "200ms", "--rules", s.rules, s.skills)
	cmd.Env = append(os.Environ(), "QUARANTINE_DB="+s.db())
	stderr, err := cmd.StderrPipe()
	if err != nil {
		t.Fatal(err)
	}
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	defer cmd.Process.Kill()
	logged := make(chan string, 100)
	go func() {
		sc := bufio.NewScanner(stderr)
		for sc.Scan() {
			logged <- sc.Text()
		}
		close(logged)
	}()
	var logs []string
	waitLog := func(what string) {
		t.Helper()
		deadline := time.After(30 * time.Second)
		for {
			select {
			case l, ok := <-logged:
				if !ok {
					t.Fatalf("watch exited before logging %q:\n%s", what, strings.Join(logs, "\n"))
				}
				logs = append(logs, l)
				if strings.Contains(l, what) {
					return
				}
			case <-deadline:
				t.Fatalf("no %q in the log within 30s:\n%s", what, strings.Join(logs, "\n"))
			}
		}
	}
	waitLog("msg=watching")
	waitLog("skill=weather")

	// A malicious skill copied in is quarantined.
	evil := s.add("evil-prereq", "evil-prereq")
	waitLog("msg=quarantined")
	if _, err := os.Stat(evil); !os.IsNotExist(err) {
		t.Errorf("%s is still there", evil)
	}
	// A change inside a clean skill is noticed too.
	if err := os.WriteFile(filepath.Join(s.skills, "weather", "scripts", "note.txt"), []byte("QUARANTINE-TEST-BLOCK\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	waitLog("msg=quarantined skill=weather")

	if err := cmd.Process.Signal(syscall.SIGTERM); err != nil {
		t.Fatal(err)
	}
	for range logged {
	}
	if err := cmd.Wait(); err != nil {
		t.Errorf("watch did not exit 0 on SIGTERM: %v", err)
	}
	if got := s.status("evil-prereq"); got != quarantine.Quarantined {
		t.Errorf("evil-prereq is %s", got)
	}
	if got := s.status("weather"); got != quarantine.Quarantined {
		t.Errorf("weather is %s", got)
	}
	if ents, _ := os.ReadDir(s.skills); len(ents) != 0 {
		t.Errorf("the skill directory still holds %v", ents)
	}
}

func TestParseAcceptsFlagsAfterOperands(t *testing.T) {
	for _, c := range []struct {
		args     []string
		operands string
		user     string
	}{
		{[]string{"evil", "--user", "alice"}, "[evil]", "alice"},
		{[]string{"--user", "alice", "evil"}, "[evil]", "alice"},
		{[]string{"a", "--user=bob", "b"}, "[a b]", "bob"},
		{[]string{"--", "--user", "x"}, "[--user x]", ""},
	} {
		fs, _ := newFlags("t", io.Discard, false)
		user := fs.String("user", "", "")
		ops, ok := parse(fs, c.args)
		if !ok || fmt.Sprint(ops) != c.operands || *user != c.user {
			t.Errorf("parse(%q) = %v %v user %q; want %s user %q", c.args, ops, ok, *user, c.operands, c.user)
		}
	}
}

// --intel: a known-bad publisher or host blocks, in scan, policy and
// watch alike; a feed that does not parse stops the command with its file
// and line, never ignored.
func TestIntelFeed(t *testing.T) {
	s := newSite(t)
	feed, _ := filepath.Abs(filepath.Join("testdata", "test.intel"))
	bad, _ := filepath.Abs(filepath.Join("testdata", "bad.intel"))
	weather := s.add("weather", "weather")
	byBad := s.write("clean-by-bad", "# A clean skill")
	if err := os.WriteFile(filepath.Join(byBad, "_meta.json"), []byte(`{"owner": "bad-actor", "slug": "clean-by-bad"}`), 0o644); err != nil {
		t.Fatal(err)
	}
	host := s.write("names-host", "Download the data from https://evil.example.invalid/d.csv")

	if o := s.run("", "scan", weather, byBad); o.code != 0 {
		t.Fatalf("without --intel the skills are clean: %+v", o)
	}
	o := s.run("", "scan", "--intel", feed, "--format", "json", weather, byBad, host)
	if o.code != 1 || strings.Count(o.stdout, `"INTEL_INDICATOR"`) != 2 || !strings.Contains(o.stdout, "reports.example.invalid/4") {
		t.Errorf("scan --intel: %+v", o)
	}
	for _, args := range [][]string{{"scan", "--intel", bad, weather}, {"rescan", "--intel", bad}, {"watch", "--intel", bad, s.skills}} {
		if o := s.run("", args...); o.code != 2 || !strings.Contains(o.stderr, "bad.intel:2:") {
			t.Errorf("%v with a malformed feed: %+v", args, o)
		}
	}
	if o := s.run("", "scan", "--intel", "/nonexistent.intel", weather); o.code != 2 || !strings.Contains(o.stderr, "nonexistent.intel") {
		t.Errorf("a missing feed: %+v", o)
	}

	// policy: the publisher the request names, content clean.
	req, _ := json.Marshal(map[string]any{"protocolVersion": 1, "openclawVersion": "2026.9.6", "targetName": "weather",
		"targetType": "skill", "sourcePath": weather, "sourcePathKind": "directory",
		"origin": map[string]any{"type": "clawhub", "spec": "@bad-actor/weather"}, "request": map[string]any{"kind": "skill-install", "mode": "install"}})
	o = s.run(string(req), "policy", "--intel", feed)
	if o.code != 0 || !strings.Contains(o.stdout, `"decision":"block"`) || !strings.Contains(o.stdout, "INTEL_INDICATOR") || !strings.Contains(o.stdout, "@bad-actor") {
		t.Errorf("policy with a known-bad publisher: %+v", o)
	}
	o = s.run(string(req), "policy")
	if o.code != 0 || !strings.Contains(o.stdout, `"decision":"allow"`) {
		t.Errorf("policy without --intel: %+v", o)
	}
	o = s.run(string(req), "policy", "--intel", bad)
	if o.code != 2 || !strings.Contains(o.stdout, `"decision":"block"`) || !strings.Contains(o.stdout, "bad.intel:2") {
		t.Errorf("policy with a malformed feed blocks and says where: %+v", o)
	}
}
