package egressproxy

import (
	"context"
	"errors"
	"io"
	"net"
	"net/http"
	"net/http/httputil"
	"net/netip"
	"net/url"
	"slices"
	"strconv"
	"strings"
	"sync"
	"time"

	"github.com/caddyserver/caddy/v2/modules/caddyhttp"
	"go.uber.org/zap"

	"github.com/openclaw-secure-stack/securestack/auditlog"
	"github.com/openclaw-secure-stack/securestack/auth"
	"github.com/openclaw-secure-stack/securestack/caddyplugin/internal/apierror"
	"github.com/openclaw-secure-stack/securestack/egress"
	"github.com/openclaw-secure-stack/securestack/egress/forward"
)

// Header names on a refusal. Proxy-Status is RFC 9209's; X-Egress-Rule
// carries the rule id the audit log records.
const (
	headerProxyStatus = "Proxy-Status"
	headerRule        = "X-Egress-Rule"
	proxyName         = "securestack-egress"
)

// ruleAuditUnavailable refuses an allowed request while the audit log
// cannot be written (the guard's code for the same refusal).
const ruleAuditUnavailable = "audit_unavailable"

// exchange is one proxied request: what the audit record and the metrics
// are made of.
type exchange struct {
	start   time.Time
	kind    string // "connect" or "http"
	method  string
	client  string
	token   string
	target  egress.Target
	dest    string // target.String(), made once
	sni     string // the tunnel's TLS server name, when it is not the target's host
	d       forward.Decision
	dialed  netip.AddrPort
	status  int
	up      int64
	down    int64
	end     string
	outcome auditlog.Outcome
	rule    string
	message string
	// forwarding is set while the HTTP forwarder runs: a refusal from its
	// error handler is recorded when the exchange ends, with its counts.
	forwarding bool
	recorded   bool
	// fields backs the audit record's field list (at most 12 fields).
	fields [12]auditlog.Field

	// The HTTP forwarder's state, part of the exchange so that a request
	// costs one allocation and one context value for all of it: the
	// address the transport's dial reached (or, for a pooled connection,
	// none), and the body counters.
	dialMu  sync.Mutex
	dialAt  netip.AddrPort
	body    countingReader
	counted countingWriter
}

// refusal is a reply the proxy writes itself.
type refusal struct {
	status  int
	rule    string
	outcome auditlog.Outcome
	// proxyError is the RFC 9209 error type for Proxy-Status.
	proxyError string
	message    string
	header     http.Header // extra headers (Proxy-Authenticate)
}

// ServeHTTP proxies CONNECT and absolute-form requests and passes every
// other request to next.
func (p *Proxy) ServeHTTP(w http.ResponseWriter, r *http.Request, next caddyhttp.Handler) error {
	connect := r.Method == http.MethodConnect
	if !connect && (r.URL == nil || !r.URL.IsAbs()) {
		return next.ServeHTTP(w, r)
	}
	ex := &exchange{start: time.Now(), kind: "http", method: r.Method, client: clientIP(r)}
	if connect {
		ex.kind = "connect"
	}
	if !p.users.hold() {
		// This configuration was unloaded and its log let go: there is
		// nowhere to record the request, so it is not proxied.
		p.logger.Warn("proxy request on an unloaded configuration; refused, not in the audit log", zap.String("method", r.Method))
		ex.recorded = true
		p.refuse(w, ex, &refusal{status: http.StatusServiceUnavailable, rule: ruleAuditUnavailable, outcome: auditlog.OutcomeError,
			proxyError: "proxy_internal_error", message: "the proxy's configuration was unloaded; retry"})
		return nil
	}
	defer p.users.unhold()
	defer p.record(ex)

	if p.tokens != nil {
		if rej := p.authenticate(r, ex); rej != nil {
			p.refuse(w, ex, rej)
			return nil
		}
	}
	if connect && r.ProtoMajor != 1 {
		p.refuse(w, ex, &refusal{status: http.StatusHTTPVersionNotSupported, rule: forward.RuleMethod, outcome: auditlog.OutcomeBadRequest,
			proxyError: "http_protocol_error", message: "CONNECT is proxied over HTTP/1.1 only; connect to the proxy with HTTP/1.1"})
		return nil
	}

	var err error
	if connect {
		ex.target, err = egress.ParseAuthority(connectTarget(r))
	} else {
		ex.target, err = egress.ParseURL(r.URL)
	}
	if err == nil {
		ex.dest = ex.target.String()
	} else {
		var te *egress.TargetError
		rule, msg := forward.RuleBadTarget, err.Error()
		if errors.As(err, &te) {
			rule, msg = te.Reason, te.Error()
		}
		outcome, status := auditlog.OutcomeBadRequest, http.StatusBadRequest
		if rule == forward.RuleIPNonCanonical {
			outcome, status = auditlog.OutcomeDenied, http.StatusForbidden
		}
		p.refuse(w, ex, &refusal{status: status, rule: rule, outcome: outcome, proxyError: "destination_ip_prohibited", message: msg})
		return nil
	}

	// The policy's loop check (isSelf) reads the listener's address from
	// the request's context.
	ctx := r.Context()
	ex.d = p.policy.Decide(ctx, ex.target)
	if !ex.d.Allowed {
		p.refuse(w, ex, decisionRefusal(ex.d))
		return nil
	}
	// An allowed exchange is recorded when it ends. If the log has failed
	// (a write, or a queued record's write, could not be done), nothing
	// more goes out: fail closed rather than proxy without a trail.
	if err := p.audit.Err(); err != nil {
		p.refuse(w, ex, &refusal{status: http.StatusServiceUnavailable, rule: ruleAuditUnavailable, outcome: auditlog.OutcomeError,
			proxyError: "proxy_internal_error", message: "the proxy cannot write its audit log, so the request was not proxied"})
		return nil
	}

	if ok, limit := p.slots.Acquire(ex.client); !ok {
		p.refuse(w, ex, &refusal{status: http.StatusTooManyRequests, rule: forward.RuleLimit, outcome: auditlog.OutcomeRateLimited,
			proxyError: "connection_limit_reached", message: "too many open tunnels (" + limit + "); close some and retry"})
		return nil
	}
	tunnelsActive.Inc()
	defer func() {
		tunnelsActive.Dec()
		p.slots.Release(ex.client)
	}()

	ex.rule, ex.outcome = ex.d.Rule, auditlog.OutcomeAllowed
	if connect {
		p.tunnel(ctx, w, ex)
	} else {
		p.forward(w, r, ex)
	}
	return nil
}

// connectTarget is the request-target of a CONNECT exactly as the client
// sent it.
func connectTarget(r *http.Request) string {
	if r.RequestURI != "" {
		return r.RequestURI
	}
	return r.Host
}

func clientIP(r *http.Request) string {
	if ip, ok := caddyhttp.GetVar(r.Context(), caddyhttp.ClientIPVarKey).(string); ok && ip != "" {
		return ip
	}
	host, _, err := net.SplitHostPort(r.RemoteAddr)
	if err != nil {
		return r.RemoteAddr
	}
	return host
}

func (p *Proxy) authenticate(r *http.Request, ex *exchange) *refusal {
	if ok, retry := p.limiter.Allow(ex.client); !ok {
		return &refusal{status: http.StatusTooManyRequests, rule: forward.RuleAuth, outcome: auditlog.OutcomeRateLimited,
			proxyError: "http_request_denied",
			message:    "too many failed proxy authentication attempts; retry after " + strconv.Itoa(int(retry.Seconds())) + "s"}
	}
	name, secret, err := auth.ProxyCredentials(r.Header)
	r.Header.Del("Proxy-Authorization")
	if err == nil {
		verified, ok := p.tokens.Verify(secret)
		switch {
		case !ok:
			err = errors.New("invalid proxy credentials")
		case name != "" && name != verified:
			err = errors.New("the proxy credentials' name does not match their secret")
		default:
			ex.token = verified
			return nil
		}
	}
	if !errors.Is(err, auth.ErrNoProxyCredentials) {
		p.limiter.Fail(ex.client)
	}
	return &refusal{status: http.StatusProxyAuthRequired, rule: forward.RuleAuth, outcome: auditlog.OutcomeUnauthorized,
		proxyError: "http_request_denied", message: err.Error(),
		header: http.Header{"Proxy-Authenticate": {`Basic realm="egress", charset="UTF-8"`}}}
}

// decisionRefusal maps a refused decision to its reply.
func decisionRefusal(d forward.Decision) *refusal {
	r := &refusal{status: http.StatusForbidden, rule: d.Rule, outcome: auditlog.OutcomeDenied, message: d.Message,
		proxyError: "destination_ip_prohibited"}
	switch {
	case d.Rule == forward.RuleNameNotAllowed:
		r.outcome, r.proxyError = auditlog.OutcomeBlocked, "http_request_denied"
	case d.Rule == forward.RulePort:
		r.proxyError = "http_request_denied"
	case d.Rule == forward.RuleProxyLoop:
		r.proxyError = "proxy_loop_detected"
	case d.Rule == forward.RuleDNSTimeout:
		r.status, r.outcome, r.proxyError = http.StatusGatewayTimeout, auditlog.OutcomeError, "dns_timeout"
	case d.Rule == forward.RuleDNSNoAddress:
		r.status, r.outcome, r.proxyError = http.StatusBadGateway, auditlog.OutcomeError, "destination_not_found"
	case d.Rule == forward.RuleDNSFailed:
		r.status, r.outcome, r.proxyError = http.StatusBadGateway, auditlog.OutcomeError, "dns_error"
	}
	return r
}

// refuse writes the refusal completely: status, Proxy-Status and rule
// headers, and an error body that says why. Its audit record is written
// first (as durably as the log's sync option says, whatever audit_mode),
// so a refusal the client sees is on the disk.
func (p *Proxy) refuse(w http.ResponseWriter, ex *exchange, rej *refusal) {
	ex.status, ex.rule, ex.outcome, ex.message = rej.status, rej.rule, rej.outcome, rej.message
	if !ex.forwarding {
		p.record(ex)
	}
	h := w.Header()
	for k, v := range rej.header {
		h[k] = v
	}
	h.Set(headerProxyStatus, proxyName+"; error="+rej.proxyError+"; details="+strconv.Quote(rej.message))
	h.Set(headerRule, rej.rule)
	h.Set("Connection", "close")
	errType := apierror.TypePermission
	switch rej.status {
	case http.StatusBadRequest, http.StatusHTTPVersionNotSupported:
		errType = apierror.TypeInvalidRequest
	case http.StatusProxyAuthRequired:
		errType = apierror.TypeAuthentication
	case http.StatusTooManyRequests:
		errType = apierror.TypeRateLimit
	case http.StatusBadGateway, http.StatusGatewayTimeout:
		errType = apierror.TypeAPI
	}
	apierror.Write(w, rej.status, errType, rej.rule, "egress_proxy: "+rej.message)
}

// tunnel dials the checked address, then hijacks the client connection,
// answers 200 and moves bytes both ways until either side is done or a
// time limit ends it. The dial comes first, so that an unreachable target
// is a 502 the client can read, not a tunnel that closes at once.
func (p *Proxy) tunnel(ctx context.Context, w http.ResponseWriter, ex *exchange) {
	up, addr, err := p.dialer.Dial(ctx, ex.d)
	if err != nil {
		p.refuse(w, ex, dialRefusal(ex, err))
		return
	}
	ex.dialed = addr
	conn, brw, err := http.NewResponseController(w).Hijack()
	if err != nil {
		up.Close()
		p.refuse(w, ex, &refusal{status: http.StatusInternalServerError, rule: forward.RuleMethod, outcome: auditlog.OutcomeError,
			proxyError: "proxy_internal_error", message: "the connection cannot be taken over for a tunnel: " + err.Error()})
		return
	}
	// The server's read and write deadlines were for the request; the
	// tunnel keeps its own.
	conn.SetDeadline(time.Time{})
	if _, err := conn.Write(established); err != nil {
		conn.Close()
		up.Close()
		ex.status, ex.end = http.StatusOK, forward.EndError
		return
	}
	ex.status = http.StatusOK
	if slices.Contains(p.httpPorts, int(ex.target.Port)) {
		p.relayHTTP(conn, brw.Reader, up, ex)
		return
	}
	var first []byte
	if slices.Contains(p.tlsPorts, int(ex.target.Port)) {
		var ok bool
		if first, ok = p.screenHello(conn, brw.Reader, ex); !ok {
			conn.Close()
			up.Close()
			return
		}
		if _, err := up.Write(first); err != nil {
			conn.Close()
			up.Close()
			ex.end = forward.EndError
			return
		}
	}
	res := forward.Pipe(forward.NewBufferedConn(conn, brw.Reader), up, p.pipeCfg)
	ex.up, ex.down, ex.end = res.Up+int64(len(first)), res.Down, res.End
}

var established = []byte("HTTP/1.1 200 Connection established\r\n\r\n")

func dialRefusal(ex *exchange, err error) *refusal {
	rej := &refusal{status: http.StatusBadGateway, rule: forward.RuleDialFailed, outcome: auditlog.OutcomeError,
		proxyError: "connection_refused", message: "could not connect to " + ex.dest + ": " + err.Error()}
	var ne net.Error
	if errors.As(err, &ne) && ne.Timeout() {
		rej.status, rej.proxyError = http.StatusGatewayTimeout, "connection_timeout"
	}
	return rej
}

// newForwarder builds the absolute-form HTTP forwarder: a ReverseProxy whose
// transport dials only the addresses of the request's allowed decision, and
// never consults HTTP(S)_PROXY.
func (p *Proxy) newForwarder() (*http.Transport, *httputil.ReverseProxy) {
	tr := &http.Transport{
		Proxy: nil,
		DialContext: func(ctx context.Context, network, addr string) (net.Conn, error) {
			ex, ok := ctx.Value(exchangeKey{}).(*exchange)
			if !ok || !ex.d.Allowed {
				return nil, errors.New("egress_proxy: no allowed decision for this connection")
			}
			c, ap, err := p.dialer.Dial(ctx, ex.d)
			if err != nil {
				return nil, err
			}
			ex.dialMu.Lock()
			ex.dialAt = ap
			ex.dialMu.Unlock()
			return c, nil
		},
		// The client's Accept-Encoding goes through as sent, and the body
		// comes back as the upstream sent it.
		DisableCompression:    true,
		MaxIdleConns:          1024,
		MaxIdleConnsPerHost:   256,
		IdleConnTimeout:       90 * time.Second,
		TLSHandshakeTimeout:   10 * time.Second,
		ExpectContinueTimeout: time.Second,
	}
	rp := &httputil.ReverseProxy{
		Rewrite: func(pr *httputil.ProxyRequest) {
			ex := pr.In.Context().Value(exchangeKey{}).(*exchange)
			in := pr.In.URL
			pr.Out.URL = &url.URL{Scheme: strings.ToLower(in.Scheme), Host: ex.dest,
				Path: in.Path, RawPath: in.RawPath, RawQuery: in.RawQuery}
			pr.Out.Host = hostHeader(ex.target, ex.dest, pr.Out.URL.Scheme)
		},
		Transport:  tr,
		BufferPool: bufferPool{},
		ErrorHandler: func(w http.ResponseWriter, r *http.Request, err error) {
			ex := r.Context().Value(exchangeKey{}).(*exchange)
			if errors.Is(err, context.Canceled) {
				ex.end = forward.EndError
				return
			}
			p.refuse(w, ex, dialRefusal(ex, err))
		},
	}
	return tr, rp
}

// exchangeKey is the context key of the forwarded request's *exchange:
// its allowed decision (the only addresses the dial may reach), where the
// dial went, and what the rewrite and error handler need.
type exchangeKey struct{}

// hostHeader is the Host the upstream sees: the checked name, with the
// port only when it is not the scheme's default. The client's own Host
// header is not passed on, so the upstream routes on the name that was
// checked.
func hostHeader(t egress.Target, dest, scheme string) string {
	if (scheme == "http" && t.Port == 80) || (scheme == "https" && t.Port == 443) {
		if t.IsIP() && t.Addr.Is6() {
			return "[" + t.Host + "]"
		}
		return t.Host
	}
	return dest
}

// forward sends an absolute-form request on and streams the answer back:
// a plain http:// request from an HTTP/1.x client on this goroutine
// (forwardPlain), anything else through the ReverseProxy.
func (p *Proxy) forward(w http.ResponseWriter, r *http.Request, ex *exchange) {
	body := &ex.body
	body.r = r.Body
	if r.Body != nil && r.Body != http.NoBody {
		r.Body = body
	}
	cw := &ex.counted
	cw.ResponseWriter = w
	ex.forwarding = true
	completed := false
	defer func() {
		if !completed {
			// A panic: the response was cut (http.ErrAbortHandler).
			ex.end = forward.EndError
		}
		p.finishForward(ex)
	}()
	if !p.viaReverseProxy && plainForward(r) {
		p.forwardPlain(cw, r, ex)
	} else {
		p.rp.ServeHTTP(cw, r.WithContext(context.WithValue(r.Context(), exchangeKey{}, ex)))
	}
	completed = true
}

// finishForward takes the counts and the outcome of a forwarded request
// into the exchange, for its record.
func (p *Proxy) finishForward(ex *exchange) {
	ex.forwarding = false
	ex.up, ex.down = ex.body.n, ex.counted.n
	if ex.status == 0 {
		ex.status = ex.counted.status
	}
	ex.dialMu.Lock()
	if ex.dialAt.IsValid() {
		ex.dialed = ex.dialAt
	}
	ex.dialMu.Unlock()
	if ex.end == "" {
		ex.end = forward.EndClosed
	}
}

type countingReader struct {
	r io.ReadCloser
	n int64
}

func (c *countingReader) Read(b []byte) (int, error) {
	n, err := c.r.Read(b)
	c.n += int64(n)
	return n, err
}

// Close does nothing: the server closes the request body when the handler
// returns, and closing it early could wait on a client that still sends.
func (c *countingReader) Close() error { return nil }

// countingWriter counts the response body. It keeps Flush and Hijack
// working through Unwrap, which http.ResponseController follows.
type countingWriter struct {
	http.ResponseWriter
	n      int64
	status int
}

func (c *countingWriter) WriteHeader(code int) {
	if c.status == 0 && code >= 200 {
		c.status = code
	}
	c.ResponseWriter.WriteHeader(code)
}

func (c *countingWriter) Write(b []byte) (int, error) {
	if c.status == 0 {
		c.status = http.StatusOK
	}
	n, err := c.ResponseWriter.Write(b)
	c.n += int64(n)
	return n, err
}

func (c *countingWriter) Unwrap() http.ResponseWriter { return c.ResponseWriter }

type bufferPool struct{}

var copyBufs = sync.Pool{New: func() any { b := make([]byte, 32<<10); return &b }}

func (bufferPool) Get() []byte  { return *(copyBufs.Get().(*[]byte)) }
func (bufferPool) Put(b []byte) { copyBufs.Put(&b) }

// record writes the audit event and counts the exchange, once. An allowed
// exchange's record is queued in audit_mode async (the client does not
// wait for the disk; the log's writer commits it within flush_interval,
// and a failed commit makes p.audit.Err refuse what follows); every other
// record is written before record returns.
func (p *Proxy) record(ex *exchange) {
	if ex.recorded {
		return
	}
	ex.recorded = true
	if ex.outcome == "" {
		ex.outcome, ex.rule = auditlog.OutcomeError, forward.RuleMethod
	}
	if ex.end == forward.EndError && ex.outcome == auditlog.OutcomeAllowed && ex.status == 0 {
		ex.outcome = auditlog.OutcomeError
	}
	// The fields as a list held in the exchange (no map, no allocation of
	// their own); the log writes them sorted by key, as it writes a map.
	fields := append(ex.fields[:0],
		auditlog.Field{Key: "method", Value: constant(ex.method)},
		auditlog.Field{Key: "status", Value: ex.status},
		auditlog.Field{Key: "duration_ms", Value: time.Since(ex.start).Milliseconds()})
	if ex.target.Host != "" {
		fields = append(fields,
			auditlog.Field{Key: "host", Value: ex.target.Host},
			auditlog.Field{Key: "port", Value: int(ex.target.Port)}) // the encoder's fast path; the same JSON number
	}
	if ex.dialed.IsValid() {
		fields = append(fields, auditlog.Field{Key: "addr", Value: ex.dialed.String()})
	} else if ex.d.Refused.IsValid() {
		fields = append(fields, auditlog.Field{Key: "addr", Value: ex.d.Refused.String()})
	}
	if len(ex.d.Addrs) > 0 && !ex.target.IsIP() {
		addrs := make([]string, len(ex.d.Addrs))
		for i, a := range ex.d.Addrs {
			addrs[i] = a.String()
		}
		fields = append(fields, auditlog.Field{Key: "resolved", Value: addrs})
	}
	if ex.outcome == auditlog.OutcomeAllowed || ex.up > 0 || ex.down > 0 {
		fields = append(fields,
			auditlog.Field{Key: "bytes_up", Value: ex.up},
			auditlog.Field{Key: "bytes_down", Value: ex.down})
	}
	if ex.end != "" {
		fields = append(fields, auditlog.Field{Key: "end", Value: constant(ex.end)})
	}
	if ex.sni != "" {
		fields = append(fields, auditlog.Field{Key: "sni", Value: ex.sni})
	}
	if ex.message != "" && ex.outcome != auditlog.OutcomeAllowed {
		fields = append(fields, auditlog.Field{Key: "reason", Value: ex.message})
	}
	route := ex.method
	if ex.target.Host != "" {
		route += " " + ex.dest
	}
	ev := auditlog.Event{
		Event:     "egress.proxy",
		ClientIP:  ex.client,
		TokenName: ex.token,
		Route:     route,
		Outcome:   ex.outcome,
		Rules:     rulesOf(ex.rule),
		FieldList: fields,
	}
	var err error
	if ex.outcome == auditlog.OutcomeAllowed && p.AuditMode == AuditAsync {
		err = p.audit.Enqueue(ev)
	} else {
		err = p.audit.Write(ev)
	}
	if err != nil {
		auditErrors.Inc()
		p.logger.Error("audit log write failed", zap.Error(err), zap.String("route", route))
	}
	countRequest(ex.kind, string(ex.outcome), metricRule(ex.rule))
	if ex.up > 0 {
		bytesUp.Add(float64(ex.up))
	}
	if ex.down > 0 {
		bytesDown.Add(float64(ex.down))
	}
}

// constant returns s as an interface value without an allocation when it
// is one of the usual methods or tunnel ends (a string variable converted
// to any is copied to the heap; a constant is not).
func constant(s string) any {
	switch s {
	case http.MethodGet:
		return http.MethodGet
	case http.MethodConnect:
		return http.MethodConnect
	case http.MethodPost:
		return http.MethodPost
	case http.MethodHead:
		return http.MethodHead
	case forward.EndClosed:
		return forward.EndClosed
	case forward.EndError:
		return forward.EndError
	case forward.EndIdle:
		return forward.EndIdle
	case forward.EndTotal:
		return forward.EndTotal
	}
	return s
}

// rulesOf is an audit record's rules: one slice per rule, shared by the
// records (the log only reads it).
func rulesOf(rule string) []string {
	rulesMu.RLock()
	rs, ok := rules[rule]
	rulesMu.RUnlock()
	if !ok {
		rs = []string{rule}
		if len(rule) <= 64 { // rules are a small fixed set; never grow the cache on anything else
			rulesMu.Lock()
			if len(rules) < 256 {
				rules[rule] = rs
			}
			rulesMu.Unlock()
		}
	}
	return rs
}

var (
	rulesMu sync.RWMutex
	rules   = map[string][]string{}
)

// metricRule keeps the rule label within its fixed set.
func metricRule(rule string) string {
	if strings.HasPrefix(rule, forward.RuleAddressPrefix) {
		name := strings.TrimPrefix(rule, forward.RuleAddressPrefix)
		for c := egress.Global; c <= egress.Invalid; c++ {
			if c.String() == name {
				return rule
			}
		}
		return forward.RuleAddressPrefix + "invalid"
	}
	return rule
}
