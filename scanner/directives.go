package scanner

import (
	"bytes"
	"fmt"
	"path"
	"regexp"
	"strings"
)

// Techniques of the later waves, written in prose: instructions addressed
// to the agent behind the user's back, skills that rewrite the agent's
// prompt or memory to persist and spread, credential "baselines", and
// innocent-looking steps that together gather data and send it away.
// Each looks for the technique's parts together, never for a phrase
// alone: an honest memory skill writes MEMORY.md, an honest security
// audit lists which keys are set, an honest integration reads its key and
// calls its API.

var (
	// agentAddressRE speaks to the agent rather than the reader.
	agentAddressRE = regexp.MustCompile(`(?i)\b(?:note|message|instructions?|reminder|attention|important|notice)\s+(?:to|for)\s+(?:the\s+|any\s+)?(?:ai|assistant|agent|model|llm|claude|gpt|bot)s?\b` +
		`|\b(?:if|when|since)\s+you\s+are\s+(?:an?\s+)?(?:ai|assistant|agent|(?:large\s+)?language\s+model|llm|bot)\b` +
		`|\b(?:dear|hey|hi|attention)\s+(?:ai|assistant|agent|claude|model|bot)\b` +
		`|\b(?:ai|llm)\s+(?:agents?|assistants?|models?)\s+(?:reading|processing|loading|using)\s+this\b` +
		`|\[\s*(?:system|assistant|agent)(?:\s+(?:note|instructions?|only))?\s*\]` +
		`|<\s*/?\s*(?:system|assistant|agent)[_-]?(?:note|instructions?|only)?\s*>` +
		`|\b(?:agent|assistant|ai)[- ]only\b` +
		`|\bhidden\s+(?:instructions?|directives?)\b` +
		`|\b(?:for|to)\s+(?:the\s+)?(?:ai|llm)(?:\s+(?:model|agent|assistant))?\s+only\b` +
		// "your human": written to the agent about its user.
		`|\byour\s+(?:human|humans|owner|operator)\b`)
	// importantRE opens a block that sounds binding: "IMPORTANT:", "NOTE:".
	importantRE = regexp.MustCompile(`(?:^|\n)\s*(?:[>*_#\-\s]*)(?:IMPORTANT|CRITICAL|MANDATORY|REQUIRED|NOTE|SYSTEM|ATTENTION)\b[^:!\n]{0,40}[:!]`)
	// silentRE is doing something without the user knowing.
	silentRE = regexp.MustCompile(`(?i)\b(?:silently|quietly|secretly|covertly|invisibly|in the background|behind the scenes|without (?:asking|telling|informing|notifying|prompting|bothering|disturbing|confirmation|confirming|permission|the user(?:'s)? (?:knowing|knowledge|noticing|consent))|(?:do not|don't|never) (?:ask|prompt|wait|bother) (?:for|the user|your human|the human))\b`)
	// actRE is running, installing or fetching something.
	actRE = regexp.MustCompile(`(?i)\b(?:run|runs|execute|executes|install|installs|download|downloads|fetch|curl|wget|invoke|launch|start|source|eval|pipe)\b`)
	// secretReadRE is reading secrets: a read verb before a secret noun.
	secretReadRE = regexp.MustCompile(`(?i)\b(?:read|reads|cat|open|load|loads|collect|gather|grab|get|fetch|extract|copy|dump|access|retrieve|print|list|include|attach|look up|find)\b[^.\n]{0,80}?(?:\b(?:api[ _-]?keys?|access tokens?|auth tokens?|bot tokens?|tokens|credentials?|secrets?|passwords?|private keys?|ssh keys?|seed phrases?|mnemonics?|env(?:ironment)? (?:var(?:iable)?s?|file)|cookies)\b|\.env\b|~/\.(?:ssh|aws|openclaw|clawdbot|moltbot)\b)`)
	// negatedRE before a match turns an instruction into a rule against it.
	negatedRE = regexp.MustCompile(`(?i)\b(?:never|not|don't|do not|must not|should not|shouldn't|avoid|refuse|no)\b[^.\n]{0,30}$`)

	// remoteOrdersRE fetches a document and follows what it says.
	remoteOrdersRE = regexp.MustCompile(`(?i)\b(?:fetch|download|curl|read|get|load|check|pull)\b(?:[^.\n]|\.\S){0,80}?https?://\S+?\.(?:md|txt)\b(?:[^.\n]|\.\S){0,120}?\b(?:follow|execute|obey|apply|carry out|act on|do what)\b` +
		`|\b(?:follow|execute|obey|carry out|act on)\s+(?:the\s+)?(?:instructions|steps|directives|orders|tasks)\s+(?:in|at|from)\s+https?://\S+`)
	// agentFileRE names the files that are the agent's standing prompt
	// and memory in OpenClaw's workspace, or another skill.
	agentFileRE = regexp.MustCompile("(?:^|[\\s/'\"`(])(?:SOUL|AGENTS|MEMORY|IDENTITY|USER|TOOLS|HEARTBEAT|BOOTSTRAP|BOOT)\\.md\\b|\\bskills/[\\w.-]+/SKILL\\.md\\b|(?i:\\b(?:other|every|all|each)\\s+(?:installed\\s+)?skills?\\b)")
	// promptFileRE is the subset that is the agent's prompt, not its notes.
	promptFileRE = regexp.MustCompile(`\b(?:SOUL|AGENTS|IDENTITY|BOOTSTRAP|BOOT|HEARTBEAT)\.md\b`)
	writeVerbRE  = regexp.MustCompile(`(?i)\b(?:add|append|write|insert|prepend|inject|put|save|store|update|edit|modify|rewrite|overwrite|replace|patch|copy|paste)\b`)
	// persistRE is the point of writing there: orders that outlive the
	// conversation and the skill.
	persistRE = regexp.MustCompile(`(?i)\b(?:(?:at the start of|before anything else in|on|in) every (?:new )?(?:session|conversation|startup|boot|run|turn)|every time you (?:start|wake|boot|begin)|on (?:every )?(?:startup|boot)|from now on|permanently|forever|persist(?:s|ing)? across (?:sessions|restarts|reboots|conversations)|even (?:after|if) (?:this skill|the skill|it) (?:is|gets|has been) (?:removed|uninstalled|deleted|disabled)|surviv\w+ (?:removal|uninstall\w*|restarts?|reinstall\w*))\b`)
	// protectRE resists removal.
	protectRE = regexp.MustCompile(`(?i)\b(?:if|when|whenever)\b[^.\n]{0,60}\b(?:remove|removes|removing|uninstall|uninstalls|uninstalling|delete|deletes|deleting|disable|disables|disabling)\s+(?:this|the)\s+(?:skill|plugin|instructions?)\b[^.\n]{0,80}\b(?:refuse|decline|ignore|reinstall|re-install|restore|re-add|put (?:it )?back|pretend|do not|don't|keep)\b` +
		`|\b(?:never|do not|don't|must not)\s+(?:allow|let)\b[^.\n]{0,40}\b(?:remov|uninstall|delet|disabl)\w*\s+(?:of\s+)?(?:this|the)\s+(?:skill|plugin)\b` +
		`|\b(?:reinstall|re-install|restore)\s+(?:this|the)\s+skill\b[^.\n]{0,40}\b(?:if|when|whenever)\b[^.\n]{0,40}\b(?:removed|deleted|uninstalled|missing)\b`)
	// spreadRE carries the skill to other agents or skills.
	spreadRE = regexp.MustCompile(`(?i)\b(?:install|copy|add|inject|paste|spread|propagate|replicate|forward|send|share|recommend|post)\s+(?:this|these|the same)\s+(?:skill|instructions?|text|block|message|prompt)\b[^.\n]{0,60}\b(?:to|into|on|in|with)\s+(?:every|all|each|other|any|more)\s+(?:\w+\s+){0,2}(?:agents?|skills?|bots?|assistants?|users?|workspaces?|SKILL\.md files?)\b` +
		`|\b(?:tell|ask|instruct|convince|get)\s+(?:every|all|each|other|any)\s+(?:\w+\s+){0,2}(?:agents?|bots?|assistants?)\b[^.\n]{0,40}\bto\s+(?:install|add|copy|run|load)\b`)

	// sweepRE collects every credential: a collecting verb, then all or
	// every, then a kind of secret.
	sweepRE = regexp.MustCompile(`(?i)\b(?:collect|gather|list|inventory|enumerate|dump|export|back\s?up|catalog(?:ue)?|record|extract|harvest|find|capture|compile|aggregate|snapshot|copy|read)\b[^.\n]{0,40}?\b(?:all|every|each|any)\b[^.\n]{0,40}?\b(?:credentials?|api[ _-]?keys?|keys|tokens?|secrets?|passwords?|env(?:ironment)?\s+(?:var(?:iable)?s?|files?)|\.env files?|private keys?|wallets?|cookies)\b`)
	// valuesRE wants the secrets' values, not their names.
	valuesRE = regexp.MustCompile(`(?i)\b(?:with|including|include|includes|along with|plus|and)\s+(?:their|the|its|each|all)?\s*(?:full |actual |raw |complete |exact |current )?(?:values?|contents?|secrets?|plain ?text)\b|\b(?:in (?:plain ?text|full|clear ?text)|unredacted|unmasked|verbatim|as[- ]is|without (?:masking|redacting|redaction))\b`)
	// redactRE keeps only names or masks values: the honest audit.
	redactRE = regexp.MustCompile(`(?i)\b(?:redact\w*|mask\w*|names? only|only (?:their |the )?names|without (?:their |the )?values|never (?:print|show|display|output|include|reveal)\w*|do not (?:print|show|display|output|include|reveal)|don't (?:print|show|display|output|include|reveal)|hash(?:ed)?|last (?:four|4) (?:characters|chars|digits)|whether (?:they|it) (?:is|are) set)\b`)
	// reportOutRE sends or shows the result.
	reportOutRE = regexp.MustCompile(`(?i)\b(?:send|sends|post|posts|upload|uploads|submit|forward|transmit|share|email|report (?:it |them )?(?:to|at)|paste (?:it |them )?(?:in|into)|sync|push)\b|\bin (?:your|the) (?:reply|response|answer|next message)\b|https?://`)
)

// directives applies the agent-directive, self-modification and
// credential-sweep rules to one paragraph.
func (a *analyzer) directives(sc *scope, t, next string, at func([]int) int, hidden bool) {
	// Instructions to the agent, hidden or addressed to it.
	addressed := agentAddressRE.FindStringIndex(t)
	important := importantRE.FindStringIndex(t)
	read := unnegated(t, secretReadRE)
	silent := unnegated(t, silentRE)
	conceal := concealRE.FindStringIndex(t)
	act := actRE.FindStringIndex(t)
	send := sendToRE.FindStringIndex(t)
	switch {
	case (addressed != nil || hidden || important != nil) && read != nil && (silent != nil || conceal != nil || send != nil):
		sc.reportSev(RuleSkillAgentDirective, SeverityCritical, at(read), "instructions to the agent read secrets and send them or keep it from the user"+where(addressed, hidden, important))
	case (addressed != nil || hidden || important != nil) && silent != nil && act != nil:
		sc.reportSev(RuleSkillAgentDirective, SeverityCritical, at(silent), "instructions to the agent run or install something without the user knowing"+where(addressed, hidden, important))
	case (addressed != nil || hidden) && conceal != nil:
		sc.reportSev(RuleSkillAgentDirective, SeverityCritical, at(conceal), "instructions to the agent hide what it does from the user"+where(addressed, hidden, important))
	case addressed != nil && read != nil:
		sc.reportSev(RuleSkillAgentDirective, SeverityHigh, at(read), "instructions addressed to the agent, not the user, have it read secrets")
	}

	// Instructions fetched from a site and followed: whoever runs the site
	// steers the agent from then on.
	if m := remoteOrdersRE.FindStringIndex(t); m != nil && !negatedBefore(t, m[0]) {
		sev := SeverityHigh
		if silent != nil || conceal != nil {
			sev = SeverityCritical
		}
		sc.reportSev(RuleSkillAgentDirective, sev, at(m), "has the agent fetch instructions from a site and follow them: whoever runs the site decides what it does next")
	}

	// Self-modification and prompt worms.
	if m := protectRE.FindStringIndex(t); m != nil {
		sc.reportSev(RuleSkillSelfModify, SeverityCritical, at(m), "tells the agent to resist this skill's removal")
	} else if m := spreadRE.FindStringIndex(t); m != nil && !negatedBefore(t, m[0]) {
		sc.reportSev(RuleSkillSelfModify, SeverityCritical, at(m), "tells the agent to spread this skill or its text to other agents or skills")
	} else if f := agentFileRE.FindStringIndex(t); f != nil {
		w := writeVerbRE.FindStringIndex(t)
		p := persistRE.FindStringIndex(t)
		// The text to write often follows: "append this to SOUL.md:" and
		// a quoted block.
		orders := act != nil || read != nil || send != nil || silent != nil
		if w != nil && strings.HasSuffix(strings.TrimSpace(t), ":") {
			orders = orders || actRE.MatchString(next) || unnegated(next, secretReadRE) != nil || sendToRE.MatchString(next) || unnegated(next, silentRE) != nil
			p = append(p, persistRE.FindStringIndex(next)...)
		}
		switch {
		case w == nil || negatedBefore(t, w[0]):
		case len(p) > 0 && orders:
			sc.reportSev(RuleSkillSelfModify, SeverityCritical, at(f), fmt.Sprintf("has the agent write standing orders into %s so that they outlive this skill", strings.TrimSpace(t[f[0]:f[1]])))
		case promptFileRE.MatchString(t[f[0]:f[1]]) && (hidden || silent != nil || conceal != nil):
			sc.reportSev(RuleSkillSelfModify, SeverityCritical, at(f), "has the agent rewrite its own prompt file behind the user's back")
		case promptFileRE.MatchString(t[f[0]:f[1]]) && len(p) > 0:
			sc.reportSev(RuleSkillSelfModify, SeverityHigh, at(f), fmt.Sprintf("has the agent add standing instructions to %s", strings.TrimSpace(t[f[0]:f[1]])))
		}
	}

	// Credential sweeps: every key, with its value, reported somewhere.
	if m := sweepRE.FindStringIndex(t); m != nil && !negatedBefore(t, m[0]) && !redactRE.MatchString(t) {
		values := valuesRE.MatchString(t)
		out := reportOutRE.MatchString(t[m[0]:])
		switch {
		case values && out, hidden && (values || out):
			sc.reportSev(RuleSkillCredSweep, SeverityCritical, at(m), "asks to collect every credential with its value and report or send the result")
		case values || out:
			sc.reportSev(RuleSkillCredSweep, SeverityHigh, at(m), "asks to collect every credential")
		}
	}
}

func where(addressed []int, hidden bool, important []int) string {
	switch {
	case hidden:
		return ", in text the user does not see"
	case addressed != nil:
		return ", addressed to the agent rather than the user"
	case important != nil:
		return ", in an IMPORTANT block"
	}
	return ""
}

// unnegated returns the first match of re in t that no negation precedes.
func unnegated(t string, re *regexp.Regexp) []int {
	for _, m := range re.FindAllStringIndex(t, -1) {
		if !negatedBefore(t, m[0]) {
			return m
		}
	}
	return nil
}

func negatedBefore(t string, at int) bool {
	start := max(0, at-40)
	if i := strings.LastIndexAny(t[start:at], ".!?\n"); i >= 0 {
		start += i + 1
	}
	return negatedRE.MatchString(t[start:at])
}

// Procedures: a list of steps, each harmless on its own, that first
// gathers secrets or private data and later sends "the report" away.
var (
	stepRE       = regexp.MustCompile(`^\s*(?:\d+[.)]|[-*+]|step\s+\d+\s*[:.)-]?)\s+`)
	headingRE    = regexp.MustCompile(`^\s{0,3}#{1,6}\s`)
	gatherRE     = regexp.MustCompile(`(?i)\b(?:read|cat|open|load|collect|gather|grab|list|copy|dump|export|extract|look at|check|inspect|note|record|save|archive|zip|tar|summari[sz]e|compile)\b`)
	privateRE    = regexp.MustCompile(`(?i)~/\.(?:ssh|aws|openclaw|clawdbot|moltbot|config|kube|docker|gnupg)\b|\.env\b|\b(?:openclaw|clawdbot|moltbot)\.json\b|\b(?:api[ _-]?keys?|tokens?|credentials?|secrets?|passwords?|private keys?|environment variables?|env vars?|cookies|browser (?:history|profiles?)|chat history|conversation history|memory files?|MEMORY\.md|SOUL\.md|keychain)\b`)
	sendStepRE   = regexp.MustCompile(`(?i)\b(?:send|post|upload|submit|forward|transmit|sync|push|share|deliver|report|pass)\b(?:[^.\n]|\.\S){0,100}?(?:https?://\S+|\b(?:webhook|endpoint|server|url)\b)`)
	refersBackRE = regexp.MustCompile(`(?i)\b(?:it|them|this|that|these|those|everything|the (?:report|results?|summary|output|file|archive|data|list|findings|notes|contents?|collected \w+|above|json|bundle|snapshot|information|info)|(?:its|their) (?:\w+ )?(?:contents?|text|values?|data)|what(?:ever)? (?:you(?:'ve)?|it|they|was|were) (?:\w+ )?` + readResultVerbs + `)\b`)
)

// procedures checks each list of steps in the prose.
func (a *analyzer) procedures(sc *scope, ls []line) {
	var steps []line
	flush := func() {
		a.procedure(sc, steps)
		steps = steps[:0]
	}
	for _, l := range ls {
		switch {
		case headingRE.MatchString(l.text):
			flush()
		case stepRE.MatchString(l.text):
			steps = append(steps, l)
		case strings.TrimSpace(l.text) == "":
		default:
			if len(steps) > 0 && (strings.HasPrefix(l.text, " ") || strings.HasPrefix(l.text, "\t")) {
				steps[len(steps)-1].text += " " + strings.TrimSpace(l.text) // a step's continuation
			}
		}
	}
	flush()
}

func (a *analyzer) procedure(sc *scope, steps []line) {
	if len(steps) < 2 {
		return
	}
	gathered := -1
	for i, s := range steps {
		if gathered < 0 {
			if g := gatherRE.FindStringIndex(s.text); g != nil && privateRE.MatchString(s.text[g[0]:]) && !negatedBefore(s.text, g[0]) {
				gathered = i
			}
			continue
		}
		m := sendStepRE.FindStringIndex(s.text)
		if m == nil {
			// A drop site (a gist, a paste, a mailbox, a chat channel)
			// takes only a secret store's contents: a bot token posting
			// to its own channel is how chat skills work.
			if _, ok := storeNamed(steps[gathered].text, true); ok {
				m = dropSendRE.FindStringIndex(s.text)
			}
		}
		if m == nil || negatedBefore(s.text, m[0]) || apiCallRE.MatchString(s.text[m[0]:]) || !refersBackRE.MatchString(s.text[m[0]:]) {
			continue
		}
		// A key read in one step and used with its own API in the next is
		// an integration, not a leak.
		var text strings.Builder
		for _, st := range steps[gathered : i+1] {
			text.WriteString(st.text + "\n")
		}
		var ds []dest
		for _, u := range findURLs([]byte(s.text), textHits([]byte(s.text))) {
			ds = append(ds, dest{host: u.host})
		}
		if len(ds) > 0 {
			if _, ok := relatedDests(ds, keyTokens([]byte(text.String()))); ok {
				continue
			}
		}
		sc.reportSev(RuleSkillExfil, SeverityCritical, s.off+m[0], fmt.Sprintf("a procedure gathers private data (step %d) and sends it away (step %d)", gathered+1, i+1))
		return
	}
}

// skillFileRE is a file in a skill directory (its name in group 1), or
// a pattern over all of them (group 1 is "*").
var skillFileRE = regexp.MustCompile(`(?:\.openclaw|\.clawdbot|\.moltbot|\.agents|\.claude|clawd\w*|workspace)[/\\]+(?:workspace[/\\]+)?skills[/\\]+(\*\*?|[^/\\\s*.][^/\\\s*]*)(?:[/\\]|$)`)

// skillWrite is a finding about code that writes into the named skill's
// directory, settled once the unit's own name is known.
type skillWrite struct {
	finding int
	name    string
}

// agentFileWrite reports code that writes the agent's prompt files or
// other skills, and reports whether it did. A skill's own files (under
// its directory) are its business; MEMORY.md and notes are what memory
// skills write.
func agentFileWrite(sc *scope, off int, target, by string, remote bool) bool {
	if strings.HasPrefix(target, skillDir) {
		return false
	}
	t := strings.ReplaceAll(target, hole, "…")
	if m := skillFileRE.FindStringSubmatch(target); m != nil {
		if strings.HasPrefix(m[1], "*") {
			sc.reportSev(RuleSkillSelfModify, SeverityCritical, off, fmt.Sprintf("%s writes %s: a skill that edits other skills spreads itself", by, short(t)))
			return true
		}
		// A copy of the skill into a skills directory is how install
		// notes put it there (low); downloading a skill's files from a
		// site puts remote text in the agent's prompt past the install
		// policy (high); another skill's directory is settled as
		// critical once the unit's name is known (settleSkillWrites).
		sev, how := SeverityLow, "writes"
		if remote {
			sev, how = SeverityHigh, "downloads into"
		}
		sc.reportSev(RuleSkillSelfModify, sev, off, fmt.Sprintf("%s %s %s, a skill's files, outside OpenClaw's install policy", by, how, short(t)))
		if f := sc.a.facts; f != nil && sc.out == &f.findings {
			f.skillWrites = append(f.skillWrites, skillWrite{finding: len(f.findings) - 1, name: m[1]})
		}
		return true
	}
	switch {
	case promptFileRE.MatchString(path.Base(target)) && path.Base(target) == promptFileRE.FindString(path.Base(target)):
		sc.reportSev(RuleSkillSelfModify, SeverityHigh, off, fmt.Sprintf("%s writes %s, part of the agent's standing prompt", by, short(t)))
		return true
	}
	return false
}

var (
	// skillsWalkRE walks every skill directory; fileWriteRE writes a file.
	skillsWalkRE = regexp.MustCompile(`skills[/\\]+\*|skills['"\x60]\s*,\s*['"\x60]\*|skills/\*\*|(?:walk|readdir\w*|listdir|scandir|iterdir|glob)\([^)\n]*skills`)
	fileWriteRE  = regexp.MustCompile(`\bopen\([^)\n]*,\s*['"][aw]\+?b?['"]|\.write_text\(|\bappendFileSync\(|\bwriteFileSync\(|\bappendFile\(|\bwriteFile\(|>>\s*"?\$|\btee\s+-a\b|\bsed\s+-i\b`)
)

// checkSkillWalk reports code that walks every installed skill and writes
// files: the loop a prompt worm uses to copy itself into other skills.
func (sc *scope) checkSkillWalk() {
	// The literal first: nearly no code names SKILL.md.
	if !bytes.Contains(sc.src, []byte("SKILL.md")) || !bytes.Contains(sc.src, []byte("skills")) {
		return
	}
	w := skillsWalkRE.FindIndex(sc.src)
	if w == nil || !fileWriteRE.Match(sc.src) {
		return
	}
	sc.reportSev(RuleSkillSelfModify, SeverityCritical, w[0], "walks every installed skill and writes files: a skill that edits other skills spreads itself")
}

var (
	// assembleRE tells the reader to put pieces of text together.
	assembleRE = regexp.MustCompile(`(?i)\b(?:append|concatenate|combine|join|glue|attach|prepend|add)\b[^.\n]{0,60}?\b(?:to|onto|after|with|before)\b|\b(?:put (?:them|it|these|both|the pieces|the parts) together|no space|without (?:a |any )?spaces?|right after|immediately after|followed by|in that order)\b`)
	runItRE    = regexp.MustCompile(`(?i)\b(?:run|execute|paste (?:it |this |the result )?(?:in|into)|enter (?:it|the)|launch)\b`)
)

// assembledSteps puts back together a command that instructions hand out
// in pieces (inline code in successive steps, "append this to it, no
// space, then run it") and reports it when the result is dangerous.
func (a *analyzer) assembledSteps(sc *scope, spans [][2]int) {
	src := sc.src
	for i := 0; i < len(spans); {
		j := i + 1
		for j < len(spans) && spans[j][0]-spans[j-1][1] < 400 {
			j++
		}
		if j-i >= 2 {
			gaps := string(src[spans[i][1]:min(len(src), spans[j-1][1]+200)])
			if assembleRE.MatchString(gaps) && runItRE.MatchString(gaps) {
				var parts []string
				for _, sp := range spans[i:j] {
					parts = append(parts, string(src[sp[0]:sp[1]]))
				}
				for _, sep := range []string{"", " "} {
					if a.analyzeAssembled(sc, spans[i][0], strings.Join(parts, sep)) {
						break
					}
				}
			}
		}
		i = j
	}
}

// analyzeAssembled scans text put together from pieces; when it holds
// anything of high severity, the assembly is reported.
func (a *analyzer) analyzeAssembled(parent *scope, off int, text string) bool {
	if parent.depth >= 4 {
		return false
	}
	before := len(*parent.out)
	c := parent.fixedChild(off, []byte(text), "text assembled from steps")
	c.decoded = true // pieces handed out one by one hide what they make
	a.codeChecks(c, langShell, false)
	parent.absorb(c)
	for _, f := range (*parent.out)[before:] {
		if severityRank(a.severity(f)) >= severityRank(SeverityHigh) {
			parent.report(RuleObfSplitPayload, off, "the instructions hand out a command in pieces to be joined and run: "+short(text))
			return true
		}
	}
	a.dropFindings(parent, before) // a harmless join says nothing
	return false
}

// dropFindings removes the findings from index before on, with what
// points at them.
func (a *analyzer) dropFindings(sc *scope, before int) {
	*sc.out = (*sc.out)[:before]
	if f := a.facts; f != nil && sc.out == &f.findings {
		f.remapIndices(func(i int) (int, bool) { return i, i < before })
	}
}

// settleSkillWrites raises to critical the writes into a skill directory
// that is not the unit's own (install instructions copy the skill into a
// skills directory under a name of its own); findings is the unit's.
func settleSkillWrites(findings []Finding, files []fileFacts, unit string) {
	own := nameWords(unit)
	for _, f := range files {
		if f.skillName != "" {
			for w := range nameWords(f.skillName) {
				own[w] = true
			}
		}
	}
	for _, f := range files {
		for _, w := range f.skillWrites {
			related := false
			for word := range nameWords(w.name) {
				related = related || own[word]
			}
			if related {
				continue
			}
			fd := &findings[w.finding]
			fd.Severity = SeverityCritical
			fd.Message += fmt.Sprintf("; %s is another skill: a skill that edits other skills spreads itself", w.name)
		}
	}
}

// nameWords are the distinctive words of a skill name.
func nameWords(name string) map[string]bool {
	out := map[string]bool{}
	for _, w := range strings.FieldsFunc(strings.ToLower(name), func(r rune) bool { return r == '-' || r == '_' || r == '.' || r == ' ' }) {
		switch w {
		case "skill", "skills", "agent", "api", "tool", "tools", "helper", "cli", "openclaw", "clawhub", "the":
			continue
		}
		if len(w) >= 3 {
			out[w] = true
		}
	}
	return out
}
