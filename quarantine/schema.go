package quarantine

import (
	"context"
	"database/sql"
	"fmt"
)

// migrations are applied in order; the database's PRAGMA user_version is
// the number already applied. Append new steps, never edit a released one.
var migrations = []string{
	// 1: the initial schema.
	`
CREATE TABLE skills (
	id              INTEGER PRIMARY KEY,
	name            TEXT NOT NULL,
	path            TEXT NOT NULL,              -- where the skill lives in a load directory
	sha256          TEXT NOT NULL,              -- tree hash of that content ('' when unreadable)
	verdict         TEXT NOT NULL CHECK (verdict IN ('allow', 'warn', 'block')),
	findings        TEXT NOT NULL DEFAULT '[]', -- JSON array of findings
	status          TEXT NOT NULL CHECK (status IN ('active', 'blocked', 'overridden', 'quarantined', 'removed')),
	quarantine_path TEXT,                       -- set while status is 'quarantined'
	first_seen      TEXT NOT NULL,
	last_scanned    TEXT NOT NULL
);
-- At most one row describes what is at a load path now; quarantined and
-- removed rows are history and may share the path.
CREATE UNIQUE INDEX skills_live_path ON skills (path) WHERE status IN ('active', 'blocked', 'overridden');
CREATE INDEX skills_name ON skills (name);
CREATE UNIQUE INDEX skills_quarantine_path ON skills (quarantine_path) WHERE quarantine_path IS NOT NULL;

CREATE TABLE overrides (
	id       INTEGER PRIMARY KEY,
	skill_id INTEGER NOT NULL REFERENCES skills (id),
	skill    TEXT NOT NULL,
	sha256   TEXT NOT NULL CHECK (length(sha256) > 0),
	user     TEXT NOT NULL,
	ack      TEXT NOT NULL,
	time     TEXT NOT NULL
);
CREATE INDEX overrides_sha256 ON overrides (sha256);

-- Every state change, in order. Rows with audited = 0 are still to be
-- written to the audit log (a transactional outbox).
CREATE TABLE events (
	id       INTEGER PRIMARY KEY,
	time     TEXT NOT NULL,
	skill_id INTEGER REFERENCES skills (id),
	skill    TEXT NOT NULL,
	kind     TEXT NOT NULL,
	outcome  TEXT NOT NULL,
	rules    TEXT NOT NULL DEFAULT '[]',
	fields   TEXT NOT NULL DEFAULT '{}',
	audited  INTEGER NOT NULL DEFAULT 0
);
CREATE INDEX events_unaudited ON events (id) WHERE audited = 0;
CREATE INDEX events_skill ON events (skill_id);

-- The move journal: a row is written before a directory moves and closed
-- when it has arrived, so an interrupted move is found and finished or
-- rolled back by the next process.
CREATE TABLE moves (
	id          INTEGER PRIMARY KEY,
	skill_id    INTEGER NOT NULL REFERENCES skills (id),
	kind        TEXT NOT NULL CHECK (kind IN ('quarantine', 'restore')),
	src         TEXT NOT NULL,
	dst         TEXT NOT NULL,
	aside       TEXT NOT NULL,              -- src renamed here once a cross-device copy is complete
	stage       TEXT NOT NULL,              -- cross-device copy target, renamed to dst when complete
	modes       TEXT NOT NULL,              -- JSON {relative path: mode} of the original tree
	want_sha256 TEXT NOT NULL DEFAULT '',   -- restore: the hash the content must have
	then_status TEXT NOT NULL,              -- the skill's status once the move is done
	state       TEXT NOT NULL CHECK (state IN ('pending', 'done', 'rolled_back', 'failed')),
	detail      TEXT NOT NULL DEFAULT '',
	started     TEXT NOT NULL,
	finished    TEXT
);
CREATE INDEX moves_pending ON moves (id) WHERE state = 'pending';
`,
}

// migrate brings the schema up to date in one IMMEDIATE transaction, so
// that processes opening a new database at the same time apply it once.
func (s *Store) migrate(ctx context.Context) error {
	v, err := userVersion(ctx, s.db)
	if err != nil {
		return s.damaged(ctx, err)
	}
	if v == len(migrations) {
		return nil
	}
	if v > len(migrations) {
		return &DamagedError{Path: s.path, Err: fmt.Errorf("schema version %d is newer than this program supports (%d); use a newer quarantine binary", v, len(migrations))}
	}
	return s.write(ctx, func(tx *sql.Tx) error {
		v, err := userVersion(ctx, tx)
		if err != nil {
			return s.damaged(ctx, err)
		}
		for i := v; i < len(migrations); i++ {
			if _, err := tx.ExecContext(ctx, migrations[i]); err != nil {
				return fmt.Errorf("quarantine: database %s: migration %d: %w", s.path, i+1, err)
			}
		}
		// PRAGMA does not take parameters; the value is our own integer.
		_, err = tx.ExecContext(ctx, fmt.Sprintf("PRAGMA user_version = %d", len(migrations)))
		return err
	})
}

type queryer interface {
	QueryRowContext(ctx context.Context, query string, args ...any) *sql.Row
}

func userVersion(ctx context.Context, q queryer) (int, error) {
	var v int
	err := q.QueryRowContext(ctx, "PRAGMA user_version").Scan(&v)
	return v, err
}
