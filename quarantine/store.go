package quarantine

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"net/url"
	"os"
	"path/filepath"
	"strings"
	"syscall"
	"time"

	"github.com/openclaw-secure-stack/securestack/auditlog"
	"modernc.org/sqlite" // also registers the "sqlite" driver
	sqlite3 "modernc.org/sqlite/lib"
)

// DefaultBusyTimeout is how long a write waits for another process that
// holds the database or the store lock before it gives up.
const DefaultBusyTimeout = 30 * time.Second

// AuditLog receives the store's state changes. *auditlog.Log satisfies it.
type AuditLog interface {
	Write(e auditlog.Event) error
	Close() error
}

// Options configure a Store.
type Options struct {
	// QuarantineDir receives blocked skills. It is created with mode 0700
	// when missing and must not lie inside a skill load directory.
	QuarantineDir string
	// TreeHash returns the content hash of a skill directory, the same
	// hash the scanner reports (scanner.TreeHash). Override and Release use
	// it to check that what they put back is what was reviewed; they fail
	// when it is nil.
	TreeHash func(path string) (string, error)
	// OpenAudit opens the audit log for one batch of writes and is closed
	// again at once, so that concurrent processes can take turns on the
	// log's lock (see OpenAuditLog). Nil keeps state changes in the events
	// table only.
	OpenAudit func() (AuditLog, error)
	// BusyTimeout bounds every wait for the database and the store lock;
	// 0 means DefaultBusyTimeout.
	BusyTimeout time.Duration
	// Now is the clock; nil means time.Now.
	Now func() time.Time
}

// Store is the quarantine database and the quarantine directory. A Store is
// meant for one goroutine at a time; several processes may share the same
// database and directory.
type Store struct {
	db       *sql.DB
	path     string
	qdir     string
	lockPath string
	opts     Options
	// recovered is what Open's recovery did, for the caller to report.
	recovered []Recovered

	// Seams for the crash tests: rename is os.Rename, and stepHook, when
	// set, runs after each step of a move.
	rename   func(oldpath, newpath string) error
	stepHook func(step string)
}

// DamagedError reports a database that cannot be used: not a database, a
// failed integrity check, or a schema newer than this program.
type DamagedError struct {
	Path string
	Err  error
}

func (e *DamagedError) Error() string {
	return fmt.Sprintf("quarantine: database %s cannot be used: %v; nothing was changed. Move the file aside (with its -wal and -shm files) and restore a backup, or start a new database with --db", e.Path, e.Err)
}

func (e *DamagedError) Unwrap() error { return e.Err }

// Open opens (creating when missing) the database at path with mode 0600,
// applies pending schema migrations and finishes or rolls back any move
// that an earlier process left half done.
func Open(ctx context.Context, path string, opts Options) (*Store, error) {
	if opts.QuarantineDir == "" {
		return nil, errors.New("quarantine: Options.QuarantineDir is required")
	}
	if opts.BusyTimeout <= 0 {
		opts.BusyTimeout = DefaultBusyTimeout
	}
	if opts.Now == nil {
		opts.Now = time.Now
	}
	abs, err := filepath.Abs(path)
	if err != nil {
		return nil, fmt.Errorf("quarantine: database path %q: %w", path, err)
	}
	if strings.ContainsRune(abs, '?') {
		// The driver reads everything after '?' as connection parameters.
		return nil, fmt.Errorf("quarantine: database path %q contains '?'; choose another path", abs)
	}
	qdir, err := filepath.Abs(opts.QuarantineDir)
	if err != nil {
		return nil, fmt.Errorf("quarantine: quarantine directory %q: %w", opts.QuarantineDir, err)
	}
	if err := ensurePrivateDir(qdir); err != nil {
		return nil, err
	}
	if err := createPrivateFile(abs); err != nil {
		return nil, err
	}
	lockPath := abs + ".lock"
	if err := createPrivateFile(lockPath); err != nil {
		return nil, err
	}
	db, err := sql.Open("sqlite", dsn(abs, opts.BusyTimeout))
	if err != nil {
		return nil, &DamagedError{Path: abs, Err: err}
	}
	// One connection: the CLI and watch loop are sequential, and a second
	// connection in the same process would only contend for the same lock.
	db.SetMaxOpenConns(1)
	s := &Store{db: db, path: abs, qdir: qdir, lockPath: lockPath, opts: opts, rename: os.Rename}
	if err := s.checkPatiently(ctx); err != nil {
		db.Close()
		return nil, err
	}
	if err := s.migrate(ctx); err != nil {
		db.Close()
		return nil, err
	}
	if s.recovered, err = s.Recover(ctx); err != nil {
		db.Close()
		return nil, err
	}
	return s, nil
}

// Recovered reports the interrupted moves that Open finished or rolled back.
func (s *Store) Recovered() []Recovered { return s.recovered }

// dsn builds the modernc.org/sqlite data source name. Every transaction
// begins IMMEDIATE so that a writer takes the write lock up front and waits
// (busy_timeout) instead of failing with "database is locked" when it
// upgrades a read lock halfway through.
func dsn(path string, busy time.Duration) string {
	q := url.Values{}
	q.Add("_pragma", fmt.Sprintf("busy_timeout(%d)", busy.Milliseconds()))
	q.Add("_pragma", "journal_mode(WAL)")
	q.Add("_pragma", "synchronous(FULL)")
	q.Add("_pragma", "foreign_keys(1)")
	q.Set("_txlock", "immediate")
	return path + "?" + q.Encode()
}

// damaged classifies an error met while opening the database: running out
// of time or waiting on another process is not damage, and must not send
// the operator to restore a backup.
func (s *Store) damaged(ctx context.Context, err error) error {
	var se *sqlite.Error
	switch {
	case ctx.Err() != nil:
		return fmt.Errorf("quarantine: database %s: %w", s.path, ctx.Err())
	case errors.As(err, &se) && (se.Code()&0xff == sqlite3.SQLITE_BUSY || se.Code()&0xff == sqlite3.SQLITE_LOCKED):
		return fmt.Errorf("quarantine: database %s is busy: another process held it for more than %s: %w", s.path, s.opts.BusyTimeout, err)
	}
	return &DamagedError{Path: s.path, Err: err}
}

// checkPatiently runs check, retrying while the database is busy, up to
// BusyTimeout. SQLite does not always wait on its busy handler: turning a
// new file to WAL mode while another process does the same, for one, fails
// at once with SQLITE_BUSY, so processes started together (watch, policy
// and a scan) would otherwise refuse to open a healthy database.
func (s *Store) checkPatiently(ctx context.Context) error {
	deadline := time.Now().Add(s.opts.BusyTimeout)
	wait := 5 * time.Millisecond
	for {
		err := s.check(ctx)
		var se *sqlite.Error
		busy := errors.As(err, &se) && (se.Code()&0xff == sqlite3.SQLITE_BUSY || se.Code()&0xff == sqlite3.SQLITE_LOCKED)
		if !busy || time.Now().Add(wait).After(deadline) {
			return err
		}
		select {
		case <-ctx.Done():
			return s.damaged(ctx, ctx.Err())
		case <-time.After(wait):
		}
		wait = min(2*wait, 200*time.Millisecond)
	}
}

// check verifies that the file is a usable SQLite database in WAL mode.
func (s *Store) check(ctx context.Context) error {
	var mode string
	if err := s.db.QueryRowContext(ctx, "PRAGMA journal_mode").Scan(&mode); err != nil {
		return s.damaged(ctx, err)
	}
	if !strings.EqualFold(mode, "wal") {
		return &DamagedError{Path: s.path, Err: fmt.Errorf("journal mode is %q, want wal", mode)}
	}
	rows, err := s.db.QueryContext(ctx, "PRAGMA quick_check")
	if err != nil {
		return s.damaged(ctx, err)
	}
	defer rows.Close()
	var problems []string
	for rows.Next() {
		var line string
		if err := rows.Scan(&line); err != nil {
			return s.damaged(ctx, err)
		}
		if line != "ok" {
			problems = append(problems, line)
		}
	}
	if err := rows.Err(); err != nil {
		return s.damaged(ctx, err)
	}
	if len(problems) > 0 {
		if len(problems) > 3 {
			problems = append(problems[:3], "...")
		}
		return &DamagedError{Path: s.path, Err: fmt.Errorf("integrity check failed: %s", strings.Join(problems, "; "))}
	}
	return nil
}

// Close closes the database.
func (s *Store) Close() error { return s.db.Close() }

// Path returns the absolute path of the database file.
func (s *Store) Path() string { return s.path }

// QuarantineDir returns the absolute path of the quarantine directory.
func (s *Store) QuarantineDir() string { return s.qdir }

func (s *Store) now() time.Time { return s.opts.Now().UTC() }

// write runs fn in one IMMEDIATE transaction.
func (s *Store) write(ctx context.Context, fn func(tx *sql.Tx) error) error {
	tx, err := s.db.BeginTx(ctx, nil)
	if err != nil {
		return fmt.Errorf("quarantine: database %s: begin: %w", s.path, err)
	}
	if err := fn(tx); err != nil {
		tx.Rollback()
		return err
	}
	if err := tx.Commit(); err != nil {
		return fmt.Errorf("quarantine: database %s: commit: %w", s.path, err)
	}
	return nil
}

// lock takes the store lock, an flock beside the database that every
// operation touching skill rows or the file system holds. It orders moves
// against scans across processes, and an interrupted move is recognisable
// as one whose pending journal row nobody holds the lock for.
func (s *Store) lock(ctx context.Context) (unlock func(), err error) {
	f, err := os.OpenFile(s.lockPath, os.O_RDWR, 0)
	if err != nil {
		return nil, fmt.Errorf("quarantine: lock file: %w", err)
	}
	deadline := time.Now().Add(s.opts.BusyTimeout)
	for wait := time.Millisecond; ; wait = min(2*wait, 50*time.Millisecond) {
		err := syscall.Flock(int(f.Fd()), syscall.LOCK_EX|syscall.LOCK_NB)
		if err == nil {
			return func() { f.Close() }, nil // closing the file releases the lock
		}
		if !errors.Is(err, syscall.EWOULDBLOCK) {
			f.Close()
			return nil, fmt.Errorf("quarantine: locking %s: %w", s.lockPath, err)
		}
		if time.Now().After(deadline) {
			f.Close()
			return nil, fmt.Errorf("quarantine: another quarantine process has held %s for more than %s; wait for it to finish and retry", s.lockPath, s.opts.BusyTimeout)
		}
		select {
		case <-ctx.Done():
			f.Close()
			return nil, ctx.Err()
		case <-time.After(wait):
		}
	}
}

// ensurePrivateDir creates dir (and parents) with mode 0700, and tightens an
// existing one to 0700.
func ensurePrivateDir(dir string) error {
	if err := os.MkdirAll(dir, 0o700); err != nil {
		return fmt.Errorf("quarantine: creating %s: %w", dir, err)
	}
	fi, err := os.Lstat(dir)
	if err != nil {
		return fmt.Errorf("quarantine: %w", err)
	}
	if !fi.IsDir() {
		return fmt.Errorf("quarantine: %s is not a directory", dir)
	}
	if fi.Mode().Perm() != 0o700 {
		if err := os.Chmod(dir, 0o700); err != nil {
			return fmt.Errorf("quarantine: restricting %s to mode 0700: %w", dir, err)
		}
	}
	return nil
}

// createPrivateFile creates path with mode 0600 if it is missing, creating
// its directory with 0700, and tightens an existing file to 0600. SQLite
// gives the -wal and -shm files the database file's mode.
func createPrivateFile(path string) error {
	if err := os.MkdirAll(filepath.Dir(path), 0o700); err != nil {
		return fmt.Errorf("quarantine: creating the directory of %s: %w", path, err)
	}
	f, err := os.OpenFile(path, os.O_RDWR|os.O_CREATE, 0o600)
	if err != nil {
		return &DamagedError{Path: path, Err: err}
	}
	defer f.Close()
	fi, err := f.Stat()
	if err != nil {
		return &DamagedError{Path: path, Err: err}
	}
	if !fi.Mode().IsRegular() {
		return &DamagedError{Path: path, Err: errors.New("not a regular file")}
	}
	if fi.Mode().Perm() != 0o600 {
		if err := f.Chmod(0o600); err != nil {
			return fmt.Errorf("quarantine: restricting %s to mode 0600: %w", path, err)
		}
	}
	return nil
}
