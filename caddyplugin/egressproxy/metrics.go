package egressproxy

import (
	"sync"

	"github.com/prometheus/client_golang/prometheus"

	"github.com/openclaw-secure-stack/securestack/caddyplugin/internal/metricsreg"
)

// The proxy's collectors exist once per process and are registered into
// each config's registry, so a reload does not reset them. Labels are
// bounded: kind (connect, http), outcome (auditlog outcomes), rule (the
// forward.Rule set, one address_<class> per egress.Class, and
// audit_unavailable), direction, and allowlist (the configured files: one
// value per egress_proxy configuration).
var (
	requestsTotal = prometheus.NewCounterVec(prometheus.CounterOpts{
		Namespace: "caddy", Subsystem: "egress_proxy", Name: "requests_total",
		Help: "Proxy requests by kind (connect, http), outcome (allowed, denied, blocked, unauthorized, rate_limited, bad_request, error) and rule.",
	}, []string{"kind", "outcome", "rule"})
	tunnelsActive = prometheus.NewGauge(prometheus.GaugeOpts{
		Namespace: "caddy", Subsystem: "egress_proxy", Name: "active",
		Help: "CONNECT tunnels and HTTP requests being proxied now.",
	})
	bytesTotal = prometheus.NewCounterVec(prometheus.CounterOpts{
		Namespace: "caddy", Subsystem: "egress_proxy", Name: "bytes_total",
		Help: "Bytes proxied, up (client to upstream) and down, counted when an exchange ends.",
	}, []string{"direction"})
	allowlistEntries = prometheus.NewGaugeVec(prometheus.GaugeOpts{
		Namespace: "caddy", Subsystem: "egress_proxy", Name: "allowlist_entries",
		Help: "Entries in the allowlist in force, by allowlist (its files as configured, comma-separated).",
	}, []string{"allowlist"})
	allowlistReloadErrors = prometheus.NewCounter(prometheus.CounterOpts{
		Namespace: "caddy", Subsystem: "egress_proxy", Name: "allowlist_reload_errors_total",
		Help: "Changed allowlist files that could not be loaded (the last good list stayed in force).",
	})
	tokenReloads = prometheus.NewCounter(prometheus.CounterOpts{
		Namespace: "caddy", Subsystem: "egress_proxy", Name: "token_reloads_total",
		Help: "Token file reloads that changed the proxy credentials in force.",
	})
	tokenReloadErrors = prometheus.NewCounter(prometheus.CounterOpts{
		Namespace: "caddy", Subsystem: "egress_proxy", Name: "token_reload_errors_total",
		Help: "Token file reloads that failed (the file's last good tokens stayed in force).",
	})
	auditErrors = prometheus.NewCounter(prometheus.CounterOpts{
		Namespace: "caddy", Subsystem: "egress_proxy", Name: "audit_errors_total",
		Help: "Audit records that could not be written.",
	})
)

func registerMetrics(reg prometheus.Registerer) error {
	return metricsreg.Register(reg, requestsTotal, tunnelsActive, bytesTotal, allowlistEntries, allowlistReloadErrors, tokenReloads, tokenReloadErrors, auditErrors)
}

// Children of the vectors, resolved once: WithLabelValues hashes its
// labels and takes the vector's lock on every call.
var (
	bytesUp   = bytesTotal.WithLabelValues("up")
	bytesDown = bytesTotal.WithLabelValues("down")

	requestsMu sync.RWMutex
	requests   = map[requestLabels]prometheus.Counter{}
)

type requestLabels struct{ kind, outcome, rule string }

// countRequest counts one exchange in requests_total. The labels come
// from bounded sets (see above), so the cache is bounded too.
func countRequest(kind, outcome, rule string) {
	k := requestLabels{kind, outcome, rule}
	requestsMu.RLock()
	c, ok := requests[k]
	requestsMu.RUnlock()
	if !ok {
		c = requestsTotal.WithLabelValues(kind, outcome, rule)
		requestsMu.Lock()
		requests[k] = c
		requestsMu.Unlock()
	}
	c.Inc()
}
