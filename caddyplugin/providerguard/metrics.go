package providerguard

import (
	"github.com/prometheus/client_golang/prometheus"

	"github.com/openclaw-secure-stack/securestack/caddyplugin/internal/metricsreg"
)

// Collectors exist once per process and are registered into each config's
// registry, so a reload does not reset them. Labels are closed sets.
var (
	requestsTotal = prometheus.NewCounterVec(prometheus.CounterOpts{
		Namespace: "caddy", Subsystem: "openclaw_provider_guard", Name: "requests_total",
		Help: "Requests to the provider guard, by outcome (allowed, neutralized, flagged, rejected, unauthorized, bad_request, too_large, not_found, audit_failed).",
	}, []string{"outcome"})
	responsesTotal = prometheus.NewCounterVec(prometheus.CounterOpts{
		Namespace: "caddy", Subsystem: "openclaw_provider_guard", Name: "responses_total",
		Help: "Provider responses through the guard, by outcome (allowed, blocked, refused, error).",
	}, []string{"outcome"})
	toolCallsTotal = prometheus.NewCounterVec(prometheus.CounterOpts{
		Namespace: "caddy", Subsystem: "openclaw_provider_guard", Name: "tool_calls_total",
		Help: "Tool calls the model asked for, by decision (allowed, blocked).",
	}, []string{"decision"})
	neutralizedTotal = prometheus.NewCounter(prometheus.CounterOpts{
		Namespace: "caddy", Subsystem: "openclaw_provider_guard", Name: "neutralized_texts_total",
		Help: "Texts replaced by a notice before the provider saw them (counted on every request that carries them).",
	})
	redactionsTotal = prometheus.NewCounterVec(prometheus.CounterOpts{
		Namespace: "caddy", Subsystem: "openclaw_provider_guard", Name: "redactions_total",
		Help: "Secrets redacted from requests, by kind (a fixed list, see package secrets).",
	}, []string{"kind"})
)

func registerMetrics(reg prometheus.Registerer) error {
	return metricsreg.Register(reg, requestsTotal, responsesTotal, toolCallsTotal, neutralizedTotal, redactionsTotal)
}
