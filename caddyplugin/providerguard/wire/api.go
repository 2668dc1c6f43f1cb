package wire

import (
	"bytes"
	"fmt"
	"strings"

	"github.com/go-json-experiment/json/jsontext"
)

// API is a model provider's wire shape, named as OpenClaw's
// models.providers.<id>.api names it.
type API string

const (
	Completions API = "openai-completions" // POST {base}/chat/completions
	Responses   API = "openai-responses"   // POST {base}/responses
	Anthropic   API = "anthropic-messages" // POST {base}/v1/messages
)

// APIs lists the shapes the guard understands.
var APIs = []API{Completions, Responses, Anthropic}

// ParseAPI checks an api name.
func ParseAPI(s string) (API, error) {
	for _, a := range APIs {
		if string(a) == s {
			return a, nil
		}
	}
	return "", fmt.Errorf("api %q: want openai-completions, openai-responses or anthropic-messages", s)
}

// Endpoint is the last path element(s) of the API's generation endpoint:
// OpenClaw appends it to the provider's base URL.
func (a API) Endpoint() string {
	switch a {
	case Completions:
		return "/chat/completions"
	case Responses:
		return "/responses"
	case Anthropic:
		return "/messages"
	}
	return ""
}

// Matches reports whether a request path is the API's generation endpoint
// (any base path, optional trailing slash).
func (a API) Matches(path string) bool {
	return a.Endpoint() != "" && strings.HasSuffix(strings.TrimSuffix(path, "/"), a.Endpoint())
}

// IsModelListing reports whether a request path is the API's model listing,
// `{base}/models` or `{base}/models/{id}`: OpenAI's and Anthropic's APIs
// both serve it, and clients call it to discover or check models. (The
// handler also refuses escapes and dot segments, which the provider would
// resolve to another of its GET endpoints.)
func (a API) IsModelListing(path string) bool {
	if a.Endpoint() == "" {
		return false
	}
	segs := strings.Split(strings.TrimSuffix(path, "/"), "/")
	n := len(segs)
	return segs[n-1] == "models" || n > 2 && segs[n-2] == "models"
}

// Error types, by API. OpenAI's types double as Anthropic's where the two
// agree (invalid_request_error, authentication_error, permission_error,
// api_error).
const (
	ErrInvalidRequest = "invalid_request_error"
	ErrAuthentication = "authentication_error"
	ErrPermission     = "permission_error"
	ErrNotFound       = "not_found_error"
	ErrAPI            = "api_error"
)

// ErrorBody is a refusal in the API's own error shape: OpenAI's
// {"error":{"message","type","code"}} or Anthropic's
// {"type":"error","error":{"type","message"}}. The clients OpenClaw uses
// surface either as a typed provider error.
func ErrorBody(api API, errType, code, message string) []byte {
	var b bytes.Buffer
	if api == Anthropic {
		b.WriteString(`{"type":"error","error":{"type":`)
		b.Write(quote(errType))
		b.WriteString(`,"message":`)
		b.Write(quote(message))
		b.WriteString("}}\n")
		return b.Bytes()
	}
	b.WriteString(`{"error":{"message":`)
	b.Write(quote(message))
	b.WriteString(`,"type":`)
	b.Write(quote(errType))
	b.WriteString(`,"code":`)
	b.Write(quote(code))
	b.WriteString("}}\n")
	return b.Bytes()
}

// quote is the JSON string for s (invalid UTF-8 becomes U+FFFD, the only
// thing AppendQuote refuses).
func quote(s string) []byte {
	b, _ := jsontext.AppendQuote(nil, strings.ToValidUTF8(s, "\uFFFD"))
	return b
}
