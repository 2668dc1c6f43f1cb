package wsfirewall

import (
	"bufio"
	"bytes"
	_ "embed"
	"fmt"
	"sort"
	"strings"
)

// OpenClaw's operator scopes (dist/operator-scopes-*.mjs).
const (
	ScopeAdmin         = "operator.admin"
	ScopeRead          = "operator.read"
	ScopeWrite         = "operator.write"
	ScopeSessionsRead  = "operator.sessions.read"
	ScopeSessionsWrite = "operator.sessions.write"
	ScopeApprovals     = "operator.approvals"
	ScopeQuestions     = "operator.questions"
	ScopePairing       = "operator.pairing"
	ScopeTalk          = "operator.talk"
	ScopeTalkSecrets   = "operator.talk.secrets"
)

// KnownScopes is every scope OpenClaw 2026.9.6 knows; it refuses a config
// that grants any other.
var KnownScopes = []string{ScopeAdmin, ScopeRead, ScopeWrite, ScopeSessionsRead, ScopeSessionsWrite,
	ScopeApprovals, ScopeQuestions, ScopePairing, ScopeTalk, ScopeTalkSecrets}

// methods.tsv is the installed OpenClaw's method table: one
// "method<TAB>least-privilege scope" line per core WebSocket method, made by
// e2e/openclaw/method-scopes.mjs. The scope is empty for methods only
// node-role clients may call. The real-OpenClaw e2e test regenerates it and
// fails when an OpenClaw upgrade changes it.
//
//go:embed methods.tsv
var methodsTSV []byte

var methodScopes = parseMethods(methodsTSV)

// methodNames maps each core method name to itself, so a frame's method can
// be looked up without allocating a string for it.
var methodNames = func() map[string]string {
	m := make(map[string]string, len(methodScopes))
	for k := range methodScopes {
		m[k] = k
	}
	return m
}()

func parseMethods(b []byte) map[string]string {
	m := make(map[string]string, 512)
	sc := bufio.NewScanner(bytes.NewReader(b))
	for sc.Scan() {
		name, scope, ok := strings.Cut(sc.Text(), "\t")
		if !ok || name == "" {
			panic("wsfirewall: malformed methods.tsv line " + sc.Text())
		}
		m[name] = scope
	}
	return m
}

// MethodScope returns the least-privilege operator scope OpenClaw requires
// for a core method, and whether the method is a core method at all. Node
// methods give ("", true). Methods that plugins register at run time are not
// core methods.
func MethodScope(method string) (scope string, known bool) {
	scope, known = methodScopes[method]
	return scope, known
}

// ScopeSatisfied is OpenClaw's operatorScopeSatisfied
// (dist/operator-scope-compat-*.mjs): admin satisfies every operator scope,
// write satisfies read, talk and the session scopes, and read satisfies
// sessions.read.
func ScopeSatisfied(required string, granted []string) bool {
	if !strings.HasPrefix(required, "operator.") {
		return false
	}
	has := func(s string) bool {
		for _, g := range granted {
			if g == s {
				return true
			}
		}
		return false
	}
	switch {
	case has(required), has(ScopeAdmin):
		return true
	case (required == ScopeRead || required == ScopeTalk || required == ScopeSessionsRead || required == ScopeSessionsWrite) && has(ScopeWrite):
		return true
	case required == ScopeSessionsRead && (has(ScopeRead) || has(ScopeSessionsWrite)):
		return true
	}
	return false
}

// DangerousMethods run code, change the gateway's configuration, install
// code, or act on hosts. No role may call them unless the operator grants
// them to it by name (Role.Grant); an admin is not granted them by default.
// A trailing ".*" matches every method under the prefix.
var DangerousMethods = []string{
	"terminal.*",
	"node.invoke",
	"environments.session.exec",
	"computer.invoke",
	"config.set", "config.apply", "config.patch",
	"skills.install",
	"plugins.install",
	"agents.files.set",
	// Red team round 7: overwrites a file of a session's workspace, which
	// for a main session is the agent's workspace (AGENTS.md, SOUL.md,
	// MEMORY.md, skills/*/SKILL.md: system text on every later turn), the
	// same reach as agents.files.set (session-workspace-roots-*.mjs).
	"sessions.files.set",
	// Red team round 7: starts a host terminal running a session catalog's
	// agent (a CLI that calls its vendor directly, unseen by the provider
	// guard) in a directory of the caller's choosing, with a first prompt.
	"sessions.catalog.startTerminal",
	// Red team round 7: writes a proposed skill (SKILL.md and its support
	// files, given by skills.proposals.create) where the agent loads
	// skills, checked by OpenClaw's built-in scan only, not by
	// security.installPolicy (apply-transition-*.mjs scanProposalBundle):
	// the reach of skills.install.
	"skills.proposals.apply",
	"nativeHook.invoke",
	"cron.*",
	// Tools run directly, without the model: the WebSocket twins of
	// POST /tools/invoke, which the guard denies by default too.
	"tools.invoke",
	"mcp.app.callTool",
}

// Role is what a token may do through the Control UI: the OpenClaw scopes
// its sessions are capped to, the dangerous methods granted to it, and
// methods denied to it on top of the defaults.
type Role struct {
	Name string
	// Scopes are OpenClaw operator scopes. The firewall refuses a method whose
	// least-privilege scope they do not satisfy, and the guard sends them to
	// OpenClaw as the x-openclaw-scopes cap.
	Scopes []string
	// Grant lists dangerous methods this role may call (patterns as in
	// DangerousMethods). It never widens Scopes.
	Grant []string
	// Deny lists further methods this role may not call.
	Deny []string
}

// Built-in roles. Named sets are Roles the operator defines with any name.
var (
	RoleViewer   = Role{Name: "viewer", Scopes: []string{ScopeRead, ScopeSessionsRead}}
	RoleOperator = Role{Name: "operator", Scopes: []string{ScopeRead, ScopeWrite, ScopeSessionsRead, ScopeSessionsWrite,
		ScopeApprovals, ScopeQuestions, ScopeTalk}}
	RoleAdmin = Role{Name: "admin", Scopes: []string{ScopeAdmin, ScopeRead, ScopeWrite, ScopeSessionsRead, ScopeSessionsWrite,
		ScopeApprovals, ScopeQuestions, ScopePairing, ScopeTalk, ScopeTalkSecrets}}
)

// CapHeader is the x-openclaw-scopes value for the role: OpenClaw keeps only
// the listed scopes of a connection (it compares names literally, without
// the implications of ScopeSatisfied, so every scope is listed). It only
// narrows: what a session gets is granted on the OpenClaw side.
func (r Role) CapHeader() string { return strings.Join(r.Scopes, ",") }

// Check reports a role that cannot work.
func (r Role) Check() error {
	if r.Name == "" {
		return fmt.Errorf("a role needs a name")
	}
	for _, s := range r.Scopes {
		known := false
		for _, k := range KnownScopes {
			known = known || s == k
		}
		if !known {
			return fmt.Errorf("role %s: unknown OpenClaw scope %q (known: %s)", r.Name, s, strings.Join(KnownScopes, " "))
		}
	}
	for _, p := range append(append([]string(nil), r.Grant...), r.Deny...) {
		if p == "" || p == "*" || strings.Count(p, "*") > 1 || strings.Contains(p, "*") && !strings.HasSuffix(p, ".*") {
			return fmt.Errorf("role %s: method pattern %q: use a method name or prefix.*", r.Name, p)
		}
	}
	for _, g := range r.Grant {
		if !matchesAny(g, DangerousMethods) && !dangerousUnder(g) {
			return fmt.Errorf("role %s: grant %q is not a dangerous method; only those need a grant (%s)", r.Name, g, strings.Join(DangerousMethods, " "))
		}
	}
	return nil
}

// dangerousUnder reports whether a grant pattern covers part of a dangerous
// pattern, e.g. "terminal.open" or "cron.add".
func dangerousUnder(p string) bool {
	name := strings.TrimSuffix(p, ".*")
	for _, d := range DangerousMethods {
		if match(d, name) {
			return true
		}
	}
	return false
}

func match(pattern, method string) bool {
	if prefix, ok := strings.CutSuffix(pattern, ".*"); ok {
		return strings.HasPrefix(method, prefix+".")
	}
	return pattern == method
}

func matchesAny(method string, patterns []string) bool {
	for _, p := range patterns {
		if match(p, method) {
			return true
		}
	}
	return false
}

// UnknownMethods is what the firewall does with a method that is not in
// OpenClaw's core table (a plugin's method, or a name OpenClaw does not
// know).
type UnknownMethods string

const (
	UnknownDeny  UnknownMethods = "deny"
	UnknownAllow UnknownMethods = "allow" // OpenClaw still checks its scope against the cap
)

// Reasons for a refused method.
const (
	ReasonRoleDenied    = "method_denied_for_role"
	ReasonDangerous     = "dangerous_method_not_granted"
	ReasonMissingScope  = "missing_scope"
	ReasonUnknownMethod = "unknown_method"
	ReasonNodeMethod    = "node_role_method"
)

// Policy decides which methods each role may call.
type Policy struct {
	roles   map[string]Role
	unknown UnknownMethods
	// verdicts holds Decide's answer for every core method, per role:
	// the firewall asks for every message, and the answer cannot change.
	verdicts map[string]map[string]string
}

// NewPolicy builds a policy from roles (names must be unique) and the
// unknown-method default ("" means deny).
func NewPolicy(roles []Role, unknown UnknownMethods) (*Policy, error) {
	switch unknown {
	case "":
		unknown = UnknownDeny
	case UnknownDeny, UnknownAllow:
	default:
		return nil, fmt.Errorf("unknown_methods %q: want deny or allow", unknown)
	}
	p := &Policy{roles: make(map[string]Role, len(roles)), unknown: unknown}
	for _, r := range roles {
		if err := r.Check(); err != nil {
			return nil, err
		}
		if _, dup := p.roles[r.Name]; dup {
			return nil, fmt.Errorf("role %s is defined twice", r.Name)
		}
		p.roles[r.Name] = r
	}
	p.verdicts = make(map[string]map[string]string, len(p.roles))
	for name := range p.roles {
		v := make(map[string]string, len(methodScopes))
		for m := range methodScopes {
			_, v[m] = p.decide(name, m)
		}
		p.verdicts[name] = v
	}
	return p, nil
}

// DefaultPolicy has the built-in viewer, operator and admin roles and
// refuses unknown methods.
func DefaultPolicy() *Policy {
	p, err := NewPolicy([]Role{RoleViewer, RoleOperator, RoleAdmin}, UnknownDeny)
	if err != nil {
		panic(err)
	}
	return p
}

// Role returns the named role.
func (p *Policy) Role(name string) (Role, bool) {
	r, ok := p.roles[name]
	return r, ok
}

// Roles lists the policy's role names, sorted.
func (p *Policy) Roles() []string {
	out := make([]string, 0, len(p.roles))
	for n := range p.roles {
		out = append(out, n)
	}
	sort.Strings(out)
	return out
}

// Decide reports whether role may call method, and if not, why. An unknown
// role may call nothing.
func (p *Policy) Decide(role, method string) (ok bool, reason string) {
	if reason, cached := p.verdicts[role][method]; cached {
		return reason == "", reason
	}
	return p.decide(role, method)
}

func (p *Policy) decide(role, method string) (ok bool, reason string) {
	r, known := p.roles[role]
	if !known {
		return false, ReasonRoleDenied
	}
	if method == "connect" {
		return true, ""
	}
	if matchesAny(method, r.Deny) {
		return false, ReasonRoleDenied
	}
	if matchesAny(method, DangerousMethods) && !matchesAny(method, r.Grant) {
		return false, ReasonDangerous
	}
	scope, core := methodScopes[method]
	switch {
	case !core:
		if p.unknown == UnknownAllow {
			return true, ""
		}
		return false, ReasonUnknownMethod
	case scope == "":
		return false, ReasonNodeMethod
	case !ScopeSatisfied(scope, r.Scopes):
		return false, ReasonMissingScope
	}
	return true, ""
}
