package auth

import (
	"context"
	"errors"
	"fmt"
	"os"
	"sync"
	"sync/atomic"
	"time"
)

// TokenSet is a live set of tokens: fixed tokens (configured inline or from
// the environment) plus token files that are re-read when they change, so a
// token is added, rotated or revoked without a restart. Verify is safe to
// call while Reload runs; a reload swaps the whole set at once.
//
// A changed file is parsed off to the side. If it cannot be read or parsed,
// the set keeps that file's last good tokens and Reload reports the error
// (naming the file and line), so a half-edited file never locks everyone
// out. Replace token files atomically (write a temporary file, then rename
// it over the old one): a file edited in place can be read between the
// editor's truncate and write.
type TokenSet struct {
	fixed []Token
	files []string

	cur atomic.Pointer[Verifier]

	mu    sync.Mutex // serializes Reload
	state []fileState
}

type fileState struct {
	info   os.FileInfo // what the tokens were read from; nil before a good read
	tokens []Token
	// bad is the version that last failed to read or parse, and missing
	// says the file was absent at the last look: each is reported once.
	bad     os.FileInfo
	missing bool
}

func sameVersion(a, b os.FileInfo) bool {
	return a != nil && b != nil && os.SameFile(a, b) && a.Size() == b.Size() && a.ModTime().Equal(b.ModTime())
}

// NewTokenSet loads every file. Unlike a reload, the first load must
// succeed, and the set must hold at least one token.
func NewTokenSet(fixed []Token, files ...string) (*TokenSet, error) {
	s := &TokenSet{fixed: fixed, files: files, state: make([]fileState, len(files))}
	var all []Token
	all = append(all, fixed...)
	for i, path := range files {
		st, tokens, err := readTokenFile(path)
		if err != nil {
			return nil, err
		}
		// An unstable read (st == nil) still counts; Reload reads it again.
		s.state[i] = fileState{info: st, tokens: tokens}
		all = append(all, tokens...)
	}
	v, err := NewVerifier(all)
	if err != nil {
		return nil, err
	}
	s.cur.Store(v)
	return s, nil
}

// Verify reports the name of the token whose secret is presented, against
// the current set.
func (s *TokenSet) Verify(secret string) (name string, ok bool) {
	return s.cur.Load().Verify(secret)
}

// Holds reports whether the current set has the token name with the secret
// whose DigestOf is digest (Verifier.Holds).
func (s *TokenSet) Holds(name, digest string) bool { return s.cur.Load().Holds(name, digest) }

// Len is the number of tokens in the current set.
func (s *TokenSet) Len() int { return s.cur.Load().Len() }

// Reload re-reads each file whose size, modification time or identity (a
// rename over it) changed since it was last read, and swaps in the new set
// if any did. changed reports a swap. err joins one error per file that
// could not be read or parsed (those files keep their last good tokens), or
// says why the new set as a whole was refused (the same secret under two
// names), in which case the previous set stays in force.
//
// A set left with no tokens at all is accepted: emptying the files revokes
// every file token, and requests are then refused.
func (s *TokenSet) Reload() (changed bool, err error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	var errs []error
	for i, path := range s.files {
		f := &s.state[i]
		st, err := os.Stat(path)
		if err != nil {
			if !f.missing {
				errs = append(errs, fmt.Errorf("%w; keeping its last good tokens", err))
			}
			f.missing = true
			continue
		}
		f.missing = false
		if sameVersion(f.info, st) || sameVersion(f.bad, st) {
			continue
		}
		read, tokens, err := readTokenFile(path)
		switch {
		case err != nil:
			f.bad = st
			errs = append(errs, fmt.Errorf("%w; keeping its last good tokens", err))
		case read == nil: // changed while being read: read it again next time
		default:
			*f = fileState{info: read, tokens: tokens}
			changed = true
		}
	}
	if changed {
		all := append([]Token(nil), s.fixed...)
		for _, f := range s.state {
			all = append(all, f.tokens...)
		}
		v, err := newVerifier(all)
		if err != nil {
			return false, errors.Join(append(errs, fmt.Errorf("token files: %w; keeping the previous tokens", err))...)
		}
		s.cur.Store(v)
	}
	return changed, errors.Join(errs...)
}

// Watch calls Reload every interval until ctx is done, and passes each
// result that changed the set or failed to report.
func (s *TokenSet) Watch(ctx context.Context, every time.Duration, report func(changed bool, err error)) {
	t := time.NewTicker(every)
	defer t.Stop()
	for {
		select {
		case <-ctx.Done():
			return
		case <-t.C:
			if changed, err := s.Reload(); changed || err != nil {
				report(changed, err)
			}
		}
	}
}

// readTokenFile reads and parses path. It returns a nil FileInfo with the
// tokens when the file changed while it was being read.
func readTokenFile(path string) (os.FileInfo, []Token, error) {
	f, err := os.Open(path)
	if err != nil {
		return nil, nil, err
	}
	defer f.Close()
	before, err := f.Stat()
	if err != nil {
		return nil, nil, err
	}
	tokens, err := ParseTokenFile(f, path)
	if err != nil {
		return nil, nil, err
	}
	after, err := os.Stat(path)
	if err != nil || !sameVersion(before, after) {
		return nil, tokens, nil
	}
	return before, tokens, nil
}
