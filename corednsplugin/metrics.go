package corednsplugin

import (
	"github.com/coredns/coredns/plugin"
	"github.com/prometheus/client_golang/prometheus"
	"github.com/prometheus/client_golang/prometheus/promauto"
)

// Labels stay low-cardinality: server and a fixed set of results or
// reasons, never the query name.
var (
	requestCount = promauto.NewCounterVec(prometheus.CounterOpts{
		Namespace: plugin.Namespace,
		Subsystem: pluginName,
		Name:      "requests_total",
		Help:      "Queries judged by the egress plugin, by result: allowed, blocked (not on the allowlist) or refused (cannot be judged).",
	}, []string{"server", "result"})
	answersFiltered = promauto.NewCounterVec(prometheus.CounterOpts{
		Namespace: plugin.Namespace,
		Subsystem: pluginName,
		Name:      "answers_filtered_total",
		Help:      "Answers to allowed queries that were changed, by reason: name (refused: a CNAME target or owner not allowed), private (internal addresses dropped) or unreadable.",
	}, []string{"server", "reason"})
	entries = promauto.NewGaugeVec(prometheus.GaugeOpts{
		Namespace: plugin.Namespace,
		Subsystem: pluginName,
		Name:      "allowlist_entries",
		Help:      "Entries in the allowlist in use.",
	}, []string{"server"})
	lastReload = promauto.NewGaugeVec(prometheus.GaugeOpts{
		Namespace: plugin.Namespace,
		Subsystem: pluginName,
		Name:      "allowlist_reload_timestamp_seconds",
		Help:      "When the allowlist in use was loaded, in seconds since the Unix epoch.",
	}, []string{"server"})
	reloadErrors = promauto.NewCounterVec(prometheus.CounterOpts{
		Namespace: plugin.Namespace,
		Subsystem: pluginName,
		Name:      "allowlist_reload_errors_total",
		Help:      "Allowlist reloads that failed and kept the last good list.",
	}, []string{"server"})
	auditErrors = promauto.NewCounterVec(prometheus.CounterOpts{
		Namespace: plugin.Namespace,
		Subsystem: pluginName,
		Name:      "audit_errors_total",
		Help:      "Audit events that could not be written.",
	}, []string{"server"})
)

// results holds one server's requestCount children, looked up once at
// startup rather than by label on every query.
type results struct {
	allowed, blocked, refused prometheus.Counter
}

func resultsFor(server string) *results {
	return &results{
		allowed: requestCount.WithLabelValues(server, "allowed"),
		blocked: requestCount.WithLabelValues(server, "blocked"),
		refused: requestCount.WithLabelValues(server, "refused"),
	}
}
