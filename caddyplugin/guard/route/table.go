package route

import (
	"fmt"
	"strings"
)

// Policy is what the guard does with a request on a route.
type Policy string

const (
	// Public routes answer without a token (GET and HEAD only).
	Public Policy = "public"
	// Auth routes need a valid credential.
	Auth Policy = "auth"
	// Inspect routes need a credential, and their body is inspected.
	Inspect Policy = "inspect"
	// Deny routes are refused with 403.
	Deny Policy = "deny"
)

// Methods with a meaning of their own in a route.
const (
	// AnyMethod matches every method but the WebSocket upgrade.
	AnyMethod = "*"
	// WebSocket is the upgrade: a GET with Connection: upgrade and
	// Upgrade: websocket. Only WebSocket routes admit upgrades.
	WebSocket = "WS"
)

// Route is one entry of the allowlist: METHOD PATTERN POLICY.
type Route struct {
	// Method is an upper-case HTTP method (GET also admits HEAD), AnyMethod
	// or WebSocket.
	Method string
	// Pattern is an escaped path of literal segments, {name} segments
	// (exactly one segment) and a final * (one or more segments).
	Pattern string
	Policy  Policy

	segs []patternSeg
	tail bool   // the pattern ends in *
	name string // Method + " " + Pattern, made once
}

type patternSeg struct {
	literal string
	param   bool
}

// String is the route as an operator writes it, and its metrics label.
func (r Route) String() string {
	if r.name == "" && r.Method != "" {
		return r.Method + " " + r.Pattern
	}
	return r.name
}

// New checks and compiles a route. The error says what to write instead.
func New(method, pattern string, policy Policy) (Route, error) {
	r := Route{Method: method, Pattern: pattern, Policy: policy}
	switch policy {
	case Public, Auth, Inspect, Deny:
	default:
		return Route{}, fmt.Errorf("route %s %s: policy %q: want public, auth, inspect or deny", method, pattern, policy)
	}
	if !validMethod(method) {
		return Route{}, fmt.Errorf("route %s %s: method %q: want an upper-case HTTP method such as GET or POST, * for any, or WS for the WebSocket upgrade", method, pattern, method)
	}
	switch {
	case policy == Public && method != "GET" && method != "HEAD":
		return Route{}, fmt.Errorf("route %s %s public: only GET and HEAD may be public (a WebSocket upgrade never is)", method, pattern)
	case policy == Inspect && method == WebSocket:
		return Route{}, fmt.Errorf("route %s %s inspect: WebSocket frames are not inspected by this guard; use auth or deny", method, pattern)
	case policy == Inspect && method == AnyMethod:
		return Route{}, fmt.Errorf("route %s %s inspect: name the method whose body is inspected", method, pattern)
	}
	if err := r.compile(); err != nil {
		return Route{}, fmt.Errorf("route %s %s: %w", method, pattern, err)
	}
	r.name = method + " " + pattern
	return r, nil
}

// MustNew is New for the built-in table.
func MustNew(method, pattern string, policy Policy) Route {
	r, err := New(method, pattern, policy)
	if err != nil {
		panic(err)
	}
	return r
}

func validMethod(m string) bool {
	if m == AnyMethod {
		return true
	}
	if m == "" || len(m) > 32 {
		return false
	}
	for i := 0; i < len(m); i++ {
		if m[i] < 'A' || m[i] > 'Z' {
			return false
		}
	}
	return true
}

func (r *Route) compile() error {
	// Check the pattern as a path, with each {name} standing for a segment.
	var asPath strings.Builder
	for i, s := range strings.Split(r.Pattern, "/") {
		if i > 0 {
			asPath.WriteByte('/')
		}
		if strings.HasPrefix(s, "{") && strings.HasSuffix(s, "}") && len(s) > 2 {
			s = "p"
		}
		asPath.WriteString(s)
	}
	if _, err := check(asPath.String()); err != nil {
		return fmt.Errorf("pattern: %v", err.(*PathError).Reason)
	}
	if strings.Contains(strings.ToLower(r.Pattern), "%2f") {
		return fmt.Errorf("pattern: an encoded slash; use {name} for a segment that may hold one")
	}
	segs := segments(r.Pattern)
	for i, s := range segs {
		switch {
		case s == "*":
			if i != len(segs)-1 {
				return fmt.Errorf("pattern: * may only be the last segment")
			}
			r.tail = true
		case strings.HasPrefix(s, "{") && strings.HasSuffix(s, "}") && len(s) > 2:
			r.segs = append(r.segs, patternSeg{param: true})
		case strings.ContainsAny(s, "{}*"):
			return fmt.Errorf("pattern: segment %q: use {name} for one segment or a final * for the rest", s)
		default:
			r.segs = append(r.segs, patternSeg{literal: s})
		}
	}
	return nil
}

// Outcome is how a request path fares against a table.
type Outcome int

const (
	// Matched: the route applies.
	Matched Outcome = iota
	// NotFound: no route matches.
	NotFound
	// BadSlash: the matching route does not allow the path's encoded slash
	// (or it hides a dot segment); the path is not canonical.
	BadSlash
)

// Table is the guard's allowlist. The first matching route wins.
type Table struct {
	routes []Route
}

// NewTable concatenates route lists, earlier lists taking precedence (the
// operator's routes, then the defaults).
func NewTable(lists ...[]Route) *Table {
	t := &Table{}
	for _, l := range lists {
		t.routes = append(t.routes, l...)
	}
	return t
}

// Routes returns the table's routes in match order.
func (t *Table) Routes() []Route { return append([]Route(nil), t.routes...) }

// Match finds the route for a request. method is the request's method, or
// WebSocket for an upgrade. A WebSocket request matches only WebSocket
// routes; GET routes also match HEAD; AnyMethod routes match every method
// but WebSocket.
func (t *Table) Match(method string, p Path) (Route, Outcome) {
	segs := segments(p.Escaped)
	for _, r := range t.routes {
		if !r.admits(method) || !r.matches(segs) {
			continue
		}
		if p.slashSegs != 0 && !r.slashesAllowed(p.slashSegs, segs) {
			return r, BadSlash
		}
		return r, Matched
	}
	return Route{}, NotFound
}

func (r *Route) admits(method string) bool {
	switch r.Method {
	case method:
		return true
	case AnyMethod:
		return method != WebSocket
	case "GET":
		return method == "HEAD"
	}
	return false
}

func (r *Route) matches(segs []string) bool {
	if r.tail {
		if len(segs) <= len(r.segs) || segs[len(r.segs)] == "" && len(segs) == len(r.segs)+1 {
			return false
		}
	} else if len(segs) != len(r.segs) {
		return false
	}
	for i, ps := range r.segs {
		if ps.param {
			if segs[i] == "" {
				return false
			}
			continue
		}
		if segs[i] != ps.literal {
			return false
		}
	}
	return true
}

// slashesAllowed reports whether every segment with an encoded slash is a
// {param} segment of r whose decoded form names no . or .. part.
func (r *Route) slashesAllowed(slashSegs uint64, segs []string) bool {
	for i := range segs {
		if slashSegs&(1<<(i+1)) == 0 {
			continue
		}
		if i >= len(r.segs) || !r.segs[i].param || !safeSlashParam(segs[i]) {
			return false
		}
	}
	return true
}
