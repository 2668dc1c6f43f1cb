package auditlog

import (
	"strings"
	"testing"
	"time"
)

func TestOptionsSet(t *testing.T) {
	for _, tc := range []struct {
		name, value string
		check       func(Options) bool
	}{
		{"sync", "always", func(o Options) bool { return o.Sync == SyncAlways }},
		{"sync", "none", func(o Options) bool { return o.Sync == SyncNone }},
		{"key_file", "/etc/k", func(o Options) bool { return o.KeyFile == "/etc/k" }},
		{"rotate_size", "100MiB", func(o Options) bool { return o.RotateSize == 100<<20 }},
		{"rotate_size", "10MB", func(o Options) bool { return o.RotateSize == 10e6 }},
		{"rotate_size", "4096", func(o Options) bool { return o.RotateSize == 4096 }},
		{"rotate_size", "0", func(o Options) bool { return o.RotateSize == 0 }},
		{"rotate_age", "24h", func(o Options) bool { return o.RotateAge == 24*time.Hour }},
		{"checkpoint", "off", func(o Options) bool { return o.Checkpoint == "off" }},
		{"checkpoint_interval", "30s", func(o Options) bool { return o.CheckpointInterval == 30*time.Second }},
		{"flush_interval", "250ms", func(o Options) bool { return o.FlushInterval == 250*time.Millisecond }},
	} {
		t.Run(tc.name+" "+tc.value+" is accepted", func(t *testing.T) {
			var o Options
			if err := o.Set(tc.name, tc.value); err != nil {
				t.Fatal(err)
			}
			if !tc.check(o) {
				t.Fatalf("Set(%q, %q) gave %+v", tc.name, tc.value, o)
			}
		})
	}
	for _, tc := range []struct{ name, value string }{
		{"sync", "sometimes"},
		{"rotate_size", "100XB"},
		{"rotate_size", "-1"},
		{"rotate_size", "9999999999GiB"},
		{"rotate_age", "1d"},
		{"checkpoint_interval", "0s"},
		{"flush_interval", "-1s"},
		{"key_file", ""},
		{"rotate", "1h"},
	} {
		t.Run(tc.name+" "+tc.value+" is refused with an error naming the option", func(t *testing.T) {
			var o Options
			err := o.Set(tc.name, tc.value)
			if err == nil || !strings.Contains(err.Error(), tc.name) {
				t.Fatalf("Set(%q, %q) = %v", tc.name, tc.value, err)
			}
		})
	}
}

func TestOpenRefusesBadOptions(t *testing.T) {
	dir := t.TempDir()
	for _, o := range []Options{{Sync: "fast"}, {RotateSize: -1}, {KeyFile: dir + "/missing.key"}} {
		if l, err := Open(dir+"/audit.jsonl", o); err == nil {
			l.Close()
			t.Errorf("Open with %+v succeeded", o)
		}
	}
}
