package caddyplugin

import (
	"errors"

	"github.com/prometheus/client_golang/prometheus"
)

type guardMetrics struct {
	requests *prometheus.CounterVec
}

// registerMetrics registers the guard's counters, reusing the ones a previous
// config registered: Caddy keeps the registry across reloads.
func registerMetrics(reg *prometheus.Registry) (*guardMetrics, error) {
	requests := prometheus.NewCounterVec(prometheus.CounterOpts{
		Namespace: "caddy",
		Subsystem: "openclaw_guard",
		Name:      "requests_total",
		Help:      "Requests seen by openclaw_guard, by outcome (allowed, stripped, flagged, rejected, unauthorized, rate_limited, denied, bad_request, too_large, public, audit_failed).",
	}, []string{"outcome"})
	if reg != nil {
		if err := reg.Register(requests); err != nil {
			var are prometheus.AlreadyRegisteredError
			if !errors.As(err, &are) {
				return nil, err
			}
			requests = are.ExistingCollector.(*prometheus.CounterVec)
		}
	}
	return &guardMetrics{requests: requests}, nil
}
