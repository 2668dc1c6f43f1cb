// Package apierror writes the deliberate refusals of the stack's Caddy
// handlers in the error shape of OpenAI's API, {"error":{"message","type",
// "code"}}, which OpenClaw's own clients and the official SDKs surface as
// typed errors (BadRequestError, AuthenticationError, ...).
//
// These replies are written directly and completely: they do not pass
// through Caddy's handle_errors routes, because the shape is part of the API
// contract the client relies on.
package apierror

import (
	"bytes"
	"encoding/json"
	"net/http"
	"strconv"
)

// OpenAI error types, by the status they go with.
const (
	TypeInvalidRequest = "invalid_request_error" // 400, 404, 405, 413, 415
	TypeAuthentication = "authentication_error"  // 401
	TypePermission     = "permission_error"      // 403
	TypeRateLimit      = "rate_limit_error"      // 429
	TypeAPI            = "api_error"             // 5xx
)

// Write sends one error reply with status, never cached.
func Write(w http.ResponseWriter, status int, errType, code, message string) {
	body := Body(errType, code, message)
	h := w.Header()
	h.Set("Content-Type", "application/json")
	h.Set("Content-Length", strconv.Itoa(len(body)))
	h.Set("Cache-Control", "no-store")
	w.WriteHeader(status)
	w.Write(body)
}

type errorDetail struct {
	Message string `json:"message"`
	Type    string `json:"type"`
	Code    string `json:"code"`
}

// Body is the JSON of one error, newline-terminated.
func Body(errType, code, message string) []byte {
	var buf bytes.Buffer
	enc := json.NewEncoder(&buf)
	enc.SetEscapeHTML(false)
	enc.Encode(struct {
		Error errorDetail `json:"error"`
	}{errorDetail{message, errType, code}})
	return buf.Bytes()
}
