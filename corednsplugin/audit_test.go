package corednsplugin

import (
	"bufio"
	"encoding/json"
	"errors"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/coredns/coredns/plugin/test"
	"github.com/miekg/dns"

	"github.com/openclaw-secure-stack/securestack/auditlog"
)

type auditLine struct {
	Event    string         `json:"event"`
	ClientIP string         `json:"client_ip"`
	Outcome  string         `json:"outcome"`
	Rules    []string       `json:"rules"`
	Fields   map[string]any `json:"fields"`
}

func readAudit(t *testing.T, path string) []auditLine {
	t.Helper()
	f, err := os.Open(path)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	var out []auditLine
	sc := bufio.NewScanner(f)
	for sc.Scan() {
		var l auditLine
		if err := json.Unmarshal(sc.Bytes(), &l); err != nil {
			t.Fatalf("audit line %q: %v", sc.Text(), err)
		}
		out = append(out, l)
	}
	return out
}

func TestAuditRecordsWhatIsNotAllowed(t *testing.T) {
	path := filepath.Join(t.TempDir(), "dns-audit.jsonl")
	e, _ := newTestEgress(t, testList, func(c *config) { c.auditPath = path })
	if err := e.start(); err != nil {
		t.Fatal(err)
	}
	chaos := query("allowed.example.", dns.TypeTXT, false)
	chaos.Question[0].Qclass = dns.ClassCHAOS
	cname := &upstream{answer: func(r *dns.Msg) *dns.Msg {
		m := new(dns.Msg)
		m.SetReply(r)
		m.Answer = []dns.RR{test.CNAME("allowed.example. 60 IN CNAME x.attacker.example.")}
		return m
	}}
	serve(t, e, &upstream{}, query("allowed.example.", dns.TypeA, false)) // allowed: not audited
	serve(t, e, &upstream{}, query("c2VjcmV0.attacker.example.", dns.TypeTXT, false))
	serve(t, e, &upstream{}, chaos)
	serve(t, e, cname, query("allowed.example.", dns.TypeA, false))
	if err := e.stop(); err != nil {
		t.Fatal(err)
	}

	got := readAudit(t, path)
	want := []struct{ outcome, rule, qname, qtype string }{
		{"blocked", "egress.not_allowed", "c2VjcmV0.attacker.example.", "TXT"},
		{"refused", "egress.unjudgeable", "allowed.example.", "TXT"},
		{"refused", "egress.answer_not_allowed", "allowed.example.", "A"},
	}
	if len(got) != len(want) {
		t.Fatalf("%d audit records, want %d: %+v", len(got), len(want), got)
	}
	for i, w := range want {
		g := got[i]
		if g.Event != "dns.query" || g.Outcome != w.outcome || len(g.Rules) != 1 || g.Rules[0] != w.rule ||
			g.Fields["qname"] != w.qname || g.Fields["qtype"] != w.qtype || g.ClientIP != "10.240.0.1" {
			t.Errorf("record %d = %+v, want %+v from 10.240.0.1", i, g, w)
		}
	}
	if got[2].Fields["answer_name"] != "x.attacker.example." {
		t.Errorf("the CNAME refusal does not name the target: %+v", got[2])
	}
}

func TestAuditLogIsSharedAcrossInstances(t *testing.T) {
	path := filepath.Join(t.TempDir(), "dns-audit.jsonl")
	old, _ := newTestEgress(t, testList, func(c *config) { c.auditPath = path })
	// A Corefile reload starts the new instance before stopping the old one.
	newer, _ := newTestEgress(t, testList, func(c *config) { c.auditPath = path })
	if err := old.start(); err != nil {
		t.Fatal(err)
	}
	if err := newer.start(); err != nil {
		t.Fatalf("a second instance could not share the open log: %v", err)
	}
	if err := old.stop(); err != nil {
		t.Fatal(err)
	}
	serve(t, newer, &upstream{}, query("blocked.example.", dns.TypeA, false))
	if err := newer.stop(); err != nil {
		t.Fatal(err)
	}
	if n := len(readAudit(t, path)); n != 1 {
		t.Errorf("%d records after the old instance stopped, want 1", n)
	}
	// With every user gone the file is closed and its lock released.
	l, err := auditlog.Open(path, auditlog.Options{})
	if err != nil {
		t.Fatalf("the log was not closed with its last user: %v", err)
	}
	l.Close()
	if err := auditlog.Shared.Release(path); err == nil {
		t.Error("releasing a log nobody holds should be an error")
	}
}

func TestAuditLogWithChangedOptionsIsRefused(t *testing.T) {
	path := filepath.Join(t.TempDir(), "dns-audit.jsonl")
	old, _ := newTestEgress(t, testList, func(c *config) { c.auditPath = path })
	newer, _ := newTestEgress(t, testList, func(c *config) { c.auditPath = path; c.auditOpts.Sync = auditlog.SyncNone })
	if err := old.start(); err != nil {
		t.Fatal(err)
	}
	defer old.stop()
	err := newer.start()
	if !errors.Is(err, auditlog.ErrOptionsChanged) || !strings.Contains(err.Error(), "restart") {
		t.Fatalf("a reload that changes the open log's options should be refused and say to restart, got %v", err)
	}
	// The same words as the Caddy adapter's, once: "egress: audit_log PATH: ...".
	if want := "egress: audit_log " + path + ": "; !strings.HasPrefix(err.Error(), want) {
		t.Errorf("message %q, want it to start %q (no repeated prefix)", err, want)
	}
}
