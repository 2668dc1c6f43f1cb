package quarantine

import (
	"context"
	"database/sql"
	"os"
	"testing"
	"time"
)

// BenchmarkRecord measures recording an unchanged rescan (what rescan and
// watch do most), against its peer, one durable IMMEDIATE SQLite commit.
func BenchmarkRecord(b *testing.B) {
	ctx := context.Background()
	e := newEnv(b)
	s := e.open()
	dir, _ := e.skill("bench", "text")
	r := result(dir, "sha", Allow)
	if _, err := s.Record(ctx, r); err != nil {
		b.Fatal(err)
	}
	b.Run("record unchanged result", func(b *testing.B) {
		for b.Loop() {
			if _, err := s.Record(ctx, r); err != nil {
				b.Fatal(err)
			}
		}
	})
	b.Run("peer: one durable commit", func(b *testing.B) {
		n := 0
		for b.Loop() {
			n++
			if err := s.write(ctx, func(tx *sql.Tx) error {
				_, err := tx.ExecContext(ctx, `UPDATE skills SET last_scanned = ? WHERE id = 1`, ts(e.now.Add(time.Duration(n))))
				return err
			}); err != nil {
				b.Fatal(err)
			}
		}
	})
}

// BenchmarkQuarantineRoundTrip quarantines a skill and overrides it back,
// by rename on one file system and by the journalled copy across two.
func BenchmarkQuarantineRoundTrip(b *testing.B) {
	for _, c := range []struct {
		name   string
		rename func(string, string) error
	}{{"same file system (rename)", os.Rename}, {"across file systems (copy)", acrossDevices}} {
		b.Run(c.name, func(b *testing.B) {
			ctx := context.Background()
			e := newEnv(b)
			s := e.open()
			s.rename = c.rename
			dir, sum := e.skill("bench", "text")
			sk, err := s.Record(ctx, result(dir, sum, Block))
			if err != nil {
				b.Fatal(err)
			}
			if _, err := s.Override(ctx, sk.ID, "bench", AckPhrase); err != nil {
				b.Fatal(err)
			}
			for b.Loop() {
				// Scan result changes status back to blocked (the override is
				// for another hash), then out and back in.
				if _, err := s.db.Exec(`UPDATE skills SET status = 'blocked' WHERE id = ?`, sk.ID); err != nil {
					b.Fatal(err)
				}
				if _, err := s.Quarantine(ctx, sk.ID); err != nil {
					b.Fatal(err)
				}
				if _, err := s.Override(ctx, sk.ID, "bench", AckPhrase); err != nil {
					b.Fatal(err)
				}
			}
		})
	}
}
