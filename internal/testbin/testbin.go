// Package testbin gives tests the path of a built sidecar binary.
//
// `make test` builds bin/ first and sets SECURESTACK_BIN to it; a plain
// `go test` builds the sidecar itself, once per test process, into a
// temporary directory, so a test never runs a stale binary by accident.
package testbin

import (
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"sync"
	"testing"
)

var (
	mu    sync.Mutex
	built = map[string]string{}
	dir   string
)

// cgoFree lists the sidecars that must stay static.
var cgoFree = map[string]bool{"caddy": true, "coredns": true}

// sources maps a binary name to its main package when it is not sidecars/<name>.
var sources = map[string]string{"openclaw-standin": "./examples/local/standin"}

// Path returns the path of bin/<name>, building ./sidecars/<name> when
// SECURESTACK_BIN is not set. It fails the test if the binary cannot be had.
// Under -short it skips the test: a test that starts a built binary is a
// slow test, and `go test -short ./...` is the inner loop.
func Path(t testing.TB, name string) string {
	t.Helper()
	if testing.Short() {
		t.Skipf("-short: skips tests that start bin/%s", name)
	}
	if d := os.Getenv("SECURESTACK_BIN"); d != "" {
		p := filepath.Join(d, name)
		if _, err := os.Stat(p); err != nil {
			t.Fatalf("testbin: SECURESTACK_BIN=%s but %s is missing (run make build): %v", d, p, err)
		}
		return p
	}
	mu.Lock()
	defer mu.Unlock()
	if p, ok := built[name]; ok {
		return p
	}
	root, err := ModuleRoot()
	if err != nil {
		t.Fatalf("testbin: %v", err)
	}
	if dir == "" {
		d, err := os.MkdirTemp("", "securestack-testbin-")
		if err != nil {
			t.Fatalf("testbin: %v", err)
		}
		dir = d
	}
	src, ok := sources[name]
	if !ok {
		src = "./sidecars/" + name
	}
	out := filepath.Join(dir, name)
	cmd := exec.Command("go", "build", "-o", out, src)
	cmd.Dir = root
	cmd.Env = os.Environ()
	if cgoFree[name] {
		cmd.Env = append(cmd.Env, "CGO_ENABLED=0")
	}
	if b, err := cmd.CombinedOutput(); err != nil {
		t.Fatalf("testbin: go build %s: %v\n%s", src, err, b)
	}
	built[name] = out
	return out
}

// ModuleRoot returns the directory holding this module's go.mod.
func ModuleRoot() (string, error) {
	b, err := exec.Command("go", "env", "GOMOD").Output()
	if err != nil {
		return "", err
	}
	return filepath.Dir(strings.TrimSpace(string(b))), nil
}
