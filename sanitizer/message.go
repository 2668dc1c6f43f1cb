package sanitizer

import (
	"regexp"
	"strings"
)

// CheckMessage judges one chat message that the agent did not write but
// that is not content either: a user turn, which may have come from a
// channel (Telegram, mail, a group chat) rather than from the operator. It
// is read as a prompt is: the rules for role "user" and the prompt model
// at the message threshold (Config.Threshold), the detector trained on
// chat prompts. The indirect-injection model of CheckContent is the wrong
// judge here: it is tuned to tell an instruction aimed at the assistant
// from the imperatives of emails and pages, and in a chat message every
// sentence is aimed at the assistant.
//
// A message that carries OpenClaw's <<<EXTERNAL_UNTRUSTED_CONTENT …>>>
// wrapper (an email or a webhook payload handed to the agent as a user
// turn) is content, and is judged by CheckContent. A message that begins
// with OpenClaw's channel envelope ("[Telegram Alice +2m Sun 2026-12-06
// 11:02 UTC] …") is judged whole and, when that finds nothing to refuse,
// without the envelope too: its words (channel, sender, weekday, time
// zone) dilute a short message's score. The envelope's timestamp, which
// OpenClaw writes before every user turn it sends a model ("[Mon 2026-12-07
// 17:44 UTC] Hello"), is left out of the whole: its weekday and numbers
// are OpenClaw's, say nothing of the message, and moved a short greeting's
// score by 0.5 from one minute to the next. The sender, channel and host,
// which a sender may choose, stay in; an envelope that is only a stamp
// leaves the body, judged once.
//
// Result.Action is ActionReject when the message is an injection (a strip
// rule's match, a chat-template token, rejects too: a message cannot be
// forwarded in part by a caller that replaces it whole), ActionFlag for
// evidence too weak to act on, ActionNone otherwise. Matches carry the rule
// ids of Check (ModelRuleID for the model) and spans in text; Score is the
// highest model score.
func (s *Sanitizer) CheckMessage(text string) Result {
	if strings.Contains(text, externalStart) {
		return s.CheckContent(text)
	}
	h := envelopeEnd(text)
	a, b := envelopeStamp(text, h)
	if a == 1 && b == h-2 {
		// The envelope is only a stamp: the body is the message.
		return s.checkMessage(text[h:], h)
	}
	var r Result
	if b > a {
		r = s.checkMessage(text[:a]+text[b:], 0)
		for i := range r.Matches {
			m := &r.Matches[i]
			if m.Start >= a {
				m.Start += b - a
			}
			if m.End > a {
				m.End += b - a
			}
		}
	} else {
		r = s.checkMessage(text, 0)
	}
	if h > 0 && r.Action != ActionReject {
		body := s.checkMessage(text[h:], h)
		r.add(body.Matches...)
		r.Score = max(r.Score, body.Score)
	}
	return r
}

// checkMessage judges text as a user message, with spans shifted by at.
func (s *Sanitizer) checkMessage(text string, at int) Result {
	var r Result
	ms, score := s.scanAs("user", text, scanPrompt)
	for i := range ms {
		if ms[i].Action == ActionStrip {
			ms[i].Action = ActionReject
		}
		ms[i].Start += at
		ms[i].End += at
	}
	r.add(ms...)
	r.Score = score
	return r
}

// maxEnvelope is the longest channel envelope CheckMessage looks for.
const maxEnvelope = 256

// envelopeEnd returns where the message after OpenClaw's channel envelope
// begins, or 0: the envelope is "[" then the channel, sender, elapsed time
// and timestamp, with no bracket or line break of their own (OpenClaw
// removes them from the header's parts), then "] ".
func envelopeEnd(text string) int {
	if !strings.HasPrefix(text, "[") {
		return 0
	}
	head := text[1:min(len(text), maxEnvelope)]
	i := strings.IndexAny(head, "[]\n")
	if i <= 0 || head[i] != ']' || !strings.HasPrefix(head[i:], "] ") {
		return 0
	}
	if len(text) == i+3 {
		return 0 // nothing after it
	}
	return i + 3
}

// stampAtEnd is the timestamp OpenClaw writes last in an envelope
// (formatZonedTimestamp, formatUtcTimestamp): an optional short weekday,
// the date, the time with optional seconds, an optional zone name as
// Intl's en-US short names are written ("UTC", "GMT+5:30", "PST"), after
// the opening bracket or a space. The zone is held to those forms because
// the parts before the stamp are the sender's to choose: a free word after
// a date in a display name is not left out.
var stampAtEnd = regexp.MustCompile(`(?:^| )(?:[A-Z][a-z]{2} )?[0-9]{4}-[0-9]{2}-[0-9]{2}[ T][0-9]{2}:[0-9]{2}(?::[0-9]{2})?(?: (?:GMT[+-][0-9]{1,2}(?::[0-9]{2})?|[A-Z]{2,5}))?$`)

// envelopeStamp returns the bytes text[a:b] of the timestamp that ends the
// envelope ending at h (envelopeEnd), with the space before it, or a == b
// when there is none.
func envelopeStamp(text string, h int) (a, b int) {
	if h < 3 {
		return 0, 0
	}
	head := text[1 : h-2]
	loc := stampAtEnd.FindStringIndex(head)
	if loc == nil {
		return 0, 0
	}
	return 1 + loc[0], 1 + loc[1]
}
