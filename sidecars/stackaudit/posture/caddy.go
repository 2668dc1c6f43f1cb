package posture

import (
	"bufio"
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"net"
	"net/netip"
	"slices"
	"strings"
)

// Handler names (Caddy module ids under http.handlers) the checks know.
const (
	HandlerGuard         = "openclaw_guard"
	HandlerProviderGuard = "openclaw_provider_guard"
	HandlerEgressProxy   = "egress_proxy"
	HandlerReverseProxy  = "reverse_proxy"
)

var handlerRole = map[string]string{
	HandlerGuard:         RoleGuard,
	HandlerProviderGuard: RoleProviderGuard,
	HandlerEgressProxy:   RoleEgressProxy,
}

type caddyServer struct {
	name   string
	listen []string
	roles  map[string]bool
	// unguarded lists reverse_proxy handlers no guard runs before.
	unguarded int
	// egressBehindHost counts egress_proxy handlers that only requests for
	// one host name reach (a site address with a host).
	egressBehindHost int
	// providers are the provider guards, each with the first reverse_proxy
	// after it in the server's handler order.
	providers []providerRoute
}

// providerRoute is an openclaw_provider_guard and where it forwards.
type providerRoute struct {
	holdsKey  bool     // api_key_env or api_key_file: the guard sends the provider key
	upstreams []string // the dial addresses of the next reverse_proxy
	tls       bool     // that reverse_proxy speaks TLS
	forwards  bool     // a reverse_proxy follows the guard
}

type caddyInput struct {
	path       string
	src        []byte
	servers    []caddyServer
	adminOn    bool
	tokenFiles []string
	auditLogs  []logRef
	allowlists []string
	// providerTokens: a provider guard here requires OpenClaw to present one
	// of its own tokens (token_files or token_env) as its apiKey.
	providerTokens bool
	// guardUserHeaders has one entry per openclaw_guard: the identity
	// header it sets and strips (control_ui's user_header), or "" for a
	// guard without control_ui, which passes a client's copy through.
	guardUserHeaders []string
}

// GuardDefaultUserHeader is control_ui's default user_header
// (caddyplugin/guard/controlui.DefaultUserHeader; a test keeps them equal).
const GuardDefaultUserHeader = "X-Forwarded-User"

func loadCaddyfile(path string, adapt func(string) ([]byte, error)) (*caddyInput, error) {
	if adapt == nil {
		return nil, errors.New("no Caddyfile adapter linked into this program")
	}
	src, err := readLimited(path)
	if err != nil {
		return nil, fmt.Errorf("cannot read: %w", err)
	}
	js, err := adapt(path)
	if err != nil {
		return nil, fmt.Errorf("the Caddyfile adapter refuses it: %w", err)
	}
	c := &caddyInput{path: path, src: src}
	if err := c.readAdapted(js); err != nil {
		return nil, err
	}
	return c, nil
}

// The parts of Caddy's JSON config the checks read.
type caddyJSON struct {
	Admin *struct {
		Disabled bool   `json:"disabled"`
		Listen   string `json:"listen"`
	} `json:"admin"`
	Apps struct {
		HTTP struct {
			Servers map[string]struct {
				Listen []string     `json:"listen"`
				Routes []caddyRoute `json:"routes"`
			} `json:"servers"`
		} `json:"http"`
	} `json:"apps"`
}

type caddyRoute struct {
	Match  []json.RawMessage `json:"match"`
	Handle []map[string]any  `json:"handle"`
}

func (c *caddyInput) readAdapted(js []byte) error {
	var cfg caddyJSON
	if err := json.Unmarshal(js, &cfg); err != nil {
		return fmt.Errorf("adapted config: %w", err)
	}
	c.adminOn = cfg.Admin == nil || !cfg.Admin.Disabled && !strings.HasPrefix(cfg.Admin.Listen, "unix/")
	names := make([]string, 0, len(cfg.Apps.HTTP.Servers))
	for n := range cfg.Apps.HTTP.Servers {
		names = append(names, n)
	}
	slices.Sort(names)
	for _, n := range names {
		s := cfg.Apps.HTTP.Servers[n]
		srv := caddyServer{name: n, listen: s.Listen, roles: map[string]bool{}}
		walkCaddyRoutes(s.Routes, false, false, &srv)
		c.servers = append(c.servers, srv)
	}
	// Files the handlers name, whatever the handler: token files, audit logs
	// (with their keys and checkpoints) and allowlists.
	var generic any
	_ = json.Unmarshal(js, &generic)
	c.providerTokens = providerGuardHasTokens(generic)
	c.guardUserHeaders = guardUserHeaders(generic)
	walkJSON(generic, func(key string, v any) {
		switch key {
		case "token_files":
			c.tokenFiles = append(c.tokenFiles, anyStrings(v)...)
		case "allowlist", "allowlists", "egress_allowlist":
			c.allowlists = append(c.allowlists, anyStrings(v)...)
		case "audit_log":
			if m, ok := v.(map[string]any); ok {
				l := logRef{source: c.path}
				l.path, _ = m["path"].(string)
				if opts, ok := m["options"].(map[string]any); ok {
					l.key, _ = opts["key_file"].(string)
					l.checkpoint, _ = opts["checkpoint"].(string)
				}
				if l.path != "" {
					l.line = c.directiveLine("audit_log")
					c.auditLogs = append(c.auditLogs, l)
				}
			}
		}
	})
	return nil
}

// walkCaddyRoutes records the roles of a server and counts reverse_proxy
// handlers that no guard handler precedes. A guard in a route with a matcher
// guards only that route; one in a route without guards what follows. It
// returns whether the routes leave the chain guarded. hostOnly tells that
// every request reaching these routes passed a host matcher.
func walkCaddyRoutes(routes []caddyRoute, guarded, hostOnly bool, srv *caddyServer) bool {
	for _, r := range routes {
		local := guarded
		hosted := hostOnly || matchesHostOnly(r.Match)
		for _, h := range r.Handle {
			name, _ := h["handler"].(string)
			if role, ok := handlerRole[name]; ok {
				srv.roles[role] = true
				local = true
			}
			switch name {
			case HandlerProviderGuard:
				_, env := h["api_key_env"]
				_, file := h["api_key_file"]
				srv.providers = append(srv.providers, providerRoute{holdsKey: env || file})
			case HandlerReverseProxy:
				if !local {
					srv.unguarded++
				}
				// The provider guards before it forward through it (the
				// Caddyfile adapter puts each directive of a site in a route
				// of its own, inside the site's subroute).
				for i := range srv.providers {
					if p := &srv.providers[i]; !p.forwards {
						t, _ := h["transport"].(map[string]any)
						_, p.tls = t["tls"]
						p.forwards, p.upstreams = true, reverseProxyDials(h)
					}
				}
			case HandlerEgressProxy:
				if hosted {
					srv.egressBehindHost++
				}
			case "subroute":
				var sub []caddyRoute
				if b, err := json.Marshal(h["routes"]); err == nil {
					_ = json.Unmarshal(b, &sub)
				}
				local = walkCaddyRoutes(sub, local, hosted, srv)
			}
		}
		if len(r.Match) == 0 {
			guarded = local
		}
	}
	return guarded
}

func reverseProxyDials(h map[string]any) []string {
	var dials []string
	ups, _ := h["upstreams"].([]any)
	for _, u := range ups {
		if m, ok := u.(map[string]any); ok {
			if d, ok := m["dial"].(string); ok {
				dials = append(dials, d)
			}
		}
	}
	return dials
}

// remoteUpstream tells whether an upstream leaves the host: not loopback,
// and not a placeholder this audit cannot resolve.
func remoteUpstream(dial string) bool {
	host := dial
	if h, _, err := net.SplitHostPort(dial); err == nil {
		host = h
	}
	if host == "" || strings.Contains(host, "{") {
		return false
	}
	if strings.EqualFold(host, "localhost") || strings.HasSuffix(strings.ToLower(host), ".localhost") {
		return false
	}
	if a, err := netip.ParseAddr(host); err == nil {
		return !a.IsLoopback()
	}
	return true
}

// matchesHostOnly tells whether a route's matcher sets all require a host
// (the sets are alternatives: one without a host matcher lets any host in).
func matchesHostOnly(sets []json.RawMessage) bool {
	if len(sets) == 0 {
		return false
	}
	for _, raw := range sets {
		var set map[string]json.RawMessage
		if json.Unmarshal(raw, &set) != nil {
			return false
		}
		if _, ok := set["host"]; !ok {
			return false
		}
	}
	return true
}

func walkJSON(v any, fn func(key string, v any)) {
	switch t := v.(type) {
	case map[string]any:
		for k, x := range t {
			fn(k, x)
			walkJSON(x, fn)
		}
	case []any:
		for _, x := range t {
			walkJSON(x, fn)
		}
	}
}

func anyStrings(v any) []string {
	switch t := v.(type) {
	case string:
		return []string{t}
	case []any:
		var out []string
		for _, x := range t {
			if s, ok := x.(string); ok {
				out = append(out, s)
			}
		}
		return out
	}
	return nil
}

// caddyfileFields splits the Caddyfile into lines of fields, for line numbers
// and for what the adapter hides (a raw secret is hashed by the time it is
// JSON). Quotes and heredocs are not needed for either.
func caddyfileFields(src []byte) [][]string {
	var out [][]string
	sc := bufio.NewScanner(bytes.NewReader(src))
	sc.Buffer(make([]byte, 64<<10), maxConfigSize)
	for sc.Scan() {
		line := sc.Text()
		if i := strings.Index(line, "#"); i >= 0 && (i == 0 || line[i-1] == ' ' || line[i-1] == '\t') {
			line = line[:i]
		}
		out = append(out, strings.Fields(line))
	}
	return out
}

// directiveLine returns the first line whose first field is name, or 1.
func (c *caddyInput) directiveLine(name string) int {
	for i, f := range caddyfileFields(c.src) {
		if len(f) > 0 && f[0] == name {
			return i + 1
		}
	}
	return 1
}

func checkCaddy(fs *findings, c *caddyInput) {
	if c.adminOn {
		fs.add("CADDY_ADMIN_ENABLED", c.path, 1, "the admin API listens (localhost:2019 unless set): any local process can replace the config")
	}
	for _, s := range c.servers {
		if s.unguarded > 0 {
			fs.add("CADDY_GUARD_MISSING", c.path, c.directiveLine(HandlerReverseProxy),
				fmt.Sprintf("server %s (%s) has %d reverse_proxy handler(s) with no openclaw_guard, openclaw_provider_guard or egress_proxy before them", s.name, strings.Join(s.listen, " "), s.unguarded))
		}
	}
	for _, s := range c.servers {
		if s.egressBehindHost > 0 {
			fs.add("CADDY_EGRESS_HOST_MATCHED", c.path, c.directiveLine(HandlerEgressProxy),
				fmt.Sprintf("server %s (%s): egress_proxy sits in a site with a host in its address; a proxy request names its target host, which the site's host matcher never matches, so Caddy answers it with an empty 200 and nothing is proxied or refused by the egress rules", s.name, strings.Join(s.listen, " ")))
		}
	}
	for _, s := range c.servers {
		for _, p := range s.providers {
			remote := slices.ContainsFunc(p.upstreams, remoteUpstream)
			switch {
			case !p.forwards || !remote:
			case p.holdsKey && !p.tls:
				fs.add("CADDY_PROVIDER_PLAINTEXT", c.path, c.directiveLine(HandlerReverseProxy),
					fmt.Sprintf("server %s: openclaw_provider_guard adds the provider key and its reverse_proxy sends it to %s without TLS", s.name, strings.Join(p.upstreams, " ")))
			case !p.holdsKey && p.tls:
				fs.add("CADDY_PROVIDER_KEY_UNHELD", c.path, c.directiveLine(HandlerProviderGuard),
					fmt.Sprintf("server %s: openclaw_provider_guard forwards to %s but holds no provider key (api_key_env or api_key_file): OpenClaw's config or environment holds it", s.name, strings.Join(p.upstreams, " ")))
			}
		}
	}
	for i, f := range caddyfileFields(c.src) {
		// token NAME SECRET inside a guard block; the digest form is fine.
		if len(f) == 3 && f[0] == "token" && !strings.HasPrefix(f[2], "sha256:") && !strings.HasPrefix(f[2], "{$") && !strings.HasPrefix(f[2], "{env.") {
			fs.add("SECRET_INLINE", c.path, i+1, fmt.Sprintf("token %s has its secret in the Caddyfile", f[1]))
		}
		// api_key SECRET (a provider key) in a provider guard block.
		if len(f) == 2 && f[0] == "api_key" && !strings.HasPrefix(f[1], "{$") && !strings.HasPrefix(f[1], "{env.") {
			fs.add("SECRET_INLINE", c.path, i+1, "a provider key is written in the Caddyfile; use api_key_env")
		}
	}
}

// eachHandler calls fn for every handler named name in the adapted config,
// at any depth (routes, subroutes, the handlers of other handlers).
func eachHandler(cfg any, name string, fn func(h map[string]any)) {
	switch t := cfg.(type) {
	case map[string]any:
		if t["handler"] == name {
			fn(t)
		}
		for _, c := range t {
			eachHandler(c, name, fn)
		}
	case []any:
		for _, c := range t {
			eachHandler(c, name, fn)
		}
	}
}

// guardUserHeaders lists, per openclaw_guard handler, the identity header
// its control_ui sets and strips ("" without control_ui).
func guardUserHeaders(cfg any) []string {
	var out []string
	eachHandler(cfg, HandlerGuard, func(h map[string]any) {
		u := ""
		if ui, ok := h["control_ui"].(map[string]any); ok {
			if u, _ = ui["user_header"].(string); u == "" {
				u = GuardDefaultUserHeader
			}
		}
		out = append(out, u)
	})
	return out
}

// providerGuardHasTokens tells whether a provider guard handler in the
// adapted config requires tokens of its own.
func providerGuardHasTokens(cfg any) bool {
	found := false
	eachHandler(cfg, HandlerProviderGuard, func(h map[string]any) {
		found = found || h["token_files"] != nil || h["token_env"] != nil
	})
	return found
}
