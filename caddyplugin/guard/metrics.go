package guard

import (
	"github.com/prometheus/client_golang/prometheus"

	"github.com/openclaw-secure-stack/securestack/caddyplugin/internal/metricsreg"
)

// The guard's collectors exist once per process and are registered into
// each config's registry (Caddy makes a new one per config), so a reload
// does not reset them.
var requestsTotal = prometheus.NewCounterVec(prometheus.CounterOpts{
	Namespace: "caddy",
	Subsystem: "openclaw_guard",
	Name:      "requests_total",
	Help:      "Requests seen by openclaw_guard, by outcome (allowed, stripped, flagged, rejected, unauthorized, rate_limited, denied, bad_request, too_large, public, audit_failed).",
}, []string{"outcome"})

func registerMetrics(reg prometheus.Registerer) error {
	return metricsreg.Register(reg, requestsTotal)
}
