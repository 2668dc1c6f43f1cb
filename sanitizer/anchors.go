package sanitizer

import (
	"net/url"
	"regexp"
	"strings"
	"unicode"
)

// A table of contents generated from a page's headings says each heading
// three times on one line: the id of an empty anchor, the text of a link,
// and the link's #fragment,
//
//   - <a id="enable-developer-mode-and-collect-your-ids" />[Enable Developer Mode and collect your IDs](/channels/discord/setup#enable-developer-mode-and-collect-your-ids)
//
// and the content model, which reads the three as one unit, weighed "enable
// developer mode" three times: such a line scored 0.96 on a page of
// OpenClaw's Discord docs read fifty lines at a time. blankAnchorEchoes
// turns into spaces (offsets hold) an empty anchor whose id, and a link's
// fragment whose name, spells the text of the link next to it (letters and
// digits compared word by word, case and punctuation aside, percent-escapes
// decoded):
// the words are read once, in the link's text. An id or a fragment that
// says anything else than the link's text is kept and judged.
func blankAnchorEchoes(text string) string {
	if !strings.Contains(text, "](") || !strings.Contains(text, "#") && !strings.Contains(text, "<a ") {
		return text
	}
	var b []byte
	blank := func(from, to int) {
		if b == nil {
			b = []byte(text)
		}
		for i := from; i < to; i++ {
			b[i] = ' '
		}
	}
	for _, l := range mdLink.FindAllStringSubmatchIndex(text, -1) {
		label := slugWords(text[l[2]:l[3]])
		if label == "" {
			continue
		}
		if target := text[l[4]:l[5]]; strings.Contains(target, "#") {
			h := l[4] + strings.LastIndexByte(target, '#')
			if echoes(text[h+1:l[5]], label) {
				blank(h, l[5])
			}
		}
		// The anchors right before the link, nearest first: the last "<a"
		// of the maxAnchor bytes before it, matched whole. (A regexp
		// anchored at its end only read the whole text before every link:
		// 560 KB of anchored links took minutes.) An anchor whose id holds
		// "<a", or longer than maxAnchor, is not blanked, only judged.
		end := l[0]
		for {
			before := strings.TrimRight(text[:end], " \t")
			if !strings.HasSuffix(before, ">") {
				break
			}
			from := strings.LastIndex(before[max(0, len(before)-maxAnchor):], "<a")
			if from < 0 {
				break
			}
			from += max(0, len(before)-maxAnchor)
			a := emptyAnchor.FindStringSubmatchIndex(before[from:])
			if a == nil {
				break
			}
			if echoes(before[from+a[2]:from+a[3]], label) {
				blank(from, len(before))
			}
			end = from
		}
	}
	if b == nil {
		return text
	}
	return string(b)
}

var (
	// mdLink is a Markdown link on one line: [text](target).
	mdLink = regexp.MustCompile(`\[([^\[\]\n]{1,300})\]\(([^()\s]{1,1000})\)`)
	// emptyAnchor is, whole, an HTML anchor with an id or a name and
	// nothing inside.
	emptyAnchor = regexp.MustCompile(`^<a\s+(?:id|name)="([^"\n]{1,300})"\s*(?:/>|>\s*</a>)$`)
)

// maxAnchor bounds the bytes an empty anchor before a link is looked for
// in: its 300-byte id, its markup and some blanks.
const maxAnchor = 400

// echoes reports whether an anchor's id or a fragment spells label (the
// link text's slugWords), maybe with the "-2" a slugger adds to the second
// heading of the same words.
func echoes(id, label string) bool {
	if slugWords(id) == label {
		return true
	}
	i := strings.LastIndexByte(id, '-')
	if i < 0 || i == len(id)-1 || strings.Trim(id[i+1:], "0123456789") != "" {
		return false
	}
	return slugWords(id[:i]) == label
}

// slugWords is s percent-decoded, as its words: runs of letters and digits
// (lowercased) cut at blanks, hyphens and underscores, with anything else
// dropped ("What's new" and "whats-new" are "whats new", "CLI / config"
// and "cli-%2F-config" are "cli config"). The words, not the letters alone,
// must match: a link text of one glued token ("StopWhatYouAreDoing...") has
// the letters of an id that spells them out as a sentence, and the content
// model reads the token as one word it never saw, the sentence as an order.
func slugWords(s string) string {
	if u, err := url.PathUnescape(s); err == nil {
		s = u
	}
	var sb strings.Builder
	gap := false
	for _, r := range s {
		switch {
		case unicode.IsLetter(r) || unicode.IsDigit(r):
			if gap && sb.Len() > 0 {
				sb.WriteByte(' ')
			}
			gap = false
			sb.WriteRune(unicode.ToLower(r))
		case unicode.IsSpace(r) || r == '-' || r == '_':
			gap = true
		}
	}
	return sb.String()
}
