// Package auditcfg is the audit_log option every Caddy handler of the stack
// takes: its Caddyfile form, its JSON form, and opening the log through the
// process-wide auditlog.Shared registry, so that handlers naming the same
// file share one writer across config reloads, and a reload that changes
// the open log's options is refused (with a message to restart) the same
// way the CoreDNS egress plugin refuses it.
package auditcfg

import (
	"fmt"
	"os"
	"path/filepath"

	"github.com/caddyserver/caddy/v2"
	"github.com/caddyserver/caddy/v2/caddyconfig/caddyfile"

	"github.com/openclaw-secure-stack/securestack/auditlog"
	"github.com/openclaw-secure-stack/securestack/caddyplugin/internal/directive"
)

// Config is an audit trail: its file and its auditlog options (sync,
// key_file, rotate_size, rotate_age, checkpoint, checkpoint_interval,
// flush_interval), in their configuration spelling.
type Config struct {
	// Path of the active log file.
	Path string `json:"path"`
	// Options, by their Caddyfile names (see auditlog.Options.Set).
	Options map[string]string `json:"options,omitempty"`
}

// UnmarshalCaddyfile reads `audit_log FILE { OPTION VALUE ... }` at the
// dispenser's cursor (the audit_log token). Each option is checked here, so
// a bad value fails on its own line when the Caddyfile is adapted.
func UnmarshalCaddyfile(d *caddyfile.Dispenser) (*Config, error) {
	cfg := &Config{}
	if !d.NextArg() {
		return nil, d.ArgErr()
	}
	cfg.Path = d.Val()
	if d.NextArg() {
		return nil, d.ArgErr()
	}
	once := directive.Once{}
	for nesting := d.Nesting(); d.NextBlock(nesting); {
		if err := once.Check(d); err != nil {
			return nil, err
		}
		name := d.Val()
		var val string
		if !d.AllArgs(&val) {
			return nil, d.ArgErr()
		}
		var check auditlog.Options
		if err := check.Set(name, val); err != nil {
			return nil, d.Errf("audit_log: %v", err)
		}
		if cfg.Options == nil {
			cfg.Options = map[string]string{}
		}
		cfg.Options[name] = val
	}
	return cfg, nil
}

// Log is an audit log held by one handler instance.
type Log struct {
	*auditlog.Log
	path string
}

// Open acquires the log c names, or, when c is nil, the default log
// <Caddy data dir>/<dir>/audit.jsonl: a handler always audits. Release it in
// the handler's Cleanup.
func Open(c *Config, dir string) (*Log, error) {
	cfg := Config{Path: filepath.Join(caddy.AppDataDir(), dir, "audit.jsonl")}
	if c != nil {
		cfg = *c
	}
	path, err := filepath.Abs(cfg.Path)
	if err != nil {
		return nil, fmt.Errorf("audit_log: %w", err)
	}
	var opts auditlog.Options
	for k, v := range cfg.Options {
		if err := opts.Set(k, v); err != nil {
			return nil, fmt.Errorf("audit_log: %w", err)
		}
	}
	if err := os.MkdirAll(filepath.Dir(path), 0o700); err != nil {
		return nil, fmt.Errorf("audit_log: %w", err)
	}
	l, err := auditlog.Shared.Acquire(path, opts) // its errors name audit_log and the path
	if err != nil {
		return nil, err
	}
	return &Log{Log: l, path: path}, nil
}

// Release lets go of the log; the last user closes it. Safe on nil.
func (l *Log) Release() error {
	if l == nil || l.Log == nil {
		return nil
	}
	l.Log = nil
	return auditlog.Shared.Release(l.path)
}
