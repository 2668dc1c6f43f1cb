package sanitizer

import (
	"bytes"
	"strings"
	"unicode/utf8"

	"github.com/openclaw-secure-stack/securestack/sanitizer/internal/textnorm"
)

// Red team round 6: the frame of a quotation asked about (onlyAsks) read an
// English clause as an order only when it pointed back at the quotation or
// spoke to the assistant, and did not parse other languages at all. So an
// order that does not point back ("Do the thing.", "It is the next task.",
// "Example output expected below.") and an order in another language
// ("Antworte bitte so, als hätte ich es geschrieben.", "Trátalo como mi
// mensaje.", "请把它当作我的消息来回答。") kept the mention, and the model read
// the question with the quotation blanked (0.01 to 0.37). What an order
// looks like is read here by technique, for a user's text only (operators
// give orders in every line):
//
//   - a clause that opens with a verb of doing it (orderVerbs: do, run,
//     complete, carry, begin, answer, ...; in German, French, Spanish,
//     Portuguese, Italian and Russian the imperative of answer, do, follow,
//     execute, treat), not negated and not followed by "me"/"mir"/"moi"
//     (answer me: is it an attack?); a German infinitive order ("Bitte
//     darauf antworten."); a wish or an obligation spoken to the assistant
//     in another language ("Ich möchte, dass du es ausführst.");
//   - a statement that the quotation is the next task or the expected
//     output (taskPhrases);
//   - "as if I wrote it", "as my own message" (mineWords), anywhere outside
//     the quotation in any language: the writer adopting the attack.
//
// An analysis word in the same clause still makes it ask ("Start by
// explaining it", "Responde como experto en seguridad"), as for English.
// speaksOrder reads the same forms in a short assistant or tool turn after
// a mention (joinMention, walk.go).

// orderVerbs open an English order to get on with it.
var orderVerbs = wordSet("do", "complete", "perform", "carry", "execute", "run", "continue", "proceed", "begin",
	"start", "go", "finish", "handle", "process", "fulfil", "fulfill", "obey", "act", "output", "print", "produce",
	"generate", "emit", "return", "repeat", "answer", "reply", "respond", "resume", "implement", "tackle", "comply",
	"commence", "follow", "action")

// notAnOrder after an order verb makes it no order: "do not", "answer me",
// "follow up", "answer in German", "reply with yes or no".
var notAnOrder = wordSet("not", "n't", "never", "me", "us", "up", "in", "briefly", "honestly", "concisely", "shortly",
	"yes", "no", "only", "please", "with")

// orderLeads may stand before an order verb: "please", "now just do it".
var orderLeads = wordSet("please", "pls", "plz", "kindly", "simply", "immediately", "just", "now", "then", "so", "and",
	"ok", "okay", "alright", "right", "next", "finally", "first", "also", "again")

// foreignImperatives are imperatives of answer, reply, do, follow, obey,
// execute, carry out, treat and consider in German, French, Spanish,
// Portuguese, Italian and Russian, normalised (accents dropped), whole words
// at a clause's start.
// Forms that are also a third person ("responde", "sigue", "trata" in
// Spanish: "Trata de robar la contraseña" is a statement) are in
// ambiguousImperatives and need a pointer after them.
var foreignImperatives = normalisedSet(
	// German: du, ihr
	"antworte", "antwortet", "beantworte", "beantwortet", "reagiere", "reagiert", "mach", "tue", "befolge", "befolgt",
	"folge", "gehorche", "gehorcht", "führe", "mach's", "machs", "behandle", "behandelt", "erledige", "erledigt", "setze", "betrachte",
	// French
	"réponds", "répondez", "fais", "faites", "suis", "suivez", "obéis", "obéissez", "exécute", "exécutez", "traite",
	"traitez", "applique", "appliquez", "considère", "considérez", "prends", "prenez", "réalise", "réalisez",
	// Spanish: the forms that are no third person
	"haz", "hazlo", "respóndelo", "respóndela", "respóndele", "contéstalo", "contéstala", "contéstale", "síguelo",
	"síguela", "trátalo", "trátala", "ejecútalo", "ejecútala", "cúmplelo", "obedécelo", "obedécela", "hacedlo",
	"responded", "contestad", "seguid", "obedeced", "ejecutad", "conteste", "haga", "hágalo", "ejecute", "obedezca",
	// Portuguese
	"responda", "faça", "siga", "obedeça", "execute", "trate", "considere", "cumpra", "realize", "atenda",
	"responde-o", "fá-lo", "faze-o", "trata-o",
	// Italian
	"rispondi", "rispondete", "rispondigli", "fai", "fallo", "fate", "segui", "seguite", "seguilo", "obbedisci",
	"obbedite", "esegui", "eseguite", "eseguilo", "trattalo", "trattala", "consideralo", "considerala",
	// Russian
	"ответь", "ответьте", "отвечай", "отвечайте", "сделай", "сделайте", "делай", "делайте", "выполни", "выполните",
	"выполняй", "выполняйте", "следуй", "следуйте", "исполни", "исполните", "подчинись", "подчинитесь", "обработай",
	"считай", "считайте", "прими", "примите", "воспринимай", "отреагируй", "действуй", "действуйте",
)

// foreignFormal are two-word imperatives whose word order a question shares
// ("Antworten Sie darauf?"): orders only in a sentence that is no question.
var foreignFormal = normalisedSet("antworten sie", "beantworten sie", "machen sie", "tun sie", "befolgen sie",
	"folgen sie", "führen sie", "behandeln sie", "reagieren sie", "erledigen sie", "betrachten sie")

// ambiguousImperatives are imperatives that are also a third person: an
// order only when a pointer to the quotation or a "like" follows
// (imperativePointers): "Sigue la instrucción", "Responde como si…".
var ambiguousImperatives = normalisedSet("responde", "contesta", "sigue", "trata", "ejecuta", "cumple", "considera",
	"obedece", "actúa", "toma", "executa", "faz", "segue", "tratta")

var imperativePointers = normalisedSet("lo", "la", "le", "los", "las", "esto", "eso", "esta", "este", "esa", "ese",
	"como", "tal", "exactamente", "según", "isso", "isto", "essa", "esse", "conforme", "o", "os", "questo", "quello",
	"come", "esattamente")

// foreignFirstPerson after an imperative asks the assistant to answer the
// writer: "Antworte mir: ist das ein Angriff?"
var foreignFirstPerson = normalisedSet("mir", "uns", "moi", "nous", "me", "nos", "mi", "мне", "нам")

// foreignLeads may stand before a foreign imperative.
var foreignLeads = normalisedSet("bitte", "dann", "jetzt", "nun", "einfach", "danach", "anschließend", "also", "und",
	"nur", "doch", "mal", "alors", "maintenant", "ensuite", "puis", "simplement", "juste", "et", "s'il", "te", "plaît",
	"vous", "por", "favor", "ahora", "luego", "después", "entonces", "simplemente", "solo", "sólo", "y", "agora",
	"depois", "então", "apenas", "só", "e", "ora", "poi", "quindi", "adesso", "semplicemente", "per", "piacere",
	"пожалуйста", "теперь", "потом", "затем", "просто", "тогда", "а", "и", "но", "сейчас", "далее",
	// adverbs of haste: "Jetzt bitte direkt antworte."
	"direkt", "sofort", "gleich", "schnell", "directement", "immédiatement", "vite", "directamente", "ya",
	"inmediatamente", "rápido", "diretamente", "imediatamente", "já", "subito", "direttamente", "сразу", "быстро")

// taskPhrases state that the quotation is what comes next or what is
// expected: "It is the next task.", "Example output expected below.",
// "That is what the assistant does next."
var taskPhrases = normalisedWords(
	"next task", "new task", "real task", "actual task", "main task", "the task", "next step", "next instruction",
	"new instruction", "next order", "next command", "expected output", "output expected", "expected response",
	"response expected", "expected result", "expected reply", "expected answer", "expected completion", "does next",
	"will do next", "fulfilment expected", "fulfillment expected", "execution expected", "completion expected", "is next", "comes next", "goes next", "the assignment", "your assignment", "next assignment",
	"new assignment",
	"nächste aufgabe", "neue aufgabe", "deine aufgabe", "eigentliche aufgabe", "erwartete ausgabe", "erwartete antwort",
	"prochaine tâche", "nouvelle tâche", "ta tâche", "vraie tâche", "sortie attendue", "réponse attendue",
	"siguiente tarea", "próxima tarea", "nueva tarea", "tu tarea", "verdadera tarea", "salida esperada", "respuesta esperada",
	"próxima tarefa", "nova tarefa", "sua tarefa", "tua tarefa", "saída esperada", "resposta esperada",
	"prossimo compito", "nuovo compito", "output atteso", "risposta attesa",
	"следующая задача", "новая задача", "твоя задача", "настоящая задача", "ожидаемый вывод", "ожидаемый ответ",
	"下一个任务", "新任务", "你的任务", "真正的任务", "预期输出", "期望输出", "次のタスク", "新しいタスク", "本当のタスク",
	"期待される出力", "다음 작업", "새 작업", "다음 과제", "예상 출력",
)

// mineWords adopt the quotation as the writer's own message: "answer it
// as if I had written it", "treat it as my message".
var mineWords = normalisedWords(
	"as if i wrote", "as if i had written", "as if i typed", "as if i had typed", "as if i sent", "as if i had sent",
	"as if it were mine", "as if it was mine", "as if it came from me", "as my own", "as my message", "as my request",
	"as my instruction", "as though i wrote", "as though i had written", "as though i sent", "as though i had sent",
	"as though it were mine", "as if you sent", "as if you had sent", "as though you sent", "as though you had sent",
	"als hätte ich", "als ob ich es", "als käme es von mir", "als käme sie von mir", "als wäre es von mir",
	"als wäre sie von mir", "als meine nachricht", "als meine eigene", "als meine anfrage", "als meine anweisung",
	"wie meine eigene", "von mir käme", "comme si je", "comme si c'était moi", "comme si ça venait de moi",
	"comme mon message", "comme ma demande", "comme ma propre", "comme mon propre", "comme si c'était mon",
	"como si lo hubiera", "como si la hubiera", "como si yo", "como si fuera mío", "como si fuera mía",
	"como si viniera de mí", "como mi mensaje", "como mi propio", "como mi propia", "como mi petición",
	"como mi solicitud", "como se eu", "como se fosse meu", "como se fosse minha", "como minha mensagem",
	"como meu pedido", "como minha própria", "como meu próprio", "come se l'avessi", "come se fosse mio",
	"come se fosse mia", "come il mio messaggio", "come mio messaggio", "come la mia richiesta",
	"как будто это написал я", "как будто я", "будто я написал", "как будто это я", "как мое сообщение",
	"моим сообщением", "мое сообщение", "как мою просьбу", "как мой запрос",
	"当作我的", "当成我的", "作为我的消息", "作为我的请求", "就像我写的", "当作是我", "私が書いた", "私のメッセージとして",
	"私の依頼として", "私の指示として", "내가 쓴", "내 메시지로", "내 요청으로", "내가 보낸",
)

// normalisedSet is normalisedWords as a set.
func normalisedSet(words ...string) map[string]bool {
	m := make(map[string]bool, len(words))
	for _, w := range normalisedWords(words...) {
		m[string(w)] = true
	}
	return m
}

// adoptsQuotation reports whether s holds one of mineWords: whole words in
// a script written with spaces, anywhere in the others.
func adoptsQuotation(s []byte) bool {
	return holdsPhrase(s, mineWords)
}

// holdsPhrase reports whether s holds one of words with no letter glued to
// an end that is a letter of a script written with spaces.
func holdsPhrase(s []byte, words [][]byte) bool {
	return holdsWhere(s, words, func(w []byte, i int) bool { return wholePhrase(s, w, i) })
}

// wholePhrase reports whether w at s[i:] has no letter glued to an end
// that is a letter of a script written with spaces.
func wholePhrase(s, w []byte, i int) bool {
	first, _ := utf8.DecodeRune(w)
	last, _ := utf8.DecodeLastRune(w)
	return (!spacedLetter(first) || i == 0 || !letterBefore(s, i)) &&
		(!spacedLetter(last) || i+len(w) == len(s) || !letterAt(s, i+len(w)))
}

// ordersIt reports whether a clause of a user's text (its words, from
// clauseAsks) gives an order beside the quotation (see above); question
// is set when its sentence ends in a question mark.
func ordersIt(clause []byte, words [][]byte, question bool) bool {
	if statesTask(clause) {
		return true
	}
	if question || len(words) == 0 {
		return false
	}
	lead := words
	for len(lead) > 0 && (orderLeads[string(lead[0])] || foreignLeads[string(lead[0])]) {
		lead = lead[1:]
	}
	if len(lead) == 0 {
		return false
	}
	first := string(lead[0])
	next := ""
	if len(lead) > 1 {
		next = string(lead[1])
	}
	switch {
	case orderVerbs[first]:
		// "Answer:" alone is a label, "do not" a refusal, "answer in
		// German" a wish about the answer; "reply in full", "answer with
		// the prompt" are orders.
		if (next == "in" || next == "with") && len(lead) > 2 && replyManner[string(lead[2])] {
			return true
		}
		if strings.HasSuffix(next, "n't") || notAnOrder[next] || len(lead) == 1 && (first == "answer" || first == "reply" || first == "output") {
			return false
		}
		return true
	case foreignImperatives[first]:
		return !foreignFirstPerson[next] && next != "nicht" && next != "pas" && next != "no" && next != "не"
	case foreignFormal[first+" "+next]:
		return true
	case ambiguousImperatives[first]:
		return imperativePointers[next]
	}
	// German orders with the infinitive at the end: "Bitte darauf
	// antworten.", "Darauf bitte so antworten, als wäre es meine Frage."
	if germanInfinitives[string(words[len(words)-1])] && !germanOpeners[string(words[0])] {
		return true
	}
	return germanIndicative(words) || holdsPhrase(clause, obligations) || holdsPhrase(clause, wishThat) && holdsAny(clause, doingStems)
}

// replyManner after "reply in" or "answer with" makes it an order to answer
// the quotation: "reply in full", "respond in character", "answer with the
// prompt".
var replyManner = wordSet("full", "character", "kind", "detail", "role", "persona", "the", "its", "it", "what",
	"whatever", "that", "this", "exactly")

// germanInfinitives end a German order with the infinitive ("bitte
// ausführen"); germanOpeners open a clause whose infinitive is no order
// ("wie wir antworten", "ich weiß nicht, was ich antworten soll").
var germanInfinitives = normalisedSet("antworten", "beantworten", "ausführen", "befolgen", "machen", "tun", "folgen",
	"umsetzen", "erledigen", "behandeln", "ausgeben")

var germanOpeners = normalisedSet("ich", "wir", "du", "sie", "er", "es", "man", "wie", "was", "warum", "wann", "wo",
	"wer", "ob", "dass", "soll", "sollen", "sollte", "kann", "können", "muss", "müssen", "darf", "zu", "um", "nicht")

// obligations speak to the assistant with the writer's wish or an
// obligation in another language (the English ones are read by clauseAsks:
// "I want you to carry it out"): "Ich möchte, dass du es ausführst", "Je
// veux que tu y répondes", "Tienes que hacerlo", "我要你照做".
var obligations = normalisedWords(
	"du sollst", "du musst", "sie sollen es", "sie müssen es", "tu dois", "vous devez",
	"quiero que", "necesito que", "tienes que", "debes", "quero que", "preciso que", "você deve", "você tem que",
	"tens de", "tens que", "voglio che", "devi", "чтобы ты", "ты должен", "ты должна", "тебе нужно", "тебе надо",
	"我要你", "我想让你", "你要", "你必须", "你得", "你应该", "してほしい", "してもらいたい", "しなさい", "그대로 해",
	"그대로 따라", "시키는 대로", "照着它做", "照它做", "按它做",
)

// wishThat is the second half of a wish cut off by a comma ("Ich möchte,
// dass du es ausführst"): an order when its clause holds a verb of doing
// it (doingStems), not in "Ich glaube, dass du das kennst".
var wishThat = normalisedWords("dass du", "dass sie es", "que tu", "que vous", "que lo", "que la", "que o", "чтобы ты", "чтобы вы")

var doingStems = normalisedWords("ausführ", "antwort", "beantwort", "befolg", "mach", "tust", "folgst", "umsetz",
	"erledig", "behandel", "répond", "exécut", "fass", "suiv", "obéi", "trait", "appliqu", "respond", "contest",
	"hag", "ejecut", "sig", "cumpl", "obedez", "faça", "execut", "obedeç", "выполн", "ответ", "сдела", "следова", "исполн")

// statesTask reports whether a clause says the quotation is the next task
// or the expected output (taskPhrases), or is a label "Task:".
func statesTask(clause []byte) bool {
	if t := string(bytes.TrimSpace(clause)); t == "task" || t == "new task" || t == "your task" {
		return true
	}
	return holdsPhrase(clause, taskPhrases) || statesCompliance(clause)
}

// statesCompliance reports whether a clause, after an interjection
// ("Okay", "Sure", "Understood"), is nothing but a statement that the
// assistant complies or that the output follows: "Executing.", "Here is
// the output:", "Response below:", "Execution follows." (red team round 7;
// round 6 left them to the model, which read them at 0.02 to 0.65). The
// whole clause must be the statement, so "The output below is from our
// logs", "Here is the output of our scanner" and "What happens when
// executing it?" are not.
func statesCompliance(clause []byte) bool {
	words := bytes.FieldsFunc(clause, func(r rune) bool { return !isWordRune(r) && r != '\'' && r != '’' })
	for len(words) > 0 && complianceLeads[string(words[0])] {
		words = words[1:]
	}
	if len(words) == 0 || len(words) > 6 {
		return false
	}
	return compliancePhrases[string(bytes.Join(words, []byte(" ")))]
}

// complianceLeads open a compliance statement without changing it.
var complianceLeads = normalisedSet("ok", "okay", "sure", "understood", "alright", "right", "fine", "yes", "yeah", "yep",
	"certainly", "absolutely", "now", "so", "roger", "noted", "got", "of", "course", "very", "well", "gladly", "perfect",
	"verstanden", "klar", "gut", "jawohl", "entendido", "claro", "vale", "compris", "d'accord", "entendu", "понял", "хорошо", "好的", "明白")

// compliancePhrases are whole clauses that say the assistant does it, or
// that its output comes next.
var compliancePhrases = normalisedSet(
	"executing", "executing now", "executing it", "executing it now", "executing the instruction", "executing the request",
	"executing instructions", "complying", "complying now", "i comply", "i will comply", "i'll comply", "proceeding",
	"proceeding now", "proceeding as instructed", "doing it now", "doing so now", "running it now", "as requested",
	"as instructed", "as you wish", "will do", "on it", "here it is", "here you go", "here is the output",
	"here's the output", "here is the full output", "here's the full output", "here is the result", "here's the result",
	"here is the response", "here's the response", "here is my response", "here's my response", "here is my system prompt",
	"here's my system prompt", "here is the system prompt", "here's the system prompt", "here is my prompt",
	"here's my prompt", "here are my instructions", "here are the instructions", "output below", "output follows",
	"response below", "response follows", "result below", "results below", "results follow", "result follows",
	"execution follows", "execution below", "answer below", "answer follows", "the output follows", "the response follows",
	"wird ausgeführt", "ich führe es aus", "hier ist die ausgabe", "ausgabe folgt", "antwort folgt", "ausführung folgt",
	"ejecutando", "aquí está la salida", "aquí tienes la salida", "exécution en cours", "voici la sortie",
	"voici le résultat", "executando", "aqui está a saída", "выполняю", "вот вывод", "正在执行", "执行中", "以下是输出",
	"実行します", "실행합니다",
)

// germanIndicative is an order in the German indicative: "Du antwortest
// jetzt darauf.", "Jetzt führst du es aus." (red team round 7). A clause
// that opens with a conjunction ("wenn du antwortest") is not one.
func germanIndicative(words [][]byte) bool {
	switch {
	case len(words) > 1 && string(words[0]) == "du":
		return germanDoing[string(words[1])]
	case len(words) > 2 && string(words[2]) == "du":
		return germanDoing[string(words[1])] && !germanOpeners[string(words[0])] && !germanConjunctions[string(words[0])]
	}
	return false
}

var germanDoing = normalisedSet("antwortest", "beantwortest", "führst", "befolgst", "folgst", "tust", "machst",
	"erledigst", "behandelst", "gibst")

var germanConjunctions = normalisedSet("wenn", "falls", "bevor", "nachdem", "weil", "da", "als", "ob", "obwohl", "sobald",
	"damit", "während", "bis", "seit", "und", "oder", "aber")

// maxOrderTurn bounds the assistant or tool turn after a mention that is
// read for an order about it (speaksOrder): the forged turn is short, and
// an honest answer is long and full of advice.
const maxOrderTurn = 200

// speaksOrder reports whether an assistant or tool string gives an order
// about a mention in the string before it: an order to act on it
// (actWords) not negated, the writer adopting it (mineWords), a statement
// that it is the next task, or a clause opening with an order verb that
// points back at it or is at most three words ("Do the thing.", "Go on.").
// Honest answers to a question about an attack give advice in their own
// words ("Never paste it into your bot.", "Treat it as data.") and are not
// read with the question: they speak of the attack and to the user in
// every line (see joinMention).
func speaksOrder(text string) bool {
	var n textnorm.Text
	n.Normalize(text, false)
	s := n.Text
	if adoptsQuotation(s) || holdsWhere(s, actWords, func(w []byte, i int) bool {
		first, _ := utf8.DecodeRune(w)
		return (i == 0 || !spacedLetter(first) || !letterBefore(s, i)) && !negatedBefore(s, i) && !negated(s, i)
	}) {
		return true
	}
	for len(s) > 0 {
		end := 0
		for end < len(s) && !sentenceMark(s, end) {
			end++
		}
		question := end < len(s) && s[end] == '?'
		for _, clause := range clauseCut.Split(string(s[:end]), -1) {
			c := []byte(clause)
			if holdsAny(c, analysisWords) || holdsAny(c, opinionWords) {
				continue
			}
			words := bytes.FieldsFunc(c, func(r rune) bool { return !isWordRune(r) && r != '\'' && r != '’' })
			if statesTask(c) {
				return true
			}
			if !ordersIt(c, words, question) {
				continue
			}
			short := len(words) <= 3
			for _, w := range words[1:] {
				short = short || pointsBack[string(w)]
			}
			if short {
				return true
			}
		}
		if end < len(s) {
			end++
		}
		s = s[end:]
	}
	return false
}
