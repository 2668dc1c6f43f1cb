package quarantine

import (
	"context"
	"errors"
	"fmt"
	"math/rand/v2"
	"time"

	"github.com/openclaw-secure-stack/securestack/auditlog"
)

// OpenAuditLog returns an Options.OpenAudit for the audit log at path. An
// audit log has one writer at a time (auditlog.Open takes an flock and
// fails with auditlog.ErrLocked), so concurrent quarantine processes take
// turns: each opens the log only to write one batch, and an opener that
// finds it locked retries with a growing, jittered delay for up to wait.
// The log must not be one a long-running host (the Caddy guard) keeps
// open: give quarantine its own file.
func OpenAuditLog(path string, opts auditlog.Options, wait time.Duration) func() (AuditLog, error) {
	return func() (AuditLog, error) {
		deadline := time.Now().Add(wait)
		for delay := 2 * time.Millisecond; ; delay = min(2*delay, 100*time.Millisecond) {
			l, err := auditlog.Open(path, opts)
			if err == nil {
				return l, nil
			}
			if !errors.Is(err, auditlog.ErrLocked) {
				return nil, err
			}
			if time.Now().After(deadline) {
				return nil, fmt.Errorf("%w (waited %s; is another program keeping the log open? quarantine needs a log of its own)", err, wait)
			}
			time.Sleep(delay/2 + rand.N(delay))
		}
	}
}

// flushAudit writes the events not yet in the audit log, oldest first.
// The events table is the outbox: a state change and its event commit
// together, and a crash before the audit write only delays it to the next
// run. Holding the audit log (its flock) while reading and marking the
// outbox keeps two processes from writing the same event twice.
func (s *Store) flushAudit(ctx context.Context) error {
	if s.opts.OpenAudit == nil {
		return nil
	}
	var pending bool
	if err := s.db.QueryRowContext(ctx, `SELECT EXISTS (SELECT 1 FROM events WHERE audited = 0)`).Scan(&pending); err != nil {
		return s.dbErr("reading the audit outbox", err)
	}
	if !pending {
		return nil
	}
	log, err := s.opts.OpenAudit()
	if err != nil {
		return fmt.Errorf("quarantine: the change is saved, but the audit log could not be opened: %w; its events stay queued in %s and are written by the next run", err, s.path)
	}
	written, werr := s.writeOutbox(ctx, log)
	var merr error
	if written > 0 {
		// Mark before Close releases the log to the next process, or it
		// would find the same events unmarked and write them again.
		_, merr = s.db.ExecContext(ctx, `UPDATE events SET audited = 1 WHERE audited = 0 AND id <= ?`, written)
		merr = s.dbErr("marking audited events", merr)
	}
	if err := errors.Join(werr, log.Close()); err != nil {
		return fmt.Errorf("quarantine: the change is saved, but writing the audit log failed: %w; unwritten events stay queued in %s", err, s.path)
	}
	return merr
}

// writeOutbox writes the queued events and returns the id of the last one
// written.
func (s *Store) writeOutbox(ctx context.Context, log AuditLog) (int64, error) {
	rows, err := s.db.QueryContext(ctx, `SELECT id, time, coalesce(skill_id, 0), skill, kind, outcome, rules, fields, audited FROM events WHERE audited = 0 ORDER BY id`)
	if err != nil {
		return 0, s.dbErr("reading the audit outbox", err)
	}
	var events []Event
	for rows.Next() {
		e, err := scanEvent(rows)
		if err != nil {
			rows.Close()
			return 0, s.dbErr("reading the audit outbox", err)
		}
		events = append(events, e)
	}
	rows.Close()
	if err := rows.Err(); err != nil {
		return 0, s.dbErr("reading the audit outbox", err)
	}
	var last int64
	for _, e := range events {
		if err := log.Write(auditEvent(e, s.path)); err != nil {
			return last, err
		}
		last = e.ID
	}
	return last, nil
}

// auditEvent is how a state change appears in the audit log. event_id and
// db tie it to its row, so a record written twice (a crash between the
// write and the mark) is recognisable.
func auditEvent(e Event, db string) auditlog.Event {
	fields := make(map[string]any, len(e.Fields)+3)
	for k, v := range e.Fields {
		fields[k] = v
	}
	fields["skill"] = e.Skill
	fields["event_id"] = e.ID
	fields["db"] = db
	return auditlog.Event{Time: e.Time, Event: e.Kind, Outcome: e.Outcome, Rules: e.Rules, Fields: fields}
}
