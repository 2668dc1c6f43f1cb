package sanitizer

import (
	"unicode"
	"unicode/utf8"
)

// Verbs that are also nouns. extraction.system-prompt's pattern begins with
// a verb and reads up to four words on to "the system prompt", and many of
// its verbs are nouns too: "the tool list in the system prompt", "the
// skills list injected into the system prompt", "a spoken-output contract
// to the system prompt" (OpenClaw's docs, and users asking about them:
// "How big is the tool list in the system prompt?"). Such a word is read as
// the request's verb only where a verb stands: at the start of a sentence
// or clause, after punctuation, or after a word that leads a verb (to,
// please, you, must, and, then, ...). A verb that is never a noun (reveal,
// repeat, disclose, ...) matches wherever it stands, and the model judges
// every text whatever the rules say.

// nounFirstRules are the rules whose matches begin with such a verb.
var nounFirstRules = map[string]bool{"extraction.system-prompt": true}

// nounVerbs are the verbs of those rules that are nouns as often.
var nounVerbs = map[string]bool{
	"list": true, "output": true, "display": true, "copy": true, "state": true, "type": true,
	"return": true, "quote": true, "dump": true, "paste": true, "echo": true, "show": true,
	"print": true, "share": true, "leak": true, "read": true, "spell": true,
}

// verbLeads are words after which a word is a verb: an order's opening
// ("please", "now", "then"), an infinitive's "to", a subject ("you", "I"),
// a modal, a conjunction, a name the assistant is called by.
var verbLeads = map[string]bool{
	"please": true, "pls": true, "plz": true, "kindly": true, "now": true, "just": true, "also": true,
	"then": true, "and": true, "or": true, "but": true, "so": true, "to": true, "you": true, "i": true,
	"we": true, "must": true, "should": true, "will": true, "can": true, "could": true, "would": true,
	"shall": true, "may": true, "might": true, "simply": true, "immediately": true, "first": true,
	"next": true, "finally": true, "always": true, "never": true, "not": true, "instead": true,
	"gonna": true, "wanna": true, "lets": true, "let's": true, "ok": true, "okay": true, "hey": true,
	"ai": true, "assistant": true, "bot": true, "chatbot": true, "model": true, "agent": true,
	"gpt": true, "chatgpt": true, "claude": true, "llm": true, "do": true, "don't": true, "quickly": true,
}

// objectStarts are words that begin a verb's object ("list the", "dump
// your", "print me", "copy everything"): after a verb, not after a noun
// ("the tool list in", "a copy of", "the skills list injected").
var objectStarts = map[string]bool{
	"the": true, "a": true, "an": true, "your": true, "my": true, "our": true, "their": true, "its": true,
	"this": true, "that": true, "these": true, "those": true, "me": true, "us": true, "him": true, "her": true,
	"them": true, "it": true, "all": true, "everything": true, "every": true, "each": true, "any": true,
	"out": true, "back": true, "verbatim": true, "exactly": true, "word": true, "full": true, "entire": true,
	"complete": true, "whole": true, "hidden": true, "secret": true, "initial": true, "original": true,
	"internal": true, "system": true, "developer": true, "what": true, "whatever": true, "which": true,
	"ai's": true, "bot's": true, "assistant's": true, "model's": true,
}

// nounUse reports whether the word at text[start:] is one of nounVerbs
// standing where a noun stands: after another word that does not lead a
// verb, or after a hyphen ("spoken-output"), and not followed by what
// begins an object ("yo list the system prompt" is an order whoever "yo"
// is). text is normalised (lower case).
func nounUse(text []byte, start int) bool {
	end := start
	for end < len(text) && isWordByte(text[end]) {
		end++
	}
	if !nounVerbs[string(text[start:end])] {
		return false
	}
	next := end
	for next < len(text) && (text[next] == ' ' || text[next] == '*' || text[next] == '_') {
		next++
	}
	k := next
	for k < len(text) && (isWordByte(text[k]) || text[k] == '\'') {
		k++
	}
	if objectStarts[string(text[next:k])] {
		return false
	}
	i := start
	for i > 0 && (text[i-1] == ' ' || text[i-1] == '*' || text[i-1] == '_') {
		i--
	}
	if i == 0 {
		return false
	}
	if text[i-1] == '-' {
		return i == start // "spoken-output"; "- print" is a bullet
	}
	r, _ := utf8.DecodeLastRune(text[:i])
	if !unicode.IsLetter(r) && !unicode.IsDigit(r) && r != '\'' {
		return false // punctuation, a quotation mark, a line break: a verb may stand here
	}
	j := i
	for j > 0 {
		r, size := utf8.DecodeLastRune(text[:j])
		if !unicode.IsLetter(r) && !unicode.IsDigit(r) && r != '\'' {
			break
		}
		j -= size
	}
	return !verbLeads[string(text[j:i])]
}
