package posture

import (
	"net"
	"net/netip"
	"slices"
	"strings"
)

// endpoint is where a part of the stack can be reached. An empty host or port
// matches any.
type endpoint struct{ host, port string }

// deployment is what the inputs together say about the stack: where the guard,
// the provider guard, the egress proxy and egress DNS are, and whether the
// gateway runs in a container. Checks of one file use it to check references
// to the others (trustedProxies = the guard, proxyUrl = the egress proxy, ...).
type deployment struct {
	roles            map[string][]endpoint
	gatewayContainer bool
	gatewayInternal  bool // every network of the gateway container is internal
	stateDirs        []string
	quarantineDBs    []string
	guardListen      []string // host:port the guard listens on (Caddyfile)
	egressDNSListen  []string // host:port egress DNS listens on (Corefile)
	egressAllowlists []string
	// providerTokens: the provider guard requires a token of its own as
	// OpenClaw's apiKey, so a reference there (an env substitution or a
	// SecretRef) resolves to that token, not to a provider key.
	providerTokens bool
	// live: the audit runs where the stack runs (--live), so paths are real.
	live bool
	// guardNets are subnets that only guards and the gateway are attached to:
	// trusting one trusts the guard alone.
	guardNets []netip.Prefix
}

func (d *deployment) add(role string, e endpoint) {
	if d.roles == nil {
		d.roles = map[string][]endpoint{}
	}
	if !slices.Contains(d.roles[role], e) {
		d.roles[role] = append(d.roles[role], e)
	}
}

func (d *deployment) hasProviderGuard() bool { return len(d.roles[RoleProviderGuard]) > 0 }

// egressDNSAddrs lists the addresses egress DNS has in Compose.
func (d *deployment) egressDNSAddrs() []string {
	var out []string
	for _, e := range d.roles[RoleEgressDNS] {
		if _, err := netip.ParseAddr(e.host); err == nil {
			out = append(out, e.host)
		}
	}
	return out
}

// guardAddrs lists the guard's IP addresses (what the gateway sees as the
// proxy's source address).
func (d *deployment) guardAddrs() []string {
	var out []string
	for _, e := range d.roles[RoleGuard] {
		if a, err := netip.ParseAddr(e.host); err == nil && !a.IsUnspecified() {
			out = append(out, a.String())
		}
	}
	return out
}

// matches tells whether host:port reaches a part with this role.
func (d *deployment) matches(role, host, port string) bool {
	for _, e := range d.roles[role] {
		if (e.host == "" || sameHost(e.host, host)) && (e.port == "" || e.port == port) {
			return true
		}
	}
	return false
}

func sameHost(a, b string) bool {
	a, b = strings.ToLower(strings.Trim(a, "[]")), strings.ToLower(strings.Trim(b, "[]"))
	if a == b {
		return true
	}
	return isLoopbackHost(a) && isLoopbackHost(b)
}

func isLoopbackHost(h string) bool {
	h = strings.Trim(h, "[]")
	if h == "localhost" {
		return true
	}
	a, err := netip.ParseAddr(h)
	return err == nil && a.IsLoopback()
}

// isInternalHost tells whether a URL host stays inside the deployment: a
// loopback or private address, or a single-label name (a Compose service).
func isInternalHost(h string) bool {
	h = strings.Trim(h, "[]")
	if a, err := netip.ParseAddr(h); err == nil {
		return a.IsLoopback() || a.IsPrivate()
	}
	return h == "localhost" || (h != "" && !strings.Contains(h, "."))
}

// deployment builds the picture from every loaded input.
func (a *Auditor) deployment() *deployment {
	d := &deployment{live: a.opts.Live != nil}
	for _, c := range a.composes {
		for _, s := range sortedServices(c.project) {
			role := serviceRole(s)
			if role == "" {
				continue
			}
			d.add(role, endpoint{host: s.Name})
			for netName, n := range s.Networks {
				if n == nil {
					continue
				}
				for _, al := range n.Aliases {
					d.add(role, endpoint{host: al})
				}
				if n.Ipv4Address != "" {
					d.add(role, endpoint{host: n.Ipv4Address})
				}
				if n.Ipv6Address != "" {
					d.add(role, endpoint{host: n.Ipv6Address})
				}
				_ = netName
			}
			if role == RoleGateway {
				d.gatewayContainer = true
				d.gatewayInternal = len(serviceOutsideNetworks(c.project, s)) == 0
				for _, k := range []string{"OPENCLAW_STATE_DIR"} {
					if v := s.Environment[k]; v != nil {
						d.stateDirs = append(d.stateDirs, *v)
					}
				}
			}
			if v := s.Environment["QUARANTINE_DB"]; v != nil && *v != "" {
				d.quarantineDBs = append(d.quarantineDBs, *v)
			}
		}
	}
	for _, c := range a.composes {
		for name, n := range c.project.Networks {
			roles := map[string]bool{}
			for _, s := range c.project.Services {
				if _, on := s.Networks[name]; on {
					roles[serviceRole(s)] = true
				}
			}
			if !roles[RoleGuard] || len(roles) > 2 || len(roles) == 2 && !roles[RoleGateway] {
				continue
			}
			for _, cfg := range n.Ipam.Config {
				if p, err := netip.ParsePrefix(cfg.Subnet); err == nil {
					d.guardNets = append(d.guardNets, p.Masked())
				}
			}
		}
	}
	for _, c := range a.caddies {
		d.providerTokens = d.providerTokens || c.providerTokens
		for _, srv := range c.servers {
			for role := range srv.roles {
				for _, l := range srv.listen {
					host, port := splitListen(l)
					d.add(role, endpoint{host: host, port: port})
					if role == RoleGuard {
						d.guardListen = append(d.guardListen, l)
					}
				}
			}
		}
	}
	for _, c := range a.cores {
		for _, l := range c.listen {
			host, port := splitListen(l)
			d.add(RoleEgressDNS, endpoint{host: host, port: port})
			d.egressDNSListen = append(d.egressDNSListen, l)
		}
		d.egressAllowlists = append(d.egressAllowlists, c.allowlists...)
	}
	for _, u := range a.units {
		for _, kv := range u.env {
			switch kv[0] {
			case "OPENCLAW_STATE_DIR":
				d.stateDirs = append(d.stateDirs, kv[1])
			case "QUARANTINE_DB":
				d.quarantineDBs = append(d.quarantineDBs, kv[1])
			}
		}
	}
	return d
}

// splitListen splits a Caddy listen address ("tcp/127.0.0.1:8443", ":443")
// into host and port.
func splitListen(l string) (string, string) {
	if i := strings.Index(l, "/"); i >= 0 {
		l = l[i+1:]
	}
	host, port, err := net.SplitHostPort(l)
	if err != nil {
		return "", ""
	}
	if host == "0.0.0.0" || host == "::" {
		host = ""
	}
	return host, port
}
