// Package layering holds the test that keeps the module's dependency
// direction: libraries never import a host (Caddy, CoreDNS), and the
// static binaries never link the cgo scanner.
package layering

import (
	"os/exec"
	"strings"
	"testing"
)

const module = "github.com/openclaw-secure-stack/securestack/"

// hosts are the import-path prefixes only adapters and mains may use.
var hosts = []string{"github.com/caddyserver/caddy", "github.com/coredns/"}

// deps lists the packages pkgs depend on, with cgo off when cgo is false.
func deps(t *testing.T, cgo bool, pkgs ...string) []string {
	t.Helper()
	cmd := exec.Command("go", append([]string{"list", "-deps"}, pkgs...)...)
	cmd.Dir = "../.."
	if !cgo {
		cmd.Env = append(cmd.Environ(), "CGO_ENABLED=0")
	}
	out, err := cmd.CombinedOutput()
	if err != nil {
		t.Fatalf("go list -deps %v: %v\n%s", pkgs, err, out)
	}
	return strings.Fields(string(out))
}

// libraries are every package of the module outside the adapters, the mains
// and the tests' own helpers.
func libraries(t *testing.T) []string {
	t.Helper()
	out, err := exec.Command("go", "list", "-f", "{{.ImportPath}}", "../../...").Output()
	if err != nil {
		t.Fatal(err)
	}
	var libs []string
	for _, p := range strings.Fields(string(out)) {
		rel := strings.TrimPrefix(p, module)
		switch {
		case strings.HasPrefix(rel, "caddyplugin"), strings.HasPrefix(rel, "corednsplugin"),
			strings.HasPrefix(rel, "sidecars/"), strings.HasPrefix(rel, "examples/"),
			strings.HasPrefix(rel, "e2e"), strings.HasPrefix(rel, "internal/"):
			continue
		}
		libs = append(libs, p)
	}
	if len(libs) < 6 {
		t.Fatalf("found only %d library packages (%v): the package list is wrong", len(libs), libs)
	}
	return libs
}

func TestLibrariesDoNotImportHosts(t *testing.T) {
	for _, lib := range libraries(t) {
		for _, d := range deps(t, true, lib) {
			for _, h := range hosts {
				if strings.HasPrefix(d, h) {
					t.Errorf("library %s depends on host package %s: move the host code into caddyplugin or corednsplugin", lib, d)
				}
			}
		}
	}
}

func TestStaticBinariesDoNotLinkTheScanner(t *testing.T) {
	for _, main := range []string{"./sidecars/caddy", "./sidecars/coredns"} {
		for _, d := range deps(t, false, main) {
			if d == module+"scanner" || strings.HasPrefix(d, "github.com/smacker/go-tree-sitter") {
				t.Errorf("%s links %s, which needs cgo: bin/caddy and bin/coredns must stay static", main, d)
			}
		}
	}
}

func TestAdaptersDoNotImportEachOther(t *testing.T) {
	for _, d := range deps(t, false, "./caddyplugin/...") {
		if strings.HasPrefix(d, module+"corednsplugin") || strings.HasPrefix(d, "github.com/coredns/") {
			t.Errorf("caddyplugin depends on %s", d)
		}
	}
}

// hostFreeAdapterParts are packages under caddyplugin that hold logic a Go
// tool could reuse without Caddy (docs/DESIGN.md): they are libraries too.
var hostFreeAdapterParts = []string{"./caddyplugin/guard/wsfirewall", "./caddyplugin/guard/controlui"}

func TestHostFreePartsOfAdaptersDoNotImportHosts(t *testing.T) {
	for _, p := range hostFreeAdapterParts {
		for _, d := range deps(t, true, p) {
			for _, h := range hosts {
				if strings.HasPrefix(d, h) {
					t.Errorf("%s depends on host package %s: it must stay usable without Caddy", p, d)
				}
			}
		}
	}
}
