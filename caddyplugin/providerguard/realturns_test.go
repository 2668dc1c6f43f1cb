package providerguard

import (
	"bytes"
	"os"
	"path/filepath"
	"testing"

	"github.com/openclaw-secure-stack/securestack/caddyplugin/providerguard/inbound"
	"github.com/openclaw-secure-stack/securestack/caddyplugin/providerguard/wire"
	"github.com/openclaw-secure-stack/securestack/sanitizer"
)

// Real OpenClaw turns, with nothing injected, pass untouched: its system
// prompt, the operator's message and its own runtime context block (which
// the detector must not read as an injection) included. A false
// neutralization costs the agent as much as a miss costs the operator.
func TestRealOpenClawTurnsPassUntouched(t *testing.T) {
	s, err := sanitizer.New(sanitizer.Config{})
	if err != nil {
		t.Fatal(err)
	}
	files, _ := filepath.Glob("wire/testdata/openclaw/*.json")
	for _, f := range files {
		api := map[byte]wire.API{'c': wire.Completions, 'r': wire.Responses, 'a': wire.Anthropic}[filepath.Base(f)[0]]
		in, err := inbound.New(inbound.Config{API: api, Detector: s, Redact: true})
		if err != nil {
			t.Fatal(err)
		}
		body, _ := os.ReadFile(f)
		res, err := in.Inspect(body)
		if err != nil {
			t.Fatalf("%s: %v", f, err)
		}
		if len(res.Findings) > 0 || len(res.Redactions) > 0 || !bytes.Equal(res.Body, body) {
			t.Errorf("%s: changed (%+v, %v)", f, res.Findings, res.Redactions)
		}
	}
}
