package caddyplugin

import (
	"bytes"
	"encoding/json"
	"flag"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/caddyserver/caddy/v2/caddyconfig"
	"github.com/caddyserver/caddy/v2/caddytest"
	_ "github.com/caddyserver/caddy/v2/modules/standard"
)

var update = flag.Bool("update", false, "rewrite the JSON half of testdata/caddyfile_adapt/*.caddyfiletest from the adapter's output")

// TestCaddyfileAdapt maps each Caddyfile form of the stack's directives to
// the JSON config it adapts to, in Caddy's own caddyfile_adapt layout: a
// Caddyfile, a line of ten dashes, the expected JSON. A change in what a
// directive produces shows up here as a diff an operator can read.
func TestCaddyfileAdapt(t *testing.T) {
	files, err := filepath.Glob("testdata/caddyfile_adapt/*.caddyfiletest")
	if err != nil || len(files) == 0 {
		t.Fatalf("no golden files: %v", err)
	}
	for _, f := range files {
		t.Run(filepath.Base(f), func(t *testing.T) {
			data, err := os.ReadFile(f)
			if err != nil {
				t.Fatal(err)
			}
			// As in Caddy's caddytest/integration: the Caddyfile, a line of
			// dashes, then the JSON it adapts to, or else a substring of the
			// error adapting it must give.
			parts := strings.Split(string(data), "----------")
			if len(parts) != 2 {
				t.Fatalf("%s: want one ---------- line between the Caddyfile and the expectation", f)
			}
			caddyfile, want := strings.TrimSpace(parts[0])+"\n", strings.TrimSpace(parts[1])
			out, _, err := caddyconfig.GetAdapter("caddyfile").Adapt([]byte(caddyfile), nil)
			if !strings.HasPrefix(want, "{") {
				if err == nil || !strings.Contains(err.Error(), want) {
					t.Errorf("adapting %s: error %v, want one containing %q", f, err, want)
				}
				return
			}
			if *update && err == nil {
				var pretty bytes.Buffer
				if err := json.Indent(&pretty, out, "", "\t"); err != nil {
					t.Fatal(err)
				}
				if err := os.WriteFile(f, []byte(caddyfile+"----------\n"+pretty.String()+"\n"), 0o644); err != nil {
					t.Fatal(err)
				}
				return
			}
			if !caddytest.CompareAdapt(t, f, caddyfile, "caddyfile", want) {
				t.Errorf("%s does not adapt to its JSON (go test ./caddyplugin -run TestCaddyfileAdapt -update rewrites it)", f)
			}
		})
	}
}
