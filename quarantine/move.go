package quarantine

import (
	"context"
	"database/sql"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"os"
	"path/filepath"
	"syscall"
	"time"

	"github.com/openclaw-secure-stack/securestack/auditlog"
)

// A move takes a skill directory out of its load directory into the
// quarantine directory, or back. It is journalled in the moves table before
// anything on disk changes and runs under the store lock, so a pending row
// whose lock nobody holds is a move that was interrupted.
//
// On one file system the move is a single rename(2). Across file systems it
// is: copy src to stage (a sibling of dst) and fsync it; rename src to aside
// (a sibling of src); rename stage to dst; remove aside. stage and aside
// start with a dot, and OpenClaw's skill discovery skips dot directories, so
// at no point is a partial tree, or the skill in two places, visible in a
// load directory. resolve finishes or rolls back a move from whatever state
// it was left in.

// Move is one row of the move journal.
type Move struct {
	ID       int64     `json:"id"`
	SkillID  int64     `json:"skill_id"`
	Kind     string    `json:"kind"` // "quarantine" or "restore"
	Src      string    `json:"src"`
	Dst      string    `json:"dst"`
	State    string    `json:"state"` // "pending", "done", "rolled_back" or "failed"
	Detail   string    `json:"detail,omitempty"`
	Started  time.Time `json:"started"`
	Finished time.Time `json:"finished,omitzero"`
}

// Move kinds and states.
const (
	moveQuarantine = "quarantine"
	moveRestore    = "restore"

	statePending    = "pending"
	stateDone       = "done"
	stateRolledBack = "rolled_back"
	stateFailed     = "failed"
)

// move is a journal row with what running it needs.
type move struct {
	Move
	aside, stage string
	modes        map[string]fs.FileMode
	wantSHA256   string
	thenStatus   Status
}

// modeBits are the mode bits a move records and restores.
const modeBits = fs.ModePerm | fs.ModeSetuid | fs.ModeSetgid | fs.ModeSticky

// Recovered is the outcome of resolving one interrupted move.
type Recovered struct {
	Move    Move
	Outcome auditlog.Outcome // OutcomeCompleted, OutcomeRolledBack or OutcomeFailed
	Err     error            // why it failed
}

// Quarantine moves a Blocked skill out of its load directory into the
// quarantine directory, where directories get mode 0700 and files 0600
// (execute bits removed). The original modes are journalled, so a later
// Override or Release restores them. A skill that is already Quarantined is
// returned as it is.
func (s *Store) Quarantine(ctx context.Context, id int64) (Skill, error) {
	return withLock(ctx, s, func() (Skill, error) { return s.quarantineLocked(ctx, id) })
}

func (s *Store) quarantineLocked(ctx context.Context, id int64) (Skill, error) {
	sk, err := s.skillWhere(ctx, s.db, "id = ?", id)
	if err != nil {
		return Skill{}, fmt.Errorf("quarantine: skill #%d: %w", id, err)
	}
	if sk.Status == Quarantined {
		return sk, nil
	}
	if sk.Status != Blocked {
		return sk, fmt.Errorf("quarantine: skill #%d (%s) is %s, not blocked; only blocked skills are quarantined", sk.ID, sk.Name, sk.Status)
	}
	if within(filepath.Dir(sk.Path), s.qdir) {
		return sk, fmt.Errorf("quarantine: the quarantine directory %s is inside the load directory %s, where OpenClaw would still find the skill; choose a quarantine directory outside every skill directory", s.qdir, filepath.Dir(sk.Path))
	}
	modes, err := readModes(sk.Path)
	if err != nil {
		return sk, fmt.Errorf("quarantine: cannot quarantine %s: %w", sk.Path, err)
	}
	m := &move{Move: Move{SkillID: sk.ID, Kind: moveQuarantine, Src: sk.Path}, modes: modes, thenStatus: Quarantined}
	if err := s.begin(ctx, m, func(id int64) (dst, aside, stage string) {
		return filepath.Join(s.qdir, fmt.Sprintf("%d-%s", id, shortBase(sk.Path))),
			filepath.Join(filepath.Dir(sk.Path), fmt.Sprintf(".quarantine-%d.aside", id)),
			filepath.Join(s.qdir, fmt.Sprintf(".quarantine-%d.stage", id))
	}); err != nil {
		return sk, err
	}
	if err := s.run(ctx, m); err != nil {
		return sk, err
	}
	return s.skillWhere(ctx, s.db, "id = ?", id)
}

// restoreLocked moves a Quarantined skill back to its load path with its
// original modes, after checking that the content still has the hash
// wantSHA256. The skill then has status then.
func (s *Store) restoreLocked(ctx context.Context, sk Skill, then Status) (Skill, error) {
	if s.opts.TreeHash == nil {
		return sk, errors.New("quarantine: Options.TreeHash is required to restore a skill")
	}
	if _, err := os.Lstat(sk.Path); err == nil {
		return sk, fmt.Errorf("quarantine: cannot restore skill #%d (%s): %s is occupied by another copy; move it away (or remove it) and retry", sk.ID, sk.Name, sk.Path)
	} else if !errors.Is(err, fs.ErrNotExist) {
		return sk, fmt.Errorf("quarantine: cannot restore skill #%d: %w", sk.ID, err)
	}
	if fi, err := os.Stat(filepath.Dir(sk.Path)); err != nil || !fi.IsDir() {
		return sk, fmt.Errorf("quarantine: cannot restore skill #%d: its load directory %s is gone; create it and retry", sk.ID, filepath.Dir(sk.Path))
	}
	var modesJSON string
	err := s.db.QueryRowContext(ctx, `SELECT modes FROM moves WHERE skill_id = ? AND kind = 'quarantine' AND state = 'done' ORDER BY id DESC LIMIT 1`, sk.ID).Scan(&modesJSON)
	if err != nil {
		return sk, s.dbErr(fmt.Sprintf("finding how skill #%d was quarantined", sk.ID), err)
	}
	var modes map[string]fs.FileMode
	if err := json.Unmarshal([]byte(modesJSON), &modes); err != nil {
		return sk, s.dbErr("reading journalled modes", err)
	}
	m := &move{Move: Move{SkillID: sk.ID, Kind: moveRestore, Src: sk.QuarantinePath}, modes: modes, wantSHA256: sk.SHA256, thenStatus: then}
	if err := s.begin(ctx, m, func(id int64) (dst, aside, stage string) {
		return sk.Path,
			filepath.Join(filepath.Dir(sk.QuarantinePath), fmt.Sprintf(".quarantine-%d.aside", id)),
			filepath.Join(filepath.Dir(sk.Path), fmt.Sprintf(".quarantine-%d.stage", id))
	}); err != nil {
		return sk, err
	}
	if err := s.run(ctx, m); err != nil {
		return sk, err
	}
	return s.skillWhere(ctx, s.db, "id = ?", sk.ID)
}

// begin writes the journal row. A live row left at the destination by a
// skill that has since disappeared is marked removed in the same
// transaction, so the move's own row can take the path when it is done.
func (s *Store) begin(ctx context.Context, m *move, names func(id int64) (dst, aside, stage string)) error {
	modes, err := json.Marshal(m.modes)
	if err != nil {
		return err
	}
	m.Started = s.now()
	m.State = statePending
	return s.write(ctx, func(tx *sql.Tx) error {
		res, err := tx.ExecContext(ctx, `INSERT INTO moves (skill_id, kind, src, dst, aside, stage, modes, want_sha256, then_status, state, started)
			VALUES (?, ?, ?, '', '', '', ?, ?, ?, 'pending', ?)`, m.SkillID, m.Kind, m.Src, modes, m.wantSHA256, m.thenStatus, ts(m.Started))
		if err != nil {
			return s.dbErr("journalling a move", err)
		}
		if m.ID, err = res.LastInsertId(); err != nil {
			return s.dbErr("journalling a move", err)
		}
		m.Dst, m.aside, m.stage = names(m.ID)
		if _, err := tx.ExecContext(ctx, `UPDATE moves SET dst = ?, aside = ?, stage = ? WHERE id = ?`, m.Dst, m.aside, m.stage, m.ID); err != nil {
			return s.dbErr("journalling a move", err)
		}
		if m.Kind == moveRestore {
			if _, err := tx.ExecContext(ctx, `UPDATE skills SET status = 'removed' WHERE path = ? AND status IN `+liveStatuses, m.Dst); err != nil {
				return s.dbErr("journalling a move", err)
			}
		}
		return nil
	})
}

// run performs a journalled move. When a step fails, what was done is
// finished or rolled back at once (resolve) and the step's error returned.
func (s *Store) run(ctx context.Context, m *move) error {
	s.step("intent")
	if m.Kind == moveRestore {
		if err := s.prepareRestore(m); err != nil {
			_, rerr := s.resolve(ctx, m)
			return errors.Join(err, rerr)
		}
		s.step("prepared")
	}
	err := s.rename(m.Src, m.Dst)
	switch {
	case err == nil:
		syncDir(filepath.Dir(m.Dst))
		syncDir(filepath.Dir(m.Src))
		s.step("renamed")
	case errors.Is(err, syscall.EXDEV):
		if err := s.copyAcross(m); err != nil {
			outcome, rerr := s.resolve(ctx, m)
			if outcome == auditlog.OutcomeCompleted && rerr == nil {
				return nil // a clean-up step failed and resolve redid it
			}
			return errors.Join(fmt.Errorf("quarantine: moving %s to %s across file systems: %w", m.Src, m.Dst, err), rerr)
		}
	default:
		_, rerr := s.resolve(ctx, m)
		return errors.Join(fmt.Errorf("quarantine: moving %s to %s: %w", m.Src, m.Dst, err), rerr)
	}
	return s.finish(ctx, m)
}

// prepareRestore gives the quarantined tree its original modes (it is still
// inside the private quarantine directory) and checks its hash, so that
// what arrives in the load directory is exactly what was reviewed.
func (s *Store) prepareRestore(m *move) error {
	if err := applyModes(m.Src, m.modes); err != nil {
		return fmt.Errorf("quarantine: restoring the modes of %s: %w", m.Src, err)
	}
	sum, err := s.opts.TreeHash(m.Src)
	if err != nil {
		return fmt.Errorf("quarantine: hashing %s: %w", m.Src, err)
	}
	if sum != m.wantSHA256 {
		return fmt.Errorf("quarantine: %s has changed while quarantined (sha256 %s, reviewed %s); it was not restored. Rescan it and review the new content", m.Src, sum, m.wantSHA256)
	}
	return nil
}

// copyAcross moves src to dst on another file system (see the comment at
// the top of this file).
func (s *Store) copyAcross(m *move) error {
	if err := os.RemoveAll(m.stage); err != nil {
		return err
	}
	if err := copyTree(m.Src, m.stage); err != nil {
		return err
	}
	syncDir(filepath.Dir(m.stage))
	s.step("copied")
	if err := s.rename(m.Src, m.aside); err != nil {
		return err
	}
	syncDir(filepath.Dir(m.Src))
	s.step("aside")
	if err := s.rename(m.stage, m.Dst); err != nil {
		return err
	}
	syncDir(filepath.Dir(m.Dst))
	s.step("placed")
	if err := os.RemoveAll(m.aside); err != nil {
		return err
	}
	syncDir(filepath.Dir(m.aside))
	s.step("cleaned")
	return nil
}

// finish gives the arrived tree its final modes and closes the journal row.
func (s *Store) finish(ctx context.Context, m *move) error {
	var err error
	if m.Kind == moveQuarantine {
		err = secureTree(m.Dst)
	} else {
		err = applyModes(m.Dst, m.modes)
	}
	if err != nil {
		return fmt.Errorf("quarantine: setting the modes of %s: %w (the next run retries)", m.Dst, err)
	}
	s.step("secured")
	return s.write(ctx, func(tx *sql.Tx) error {
		if err := s.closeMove(ctx, tx, m, stateDone, ""); err != nil {
			return err
		}
		qpath, loadPath, outcome := any(m.Dst), m.Src, auditlog.OutcomeQuarantined
		if m.Kind == moveRestore {
			qpath, loadPath, outcome = nil, m.Dst, auditlog.OutcomeRestored
		}
		if _, err := tx.ExecContext(ctx, `UPDATE skills SET status = ?, quarantine_path = ? WHERE id = ?`, m.thenStatus, qpath, m.SkillID); err != nil {
			return s.dbErr("updating a skill", err)
		}
		var name, sha string
		if err := tx.QueryRowContext(ctx, `SELECT name, sha256 FROM skills WHERE id = ?`, m.SkillID).Scan(&name, &sha); err != nil {
			return s.dbErr("reading a skill", err)
		}
		return s.event(ctx, tx, m.SkillID, name, "quarantine.move", outcome, nil, map[string]any{
			"move_id": m.ID, "path": loadPath, "from": m.Src, "to": m.Dst, "sha256": sha, "status": string(m.thenStatus)})
	})
}

func (s *Store) closeMove(ctx context.Context, tx *sql.Tx, m *move, state, detail string) error {
	m.State, m.Detail, m.Finished = state, detail, s.now()
	_, err := tx.ExecContext(ctx, `UPDATE moves SET state = ?, detail = ?, finished = ? WHERE id = ?`, state, detail, ts(m.Finished), m.ID)
	return s.dbErr("closing a journalled move", err)
}

// resolve brings an interrupted move to an end, judging from what exists
// on disk: it completes a move whose tree has arrived or whose copy is
// complete, rolls back one that had not left its source, and marks the
// rest failed for the operator without deleting anything. The outcome
// (OutcomeCompleted, OutcomeRolledBack or OutcomeFailed) is set once the journal row is
// closed; a failed move also returns an error that says why.
func (s *Store) resolve(ctx context.Context, m *move) (outcome auditlog.Outcome, err error) {
	S, A, G, D := exists(m.Src), exists(m.aside), exists(m.stage), exists(m.Dst)
	switch {
	case D && !S:
		// Arrived: the rename happened, or the copy was placed.
		if err := errors.Join(os.RemoveAll(m.stage), os.RemoveAll(m.aside)); err != nil {
			return "", fmt.Errorf("quarantine: completing move #%d: %w", m.ID, err)
		}
		return s.complete(ctx, m)
	case A && G:
		// The copy is complete (src is set aside only after it was synced).
		if err := s.rename(m.stage, m.Dst); err != nil {
			return "", fmt.Errorf("quarantine: completing move #%d: %w", m.ID, err)
		}
		syncDir(filepath.Dir(m.Dst))
		if err := os.RemoveAll(m.aside); err != nil {
			return "", fmt.Errorf("quarantine: completing move #%d: %w", m.ID, err)
		}
		return s.complete(ctx, m)
	case A && !D && !S:
		// The copy disappeared before it was placed: put the source back.
		if err := s.rename(m.aside, m.Src); err != nil {
			return "", fmt.Errorf("quarantine: rolling back move #%d: %w", m.ID, err)
		}
		return s.rollBack(ctx, m)
	case S && !D:
		// Nothing left its place; a stage may hold a partial copy.
		if err := os.RemoveAll(m.stage); err != nil {
			return "", fmt.Errorf("quarantine: rolling back move #%d: %w", m.ID, err)
		}
		return s.rollBack(ctx, m)
	case S && D:
		return s.fail(ctx, m, fmt.Sprintf("both %s and %s exist; something else created one of them during the move. Compare them, keep one, and rescan", m.Src, m.Dst))
	default:
		return s.fail(ctx, m, fmt.Sprintf("neither %s nor %s exists (nor %s or %s); something else deleted the skill during the move", m.Src, m.Dst, m.aside, m.stage))
	}
}

func (s *Store) complete(ctx context.Context, m *move) (auditlog.Outcome, error) {
	if err := s.finish(ctx, m); err != nil {
		return "", err
	}
	return auditlog.OutcomeCompleted, nil
}

func (s *Store) rollBack(ctx context.Context, m *move) (auditlog.Outcome, error) {
	if m.Kind == moveRestore {
		// prepareRestore may have given the quarantined copy its old modes.
		if err := secureTree(m.Src); err != nil {
			return "", fmt.Errorf("quarantine: re-securing %s: %w", m.Src, err)
		}
	}
	err := s.write(ctx, func(tx *sql.Tx) error {
		if err := s.closeMove(ctx, tx, m, stateRolledBack, ""); err != nil {
			return err
		}
		return s.event(ctx, tx, m.SkillID, s.skillName(ctx, tx, m.SkillID), "quarantine.move", auditlog.OutcomeRolledBack, nil,
			map[string]any{"move_id": m.ID, "kind": m.Kind, "from": m.Src, "to": m.Dst})
	})
	if err != nil {
		return "", err
	}
	return auditlog.OutcomeRolledBack, nil
}

func (s *Store) fail(ctx context.Context, m *move, detail string) (auditlog.Outcome, error) {
	err := s.write(ctx, func(tx *sql.Tx) error {
		if err := s.closeMove(ctx, tx, m, stateFailed, detail); err != nil {
			return err
		}
		return s.event(ctx, tx, m.SkillID, s.skillName(ctx, tx, m.SkillID), "quarantine.move", auditlog.OutcomeFailed, nil,
			map[string]any{"move_id": m.ID, "kind": m.Kind, "from": m.Src, "to": m.Dst, "detail": detail})
	})
	if err != nil {
		return "", err
	}
	return auditlog.OutcomeFailed, fmt.Errorf("quarantine: move #%d of skill #%d failed: %s", m.ID, m.SkillID, detail)
}

func (s *Store) skillName(ctx context.Context, tx *sql.Tx, id int64) string {
	var name string
	tx.QueryRowContext(ctx, `SELECT name FROM skills WHERE id = ?`, id).Scan(&name)
	return name
}

// Recover resolves every move that an interrupted process left pending
// and reports what it did. Open and every operation that takes the store
// lock call it, so callers need it only to report recoveries.
func (s *Store) Recover(ctx context.Context) ([]Recovered, error) {
	unlock, err := s.lock(ctx)
	if err != nil {
		return nil, err
	}
	out, err := func() ([]Recovered, error) {
		defer unlock()
		return s.recoverLocked(ctx)
	}()
	return out, errors.Join(err, s.flushAudit(ctx))
}

// withLock runs fn under the store lock, then writes the audit outbox.
func withLock[T any](ctx context.Context, s *Store, fn func() (T, error)) (T, error) {
	unlock, err := s.acquire(ctx)
	if err != nil {
		var zero T
		return zero, err
	}
	v, err := func() (T, error) {
		defer unlock() // also when a step panics, as the crash tests make it
		return fn()
	}()
	return v, errors.Join(err, s.flushAudit(ctx))
}

// acquire takes the store lock and resolves moves that lost their process.
func (s *Store) acquire(ctx context.Context) (unlock func(), err error) {
	unlock, err = s.lock(ctx)
	if err != nil {
		return nil, err
	}
	if _, err := s.recoverLocked(ctx); err != nil {
		unlock()
		return nil, err
	}
	return unlock, nil
}

func (s *Store) recoverLocked(ctx context.Context) ([]Recovered, error) {
	pending, err := s.pendingMoves(ctx)
	if err != nil || len(pending) == 0 {
		return nil, err
	}
	var out []Recovered
	var errs []error
	for _, m := range pending {
		outcome, err := s.resolve(ctx, m)
		if outcome == "" {
			// Still pending: the next process tries again.
			errs = append(errs, err)
			continue
		}
		// A failed move is closed and reported; it does not stop the caller.
		out = append(out, Recovered{Move: m.Move, Outcome: outcome, Err: err})
		if err := s.write(ctx, func(tx *sql.Tx) error {
			return s.event(ctx, tx, m.SkillID, s.skillName(ctx, tx, m.SkillID), "quarantine.recover", outcome, nil,
				map[string]any{"move_id": m.ID, "kind": m.Kind, "from": m.Src, "to": m.Dst})
		}); err != nil {
			errs = append(errs, err)
		}
	}
	return out, errors.Join(errs...)
}

func (s *Store) pendingMoves(ctx context.Context) ([]*move, error) {
	rows, err := s.db.QueryContext(ctx, `SELECT id, skill_id, kind, src, dst, aside, stage, modes, want_sha256, then_status, started
		FROM moves WHERE state = 'pending' ORDER BY id`)
	if err != nil {
		return nil, s.dbErr("reading the move journal", err)
	}
	defer rows.Close()
	var out []*move
	for rows.Next() {
		m := &move{}
		var modes, started string
		if err := rows.Scan(&m.ID, &m.SkillID, &m.Kind, &m.Src, &m.Dst, &m.aside, &m.stage, &modes, &m.wantSHA256, &m.thenStatus, &started); err != nil {
			return nil, s.dbErr("reading the move journal", err)
		}
		if err := json.Unmarshal([]byte(modes), &m.modes); err != nil {
			return nil, s.dbErr("reading the move journal", fmt.Errorf("move #%d: modes: %w", m.ID, err))
		}
		if m.Started, err = parseTS(started); err != nil {
			return nil, s.dbErr("reading the move journal", err)
		}
		m.State = statePending
		out = append(out, m)
	}
	return out, s.dbErr("reading the move journal", rows.Err())
}

// Moves returns the journalled moves of a skill, oldest first.
func (s *Store) Moves(ctx context.Context, skillID int64) ([]Move, error) {
	rows, err := s.db.QueryContext(ctx, `SELECT id, skill_id, kind, src, dst, state, detail, started, coalesce(finished, '') FROM moves WHERE skill_id = ? ORDER BY id`, skillID)
	if err != nil {
		return nil, s.dbErr("reading the move journal", err)
	}
	defer rows.Close()
	var out []Move
	for rows.Next() {
		var m Move
		var started, finished string
		if err := rows.Scan(&m.ID, &m.SkillID, &m.Kind, &m.Src, &m.Dst, &m.State, &m.Detail, &started, &finished); err != nil {
			return nil, s.dbErr("reading the move journal", err)
		}
		if m.Started, err = parseTS(started); err != nil {
			return nil, s.dbErr("reading the move journal", err)
		}
		if finished != "" {
			if m.Finished, err = parseTS(finished); err != nil {
				return nil, s.dbErr("reading the move journal", err)
			}
		}
		out = append(out, m)
	}
	return out, s.dbErr("reading the move journal", rows.Err())
}

func (s *Store) step(name string) {
	if s.stepHook != nil {
		s.stepHook(name)
	}
}

func exists(p string) bool {
	_, err := os.Lstat(p)
	return err == nil
}

// shortBase is the last element of p, cut so that "<id>-<base>" stays well
// inside the 255-byte limit of a file name.
func shortBase(p string) string {
	b := filepath.Base(p)
	if len(b) > 200 {
		b = b[:200]
	}
	return b
}

// readModes records the mode bits of every entry of a tree, by slash path
// relative to root ("." for root itself).
func readModes(root string) (map[string]fs.FileMode, error) {
	modes := map[string]fs.FileMode{}
	err := filepath.WalkDir(root, func(p string, d fs.DirEntry, err error) error {
		if err != nil {
			return err
		}
		fi, err := d.Info()
		if err != nil {
			return err
		}
		rel, err := filepath.Rel(root, p)
		if err != nil {
			return err
		}
		modes[filepath.ToSlash(rel)] = fi.Mode() & modeBits
		return nil
	})
	return modes, err
}

// secureTree gives directories mode 0700 and everything else but symlinks
// 0600, removing execute, setuid and setgid bits. Directories are opened
// up before they are read, so a tree with unreadable directories is
// secured too.
func secureTree(root string) error {
	return filepath.WalkDir(root, func(p string, d fs.DirEntry, err error) error {
		if err != nil {
			return err
		}
		switch {
		case d.Type()&fs.ModeSymlink != 0:
			return nil
		case d.IsDir():
			return os.Chmod(p, 0o700)
		default:
			return os.Chmod(p, 0o600)
		}
	})
}

// applyModes gives every entry of a tree its recorded mode. Directories are
// set last, deepest first, so that a read-only directory does not stop the
// walk. An entry without a record (there should be none) is secured.
func applyModes(root string, modes map[string]fs.FileMode) error {
	var dirs []string
	err := filepath.WalkDir(root, func(p string, d fs.DirEntry, err error) error {
		if err != nil {
			return err
		}
		if d.Type()&fs.ModeSymlink != 0 {
			return nil
		}
		if d.IsDir() {
			dirs = append(dirs, p)
			return nil
		}
		return os.Chmod(p, modeOf(root, p, modes, 0o600))
	})
	if err != nil {
		return err
	}
	for i := len(dirs) - 1; i >= 0; i-- {
		if err := os.Chmod(dirs[i], modeOf(root, dirs[i], modes, 0o700)); err != nil {
			return err
		}
	}
	return nil
}

func modeOf(root, p string, modes map[string]fs.FileMode, fallback fs.FileMode) fs.FileMode {
	rel, err := filepath.Rel(root, p)
	if err != nil {
		return fallback
	}
	if m, ok := modes[filepath.ToSlash(rel)]; ok {
		return m
	}
	return fallback
}

// copyTree copies src to dst (which must not exist) with every file and
// directory synced to disk. It keeps modes, symlinks and, when run as
// root, ownership; special files cannot be copied and fail the copy.
func copyTree(src, dst string) error {
	var dirs []string
	var dirModes []fs.FileMode
	err := filepath.WalkDir(src, func(p string, d fs.DirEntry, err error) error {
		if err != nil {
			return err
		}
		fi, err := d.Info()
		if err != nil {
			return err
		}
		rel, err := filepath.Rel(src, p)
		if err != nil {
			return err
		}
		target := filepath.Join(dst, rel)
		switch {
		case fi.IsDir():
			// Writable while it is filled; its own mode is set at the end.
			if err := os.Mkdir(target, 0o700); err != nil {
				return err
			}
			dirs, dirModes = append(dirs, target), append(dirModes, fi.Mode()&modeBits)
		case fi.Mode()&fs.ModeSymlink != 0:
			link, err := os.Readlink(p)
			if err != nil {
				return err
			}
			if err := os.Symlink(link, target); err != nil {
				return err
			}
		case fi.Mode().IsRegular():
			if err := copyFile(p, target); err != nil {
				return err
			}
			// chown clears setuid and setgid bits, so the mode comes after it.
			if err := keepOwner(target, fi); err != nil {
				return err
			}
			return os.Chmod(target, fi.Mode()&modeBits)
		default:
			return fmt.Errorf("%s is a %s, which cannot be copied across file systems", p, fi.Mode().Type())
		}
		return keepOwner(target, fi)
	})
	if err != nil {
		return err
	}
	for i := len(dirs) - 1; i >= 0; i-- {
		if err := os.Chmod(dirs[i], dirModes[i]); err != nil {
			return err
		}
		if err := syncPath(dirs[i]); err != nil {
			return err
		}
	}
	return nil
}

func copyFile(src, dst string) error {
	in, err := os.Open(src)
	if err != nil {
		return err
	}
	defer in.Close()
	out, err := os.OpenFile(dst, os.O_WRONLY|os.O_CREATE|os.O_EXCL, 0o600)
	if err != nil {
		return err
	}
	if _, err := io.Copy(out, in); err != nil {
		out.Close()
		return err
	}
	if err := out.Sync(); err != nil {
		out.Close()
		return err
	}
	return out.Close()
}

// keepOwner gives a copy its original owner when we may (as root), so that
// a restored skill still belongs to the account that runs OpenClaw.
func keepOwner(target string, fi fs.FileInfo) error {
	st, ok := fi.Sys().(*syscall.Stat_t)
	if !ok || os.Geteuid() != 0 {
		return nil
	}
	return os.Lchown(target, int(st.Uid), int(st.Gid))
}

func syncPath(p string) error {
	f, err := os.Open(p)
	if err != nil {
		return err
	}
	defer f.Close()
	return f.Sync()
}

// syncDir makes a rename in dir durable. It is best effort: the rename has
// happened either way, and the journal covers a crash before the sync.
func syncDir(dir string) { syncPath(dir) }
