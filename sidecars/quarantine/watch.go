package main

import (
	"context"
	"errors"
	"fmt"
	"io/fs"
	"log/slog"
	"os"
	"os/signal"
	"path/filepath"
	"sort"
	"strings"
	"syscall"
	"time"

	"github.com/fsnotify/fsnotify"
	"github.com/openclaw-secure-stack/securestack/quarantine"
	"github.com/openclaw-secure-stack/securestack/scanner"
)

// watch scans every entry of each DIR (OpenClaw's skill directories) once,
// then scans an entry again each time something in it changes and stays
// quiet for --debounce, and quarantines what is blocked. It runs until
// SIGINT or SIGTERM (exit 0) or until the store fails (exit 2), so that a
// supervisor restarts it rather than let it watch without acting.
func watch(args []string, std streams) int {
	fs, c := newFlags("watch", std.stderr, true)
	debounce := fs.Duration("debounce", time.Second, "wait until a skill has been quiet this long before scanning it")
	ops, ok := parse(fs, args)
	if !ok {
		return exitError
	}
	if len(ops) == 0 || *debounce <= 0 {
		return fail(std.stderr, errors.New("usage: quarantine watch [--debounce 1s] DIR"))
	}
	var roots []string
	for _, d := range ops {
		abs, err := filepath.Abs(d)
		if err != nil {
			return fail(std.stderr, err)
		}
		if fi, err := os.Stat(abs); err != nil || !fi.IsDir() {
			return fail(std.stderr, fmt.Errorf("cannot watch %s: not a directory (%v)", d, err))
		}
		roots = append(roots, abs)
	}
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	defer stop()
	sc, err := c.scanner()
	if err != nil {
		return fail(std.stderr, err)
	}
	st, err := c.open(ctx, std.stderr)
	if err != nil {
		return fail(std.stderr, err)
	}
	defer st.Close()
	w, err := fsnotify.NewWatcher()
	if err != nil {
		return fail(std.stderr, err)
	}
	defer w.Close()
	wt := &watcher{st: st, sc: sc, w: w, roots: roots, log: slog.New(slog.NewTextHandler(std.stderr, nil)),
		due: map[string]time.Time{}, debounce: *debounce}
	for _, r := range roots {
		if err := wt.addTree(r); err != nil {
			return fail(std.stderr, err)
		}
	}
	if err := wt.run(ctx); err != nil && ctx.Err() == nil {
		return fail(std.stderr, err)
	}
	return exitOK
}

type watcher struct {
	st       *quarantine.Store
	sc       *scanner.Scanner
	w        *fsnotify.Watcher
	roots    []string
	log      *slog.Logger
	due      map[string]time.Time // entry to scan -> last change seen
	debounce time.Duration
}

func (wt *watcher) run(ctx context.Context) error {
	// Everything present now is scanned first: a skill may have arrived
	// while nothing was watching.
	wt.queueAll()
	wt.log.Info("watching", "dirs", strings.Join(wt.roots, " "))
	tick := time.NewTicker(wt.debounce / 4)
	defer tick.Stop()
	for {
		if err := wt.scanDue(ctx); err != nil {
			return err
		}
		select {
		case <-ctx.Done():
			wt.log.Info("stopping", "reason", context.Cause(ctx))
			return nil
		case ev, ok := <-wt.w.Events:
			if !ok {
				return errors.New("the file watcher stopped")
			}
			wt.changed(ev)
		case err, ok := <-wt.w.Errors:
			if !ok {
				return errors.New("the file watcher stopped")
			}
			if !errors.Is(err, fsnotify.ErrEventOverflow) {
				return fmt.Errorf("watching: %w", err)
			}
			// Events were lost: look at everything again.
			wt.log.Warn("file events were lost; rescanning every skill", "error", err)
			wt.queueAll()
		case <-tick.C:
		}
	}
}

// changed notes an event against the top-level entry of its root, which is
// what gets scanned (OpenClaw's discovery also skips dot names).
func (wt *watcher) changed(ev fsnotify.Event) {
	entry := wt.entryOf(ev.Name)
	if entry == "" {
		return
	}
	if ev.Has(fsnotify.Create) {
		if fi, err := os.Lstat(ev.Name); err == nil && fi.IsDir() {
			if err := wt.addTree(ev.Name); err != nil {
				wt.log.Warn("cannot watch a new directory; it is scanned but later changes inside it may be missed", "dir", ev.Name, "error", err)
			}
		}
	}
	wt.due[entry] = time.Now()
}

func (wt *watcher) entryOf(p string) string {
	for _, r := range wt.roots {
		rel, err := filepath.Rel(r, p)
		if err != nil || rel == "." || rel == ".." || strings.HasPrefix(rel, ".."+string(filepath.Separator)) {
			continue
		}
		first := strings.SplitN(rel, string(filepath.Separator), 2)[0]
		if strings.HasPrefix(first, ".") {
			return ""
		}
		return filepath.Join(r, first)
	}
	return ""
}

func (wt *watcher) queueAll() {
	past := time.Now().Add(-wt.debounce)
	for _, r := range wt.roots {
		ents, err := os.ReadDir(r)
		if err != nil {
			wt.log.Warn("cannot list", "dir", r, "error", err)
			continue
		}
		for _, e := range ents {
			if !strings.HasPrefix(e.Name(), ".") {
				wt.due[filepath.Join(r, e.Name())] = past
			}
		}
	}
}

// scanDue scans the entries that have been quiet for the debounce time.
func (wt *watcher) scanDue(ctx context.Context) error {
	var ready []string
	for entry, t := range wt.due {
		if time.Since(t) >= wt.debounce {
			ready = append(ready, entry)
		}
	}
	sort.Strings(ready)
	for _, entry := range ready {
		delete(wt.due, entry)
		if err := wt.scanEntry(ctx, entry); err != nil {
			return err
		}
	}
	return nil
}

func (wt *watcher) scanEntry(ctx context.Context, entry string) error {
	if _, err := os.Lstat(entry); errors.Is(err, fs.ErrNotExist) {
		found, err := wt.st.MarkRemoved(ctx, entry)
		if found {
			wt.log.Info("skill removed", "path", entry)
		}
		return err
	}
	rep, err := wt.sc.Scan(ctx, entry)
	if err != nil {
		return err
	}
	for _, r := range rep.Results {
		sk, err := wt.st.Record(ctx, r)
		if errors.Is(err, quarantine.ErrVanished) {
			continue
		}
		if err != nil {
			return err
		}
		attrs := []any{"skill", sk.Name, "id", sk.ID, "path", sk.Path, "verdict", sk.Verdict, "findings", len(sk.Findings), "sha256", sk.SHA256}
		if sk.Status != quarantine.Blocked {
			wt.log.Info("scanned", append(attrs, "status", sk.Status)...)
			continue
		}
		sk, err = wt.st.Quarantine(ctx, sk.ID)
		if err != nil {
			return err
		}
		wt.log.Warn("quarantined", append(attrs, "to", sk.QuarantinePath)...)
	}
	return nil
}

// addTree watches dir and every directory below it. Dot-named entries of a
// root are skipped, as OpenClaw's discovery skips them (the store's own
// move staging lives there); dot directories inside a skill are its content
// and are watched.
func (wt *watcher) addTree(dir string) error {
	return filepath.WalkDir(dir, func(p string, d fs.DirEntry, err error) error {
		if err != nil {
			if p == dir {
				return err
			}
			return nil // it went away meanwhile; its parent's events cover it
		}
		if !d.IsDir() {
			return nil
		}
		if strings.HasPrefix(d.Name(), ".") && wt.isRoot(filepath.Dir(p)) {
			return filepath.SkipDir
		}
		return wt.w.Add(p)
	})
}

func (wt *watcher) isRoot(dir string) bool {
	for _, r := range wt.roots {
		if r == dir {
			return true
		}
	}
	return false
}
