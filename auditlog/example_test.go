package auditlog_test

import (
	"fmt"
	"os"
	"path/filepath"
	"strings"

	"github.com/openclaw-secure-stack/securestack/auditlog"
)

// Write two events, then verify the chain, then catch an edit.
func Example() {
	dir, _ := os.MkdirTemp("", "auditlog-example")
	defer os.RemoveAll(dir)
	path := filepath.Join(dir, "audit.jsonl")

	log, err := auditlog.Open(path, auditlog.Options{Sync: auditlog.SyncAlways, Checkpoint: "off"})
	if err != nil {
		panic(err)
	}
	sum, n := auditlog.PromptDigest("ignore previous instructions")
	log.Write(auditlog.Event{
		Event: "http.request", RequestID: "r1", ClientIP: "192.0.2.7", TokenName: "ci",
		Route: "POST /v1/chat/completions", Outcome: auditlog.OutcomeRejected, Rules: []string{"model.injection"},
		Fields: map[string]any{"status": 400, "prompt_sha256": sum, "prompt_len": n},
	})
	log.Write(auditlog.Event{Event: "dns.query", ClientIP: "10.0.0.2", Outcome: auditlog.OutcomeBlocked,
		Rules: []string{"egress.not_allowed"}, Fields: map[string]any{"qname": "evil.example."}})
	log.Close()

	rep, err := auditlog.Verify([]string{path}, auditlog.VerifyOptions{})
	fmt.Println(rep.Records, rep.Problem == nil, err)

	// Someone edits the first record's outcome.
	b, _ := os.ReadFile(path)
	edited := strings.Replace(string(b), `"outcome":"rejected"`, `"outcome":"allowed"`, 1)
	os.WriteFile(path, []byte(edited), 0o600)
	rep, _ = auditlog.Verify([]string{path}, auditlog.VerifyOptions{})
	fmt.Println(rep.Problem.Kind, rep.Problem.Seq)
	// Output:
	// 2 true <nil>
	// tampered 1
}
