// Package forward is the host-free core of a deny-by-default forward proxy:
// the decision whether a CONNECT or absolute-form HTTP request may reach its
// target, and the plumbing that keeps the decision true.
//
// The decision (Policy.Decide) is made in this order, stopping at the first
// refusal: the port must be on the ports list; a raw IP target must be named
// by an allow_cidr prefix or an IP/CIDR line of the allowlist; a host name
// must be on the egress allowlist (before any DNS query is sent, since the
// query itself could carry data out); the name is resolved once, with a
// bounded timeout, and every address it resolves to must be public unicast
// (egress.ClassOf) or named by allow_cidr; and no address may be the proxy
// itself.
//
// Dialer then connects only to the addresses of the allowed Decision, never
// to a name, so nothing is resolved between the check and the connection
// (no DNS-rebinding gap). Pipe moves the tunnel's bytes with idle and total
// time limits, and Slots bounds concurrent tunnels in all and per client.
//
//	res, _ := forward.NewResolver(forward.ResolverConfig{Servers: []string{"127.0.0.1:53"}})
//	pol := &forward.Policy{Allowlist: reloader.List, Ports: []uint16{443, 80}, Resolver: res}
//	d := pol.Decide(ctx, target)          // target from egress.ParseAuthority
//	if !d.Allowed { refuse(d.Rule, d.Message) }
//	up, addr, err := (&forward.Dialer{}).Dial(ctx, d)
//	res := forward.Pipe(client, up, forward.PipeConfig{Idle: 5 * time.Minute})
//
// The Caddy module http.handlers.egress_proxy (caddyplugin/egressproxy)
// adapts this package; nothing here imports Caddy.
package forward
