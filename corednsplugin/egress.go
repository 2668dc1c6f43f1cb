package corednsplugin

import (
	"context"
	"fmt"
	"sync"
	"time"

	"github.com/coredns/coredns/plugin"
	"github.com/coredns/coredns/plugin/metrics"
	"github.com/coredns/coredns/request"
	"github.com/miekg/dns"

	"github.com/openclaw-secure-stack/securestack/auditlog"
	"github.com/openclaw-secure-stack/securestack/egress"
)

// logger is the part of CoreDNS's plugin logger the plugin uses; tests
// pass their own.
type logger interface {
	Infof(format string, v ...any)
	Warningf(format string, v ...any)
	Errorf(format string, v ...any)
}

// Egress is the egress plugin: it answers queries for names that are not
// on the allowlist itself and passes the rest down the chain, filtering
// what comes back.
type Egress struct {
	Next plugin.Handler

	cfg     config
	lists   *egress.Reloader // the allowlist in force, reloaded by mtime
	log     logger
	now     func() time.Time
	servers []string            // server labels for the gauges
	results map[string]*results // per server, filled by start

	// audit is set by start, before the server accepts queries.
	audit *auditlog.Log

	stopped chan struct{}
	done    sync.WaitGroup
}

func newEgress(cfg config, log logger, now func() time.Time) (*Egress, error) {
	lists, err := egress.NewReloader(cfg.files...)
	if err != nil {
		return nil, err
	}
	if lists.List().Len() == 0 {
		log.Warningf("allowlist %v has no entries: every query will be blocked", cfg.files)
	}
	return &Egress{cfg: cfg, lists: lists, log: log, now: now}, nil
}

// Name implements plugin.Handler.
func (e *Egress) Name() string { return pluginName }

// ServeDNS implements plugin.Handler.
//
// The answer to an allowed query is held by the answerFilter while the rest
// of the chain runs and is judged and written here, after the chain has
// returned. CoreDNS runs each query on a fresh goroutine whose stack starts
// small; doing the work at this depth, and keeping this frame small, keeps
// the plugin from pushing that stack into a growth (a copy of the whole
// stack) on every query. See docs/BENCHMARKS.md.
func (e *Egress) ServeDNS(ctx context.Context, w dns.ResponseWriter, r *dns.Msg) (int, error) {
	f := e.judge(ctx, w, r)
	if f == nil {
		return dns.RcodeSuccess, nil // answered: CoreDNS must not write again
	}
	if e.Next == nil {
		return plugin.NextOrFailure(e.Name(), nil, ctx, w, r) // SERVFAIL, "no next plugin found"
	}
	// Not through plugin.NextOrFailure, whose frame (tracing) would stay on
	// the stack below the whole chain.
	rcode, err := e.Next.ServeDNS(ctx, f, r)
	if werr := f.flush(); err == nil {
		err = werr
	}
	return rcode, err
}

// judge answers a query that is not allowed and returns nil, or returns
// the writer through which the allowed query's answer must go.
func (e *Egress) judge(ctx context.Context, w dns.ResponseWriter, r *dns.Msg) *answerFilter {
	server := metrics.WithServer(ctx)
	count, ok := e.results[server]
	if !ok {
		count = resultsFor(server)
	}
	if reason := unjudgeable(r); reason != "" {
		count.refused.Inc()
		e.record(server, w, r, auditlog.OutcomeRefused, "egress.unjudgeable", map[string]any{"reason": reason})
		w.WriteMsg(refusal(r, dns.RcodeRefused, "query cannot be judged: "+reason))
		return nil
	}
	list := e.lists.List()
	if !list.Match(r.Question[0].Name) {
		count.blocked.Inc()
		e.record(server, w, r, auditlog.OutcomeBlocked, "egress.not_allowed", nil)
		w.WriteMsg(refusal(r, e.cfg.blockRcode, "name is not on the egress allowlist"))
		return nil
	}
	count.allowed.Inc()
	// EDNS options (client subnet, private-use codes) would reach the
	// upstream resolver as they are, a channel the name check does not see.
	if opt := r.IsEdns0(); opt != nil {
		opt.Option = nil
	}
	return &answerFilter{ResponseWriter: w, e: e, list: list, req: r, server: server}
}

// unjudgeable says why the plugin cannot judge r, or "" when it can.
// Such a query is refused rather than forwarded: whatever the plugin cannot
// read, an upstream might.
func unjudgeable(r *dns.Msg) string {
	switch {
	case r.Response:
		return "the message is a response"
	case r.Opcode != dns.OpcodeQuery:
		return fmt.Sprintf("opcode %s, want QUERY", opcodeName(r.Opcode))
	case len(r.Question) != 1:
		return fmt.Sprintf("%d questions, want 1", len(r.Question))
	case r.Question[0].Qclass != dns.ClassINET:
		return fmt.Sprintf("class %s, want IN", dns.Class(r.Question[0].Qclass))
	case len(r.Answer) > 0 || len(r.Ns) > 0:
		return "records in the answer or authority section"
	}
	for _, rr := range r.Extra {
		if rr.Header().Rrtype != dns.TypeOPT {
			return "an additional record other than OPT"
		}
	}
	if len(r.Extra) > 1 {
		return "more than one OPT record"
	}
	return ""
}

func opcodeName(op int) string {
	if s, ok := dns.OpcodeToString[op]; ok {
		return s
	}
	return fmt.Sprint(op)
}

// refusal is the answer to r with rcode and an Extended DNS Error 15
// (Blocked) carrying why. The EDE goes out only when the client spoke
// EDNS, as RFC 6891 requires.
func refusal(r *dns.Msg, rcode int, why string) *dns.Msg {
	m := new(dns.Msg)
	m.SetRcode(r, rcode)
	m.RecursionAvailable = true
	if opt := r.IsEdns0(); opt != nil && len(r.Extra) == 1 {
		m.SetEdns0(dns.DefaultMsgSize, opt.Do())
		m.IsEdns0().Option = []dns.EDNS0{&dns.EDNS0_EDE{InfoCode: dns.ExtendedErrorCodeBlocked, ExtraText: why}}
	}
	return m
}

// record writes an audit event for a query that was not simply allowed.
func (e *Egress) record(server string, w dns.ResponseWriter, r *dns.Msg, outcome auditlog.Outcome, rule string, fields map[string]any) {
	if e.audit == nil {
		return
	}
	if fields == nil {
		fields = map[string]any{}
	}
	if len(r.Question) > 0 {
		fields["qname"] = r.Question[0].Name
		fields["qtype"] = dns.Type(r.Question[0].Qtype).String()
	}
	state := request.Request{W: w, Req: r}
	fields["proto"] = state.Proto()
	fields["server"] = server
	err := e.audit.Write(auditlog.Event{
		Event:    "dns.query",
		ClientIP: state.IP(),
		Outcome:  outcome,
		Rules:    []string{rule},
		Fields:   fields,
	})
	if err != nil {
		auditErrors.WithLabelValues(server).Inc()
		e.log.Errorf("audit_log %s: %v", e.cfg.auditPath, err)
	}
}
