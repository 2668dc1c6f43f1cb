// Package session keeps the guard's browser sessions: the server-side state
// behind the cookie a browser gets when its user logs in with a token.
//
// A session id is 32 random bytes (base64url, 43 characters) and means
// nothing by itself: the store holds everything else, so logging out,
// revoking a token or rotating its secret ends a session at once, and a
// cookie cannot be forged or altered into another valid one. The store keeps
// only the SHA-256 of each id, so a memory dump or a log of the map does not
// hand out live cookies.
//
//	store := session.NewStore(session.Config{TTL: 8 * time.Hour})
//	id, s, err := store.Create("alice", auth.DigestOf(secret), "operator")
//	http.SetCookie(w, session.Cookie(id, s.Expires, secure))
//	...
//	id, err := session.FromRequest(r, secure)
//	s, ok := store.Lookup(id)
//	<-s.Ended()                   // closed by logout, revocation or expiry
//
// A host that reloads its configuration (Caddy) keeps one Store across
// reloads (a caddy.UsagePool holds it; Destruct ends every session when the
// last configuration that used it is gone).
package session

import (
	"crypto/rand"
	"crypto/sha256"
	"crypto/subtle"
	"encoding/base64"
	"errors"
	"sort"
	"sync"
	"time"
)

// Defaults for Config.
const (
	DefaultTTL         = 12 * time.Hour
	DefaultMaxSessions = 10000
	DefaultMaxPerToken = 32
	MinTTL             = time.Minute
	MaxTTL             = 30 * 24 * time.Hour
)

const (
	idBytes    = 32
	idLen      = 43 // base64url of 32 bytes, no padding
	csrfBytes  = 32
	sweepEvery = 256 // creates between sweeps of expired sessions
)

// ErrFull is returned by Create when the store holds MaxSessions live
// sessions: a bound on memory that a holder of a valid token cannot push
// past by logging in in a loop.
var ErrFull = errors.New("session store is full: too many live sessions; wait for some to expire or log some out")

// Config configures a Store. Zero values take the defaults.
type Config struct {
	// TTL is how long a session lives after login. Default 12h. A session is
	// not extended by use: the user logs in again when it ends.
	TTL time.Duration
	// MaxSessions bounds the live sessions of the whole store. Default 10000.
	MaxSessions int
	// MaxPerToken bounds the live sessions of one token; logging in beyond it
	// ends that token's oldest session. Default 32.
	MaxPerToken int
	// Now is the clock; default time.Now.
	Now func() time.Time
}

// Check reports a configuration that cannot work.
func (c Config) Check() error {
	if c.TTL != 0 && (c.TTL < MinTTL || c.TTL > MaxTTL) {
		return errors.New("session ttl must be between 1m and 720h")
	}
	if c.MaxSessions < 0 || c.MaxPerToken < 0 {
		return errors.New("session limits must not be negative")
	}
	return nil
}

// Session is what the store knows of one login. It is a copy: changing it
// changes nothing in the store.
type Session struct {
	// TokenName is the name of the token the user logged in with; the guard
	// sends it to OpenClaw as the user identity and writes it in the audit log.
	TokenName string
	// Credential identifies the secret used to log in, as auth.DigestOf gives
	// it ("sha256:<hex>"). Rotating a token's secret ends the sessions made
	// with the old one (Store.Retain).
	Credential string
	// Role is the token's role when the user logged in.
	Role string
	// Created and Expires bound the session's life.
	Created, Expires time.Time
	// CSRF is a per-session random value that the logout form carries; a
	// cross-site page cannot read it, so it cannot log a user out.
	CSRF string

	ended <-chan struct{}
}

// Ended is closed when the session ends by logout, revocation, expiry noticed
// by the store, or the store's destruction. An open WebSocket of the session
// watches it (and Expires) and closes when it fires.
func (s Session) Ended() <-chan struct{} { return s.ended }

type entry struct {
	s     Session
	ended chan struct{}
}

// Store holds live sessions. It is safe for concurrent use.
type Store struct {
	cfg Config

	mu      sync.Mutex
	byID    map[[sha256.Size]byte]*entry
	creates int
}

// NewStore returns an empty store. cfg must pass Check; out-of-range values
// are clamped to the defaults rather than trusted.
func NewStore(cfg Config) *Store {
	if cfg.TTL < MinTTL || cfg.TTL > MaxTTL {
		cfg.TTL = DefaultTTL
	}
	if cfg.MaxSessions <= 0 {
		cfg.MaxSessions = DefaultMaxSessions
	}
	if cfg.MaxPerToken <= 0 {
		cfg.MaxPerToken = DefaultMaxPerToken
	}
	if cfg.Now == nil {
		cfg.Now = time.Now
	}
	return &Store{cfg: cfg, byID: make(map[[sha256.Size]byte]*entry)}
}

// TTL is the lifetime of new sessions.
func (st *Store) TTL() time.Duration { return st.cfg.TTL }

// Create starts a session for a user who has just presented the secret whose
// digest is credential. It returns the id to put in the cookie; the store
// never returns it again.
func (st *Store) Create(tokenName, credential, role string) (id string, s Session, err error) {
	var raw [idBytes]byte
	if _, err := rand.Read(raw[:]); err != nil {
		return "", Session{}, err
	}
	var csrf [csrfBytes]byte
	if _, err := rand.Read(csrf[:]); err != nil {
		return "", Session{}, err
	}
	id = base64.RawURLEncoding.EncodeToString(raw[:])
	now := st.cfg.Now()
	e := &entry{
		s: Session{
			TokenName:  tokenName,
			Credential: credential,
			Role:       role,
			Created:    now,
			Expires:    now.Add(st.cfg.TTL),
			CSRF:       base64.RawURLEncoding.EncodeToString(csrf[:]),
		},
		ended: make(chan struct{}),
	}
	e.s.ended = e.ended

	st.mu.Lock()
	defer st.mu.Unlock()
	st.creates++
	if st.creates%sweepEvery == 0 || len(st.byID) >= st.cfg.MaxSessions {
		st.sweepLocked(now)
	}
	if len(st.byID) >= st.cfg.MaxSessions {
		return "", Session{}, ErrFull
	}
	st.capTokenLocked(tokenName)
	st.byID[sha256.Sum256([]byte(id))] = e
	return id, e.s, nil
}

// capTokenLocked ends the oldest sessions of tokenName until one more fits.
func (st *Store) capTokenLocked(tokenName string) {
	var mine []*entry
	var keys [][sha256.Size]byte
	for k, e := range st.byID {
		if e.s.TokenName == tokenName {
			mine = append(mine, e)
			keys = append(keys, k)
		}
	}
	if len(mine) < st.cfg.MaxPerToken {
		return
	}
	idx := make([]int, len(mine))
	for i := range idx {
		idx[i] = i
	}
	sort.Slice(idx, func(a, b int) bool { return mine[idx[a]].s.Created.Before(mine[idx[b]].s.Created) })
	for _, i := range idx[:len(mine)-st.cfg.MaxPerToken+1] {
		st.endLocked(keys[i])
	}
}

// Lookup returns the live session with this id. An unknown, malformed or
// expired id gives false; an expired session is ended on the way.
func (st *Store) Lookup(id string) (Session, bool) {
	if !ValidID(id) {
		return Session{}, false
	}
	k := sha256.Sum256([]byte(id))
	st.mu.Lock()
	defer st.mu.Unlock()
	e, ok := st.byID[k]
	if !ok {
		return Session{}, false
	}
	if !st.cfg.Now().Before(e.s.Expires) {
		st.endLocked(k)
		return Session{}, false
	}
	return e.s, true
}

// CheckCSRF reports whether token is the CSRF value of the live session id,
// comparing in constant time.
func (st *Store) CheckCSRF(id, token string) bool {
	s, ok := st.Lookup(id)
	if !ok || len(token) != len(s.CSRF) {
		return false
	}
	return subtle.ConstantTimeCompare([]byte(token), []byte(s.CSRF)) == 1
}

// Delete ends the session with this id (logout). It reports whether there
// was one.
func (st *Store) Delete(id string) bool {
	if !ValidID(id) {
		return false
	}
	k := sha256.Sum256([]byte(id))
	st.mu.Lock()
	defer st.mu.Unlock()
	if _, ok := st.byID[k]; !ok {
		return false
	}
	st.endLocked(k)
	return true
}

// RevokeToken ends every session of the named token and returns how many
// there were.
func (st *Store) RevokeToken(name string) int {
	return st.Retain(func(s Session) bool { return s.TokenName != name })
}

// Retain ends every session for which keep returns false and returns how
// many it ended. After a token file changes, the host keeps the sessions
// whose (TokenName, Credential) pair is still configured: a removed token
// and a rotated secret both end their sessions, while a token that kept its
// secret keeps them. keep runs with the store locked and must not call it.
func (st *Store) Retain(keep func(Session) bool) int {
	st.mu.Lock()
	defer st.mu.Unlock()
	n := 0
	for k, e := range st.byID {
		if !keep(e.s) {
			st.endLocked(k)
			n++
		}
	}
	return n
}

// Sweep ends expired sessions and returns how many it ended. Create sweeps
// now and then; a host may also call it on a timer.
func (st *Store) Sweep() int {
	st.mu.Lock()
	defer st.mu.Unlock()
	return st.sweepLocked(st.cfg.Now())
}

func (st *Store) sweepLocked(now time.Time) int {
	n := 0
	for k, e := range st.byID {
		if !now.Before(e.s.Expires) {
			st.endLocked(k)
			n++
		}
	}
	return n
}

func (st *Store) endLocked(k [sha256.Size]byte) {
	close(st.byID[k].ended)
	delete(st.byID, k)
}

// Len is the number of sessions held, expired ones not yet swept included.
func (st *Store) Len() int {
	st.mu.Lock()
	defer st.mu.Unlock()
	return len(st.byID)
}

// Destruct ends every session. It makes a Store a caddy.Destructor, so a
// caddy.UsagePool can hold it across config reloads without this package
// importing Caddy.
func (st *Store) Destruct() error {
	st.Retain(func(Session) bool { return false })
	return nil
}

// ValidID reports whether id has the shape of a session id: 43 characters
// of the base64url alphabet. Anything else is refused before any lookup.
func ValidID(id string) bool {
	if len(id) != idLen {
		return false
	}
	for i := 0; i < len(id); i++ {
		c := id[i]
		if !(c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z' || c >= '0' && c <= '9' || c == '-' || c == '_') {
			return false
		}
	}
	return true
}
