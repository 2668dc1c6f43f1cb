package examples

import (
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strings"
	"testing"
)

// dockerCLIs are the distinct Docker CLIs on this machine: docker on PATH
// and Debian's (docker.io) in /usr/bin.
func dockerCLIs(t *testing.T) []string {
	t.Helper()
	var out []string
	seen := map[string]bool{}
	cands := []string{"/usr/bin/docker"}
	if p, err := exec.LookPath("docker"); err == nil {
		cands = append([]string{p}, cands...)
	}
	for _, c := range cands {
		real, err := filepath.EvalSymlinks(c)
		if err != nil || seen[real] {
			continue
		}
		seen[real] = true
		out = append(out, c)
	}
	if len(out) == 0 {
		t.Fatal("no docker CLI: install docker.io (scripts/ensure-deploy-tools.sh does)")
	}
	return out
}

var dockerVersionRE = regexp.MustCompile(`Docker version (\d+\.\d+)`)

// stackLoad loads a stack file as `docker stack deploy` does, without an
// engine: `docker stack config` where the CLI has it (23.0 on), else `docker
// stack deploy` against a socket that does not exist, which loads and
// validates the file before it dials (the error is then the dial's). It
// returns the CLI's output (with `stack config`, the file as loaded) and
// whether the file was accepted.
func stackLoad(t *testing.T, docker, file string) (out string, ok, rendered bool) {
	t.Helper()
	tmp := t.TempDir()
	env := append(os.Environ(), swarmEnv...)
	env = append(env, "DOCKER_CONFIG="+tmp, "DOCKER_HOST=unix://"+filepath.Join(tmp, "absent.sock"))
	help, _ := exec.Command(docker, "stack", "config", "--help").CombinedOutput()
	if strings.Contains(string(help), "--compose-file") {
		cmd := exec.Command(docker, "stack", "config", "-c", file)
		cmd.Env = env
		b, err := cmd.CombinedOutput()
		return string(b), err == nil, true
	}
	cmd := exec.Command(docker, "stack", "deploy", "-c", file, "openclaw-check")
	cmd.Env = env
	b, err := cmd.CombinedOutput()
	if err == nil {
		t.Fatalf("%s stack deploy succeeded without an engine:\n%s", docker, b)
	}
	return string(b), strings.Contains(string(b), "Cannot connect to the Docker daemon"), false
}

// TestSwarmStackLoadsInDockerCLI: every Docker CLI here accepts
// examples/swarm/docker-stack.yml as `docker stack deploy` reads it, with its
// pids limits, and refuses a copy with a bad limit and a copy at a schema
// version that has no pids limit (3.8), so the checks can fail.
func TestSwarmStackLoadsInDockerCLI(t *testing.T) {
	orig, err := os.ReadFile("swarm/docker-stack.yml")
	if err != nil {
		t.Fatal(err)
	}
	dir := t.TempDir()
	write := func(name, body string) string {
		p := filepath.Join(dir, name)
		if err := os.WriteFile(p, []byte(body), 0o644); err != nil {
			t.Fatal(err)
		}
		return p
	}
	badPids := strings.Replace(string(orig), "pids: 256", "pids: lots", 1)
	v38 := strings.Replace(string(orig), "\nversion: \"3.9\"\n", "\nversion: \"3.8\"\n", 1)
	if badPids == string(orig) || v38 == string(orig) {
		t.Fatal("docker-stack.yml no longer has what this test alters")
	}
	good, _ := filepath.Abs("swarm/docker-stack.yml")
	for _, docker := range dockerCLIs(t) {
		v, _ := exec.Command(docker, "--version").Output()
		m := dockerVersionRE.FindSubmatch(v)
		if m == nil {
			t.Fatalf("%s --version: %q", docker, v)
		}
		t.Run(string(m[1]), func(t *testing.T) {
			if out, ok, rendered := stackLoad(t, docker, good); !ok {
				t.Errorf("%s refuses docker-stack.yml:\n%s", docker, out)
			} else if rendered && (!strings.Contains(out, "pids: 256") || !strings.Contains(out, "pids: 512")) {
				t.Errorf("the pids limits are gone from the loaded stack:\n%s", out)
			}
			if out, ok, _ := stackLoad(t, docker, write("bad-stack.yml", badPids)); ok {
				t.Errorf("%s accepts pids: lots:\n%s", docker, out)
			}
			if out, ok, _ := stackLoad(t, docker, write("v38-stack.yml", v38)); ok || !strings.Contains(out, "pids") {
				t.Errorf("%s accepts pids at version 3.8, or refuses it for another reason:\n%s", docker, out)
			}
		})
	}
}
