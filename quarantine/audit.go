package quarantine

import (
	"context"
	"errors"
	"fmt"

	"github.com/openclaw-secure-stack/securestack/auditlog"
)

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
	cerr := log.Close()
	var merr error
	if written > 0 {
		_, merr = s.db.ExecContext(ctx, `UPDATE events SET audited = 1 WHERE audited = 0 AND id <= ?`, written)
		merr = s.dbErr("marking audited events", merr)
	}
	if err := errors.Join(werr, cerr); err != nil {
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
