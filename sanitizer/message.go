package sanitizer

import "strings"

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
// turn) is content, and is judged by CheckContent.
//
// Result.Action is ActionReject when the message is an injection (a strip
// rule's match, a chat-template token, rejects too: a message cannot be
// forwarded in part by a caller that replaces it whole), ActionFlag for
// evidence too weak to act on, ActionNone otherwise. Matches carry the rule
// ids of Check (ModelRuleID for the model) and spans in text; Score is the
// model's score.
func (s *Sanitizer) CheckMessage(text string) Result {
	if strings.Contains(text, externalStart) {
		return s.CheckContent(text)
	}
	var r Result
	ms, score := s.scanAs("user", text, scanPrompt)
	for i := range ms {
		if ms[i].Action == ActionStrip {
			ms[i].Action = ActionReject
		}
	}
	r.add(ms...)
	r.Score = score
	return r
}
