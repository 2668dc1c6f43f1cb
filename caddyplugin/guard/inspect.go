package guard

import (
	"bytes"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"mime"
	"net/http"
	"strconv"
	"strings"
	"time"

	"github.com/openclaw-secure-stack/securestack/auditlog"
	"github.com/openclaw-secure-stack/securestack/caddyplugin/guard/route"
	"github.com/openclaw-secure-stack/securestack/caddyplugin/internal/apierror"
	"github.com/openclaw-secure-stack/securestack/caddyplugin/providerguard/toolpolicy"
	"github.com/openclaw-secure-stack/securestack/caddyplugin/providerguard/wire"
	"github.com/openclaw-secure-stack/securestack/sanitizer"
)

// inspector judges one route's body: the bytes to forward, what fired, or a
// *sanitizer.BodyError when the body cannot be inspected.
type inspector func(body []byte) (out []byte, res sanitizer.Result, err error)

// inspectorFor returns the inspector of an inspectable path. With a nil
// sanitizer it only answers whether the path has one.
func inspectorFor(s *sanitizer.Sanitizer, path string) (inspector, bool) {
	switch path {
	case route.ChatCompletions:
		if s == nil {
			return nil, true
		}
		return s.SanitizeChat, true
	case route.Responses:
		if s == nil {
			return nil, true
		}
		return s.SanitizeResponses, true
	case route.ToolsInvoke:
		if s == nil {
			return nil, true
		}
		return s.SanitizeToolsInvoke, true
	case route.Embeddings:
		if s == nil {
			return nil, true
		}
		return func(body []byte) ([]byte, sanitizer.Result, error) { return sanitizeEmbeddings(s, body) }, true
	}
	return nil, false
}

// toolCallBlocked is a /tools/invoke body whose tool call the tool policy
// blocks (the provider guard's judge, toolpolicy.Default): a direct
// invocation runs the tool with no model in between, so the checks the
// provider guard applies to a model's calls apply to it too.
type toolCallBlocked struct {
	rules  []string
	reason string
}

func (e *toolCallBlocked) Error() string { return e.reason }

// toolsInvokeInspector sanitizes a /tools/invoke body with inner and judges
// its tool call as OpenClaw reads it (tools-invoke-shared-*.mjs): the tool
// is name, else tool, trimmed; args is an object (anything else is {});
// action goes into args when args has none. The call is judged with the
// direct calls allowed before it (recent).
func toolsInvokeInspector(inner inspector, judge *toolpolicy.Judge, recent *toolpolicy.Recent) inspector {
	return func(body []byte) ([]byte, sanitizer.Result, error) {
		out, res, err := inner(body)
		if err != nil {
			return out, res, err
		}
		var req struct {
			Name   any `json:"name"`
			Tool   any `json:"tool"`
			Action any `json:"action"`
			Args   any `json:"args"`
		}
		if err := json.Unmarshal(body, &req); err != nil {
			return nil, res, &sanitizer.BodyError{Reason: "the body could not be read as a tool invocation: " + err.Error()}
		}
		name, _ := req.Name.(string)
		if strings.TrimSpace(name) == "" {
			name, _ = req.Tool.(string)
		}
		args, ok := req.Args.(map[string]any)
		if !ok {
			args = map[string]any{}
		}
		if action, ok := req.Action.(string); ok && strings.TrimSpace(action) != "" {
			if _, has := args["action"]; !has {
				args["action"] = strings.TrimSpace(action)
			}
		}
		raw, err := json.Marshal(args)
		if err != nil {
			return nil, res, &sanitizer.BodyError{Reason: "the tool arguments could not be judged: " + err.Error()}
		}
		// Judged with the direct calls allowed before it (files written,
		// keys typed), which no conversation carries here.
		if d := judge.DecideRecent(recent, wire.ToolCall{Name: strings.TrimSpace(name), Arguments: string(raw)}); d.Block {
			return nil, res, &toolCallBlocked{rules: d.Rules, reason: d.Reason}
		}
		return out, res, nil
	}
}

// embeddingsWrap makes an embeddings body the args of a /tools/invoke
// body, whose strict parse and every-string scan are what an embeddings
// request needs: every string of input (and of the other fields) is
// checked as user text.
const (
	embeddingsWrapHead = `{"tool":"embeddings","args":`
	embeddingsWrapTail = `}`
)

// sanitizeEmbeddings inspects a POST /v1/embeddings body. The body must be
// one JSON object on its own (checked before wrapping, so that no text
// around it can close the wrapper early).
func sanitizeEmbeddings(s *sanitizer.Sanitizer, body []byte) ([]byte, sanitizer.Result, error) {
	trimmed := bytes.TrimSpace(body)
	if len(trimmed) == 0 || trimmed[0] != '{' || !json.Valid(trimmed) {
		return nil, sanitizer.Result{}, &sanitizer.BodyError{Reason: "the body must be one JSON object"}
	}
	wrapped := make([]byte, 0, len(embeddingsWrapHead)+len(trimmed)+len(embeddingsWrapTail))
	wrapped = append(append(append(wrapped, embeddingsWrapHead...), trimmed...), embeddingsWrapTail...)
	out, res, err := s.SanitizeToolsInvoke(wrapped)
	if err != nil {
		var be *sanitizer.BodyError
		if errors.As(err, &be) {
			be.Field = strings.TrimPrefix(strings.TrimPrefix(be.Field, "args"), ".")
		}
		return nil, res, err
	}
	if res.Action != sanitizer.ActionStrip {
		return body, res, nil
	}
	if !bytes.HasPrefix(out, []byte(embeddingsWrapHead)) || !bytes.HasSuffix(out, []byte(embeddingsWrapTail)) {
		return nil, res, &sanitizer.BodyError{Reason: "the rewritten body could not be unwrapped"}
	}
	return out[len(embeddingsWrapHead) : len(out)-len(embeddingsWrapTail)], res, nil
}

// readBody reads the whole body, at most max bytes, in one allocation when
// the length is known.
func readBody(w http.ResponseWriter, r *http.Request, max int64) ([]byte, *rejection) {
	if r.ContentLength > max {
		return nil, tooLarge(max)
	}
	body := http.MaxBytesReader(w, r.Body, max)
	var buf []byte
	var err error
	if r.ContentLength > 0 {
		buf = make([]byte, r.ContentLength)
		_, err = io.ReadFull(body, buf)
		if err == nil {
			// The declared length must be the whole body.
			var one [1]byte
			if n, _ := body.Read(one[:]); n > 0 {
				err = errors.New("more body than Content-Length")
			}
		}
	} else {
		buf, err = io.ReadAll(body)
	}
	if err != nil {
		var mbe *http.MaxBytesError
		if errors.As(err, &mbe) {
			return nil, tooLarge(max)
		}
		return nil, refuse(http.StatusBadRequest, apierror.TypeInvalidRequest, "invalid_body", auditlog.OutcomeBadRequest,
			"could not read the request body: "+err.Error())
	}
	return buf, nil
}

// inspectBody reads the body, has it judged, and puts back the bytes to
// forward. Any body it cannot inspect is refused.
func (g *Guard) inspectBody(w http.ResponseWriter, r *http.Request, ev *auditlog.Event, inspect inspector, routeLabel string) *rejection {
	// Every Content-Encoding line and list element counts: a reader that
	// honoured a second one would read another document than the one
	// judged.
	for _, line := range r.Header.Values("Content-Encoding") {
		for ce := range strings.SplitSeq(line, ",") {
			if ce = strings.TrimSpace(ce); ce != "" && !strings.EqualFold(ce, "identity") {
				return refuse(http.StatusUnsupportedMediaType, apierror.TypeInvalidRequest, "unsupported_content_encoding", auditlog.OutcomeBadRequest,
					"Content-Encoding "+ce+" is not accepted: the guard inspects plain JSON bodies only")
			}
		}
	}
	if ct := r.Header.Values("Content-Type"); len(ct) != 1 || !jsonContentType(ct[0]) {
		return refuse(http.StatusUnsupportedMediaType, apierror.TypeInvalidRequest, "unsupported_media_type", auditlog.OutcomeBadRequest,
			"Content-Type must be one application/json header, in UTF-8 (no other charset)")
	}
	body, rej := readBody(w, r, g.MaxBody)
	if rej != nil {
		return rej
	}
	sum := sha256.Sum256(body)
	ev.Fields = map[string]any{"prompt_sha256": hex.EncodeToString(sum[:]), "prompt_len": len(body)}

	start := time.Now()
	out, res, err := inspect(body)
	inspectionSeconds.WithLabelValues(routeLabel).Observe(time.Since(start).Seconds())
	var blocked *toolCallBlocked
	if errors.As(err, &blocked) {
		ev.Rules = blocked.rules
		return &rejection{status: http.StatusForbidden, errType: apierror.TypePermission, code: "tool_call_blocked",
			message: "the guard refused this tool call (rules: " + strings.Join(blocked.rules, ", ") + "): " + blocked.reason,
			outcome: auditlog.OutcomeRejected, rules: blocked.rules}
	}
	if err != nil {
		return refuse(http.StatusBadRequest, apierror.TypeInvalidRequest, "invalid_body", auditlog.OutcomeBadRequest,
			err.Error())
	}
	ev.Rules = res.RuleIDs()
	switch res.Action {
	case sanitizer.ActionReject:
		return &rejection{status: http.StatusBadRequest, errType: apierror.TypeInvalidRequest, code: "prompt_injection_detected",
			message: "the request was rejected because it looks like a prompt injection (rules: " + strings.Join(ev.Rules, ", ") + ")",
			outcome: auditlog.OutcomeRejected, rules: ev.Rules}
	case sanitizer.ActionStrip:
		ev.Outcome = auditlog.OutcomeStripped
	case sanitizer.ActionFlag:
		ev.Outcome = auditlog.OutcomeFlagged
	}
	r.Body = io.NopCloser(bytes.NewReader(out))
	r.ContentLength = int64(len(out))
	r.Header.Set("Content-Length", strconv.Itoa(len(out)))
	r.Header.Del("Transfer-Encoding")
	r.TransferEncoding = nil
	return nil
}

// jsonContentType reports whether v is application/json in UTF-8: no
// charset, or utf-8. The body must be UTF-8 (the sanitizer checks that);
// a charset that says otherwise would have another reader decode other text.
// The common spellings skip the MIME parser.
func jsonContentType(v string) bool {
	switch v {
	case "application/json", "application/json; charset=utf-8", "application/json;charset=utf-8", "application/json; charset=UTF-8":
		return true
	}
	mt, params, err := mime.ParseMediaType(v)
	if err != nil || mt != "application/json" {
		return false
	}
	cs, ok := params["charset"]
	return !ok || strings.EqualFold(cs, "utf-8") || strings.EqualFold(cs, "utf8")
}

func tooLarge(max int64) *rejection {
	return refuse(http.StatusRequestEntityTooLarge, apierror.TypeInvalidRequest, "request_too_large", auditlog.OutcomeTooLarge,
		fmt.Sprintf("the request body is larger than the guard's max_body of %d bytes", max))
}
