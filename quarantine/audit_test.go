package quarantine

import (
	"context"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/openclaw-secure-stack/securestack/auditlog"
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

func TestAuditLogSharedByConcurrentStores(t *testing.T) {
	ctx := context.Background()
	e := newEnv(t)
	logPath := filepath.Join(t.TempDir(), "audit", "quarantine.jsonl")
	e.options.OpenAudit = OpenAuditLog(logPath, auditlog.Options{}, 20*time.Second)
	const stores, skills = 4, 5
	var wg sync.WaitGroup
	errs := make(chan error, stores*skills)
	for i := range stores {
		wg.Add(1)
		go func() {
			defer wg.Done()
			s, err := Open(ctx, e.db, e.options)
			if err != nil {
				errs <- err
				return
			}
			defer s.Close()
			for j := range skills {
				dir := filepath.Join(e.load, fmt.Sprintf("s%d-%d", i, j))
				if err := os.Mkdir(dir, 0o755); err != nil {
					errs <- err
					return
				}
				if _, err := s.Record(ctx, result(dir, fmt.Sprint(i, j), Allow)); err != nil {
					errs <- err
				}
			}
		}()
	}
	wg.Wait()
	close(errs)
	for err := range errs {
		t.Error(err)
	}
	rep, err := auditlog.Verify([]string{logPath}, auditlog.VerifyOptions{})
	if err != nil {
		t.Fatal(err)
	}
	if rep.Problem != nil || rep.Records != stores*skills {
		t.Errorf("audit log: %d records, problem %v; want %d intact records", rep.Records, rep.Problem, stores*skills)
	}
}
