package toolpolicy

import (
	"regexp"
	"strings"
)

// toolAliases are OpenClaw's TOOL_NAME_ALIASES (tool-policy-shared).
var toolAliases = map[string]string{"bash": "exec", "apply-patch": "apply_patch", "cron": "automations"}

// normalizeName is OpenClaw's normalizeToolPolicyName: lower case, then an
// alias.
func normalizeName(s string) string {
	s = strings.ToLower(strings.TrimSpace(s))
	if a, ok := toolAliases[s]; ok {
		return a
	}
	return s
}

// CanonicalName is the tool OpenClaw runs for a call the model named name
// (with id), as its embedded runner resolves it (resolveToolCallName, in
// wrapStreamFnTrimToolCallNames) among the tools the policy knows: exact,
// then trimmed, case-folded and aliased; the name read as a call id; the
// part before a quote or a bracket, dots for slashes, and the name's last
// dotted segments. An empty name is inferred from the id. A name that
// resolves to no tool the policy knows is returned trimmed.
func (j *Judge) CanonicalName(name, id string) string {
	t := strings.TrimSpace(name)
	if t == "" {
		if n := j.fromID(id); n != "" {
			return n
		}
		return name
	}
	if n := j.exactName(t); n != "" {
		return n
	}
	if n := j.fromID(t); n != "" {
		return n
	}
	if malformedCounter.MatchString(strings.ReplaceAll(t, "/", ".")) && toolPrefix.MatchString(strings.ReplaceAll(t, "/", ".")) {
		return t
	}
	if n := j.structuredName(t); n != "" {
		return n
	}
	return t
}

func (j *Judge) known(n string) bool {
	_, ok := j.p.Tools[n]
	return ok || j.names[n]
}

// caseFold finds a known name equal to n but for case.
func (j *Judge) caseFold(n string) string {
	if n == "" {
		return ""
	}
	for k := range j.p.Tools {
		if strings.EqualFold(k, n) {
			return k
		}
	}
	for k := range j.names {
		if strings.EqualFold(k, n) {
			return k
		}
	}
	return ""
}

func (j *Judge) exactName(t string) string {
	if a, ok := toolAliases[strings.ToLower(t)]; ok && !j.names[t] {
		// OpenClaw has no tool by the alias's name (the default policy's
		// bash entry is exec's): the alias is the tool.
		return a
	}
	if j.known(t) {
		return t
	}
	n := normalizeName(t)
	if j.known(n) {
		return n
	}
	if k := j.caseFold(t); k != "" {
		return k
	}
	return j.caseFold(n)
}

var (
	toolPrefix       = regexp.MustCompile(`(?i)^(?:functions?|tools?)[._-]?`)
	malformedCounter = regexp.MustCompile(`(?:[:._-]\d+|\d+)$`)
	trailingCounter  = regexp.MustCompile(`[:._/-]\d+$`)
	trailingCounter2 = regexp.MustCompile(`[:._-]\d+$`)
	trailingDigits   = regexp.MustCompile(`\d+$`)
	idPrefixes       = []*regexp.Regexp{regexp.MustCompile(`(?i)^functions?[._-]?`), regexp.MustCompile(`(?i)^tools?[._-]?`)}
)

// coreTools are OpenClaw 2026.9.6's own tool ids (tool-catalog), which a
// model's name is resolved among with the policy's.
var coreTools = []string{"agents_list", "agents_wait", "apply_patch", "ask_user", "automations", "browser", "canvas",
	"code_execution", "computer", "conversations_list", "conversations_send", "conversations_turn", "create_goal",
	"dashboard", "dismiss_task", "edit", "exec", "gateway", "get_goal", "github_identity_status", "github_publish",
	"heartbeat_respond", "image_generate", "ls", "memory_get", "memory_search", "message", "music_generate", "nodes",
	"pdf", "process", "progress_card", "read", "session_status", "sessions_history", "sessions_list", "sessions_search",
	"sessions_send", "sessions_spawn", "sessions_yield", "show_widget", "skill_workshop", "subagents", "suggest_task",
	"terminal", "tool_call", "tts", "update_goal", "video_generate", "view_image", "web_fetch", "web_search", "write", "x_search"}

// structuredCandidates is OpenClaw's buildStructuredToolNameCandidates.
func structuredCandidates(raw string) []string {
	t := strings.TrimSpace(raw)
	if t == "" {
		return nil
	}
	var out []string
	seen := map[string]bool{}
	add := func(v string) {
		v = strings.TrimSpace(v)
		if v != "" && !seen[v] {
			seen[v] = true
			out = append(out, v)
		}
	}
	add(t)
	add(normalizeName(t))
	seeds := []string{t}
	cut := -1
	for _, sep := range []string{`"`, `'`, "<"} {
		if i := strings.Index(t, sep); i > 0 && (cut < 0 || i < cut) {
			cut = i
		}
	}
	if cut > 0 {
		add(t[:cut])
		add(normalizeName(t[:cut]))
		seeds = append(seeds, t[:cut])
	}
	for _, s := range seeds {
		d := strings.ReplaceAll(s, "/", ".")
		add(d)
		add(normalizeName(d))
		var segs []string
		for _, g := range strings.Split(d, ".") {
			if g = strings.TrimSpace(g); g != "" {
				segs = append(segs, g)
			}
		}
		for i := 1; i < len(segs); i++ {
			suffix := strings.Join(segs[i:], ".")
			add(suffix)
			add(normalizeName(suffix))
		}
	}
	return out
}

func (j *Judge) structuredName(raw string) string {
	cands := structuredCandidates(raw)
	for _, c := range cands {
		if j.known(c) {
			return c
		}
	}
	for _, c := range cands {
		if k := j.caseFold(c); k != "" {
			return k
		}
	}
	return ""
}

// fromID is OpenClaw's inferToolNameFromToolCallId: the tool a call id
// names (functions.exec:0, exec_3), when it names exactly one.
func (j *Judge) fromID(id string) string {
	id = strings.TrimSpace(id)
	if id == "" {
		return ""
	}
	var tokens []string
	addToken := func(v string) {
		v = strings.TrimSpace(v)
		if v == "" {
			return
		}
		d := strings.ReplaceAll(v, "/", ".")
		tokens = append(tokens, v, trailingCounter.ReplaceAllString(v, ""), trailingDigits.ReplaceAllString(v, ""),
			d, trailingCounter2.ReplaceAllString(d, ""), trailingDigits.ReplaceAllString(d, ""))
		for _, p := range idPrefixes {
			if s := p.ReplaceAllString(d, ""); s != d {
				tokens = append(tokens, s, trailingCounter2.ReplaceAllString(s, ""), trailingDigits.ReplaceAllString(s, ""))
			}
		}
	}
	pre, _, _ := strings.Cut(id, ":")
	addToken(id)
	addToken(pre)
	match := ""
	for _, tok := range tokens {
		if strings.TrimSpace(tok) == "" {
			continue
		}
		m := j.structuredName(tok)
		if m == "" {
			continue
		}
		if match != "" && match != m {
			return ""
		}
		match = m
	}
	return match
}
