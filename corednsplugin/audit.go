package corednsplugin

import (
	"fmt"
	"path/filepath"
	"sync"

	"github.com/openclaw-secure-stack/securestack/auditlog"
)

// auditLogs shares one *auditlog.Log per file between server blocks and
// across Corefile reloads. It is package state because CoreDNS gives a
// reloaded Corefile's plugins no handle on the previous instance's, and
// auditlog.Open refuses a second open of the same file.
var auditLogs = &auditRegistry{open: auditlog.Open, logs: map[string]*sharedLog{}}

type auditRegistry struct {
	open func(string, auditlog.Options) (*auditlog.Log, error)
	mu   sync.Mutex
	logs map[string]*sharedLog
}

type sharedLog struct {
	log  *auditlog.Log
	refs int
	args string // the option words it was opened with
}

// acquire returns the open log at path, opening it on first use. A later
// caller with other options gets the open log and a warning: a log's
// options change only once every user has let go of it.
func (r *auditRegistry) acquire(path string, opts auditlog.Options, args string, log logger) (*auditlog.Log, error) {
	key, err := filepath.Abs(path)
	if err != nil {
		return nil, err
	}
	r.mu.Lock()
	defer r.mu.Unlock()
	if s, ok := r.logs[key]; ok {
		if s.args != args {
			log.Warningf("audit_log %s is already open with options %q; %q apply after a restart", path, s.args, args)
		}
		s.refs++
		return s.log, nil
	}
	l, err := r.open(key, opts)
	if err != nil {
		return nil, err
	}
	r.logs[key] = &sharedLog{log: l, refs: 1, args: args}
	return l, nil
}

// release drops one reference and closes the log with the last one.
func (r *auditRegistry) release(path string) error {
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
