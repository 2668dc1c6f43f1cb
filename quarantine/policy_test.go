package quarantine

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"unicode/utf16"
)

func TestParsePolicyRequest(t *testing.T) {
	good, err := os.ReadFile(filepath.Join("testdata", "policy-request.json"))
	if err != nil {
		t.Fatal(err)
	}
	req, err := ParsePolicyRequest(strings.NewReader(string(good)))
	if err != nil {
		t.Fatalf("the request OpenClaw sends: %v", err)
	}
	if req.TargetName != "evil" || req.TargetType != "skill" || req.SourcePath != "/tmp/openclaw-stage/root" || req.SourcePathKind != "directory" || len(req.Origin) == 0 {
		t.Errorf("parsed %+v", req)
	}
	for _, c := range []struct {
		name, body, want string
	}{
		{"another protocol version", `{"protocolVersion":2,"sourcePath":"/a","sourcePathKind":"directory"}`, "protocolVersion 2"},
		{"a missing protocol version", `{"sourcePath":"/a","sourcePathKind":"directory"}`, "protocolVersion 0"},
		{"a relative source path", `{"protocolVersion":1,"sourcePath":"a/b","sourcePathKind":"directory"}`, "absolute"},
		{"an unclean source path", `{"protocolVersion":1,"sourcePath":"/a/../etc","sourcePathKind":"directory"}`, "clean"},
		{"no source path", `{"protocolVersion":1,"sourcePathKind":"directory"}`, "no sourcePath"},
		{"an unknown path kind", `{"protocolVersion":1,"sourcePath":"/a","sourcePathKind":"socket"}`, "sourcePathKind"},
		{"a duplicate key", `{"protocolVersion":1,"sourcePath":"/safe","sourcePath":"/evil","sourcePathKind":"directory"}`, "duplicate key"},
		{"a duplicate nested key", `{"protocolVersion":1,"sourcePath":"/a","sourcePathKind":"directory","origin":{"a":1,"a":2}}`, "duplicate key"},
		{"data after the object", `{"protocolVersion":1,"sourcePath":"/a","sourcePathKind":"directory"} {}`, "after"},
		{"an array", `[1]`, "not a JSON object"},
		{"nothing", ``, "EOF"},
		{"invalid UTF-8", "{\"protocolVersion\":1,\"targetName\":\"\xff\",\"sourcePath\":\"/a\",\"sourcePathKind\":\"directory\"}", "UTF-8"},
		{"a wrong type", `{"protocolVersion":"1","sourcePath":"/a","sourcePathKind":"directory"}`, "cannot unmarshal"},
		{"too much data", `{"protocolVersion":1,"pad":"` + strings.Repeat("x", MaxPolicyRequestBytes) + `"}`, "larger than"},
	} {
		t.Run("refuses "+c.name, func(t *testing.T) {
			_, err := ParsePolicyRequest(strings.NewReader(c.body))
			if err == nil || !strings.Contains(err.Error(), c.want) {
				t.Errorf("error %v, want one mentioning %q", err, c.want)
			}
		})
	}
}

func FuzzParsePolicyRequest(f *testing.F) {
	good, err := os.ReadFile(filepath.Join("testdata", "policy-request.json"))
	if err != nil {
		f.Fatal(err)
	}
	f.Add(string(good))
	f.Add(`{"protocolVersion":1,"sourcePath":"/a","sourcePathKind":"file","x":[{"a":[1,{"b":null}]}]}`)
	f.Add(`{"protocolVersion":1,"sourcePath":"/a","sourcePath":"/b"}`)
	f.Add(`{"protocolVersion":1e0,"sourcePath":"/\u0000","sourcePathKind":"directory"}`)
	f.Fuzz(func(t *testing.T, body string) {
		req, err := ParsePolicyRequest(strings.NewReader(body))
		if err != nil {
			// The refusal must still make a valid protocol reply.
			var resp map[string]any
			b, _ := json.Marshal(PolicyError(err))
			if json.Unmarshal(b, &resp) != nil || resp["decision"] != "block" || resp["reason"] == "" {
				t.Fatalf("bad error reply %s", b)
			}
			return
		}
		if req.ProtocolVersion != 1 || !filepath.IsAbs(req.SourcePath) || filepath.Clean(req.SourcePath) != req.SourcePath {
			t.Fatalf("accepted %+v", req)
		}
		if req.SourcePathKind != "directory" && req.SourcePathKind != "file" {
			t.Fatalf("accepted kind %q", req.SourcePathKind)
		}
	})
}

func TestDecide(t *testing.T) {
	none := func(string) (bool, error) { return false, nil }
	finding := func(sev string) Finding {
		return Finding{RuleID: "R_" + strings.ToUpper(sev), Severity: sev, File: "SKILL.md", Line: 3, Message: sev + " thing", Snippet: "curl x | sh"}
	}
	res := func(v Verdict, fs ...Finding) ScanResult {
		return ScanResult{Skill: "s", Path: "/stage/s", SHA256: "abc" + string(v), Verdict: v, Findings: fs}
	}
	for _, c := range []struct {
		name       string
		results    []ScanResult
		overridden func(string) (bool, error)
		decision   string
		reason     string
	}{
		{"a clean skill is allowed without a reason", []ScanResult{res(Allow)}, none, "allow", ""},
		{"a warn verdict warns", []ScanResult{res(Warn, finding("medium"))}, none, "warn", "warns about"},
		{"a block verdict blocks", []ScanResult{res(Block, finding("critical"))}, none, "block", "blocks"},
		{"one blocked skill among clean ones blocks", []ScanResult{res(Allow), res(Block, finding("critical")), res(Warn, finding("high"))}, none, "block", "[CRITICAL] R_CRITICAL"},
		{"a block with an override for its hash is allowed", []ScanResult{res(Block, finding("critical"))},
			func(sha string) (bool, error) { return sha == "abcblock", nil }, "allow", "override accepts"},
		{"a block with an override for another hash blocks", []ScanResult{res(Block, finding("critical"))},
			func(sha string) (bool, error) { return sha == "other", nil }, "block", "blocks"},
		{"nothing scanned blocks", nil, none, "block", "nothing to scan"},
	} {
		t.Run(c.name, func(t *testing.T) {
			resp, err := Decide("skill evil", c.results, c.overridden)
			if err != nil {
				t.Fatal(err)
			}
			if resp.ProtocolVersion != 1 || resp.Decision != c.decision || !strings.Contains(resp.Reason, c.reason) || (c.reason == "" && resp.Reason != "") {
				t.Errorf("got %+v, want %s with a reason containing %q", resp, c.decision, c.reason)
			}
			if resp.Findings == nil {
				t.Error("findings is null, want []")
			}
		})
	}
	t.Run("maps severities to info, warn and critical, most severe first", func(t *testing.T) {
		resp, _ := Decide("x", []ScanResult{res(Block, finding("info"), finding("low"), finding("medium"), finding("high"), finding("critical"), finding("bogus"))}, none)
		var got []string
		for _, f := range resp.Findings {
			got = append(got, f.RuleID+"="+f.Severity)
		}
		want := "R_CRITICAL=critical R_BOGUS=critical R_HIGH=critical R_MEDIUM=warn R_LOW=warn R_INFO=info"
		if strings.Join(got, " ") != want {
			t.Errorf("got %s\nwant %s", strings.Join(got, " "), want)
		}
		if f := resp.Findings[0]; f.File != "SKILL.md" || f.Line != 3 || f.Evidence != "curl x | sh" || f.Message != "critical thing" {
			t.Errorf("first finding %+v", f)
		}
	})
	t.Run("caps a block at 100 findings and 1,000 characters of text", func(t *testing.T) {
		long := strings.Repeat("😈", 900) // two UTF-16 units each
		var fs []Finding
		for i := range 250 {
			fs = append(fs, Finding{RuleID: fmt.Sprintf("R%d", i), Severity: "critical", Message: long, Snippet: long, File: long})
		}
		resp, _ := Decide("x", []ScanResult{res(Block, fs...)}, none)
		if len(resp.Findings) != MaxPolicyFindings {
			t.Errorf("%d findings, want %d", len(resp.Findings), MaxPolicyFindings)
		}
		for _, s := range []string{resp.Reason, resp.Findings[0].Message, resp.Findings[0].Evidence, resp.Findings[0].File} {
			if n := len(utf16.Encode([]rune(s))); n > MaxPolicyTextChars || !strings.HasSuffix(s, "...") {
				t.Errorf("text of %d UTF-16 units (ends %q)", n, s[len(s)-4:])
			}
		}
	})
	t.Run("keeps a warning inside OpenClaw's 4,000-character review notice", func(t *testing.T) {
		var fs []Finding
		for i := range 80 {
			fs = append(fs, Finding{RuleID: fmt.Sprintf("RULE_%d", i), Severity: "medium", File: "scripts/install.sh", Line: i + 1,
				Message: strings.Repeat("a long explanation ", 20), Snippet: strings.Repeat("x", 500)})
		}
		resp, _ := Decide("x", []ScanResult{res(Warn, fs...)}, none)
		notice := len(resp.Reason) + 600 // title, target line and OpenClaw's guidance
		for _, f := range resp.Findings {
			notice += len(fmt.Sprintf("    • [%s] %s: %s (%s:%d)\n", strings.ToUpper(f.Severity), f.RuleID, f.Message, f.File, f.Line))
			if f.Evidence != "" {
				t.Error("a warning carries evidence")
			}
		}
		if notice > 4000 || len(resp.Findings) == 0 || !strings.Contains(resp.Reason, "more finding(s) not shown") {
			t.Errorf("notice of about %d characters with %d findings; reason %q", notice, len(resp.Findings), resp.Reason)
		}
	})
	t.Run("a failing override lookup is an error, not a decision", func(t *testing.T) {
		_, err := Decide("x", []ScanResult{res(Block, finding("critical"))}, func(string) (bool, error) { return false, errors.New("db gone") })
		if err == nil {
			t.Error("no error")
		}
	})
}

func TestPolicyErrorIsAValidBlock(t *testing.T) {
	b, err := json.Marshal(PolicyError(errors.New(strings.Repeat("disk on fire ", 200))))
	if err != nil {
		t.Fatal(err)
	}
	var got struct {
		ProtocolVersion int    `json:"protocolVersion"`
		Decision        string `json:"decision"`
		Reason          string `json:"reason"`
		Findings        []any  `json:"findings"`
	}
	if err := json.Unmarshal(b, &got); err != nil || got.ProtocolVersion != 1 || got.Decision != "block" || got.Findings == nil ||
		!strings.HasPrefix(got.Reason, "quarantine policy failed closed: disk on fire") || len(got.Reason) > MaxPolicyTextChars {
		t.Errorf("%s", b)
	}
}

func TestRecordPolicy(t *testing.T) {
	ctx := context.Background()
	e := newEnv(t)
	s := e.open()
	req := &PolicyRequest{ProtocolVersion: 1, TargetName: "evil", TargetType: "skill", SourcePath: "/stage/evil"}
	results := []ScanResult{result("/stage/evil", "abc", Block)}
	resp, _ := Decide("skill evil", results, func(sha string) (bool, error) { return s.Overridden(ctx, sha) })
	if err := s.RecordPolicy(ctx, req, results, resp); err != nil {
		t.Fatal(err)
	}
	evs, _ := s.Events(ctx, 0)
	if len(evs) != 1 || evs[0].Kind != "quarantine.policy" || evs[0].Outcome != "blocked" || evs[0].Skill != "evil" || evs[0].Rules[0] != "CHAIN_DROPPER" || !evs[0].Audited {
		t.Errorf("events %+v", evs)
	}
	if len(e.audit.events) != 1 || !strings.HasPrefix(e.audit.events[0], "quarantine.policy blocked") {
		t.Errorf("audit %v", e.audit.events)
	}
}

// FuzzDecide feeds findings with arbitrary text (they quote skill content,
// which is attacker-written) and checks that every reply keeps the
// protocol's rules.
func FuzzDecide(f *testing.F) {
	f.Add("CHAIN_DROPPER", "critical", "SKILL.md", "downloads and runs code", "curl x | sh", 3, uint8(1), uint8(2))
	f.Add("", "bogus", "", " ", "\xff\xfe", 0, uint8(150), uint8(1))
	f.Add("R", "medium", strings.Repeat("é", 600), strings.Repeat("😈", 700), strings.Repeat("x", 2000), -5, uint8(120), uint8(1))
	f.Fuzz(func(t *testing.T, rule, sev, file, msg, snippet string, line int, n, verdict uint8) {
		v := []Verdict{Allow, Warn, Block}[verdict%3]
		var fs []Finding
		for i := range int(n) {
			fs = append(fs, Finding{RuleID: rule, Severity: sev, File: file, Line: line + i, Message: msg, Snippet: snippet})
		}
		resp, err := Decide("skill x", []ScanResult{{Skill: "x", Path: "/s/x", SHA256: "h", Verdict: v, Findings: fs}},
			func(string) (bool, error) { return false, nil })
		if err != nil {
			t.Fatal(err)
		}
		if resp.Decision != string(v) || (v != Allow && strings.TrimSpace(resp.Reason) == "") {
			t.Fatalf("decision %q reason %q for verdict %s", resp.Decision, resp.Reason, v)
		}
		if len(resp.Findings) > MaxPolicyFindings {
			t.Fatalf("%d findings", len(resp.Findings))
		}
		units := func(s string) int { return len(utf16.Encode([]rune(s))) }
		notice := units("  Reason: " + resp.Reason + "\n  Findings:\n")
		for _, pf := range resp.Findings {
			for _, s := range []string{pf.RuleID, pf.Message, pf.File, pf.Evidence} {
				if units(s) > MaxPolicyTextChars {
					t.Fatalf("text of %d units", units(s))
				}
			}
			if strings.TrimSpace(pf.RuleID) == "" || strings.TrimSpace(pf.Message) == "" || pf.Line < 0 {
				t.Fatalf("finding OpenClaw would drop: %+v", pf)
			}
			if pf.Severity != "info" && pf.Severity != "warn" && pf.Severity != "critical" {
				t.Fatalf("severity %q", pf.Severity)
			}
			// As OpenClaw renders it: "    • [SEV] RULE: message (file:line) Evidence: e\n"
			notice += units(fmt.Sprintf("    • [%s] %s: %s (%s:%d)\n", strings.ToUpper(pf.Severity), pf.RuleID, pf.Message, pf.File, pf.Line))
			if pf.Evidence != "" {
				notice += units(" Evidence: " + pf.Evidence)
			}
		}
		if units(resp.Reason) > MaxPolicyTextChars || (v == Warn && notice > warnNoticeBudget) {
			t.Fatalf("reason %d units, warn notice about %d", units(resp.Reason), notice)
		}
		if _, err := json.Marshal(resp); err != nil {
			t.Fatal(err)
		}
	})
}
