package auth

import (
	"math"
	"sync"
	"time"

	"golang.org/x/time/rate"
)

// Limiter limits failed authentication attempts per client address with a
// token bucket: each client may fail Burst times in a row, and regains one
// attempt every 1/Rate. While a client's bucket is empty, every request from it
// is refused before its token is even checked, so guessing cannot go faster
// than Rate.
//
// The number of tracked clients is bounded; buckets that have refilled are
// forgotten first.
type Limiter struct {
	limit      rate.Limit
	burst      int
	maxClients int
	now        func() time.Time

	mu      sync.Mutex
	clients map[string]*rate.Limiter
}

// LimiterConfig configures a Limiter. Zero values take the defaults.
type LimiterConfig struct {
	// Burst is how many failures in a row a client may have. Default 10.
	Burst int
	// Every is how long a client waits to regain one attempt. Default 6s
	// (10 attempts a minute).
	Every time.Duration
	// MaxClients bounds memory. Default 65536.
	MaxClients int
	// Now is the clock; default time.Now.
	Now func() time.Time
}

// NewLimiter returns a limiter for failed attempts.
func NewLimiter(cfg LimiterConfig) *Limiter {
	if cfg.Burst <= 0 {
		cfg.Burst = 10
	}
	if cfg.Every <= 0 {
		cfg.Every = 6 * time.Second
	}
	if cfg.MaxClients <= 0 {
		cfg.MaxClients = 65536
	}
	if cfg.Now == nil {
		cfg.Now = time.Now
	}
	return &Limiter{
		limit:      rate.Every(cfg.Every),
		burst:      cfg.Burst,
		maxClients: cfg.MaxClients,
		now:        cfg.Now,
		clients:    make(map[string]*rate.Limiter),
	}
}

// Allow reports whether client may attempt to authenticate now, and if not,
// how long until it may (rounded up to whole seconds, for Retry-After).
func (l *Limiter) Allow(client string) (ok bool, retryAfter time.Duration) {
	l.mu.Lock()
	defer l.mu.Unlock()
	lim, tracked := l.clients[client]
	if !tracked {
		return true, 0
	}
	tokens := lim.TokensAt(l.now())
	if tokens >= 1 {
		return true, 0
	}
	wait := time.Duration((1 - tokens) / float64(l.limit) * float64(time.Second))
	return false, time.Duration(math.Ceil(wait.Seconds())) * time.Second
}

// Fail records a failed attempt by client.
func (l *Limiter) Fail(client string) {
	l.mu.Lock()
	defer l.mu.Unlock()
	now := l.now()
	lim, tracked := l.clients[client]
	if !tracked {
		if len(l.clients) >= l.maxClients {
			l.evict(now)
		}
		lim = rate.NewLimiter(l.limit, l.burst)
		l.clients[client] = lim
	}
	lim.AllowN(now, 1)
}

// evict forgets clients whose buckets are full again; if none are, it forgets
// arbitrary clients until there is room, so memory stays bounded.
func (l *Limiter) evict(now time.Time) {
	for c, lim := range l.clients {
		if lim.TokensAt(now) >= float64(l.burst) {
			delete(l.clients, c)
		}
	}
	for c := range l.clients {
		if len(l.clients) < l.maxClients {
			break
		}
		delete(l.clients, c)
	}
}
