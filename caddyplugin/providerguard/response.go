package providerguard

import (
	"bytes"
	"errors"
	"mime"
	"net/http"
	"slices"
	"strconv"

	"go.uber.org/zap"

	"github.com/openclaw-secure-stack/securestack/auditlog"
	"github.com/openclaw-secure-stack/securestack/caddyplugin/providerguard/wire"
)

// How the interceptor treats a response, decided at its header.
const (
	modeUndecided = iota
	modePass      // an error status: no tool calls, passed as it is
	modeStream    // text/event-stream: events judged as they arrive
	modeBuffer    // application/json: read whole, judged, then sent
	modeRefuse    // anything the guard cannot judge: replaced by an error
)

// interceptor stands between reverse_proxy and the client. A streamed
// response is framed into events as bytes arrive; each complete event is
// written and flushed at once unless it belongs to a tool call, which the
// reassembler holds until the call is complete and judged. The writer keeps
// Flush and Unwrap working for reverse_proxy.
type interceptor struct {
	w      http.ResponseWriter
	g      *Guard
	stream bool
	ra     *wire.Reassembler
	decide func(wire.ToolCall) wire.Decision // the policy, with the request's history

	mode   int
	status int
	wrote  bool // bytes or a header reached the client
	framer wire.Framer
	buf    bytes.Buffer
	over   bool
	// refused says why a response was replaced by an error.
	refused string

	// audited delivers the result of the request's audit write; gate
	// waits for it before anything reaches the client.
	audited   chan error
	auditErr  error
	gated     bool
	requestID string
}

// auditUnavailable ends a stream whose request could not be recorded.
const auditUnavailable = "the guard could not write its audit log, so the rest of the provider's answer was not delivered"

// gatedDecide wraps the tool-call policy: no call is released before the
// request's record is durable, and none at all if it could not be written.
func (ic *interceptor) gatedDecide(decide func(wire.ToolCall) wire.Decision) func(wire.ToolCall) wire.Decision {
	return func(c wire.ToolCall) wire.Decision {
		if !ic.gate() {
			return wire.Decision{Block: true, Rules: []string{"audit.unavailable"}, Reason: "the guard could not write its audit log"}
		}
		return decide(c)
	}
}

// gate waits until the request's audit record is durable and reports
// whether it was written.
func (ic *interceptor) gate() bool {
	if !ic.gated {
		ic.gated = true
		if ic.auditErr = <-ic.audited; ic.auditErr != nil {
			ic.g.logger.Error("audit log write failed; no tool call of the provider's answer was released", zap.Error(ic.auditErr), zap.String("request_id", ic.requestID))
			requestsTotal.WithLabelValues("audit_failed").Inc()
		}
	}
	return ic.auditErr == nil
}

func (ic *interceptor) Header() http.Header { return ic.w.Header() }

func (ic *interceptor) WriteHeader(code int) {
	if ic.mode != modeUndecided {
		return
	}
	if code >= 100 && code < 200 {
		ic.w.WriteHeader(code)
		return
	}
	ic.status = code
	h := ic.w.Header()
	ct, _, _ := mime.ParseMediaType(h.Get("Content-Type"))
	enc := h.Get("Content-Encoding")
	// A stream's text goes out as it arrives; what OpenClaw acts on (each
	// tool call) and the stream's end wait for the request's record (see
	// gatedDecide and Write). Anything else waits for it here.
	stream := code >= 200 && code < 300 && (enc == "" || enc == "identity") && ct == "text/event-stream"
	if !stream && !ic.gate() {
		ic.mode, ic.refused = modeRefuse, "the guard could not write its audit log"
		return
	}
	switch {
	case code < 200 || code >= 300:
		ic.mode = modePass
		ic.w.WriteHeader(code)
		ic.wrote = true
	case enc != "" && enc != "identity":
		ic.mode, ic.refused = modeRefuse, "the provider's response is encoded ("+enc+"), which the guard cannot read"
	case ct == "text/event-stream":
		ic.mode = modeStream
		h.Del("Content-Length") // held and replaced events change it
		ic.w.WriteHeader(code)
		ic.wrote = true
		ic.flush()
	case ct == "application/json":
		ic.mode = modeBuffer
	default:
		ic.mode, ic.refused = modeRefuse, "the provider answered with Content-Type "+strconv.Quote(ct)+", which the guard cannot judge"
	}
}

func (ic *interceptor) Write(p []byte) (int, error) {
	if ic.mode == modeUndecided {
		ic.WriteHeader(http.StatusOK)
	}
	switch ic.mode {
	case modePass:
		return ic.w.Write(p)
	case modeStream:
		ic.framer.Write(p)
		var out []byte
		for {
			ev, ok, err := ic.framer.Next()
			if err != nil {
				out = append(out, ic.ra.Fail("stream_unreadable", "the provider sent an event larger than the guard reads; the response was stopped")...)
				break
			}
			if !ok {
				break
			}
			released := ic.ra.Event(ev)
			if ic.ra.Complete && !ic.gate() {
				released = ic.ra.Fail("audit_unavailable", auditUnavailable)
			}
			out = append(out, released...)
		}
		if len(out) > 0 {
			if _, err := ic.w.Write(out); err != nil {
				return 0, err
			}
			ic.flush()
		}
		return len(p), nil
	case modeBuffer:
		if int64(ic.buf.Len()+len(p)) > ic.g.MaxResponse {
			ic.over = true
			return len(p), nil
		}
		return ic.buf.Write(p)
	}
	return len(p), nil // modeRefuse: discarded
}

// Flush sends what was written. Events are flushed as they are released,
// so this only matters for passed responses.
func (ic *interceptor) Flush() {
	if ic.mode == modePass || ic.mode == modeStream {
		ic.flush()
	}
}

func (ic *interceptor) flush() {
	_ = http.NewResponseController(ic.w).Flush()
}

// Unwrap lets http.ResponseController reach the connection (deadlines).
func (ic *interceptor) Unwrap() http.ResponseWriter { return ic.w }

// finish completes the response once reverse_proxy is done.
func (ic *interceptor) finish(upstreamErr error) {
	ic.gate() // whatever happened upstream, the record is durable (or failed) before we return
	switch ic.mode {
	case modeStream:
		if ic.auditErr != nil {
			ic.w.Write(ic.ra.Fail("audit_unavailable", auditUnavailable))
		}
		ic.w.Write(ic.ra.End())
	case modeBuffer:
		switch {
		case ic.over:
			ic.refused = "the provider's response is larger than the guard's max_response of " + strconv.FormatInt(ic.g.MaxResponse, 10) + " bytes"
		case upstreamErr != nil:
			ic.refused = "the provider's response was cut before its end"
		default:
			out, recs, err := wire.JudgeResponse(ic.g.api, ic.buf.Bytes(), ic.decide, ic.g.blockMode)
			ic.ra.Records = recs
			var blocked *wire.ErrBlocked
			switch {
			case errors.As(err, &blocked):
				ic.g.writeError(ic.w, http.StatusForbidden, wire.ErrPermission, "tool_call_blocked", blocked.Error())
				ic.wrote = true
				return
			case err != nil:
				ic.refused = err.Error()
			default:
				h := ic.w.Header()
				h.Set("Content-Length", strconv.Itoa(len(out)))
				ic.w.WriteHeader(ic.status)
				ic.w.Write(out)
				ic.wrote = true
				return
			}
		}
		fallthrough
	case modeRefuse:
		h := ic.w.Header()
		h.Del("Content-Encoding")
		if ic.auditErr != nil {
			ic.g.writeError(ic.w, http.StatusServiceUnavailable, wire.ErrAPI, "audit_unavailable",
				"the guard could not write its audit log, so the provider's answer was not delivered")
			ic.wrote = true
			return
		}
		ic.g.writeError(ic.w, http.StatusBadGateway, wire.ErrAPI, "response_not_judged", ic.refused+"; the guard does not pass what it cannot judge")
		ic.wrote = true
	}
}

// auditResponse records what the guard did with the response: each tool
// call judged (name, id, decision, rules; never its arguments), a cut
// stream, a refused response.
func (g *Guard) auditResponse(r *http.Request, requestID string, ic *interceptor, upstreamErr error) {
	ev := g.newEvent(r, "provider.response")
	ev.RequestID = requestID
	ev.Outcome = auditlog.OutcomeAllowed
	ev.Fields["status"] = ic.status
	var calls []map[string]any
	for _, rec := range ic.ra.Records {
		c := map[string]any{"name": rec.Call.Name, "id": rec.Call.ID, "blocked": rec.Decision.Block, "rules": nonNil(rec.Decision.Rules)}
		if rec.Decision.Block {
			c["reason"] = rec.Decision.Reason
			ev.Outcome = auditlog.OutcomeBlocked
			ev.Rules = append(ev.Rules, rec.Decision.Rules...)
			toolCallsTotal.WithLabelValues("blocked").Inc()
		} else {
			toolCallsTotal.WithLabelValues("allowed").Inc()
		}
		calls = append(calls, c)
	}
	slices.Sort(ev.Rules)
	ev.Rules = slices.Compact(ev.Rules)
	if len(calls) > 0 {
		ev.Fields["tool_calls"] = calls
	}
	switch {
	case ic.refused != "":
		ev.Outcome = auditlog.OutcomeRefused
		ev.Fields["reason"] = ic.refused
	case ic.mode == modeStream && !ic.ra.Complete && !ic.ra.Errored:
		ev.Outcome = auditlog.OutcomeError
		ev.Fields["reason"] = "the provider's stream ended before its terminal event"
		ev.Fields["dropped_tool_calls"] = ic.ra.Dropped
	case ic.ra.Errored:
		ev.Fields["stream_ended_with_error"] = true
	}
	if upstreamErr != nil {
		ev.Fields["upstream_error"] = upstreamErr.Error()
	}
	responsesTotal.WithLabelValues(string(ev.Outcome)).Inc()
	if err := g.audit.Write(ev); err != nil {
		g.logger.Error("audit log write failed", zap.Error(err), zap.String("request_id", requestID))
	}
}

func nonNil(s []string) []string {
	if s == nil {
		return []string{}
	}
	return s
}

var (
	_ http.ResponseWriter = (*interceptor)(nil)
	_ http.Flusher        = (*interceptor)(nil)
)
