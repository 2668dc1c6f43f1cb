package egressproxy

import (
	"strconv"

	"github.com/caddyserver/caddy/v2"
	"github.com/caddyserver/caddy/v2/caddyconfig/caddyfile"
	"github.com/caddyserver/caddy/v2/caddyconfig/httpcaddyfile"
	"github.com/caddyserver/caddy/v2/modules/caddyhttp"

	"github.com/openclaw-secure-stack/securestack/caddyplugin/internal/auditcfg"
	"github.com/openclaw-secure-stack/securestack/caddyplugin/internal/directive"
)

func init() {
	httpcaddyfile.RegisterHandlerDirective("egress_proxy", parseCaddyfile)
	// A CONNECT must never reach respond, file_server or reverse_proxy in
	// the same site: before basic_auth puts the proxy ahead of them.
	httpcaddyfile.RegisterDirectiveOrder("egress_proxy", httpcaddyfile.Before, "basic_auth")
}

func parseCaddyfile(h httpcaddyfile.Helper) (caddyhttp.MiddlewareHandler, error) {
	p := new(Proxy)
	err := p.UnmarshalCaddyfile(h.Dispenser)
	return p, err
}

// UnmarshalCaddyfile sets up the proxy from Caddyfile tokens:
//
//	egress_proxy {
//		allowlist              FILE...
//		reload                 DURATION|off
//		allow_cidr             CIDR...
//		ports                  PORT...
//		tls_ports              PORT...|off
//		http_ports             PORT...|off
//		resolver               ADDR...
//		dns_timeout            DURATION
//		dial_timeout           DURATION
//		idle_timeout           DURATION|off
//		max_duration           DURATION|off
//		max_tunnels            N|off
//		max_tunnels_per_client N|off
//		token_file             PATH
//		audit_log              FILE {
//			sync always|batch|none
//			...
//		}
//		audit_mode             sync|async
//	}
//
// allowlist, allow_cidr, resolver and token_file may repeat (each adds).
func (p *Proxy) UnmarshalCaddyfile(d *caddyfile.Dispenser) error {
	d.Next() // directive name
	if d.NextArg() {
		return d.ArgErr()
	}
	once := directive.Once{}
	for d.NextBlock(0) {
		switch d.Val() {
		case "allowlist", "allow_cidr", "resolver", "token_file": // repeatable
		default:
			if err := once.Check(d); err != nil {
				return err
			}
		}
		switch opt := d.Val(); opt {
		case "allowlist", "allow_cidr", "resolver", "ports":
			args := d.RemainingArgs()
			if len(args) == 0 {
				return d.Errf("%s needs at least one value", opt)
			}
			switch opt {
			case "allowlist":
				p.Allowlist = append(p.Allowlist, args...)
			case "allow_cidr":
				if _, err := parseCIDRs(args); err != nil {
					return d.Err(err.Error())
				}
				p.AllowCIDR = append(p.AllowCIDR, args...)
			case "resolver":
				p.Resolvers = append(p.Resolvers, args...)
			case "ports":
				for _, a := range args {
					n, err := strconv.Atoi(a)
					if err != nil || n < 1 || n > 65535 {
						return d.Errf("ports: %q is not a port from 1 to 65535", a)
					}
					p.Ports = append(p.Ports, n)
				}
			}
		case "tls_ports", "http_ports":
			opt := d.Val()
			args := d.RemainingArgs()
			if len(args) == 0 {
				return d.Errf("%s needs at least one value", opt)
			}
			if len(args) == 1 && args[0] == "off" {
				if opt == "tls_ports" {
					p.NoSNICheck = true
				} else {
					p.NoHostCheck = true
				}
				break
			}
			for _, a := range args {
				n, err := strconv.Atoi(a)
				if err != nil || n < 1 || n > 65535 {
					return d.Errf("%s: %q is not a port from 1 to 65535", opt, a)
				}
				if opt == "tls_ports" {
					p.TLSPorts = append(p.TLSPorts, n)
				} else {
					p.HTTPPorts = append(p.HTTPPorts, n)
				}
			}
		case "token_file":
			var path string
			if !d.AllArgs(&path) {
				return d.ArgErr()
			}
			p.TokenFiles = append(p.TokenFiles, path)
		case "reload", "idle_timeout", "max_duration", "dns_timeout", "dial_timeout":
			var v string
			if !d.AllArgs(&v) {
				return d.ArgErr()
			}
			dur, err := duration(v, opt != "dns_timeout" && opt != "dial_timeout")
			if err != nil {
				return d.Errf("%s %q: %v", opt, v, err)
			}
			switch opt {
			case "reload":
				p.Reload = dur
			case "idle_timeout":
				p.IdleTimeout = dur
			case "max_duration":
				p.MaxDuration = dur
			case "dns_timeout":
				p.DNSTimeout = dur
			case "dial_timeout":
				p.DialTimeout = dur
			}
		case "max_tunnels", "max_tunnels_per_client":
			var v string
			if !d.AllArgs(&v) {
				return d.ArgErr()
			}
			n := -1
			if v != "off" {
				var err error
				if n, err = strconv.Atoi(v); err != nil || n < 1 {
					return d.Errf("%s %q: want a positive number, or off", opt, v)
				}
			}
			if opt == "max_tunnels" {
				p.MaxTunnels = n
			} else {
				p.MaxTunnelsPerClient = n
			}
		case "audit_mode":
			v, err := directive.Enum(d, string(AuditSync), string(AuditAsync))
			if err != nil {
				return err
			}
			p.AuditMode = AuditMode(v)
		case "audit_log":
			cfg, err := auditcfg.UnmarshalCaddyfile(d)
			if err != nil {
				return err
			}
			p.AuditLog = cfg
		default:
			return d.Errf("unrecognized egress_proxy option %q", d.Val())
		}
	}
	if len(p.Allowlist) == 0 {
		return d.Err("egress_proxy needs an allowlist FILE; without one every request would be refused")
	}
	return nil
}

// duration reads a positive duration, or "off" (stored as -1) where allowed.
func duration(v string, offOK bool) (caddy.Duration, error) {
	if v == "off" && offOK {
		return -1, nil
	}
	d, err := caddy.ParseDuration(v)
	if err != nil || d <= 0 {
		if offOK {
			return 0, errString("want a duration such as 30s, or off")
		}
		return 0, errString("want a duration such as 5s")
	}
	return caddy.Duration(d), nil
}

type errString string

func (e errString) Error() string { return string(e) }

var _ caddyfile.Unmarshaler = (*Proxy)(nil)
