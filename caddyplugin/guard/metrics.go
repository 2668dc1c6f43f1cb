package guard

import (
	"strings"

	"github.com/prometheus/client_golang/prometheus"

	"github.com/openclaw-secure-stack/securestack/auth/session"
	"github.com/openclaw-secure-stack/securestack/caddyplugin/internal/metricsreg"
)

// The guard's collectors exist once per process and are registered into
// each config's registry (Caddy makes a new one per config), so a reload
// does not reset them. Every label has a bounded set of values: routes come
// from the table, rules from the configured rule set, reasons and outcomes
// from the code.
var (
	requestsTotal = prometheus.NewCounterVec(prometheus.CounterOpts{
		Namespace: "caddy", Subsystem: "openclaw_guard", Name: "requests_total",
		Help: "Requests seen by openclaw_guard, by route (the matched table entry, or none) and outcome " +
			"(allowed, stripped, flagged, public, rejected, unauthorized, rate_limited, denied, not_found, bad_request, too_large, audit_failed; login_page, logout_page with control_ui).",
	}, []string{"route", "outcome"})
	rejectionsTotal = prometheus.NewCounterVec(prometheus.CounterOpts{
		Namespace: "caddy", Subsystem: "openclaw_guard", Name: "rejections_total",
		Help: "Rule hits in requests refused as prompt injection, by rule id (shipped and configured rules; other for anything else).",
	}, []string{"rule"})
	authFailures = prometheus.NewCounterVec(prometheus.CounterOpts{
		Namespace: "caddy", Subsystem: "openclaw_guard", Name: "auth_failures_total",
		Help: "Refused credentials, by reason (missing, invalid, not_bearer, malformed, multiple, token_in_query, rate_limited).",
	}, []string{"reason"})
	tokenReloads = prometheus.NewCounter(prometheus.CounterOpts{
		Namespace: "caddy", Subsystem: "openclaw_guard", Name: "token_reloads_total",
		Help: "Times a changed token file was loaded and the token set swapped.",
	})
	tokenReloadErrors = prometheus.NewCounter(prometheus.CounterOpts{
		Namespace: "caddy", Subsystem: "openclaw_guard", Name: "token_reload_errors_total",
		Help: "Token file versions that could not be read or parsed (the last good tokens stay in force).",
	})
	logins = prometheus.NewCounterVec(prometheus.CounterOpts{
		Namespace: "caddy", Subsystem: "openclaw_guard", Name: "controlui_logins_total",
		Help: "Control UI login page events, by outcome (login, login_failed, login_rate_limited, login_refused, logout).",
	}, []string{"outcome"})
	wsDecisions = prometheus.NewCounterVec(prometheus.CounterOpts{
		Namespace: "caddy", Subsystem: "openclaw_guard", Name: "ws_decisions_total",
		Help: "WebSocket requests refused and sockets closed by the firewall, by reason.",
	}, []string{"reason"})
	liveSessions = prometheus.NewGaugeFunc(prometheus.GaugeOpts{
		Namespace: "caddy", Subsystem: "openclaw_guard", Name: "controlui_sessions",
		Help: "Live Control UI sessions (control_ui), over every guard of this process.",
	}, func() float64 {
		n := 0
		sessionStores.Range(func(_, v any) bool {
			if st, ok := v.(*session.Store); ok {
				n += st.Len()
			}
			return true
		})
		return float64(n)
	})
	inspectionSeconds = prometheus.NewHistogramVec(prometheus.HistogramOpts{
		Namespace: "caddy", Subsystem: "openclaw_guard", Name: "inspection_seconds",
		Help:    "Time spent inspecting a request body (strict parse and sanitizer), by route.",
		Buckets: []float64{25e-6, 50e-6, 100e-6, 250e-6, 500e-6, 1e-3, 2.5e-3, 5e-3, 10e-3, 25e-3, 50e-3, 100e-3},
	}, []string{"route"})
)

func registerMetrics(reg prometheus.Registerer) error {
	return metricsreg.Register(reg, requestsTotal, rejectionsTotal, authFailures, tokenReloads, tokenReloadErrors, inspectionSeconds, logins, wsDecisions, liveSessions)
}

// ruleLabel bounds the rule label: an id from the configured rule set (or
// its encoded.<encoding>/ form), or "other".
func (g *Guard) ruleLabel(id string) string {
	if g.ruleLabels[id] {
		return id
	}
	if rest, ok := strings.CutPrefix(id, "encoded."); ok {
		if enc, rule, ok := strings.Cut(rest, "/"); ok && len(enc) <= 16 && g.ruleLabels[rule] {
			return id
		}
	}
	return "other"
}
