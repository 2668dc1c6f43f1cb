package main

import (
	"bytes"
	"encoding/json"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"

	"github.com/openclaw-secure-stack/securestack/auditlog"
	"github.com/openclaw-secure-stack/securestack/internal/testbin"
)

// writeLog writes n events to dir/audit.jsonl through the real writer and
// returns the paths of all its files, oldest first.
func writeLog(t *testing.T, dir string, n int, opts auditlog.Options) []string {
	t.Helper()
	path := filepath.Join(dir, "audit.jsonl")
	l, err := auditlog.Open(path, opts)
	if err != nil {
		t.Fatal(err)
	}
	for i := 0; i < n; i++ {
		if err := l.Write(auditlog.Event{Event: "http.request", ClientIP: "127.0.0.1", Outcome: "allowed", Fields: map[string]any{"i": i}}); err != nil {
			t.Fatal(err)
		}
	}
	if err := l.Close(); err != nil {
		t.Fatal(err)
	}
	files, _ := filepath.Glob(path + ".0*")
	return append(files, path)
}

// stackaudit runs the built binary and returns its stdout, stderr and exit code.
func stackaudit(t *testing.T, args ...string) (string, string, int) {
	t.Helper()
	cmd := exec.Command(testbin.Path(t, "stackaudit"), args...)
	var stdout, stderr bytes.Buffer
	cmd.Stdout, cmd.Stderr = &stdout, &stderr
	err := cmd.Run()
	if _, ok := err.(*exec.ExitError); err != nil && !ok {
		t.Fatal(err)
	}
	return stdout.String(), stderr.String(), cmd.ProcessState.ExitCode()
}

// editLine applies edit to line n (1-based) of path.
func editLine(t *testing.T, path string, n int, edit func(string) string) {
	t.Helper()
	b, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	lines := strings.SplitAfter(string(b), "\n")
	lines[n-1] = edit(lines[n-1])
	if err := os.WriteFile(path, []byte(strings.Join(lines, "")), 0o600); err != nil {
		t.Fatal(err)
	}
}

func TestVerifyLog(t *testing.T) {
	dir := t.TempDir()
	key := filepath.Join(dir, "audit.key")
	os.WriteFile(key, []byte("0123456789abcdef0123456789abcdef\n"), 0o600)

	type result struct {
		code   int
		stdout []string // substrings
		stderr []string
	}
	for _, tc := range []struct {
		name  string
		setup func(t *testing.T, dir string) []string // returns args
		want  result
	}{
		{"an intact log exits 0", func(t *testing.T, dir string) []string {
			return writeLog(t, dir, 20, auditlog.Options{})
		}, result{0, []string{"OK: 20 records, seq 1 to 20"}, nil}},
		{"an intact log checked against its checkpoint exits 0", func(t *testing.T, dir string) []string {
			files := writeLog(t, dir, 20, auditlog.Options{})
			return append([]string{"--checkpoint", files[0] + ".checkpoint"}, files...)
		}, result{0, []string{"checkpoint seq 20 matches"}, nil}},
		{"an edited record exits 1 naming file, line and seq", func(t *testing.T, dir string) []string {
			files := writeLog(t, dir, 20, auditlog.Options{})
			editLine(t, files[0], 7, func(s string) string { return strings.Replace(s, "allowed", "blocked", 1) })
			return files
		}, result{1, []string{"TAMPERED: ", "/audit.jsonl:7: seq 7: hash mismatch"}, nil}},
		{"a deleted record exits 1", func(t *testing.T, dir string) []string {
			files := writeLog(t, dir, 20, auditlog.Options{})
			editLine(t, files[0], 12, func(string) string { return "" })
			return files
		}, result{1, []string{"TAMPERED: ", ":12: seq 13: seq 13 follows seq 11"}, nil}},
		{"a truncated tail exits 1 with the checkpoint", func(t *testing.T, dir string) []string {
			files := writeLog(t, dir, 20, auditlog.Options{})
			editLine(t, files[0], 20, func(string) string { return "" })
			return append([]string{"--checkpoint", files[0] + ".checkpoint"}, files...)
		}, result{1, []string{"TRUNCATED: ", "ends at seq 19 but the checkpoint", "names seq 20"}, nil}},
		{"a torn tail is a warning and exits 0", func(t *testing.T, dir string) []string {
			files := writeLog(t, dir, 20, auditlog.Options{})
			f, _ := os.OpenFile(files[0], os.O_WRONLY|os.O_APPEND, 0)
			f.WriteString(`{"seq":21,"prev":"ab`)
			f.Close()
			return files
		}, result{0, []string{"warning: torn tail: ", ":21: 20 bytes", "OK: 20 records"}, nil}},
		{"rotated files given in any order verify across files", func(t *testing.T, dir string) []string {
			files := writeLog(t, dir, 60, auditlog.Options{RotateSize: 2048})
			if len(files) < 3 {
				t.Fatalf("rotation made only %v", files)
			}
			return append([]string{"--exact"}, append(files[1:], files[0])...)
		}, result{0, []string{"OK: 60 records, seq 1 to 60"}, nil}},
		{"the active file alone brings its rotated siblings", func(t *testing.T, dir string) []string {
			files := writeLog(t, dir, 60, auditlog.Options{RotateSize: 2048})
			return files[len(files)-1:]
		}, result{0, []string{"OK: 60 records, seq 1 to 60"}, nil}},
		{"--exact checks only the files named", func(t *testing.T, dir string) []string {
			files := writeLog(t, dir, 60, auditlog.Options{RotateSize: 2048})
			return []string{"--exact", files[len(files)-1]}
		}, result{1, []string{"MISSING: ", "the chain starts at seq"}, nil}},
		{"a missing middle file exits 1", func(t *testing.T, dir string) []string {
			files := writeLog(t, dir, 60, auditlog.Options{RotateSize: 2048})
			os.Remove(files[1])
			return files[len(files)-1:]
		}, result{1, []string{"MISSING: ", "a rotated file is missing"}, nil}},
		{"an HMAC log verifies with its key", func(t *testing.T, dir string) []string {
			return append([]string{"--key-file", key}, writeLog(t, dir, 10, auditlog.Options{KeyFile: key})...)
		}, result{0, []string{"OK: 10 records"}, nil}},
		{"an HMAC log does not verify without its key", func(t *testing.T, dir string) []string {
			return writeLog(t, dir, 10, auditlog.Options{KeyFile: key})
		}, result{1, []string{"TAMPERED: ", ":1: seq 1: hash mismatch", "--key-file"}, nil}},
		{"a missing file exits 2", func(t *testing.T, dir string) []string {
			return []string{filepath.Join(dir, "nope.jsonl")}
		}, result{2, nil, []string{"cannot verify", "nope.jsonl"}}},
		{"an unreadable key exits 2", func(t *testing.T, dir string) []string {
			return append([]string{"--key-file", filepath.Join(dir, "nokey")}, writeLog(t, dir, 1, auditlog.Options{})...)
		}, result{2, nil, []string{"key_file"}}},
		{"no files is a usage error", func(t *testing.T, dir string) []string {
			return nil
		}, result{2, nil, []string{"usage: stackaudit verify-log"}}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			args := append([]string{"verify-log"}, tc.setup(t, t.TempDir())...)
			stdout, stderr, code := stackaudit(t, args...)
			if code != tc.want.code {
				t.Fatalf("exit %d, want %d\nstdout: %s\nstderr: %s", code, tc.want.code, stdout, stderr)
			}
			for _, s := range tc.want.stdout {
				if !strings.Contains(stdout, s) {
					t.Errorf("stdout lacks %q:\n%s", s, stdout)
				}
			}
			for _, s := range tc.want.stderr {
				if !strings.Contains(stderr, s) {
					t.Errorf("stderr lacks %q:\n%s", s, stderr)
				}
			}
		})
	}
}

func TestVerifyLogJSON(t *testing.T) {
	dir := t.TempDir()
	files := writeLog(t, dir, 5, auditlog.Options{})
	editLine(t, files[0], 3, func(s string) string {
		return strings.Replace(s, `"client_ip":"127.0.0.1"`, `"client_ip":"10.0.0.1"`, 1)
	})
	stdout, _, code := stackaudit(t, append([]string{"verify-log", "--format", "json"}, files...)...)
	var out struct {
		Status  string
		Records int
		Problem *auditlog.Problem
	}
	if err := json.Unmarshal([]byte(stdout), &out); err != nil {
		t.Fatalf("output is not JSON: %v\n%s", err, stdout)
	}
	if code != 1 || out.Status != "tampered" || out.Records != 2 || out.Problem == nil || out.Problem.Line != 3 || out.Problem.Seq != 3 || out.Problem.File != files[0] {
		t.Fatalf("exit %d, %+v %+v", code, out, out.Problem)
	}

	stdout, _, code = stackaudit(t, "verify-log", "--format", "json", filepath.Join(dir, "missing"))
	if err := json.Unmarshal([]byte(stdout), &out); err != nil || code != 2 || out.Status != "unreadable" {
		t.Fatalf("exit %d, %v, %s", code, err, stdout)
	}
}

func TestUnknownCommand(t *testing.T) {
	_, stderr, code := stackaudit(t, "frobnicate")
	if code != 2 || !strings.Contains(stderr, `unknown command "frobnicate"`) || !strings.Contains(stderr, "verify-log") {
		t.Fatalf("exit %d: %s", code, stderr)
	}
}

// Several logs on one command line are separate chains: each is verified on
// its own, a bad one is named, and the exit status is the worst.
func TestVerifyLogSeveralLogs(t *testing.T) {
	guard := writeLog(t, filepath.Join(t.TempDir()), 30, auditlog.Options{RotateSize: 2048})
	egress := writeLog(t, t.TempDir(), 5, auditlog.Options{})
	dns := writeLog(t, t.TempDir(), 7, auditlog.Options{})
	if len(guard) < 2 {
		t.Fatalf("rotation made only %v", guard)
	}
	active := func(files []string) string { return files[len(files)-1] }

	stdout, stderr, code := stackaudit(t, "verify-log", active(guard), active(egress), active(dns))
	if code != 0 || strings.Count(stdout, "OK: ") != 3 ||
		!strings.Contains(stdout, active(guard)+": OK: 30 records, seq 1 to 30") ||
		!strings.Contains(stdout, active(egress)+": OK: 5 records") || !strings.Contains(stdout, active(dns)+": OK: 7 records") {
		t.Fatalf("three intact logs: exit %d\nstdout: %s\nstderr: %s", code, stdout, stderr)
	}

	// As a shell glob names them: the rotated files beside their active file
	// are that log's, not logs of their own.
	stdout, stderr, code = stackaudit(t, append(append([]string{"verify-log"}, guard...), egress...)...)
	if code != 0 || strings.Count(stdout, "OK: ") != 2 || !strings.Contains(stdout, "OK: 30 records, seq 1 to 30") {
		t.Fatalf("a log with its rotated files and another log: exit %d\nstdout: %s\nstderr: %s", code, stdout, stderr)
	}

	editLine(t, active(egress), 3, func(s string) string { return strings.Replace(s, "allowed", "blocked", 1) })
	stdout, stderr, code = stackaudit(t, "verify-log", active(guard), active(egress), active(dns))
	if code != 1 || !strings.Contains(stdout, active(egress)+": TAMPERED: "+active(egress)+":3: seq 3") ||
		strings.Count(stdout, "OK: ") != 2 {
		t.Fatalf("one tampered log of three: exit %d\nstdout: %s\nstderr: %s", code, stdout, stderr)
	}

	stdout, _, code = stackaudit(t, "verify-log", "--format", "json", active(guard), active(egress), filepath.Join(t.TempDir(), "gone.jsonl"))
	var out struct {
		Status string
		Logs   []struct {
			Log     string
			Status  string
			Records int
			Error   string
		}
	}
	if err := json.Unmarshal([]byte(stdout), &out); err != nil {
		t.Fatalf("output is not one JSON object: %v\n%s", err, stdout)
	}
	if code != 2 || out.Status != "unreadable" || len(out.Logs) != 3 ||
		out.Logs[0].Status != "ok" || out.Logs[0].Records != 30 || out.Logs[0].Log != active(guard) ||
		out.Logs[1].Status != "tampered" || out.Logs[2].Status != "unreadable" || out.Logs[2].Error == "" {
		t.Fatalf("exit %d: %+v", code, out)
	}

	_, stderr, code = stackaudit(t, "verify-log", "--checkpoint", active(guard)+".checkpoint", active(guard), active(dns))
	if code != 2 || !strings.Contains(stderr, "--checkpoint belongs to one log") {
		t.Fatalf("a checkpoint with two logs: exit %d: %s", code, stderr)
	}
}
