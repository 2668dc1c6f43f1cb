// Package secrets finds credentials in known formats in text, so that the
// provider guard can keep them from reaching a model provider (Redact) and
// refuse tool calls that carry them (Find).
//
// Only formats that identify themselves are matched: a private key's PEM
// armour, and tokens whose prefix and length name their issuer (AWS access
// key ids, GitHub, GitLab, OpenAI, Anthropic, Google, Slack, Stripe,
// Hugging Face, npm, SendGrid, Telegram bots, JSON Web Tokens, chat
// webhook URLs), plus an AWS secret key where it is assigned to its usual
// name. A random-looking string alone is not enough: a false redaction
// breaks the agent's work as surely as a leak harms the operator.
//
//	out, found := secrets.Redact("key AKIAIOSFODNN7EXAMPLE")
//	// out == "key [REDACTED:aws_access_key_id]", found[0].Kind == "aws_access_key_id"
//
// Findings carry the kind and the span, never the value, so they can be
// audited as they are.
package secrets

import (
	"regexp"
	"slices"
	"sort"
	"strings"
)

// Finding is one secret found: its kind and byte span in the text.
type Finding struct {
	Kind       string `json:"kind"`
	Start, End int    `json:"-"`
}

// format is one kind of token: the literal every match starts with (the
// prefilter) and the pattern of the whole token at that point.
type format struct {
	kind   string
	prefix string
	re     *regexp.Regexp // anchored at the prefix
}

var formats = [...]format{
	{kind: "aws_access_key_id", prefix: "AKIA", re: regexp.MustCompile(`^AKIA[0-9A-Z]{16}\b`)},
	{kind: "aws_access_key_id", prefix: "ASIA", re: regexp.MustCompile(`^ASIA[0-9A-Z]{16}\b`)},
	{kind: "github_token", prefix: "ghp_", re: regexp.MustCompile(`^ghp_[0-9A-Za-z]{36}\b`)},
	{kind: "github_token", prefix: "gho_", re: regexp.MustCompile(`^gho_[0-9A-Za-z]{36}\b`)},
	{kind: "github_token", prefix: "ghu_", re: regexp.MustCompile(`^ghu_[0-9A-Za-z]{36}\b`)},
	{kind: "github_token", prefix: "ghs_", re: regexp.MustCompile(`^ghs_[0-9A-Za-z]{36}\b`)},
	{kind: "github_token", prefix: "ghr_", re: regexp.MustCompile(`^ghr_[0-9A-Za-z]{36}\b`)},
	{kind: "github_token", prefix: "github_pat_", re: regexp.MustCompile(`^github_pat_[0-9A-Za-z_]{60,100}`)},
	{kind: "gitlab_token", prefix: "glpat-", re: regexp.MustCompile(`^glpat-[0-9A-Za-z_\-]{20,}`)},
	{kind: "anthropic_api_key", prefix: "sk-ant-", re: regexp.MustCompile(`^sk-ant-[a-z]+\d*-[0-9A-Za-z_\-]{32,}`)},
	{kind: "openai_api_key", prefix: "sk-", re: regexp.MustCompile(`^sk-(?:proj-|svcacct-|admin-|None-)?[0-9A-Za-z_\-]{32,}`)},
	{kind: "google_api_key", prefix: "AIza", re: regexp.MustCompile(`^AIza[0-9A-Za-z_\-]{35}`)},
	{kind: "slack_token", prefix: "xox", re: regexp.MustCompile(`^xox[abposr]-[0-9A-Za-z\-]{10,}`)},
	{kind: "slack_webhook", prefix: "hooks.slack.com/services/", re: regexp.MustCompile(`^hooks\.slack\.com/services/T[0-9A-Za-z]+/B[0-9A-Za-z]+/[0-9A-Za-z]{16,}`)},
	{kind: "discord_webhook", prefix: "/api/webhooks/", re: regexp.MustCompile(`^/api/webhooks/\d{5,}/[0-9A-Za-z_\-]{30,}`)},
	{kind: "stripe_key", prefix: "sk_live_", re: regexp.MustCompile(`^sk_live_[0-9A-Za-z]{24,}`)},
	{kind: "stripe_key", prefix: "rk_live_", re: regexp.MustCompile(`^rk_live_[0-9A-Za-z]{24,}`)},
	{kind: "huggingface_token", prefix: "hf_", re: regexp.MustCompile(`^hf_[A-Za-z]{34}\b`)},
	{kind: "npm_token", prefix: "npm_", re: regexp.MustCompile(`^npm_[0-9A-Za-z]{36}\b`)},
	{kind: "sendgrid_key", prefix: "SG.", re: regexp.MustCompile(`^SG\.[0-9A-Za-z_\-]{22}\.[0-9A-Za-z_\-]{43}`)},
	{kind: "jwt", prefix: "eyJ", re: regexp.MustCompile(`^eyJ[0-9A-Za-z_\-]{10,}\.eyJ[0-9A-Za-z_\-]{10,}\.[0-9A-Za-z_\-]{16,}`)},
	{kind: "telegram_bot_token", prefix: ":AA", re: regexp.MustCompile(`^:AA[0-9A-Za-z_\-]{33}\b`)},
}

// tokenByte marks the bytes tokens and the URLs around them are made of.
// Find looks for formats only inside runs of them that are long enough to
// hold a token, which ordinary prose rarely has: one pass over the text,
// then a few searches in the rare long runs.
var tokenByte = func() (t [256]bool) {
	for _, c := range []byte("ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789_-.:/+=") {
		t[c] = true
	}
	return t
}()

// minRun is the shortest run that can hold a token (the shortest format,
// an AWS key id, is 20 bytes).
const minRun = 20

// Find returns the secrets in text, in order, without overlaps.
func Find(text string) []Finding {
	var out []Finding
	for start, end := range longRuns(text) {
		out = findInRun(text, start, end, out)
	}
	// Formats with spaces in them: PEM armour, and an AWS secret key
	// after its name.
	out = findPEM(text, out)
	out = findAWSSecret(text, out)
	return firstOfOverlaps(out)
}

// firstOfOverlaps orders findings by start (stably: findings of one span
// keep the order they were found in) and keeps the first of overlapping
// ones (the longest at a start): sk-ant- is matched by the OpenAI pattern
// too.
func firstOfOverlaps(out []Finding) []Finding {
	if len(out) < 2 {
		return out
	}
	sort.SliceStable(out, func(a, b int) bool {
		if out[a].Start != out[b].Start {
			return out[a].Start < out[b].Start
		}
		return out[a].End > out[b].End
	})
	kept := out[:1]
	for _, f := range out[1:] {
		if f.Start >= kept[len(kept)-1].End {
			kept = append(kept, f)
		}
	}
	return kept
}

// longRuns yields the runs of token bytes at least minRun long, in order.
// It reads one byte in minRun where the text has no long run: any run that
// long holds text[i+minRun-1] if it starts at i or after, so a byte outside
// the token set there rules out every run starting before it; where the
// byte is a token byte, its run is measured both ways.
func longRuns(text string) func(yield func(start, end int) bool) {
	return func(yield func(start, end int) bool) {
		// i is 0 or just past a byte that is not a token byte, and every
		// run that starts before i has been yielded.
		for i := 0; i+minRun <= len(text); {
			p := i + minRun - 1
			if !tokenByte[text[p]] {
				i = p + 1
				continue
			}
			s, e := p, p+1
			for s > i && tokenByte[text[s-1]] {
				s--
			}
			for e < len(text) && tokenByte[text[e]] {
				e++
			}
			if e-s >= minRun && !yield(s, e) {
				return
			}
			i = e + 1 // text[e] is not a token byte (or e is the end)
		}
	}
}

// findInRun looks for the token formats in text[start:end], a run of
// token bytes. The run is read once: at each byte, only the formats whose
// prefix starts with it are tried (byFirst). A format's prefixes are taken
// left to right, each after the last one's match or prefix, and its
// findings come out in the order of formats, as 22 searches would give
// them (Find's sort is not stable, and keeps one of two findings with the
// same span by that order).
func findInRun(text string, start, end int, out []Finding) []Finding {
	run := text[start:end]
	var next [len(formats)]int // where each format's next prefix may start
	var found []hit            // rare: allocated only for a finding
	for at := 0; at < len(run); at++ {
		for _, i := range byFirst[run[at]] {
			f := &formats[i]
			if at < next[i] || !strings.HasPrefix(run[at:], f.prefix) {
				continue
			}
			next[i] = at + len(f.prefix)
			if f.kind == "telegram_bot_token" {
				// The bot id before the colon is part of the token.
				k := at
				for k > 0 && run[k-1] >= '0' && run[k-1] <= '9' {
					k--
				}
				if at-k < 6 || at-k > 12 || k > 0 && isWord(run[k-1]) {
					continue
				}
				if loc := f.re.FindStringIndex(run[at:]); loc != nil {
					found = append(found, hit{i, Finding{Kind: f.kind, Start: start + k, End: start + at + loc[1]}})
					next[i] = at + loc[1]
				}
				continue
			}
			if at > 0 && isWord(run[at-1]) && f.kind != "slack_webhook" && f.kind != "discord_webhook" {
				continue // inside a longer word: not this format's start
			}
			loc := f.re.FindStringIndex(run[at:])
			if loc == nil {
				continue
			}
			found = append(found, hit{i, Finding{Kind: f.kind, Start: start + at, End: start + at + loc[1]}})
			next[i] = at + loc[1]
		}
	}
	slices.SortStableFunc(found, func(a, b hit) int { return a.format - b.format })
	for _, h := range found {
		out = append(out, h.f)
	}
	return out
}

// hit is a finding of findInRun with its format's index.
type hit struct {
	format int
	f      Finding
}

// byFirst lists, for each byte, the formats whose prefix starts with it.
var byFirst = func() (t [256][]int) {
	for i, f := range formats {
		t[f.prefix[0]] = append(t[f.prefix[0]], i)
	}
	return t
}()

var (
	pemHeader   = regexp.MustCompile(`^-----BEGIN (?:[A-Z0-9]+ )*PRIVATE KEY(?: BLOCK)?-----`)
	awsSecretRE = regexp.MustCompile(`(?i)^_?secret_access_key["']?\s*[:=]\s*["']?([0-9A-Za-z/+]{40})\b`)
)

func findPEM(text string, out []Finding) []Finding {
	for off := 0; ; {
		// "BEGIN " then the dashes before it: dashes are common in text
		// (dates, rules, options), which makes them a slow first byte to
		// search for.
		j := strings.Index(text[off:], "BEGIN ")
		if j < 0 {
			return out
		}
		at := off + j - 5
		off = at + 11
		if at < 0 || text[at:at+5] != "-----" {
			continue
		}
		loc := pemHeader.FindStringIndex(text[at:])
		if loc == nil {
			continue
		}
		end := pemEnd(text[at+loc[1]:])
		if end < 0 {
			continue
		}
		out = append(out, Finding{Kind: "private_key", Start: at, End: at + loc[1] + end})
		off = at + loc[1] + end
	}
}

func findAWSSecret(text string, out []Finding) []Finding {
	for off := 0; ; {
		j := strings.Index(text[off:], "_access_key")
		if j < 0 {
			return out
		}
		at := off + j
		off = at + 11
		// aws_secret_access_key, AWS_SECRET_ACCESS_KEY, awsSecretAccessKey
		// is not matched: the snake-case name is what config files use.
		k := at - len("secret")
		if k < 0 || !strings.EqualFold(text[k:at], "secret") {
			continue
		}
		if m := awsSecretRE.FindStringSubmatchIndex(text[k:]); m != nil {
			out = append(out, Finding{Kind: "aws_secret_access_key", Start: k + m[2], End: k + m[3]})
			off = k + m[1]
		}
	}
}

var pemTrailer = regexp.MustCompile(`^-----END (?:[A-Z0-9]+ )*PRIVATE KEY(?: BLOCK)?-----`)

// pemEnd returns the offset just past the END line of a private key whose
// body starts rest, or -1.
func pemEnd(rest string) int {
	window := rest[:min(len(rest), 16<<10)]
	i := strings.Index(window, "-----END ")
	if i < 16 {
		return -1
	}
	loc := pemTrailer.FindStringIndex(rest[i:])
	if loc == nil {
		return -1
	}
	return i + loc[1]
}

func isWord(c byte) bool {
	return c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z' || c >= '0' && c <= '9' || c == '_' || c == '-'
}

// Placeholder is what a redacted secret becomes.
func Placeholder(kind string) string { return "[REDACTED:" + kind + "]" }

// Redact replaces each secret in text with its Placeholder. It returns text
// itself when there is none.
func Redact(text string) (string, []Finding) {
	found := Find(text)
	if len(found) == 0 {
		return text, nil
	}
	var b strings.Builder
	at := 0
	for _, f := range found {
		b.WriteString(text[at:f.Start])
		b.WriteString(Placeholder(f.Kind))
		at = f.End
	}
	b.WriteString(text[at:])
	return b.String(), found
}

// Kinds counts findings by kind.
func Kinds(found []Finding) map[string]int {
	if len(found) == 0 {
		return nil
	}
	m := map[string]int{}
	for _, f := range found {
		m[f.Kind]++
	}
	return m
}
