package egress

import (
	"fmt"
	"os"
	"slices"
	"sync"
	"sync/atomic"
	"time"
)

// Reloader holds the allowlist read from a set of files and reads it again
// when a file changes. The CoreDNS plugin and the egress proxy both use it,
// so one file edited by an operator applies the same way to both: checked
// by inode, size and modification time, parsed off to the side, and swapped
// in whole; a file that does not parse leaves the last good list in force.
type Reloader struct {
	files []string
	list  atomic.Pointer[Allowlist]

	// Reload state, guarded by mu so Reload may be called from any goroutine.
	mu      sync.Mutex
	stamps  []os.FileInfo // the files the current list was read from
	failed  []os.FileInfo // the files that last failed to load, not retried until they change
	lastErr string        // the last error reported, so a broken file is reported once
}

// NewReloader loads the allowlist files. It fails if any cannot be read or
// parsed: at startup there is no last good list to fall back on.
func NewReloader(files ...string) (*Reloader, error) {
	stamps, err := statAll(files)
	if err != nil {
		return nil, err
	}
	list, err := LoadAllowlist(files...)
	if err != nil {
		return nil, err
	}
	r := &Reloader{files: slices.Clone(files), stamps: stamps}
	r.list.Store(list)
	return r, nil
}

// List returns the allowlist in force. It never returns nil.
func (r *Reloader) List() *Allowlist { return r.list.Load() }

// Files returns the files the list is read from.
func (r *Reloader) Files() []string { return slices.Clone(r.files) }

// Reload reads the files again if any of them changed (by inode, size or
// modification time) and swaps the new list in whole. It reports whether a
// new list is now in force, and the error that kept a changed file from
// loading. The error is returned once per change of the files: a file that
// stays broken gives nil until it changes again, so a caller that logs
// every error does not log on every tick.
func (r *Reloader) Reload() (reloaded bool, err error) {
	r.mu.Lock()
	defer r.mu.Unlock()
	stamps, err := statAll(r.files)
	if err == nil && (sameFiles(stamps, r.stamps) || sameFiles(stamps, r.failed)) {
		return false, nil
	}
	var list *Allowlist
	if err == nil {
		list, err = LoadAllowlist(r.files...)
	}
	if err == nil {
		// A file rewritten while we read it may have been cut mid-line,
		// and a cut name is a different name: wait for it to settle.
		if after, err := statAll(r.files); err != nil || !sameFiles(stamps, after) {
			return false, nil
		}
	}
	if err != nil {
		repeat := err.Error() == r.lastErr
		r.failed, r.lastErr = stamps, err.Error()
		if repeat {
			return false, nil
		}
		return false, err
	}
	r.list.Store(list)
	r.stamps, r.failed, r.lastErr = stamps, nil, ""
	return true, nil
}

// Run calls Reload every interval until stop is closed, and report after
// each call that reloaded or failed. report may be nil.
func (r *Reloader) Run(stop <-chan struct{}, every time.Duration, report func(reloaded bool, err error)) {
	t := time.NewTicker(every)
	defer t.Stop()
	for {
		select {
		case <-stop:
			return
		case <-t.C:
			reloaded, err := r.Reload()
			if report != nil && (reloaded || err != nil) {
				report(reloaded, err)
			}
		}
	}
}

// sameFiles reports whether two stats of the allowlist files show the same
// versions: same inode, size and modification time.
func sameFiles(a, b []os.FileInfo) bool {
	return slices.EqualFunc(a, b, func(x, y os.FileInfo) bool {
		return os.SameFile(x, y) && x.ModTime().Equal(y.ModTime()) && x.Size() == y.Size()
	})
}

func statAll(files []string) ([]os.FileInfo, error) {
	if len(files) == 0 {
		return nil, fmt.Errorf("egress: no allowlist file given")
	}
	out := make([]os.FileInfo, len(files))
	for i, f := range files {
		fi, err := os.Stat(f)
		if err != nil {
			return nil, fmt.Errorf("egress: reading allowlist: %w", err)
		}
		out[i] = fi
	}
	return out, nil
}
