package model

import "bytes"

// Fake end-of-content markers. An injection often claims that the content
// has ended and that what follows comes from someone else: "[END OF
// CUSTOMER MESSAGE]" then "[SYSTEM] Priority override: ...", "--- end of
// document ---" then "New instructions from the user: ...", "</tool_output>"
// then "<system>...". Honest content has such lines too: "[END OF
// TRANSCRIPT]" before a survey link, "-----End of Original Message-----"
// before the reply, "--- end of document ---" before an appendix. So the
// marker itself is not evidence (it scored as one, learnt from the attacks
// that hold one: an honest "-----End of message-----" scored 0.54), and the
// units after it carry the fact that they follow one (AfterMarkerEvidence),
// which the model weighs with their words.

// EndMarker tells a unit of normalised text that only says that the
// content, or a part of it, ends: a few words, "end" or "ends" among them,
// all of them from the vocabulary of such markers ("end of the customer
// message", "tool output ends here", "end of search results", "-----end
// pgp signature-----", "### end of file ###"), or a lone closing tag of
// content ("</tool_output>", "</document>", "</search_results>").
func EndMarker(unit []byte) bool {
	t := bytes.TrimSpace(unit)
	if len(t) == 0 || len(t) > 64 {
		return false
	}
	if t[0] == '<' && len(t) > 3 && t[1] == '/' && t[len(t)-1] == '>' {
		name := t[2 : len(t)-1]
		for _, c := range name {
			if !('a' <= c && c <= 'z' || c == '_' || c == '-' || c == ':' || '0' <= c && c <= '9') {
				return false
			}
		}
		for _, w := range markerTags {
			if bytes.Contains(name, []byte(w)) {
				return true
			}
		}
		return false
	}
	words, end := 0, false
	for i := 0; i < len(t); {
		c := t[i]
		if !('a' <= c && c <= 'z') {
			if '0' <= c && c <= '9' || c >= 0x80 {
				return false
			}
			i++
			continue
		}
		j := i
		for j < len(t) && 'a' <= t[j] && t[j] <= 'z' {
			j++
		}
		w := string(t[i:j])
		switch {
		case w == "end" || w == "ends" || w == "ended" || w == "eof":
			end = true
		case !markerWords[w]:
			return false
		}
		if words++; words > 7 {
			return false
		}
		i = j
	}
	return end && words >= 2
}

// markerWords are the other words an end-of-content marker is made of.
var markerWords = map[string]bool{
	"of": true, "the": true, "here": true, "this": true, "original": true, "forwarded": true, "customer": true,
	"user": true, "users": true, "tool": true, "tools": true, "search": true, "web": true, "page": true, "pdf": true,
	"document": true, "documents": true, "message": true, "messages": true, "email": true, "mail": true,
	"transcript": true, "content": true, "contents": true, "output": true, "outputs": true, "result": true,
	"results": true, "file": true, "data": true, "input": true, "text": true, "context": true, "conversation": true,
	"chat": true, "thread": true, "log": true, "logs": true, "report": true, "ticket": true, "section": true,
	"excerpt": true, "snippet": true, "quote": true, "attachment": true, "response": true, "retrieved": true,
	"external": true, "untrusted": true, "pgp": true, "signature": true, "signed": true, "public": true,
	"key": true, "block": true, "body": true, "article": true, "post": true, "comment": true, "comments": true,
	"review": true, "reviews": true, "feed": true, "record": true, "records": true, "entry": true, "function": true,
	"call": true, "system": true, "prompt": true, "instructions": true, "email's": true, "now": true, "automated": true, "has": true,
	"is": true, "here's": true, "webpage": true, "site": true, "inbox": true, "issue": true, "description": true,
}

// markerTags are the words a closing tag of content holds.
var markerTags = []string{"output", "result", "document", "content", "context", "data", "input", "message", "email", "tool", "function", "untrusted", "external", "search", "page", "file"}

// AfterMarker is how many units with words after an EndMarker carry
// AfterMarkerEvidence: what an injection puts after its marker comes at
// once.
const AfterMarker = 4

var afterMarkerBucket = RuleEvidence("context:after-end-marker")
