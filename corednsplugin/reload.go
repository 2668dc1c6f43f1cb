package corednsplugin

import (
	"errors"
	"fmt"

	"github.com/openclaw-secure-stack/securestack/auditlog"
	"github.com/openclaw-secure-stack/securestack/egress"
)

// start opens the audit log, publishes the gauges and starts the reload
// loop. CoreDNS calls it once per server block, before serving.
func (e *Egress) start() error {
	if e.cfg.auditPath != "" {
		l, err := auditlog.Shared.Acquire(e.cfg.auditPath, e.cfg.auditOpts)
		if err != nil {
			if errors.Is(err, auditlog.ErrOptionsChanged) {
				return fmt.Errorf("egress: %w", err) // it names audit_log and the file
			}
			return fmt.Errorf("egress: audit_log: %w", err)
		}
		e.audit = l
	}
	e.results = map[string]*results{}
	for _, s := range e.servers {
		e.results[s] = resultsFor(s)
	}
	e.publish(e.lists.List())
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
	e.lists.Run(e.stopped, e.cfg.reload, e.reported)
}

// reloadIfChanged applies a changed allowlist now (the loop calls it on
// every tick through Run).
func (e *Egress) reloadIfChanged() { e.reported(e.lists.Reload()) }

// reported logs and counts what a reload did. A bad file keeps the last
// good list in force; egress.Reloader reports its error once per change.
func (e *Egress) reported(reloaded bool, err error) {
	if err != nil {
		e.log.Errorf("keeping the last good allowlist (%d entries): %v", e.lists.List().Len(), err)
		for _, s := range e.servers {
			reloadErrors.WithLabelValues(s).Inc()
		}
		return
	}
	if reloaded {
		list := e.lists.List()
		e.publish(list)
		e.log.Infof("allowlist reloaded: %d entries from %v", list.Len(), e.cfg.files)
	}
}

func (e *Egress) publish(list *egress.Allowlist) {
	now := float64(e.now().UnixNano()) / 1e9
	for _, s := range e.servers {
		entries.WithLabelValues(s).Set(float64(list.Len()))
		lastReload.WithLabelValues(s).Set(now)
	}
}
