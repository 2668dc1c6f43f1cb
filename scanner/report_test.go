package scanner

import (
	"bytes"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"os"
	"path/filepath"
	"testing"

	"github.com/santhosh-tekuri/jsonschema/v6"
)

func sha256hex(b []byte) string {
	s := sha256.Sum256(b)
	return hex.EncodeToString(s[:])
}

func sarifSchema(t *testing.T) *jsonschema.Schema {
	t.Helper()
	f, err := os.Open(filepath.Join("testdata", "sarif-schema-2.1.0.json"))
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	doc, err := jsonschema.UnmarshalJSON(f)
	if err != nil {
		t.Fatal(err)
	}
	c := jsonschema.NewCompiler()
	if err := c.AddResource("sarif-schema-2.1.0.json", doc); err != nil {
		t.Fatal(err)
	}
	sch, err := c.Compile("sarif-schema-2.1.0.json")
	if err != nil {
		t.Fatal(err)
	}
	return sch
}

func TestWriteSARIFIsValidSARIF210(t *testing.T) {
	sch := sarifSchema(t)
	s := newScanner(t, Options{})
	reports := map[string]*Report{
		"an empty report":              {},
		"a clean skill":                scanAll(t, s, filepath.Join("testdata", "skills", "benign-notes")),
		"malicious skills and plugins": scanAll(t, s, filepath.Join("testdata", "skills"), filepath.Join("testdata", "plugins", "mal-postinstall")),
		"a finding without a line":     {Results: []Result{{Skill: "x", Path: "/abs path/x", Verdict: Block, Findings: []Finding{{RuleID: "CUSTOM", Severity: SeverityLow, File: "a b.md"}}}}},
	}
	for name, rep := range reports {
		t.Run(name+" validates", func(t *testing.T) {
			var buf bytes.Buffer
			if err := WriteSARIF(&buf, rep); err != nil {
				t.Fatal(err)
			}
			inst, err := jsonschema.UnmarshalJSON(bytes.NewReader(buf.Bytes()))
			if err != nil {
				t.Fatal(err)
			}
			if err := sch.Validate(inst); err != nil {
				t.Fatalf("SARIF output does not validate: %v\n%s", err, buf.String())
			}
		})
	}
}

func TestWriteSARIFCarriesEveryFinding(t *testing.T) {
	rep := scanAll(t, newScanner(t, Options{}), filepath.Join("testdata", "skills", "mal-shell-dropper"))
	var buf bytes.Buffer
	if err := WriteSARIF(&buf, rep); err != nil {
		t.Fatal(err)
	}
	var log struct {
		Runs []struct {
			Tool struct {
				Driver struct {
					Rules []struct{ ID string }
				}
			}
			Results []struct {
				RuleID    string
				RuleIndex int
				Level     string
				Locations []struct {
					PhysicalLocation struct {
						ArtifactLocation struct{ URI string }
						Region           struct{ StartLine int }
					}
				}
			}
		}
	}
	if err := json.Unmarshal(buf.Bytes(), &log); err != nil {
		t.Fatal(err)
	}
	run := log.Runs[0]
	if len(run.Results) != len(rep.Results[0].Findings) {
		t.Fatalf("%d SARIF results for %d findings", len(run.Results), len(rep.Results[0].Findings))
	}
	for i, r := range run.Results {
		f := rep.Results[0].Findings[i]
		if run.Tool.Driver.Rules[r.RuleIndex].ID != r.RuleID || r.RuleID != f.RuleID {
			t.Errorf("result %d: rule %s at index %d names %s", i, r.RuleID, r.RuleIndex, run.Tool.Driver.Rules[r.RuleIndex].ID)
		}
		loc := r.Locations[0].PhysicalLocation
		if loc.Region.StartLine != f.Line || loc.ArtifactLocation.URI != "testdata/skills/mal-shell-dropper/"+f.File {
			t.Errorf("result %d at %s:%d, want %s:%d", i, loc.ArtifactLocation.URI, loc.Region.StartLine, f.File, f.Line)
		}
		if want := sarifLevel(f.Severity); r.Level != want {
			t.Errorf("result %d level %s, want %s", i, r.Level, want)
		}
	}
}
