package quarantine

import (
	"context"
	"database/sql"
	"encoding/json"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"sort"
	"strconv"
	"strings"
	"time"

	"github.com/openclaw-secure-stack/securestack/auditlog"
	scanresult "github.com/openclaw-secure-stack/securestack/scanner/result"
)

// Verdict is the scanner's decision for one skill.
type Verdict = scanresult.Verdict

// Verdicts, as the scanner reports them.
const (
	Allow = scanresult.Allow
	Warn  = scanresult.Warn
	Block = scanresult.Block
)

// Status is where a skill stands.
type Status string

// Statuses. Active, Blocked and Overridden skills are in their load
// directory; a Quarantined one is in the quarantine directory; a Removed one
// is gone from its load directory (deleted or reinstalled by someone else).
const (
	Active      Status = "active"      // verdict allow or warn
	Blocked     Status = "blocked"     // verdict block, not moved yet (scan without --quarantine)
	Overridden  Status = "overridden"  // verdict block, accepted by an override for this exact hash
	Quarantined Status = "quarantined" // moved out of the load directory
	Removed     Status = "removed"
)

// Finding is one scanner detection and ScanResult one scanned skill: the
// scanner's own types (scanner.Finding, scanner.Result), from package
// result, which does not link the scanner or tree-sitter.
type (
	Finding    = scanresult.Finding
	ScanResult = scanresult.Result
)

// Skill is one row of the skills table.
type Skill struct {
	ID             int64     `json:"id"`
	Name           string    `json:"name"`
	Path           string    `json:"path"`
	SHA256         string    `json:"sha256"`
	Verdict        Verdict   `json:"verdict"`
	Findings       []Finding `json:"findings"`
	Status         Status    `json:"status"`
	QuarantinePath string    `json:"quarantine_path,omitempty"`
	FirstSeen      time.Time `json:"first_seen"`
	LastScanned    time.Time `json:"last_scanned"`
}

// Errors callers can test for with errors.Is.
var (
	ErrNotFound = errors.New("no such skill")
	// ErrVanished: the scanned path is no longer there (another process
	// moved or deleted it after the scan), so the result was not recorded.
	ErrVanished = errors.New("the skill's directory is gone")
)

// AmbiguousError reports a name that matches more than one skill.
type AmbiguousError struct {
	Ref     string
	Matches []Skill
}

func (e *AmbiguousError) Error() string {
	var b strings.Builder
	fmt.Fprintf(&b, "quarantine: %q matches %d skills; name one by id:", e.Ref, len(e.Matches))
	for _, m := range e.Matches {
		loc := m.Path
		if m.Status == Quarantined {
			loc = m.QuarantinePath
		}
		fmt.Fprintf(&b, " #%d (%s, %s)", m.ID, m.Status, loc)
	}
	return b.String()
}

const liveStatuses = "('active', 'blocked', 'overridden')"

const skillColumns = "id, name, path, sha256, verdict, findings, status, coalesce(quarantine_path, ''), first_seen, last_scanned"

// Record stores one scan result and returns the skill's new state. A
// result for a path in a load directory creates or updates the row for what
// is at that path now: a block verdict makes it Blocked, or Overridden when
// an override exists for exactly this hash; anything else makes it Active.
// A result for a quarantined copy (a path inside the quarantine directory)
// updates that row's verdict and findings and leaves it Quarantined; its
// hash stays the one of the original tree, whose file modes the quarantine
// changed. Record returns ErrVanished when the path no longer exists.
func (s *Store) Record(ctx context.Context, r ScanResult) (Skill, error) {
	if !filepath.IsAbs(r.Path) {
		return Skill{}, fmt.Errorf("quarantine: scan result path %q is not absolute", r.Path)
	}
	r.Path = filepath.Clean(r.Path)
	switch r.Verdict {
	case Allow, Warn, Block:
	default:
		return Skill{}, fmt.Errorf("quarantine: scan result for %s has verdict %q, want allow, warn or block", r.Path, r.Verdict)
	}
	if r.Findings == nil {
		r.Findings = []Finding{}
	}
	findings, err := json.Marshal(r.Findings)
	if err != nil {
		return Skill{}, fmt.Errorf("quarantine: encoding findings of %s: %w", r.Path, err)
	}
	return withLock(ctx, s, func() (Skill, error) { return s.recordLocked(ctx, r, findings) })
}

func (s *Store) recordLocked(ctx context.Context, r ScanResult, findings []byte) (Skill, error) {
	var out Skill
	err := s.write(ctx, func(tx *sql.Tx) error {
		now := s.now()
		// A quarantined copy is known by its path, wherever the quarantine
		// directory was when it was moved.
		sk, err := s.skillWhere(ctx, tx, "quarantine_path = ? AND status = 'quarantined'", r.Path)
		if err != nil && !errors.Is(err, ErrNotFound) {
			return err
		}
		if err == nil {
			if _, err := tx.ExecContext(ctx, `UPDATE skills SET verdict = ?, findings = ?, last_scanned = ? WHERE id = ?`,
				r.Verdict, findings, ts(now), sk.ID); err != nil {
				return s.dbErr("updating a skill", err)
			}
			if sk.Verdict != r.Verdict {
				if err := s.event(ctx, tx, sk.ID, sk.Name, "quarantine.scan", auditlog.Outcome(Quarantined), ruleIDs(r.Findings), map[string]any{
					"path": r.Path, "sha256": sk.SHA256, "verdict": string(r.Verdict), "previous_verdict": string(sk.Verdict)}); err != nil {
					return err
				}
			}
			sk.Verdict, sk.Findings, sk.LastScanned = r.Verdict, r.Findings, now
			out = sk
			return nil
		}
		if within(s.qdir, r.Path) {
			return fmt.Errorf("quarantine: %s is inside the quarantine directory but is not a quarantined skill", r.Path)
		}
		if _, err := os.Lstat(r.Path); err != nil {
			return fmt.Errorf("quarantine: not recording %s: %w (%v)", r.Path, ErrVanished, err)
		}
		status := Active
		if r.Verdict == Block {
			status = Blocked
			ok, err := s.overridden(ctx, tx, r.SHA256)
			if err != nil {
				return err
			}
			if ok {
				status = Overridden
			}
		}
		sk, err = s.skillWhere(ctx, tx, "path = ? AND status IN "+liveStatuses, r.Path)
		switch {
		case errors.Is(err, ErrNotFound):
			res, err := tx.ExecContext(ctx, `INSERT INTO skills (name, path, sha256, verdict, findings, status, first_seen, last_scanned)
				VALUES (?, ?, ?, ?, ?, ?, ?, ?)`, r.Skill, r.Path, r.SHA256, r.Verdict, findings, status, ts(now), ts(now))
			if err != nil {
				return s.dbErr("adding a skill", err)
			}
			id, err := res.LastInsertId()
			if err != nil {
				return s.dbErr("adding a skill", err)
			}
			sk = Skill{ID: id, FirstSeen: now}
		case err != nil:
			return err
		default:
			if _, err := tx.ExecContext(ctx, `UPDATE skills SET name = ?, sha256 = ?, verdict = ?, findings = ?, status = ?, last_scanned = ? WHERE id = ?`,
				r.Skill, r.SHA256, r.Verdict, findings, status, ts(now), sk.ID); err != nil {
				return s.dbErr("updating a skill", err)
			}
		}
		if sk.Name != r.Skill || sk.SHA256 != r.SHA256 || sk.Verdict != r.Verdict || sk.Status != status {
			fields := map[string]any{"path": r.Path, "sha256": r.SHA256, "verdict": string(r.Verdict), "status": string(status)}
			if sk.Status != "" {
				fields["previous_status"] = string(sk.Status)
				fields["previous_sha256"] = sk.SHA256
			}
			if err := s.event(ctx, tx, sk.ID, r.Skill, "quarantine.scan", auditlog.Outcome(status), ruleIDs(r.Findings), fields); err != nil {
				return err
			}
		}
		out = Skill{ID: sk.ID, Name: r.Skill, Path: r.Path, SHA256: r.SHA256, Verdict: r.Verdict, Findings: r.Findings,
			Status: status, FirstSeen: sk.FirstSeen, LastScanned: now}
		return nil
	})
	return out, err
}

// MarkRemoved records that the skill that lived at path is gone from its
// load directory. It reports whether there was such a skill; a path that
// exists again is left alone.
func (s *Store) MarkRemoved(ctx context.Context, path string) (bool, error) {
	return withLock(ctx, s, func() (bool, error) { return s.markRemovedLocked(ctx, path) })
}

func (s *Store) markRemovedLocked(ctx context.Context, path string) (bool, error) {
	found := false
	err := s.write(ctx, func(tx *sql.Tx) error {
		sk, err := s.skillWhere(ctx, tx, "path = ? AND status IN "+liveStatuses, filepath.Clean(path))
		if errors.Is(err, ErrNotFound) {
			return nil
		}
		if err != nil {
			return err
		}
		if _, err := os.Lstat(sk.Path); !errors.Is(err, os.ErrNotExist) {
			return nil
		}
		found = true
		if _, err := tx.ExecContext(ctx, `UPDATE skills SET status = 'removed' WHERE id = ?`, sk.ID); err != nil {
			return s.dbErr("updating a skill", err)
		}
		return s.event(ctx, tx, sk.ID, sk.Name, "quarantine.removed", auditlog.Outcome(Removed), nil,
			map[string]any{"path": sk.Path, "sha256": sk.SHA256, "previous_status": string(sk.Status)})
	})
	return found, err
}

// Get finds one skill by reference: a number or #number (the id), an
// absolute path (its load path or quarantine path), or a name. A name that
// matches several skills gives an *AmbiguousError unless exactly one of them
// is not Removed.
func (s *Store) Get(ctx context.Context, ref string) (Skill, error) {
	if id, err := strconv.ParseInt(strings.TrimPrefix(ref, "#"), 10, 64); err == nil {
		sk, err := s.skillWhere(ctx, s.db, "id = ?", id)
		if err != nil {
			return Skill{}, fmt.Errorf("quarantine: skill #%d: %w", id, err)
		}
		return sk, nil
	}
	var matches []Skill
	var err error
	if filepath.IsAbs(ref) {
		p := filepath.Clean(ref)
		matches, err = s.skillsWhere(ctx, s.db, "(path = ? AND status IN "+liveStatuses+") OR quarantine_path = ?", p, p)
	} else {
		matches, err = s.skillsWhere(ctx, s.db, "name = ?", ref)
	}
	if err != nil {
		return Skill{}, err
	}
	if len(matches) > 1 {
		var present []Skill
		for _, m := range matches {
			if m.Status != Removed {
				present = append(present, m)
			}
		}
		if len(present) != 1 {
			return Skill{}, &AmbiguousError{Ref: ref, Matches: matches}
		}
		matches = present
	}
	if len(matches) == 0 {
		return Skill{}, fmt.Errorf("quarantine: %q: %w (see quarantine list)", ref, ErrNotFound)
	}
	return matches[0], nil
}

// List returns every skill, ordered by name and id.
func (s *Store) List(ctx context.Context) ([]Skill, error) {
	all, err := s.skillsWhere(ctx, s.db, "1 = 1")
	sort.SliceStable(all, func(i, j int) bool { return all[i].Name < all[j].Name })
	return all, err
}

// Override is one row of the overrides table.
type Override struct {
	ID      int64     `json:"id"`
	SkillID int64     `json:"skill_id"`
	Skill   string    `json:"skill"`
	SHA256  string    `json:"sha256"`
	User    string    `json:"user"`
	Ack     string    `json:"ack"`
	Time    time.Time `json:"time"`
}

// Event is one row of the events table.
type Event struct {
	ID      int64            `json:"id"`
	Time    time.Time        `json:"time"`
	SkillID int64            `json:"skill_id,omitempty"`
	Skill   string           `json:"skill"`
	Kind    string           `json:"kind"`
	Outcome auditlog.Outcome `json:"outcome"`
	Rules   []string         `json:"rules"`
	Fields  map[string]any   `json:"fields"`
	Audited bool             `json:"audited"`
}

// Overrides returns the overrides given for a skill, oldest first.
func (s *Store) Overrides(ctx context.Context, skillID int64) ([]Override, error) {
	rows, err := s.db.QueryContext(ctx, `SELECT id, skill_id, skill, sha256, user, ack, time FROM overrides WHERE skill_id = ? ORDER BY id`, skillID)
	if err != nil {
		return nil, s.dbErr("reading overrides", err)
	}
	defer rows.Close()
	var out []Override
	for rows.Next() {
		var o Override
		var t string
		if err := rows.Scan(&o.ID, &o.SkillID, &o.Skill, &o.SHA256, &o.User, &o.Ack, &t); err != nil {
			return nil, s.dbErr("reading overrides", err)
		}
		if o.Time, err = parseTS(t); err != nil {
			return nil, s.dbErr("reading overrides", err)
		}
		out = append(out, o)
	}
	return out, s.dbErr("reading overrides", rows.Err())
}

// Events returns a skill's events, oldest first; skillID 0 returns the
// events of every skill and of the install policy.
func (s *Store) Events(ctx context.Context, skillID int64) ([]Event, error) {
	q := `SELECT id, time, coalesce(skill_id, 0), skill, kind, outcome, rules, fields, audited FROM events`
	var args []any
	if skillID != 0 {
		q += ` WHERE skill_id = ?`
		args = append(args, skillID)
	}
	rows, err := s.db.QueryContext(ctx, q+` ORDER BY id`, args...)
	if err != nil {
		return nil, s.dbErr("reading events", err)
	}
	defer rows.Close()
	var out []Event
	for rows.Next() {
		e, err := scanEvent(rows)
		if err != nil {
			return nil, s.dbErr("reading events", err)
		}
		out = append(out, e)
	}
	return out, s.dbErr("reading events", rows.Err())
}

func scanEvent(rows *sql.Rows) (Event, error) {
	var e Event
	var t, rules, fields string
	if err := rows.Scan(&e.ID, &t, &e.SkillID, &e.Skill, &e.Kind, &e.Outcome, &rules, &fields, &e.Audited); err != nil {
		return e, err
	}
	var err error
	if e.Time, err = parseTS(t); err != nil {
		return e, err
	}
	if err := json.Unmarshal([]byte(rules), &e.Rules); err != nil {
		return e, fmt.Errorf("event %d: rules: %w", e.ID, err)
	}
	if err := json.Unmarshal([]byte(fields), &e.Fields); err != nil {
		return e, fmt.Errorf("event %d: fields: %w", e.ID, err)
	}
	return e, nil
}

// event appends a state change to the events table (and so to the audit
// outbox) inside the caller's transaction.
func (s *Store) event(ctx context.Context, tx *sql.Tx, skillID int64, skill, kind string, outcome auditlog.Outcome, rules []string, fields map[string]any) error {
	if rules == nil {
		rules = []string{}
	}
	if fields == nil {
		fields = map[string]any{}
	}
	rj, err := json.Marshal(rules)
	if err != nil {
		return err
	}
	fj, err := json.Marshal(fields)
	if err != nil {
		return fmt.Errorf("quarantine: encoding event %s: %w", kind, err)
	}
	var sid any
	if skillID != 0 {
		sid = skillID
	}
	_, err = tx.ExecContext(ctx, `INSERT INTO events (time, skill_id, skill, kind, outcome, rules, fields) VALUES (?, ?, ?, ?, ?, ?, ?)`,
		ts(s.now()), sid, skill, kind, outcome, rj, fj)
	return s.dbErr("recording an event", err)
}

// overridden reports whether an override exists for content with this hash.
func (s *Store) overridden(ctx context.Context, q queryer, sha string) (bool, error) {
	if sha == "" {
		return false, nil
	}
	var n int
	if err := q.QueryRowContext(ctx, `SELECT count(*) FROM overrides WHERE sha256 = ?`, sha).Scan(&n); err != nil {
		return false, s.dbErr("reading overrides", err)
	}
	return n > 0, nil
}

// Overridden reports whether an override was given for content with this
// tree hash. The install policy uses it: an override binds to content, so
// the same bytes are accepted wherever they are installed from, and any
// change needs a new review.
func (s *Store) Overridden(ctx context.Context, sha256 string) (bool, error) {
	return s.overridden(ctx, s.db, sha256)
}

type querier interface {
	QueryContext(ctx context.Context, query string, args ...any) (*sql.Rows, error)
}

func (s *Store) skillWhere(ctx context.Context, q querier, where string, args ...any) (Skill, error) {
	all, err := s.skillsWhere(ctx, q, where, args...)
	if err != nil {
		return Skill{}, err
	}
	if len(all) == 0 {
		return Skill{}, ErrNotFound
	}
	return all[len(all)-1], nil
}

func (s *Store) skillsWhere(ctx context.Context, q querier, where string, args ...any) ([]Skill, error) {
	rows, err := q.QueryContext(ctx, "SELECT "+skillColumns+" FROM skills WHERE "+where+" ORDER BY id", args...)
	if err != nil {
		return nil, s.dbErr("reading skills", err)
	}
	defer rows.Close()
	var out []Skill
	for rows.Next() {
		var sk Skill
		var findings, first, last string
		if err := rows.Scan(&sk.ID, &sk.Name, &sk.Path, &sk.SHA256, &sk.Verdict, &findings, &sk.Status, &sk.QuarantinePath, &first, &last); err != nil {
			return nil, s.dbErr("reading skills", err)
		}
		if err := json.Unmarshal([]byte(findings), &sk.Findings); err != nil {
			return nil, s.dbErr("reading skills", fmt.Errorf("skill #%d: findings: %w", sk.ID, err))
		}
		if sk.FirstSeen, err = parseTS(first); err != nil {
			return nil, s.dbErr("reading skills", err)
		}
		if sk.LastScanned, err = parseTS(last); err != nil {
			return nil, s.dbErr("reading skills", err)
		}
		out = append(out, sk)
	}
	if err := rows.Err(); err != nil {
		return nil, s.dbErr("reading skills", err)
	}
	return out, nil
}

// dbErr names the database and the operation; nil stays nil.
func (s *Store) dbErr(op string, err error) error {
	if err == nil {
		return nil
	}
	return fmt.Errorf("quarantine: database %s: %s: %w", s.path, op, err)
}

func ruleIDs(fs []Finding) []string {
	seen := map[string]bool{}
	out := []string{}
	for _, f := range fs {
		if !seen[f.RuleID] {
			seen[f.RuleID] = true
			out = append(out, f.RuleID)
		}
	}
	sort.Strings(out)
	return out
}

const tsLayout = time.RFC3339Nano

func ts(t time.Time) string { return t.UTC().Format(tsLayout) }

func parseTS(s string) (time.Time, error) {
	t, err := time.Parse(tsLayout, s)
	if err != nil {
		return t, fmt.Errorf("bad timestamp %q: %w", s, err)
	}
	return t, nil
}

// within reports whether p is dir or inside it (lexically; both absolute
// and clean).
func within(dir, p string) bool {
	rel, err := filepath.Rel(dir, p)
	return err == nil && rel != ".." && !strings.HasPrefix(rel, ".."+string(filepath.Separator))
}
