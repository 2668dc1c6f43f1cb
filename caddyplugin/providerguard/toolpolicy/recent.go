package toolpolicy

import (
	"sync"

	"github.com/openclaw-secure-stack/securestack/caddyplugin/providerguard/wire"
	"github.com/openclaw-secure-stack/securestack/scanner/shellrisk"
)

// Recent is the history a guard keeps of the direct tool calls it allowed
// (POST /tools/invoke, WebSocket tools.invoke), which carry no
// conversation: the calls that write files (write, edit, apply_patch) and
// that type keys (process, terminal, computer), so that a script written
// by one call and run by another, or a command typed a few keys per call,
// is judged whole, as the provider guard judges a model's calls with the
// conversation's. It is one history for every client of the guard: the
// calls act on one machine, whoever makes them. It keeps at most MaxCalls
// calls and MaxBytes of arguments, forgetting the oldest first.
//
// What it forgets it does not forget silently: the files a dropped call
// wrote are remembered by name (at most MaxForgotten names), and a later
// call that runs one is refused (shellrisk.RuleUnknownScript) until a call
// writes the whole file again. Past MaxForgotten names the history is
// incomplete for good (shellrisk.Context.Incomplete): a call that runs any
// file it names that the history does not hold is refused.
type Recent struct {
	MaxCalls, MaxBytes int
	// MaxForgotten bounds the forgotten files kept, MaxForgottenBytes the
	// bytes of their names.
	MaxForgotten, MaxForgottenBytes int

	mu   sync.Mutex
	h    history
	size int // bytes of arguments held
	// forgotten are the files dropped calls wrote whose whole text no
	// later call gave, by path (shellrisk.ResolvePath); keys counts them
	// by shellrisk.FileKey, the name the judge matches runs with, and
	// judgeKeys is the set of those keys the judge is given.
	forgotten      map[string]bool
	forgottenBytes int
	keys           map[string]int
	judgeKeys      map[string]bool
	incomplete     bool
	// Dropped counts calls dropped to stay within the bounds.
	Dropped int
}

// Defaults of a zero Recent's bounds.
const (
	DefaultRecentCalls = 128
	DefaultRecentBytes = 1 << 20
	// The bounds of forgotten files: 4096 workspace files of usual names
	// (50 to 200 bytes) hold 0.9 to 1.5 MB; 1 MiB of names bounds the
	// worst case under 3 MB.
	DefaultForgotten      = 4096
	DefaultForgottenBytes = 1 << 20
)

// maxForgottenName bounds a forgotten path: Linux's PATH_MAX. A write of a
// longer name wrote nothing.
const maxForgottenName = 4096

// DecideRecent judges a direct call with the calls before it in rc, and
// remembers it when it is allowed and writes files or types keys. Calls
// are judged one at a time, in the order they arrive.
func (j *Judge) DecideRecent(rc *Recent, c wire.ToolCall) wire.Decision {
	rc.mu.Lock()
	defer rc.mu.Unlock()
	d := j.decideIn(c, rc)
	if !d.Block {
		if s := j.stepOf(c); !s.empty() {
			rc.add(s)
		}
	}
	return d
}

// Incomplete reports a history that overflowed its bound of forgotten
// files: a run of any file it does not hold is refused from then on.
func (rc *Recent) Incomplete() bool {
	rc.mu.Lock()
	defer rc.mu.Unlock()
	return rc.incomplete
}

// Forgotten is the number of files whose text the history has forgotten.
func (rc *Recent) Forgotten() int {
	rc.mu.Lock()
	defer rc.mu.Unlock()
	return len(rc.forgotten)
}

// known is what the judge of a call is told of the calls before it.
func (rc *Recent) known() known {
	return known{files: rc.h.writtenFiles(), forgotten: rc.judgeKeys, incomplete: rc.incomplete, typed: rc.h.typed}
}

func (rc *Recent) add(s step) {
	maxCalls, maxBytes := rc.MaxCalls, rc.MaxBytes
	if maxCalls <= 0 {
		maxCalls = DefaultRecentCalls
	}
	if maxBytes <= 0 {
		maxBytes = DefaultRecentBytes
	}
	// A file moved keeps what was not known of its text.
	for _, m := range s.moves {
		if rc.forgotten[m[0]] {
			rc.forget(m[1])
		}
	}
	if s.size > maxBytes {
		// Allowed but too large to keep: what it wrote is forgotten at
		// once.
		rc.Dropped++
		for _, f := range s.files {
			rc.forget(f.path)
		}
		return
	}
	for _, f := range s.files {
		if f.whole {
			rc.remember(f.path)
		}
	}
	rc.h.push(s)
	rc.size += s.size
	drop := 0
	for len(rc.h.steps)-drop > maxCalls || rc.size > maxBytes {
		rc.size -= rc.h.steps[drop].size
		drop++
	}
	for i := range drop {
		for _, f := range rc.h.steps[i].files {
			if !rc.rewritten(f.path, i+1) {
				rc.forget(f.path)
			}
		}
	}
	if drop > 0 {
		rc.Dropped += drop
		rc.h.dropFirst(drop)
	}
}

// rewritten reports a whole write of the file at path p by a step from
// the index from on.
func (rc *Recent) rewritten(p string, from int) bool {
	for _, s := range rc.h.steps[from:] {
		for _, f := range s.files {
			if f.whole && f.path == p {
				return true
			}
		}
	}
	return false
}

// forget records that the text of the file at path p is not known any
// more.
func (rc *Recent) forget(p string) {
	if len(p) > maxForgottenName || rc.forgotten[p] {
		return
	}
	limit, limitBytes := rc.MaxForgotten, rc.MaxForgottenBytes
	if limit <= 0 {
		limit = DefaultForgotten
	}
	if limitBytes <= 0 {
		limitBytes = DefaultForgottenBytes
	}
	if len(rc.forgotten) >= limit || rc.forgottenBytes+len(p) > limitBytes {
		rc.incomplete = true
		return
	}
	if rc.forgotten == nil {
		rc.forgotten, rc.keys, rc.judgeKeys = map[string]bool{}, map[string]int{}, map[string]bool{}
	}
	rc.forgotten[p] = true
	rc.forgottenBytes += len(p)
	k := shellrisk.FileKey(p)
	rc.keys[k]++
	rc.judgeKeys[k] = true
}

// remember records that the whole text of the file at path p is known
// again.
func (rc *Recent) remember(p string) {
	if !rc.forgotten[p] {
		return
	}
	delete(rc.forgotten, p)
	rc.forgottenBytes -= len(p)
	k := shellrisk.FileKey(p)
	if rc.keys[k]--; rc.keys[k] == 0 {
		delete(rc.keys, k)
		delete(rc.judgeKeys, k)
	}
}
