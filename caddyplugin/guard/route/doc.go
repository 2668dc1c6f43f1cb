// Package route is the guard's view of the OpenClaw gateway's HTTP surface:
// which request path the gateway will actually route, and what the guard
// does with it. It imports no Caddy, so any Go front end can reuse it.
//
// Canonical takes the escaped path a proxy would forward and either refuses
// it (dot segments in any spelling, //, \, ;, encoded slashes, percent-encoded
// letters and digits, ...) or returns the path OpenClaw routes, after
// OpenClaw's own rewrite of /__openclaw__/cap/<capability>/<rest>. A Table
// is an allowlist of METHOD PATTERN POLICY entries, first match wins:
//
//	p, err := route.Canonical(r.URL.EscapedPath())
//	if err != nil { /* 400: not canonical */ }
//	table := route.NewTable(operatorRoutes, route.Defaults())
//	rt, outcome := table.Match(r.Method, p) // route.WebSocket for an upgrade
//	switch {
//	case outcome == route.NotFound:  // 404 route_not_found
//	case outcome == route.BadSlash:  // 400: %2F outside a {param}
//	case rt.Policy == route.Deny:    // 403 route_denied
//	}
//	// forward p.Escaped, with oc_cap=p.Capability when p.Rewritten()
//
// The judged path is the forwarded path: Canonical only accepts paths that
// WHATWG URL parsing (what the gateway applies) leaves unchanged, and the
// rewritten form carries no second capability prefix.
package route
