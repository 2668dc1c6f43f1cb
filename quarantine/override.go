package quarantine

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"strings"
	"unicode"

	"github.com/openclaw-secure-stack/securestack/auditlog"
)

// AckPhrase is the acknowledgement an override must carry, word for word.
const AckPhrase = "I accept the risk"

// ErrAck is returned when an override's acknowledgement is not AckPhrase.
var ErrAck = fmt.Errorf("quarantine: an override needs the acknowledgement %q, exactly", AckPhrase)

// ErrStillBlocked is returned by Release for a skill whose latest scan
// still says block.
var ErrStillBlocked = errors.New("still blocked by the scanner")

// Override records that user accepts the risk of a Blocked or Quarantined
// skill as it is now, and lets it load: a Quarantined skill is restored to
// its load path (after checking that its content still has the hash that
// was reviewed), a Blocked one stays where it is. The override binds to
// that content hash: a later scan or install-policy check of changed
// content finds no override and blocks again.
func (s *Store) Override(ctx context.Context, id int64, user, ack string) (Skill, error) {
	if ack != AckPhrase {
		return Skill{}, ErrAck
	}
	user = strings.TrimSpace(user)
	if user == "" || strings.ContainsFunc(user, unicode.IsControl) {
		return Skill{}, errors.New("quarantine: an override needs --user with the name of the person who accepts the risk")
	}
	return withLock(ctx, s, func() (Skill, error) { return s.overrideLocked(ctx, id, user, ack) })
}

func (s *Store) overrideLocked(ctx context.Context, id int64, user, ack string) (Skill, error) {
	sk, err := s.skillWhere(ctx, s.db, "id = ?", id)
	if err != nil {
		return Skill{}, fmt.Errorf("quarantine: skill #%d: %w", id, err)
	}
	switch sk.Status {
	case Overridden:
		return sk, nil
	case Blocked, Quarantined:
	default:
		return sk, fmt.Errorf("quarantine: skill #%d (%s) is %s; only blocked or quarantined skills take an override", sk.ID, sk.Name, sk.Status)
	}
	if sk.SHA256 == "" {
		return sk, fmt.Errorf("quarantine: skill #%d (%s) has no content hash because it could not be read; fix its files and rescan before overriding", sk.ID, sk.Name)
	}
	if sk.Status == Quarantined && s.opts.TreeHash == nil {
		return sk, errors.New("quarantine: Options.TreeHash is required to restore a skill")
	}
	err = s.write(ctx, func(tx *sql.Tx) error {
		if _, err := tx.ExecContext(ctx, `INSERT INTO overrides (skill_id, skill, sha256, user, ack, time) VALUES (?, ?, ?, ?, ?, ?)`,
			sk.ID, sk.Name, sk.SHA256, user, ack, ts(s.now())); err != nil {
			return s.dbErr("recording an override", err)
		}
		if sk.Status == Blocked {
			if _, err := tx.ExecContext(ctx, `UPDATE skills SET status = 'overridden' WHERE id = ?`, sk.ID); err != nil {
				return s.dbErr("updating a skill", err)
			}
		}
		return s.event(ctx, tx, sk.ID, sk.Name, "quarantine.override", auditlog.Outcome(Overridden), ruleIDs(sk.Findings), map[string]any{
			"path": sk.Path, "sha256": sk.SHA256, "user": user, "ack": ack, "previous_status": string(sk.Status)})
	})
	if err != nil {
		return sk, err
	}
	if sk.Status == Blocked {
		sk.Status = Overridden
		return sk, nil
	}
	return s.restoreLocked(ctx, sk, Overridden)
}

// Release puts a Quarantined skill back in its load path, as Active, when
// its latest scan (a rescan of the quarantined copy, for example with
// updated rules) no longer says block. It returns ErrStillBlocked
// otherwise: accepting a blocked skill takes an Override.
func (s *Store) Release(ctx context.Context, id int64) (Skill, error) {
	return withLock(ctx, s, func() (Skill, error) { return s.releaseLocked(ctx, id) })
}

func (s *Store) releaseLocked(ctx context.Context, id int64) (Skill, error) {
	sk, err := s.skillWhere(ctx, s.db, "id = ?", id)
	if err != nil {
		return Skill{}, fmt.Errorf("quarantine: skill #%d: %w", id, err)
	}
	if sk.Status != Quarantined {
		return sk, fmt.Errorf("quarantine: skill #%d (%s) is %s, not quarantined; there is nothing to release", sk.ID, sk.Name, sk.Status)
	}
	if sk.Verdict == Block {
		return sk, fmt.Errorf("quarantine: skill #%d (%s) is %w (scanned %s); review it with `quarantine show %d` and use override to accept the risk",
			sk.ID, sk.Name, ErrStillBlocked, sk.LastScanned.Format("2006-01-02 15:04:05Z"), sk.ID)
	}
	return s.restoreLocked(ctx, sk, Active)
}
