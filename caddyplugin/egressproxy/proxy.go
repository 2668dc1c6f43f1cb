package egressproxy

import (
	"context"
	"errors"
	"fmt"
	"net"
	"net/http"
	"net/http/httputil"
	"net/netip"
	"os"
	"slices"
	"strconv"
	"strings"
	"sync"
	"time"

	"github.com/caddyserver/caddy/v2"
	"github.com/caddyserver/caddy/v2/modules/caddyhttp"
	"go.uber.org/zap"

	"github.com/openclaw-secure-stack/securestack/auth"
	"github.com/openclaw-secure-stack/securestack/caddyplugin/internal/auditcfg"
	"github.com/openclaw-secure-stack/securestack/egress"
	"github.com/openclaw-secure-stack/securestack/egress/forward"
)

func init() {
	caddy.RegisterModule(Proxy{})
}

// DefaultPorts are the destination ports allowed unless ports says otherwise.
var DefaultPorts = []int{443, 80}

// Defaults of the other options.
const (
	DefaultReload              = 5 * time.Second
	DefaultIdleTimeout         = 5 * time.Minute
	DefaultMaxDuration         = 24 * time.Hour
	DefaultMaxTunnels          = 4096
	DefaultMaxTunnelsPerClient = 1024
)

// Proxy is the egress_proxy HTTP handler: a deny-by-default forward proxy
// for CONNECT tunnels and absolute-form HTTP requests. Other requests (a
// health check in origin form) go to the next handler.
type Proxy struct {
	// Allowlist files, in the egress format the CoreDNS plugin reads.
	// Required.
	Allowlist []string `json:"allowlist,omitempty"`
	// Reload is how often the allowlist files and the token files are
	// checked for changes (default 5s); a negative value turns reloading off.
	// A token file that no longer parses keeps its last good tokens; an
	// emptied one revokes its tokens.
	Reload caddy.Duration `json:"reload,omitempty"`
	// AllowCIDR lists prefixes whose addresses may be reached although they
	// are not public unicast (an internal service), and which raw-IP targets
	// may name.
	AllowCIDR []string `json:"allow_cidr,omitempty"`
	// Ports are the destination ports allowed. Default 443 and 80.
	Ports []int `json:"ports,omitempty"`
	// Resolvers are the DNS servers asked (IP, or IP:port). Default: the
	// nameservers of /etc/resolv.conf. /etc/hosts is not read.
	Resolvers []string `json:"resolvers,omitempty"`
	// DNSTimeout bounds one name's lookup. Default 5s.
	DNSTimeout caddy.Duration `json:"dns_timeout,omitempty"`
	// DialTimeout bounds the connection to one address. Default 10s.
	DialTimeout caddy.Duration `json:"dial_timeout,omitempty"`
	// IdleTimeout ends a tunnel when no byte has moved either way for this
	// long. Default 5m; negative means none.
	IdleTimeout caddy.Duration `json:"idle_timeout,omitempty"`
	// MaxDuration ends a tunnel this long after it opened. Default 24h;
	// negative means none.
	MaxDuration caddy.Duration `json:"max_duration,omitempty"`
	// MaxTunnels bounds concurrent tunnels and in-flight HTTP requests in
	// all. Default 4096; negative means no limit.
	MaxTunnels int `json:"max_tunnels,omitempty"`
	// MaxTunnelsPerClient bounds them per client address. Default 1024;
	// negative means no limit.
	MaxTunnelsPerClient int `json:"max_tunnels_per_client,omitempty"`
	// TokenFiles are files of `NAME SECRET` or `NAME sha256:HEX` lines (the
	// guard's format). When set, every proxy request needs a
	// Proxy-Authorization with one of these tokens, and its NAME is audited.
	// They are re-read when they change (see Reload), so a token is rotated
	// or revoked without a config reload.
	TokenFiles []string `json:"token_files,omitempty"`
	// AuditLog configures the audit trail. When absent, the proxy writes to
	// egress_proxy/audit.jsonl in Caddy's data directory: it always audits.
	AuditLog *auditcfg.Config `json:"audit_log,omitempty"`
	// AuditMode is how an allowed exchange's record, written when the
	// exchange ends, is committed: "async" (default) queues it (durable
	// within the log's flush_interval, fsynced per its sync option) so the
	// client never waits for the disk; "sync" writes it as durably as sync
	// says before the handler returns. Refusals are always written, per
	// sync, before the refusal is sent. In both modes a log that can no
	// longer be written stops allowed traffic (503 audit_unavailable).
	AuditMode AuditMode `json:"audit_mode,omitempty"`
	// TLSPorts are the destination ports whose CONNECT tunnels must open
	// with a TLS ClientHello whose server name (SNI) is the CONNECT's host,
	// another allowed name, or absent: anything else is refused before a
	// byte goes upstream (SNI domain fronting; see sni.go). Default 443.
	TLSPorts []int `json:"tls_ports,omitempty"`
	// NoSNICheck turns that check off (Caddyfile: tls_ports off).
	NoSNICheck bool `json:"no_sni_check,omitempty"`
	// HTTPPorts are the destination ports whose CONNECT tunnels are read
	// as HTTP/1.1, each request's Host held to the CONNECT's host or
	// another allowed name (Host domain fronting; see tunnelhttp.go).
	// Default 80.
	HTTPPorts []int `json:"http_ports,omitempty"`
	// NoHostCheck turns that check off: tunnels on those ports are byte
	// pipes (Caddyfile: http_ports off).
	NoHostCheck bool `json:"no_host_check,omitempty"`

	tlsPorts  []int
	httpPorts []int
	lists     *egress.Reloader
	policy    *forward.Policy
	dialer    *forward.Dialer
	pipeCfg   forward.PipeConfig
	slots     *forward.Slots
	slotsKey  string
	tokens    *auth.TokenSet
	limiter   *auth.Limiter
	rp        *httputil.ReverseProxy
	transport *http.Transport
	pool      *upPool // idle upstream connections of the plain-HTTP forwarder
	// viaReverseProxy sends every absolute-form request through the
	// ReverseProxy (tests compare the two forwarders).
	viaReverseProxy bool
	audit           *auditcfg.Log
	users           *auditUsers
	gaugeKey        string
	logger          *zap.Logger
	local           []netip.Addr       // this host's addresses, for the loop check
	stop            chan struct{}      // ends the allowlist reload loop
	stopTokens      context.CancelFunc // ends the token file watcher
	done            *sync.WaitGroup
}

// AuditMode says how an allowed exchange's record is committed.
type AuditMode string

const (
	AuditSync  AuditMode = "sync"  // written (per sync) before the handler returns
	AuditAsync AuditMode = "async" // queued, durable within flush_interval
)

// CaddyModule returns the Caddy module information.
func (Proxy) CaddyModule() caddy.ModuleInfo {
	return caddy.ModuleInfo{
		ID:  "http.handlers.egress_proxy",
		New: func() caddy.Module { return new(Proxy) },
	}
}

// Provision checks the configuration, loads the allowlist and tokens, and
// opens the audit log. The checks come first: Caddy calls Validate only
// after Provision, when defaults have replaced what the user wrote.
func (p *Proxy) Provision(ctx caddy.Context) error {
	p.logger = ctx.Logger()
	if err := p.check(); err != nil {
		return err
	}
	p.defaults()

	var err error
	if p.lists, err = egress.NewReloader(p.Allowlist...); err != nil {
		return fmt.Errorf("allowlist: %w", err)
	}
	if p.lists.List().Len() == 0 {
		p.logger.Warn("the allowlist has no entries: every request will be refused", zap.Strings("files", p.Allowlist))
	}
	cidrs, _ := parseCIDRs(p.AllowCIDR)
	ports := make([]uint16, len(p.Ports))
	for i, n := range p.Ports {
		ports[i] = uint16(n)
	}
	res, err := forward.NewResolver(forward.ResolverConfig{Servers: p.Resolvers, Timeout: time.Duration(p.DNSTimeout)})
	if err != nil {
		return fmt.Errorf("resolvers: %w", err)
	}
	p.local = localAddrs()
	p.policy = &forward.Policy{Allowlist: p.lists.List, AllowCIDR: cidrs, Ports: ports, Resolver: res, Self: p.isSelf}
	p.dialer = &forward.Dialer{Timeout: time.Duration(p.DialTimeout)}
	p.pipeCfg = forward.PipeConfig{Idle: positive(p.IdleTimeout), Total: positive(p.MaxDuration)}

	if len(p.TokenFiles) > 0 {
		if p.tokens, err = p.loadTokens(); err != nil {
			return err
		}
	}
	if err := p.acquireShared(); err != nil {
		return err
	}
	p.transport, p.rp = p.newForwarder()
	p.pool = &upPool{}
	if p.audit, err = auditcfg.Open(p.AuditLog, "egress_proxy"); err != nil {
		return err
	}
	p.users = &auditUsers{log: p.audit}
	if err := registerMetrics(ctx.GetMetricsRegistry()); err != nil {
		return err
	}
	p.gaugeKey = allowlistLabel(p.Allowlist)
	acquireGauge(p.gaugeKey)
	allowlistEntries.WithLabelValues(p.gaugeKey).Set(float64(p.lists.List().Len()))
	if p.Reload > 0 {
		p.stop, p.done = make(chan struct{}), new(sync.WaitGroup)
		p.done.Add(1)
		go func() {
			defer p.done.Done()
			p.lists.Run(p.stop, time.Duration(p.Reload), p.reloaded)
		}()
		if p.tokens != nil {
			var ctx context.Context
			ctx, p.stopTokens = context.WithCancel(context.Background())
			p.done.Add(1)
			go func() {
				defer p.done.Done()
				p.tokens.Watch(ctx, time.Duration(p.Reload), p.tokensReloaded)
			}()
		}
	}
	return nil
}

func positive(d caddy.Duration) time.Duration { return time.Duration(max(d, 0)) }

func (p *Proxy) defaults() {
	if p.Reload == 0 {
		p.Reload = caddy.Duration(DefaultReload)
	}
	if p.Ports == nil {
		p.Ports = DefaultPorts
	}
	if p.DNSTimeout == 0 {
		p.DNSTimeout = caddy.Duration(forward.DefaultDNSTimeout)
	}
	if p.DialTimeout == 0 {
		p.DialTimeout = caddy.Duration(forward.DefaultDialTimeout)
	}
	if p.IdleTimeout == 0 {
		p.IdleTimeout = caddy.Duration(DefaultIdleTimeout)
	}
	if p.MaxDuration == 0 {
		p.MaxDuration = caddy.Duration(DefaultMaxDuration)
	}
	if p.MaxTunnels == 0 {
		p.MaxTunnels = DefaultMaxTunnels
	}
	if p.MaxTunnelsPerClient == 0 {
		p.MaxTunnelsPerClient = DefaultMaxTunnelsPerClient
	}
	if p.AuditMode == "" {
		p.AuditMode = AuditAsync
	}
	switch {
	case p.NoSNICheck:
		p.tlsPorts = nil
	case len(p.TLSPorts) == 0:
		p.tlsPorts = DefaultTLSPorts
	default:
		p.tlsPorts = p.TLSPorts
	}
	switch {
	case p.NoHostCheck:
		p.httpPorts = nil
	case len(p.HTTPPorts) == 0:
		p.httpPorts = DefaultHTTPPorts
	default:
		p.httpPorts = p.HTTPPorts
	}
}

// check rejects configuration that cannot work, naming the JSON field
// (which is also the Caddyfile option).
func (p *Proxy) check() error {
	if len(p.Allowlist) == 0 {
		return errors.New("allowlist: at least one FILE is required; without one every request would be refused")
	}
	if _, err := parseCIDRs(p.AllowCIDR); err != nil {
		return err
	}
	for _, n := range p.Ports {
		if n < 1 || n > 65535 {
			return fmt.Errorf("ports: %d is not a port from 1 to 65535", n)
		}
	}
	for _, n := range p.TLSPorts {
		if n < 1 || n > 65535 {
			return fmt.Errorf("tls_ports: %d is not a port from 1 to 65535", n)
		}
	}
	// The lists as defaults() will set them: a port in both would be read
	// as HTTP and never have its server name checked.
	tlsPorts, httpPorts := p.TLSPorts, p.HTTPPorts
	if len(tlsPorts) == 0 && !p.NoSNICheck {
		tlsPorts = DefaultTLSPorts
	}
	if len(httpPorts) == 0 && !p.NoHostCheck {
		httpPorts = DefaultHTTPPorts
	}
	for _, n := range p.HTTPPorts {
		if n < 1 || n > 65535 {
			return fmt.Errorf("http_ports: %d is not a port from 1 to 65535", n)
		}
	}
	for _, n := range httpPorts {
		if !p.NoSNICheck && !p.NoHostCheck && slices.Contains(tlsPorts, n) {
			return fmt.Errorf("http_ports: %d is also in tls_ports (whose default is %v)", n, DefaultTLSPorts)
		}
	}
	switch p.AuditMode {
	case "", AuditSync, AuditAsync:
	default:
		return fmt.Errorf("audit_mode %q: want sync or async", p.AuditMode)
	}
	if p.Ports != nil && len(p.Ports) == 0 {
		return errors.New("ports: the list is empty, so every request would be refused")
	}
	for _, d := range []struct {
		name string
		v    caddy.Duration
	}{{"dns_timeout", p.DNSTimeout}, {"dial_timeout", p.DialTimeout}} {
		if d.v < 0 {
			return fmt.Errorf("%s must not be negative", d.name)
		}
	}
	return nil
}

// Validate repeats the checks on the provisioned configuration.
func (p *Proxy) Validate() error { return p.check() }

func parseCIDRs(ss []string) ([]netip.Prefix, error) {
	var out []netip.Prefix
	for _, s := range ss {
		pfx, err := netip.ParsePrefix(s)
		if err != nil {
			ip, ierr := netip.ParseAddr(s)
			if ierr != nil || ip.Zone() != "" {
				return nil, fmt.Errorf("allow_cidr %q: want a CIDR prefix such as 10.20.0.0/16 or an address", s)
			}
			pfx = netip.PrefixFrom(ip.Unmap(), ip.Unmap().BitLen())
		}
		if pfx.Masked() != pfx {
			return nil, fmt.Errorf("allow_cidr %q: host bits set; did you mean %s?", s, pfx.Masked())
		}
		if pfx.Addr().Is4In6() {
			return nil, fmt.Errorf("allow_cidr %q: an IPv4-mapped prefix; write the IPv4 prefix", s)
		}
		out = append(out, pfx)
	}
	return out, nil
}

// localAddrs lists this host's interface addresses. A target on one of
// them at the port a client reached the proxy on is the proxy itself.
func localAddrs() []netip.Addr {
	addrs, err := net.InterfaceAddrs()
	if err != nil {
		return nil
	}
	var out []netip.Addr
	for _, a := range addrs {
		if pfx, err := netip.ParsePrefix(a.String()); err == nil {
			out = append(out, pfx.Addr().Unmap())
		}
	}
	return out
}

// localAddr is the address of the listener a request came in on, from
// the request's context (net/http's LocalAddrContextKey).
func localAddr(ctx context.Context) (netip.AddrPort, bool) {
	switch la := ctx.Value(http.LocalAddrContextKey).(type) {
	case *net.TCPAddr:
		return la.AddrPort(), true
	case net.Addr:
		ap, err := netip.ParseAddrPort(la.String())
		return ap, err == nil
	}
	return netip.AddrPort{}, false
}

// isSelf reports whether ap is the listener the request came in on: its
// port, and an address of this host (or loopback, or unspecified, which
// reach it too).
func (p *Proxy) isSelf(ctx context.Context, ap netip.AddrPort) bool {
	local, ok := localAddr(ctx)
	if !ok || ap.Port() != local.Port() {
		return false
	}
	a := ap.Addr().Unmap()
	if a == local.Addr().Unmap() || a.IsLoopback() || a.IsUnspecified() {
		return true
	}
	if egress.ClassOf(a) == egress.Loopback || egress.ClassOf(a) == egress.Unspecified {
		return true // 64:ff9b::7f00:1 and friends
	}
	return slices.Contains(p.local, a)
}

func (p *Proxy) loadTokens() (*auth.TokenSet, error) {
	for _, path := range p.TokenFiles {
		if fi, err := os.Stat(path); err == nil && fi.Mode().Perm()&0o077 != 0 {
			p.logger.Warn("token file is readable by group or others; chmod 600 it", zap.String("file", path))
		}
	}
	set, err := auth.NewTokenSet(nil, p.TokenFiles...)
	if err != nil {
		return nil, fmt.Errorf("token_file: %w (make a token with `bin/stackaudit gen-token NAME`)", err)
	}
	return set, nil
}

// tokensReloaded reports a token file reload (the guard's log lines and
// metric names, under egress_proxy's prefix).
func (p *Proxy) tokensReloaded(changed bool, err error) {
	if changed {
		tokenReloads.Inc()
		p.logger.Info("token files reloaded", zap.Strings("files", p.TokenFiles), zap.Int("tokens", p.tokens.Len()))
	}
	if err != nil {
		tokenReloadErrors.Inc()
		p.logger.Error("token file not reloaded", zap.Error(err))
	}
}

// shared holds what must outlive one configuration: tunnels opened under
// the old configuration still hold their slots after a reload, and a reload
// must not give a client a fresh set of password guesses.
var shared = caddy.NewUsagePool()

type sharedState struct {
	slots   *forward.Slots
	limiter *auth.Limiter
}

func (sharedState) Destruct() error { return nil }

func (p *Proxy) acquireShared() error {
	p.slotsKey = "egress_proxy " + strconv.Itoa(p.MaxTunnels) + " " + strconv.Itoa(p.MaxTunnelsPerClient)
	v, _, err := shared.LoadOrNew(p.slotsKey, func() (caddy.Destructor, error) {
		return sharedState{slots: forward.NewSlots(p.MaxTunnels, p.MaxTunnelsPerClient), limiter: auth.NewLimiter(auth.LimiterConfig{})}, nil
	})
	if err != nil {
		return err
	}
	st := v.(sharedState)
	p.slots, p.limiter = st.slots, st.limiter
	return nil
}

func (p *Proxy) reloaded(reloaded bool, err error) {
	if err != nil {
		allowlistReloadErrors.Inc()
		p.logger.Error("keeping the last good allowlist", zap.Int("entries", p.lists.List().Len()), zap.Error(err))
		return
	}
	n := p.lists.List().Len()
	allowlistEntries.WithLabelValues(p.gaugeKey).Set(float64(n))
	p.logger.Info("allowlist reloaded", zap.Int("entries", n), zap.Strings("files", p.Allowlist))
}

// Cleanup stops the reload loop and releases the shared state and the
// audit log. Tunnels still open keep running on the old configuration
// until they end.
func (p *Proxy) Cleanup() error {
	if p.stop != nil {
		close(p.stop)
		if p.stopTokens != nil {
			p.stopTokens()
		}
		p.done.Wait()
		p.stop = nil
	}
	if p.transport != nil {
		p.transport.CloseIdleConnections()
	}
	if p.pool != nil {
		p.pool.close()
	}
	if p.slotsKey != "" {
		shared.Delete(p.slotsKey)
		p.slotsKey = ""
	}
	if p.gaugeKey != "" {
		releaseGauge(p.gaugeKey)
		p.gaugeKey = ""
	}
	if p.users == nil {
		return p.audit.Release()
	}
	return p.users.cleanup()
}

// auditUsers keeps the audit log open while exchanges that began under
// this configuration are still running: a tunnel outlives a config reload
// (Caddy does not wait for hijacked connections), and its record is
// written when it ends. The log is released when the configuration is
// cleaned up and its last exchange has ended.
type auditUsers struct {
	mu      sync.Mutex
	n       int
	closing bool
	log     *auditcfg.Log
}

// hold counts an exchange that will write a record; false once the log
// has been let go (a request that reached an unloaded configuration).
func (u *auditUsers) hold() bool {
	u.mu.Lock()
	defer u.mu.Unlock()
	if u.closing && u.n == 0 {
		return false
	}
	u.n++
	return true
}

func (u *auditUsers) unhold() {
	u.mu.Lock()
	defer u.mu.Unlock()
	u.n--
	if u.closing && u.n == 0 {
		if err := u.log.Release(); err != nil {
			auditErrors.Inc()
		}
	}
}

// active is how many exchanges hold the log.
func (u *auditUsers) active() int {
	u.mu.Lock()
	defer u.mu.Unlock()
	return u.n
}

func (u *auditUsers) cleanup() error {
	u.mu.Lock()
	defer u.mu.Unlock()
	if u.closing {
		return nil
	}
	u.closing = true
	if u.n == 0 {
		return u.log.Release()
	}
	return nil
}

// The allowlist_entries gauge has one series per set of allowlist files
// (two egress_proxy instances on different lists do not overwrite each
// other; two on the same list agree). A series is deleted when the last
// configuration using its files is cleaned up.
var (
	gaugeMu    sync.Mutex
	gaugeUsers = map[string]int{}
)

// allowlistLabel is the allowlist label: the files as configured, in
// order. It comes from the configuration, so it is bounded.
func allowlistLabel(files []string) string { return strings.Join(files, ",") }

func acquireGauge(key string) {
	gaugeMu.Lock()
	defer gaugeMu.Unlock()
	gaugeUsers[key]++
}

func releaseGauge(key string) {
	gaugeMu.Lock()
	defer gaugeMu.Unlock()
	if gaugeUsers[key]--; gaugeUsers[key] <= 0 {
		delete(gaugeUsers, key)
		allowlistEntries.DeleteLabelValues(key)
	}
}

// Interface guards.
var (
	_ caddy.Provisioner           = (*Proxy)(nil)
	_ caddy.Validator             = (*Proxy)(nil)
	_ caddy.CleanerUpper          = (*Proxy)(nil)
	_ caddyhttp.MiddlewareHandler = (*Proxy)(nil)
)
