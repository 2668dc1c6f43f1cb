// Package metricsreg registers the stack's Prometheus collectors into the
// registry of each Caddy configuration.
//
// Caddy makes a new registry for every configuration it loads, so counters
// created per configuration would start from zero on every reload. The
// collectors are created once per process instead (package-level values of
// each handler) and registered again into each configuration's registry,
// as Caddy's reverse_proxy and caddy-ratelimit do. A collector already in
// that registry (two sites with the same handler) is not an error.
package metricsreg

import (
	"errors"

	"github.com/prometheus/client_golang/prometheus"
)

// Register adds each collector to reg, tolerating one that is already there.
// A nil registry (a handler provisioned outside a Caddy app, in a unit test)
// registers nothing.
func Register(reg prometheus.Registerer, cs ...prometheus.Collector) error {
	if reg == nil {
		return nil
	}
	for _, c := range cs {
		if err := reg.Register(c); err != nil {
			var are prometheus.AlreadyRegisteredError
			if errors.As(err, &are) && are.ExistingCollector == c {
				continue
			}
			return err
		}
	}
	return nil
}
