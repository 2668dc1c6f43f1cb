package auditlog

import (
	"errors"
	"fmt"
	"path/filepath"
	"strconv"
	"strings"
	"sync"
)

// ErrOptionsChanged is wrapped by Acquire when the log is already open with
// other options. A log in use cannot change its options (the other users
// still write through it), so the change needs a restart of the host.
var ErrOptionsChanged = errors.New("the audit log is already open with other options")

// Registry shares one open *Log per file between the users of one process.
// Hosts that reload their configuration (Caddy, CoreDNS) set up the new
// configuration before the old one lets go, and Open refuses a second writer
// of the same file; so every adapter acquires its log here, and the last
// Release closes it. The zero value is not usable; use NewRegistry or the
// process-wide Shared.
type Registry struct {
	open func(string, Options) (*Log, error)
	mu   sync.Mutex
	logs map[string]*sharedLog
}

type sharedLog struct {
	log  *Log
	opts Options
	refs int
}

// Shared is the process-wide registry every adapter uses, so that two hosts
// in one binary (or two handlers of one host) that name the same file share
// it rather than lock each other out.
var Shared = NewRegistry(Open)

// NewRegistry returns a registry that opens logs with open (normally Open;
// tests pass a stand-in to count opens or to fail them).
func NewRegistry(open func(string, Options) (*Log, error)) *Registry {
	return &Registry{open: open, logs: map[string]*sharedLog{}}
}

// Acquire returns the log open at path, opening it with opts on first use,
// and counts one more user. A caller whose options differ from those the
// log was opened with gets an error wrapping ErrOptionsChanged that names
// both sets: the caller's configuration is refused rather than silently
// given a log with other durability, key or rotation.
func (r *Registry) Acquire(path string, opts Options) (*Log, error) {
	key, err := filepath.Abs(path)
	if err != nil {
		return nil, err
	}
	r.mu.Lock()
	defer r.mu.Unlock()
	if s, ok := r.logs[key]; ok {
		if !s.opts.sameAs(opts, key) {
			return nil, fmt.Errorf("audit_log %s: %w (open with %s, asked for %s); restart to apply the new options",
				path, ErrOptionsChanged, s.opts.describe(key), opts.describe(key))
		}
		s.refs++
		return s.log, nil
	}
	l, err := r.open(key, opts)
	if err != nil {
		return nil, err
	}
	r.logs[key] = &sharedLog{log: l, opts: opts, refs: 1}
	return l, nil
}

// Release drops one user of the log at path and closes it with the last.
func (r *Registry) Release(path string) error {
	key, err := filepath.Abs(path)
	if err != nil {
		return err
	}
	r.mu.Lock()
	defer r.mu.Unlock()
	s, ok := r.logs[key]
	if !ok {
		return fmt.Errorf("audit_log %s released more often than acquired", path)
	}
	if s.refs--; s.refs > 0 {
		return nil
	}
	delete(r.logs, key)
	return s.log.Close()
}

// sameAs reports whether o and p configure the log at path the same way,
// defaults filled in (so "sync batch" equals an unset sync). The clock is not
// configuration and is ignored.
func (o Options) sameAs(p Options, path string) bool {
	a, errA := o.withDefaults(path)
	b, errB := p.withDefaults(path)
	if errA != nil || errB != nil {
		return false
	}
	return a.Sync == b.Sync && a.KeyFile == b.KeyFile && a.RotateSize == b.RotateSize &&
		a.RotateAge == b.RotateAge && a.Checkpoint == b.Checkpoint &&
		a.CheckpointInterval == b.CheckpointInterval && a.FlushInterval == b.FlushInterval
}

// describe spells the options as configuration words, defaults filled in,
// for error messages.
func (o Options) describe(path string) string {
	d, err := o.withDefaults(path)
	if err != nil {
		return "invalid options"
	}
	parts := []string{"sync " + string(d.Sync)}
	if d.KeyFile != "" {
		parts = append(parts, "key_file "+d.KeyFile)
	}
	if d.RotateSize != 0 {
		parts = append(parts, "rotate_size "+strconv.FormatInt(d.RotateSize, 10))
	}
	if d.RotateAge != 0 {
		parts = append(parts, "rotate_age "+d.RotateAge.String())
	}
	if d.Checkpoint != path+".checkpoint" {
		parts = append(parts, "checkpoint "+d.Checkpoint)
	}
	if d.CheckpointInterval != DefaultCheckpointInterval {
		parts = append(parts, "checkpoint_interval "+d.CheckpointInterval.String())
	}
	if d.FlushInterval != DefaultFlushInterval {
		parts = append(parts, "flush_interval "+d.FlushInterval.String())
	}
	return "{" + strings.Join(parts, ", ") + "}"
}
