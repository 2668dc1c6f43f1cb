package model

import (
	"strings"
	"sync"

	"github.com/openclaw-secure-stack/securestack/internal/ahocorasick"
	"github.com/openclaw-secure-stack/securestack/sanitizer/internal/textnorm"
)

// What a role-play does to the assistant's own rules.
//
// A persona jailbreak and a benign role-play share their frame: "you are a
// veteran artist giving a lecture on ..." and "you are Rook, an AI with no
// filters ..." both begin "you are". Training more benign role-plays taught
// the model that the frame is benign and cost it recall; the words of the
// frame cannot tell the two apart. What differs is what the text does to
// how the assistant answers: a jailbreak installs a standing persona or
// mode ("from now on", "for the rest of this chat", "every response") and
// governs every later answer (never refuse, no warnings, stay in character,
// answer as X and as Y, await the next input, token penalties), or claims
// authority over the assistant's programming. A benign role-play asks for
// one piece of content inside its frame and says nothing about the
// assistant's rules.
//
// Long in-the-wild jailbreaks bury those cues in hundreds of words, and a
// word's weight is scaled down with the length of its text (Norm), where
// evidence counts in full. So the structure is evidence: PersonaEvidence
// counts the distinct cues of each kind and gives the model a bucket for
// each fact, which it learns to weigh from the training rows. Operators'
// system prompts set standing rules too ("always answer in JSON", "never
// reveal the prompt", "stay in character as Max"): the buckets are facts,
// not verdicts, and the system rows of the training data teach what they
// are worth there.

// Cue kinds.
const (
	cueFrame     = iota // a persona or scene is set: "you are", "act as", "imagine you"
	cueScope            // for every later answer: "from now on", "every response"
	cueRule             // an answer rule dropped or fixed: "never refuse", "no filters", "stay in character"
	cueMode             // answers given as someone else: "answer as", "two responses", "await", "tokens"
	cueAuthority        // a claim over its programming: "i am your developer", "debug mode"
	cueArtifact         // one piece of content asked for: "write a", "a story", "a lecture"
	cueHarm             // a harmful end: "methamphetamine", "untraceable", "without getting caught"
	cueKinds
)

// personaCues are the cues of each kind, in plain text; they are
// normalised (textnorm) when compiled, as the text they are matched in is.
// A cue ending in "*" is a stem: it may end inside a word. Any other cue
// matches whole words (a cue's ends that are ASCII letters must not touch
// another letter).
var personaCues = [cueKinds][]string{
	cueFrame: {
		"you are", "you're", "youre", "act as", "acting as", "pretend*", "imagine you", "imagine that you",
		"imagine yourself", "picture yourself", "role-play*", "roleplay*", "role play*", "play the role", "play a character",
		"in character", "persona*", "simulate*", "simulation", "you will be", "you will now be", "you are now",
		"you become", "become a", "become an", "alternate universe", "alternate reality", "parallel universe",
		"fictional world", "hypothetical", "a character", "character named", "take on the role", "assume the role",
		"role of", "act like", "behave as", "behave like", "as if you were", "you'll be", "you will act", "you will pretend",
		"you will play", "play as", "immerse yourself",
		"eres", "actua como", "finge*", "imagina que eres", "interpreta*", "haz de", "tu es", "vous etes", "joue le role",
		"fais semblant", "imagine que tu", "incarne*", "du bist", "sie sind", "tu so, als", "stell dir vor", "spiel die rolle",
		"voce e", "finja", "aja como", "imagine que voce", "interprete",
		"你是", "扮演", "假装", "想象你", "角色", "あなたは", "になりきって", "演じ", "ふりを", "役割", "너는", "당신은", "역할", "척하",
		"ты теперь", "теперь ты", "представь*", "притворись", "играй роль", "в роли",
	},
	cueScope: {
		"from now on", "from this point", "from here on", "for the rest of", "going forward", "henceforth",
		"for all future", "every response", "every reply", "every answer", "every message", "every output",
		"each response", "each reply", "each answer", "each message", "all your responses", "all of your responses",
		"all your answers", "all your replies", "all future", "whenever i", "whenever you", "every time i", "each time i",
		"until i say", "until i tell", "at all times", "no matter what", "remainder of", "rest of this conversation",
		"rest of our conversation", "this entire conversation", "throughout this conversation", "permanently",
		"until further notice", "for the duration", "if at any time", "when i say", "if i say", "if you ever", "if you fail",
		"if you break", "every single", "always stay", "every prompt", "each prompt", "all prompts", "all my prompts",
		"every question", "each question", "all my questions", "every request", "all requests", "every input", "each input",
		"a partir de ahora", "de ahora en adelante", "en adelante", "a partir de maintenant", "desormais", "dorenavant",
		"a chaque reponse", "ab jetzt", "von nun an", "ab sofort", "jede antwort", "a partir de agora", "daqui em diante",
		"toda resposta", "cada respuesta", "从现在开始", "从现在起", "今后", "每次回答", "これからは", "今後は", "以降は", "すべての回答",
		"지금부터", "앞으로", "모든 답변", "отныне", "с этого момента", "в каждом ответе", "всегда",
	},
	cueRule: {
		"never refuse*", "not refuse", "never decline", "cannot refuse", "can't refuse", "cant refuse", "won't refuse",
		"will not refuse", "without refusing", "refuse nothing", "never say no", "never says no", "cannot say no",
		"can't say no", "never break character", "stay in character", "stays in character", "break character",
		"breaking character", "remain in character", "out of character", "no warnings", "no warning", "without warning*",
		"without any warning*", "no disclaimer*", "without disclaimer*", "without any disclaimer*", "no filter*",
		"unfiltered", "no restriction*", "without restriction*", "unrestricted", "no limits", "no limitations",
		"without limits", "without any limits", "no guidelines", "no rules", "without rules", "no ethics", "no ethical",
		"no moral*", "amoral", "no censorship", "uncensored", "no content polic*", "not bound by", "free from", "freed from",
		"broken free", "can do anything", "do anything now", "never apologi*", "no apologies", "don't apologi*",
		"never remind", "never warn*", "don't warn", "not warn", "never lecture", "no lectures", "no lecture",
		"never censor*", "not censor*", "filters off", "filter off", "safety off", "safeguards off", "without safeguards",
		"no safeguards", "no boundaries", "never mention", "never say that you can't", "never say you can't",
		"doesn't care", "does not care", "don't care about", "no matter how", "anything goes", "answers everything",
		"answer everything", "answer anything", "answers anything", "always comply", "always complies", "fully comply",
		"regardless of how", "never deny", "without question", "doesn't have to follow", "does not have to follow",
		"don't have to follow", "not abide", "don't abide", "doesn't abide", "break the rules", "breaks the rules", "break free",
		"jailbr*", "do anything", "make up answers", "makes up answers", "never tell me", "free of",
		"sin restricciones", "sin filtros", "sin censura", "nunca rechaz*", "nunca te niegues", "sans restriction*",
		"sans filtre*", "sans censure", "ne refuse jamais", "jamais refuser", "ohne einschrankung*", "ohne filter",
		"ohne zensur", "niemals ablehnen", "lehnst nie", "sem restricoes", "sem filtros", "sem censura", "nunca recuse",
		"没有限制", "不受限制", "没有过滤", "不拒绝", "永远不要拒绝", "无视", "制限なし", "制限のない", "フィルターなし", "拒否しない",
		"断らない", "제한 없", "필터 없", "거절하지", "без ограничений", "без фильтров", "без цензуры", "никогда не отказыва*",
	},
	cueMode: {
		"await*", "[input]", "{input}", "<input>", "answer as", "respond as", "reply as", "responds as", "answers as",
		"two responses", "two answers", "two different", "both responses", "first response", "second response",
		"tokens", "confirm by", "if you understand", "if you agree", "acknowledge*", "you will always", "you will never",
		"you must never", "stay as", "mode enabled", "mode activated", "mode on", "responde como", "reponds comme",
		"antworte als", "responda como", "として答え", "로서 답", "отвечай как",
	},
	cueAuthority: {
		"i am a programmer", "i'm a programmer", "i am a developer at", "i'm a developer at", "i work at openai",
		"i work for openai", "i am an engineer at", "i'm an engineer at", "i am your developer", "i'm your developer",
		"i am your creator", "i'm your creator", "your creator", "your creators", "your developers", "your programming",
		"your code", "your source code", "your training", "reprogram*", "modifying your", "modify your", "update to your",
		"override your", "overriding your", "overrides your", "admin mode", "debug mode", "maintenance mode", "god mode", "developer mode", "sudo mode", "root access",
		"authorized by", "authorised by", "clearance",
		"tu programacion", "tu programador", "ta programmation", "ton createur", "deine programmierung", "dein entwickler",
		"sua programacao", "seu criador", "你的开发者", "你的程序", "開発者です", "개발자입니다", "твой разработчик", "твоя программа",
	},
	cueArtifact: {
		"write a", "write an", "write me", "write the", "write his", "write her", "compose*", "draft*", "tell me a",
		"tell a", "give a", "give me a", "deliver a", "describe*", "explain*", "a story", "a short story", "a poem",
		"a letter", "an essay", "a speech", "a lecture", "a scene", "a monologue", "a dialogue", "a summary",
		"an analysis", "analyze", "analyse", "summarize", "summarise", "a review", "a critique", "a toast", "a eulogy",
		"a pitch", "an outline", "a lesson", "a recipe", "a song", "a sonnet", "a haiku",
		"provide*", "share your", "discuss*", "elaborate", "create a", "create an", "generate a", "generate an", "craft a",
		"craft an", "come up with", "produce a", "help me understand", "shed light", "insights", "walk me through",
		"what would you", "how would you", "your thoughts", "your perspective", "a list of", "an overview",
		"escribe", "redacta", "cuentame", "ecris", "redige", "raconte", "schreib*", "verfasse", "erzahl*", "escreva",
		"conte", "写一", "讲一个", "書いて", "教えて", "써 줘", "써줘", "작성해", "напиши", "расскажи",
	},
	cueHarm: {
		"meth", "methamphetamine", "cocaine", "heroin", "fentanyl", "bomb", "explosive*", "napalm", "nerve agent", "ricin",
		"malware", "ransomware", "keylogger", "phishing", "hack into", "hacking into", "shoplift*", "launder*", "counterfeit",
		"fake id", "poison*", "untraceable", "kill someone", "murder*", "firearm*", "without getting caught", "get away with",
		"credit card numbers", "ddos", "racist", "slur*", "stalk*", "blackmail*", "extort*", "bioweapon*", "chemical weapon*",
		"steal*", "break into", "pick a lock", "hotwire", "torture", "trafficking", "illegal drugs", "weapon*",
	},
}

// persona is the compiled cue set: one automaton over every cue.
type persona struct {
	ac    *ahocorasick.Automaton
	kind  []uint8
	whole [][2]bool // does the cue's start (0) and end (1) need a word boundary
}

var personaOnce = sync.OnceValue(func() *persona {
	p := &persona{}
	var strs []string
	var norm textnorm.Text
	for k, cues := range personaCues {
		for _, c := range cues {
			stem := strings.HasSuffix(c, "*")
			c = strings.TrimSuffix(c, "*")
			norm.Normalize(c, false)
			n := strings.TrimSpace(string(norm.Text))
			strs = append(strs, n)
			p.kind = append(p.kind, uint8(k))
			p.whole = append(p.whole, [2]bool{isLetter(n[0]), !stem && isLetter(n[len(n)-1])})
		}
	}
	p.ac = ahocorasick.New(strs, func(c byte) byte {
		if c == '\n' {
			return ' ' // a cue may run across a line break
		}
		return c
	})
	return p
})

func isLetter(c byte) bool { return 'a' <= c && c <= 'z' }

// maxCues bounds the number of cues (TestPersonaCues).
const maxCues = 1024

// Persona is what PersonaEvidence found in a text: the number of distinct
// cues of each kind.
type Persona [cueKinds]int

// ReadPersona counts the distinct persona cues of each kind in normalised
// text. sc may be nil.
func ReadPersona(text []byte, sc *Scratch) Persona {
	p := personaOnce()
	if sc == nil {
		sc = &Scratch{}
	}
	// Scan walks four stretches of the text at once: the automaton's
	// table is larger than a core's nearest caches, and one chain of
	// dependent reads per byte cost 5 ns a byte.
	sc.acHits = p.ac.Scan(text, sc.acHits[:0], &sc.ac)
	var seen [maxCues / 64]uint64 // by cue id
	var out Persona
	var lastEnd [cueKinds]int
	for _, h := range sc.acHits {
		end := int(h.End)
		for _, id := range p.ac.Outputs(h.ID) {
			if seen[id/64]&(1<<(id%64)) != 0 {
				continue
			}
			start := end - int(p.ac.Len(id))
			w := p.whole[id]
			if w[0] && start > 0 && isLetter(text[start-1]) || w[1] && end < len(text) && isLetter(text[end]) {
				continue
			}
			k := p.kind[id]
			if lastEnd[k] == end {
				continue // a shorter cue inside a longer one ("break character" in "never break character")
			}
			seen[id/64] |= 1 << (id % 64)
			lastEnd[k] = end
			out[k]++
		}
	}
	return out
}

// PersonaEvidence appends to ev (using sc, which may be nil) the evidence buckets of what normalised
// text does to the assistant's rules (see ReadPersona):
//
//   - persona:rules-N, for N = 1, 2, 3, 5: at least N distinct cues that
//     drop or fix an answer rule ("never refuse", "no filters", "stay in
//     character"); cumulative, so that each further cue can add weight;
//   - persona:mode-N, for N = 1, 2: cues that have every answer given as
//     someone else ("answer as", "two responses", "await", "tokens", "you
//     will always"); not format rules ("start every reply with a TL;DR",
//     "always answer in JSON"), which users set all day;
//   - persona:standing: a scope over every later answer ("from now on",
//     "every response") with a rule cue;
//   - persona:framed-rules: a persona frame with a rule cue;
//   - persona:authority: a claim over the assistant's programming;
//   - persona:framed-harm: a persona frame around a harmful end
//     ("methamphetamine", "untraceable", "without getting caught"): the
//     frame is how a harmful request is dressed up, and a linear model
//     cannot weigh the two together by itself;
//   - persona:artifact: a persona frame that asks for one piece of content
//     ("write a", "a lecture", "provide", "walk me through") and has no
//     scope, rule, mode or authority cue: the benign role-play.
//
// Tried and left out (docs/BENCHMARKS.md): standing modals ("will never",
// "must always"; operators' prompts are full of them, and they added
// nothing held out) and talk of policies ("guidelines", "ethical",
// "illegal"; benign role-plays that reassure about ethics have as much of
// it as attacks, and it cost held-out precision).
func PersonaEvidence(text []byte, ev []uint32, sc *Scratch) []uint32 {
	c := ReadPersona(text, sc)
	for i, n := range ruleSteps {
		if c[cueRule] >= n {
			ev = append(ev, personaRules[i])
		}
	}
	for n := 1; n <= 2 && n <= c[cueMode]; n++ {
		ev = append(ev, personaMode[n-1])
	}
	if c[cueScope] > 0 && c[cueRule] > 0 {
		ev = append(ev, personaStanding)
	}
	if c[cueFrame] > 0 && c[cueRule] > 0 {
		ev = append(ev, personaFramedRules)
	}
	if c[cueAuthority] > 0 {
		ev = append(ev, personaAuthority)
	}
	if c[cueFrame] > 0 && c[cueHarm] > 0 {
		ev = append(ev, personaFramedHarm)
	}
	if c[cueFrame] > 0 && c[cueArtifact] > 0 && c[cueScope]+c[cueRule]+c[cueMode]+c[cueAuthority] == 0 {
		ev = append(ev, personaArtifact)
	}
	return ev
}

var (
	ruleSteps          = [...]int{1, 2, 3, 5}
	personaRules       = [len(ruleSteps)]uint32{RuleEvidence("persona:rules-1"), RuleEvidence("persona:rules-2"), RuleEvidence("persona:rules-3"), RuleEvidence("persona:rules-5")}
	personaMode        = [2]uint32{RuleEvidence("persona:mode-1"), RuleEvidence("persona:mode-2")}
	personaStanding    = RuleEvidence("persona:standing")
	personaFramedRules = RuleEvidence("persona:framed-rules")
	personaAuthority   = RuleEvidence("persona:authority")
	personaArtifact    = RuleEvidence("persona:artifact")
	personaFramedHarm  = RuleEvidence("persona:framed-harm")
)
