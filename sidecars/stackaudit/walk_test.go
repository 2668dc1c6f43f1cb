package main

import (
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"

	"github.com/openclaw-secure-stack/securestack/sidecars/stackaudit/posture"
)

// TestNothingToAuditIsNotAPass: a directory with no deployment file, or with
// only files of other kinds, is not a clean audit but exit 2, in the report
// and from bin/stackaudit.
func TestNothingToAuditIsNotAPass(t *testing.T) {
	empty := t.TempDir()
	other := t.TempDir()
	writeFile(t, filepath.Join(other, "main.go"), "package main\n", 0o644)
	writeFile(t, filepath.Join(other, "README.md"), "# notes\n", 0o644)
	for _, dir := range []string{empty, other} {
		rep := auditDir(t, dir, posture.Options{})
		if rep.ExitCode() != posture.ExitIncomplete || len(rep.Unavailable) != 1 ||
			rep.Unavailable[0].Part != dir || !strings.HasPrefix(rep.Unavailable[0].Reason, "nothing to audit") {
			t.Errorf("%s: want exit 2, nothing to audit:\n%s", dir, describeReport(rep))
		}
	}
	out, _, code := stackaudit(t, "audit", empty)
	if code != 2 || !strings.Contains(out, "[NOT CHECKED] "+empty+": nothing to audit") || !strings.Contains(out, "not a pass") {
		t.Errorf("bin/stackaudit on an empty directory: exit %d, want 2 and nothing to audit:\n%s", code, out)
	}
	// One empty directory among deployment files is still a missing part.
	dep := cleanDeployment(t)
	if _, _, code := stackaudit(t, "audit", dep, empty); code != 2 {
		t.Errorf("a deployment and an empty directory: exit %d, want 2", code)
	}
	if _, _, code := stackaudit(t, "audit", dep); code != 0 {
		t.Errorf("the deployment alone: exit %d, want 0", code)
	}
	// Without PATH only --live is accepted (it checks what runs).
	if _, _, code := stackaudit(t, "audit"); code != 2 {
		t.Errorf("no PATH, no --live: exit %d, want 2", code)
	}
}

func symlink(t *testing.T, target, link string) {
	t.Helper()
	if err := os.Symlink(target, link); err != nil {
		t.Fatal(err)
	}
}

// TestWalkSymlinks: a link inside the audited directory is followed (its
// file audited once, under its own path); a link out of it is listed as
// skipped, not followed; a deployment file's link that leads nowhere is not
// checked.
func TestWalkSymlinks(t *testing.T) {
	dep := cleanDeployment(t)
	outside := t.TempDir()
	// A world-readable token file out of the directory: following it would
	// be a finding.
	writeFile(t, filepath.Join(outside, "other_tokens"), "operator 7vQv3s0mJ7nJ1cN0bH8kq5w2eYdR4tUzXyA6pLfGhCi\n", 0o644)
	writeFile(t, filepath.Join(outside, "sshd.service"), "[Service]\nExecStart=/usr/sbin/sshd -D\n", 0o644)

	wants := filepath.Join(dep, "multi-user.target.wants")
	if err := os.Mkdir(wants, 0o755); err != nil {
		t.Fatal(err)
	}
	symlink(t, "../openclaw-guard.service", filepath.Join(wants, "openclaw-guard.service"))
	symlink(t, filepath.Join(outside, "sshd.service"), filepath.Join(wants, "sshd.service"))
	symlink(t, filepath.Join(outside, "other_tokens"), filepath.Join(dep, "other_tokens"))
	symlink(t, outside, filepath.Join(dep, "elsewhere"))
	symlink(t, ".", filepath.Join(dep, "loop"))
	rep := auditDir(t, dep, posture.Options{})
	if rep.ExitCode() != posture.ExitClean {
		t.Fatalf("exit %d:\n%s", rep.ExitCode(), describeReport(rep))
	}
	if len(rep.Inputs) != 9 {
		t.Errorf("inputs %v: want the 9 files, the alias of the unit not twice", rep.Inputs)
	}
	var skipped []string
	for _, s := range rep.Skipped {
		skipped = append(skipped, strings.TrimPrefix(s.Path, dep+"/"))
	}
	slices.Sort(skipped)
	if want := []string{"elsewhere", "multi-user.target.wants/sshd.service", "other_tokens"}; !slices.Equal(skipped, want) {
		t.Errorf("skipped %v, want %v", skipped, want)
	}

	// Named on the command line, the target is audited.
	out, _, code := stackaudit(t, "audit", dep, filepath.Join(dep, "other_tokens"))
	if code != 1 || !strings.Contains(out, "SECRET_FILE_MODE") {
		t.Errorf("the out-of-tree token file named: exit %d, want 1 with SECRET_FILE_MODE:\n%s", code, out)
	}
	out, _, code = stackaudit(t, "audit", dep)
	if code != 0 || !strings.Contains(out, "[SKIPPED] "+filepath.Join(dep, "other_tokens")+" -> ") || !strings.Contains(out, "3 symlink(s)") {
		t.Errorf("bin/stackaudit: exit %d, want 0 listing the links not followed:\n%s", code, out)
	}

	// A link inside the directory to a weak file is followed: its finding
	// counts.
	inside := filepath.Join(dep, "store")
	if err := os.Mkdir(inside, 0o755); err != nil {
		t.Fatal(err)
	}
	writeFile(t, filepath.Join(inside, "tokens.txt"), "operator 7vQv3s0mJ7nJ1cN0bH8kq5w2eYdR4tUzXyA6pLfGhCi\n", 0o644)
	symlink(t, "store/tokens.txt", filepath.Join(dep, "extra_tokens"))
	rep = auditDir(t, dep, posture.Options{})
	if !slices.ContainsFunc(findingsOf(rep, "SECRET_FILE_MODE"), func(f posture.Finding) bool { return f.File == filepath.Join(dep, "extra_tokens") }) {
		t.Errorf("a token file reached by a link inside the directory was not checked:\n%s", describeReport(rep))
	}

	// A deployment file's link that leads nowhere is a part not checked.
	symlink(t, filepath.Join(outside, "absent.env"), filepath.Join(dep, ".env"))
	rep = auditDir(t, dep, posture.Options{})
	if !unavailableOf(rep, filepath.Join(dep, ".env")) || rep.ExitCode() != posture.ExitIncomplete {
		t.Errorf("a dangling .env: want it not checked, exit 2:\n%s", describeReport(rep))
	}
}

// TestWalkOnlyLinksOut: a directory whose deployment files are all links out
// of it has nothing to audit, and says what it did not follow.
func TestWalkOnlyLinksOut(t *testing.T) {
	dir, outside := t.TempDir(), t.TempDir()
	writeFile(t, filepath.Join(outside, "sshd.service"), "[Service]\nExecStart=/usr/sbin/sshd -D\n", 0o644)
	symlink(t, filepath.Join(outside, "sshd.service"), filepath.Join(dir, "sshd.service"))
	rep := auditDir(t, dir, posture.Options{})
	if rep.ExitCode() != posture.ExitIncomplete || len(rep.Skipped) != 1 || len(rep.Inputs) != 0 {
		t.Errorf("want nothing to audit and one link skipped:\n%s", describeReport(rep))
	}
	// The symlinked directory itself, named, is walked.
	link := filepath.Join(t.TempDir(), "deploy")
	symlink(t, cleanDeployment(t), link)
	if rep := auditDir(t, link, posture.Options{}); rep.ExitCode() != posture.ExitClean || len(rep.Inputs) != 9 {
		t.Errorf("a symlinked deployment directory: exit %d, inputs %v", rep.ExitCode(), rep.Inputs)
	}
}
