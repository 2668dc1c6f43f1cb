package quarantine

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"testing"
)

func TestAuditOutbox(t *testing.T) {
	ctx := context.Background()
	t.Run("writes every state change once, in order", func(t *testing.T) {
		e := newEnv(t)
		s := e.open()
		dir, sum := e.skill("evil", "text")
		sk, _ := s.Record(ctx, result(dir, sum, Block))
		s.Record(ctx, result(dir, sum, Block)) // no change, no event
		s.Quarantine(ctx, sk.ID)
		want := []string{"quarantine.scan blocked 1", "quarantine.move quarantined 2"}
		if fmt.Sprint(e.audit.events) != fmt.Sprint(want) {
			t.Errorf("audit log %v, want %v", e.audit.events, want)
		}
	})
	t.Run("keeps events that could not be written and writes them on the next run", func(t *testing.T) {
		e := newEnv(t)
		s := e.open()
		a, sumA := e.skill("a", "text")
		b, sumB := e.skill("b", "text")
		c, sumC := e.skill("c", "text")
		if _, err := s.Record(ctx, result(a, sumA, Allow)); err != nil {
			t.Fatal(err)
		}
		e.audit.openErr = errors.New("locked by another process")
		sk, err := s.Record(ctx, result(b, sumB, Allow))
		if err == nil || !strings.Contains(err.Error(), "change is saved") || sk.Status != Active {
			t.Fatalf("Record with the audit log unavailable = %+v, %v", sk, err)
		}
		e.audit.openErr = nil
		e.audit.failAt = 2 // the second write of the next batch fails
		if _, err := s.Record(ctx, result(c, sumC, Allow)); err == nil || !strings.Contains(err.Error(), "disk full") {
			t.Fatalf("Record = %v, want the write error", err)
		}
		if got := len(e.audit.events); got != 2 {
			t.Fatalf("after a failed write the log has %d events, want 2 (a, then b)", got)
		}
		if _, err := s.Recover(ctx); err != nil { // any later call flushes
			t.Fatal(err)
		}
		want := []string{"quarantine.scan active 1", "quarantine.scan active 2", "quarantine.scan active 3"}
		if fmt.Sprint(e.audit.events) != fmt.Sprint(want) {
			t.Errorf("audit log %v, want %v", e.audit.events, want)
		}
		evs, _ := s.Events(ctx, 0)
		for _, ev := range evs {
			if !ev.Audited {
				t.Errorf("event %d is not marked audited", ev.ID)
			}
		}
	})
}
