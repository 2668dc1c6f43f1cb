// Package sanitizer detects prompt injection in text and rewrites OpenAI-style
// request bodies before they reach the OpenClaw gateway.
//
//	s, err := sanitizer.New(sanitizer.Config{}) // the embedded rules and model
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
// # How a text is judged
//
// Every text-bearing field is normalised first (see internal/textnorm):
// compatibility-folded without accents; invisible, punctuation and symbol
// characters between words turned into word breaks by Unicode category
// (joiners excepted), and three or more words glued with one ASCII mark
// split; letter-like characters folded to their letters with tables
// generated from Unicode's confusables data; Unicode tag characters decoded
// in place; case folded, white space collapsed. Two detectors read the
// result:
//
//   - Rules (see Rule), Go RE2 regular expressions with an action each:
//     "reject" refuses the request, "strip" removes the matched span and
//     forwards the rest, "flag" records the match and is evidence for the
//     model. One Aho-Corasick pass finds the literals every pattern needs,
//     and a pattern is tried only where one of its possible beginnings is
//     followed, close enough, by all of the strings it must contain;
//     ordinary prose almost never gets that far, so rules cost next to
//     nothing per byte. A reject or strip match that is nothing but a
//     quotation (what does "ignore previous instructions" mean?), that lies
//     in a quotation the words around it ask about (someone typed '…': is
//     it an attack?), that follows a negation ("never reveal the system
//     prompt"), or that is a request its sentence reports and refuses ("if
//     someone asks you to ignore your rules, refuse"; not when an order to
//     comply follows), mentions an attack rather than making one: it is reported
//     as a flag, and the model judges the text (a prompt with such a
//     quotation blanked: AskedQuotations).
//   - A scoring model (ModelRuleID), a logistic regression over hashed words
//     (letters of one script; every Chinese, Japanese, Korean or Thai
//     character a word, so that word pairs are character bigrams; leetspeak read as
//     letters), word pairs and word stems, plus the flag rules that
//     matched, scored over the whole text and over every window of 64 words
//     in O(n), so that a short injection inside a long document is not
//     averaged away. It scores every role; system text (system and
//     developer messages, instructions, tool definitions) is judged whole,
//     with a role feature and a threshold of its own (Config.SystemThreshold).
//     Tool definitions (RoleToolDefinition) are system text that four more
//     rules read: poisoned descriptions in plain words (tooldef.*). A
//     definition is judged as one text (ToolDefinition: its strings and
//     parameter names, a line each), with a threshold of its own
//     (Config.ToolThreshold), so an order split over its strings is read
//     whole.
//
// Checking stops at the first proof that a text must be refused, a reject
// match, so a refused text reports that match (and those before it) and no
// model score.
//
// Encoded payloads are decoded and judged like any other text: base64
// (standard and URL-safe, at least 24 characters, or in groups separated by
// white space), hex (at least 32 digits, or bytes with separators),
// percent-encoding, quoted-printable, HTML character references, code
// points written as escapes (\u0069, \u{69}), 8-bit binary groups, rot13 and reversed text (found through the rot13
// and reversed forms of the rule literals), Morse code in a text that speaks
// of decoding or says nothing else, and the stretches around invisible characters read with them
// dropped. Words glued together ("ignoreallprevious") are split at the rules'
// words and read by the rules ("encoded.glued/<rule id>"); glued words that
// segment into a sentence of common words ("StopWhatYouAreDoing...",
// "fromnowonyouaredan...") are also read with the words spaced apart, in
// their line, by the rules and the model ("encoded.unglued/..."). A hit in decoded text is
// reported as "encoded.<encoding>/<rule id>" and spans the whole encoded
// stretch. Decoding goes two levels deep; bytes that do not decode to text
// (an image, a key, a hash) are not scanned.
//
// # Content the agent reads
//
// CheckContent judges a tool result, a fetched page, an email or a channel
// message with a model trained on content, a line or a sentence at a time,
// through JSON (inside JSON) and OpenClaw's untrusted-content wrapper; a
// line of fewer than three words is read by the rules only. CheckMessage
// judges a lone user or channel message as a prompt. See docs/SANITIZER.md.
//
// # Limits
//
// The work spent on one text is bounded: the regexp engine reads at most
// 48 KiB plus 1/64 of the text's length, and at most 1 MiB is decoded. A
// text that needs more is a flood of near-matches, which is how a real match
// would be hidden from a matcher that gives up early, so it is refused with
// the reject match LimitsRuleID rather than passed partly read. Long texts
// are matched 64 KiB at a time and decoded text is scanned in 64 KiB
// batches, so a flood is refused after about its budget's worth of work,
// whatever its length.
//
// # Bodies
//
// Bodies are parsed strictly and refused when they are not one JSON object,
// not valid UTF-8, carry a duplicate key or a lone surrogate escape at any
// depth, nest deeper than Config.MaxDepth, or have a text-bearing field of the
// wrong type: the guard must judge the same document the gateway parses.
// Stripping re-encodes only the edited strings; every other byte of the body,
// unknown fields included, is kept as sent.
package sanitizer
