// Package sanitizer detects prompt injection in text and rewrites OpenAI-style
// request bodies before they reach the OpenClaw gateway.
//
// A Sanitizer applies rules (Go RE2 regular expressions in the original secure
// stack's JSON format, see Rule) to every text-bearing field of a body. Each
// rule has an action: "reject" refuses the request, "strip" removes the
// matched span and forwards the rest, "flag" only records the match.
//
//	s, err := sanitizer.New(sanitizer.Config{}) // the embedded default rules
//	if err != nil { ... }
//	out, res, err := s.SanitizeChat(body)
//	var be *sanitizer.BodyError
//	switch {
//	case errors.As(err, &be):
//		// 400: the body cannot be inspected; be.Error() is safe to show the client
//	case res.Action == sanitizer.ActionReject:
//		// 400 prompt_injection_detected; log res.RuleIDs()
//	default:
//		// forward out (a rewritten body when res.Action == ActionStrip)
//	}
//
// Bodies are parsed strictly and refused when they are not one JSON object,
// not valid UTF-8, carry a duplicate key or a lone surrogate escape at any
// depth, nest deeper than Config.MaxDepth, or have a text-bearing field of the
// wrong type: the guard must judge the same document the gateway parses.
// Stripping re-encodes only the edited strings; every other byte of the body,
// unknown fields included, is kept as sent.
package sanitizer
