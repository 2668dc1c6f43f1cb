package corednsplugin

import (
	"os"
	"testing"
	"time"

	"github.com/prometheus/client_golang/prometheus"
	dto "github.com/prometheus/client_model/go"
)

// rewrite replaces the file the way an operator's tooling should: write a
// temporary file, then rename it over the old one.
func rewrite(t *testing.T, path, text string) {
	t.Helper()
	tmp := path + ".tmp"
	if err := os.WriteFile(tmp, []byte(text), 0o644); err != nil {
		t.Fatal(err)
	}
	if err := os.Rename(tmp, path); err != nil {
		t.Fatal(err)
	}
}

func TestReload(t *testing.T) {
	e, log := newTestEgress(t, "old.example\n", nil)
	e.servers = []string{"dns://test:53"}
	path := e.cfg.files[0]
	matches := func(name string) bool { return e.lists.List().Match(name) }

	t.Run("an unchanged file is not read again", func(t *testing.T) {
		before := e.lists.List()
		e.reloadIfChanged()
		if e.lists.List() != before {
			t.Error("the list was replaced although the file did not change")
		}
	})
	t.Run("a changed file applies without a restart", func(t *testing.T) {
		rewrite(t, path, "new.example\n")
		e.reloadIfChanged()
		if !matches("new.example") || matches("old.example") {
			t.Error("the new list is not in use")
		}
		if got := gaugeValue(t, entries.WithLabelValues("dns://test:53")); got != 1 {
			t.Errorf("entries gauge = %v, want 1", got)
		}
		if got := gaugeValue(t, lastReload.WithLabelValues("dns://test:53")); got != float64(testClock().Unix()) {
			t.Errorf("reload timestamp gauge = %v, want %d", got, testClock().Unix())
		}
	})
	t.Run("a bad file keeps the last good list and logs the error once", func(t *testing.T) {
		errs := counterValue(t, reloadErrors.WithLabelValues("dns://test:53"))
		rewrite(t, path, "new.example\nbad entry.example\n")
		e.reloadIfChanged()
		e.reloadIfChanged()
		if !matches("new.example") {
			t.Error("the last good list was dropped")
		}
		if n := log.count("ERROR"); n != 1 {
			t.Errorf("%d errors logged, want 1: %v", n, log.lines)
		}
		if d := counterValue(t, reloadErrors.WithLabelValues("dns://test:53")) - errs; d != 1 {
			t.Errorf("reload errors went up by %v, want 1", d)
		}
	})
	t.Run("a missing file keeps the last good list", func(t *testing.T) {
		os.Remove(path)
		e.reloadIfChanged()
		if !matches("new.example") {
			t.Error("the last good list was dropped")
		}
	})
	t.Run("a fixed file applies again", func(t *testing.T) {
		rewrite(t, path, "fixed.example\n")
		e.reloadIfChanged()
		if !matches("fixed.example") || matches("new.example") {
			t.Error("the fixed list is not in use")
		}
	})
}

func TestReloadLoop(t *testing.T) {
	e, _ := newTestEgress(t, "old.example\n", func(c *config) { c.reload = 10 * time.Millisecond })
	if err := e.start(); err != nil {
		t.Fatal(err)
	}
	defer e.stop()
	rewrite(t, e.cfg.files[0], "new.example\n")
	deadline := time.Now().Add(10 * time.Second)
	for !e.lists.List().Match("new.example") {
		if time.Now().After(deadline) {
			t.Fatal("the changed list was not picked up by the reload loop")
		}
		time.Sleep(5 * time.Millisecond)
	}
}

func gaugeValue(t testing.TB, g prometheus.Gauge) float64 {
	t.Helper()
	var m dto.Metric
	if err := g.Write(&m); err != nil {
		t.Fatal(err)
	}
	return m.GetGauge().GetValue()
}
