package corednsplugin

import (
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/coredns/caddy"
	"github.com/miekg/dns"
)

func TestParse(t *testing.T) {
	dir := t.TempDir()
	list := filepath.Join(dir, "allow.txt")
	if err := os.WriteFile(list, []byte("example.com\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	tests := []struct {
		name, input string
		check       func(t *testing.T, c config)
		wantErr     string
	}{
		{
			name:  "a minimal block uses NXDOMAIN and a five-second reload",
			input: "egress {\n allowlist " + list + "\n}",
			check: func(t *testing.T, c config) {
				if c.blockRcode != dns.RcodeNameError || c.reload != 5*time.Second || c.denyPrivate || c.auditPath != "" {
					t.Errorf("defaults: %+v", c)
				}
			},
		},
		{
			name: "every property is read",
			input: `egress {
				allowlist a.txt /abs/b.txt
				allowlist c.txt
				reload 250ms
				block REFUSED
				audit_log dns.jsonl sync none rotate_size 10MiB
				deny_private_answers
			}`,
			check: func(t *testing.T, c config) {
				want := []string{"/root/dir/a.txt", "/abs/b.txt", "/root/dir/c.txt"}
				if strings.Join(c.files, " ") != strings.Join(want, " ") {
					t.Errorf("files = %v, want %v", c.files, want)
				}
				if c.reload != 250*time.Millisecond || c.blockRcode != dns.RcodeRefused || !c.denyPrivate {
					t.Errorf("config: %+v", c)
				}
				if c.auditPath != "/root/dir/dns.jsonl" || c.auditOpts.Sync != "none" || c.auditOpts.RotateSize != 10<<20 {
					t.Errorf("audit: %s %+v", c.auditPath, c.auditOpts)
				}
			},
		},
		{
			name:  "reload 0 turns reloading off",
			input: "egress {\n allowlist a\n reload 0\n}",
			check: func(t *testing.T, c config) {
				if c.reload != 0 {
					t.Errorf("reload = %v", c.reload)
				}
			},
		},
		{name: "a block without an allowlist is refused", input: "egress {\n reload 5s\n}", wantErr: "at least one allowlist"},
		{name: "an empty allowlist property is refused", input: "egress {\n allowlist\n}", wantErr: "at least one FILE"},
		{name: "arguments on the egress line are refused", input: "egress example.com {\n allowlist a\n}", wantErr: "no arguments"},
		{name: "an unknown property is refused", input: "egress {\n allowlist a\n fallthrough\n}", wantErr: `unknown property "fallthrough"`},
		{name: "a bad block action is refused", input: "egress {\n allowlist a\n block drop\n}", wantErr: "want nxdomain or refused"},
		{name: "a bad reload duration is refused", input: "egress {\n allowlist a\n reload soon\n}", wantErr: "reload"},
		{name: "a negative reload duration is refused", input: "egress {\n allowlist a\n reload -1s\n}", wantErr: "reload"},
		{name: "an audit option without a value is refused", input: "egress {\n allowlist a\n audit_log f sync\n}", wantErr: "OPTION VALUE"},
		{name: "an unknown audit option is refused", input: "egress {\n allowlist a\n audit_log f colour blue\n}", wantErr: "colour"},
		{name: "deny_private_answers with an argument is refused", input: "egress {\n allowlist a\n deny_private_answers yes\n}", wantErr: "no arguments"},
		{name: "a repeated audit_log is refused with the first line", input: "egress {\n allowlist a\n audit_log /a key_file /k\n audit_log /b\n}", wantErr: "audit_log is set twice (first on line 3)"},
		{name: "a repeated block is refused", input: "egress {\n allowlist a\n block refused\n block nxdomain\n}", wantErr: "block is set twice"},
		{name: "two egress blocks in one server are refused", input: "egress {\n allowlist a\n}\negress {\n allowlist b\n}", wantErr: "once"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			c := caddy.NewTestController("dns", tt.input)
			cfg, err := parse(c, "/root/dir")
			if tt.wantErr != "" {
				if err == nil || !strings.Contains(err.Error(), tt.wantErr) {
					t.Fatalf("err = %v, want one containing %q", err, tt.wantErr)
				}
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			tt.check(t, cfg)
		})
	}
}

func TestSetup(t *testing.T) {
	dir := t.TempDir()
	good := filepath.Join(dir, "good.txt")
	bad := filepath.Join(dir, "bad.txt")
	os.WriteFile(good, []byte("example.com\n"), 0o644)
	os.WriteFile(bad, []byte("example.com\nexa mple.com\n"), 0o644)

	t.Run("a valid allowlist sets the plugin up", func(t *testing.T) {
		if err := setup(caddy.NewTestController("dns", "egress {\n allowlist "+good+"\n}")); err != nil {
			t.Fatal(err)
		}
	})
	t.Run("a bad allowlist line stops setup with its file and line", func(t *testing.T) {
		err := setup(caddy.NewTestController("dns", "egress {\n allowlist "+bad+"\n}"))
		if err == nil || !strings.Contains(err.Error(), bad+":2:") || !strings.HasPrefix(err.Error(), "plugin/egress: ") {
			t.Fatalf("err = %v", err)
		}
	})
	t.Run("a missing allowlist file stops setup", func(t *testing.T) {
		err := setup(caddy.NewTestController("dns", "egress {\n allowlist "+filepath.Join(dir, "nope.txt")+"\n}"))
		if err == nil || !strings.Contains(err.Error(), "nope.txt") {
			t.Fatalf("err = %v", err)
		}
	})
}
