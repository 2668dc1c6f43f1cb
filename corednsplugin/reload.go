package corednsplugin

import (
	"fmt"
	"os"
	"slices"
	"time"

	"github.com/openclaw-secure-stack/securestack/auditlog"
	"github.com/openclaw-secure-stack/securestack/egress"
)

// sameFiles reports whether two stats of the allowlist files show the same
// versions: same inode, size and modification time.
func sameFiles(a, b []os.FileInfo) bool {
	return slices.EqualFunc(a, b, func(x, y os.FileInfo) bool {
		return os.SameFile(x, y) && x.ModTime().Equal(y.ModTime()) && x.Size() == y.Size()
	})
}

func statAll(files []string) ([]os.FileInfo, error) {
	out := make([]os.FileInfo, len(files))
	for i, f := range files {
		fi, err := os.Stat(f)
		if err != nil {
			return nil, fmt.Errorf("allowlist: %w", err)
		}
		out[i] = fi
	}
	return out, nil
}

// start opens the audit log, publishes the gauges and starts the reload
// loop. CoreDNS calls it once per server block, before serving.
func (e *Egress) start() error {
	if e.cfg.auditPath != "" {
		l, err := auditlog.Shared.Acquire(e.cfg.auditPath, e.cfg.auditOpts)
		if err != nil {
			return fmt.Errorf("egress: audit_log: %w", err)
		}
		e.audit = l
	}
	e.results = map[string]*results{}
	for _, s := range e.servers {
		e.results[s] = resultsFor(s)
	}
	e.publish(e.list.Load())
	e.stopped = make(chan struct{})
	if e.cfg.reload > 0 {
		e.done.Add(1)
		go e.reloadLoop()
	}
	return nil
}

// stop ends the reload loop and releases the audit log.
func (e *Egress) stop() error {
	if e.stopped == nil {
		return nil // never started
	}
	close(e.stopped)
	e.done.Wait()
	e.stopped = nil
	if e.audit != nil {
		e.audit = nil
		return auditlog.Shared.Release(e.cfg.auditPath)
	}
	return nil
}

func (e *Egress) reloadLoop() {
	defer e.done.Done()
	t := time.NewTicker(e.cfg.reload)
	defer t.Stop()
	for {
		select {
		case <-e.stopped:
			return
		case <-t.C:
			e.reloadIfChanged()
		}
	}
}

// reloadIfChanged loads the allowlist files again when any of them changed
// (by inode, size or mtime) and swaps the new list in whole. A file that
// cannot be read or parsed leaves the last good list in place; the error is
// logged once per change of the files, not on every tick.
func (e *Egress) reloadIfChanged() {
	stamps, err := statAll(e.cfg.files)
	if err == nil && (sameFiles(stamps, e.stamps) || sameFiles(stamps, e.failed)) {
		return
	}
	var list *egress.Allowlist
	if err == nil {
		list, err = egress.LoadAllowlist(e.cfg.files...)
	}
	if err == nil {
		// A file rewritten while we read it may have been cut mid-line,
		// and a cut name is a different name: wait for it to settle.
		if after, err := statAll(e.cfg.files); err != nil || !sameFiles(stamps, after) {
			return
		}
	}
	if err != nil {
		if err.Error() != e.lastErr {
			e.log.Errorf("keeping the last good allowlist (%d entries): %v", e.list.Load().Len(), err)
			for _, s := range e.servers {
				reloadErrors.WithLabelValues(s).Inc()
			}
		}
		e.failed, e.lastErr = stamps, err.Error()
		return
	}
	e.list.Store(list)
	e.stamps, e.failed, e.lastErr = stamps, nil, ""
	e.publish(list)
	e.log.Infof("allowlist reloaded: %d entries from %v", list.Len(), e.cfg.files)
}

func (e *Egress) publish(list *egress.Allowlist) {
	now := float64(e.now().UnixNano()) / 1e9
	for _, s := range e.servers {
		entries.WithLabelValues(s).Set(float64(list.Len()))
		lastReload.WithLabelValues(s).Set(now)
	}
}
