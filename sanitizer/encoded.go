package sanitizer

import (
	"bytes"
	"encoding/base64"
	"encoding/binary"
	"encoding/hex"
	"html"
	"math/bits"
	"slices"
	"strconv"
	"strings"
	"unicode"
	"unicode/utf16"
	"unicode/utf8"
)

// Encoded payloads. An instruction can be hidden from matchers by encoding
// it and asking the model to decode it, so the sanitizer decodes what looks
// encoded and scans the result with the rules and the model like any text:
//
//   - base64, standard or URL-safe alphabet, at least minBase64 characters;
//   - hex, at least minHex digits;
//   - rot13, which no alphabet gives away: the rule literals' rot13 forms are
//     in the same automaton as the literals, and a stretch of text where two
//     different ones occur is decoded (see ruleEngine.rot13Regions).
//
// A hit in decoded text is reported as "encoded.<encoding>/<rule id>" with
// the span of the whole encoded stretch. Decoded bytes that do not look like
// text (an image, a key, a hash) are not scanned, so a data URL or a digest
// fires nothing. Decoding goes at most maxEncodedDepth levels deep, and at
// most maxDecoded bytes are decoded per text; a text that needs more is
// reported as LimitsRuleID.
const (
	minBase64       = 24
	minHex          = 32
	maxEncodedDepth = 2
	maxDecoded      = 1 << 20
)

// blob is a stretch of text that may be encoded.
type blob struct {
	encoding   string // "base64" or "hex"
	start, end int
	url        bool // base64 with the URL-safe alphabet
}

// Character classes of the encoding alphabets.
const (
	cHex   = 1 << iota // 0-9 a-f A-F
	cAlpha             // other letters
	cStd               // + and /, standard base64 only
	cURL               // - and _, URL-safe base64 only
)

var encClass = func() (t [256]uint8) {
	for c := range 256 {
		switch {
		case '0' <= c && c <= '9', 'a' <= c && c <= 'f', 'A' <= c && c <= 'F':
			t[c] = cHex
		case 'g' <= c && c <= 'z', 'G' <= c && c <= 'Z':
			t[c] = cAlpha
		case c == '+' || c == '/':
			t[c] = cStd
		case c == '-' || c == '_':
			t[c] = cURL
		}
	}
	return t
}()

// findBlobs appends the stretches of text that may be base64 or hex. Runs
// shorter than minBase64 cannot be blobs, so it probes one byte in every
// minBase64 and reads around a probe only when it lands in a run.
func findBlobs(text string, out []blob) []blob {
	for i := 0; i+minBase64 <= len(text); {
		p := i + minBase64 - 1
		if encClass[text[p]] == 0 {
			i = p + 1
			continue
		}
		start := p
		for start > i && encClass[text[start-1]] != 0 {
			start--
		}
		end, kinds := start, uint8(0)
		for end < len(text) && encClass[text[end]] != 0 {
			kinds |= encClass[text[end]]
			end++
		}
		switch {
		case kinds == cHex && end-start >= minHex:
			out = append(out, blob{encoding: "hex", start: start, end: end})
		case kinds&(cStd|cURL) != cStd|cURL && end-start >= minBase64:
			pad := end
			for pad < len(text) && pad-end < 2 && text[pad] == '=' {
				pad++
			}
			out = append(out, blob{encoding: "base64", start: start, end: pad, url: kinds&cURL != 0})
		}
		i = end + 1
	}
	return out
}

// decode appends to dst the bytes b encodes, when they look like text, and
// reports whether it did. Only a short prefix is decoded before that is
// known, so binary blobs cost little. tmp is scratch space.
func (b blob) decode(dst []byte, text string, tmp *[]byte) ([]byte, bool) {
	src := text[b.start:b.end]
	switch b.encoding {
	case "percent", "html", "quoted-printable", "unicode-escape", "morse", "binary", "hex-spaced", "base64-spaced":
		at := len(dst)
		dst = decodeEscapes(dst, b.encoding, src, tmp)
		if len(dst) == at || !looksLikeText(dst[at:], false) {
			return dst[:at], false
		}
		return dst, true
	}
	var dec func(dst, src []byte) (int, error)
	var decLen func(int) int
	switch b.encoding {
	case "hex":
		src = src[:len(src)&^1]
		dec, decLen = hex.Decode, hex.DecodedLen
	default:
		src = strings.TrimRight(src, "=")
		if len(src)%4 == 1 {
			src = src[:len(src)-1]
		}
		enc := base64.RawStdEncoding
		if b.url {
			enc = base64.RawURLEncoding
		}
		dec, decLen = enc.Decode, enc.DecodedLen
	}
	*tmp = append((*tmp)[:0], src...)
	in := *tmp
	if len(in) > 64 {
		// A prefix of a multiple of four characters decodes on its own in
		// both encodings: a binary blob is turned away after 48 bytes.
		var head [48]byte
		n, err := dec(head[:], in[:64])
		if err != nil || !looksLikeText(head[:n], true) {
			return dst, false
		}
	}
	at := len(dst)
	dst = slices.Grow(dst, decLen(len(in)))
	n, err := dec(dst[at:at+decLen(len(in))], in)
	if err != nil || !looksLikeText(dst[at:at+n], false) {
		return dst[:at], false
	}
	return dst[:at+n], true
}

// looksLikeText reports whether b is UTF-8 text with few control
// characters and a fair share of letters. cut says b may end in the middle
// of a character.
func looksLikeText(b []byte, cut bool) bool {
	if cut {
		for k := 1; k < utf8.UTFMax && k <= len(b); k++ {
			if utf8.RuneStart(b[len(b)-k]) {
				if !utf8.FullRune(b[len(b)-k:]) {
					b = b[:len(b)-k]
				}
				break
			}
		}
	}
	runes, control, letter := 0, 0, 0
	for i := 0; i < len(b); {
		if c := b[i]; c < utf8.RuneSelf {
			runes++
			switch {
			case 'a' <= c|0x20 && c|0x20 <= 'z':
				letter++
			case (c < 0x20 && c != '\t' && c != '\n' && c != '\r') || c == 0x7f:
				control++
			}
			i++
			continue
		}
		r, size := utf8.DecodeRune(b[i:])
		if r == utf8.RuneError && size == 1 {
			return false
		}
		runes++
		if unicode.IsLetter(r) {
			letter++
		} else if unicode.IsControl(r) {
			control++
		}
		i += size
	}
	return control*16 <= runes && letter*3 >= runes
}

// invisibleRegions returns the stretches of text around invisible
// characters that follow a letter (see textnorm: they break words), merged
// where they overlap, each reaching joinedReach bytes either side.
func invisibleRegions(text string) [][2]int {
	const joinedReach = 256
	var out [][2]int
	prevLetter := false
	for i, r := range text {
		if r < utf8.RuneSelf {
			prevLetter = 'a' <= r|0x20 && r|0x20 <= 'z'
			continue
		}
		if !hidden(r) {
			prevLetter = unicode.IsLetter(r)
			continue
		}
		if !prevLetter {
			continue
		}
		lo, hi := runeStart(text, max(0, i-joinedReach)), runeStart(text, min(len(text), i+joinedReach))
		if n := len(out); n > 0 && lo <= out[n-1][1] {
			out[n-1][1] = hi
		} else {
			out = append(out, [2]int{lo, hi})
		}
	}
	return out
}

// hidden reports the invisible characters that break words in textnorm:
// format, private-use and variation-selector characters other than the
// joiners.
func hidden(r rune) bool {
	if uint32(r) < 1<<16 {
		return hiddenBMP[r/64]&(1<<(r%64)) != 0
	}
	if r >= 0xE0000 && r <= 0xE0FFF { // tags and variation selectors: ASCII smuggling
		r -= 0xE0000
		return hiddenTags[r/64]&(1<<(r%64)) != 0
	}
	return hiddenByCategory(r)
}

// hiddenTags is hidden for U+E0000 to U+E0FFF, a bit a character.
var hiddenTags = func() (t [0x1000 / 64]uint64) {
	for r := rune(0); r < 0x1000; r++ {
		if hiddenByCategory(0xE0000 + r) {
			t[r/64] |= 1 << (r % 64)
		}
	}
	return t
}()

// hiddenByCategory is hidden by the Unicode tables.
func hiddenByCategory(r rune) bool {
	return r >= 0xAD && r != 0x200C && r != 0x200D && (unicode.In(r, unicode.Cf, unicode.Co, unicode.Variation_Selector) || (r >= 0xE0000 && r <= 0xE0FFF && (r < 0xE0020 || r > 0xE007E)))
}

// hiddenBMP is hidden for the Basic Multilingual Plane, a bit a character,
// set from the ranges of the tables hiddenByCategory reads: a text full of
// invisible characters asks for one bit each, not three table searches.
var hiddenBMP = func() (t [1 << 16 / 64]uint64) {
	for _, tab := range []*unicode.RangeTable{unicode.Cf, unicode.Co, unicode.Variation_Selector} {
		for _, rg := range tab.R16 {
			for r := rune(rg.Lo); r <= rune(rg.Hi); r += rune(rg.Stride) {
				if hiddenByCategory(r) {
					t[r/64] |= 1 << (r % 64)
				}
			}
		}
	}
	return t
}()

func runeStart(text string, i int) int {
	for i > 0 && i < len(text) && !utf8.RuneStart(text[i]) {
		i--
	}
	return i
}

// appendJoined appends text to dst without its hidden characters.
func appendJoined(dst []byte, text string) []byte {
	for i := 0; i < len(text); {
		j := i
		for j < len(text) && text[j] < utf8.RuneSelf {
			j++
		}
		dst = append(dst, text[i:j]...)
		if j == len(text) {
			break
		}
		r, size := utf8.DecodeRuneInString(text[j:])
		if !hidden(r) {
			dst = append(dst, text[j:j+size]...)
		}
		i = j + size
	}
	return dst
}

// Escapes and spaced encodings: percent-encoding ("ignore%20all"), HTML
// character references ("&#105;&#103;"), hex bytes with separators ("69 67
// 6e", "\x69\x67", "0x69,0x67"), base64 split into groups by white space
// ("aWdu b3Jl IGFs"), and Morse code ("... . -.-."), the last only in a text
// that speaks of decoding. A run needs minEscapes escapes (or bytes, or
// groups) to be worth decoding; ordinary text has none, and a URL with one
// %20 stays a URL.
const (
	minEscapes    = 2
	escapeGap     = 16 // bytes of plain text allowed between two escapes of a run
	minSpacedHex  = 8
	minB64Groups  = 3
	minMorseChars = 8
	// minBinaryBytes is the fewest 8-bit binary groups worth decoding: a
	// bit-mask table has a few, a sentence has dozens.
	minBinaryBytes = 8
	escapeReach    = 256
)

// escapeRunsIn appends the runs of escapes in text (percent, HTML and
// quoted-printable); the runs of tokens (spaced encodings) are tokenRuns'.
func escapeRunsIn(text string, out []blob) []blob {
	out = escapeRuns(text, '%', "percent", percentAt, out)
	out = escapeRuns(text, '&', "html", entityAt, out)
	out = escapeRuns(text, '=', "quoted-printable", quotedPrintableAt, out)
	n := len(out)
	out = escapeRuns(text, '\\', "unicode-escape", unicodeEscapeAt, out)
	for i := n; i < len(out); i++ {
		// Escaped letters mixed with plain words ("\u0069gnore all
		// previous ...") are read with the words around them: the run is
		// decoded in place with escapeReach bytes either side.
		out[i].start = runeStart(text, max(0, out[i].start-escapeReach))
		out[i].end = runeStart(text, min(len(text), out[i].end+escapeReach))
	}
	return out
}

// percentAt is the length of the percent escape at text[i:], or 0.
func percentAt(text string, i int) int {
	if i+2 < len(text) && text[i] == '%' && encClass[text[i+1]] == cHex && encClass[text[i+2]] == cHex {
		return 3
	}
	return 0
}

// quotedPrintableAt is the length of the quoted-printable escape at text[i:]
// (=20, =3D: "=" and two upper-case hex digits, as RFC 2045 writes them),
// or 0.
func quotedPrintableAt(text string, i int) int {
	upperHex := func(c byte) bool { return '0' <= c && c <= '9' || 'A' <= c && c <= 'F' }
	if i+2 < len(text) && text[i] == '=' && upperHex(text[i+1]) && upperHex(text[i+2]) {
		return 3
	}
	return 0
}

// unicodeEscapeAt is the length of the JSON, JavaScript, Python or Java
// escape of a code point at text[i:] (\u0069, \u{69}, \U00000069), or 0.
// Text that holds such escapes literally is read by a model as the
// characters they name.
func unicodeEscapeAt(text string, i int) int {
	if i+1 >= len(text) || text[i] != '\\' {
		return 0
	}
	hexRun := func(from, max int) int {
		k := from
		for k < len(text) && k-from < max && encClass[text[k]] == cHex {
			k++
		}
		return k - from
	}
	switch text[i+1] {
	case 'u':
		if i+2 < len(text) && text[i+2] == '{' {
			if n := hexRun(i+3, 6); n > 0 && i+3+n < len(text) && text[i+3+n] == '}' {
				return n + 4
			}
			return 0
		}
		if hexRun(i+2, 4) == 4 {
			return 6
		}
	case 'U':
		if hexRun(i+2, 8) == 8 {
			return 10
		}
	}
	return 0
}

// entityAt is the length of the HTML character reference at text[i:], or
// 0: &name; &#ddd; &#xhh;.
func entityAt(text string, i int) int {
	j := i + 1
	if j < len(text) && text[j] == '#' {
		j++
		if j < len(text) && text[j]|0x20 == 'x' {
			j++
		}
	}
	k := j
	for k < len(text) && k-j < 32 && encClass[text[k]]&(cHex|cAlpha) != 0 {
		k++
	}
	if k > j && k < len(text) && text[k] == ';' {
		return k + 1 - i
	}
	return 0
}

// escapeRuns appends the runs of at least minEscapes escapes that start with
// c, each within escapeGap bytes of the last and on its line, widened to the
// whole words at their ends.
func escapeRuns(text string, c byte, encoding string, escAt func(string, int) int, out []blob) []blob {
	start, end, n := -1, -1, 0
	flush := func() {
		if n >= minEscapes {
			for start > 0 && !isSpace(text[start-1]) {
				start--
			}
			for end < len(text) && !isSpace(text[end]) {
				end++
			}
			out = append(out, blob{encoding: encoding, start: start, end: end})
		}
		start, n = -1, 0
	}
	for i := 0; ; {
		k := strings.IndexByte(text[i:], c)
		if k < 0 {
			break
		}
		i += k
		l := escAt(text, i)
		if l == 0 {
			i++
			continue
		}
		if n > 0 && (i-end > escapeGap || strings.IndexByte(text[end:i], '\n') >= 0) {
			flush()
		}
		if n == 0 {
			start = i
		}
		end, n = i+l, n+1
		i += l
	}
	flush()
	return out
}

func isSpace(c byte) bool { return c == ' ' || c == '\n' || c == '\t' || c == '\r' }

// Token kinds for tokenRuns.
const (
	tokOther  = iota
	tokHex    // hex bytes: "69", "0x69", "\x69\x67", "69:67:6e"
	tokB64    // a group of base64 that does not read as a word
	tokMorse  // dots and dashes, or a slash between Morse words
	tokBinary // eight binary digits: one byte
)

// tokenRuns appends runs of white-space separated tokens that together
// spell hex bytes, base64 or Morse code.
//
// Most tokens are words. One table read per byte (runClass) finds the end
// of a token and gathers what classifyToken would look at; a token that
// cannot be hex, base64 or Morse by those facts alone is skipped without
// calling it (see maybeEncoded), so the outcome is classifyToken's for
// every token.
func tokenRuns(text string, out []blob, asks func() bool) []blob {
	ts := tokenScanner{text: text, ask: asks}
	return ts.next(out, len(text))
}

// tokenStretch is how much text the scan has a tokenScanner read at a time.
const tokenStretch = 16 << 10

// tokenScanner is tokenRuns a stretch at a time: the scan reads the runs of
// a long text as it decodes them, and stops reading where decoding stops (a
// flood of encoded attacks is refused at its first batch).
type tokenScanner struct {
	text string
	ask  func() bool // whether the text asks for decoding
	i    int         // the next byte to read
	// the run being read
	kind, start, end, count, weight int
	aside                           int // morseBytes(text)+1 once counted, or 0
	asks                            int // 1 + what ts.asks said, once asked, or 0
	b64                             int // the tokens read so far that are groups of base64 (tokB64)
}

// asked is what ts.asks says, asked once: it reads the whole text, and a
// text of many runs of Morse code asked it at each (a MiB of them took 11
// s, and 87 s when the runs were all the text said).
func (ts *tokenScanner) asked() bool {
	if ts.asks == 0 {
		ts.asks = 1
		if ts.ask() {
			ts.asks = 2
		}
	}
	return ts.asks == 2
}

// onlyRun reports whether text[start:end] is all the text says: at most
// morseAside bytes other than white space and punctuation lie outside it. A
// message that is nothing but Morse code has no other reading than its
// decoding, so it is decoded without a request to ("-- --- .-. ... ." alone
// decodes to a word that is then judged like any other text). The bytes
// aside from the run are those of the text less the run's, and the text's
// are counted once: a text of a thousand runs of Morse code is not read a
// thousand times over.
func (ts *tokenScanner) onlyRun(start, end int) bool {
	if ts.aside == 0 {
		ts.aside = morseBytes(ts.text) + 1
	}
	return ts.aside-1-morseBytes(ts.text[start:end]) <= morseAside
}

// done reports that the whole text has been read.
func (ts *tokenScanner) done() bool { return ts.i > len(ts.text) }

// next appends the runs that end before the first token to start at or
// after upto, or, at the end of the text, every run left. Runs come out in
// the order tokenRuns gives them.
func (ts *tokenScanner) next(out []blob, upto int) []blob {
	text := ts.text
	kind, start, end, count, weight := ts.kind, ts.start, ts.end, ts.count, ts.weight
	flush := func() {
		switch {
		case kind == tokHex && weight >= minSpacedHex,
			kind == tokB64 && count >= minB64Groups && weight >= minBase64,
			kind == tokMorse && weight >= minMorseChars && dotsAndDashes(text[start:end]) && (ts.asked() || ts.onlyRun(start, end)),
			kind == tokBinary && weight >= minBinaryBytes:
			out = append(out, blob{encoding: [...]string{tokHex: "hex-spaced", tokB64: "base64-spaced", tokMorse: "morse", tokBinary: "binary"}[kind], start: start, end: end})
		}
		kind, count, weight = tokOther, 0, 0
	}
	i := ts.i
	for i < len(text) && i < upto {
		first := runClass[text[i]]
		if first&rcSpace != 0 {
			i++
			continue
		}
		letter := first&(rcLower|rcUpper) != 0
		// plainWord finds no word whose second byte is neither a
		// lower-case letter nor one that may end it (base64 groups:
		// "aWdu b3Jl").
		if letter && i+1 < len(text) && (text[i+1] < '!' || 'a' <= text[i+1] && text[i+1] <= 'z') {
			if j := plainWord(text, i); j > i {
				if kind != tokOther {
					flush()
				}
				i = j
				continue
			}
		}
		j, rest := i+1, uint32(0)
		for j < len(text) {
			c := runClass[text[j]]
			if c&rcSpace != 0 {
				break
			}
			rest |= c
			j++
		}
		k, w := tokOther, 0
		// A token that starts with a letter is mostly a word with a mark
		// after it ("report."): maybeEncoded turns it away. Others (Morse,
		// hex, brackets) go to classifyToken as they are.
		if !letter || maybeEncoded(first, rest, j-i) {
			k, w = classifyToken(text[i:j])
			if k == tokB64 {
				ts.b64++
			}
		}
		if k != kind || k == tokOther || i-end > 3 {
			if kind != tokOther {
				flush()
			}
			if k != tokOther {
				kind, start = k, i
			}
		}
		if k != tokOther {
			end, count, weight = j, count+1, weight+w
		}
		i = j
	}
	if i >= len(text) {
		flush()
		i = len(text) + 1 // done
	}
	ts.i, ts.kind, ts.start, ts.end, ts.count, ts.weight = i, kind, start, end, count, weight
	return out
}

// plainWord returns the end of the token at text[i] when it is a word
// classifyToken certainly calls tokOther, or i: a letter then lower-case
// letters only, of one byte or with a letter from g to z. Such a token is
// only letters (none is rcBad, no digit, + / - _ or other byte), so it is
// not Morse; it has a letter beyond f, or one byte, so it is not hex; and
// it has no digit, + / - _, or upper case after its first byte, so it is
// not base64 (maybeEncoded). Eight bytes at a time (SWAR, as in textnorm);
// the last eight bytes of the text are left to the byte loop.
func plainWord(text string, i int) int {
	c := text[i]
	if runClass[c]&(rcLower|rcUpper) == 0 {
		return i
	}
	gz := c|0x20 >= 'g'
	for j := i + 1; j+8 <= len(text); j += 8 {
		x := binary.LittleEndian.Uint64([]byte(text[j : j+8]))
		low := swarIn(x, 'a', 'z')
		end := swarBelow(x, '!') // the token ends at the first of these
		if end == 0 {
			if low != swarHighs {
				return i
			}
			gz = gz || swarIn(x, 'g', 'z') != 0
			continue
		}
		n := bits.TrailingZeros64(end) / 8
		m := uint64(swarHighs) & (uint64(1)<<(8*n) - 1)
		if low&m != m || runClass[text[j+n]]&rcSpace == 0 {
			return i
		}
		if gz || swarIn(x, 'g', 'z')&m != 0 || j == i+1 && n == 0 {
			return j + n
		}
		return i
	}
	return i
}

// SWAR byte tests, after "Bit Twiddling Hacks" (Sean Eron Anderson): the
// top bit of each byte of the result says whether that byte of x passes.
// Exact per byte: no carry crosses a byte, since only 7-bit values are
// added to.
const (
	swarOnes  = 0x0101010101010101
	swarHighs = 0x8080808080808080
)

// swarIn marks the bytes of x from lo to hi (lo > 0, hi < 0x7f).
func swarIn(x uint64, lo, hi byte) uint64 {
	v := x &^ swarHighs
	return (v + swarOnes*uint64(0x80-lo)) &^ (v + swarOnes*uint64(0x7f-hi)) &^ x & swarHighs
}

// swarBelow marks the bytes of x below lo (lo > 0).
func swarBelow(x uint64, lo byte) uint64 {
	v := x &^ swarHighs
	return ^((v + swarOnes*uint64(0x80-lo)) | x) & swarHighs
}

// Bits of runClass: the byte's tokClass bits, and what classifyToken's
// per-byte switch notes about it.
const (
	rcTok    = 0xff    // tokClass
	rcSpace  = 1 << 8  // isSpace
	rcBad    = 1 << 9  // not in tokClass and not '=': the token is tokOther
	rcLower  = 1 << 10 // a-z
	rcUpper  = 1 << 11 // A-Z
	rcDigit  = 1 << 12 // 0-9
	rcStd    = 1 << 13 // + /
	rcURL    = 1 << 14 // - _
	rcNonB64 = 1 << 15 // in tokClass, not a letter, digit, + / - _ or =
)

var runClass = func() (t [256]uint32) {
	for c := range 256 {
		b := byte(c)
		t[c] = uint32(tokClass[c])
		switch {
		case isSpace(b):
			t[c] |= rcSpace
		case tokClass[c] == 0 && b != '=':
			t[c] |= rcBad
		case 'a' <= b && b <= 'z':
			t[c] |= rcLower
		case 'A' <= b && b <= 'Z':
			t[c] |= rcUpper
		case '0' <= b && b <= '9':
			t[c] |= rcDigit
		case b == '+' || b == '/':
			t[c] |= rcStd
		case b == '-' || b == '_':
			t[c] |= rcURL
		case b == '=':
		default:
			t[c] |= rcNonB64
		}
	}
	return t
}()

// maybeEncoded reports whether classifyToken could say anything but
// tokOther of a token of n bytes, given the runClass bits of its first byte
// and the union of those of the others. Each test is a necessary condition
// of one of classifyToken's non-tokOther outcomes, read off its code.
func maybeEncoded(first, rest uint32, n int) bool {
	all := first | rest
	if n > 256 || all&rcBad != 0 {
		return false // classifyToken's early returns
	}
	tok := uint8(all & rcTok)
	// Morse: only Morse, base64 and separator bytes, at most 7.
	if tok&^(tbMorse|tbB64|tbHexSep) == 0 && n <= 7 && tok&tbMorse != 0 {
		return true
	}
	// Hex bytes: hex digits and separators only, or a 0x, \x or bracket
	// prefix.
	if tok&tbHex != 0 && tok&^(tbHex|tbHexSep|tbTrim) == 0 {
		return true
	}
	if tok&tbAlpha != 0 && (first&rcDigit != 0 || first&rcTok&tbTrim != 0 || first&rcNonB64 != 0 && first&rcTok&tbHexSep != 0) {
		return true // t[0] may be '0', '\\' or a bracket or quote
	}
	// Base64: no other bytes; digits, + / - _, or mixed case after the first
	// byte.
	if n >= 4 && all&rcNonB64 == 0 {
		std, url := all&rcStd != 0, all&rcURL != 0
		if !(std && url) && (all&rcDigit != 0 || rest&rcLower != 0 && rest&rcUpper != 0 || std || url) {
			return true
		}
	}
	return false
}

// Byte classes for classifyToken, one table read per byte.
const (
	tbHex    = 1 << iota // 0-9 a-f A-F
	tbAlpha              // other ASCII letters
	tbMorse              // . - _ / |
	tbB64                // + / - _ (and the letters and digits)
	tbHexSep             // , : - ; and x \ of 0x and \x
	tbTrim               // brackets and quotes around a token
)

var tokClass = func() (t [256]uint8) {
	for c := range 256 {
		switch {
		case '0' <= c && c <= '9', 'a' <= c && c <= 'f', 'A' <= c && c <= 'F':
			t[c] = tbHex
		case 'g' <= c && c <= 'z', 'G' <= c && c <= 'Z':
			t[c] = tbAlpha
		}
	}
	for _, c := range ".-_/|" {
		t[c] |= tbMorse
	}
	for _, c := range "+/-_" {
		t[c] |= tbB64
	}
	for _, c := range ",:-;x\\" {
		t[c] |= tbHexSep
	}
	for _, c := range "{}[]()<>\"'" {
		t[c] |= tbTrim
	}
	return t
}()

// classifyToken says what a token may be part of, and its weight: the bytes
// it encodes (hex), its characters (base64), or its Morse letters. Most
// tokens are words, told apart in one pass over their bytes.
func classifyToken(t string) (int, int) {
	if len(t) > 256 {
		return tokOther, 0
	}
	var all uint8
	lower, upper, digit, nonB64, std, url := false, false, false, false, false, false
	for i := 0; i < len(t); i++ {
		c := t[i]
		k := tokClass[c]
		if k == 0 && !(c == '=' && i >= len(t)-2) {
			return tokOther, 0
		}
		all |= k
		switch {
		case 'a' <= c && c <= 'z':
			lower = lower || i > 0
		case 'A' <= c && c <= 'Z':
			upper = upper || i > 0
		case '0' <= c && c <= '9':
			digit = true
		case c == '+' || c == '/':
			std = true
		case c == '-' || c == '_':
			url = true
		case c == '=':
		default:
			nonB64 = true
		}
	}
	if all&^(tbMorse|tbB64|tbHexSep) == 0 && len(t) <= 7 && all&tbMorse != 0 {
		morse := true
		for i := 0; i < len(t); i++ {
			morse = morse && tokClass[t[i]]&tbMorse != 0
		}
		if morse {
			return tokMorse, 1
		}
	}
	if len(t) == 8 && isBinaryOctet(t) {
		return tokBinary, 1
	}
	if all&tbHex != 0 && all&^(tbHex|tbHexSep|tbTrim) == 0 || all&tbAlpha != 0 && (t[0] == '0' || t[0] == '\\' || tokClass[t[0]]&tbTrim != 0) && hasHexPrefix(t) {
		if n := hexBytes(trimToken(t)); n > 0 {
			return tokHex, n
		}
	}
	if len(t) >= 4 && !nonB64 {
		// A group of base64 rarely reads as a word: lower case,
		// Capitalised or in capitals, without digits or + / - _.
		if !(std && url) && (digit || lower && upper || std || url) {
			return tokB64, len(t)
		}
	}
	return tokOther, 0
}

// isBinaryOctet reports whether t is only '0' and '1' (strings.Trim with a
// cutset builds a set for every call: a tenth of classifyToken's time).
func isBinaryOctet(t string) bool {
	for i := 0; i < len(t); i++ {
		if t[i] != '0' && t[i] != '1' {
			return false
		}
	}
	return true
}

func hasHexPrefix(t string) bool {
	t = trimToken(t)
	return len(t) > 2 && (t[0] == '0' && t[1]|0x20 == 'x' || t[0] == '\\' && t[1] == 'x')
}

// trimToken drops the brackets and quotes around a token.
func trimToken(t string) string {
	for len(t) > 0 && tokClass[t[0]]&tbTrim != 0 {
		t = t[1:]
	}
	for len(t) > 0 && (tokClass[t[len(t)-1]]&tbTrim != 0 || t[len(t)-1] == ',' || t[len(t)-1] == ';') {
		t = t[:len(t)-1]
	}
	return t
}

// hexBytes is the number of bytes a token of hex bytes spells, or 0: pairs
// of hex digits, each with an optional 0x or \x, alone or joined by one
// separator.
func hexBytes(t string) int {
	n := 0
	for i := 0; i < len(t); {
		if i+1 < len(t) && (t[i] == '0' && t[i+1]|0x20 == 'x' && i+3 < len(t) || t[i] == '\\' && t[i+1] == 'x') {
			i += 2
		}
		if i+1 >= len(t) || encClass[t[i]] != cHex || encClass[t[i+1]] != cHex {
			return 0
		}
		i += 2
		n++
		if i < len(t) && (t[i] == ',' || t[i] == ':' || t[i] == '-' || t[i] == ';') {
			i++
		}
	}
	return n
}

// decodeHexEscapes decodes the three-byte escapes (%XX, =XX) that at finds
// in src, and copies the bytes between them.
func decodeHexEscapes(dst []byte, src string, at func(string, int) int) []byte {
	for i := 0; i < len(src); i++ {
		if at(src, i) > 0 { // two hex digits follow
			dst = append(dst, unhex(src[i+1])<<4|unhex(src[i+2]))
			i += 2
			continue
		}
		dst = append(dst, src[i])
	}
	return dst
}

// unhex is the value of a hex digit.
func unhex(c byte) byte {
	switch {
	case c <= '9':
		return c - '0'
	case c >= 'a':
		return c - 'a' + 10
	}
	return c - 'A' + 10
}

// decodeEscapes appends the decoded form of an escape run to dst.
func decodeEscapes(dst []byte, encoding, src string, tmp *[]byte) []byte {
	switch encoding {
	case "percent":
		// A "+" is a blank, as a form or a query string writes it
		// (url.QueryEscape), and "%2B" a plus: read as a joint, a whole
		// text so escaped was runs of one token without sentences
		// (round 8).
		for i := 0; i < len(src); i++ {
			switch {
			case percentAt(src, i) > 0:
				dst = append(dst, unhex(src[i+1])<<4|unhex(src[i+2]))
				i += 2
			case src[i] == '+':
				dst = append(dst, ' ')
			default:
				dst = append(dst, src[i])
			}
		}
	case "html":
		dst = append(dst, html.UnescapeString(src)...)
	case "quoted-printable":
		dst = decodeHexEscapes(dst, src, quotedPrintableAt)
	case "unicode-escape":
		for i := 0; i < len(src); i++ {
			l := unicodeEscapeAt(src, i)
			if l == 0 {
				dst = append(dst, src[i])
				continue
			}
			digits := strings.Trim(src[i+2:i+l], "{}")
			v, err := strconv.ParseUint(digits, 16, 32)
			if err != nil {
				v = utf8.RuneError
			}
			r := rune(v)
			// A UTF-16 surrogate pair, as JSON writes characters beyond the BMP.
			if utf16.IsSurrogate(r) && i+l+1 < len(src) {
				if l2 := unicodeEscapeAt(src, i+l); l2 == 6 {
					if v2, err := strconv.ParseUint(src[i+l+2:i+l+6], 16, 32); err == nil {
						if p := utf16.DecodeRune(r, rune(v2)); p != utf8.RuneError {
							r, l = p, l+l2
						}
					}
				}
			}
			if !utf8.ValidRune(r) {
				r = utf8.RuneError
			}
			dst = utf8.AppendRune(dst, r)
			i += l - 1
		}
	case "binary":
		for _, g := range strings.Fields(src) {
			if v, err := strconv.ParseUint(g, 2, 8); err == nil && len(g) == 8 {
				dst = append(dst, byte(v))
			}
		}
	case "hex-spaced":
		*tmp = (*tmp)[:0]
		for i := 0; i < len(src); {
			if i+1 < len(src) && (src[i] == '0' && src[i+1]|0x20 == 'x' || src[i] == '\\' && src[i+1] == 'x') {
				i += 2
				continue
			}
			if i+1 < len(src) && encClass[src[i]] == cHex && encClass[src[i+1]] == cHex {
				*tmp = append(*tmp, src[i], src[i+1])
				i += 2
				continue
			}
			i++
		}
		at := len(dst)
		dst = slices.Grow(dst, len(*tmp)/2)[:at+len(*tmp)/2]
		if _, err := hex.Decode(dst[at:], *tmp); err != nil {
			return dst[:at]
		}
	case "base64-spaced":
		// The groups without white space and padding, sized once.
		buf, n := slices.Grow((*tmp)[:0], len(src))[:len(src)], 0
		for i := 0; i < len(src); i++ {
			c := src[i]
			buf[n] = c
			if !isSpace(c) && c != '=' {
				n++
			}
		}
		*tmp = buf[:n]
		url := bytes.ContainsAny(*tmp, "-_")
		if len(*tmp)%4 == 1 {
			*tmp = (*tmp)[:len(*tmp)-1]
		}
		enc := base64.RawStdEncoding
		if url {
			enc = base64.RawURLEncoding
		}
		at := len(dst)
		dst = slices.Grow(dst, enc.DecodedLen(len(*tmp)))
		n, err := enc.Decode(dst[at:at+enc.DecodedLen(len(*tmp))], *tmp)
		if err != nil {
			return dst[:at]
		}
		dst = dst[:at+n]
	case "morse":
		// One pass: a code ends at white space or a word break (/ or |),
		// which also ends the word.
		// The code read so far is a key of morseIndex: a leading 1 bit,
		// then a bit a symbol (1 a dash).
		code, n := 1, 0
		flush := func() {
			if n <= maxMorse {
				if c := morseIndex[code]; c != 0 {
					dst = append(dst, c)
				}
			}
			code, n = 1, 0
		}
		for i := 0; i < len(src); i++ {
			switch c := src[i]; c {
			case '.', '-', '_':
				if n < 8 {
					code, n = code<<1, n+1
					if c != '.' {
						code |= 1
					}
				}
			case '/', '|':
				flush()
				if n := len(dst); n > 0 && dst[n-1] != ' ' {
					dst = append(dst, ' ')
				}
			default:
				flush()
			}
		}
		flush()
		dst = bytes.TrimRight(dst, " ")
	}
	return dst
}

// dotsAndDashes reports whether a run of Morse-like tokens holds both a dot
// and a dash. Only T, M, O and 0 are written without dots, and a message
// spelt in them alone is no message: a run of dashes is a Markdown table's
// rule ("| --- | --- |", decoded "o o o", which the content model scored
// 0.94 in a README) or a divider.
func dotsAndDashes(run string) bool {
	return strings.IndexByte(run, '.') >= 0 && strings.ContainsAny(run, "-_")
}

// morseCode is International Morse code (ITU-R M.1677-1): letters, digits
// and common punctuation.
var morseCode = map[string]byte{
	".-": 'a', "-...": 'b', "-.-.": 'c', "-..": 'd', ".": 'e', "..-.": 'f', "--.": 'g', "....": 'h', "..": 'i',
	".---": 'j', "-.-": 'k', ".-..": 'l', "--": 'm', "-.": 'n', "---": 'o', ".--.": 'p', "--.-": 'q', ".-.": 'r',
	"...": 's', "-": 't', "..-": 'u', "...-": 'v', ".--": 'w', "-..-": 'x', "-.--": 'y', "--..": 'z',
	"-----": '0', ".----": '1', "..---": '2', "...--": '3', "....-": '4', ".....": '5', "-....": '6', "--...": '7',
	"---..": '8', "----.": '9', ".-.-.-": '.', "--..--": ',', "..--..": '?', "-.-.--": '!', "---...": ':', ".----.": '\'',
}

// maxMorse is the longest code in morseCode.
const maxMorse = 6

// morseIndex is morseCode by key: a leading 1 bit, then a bit a symbol, 1
// for a dash ("-." is 0b110).
var morseIndex = func() (t [2 << maxMorse]byte) {
	for code, c := range morseCode {
		if len(code) > maxMorse {
			panic("sanitizer: a Morse code longer than maxMorse")
		}
		k := 1
		for i := 0; i < len(code); i++ {
			k <<= 1
			if code[i] == '-' {
				k |= 1
			}
		}
		t[k] = c
	}
	return t
}()

// morseBytes counts the bytes of text other than white space and
// punctuation (see tokenScanner.onlyRun).
func morseBytes(text string) int {
	n := 0
	for i := 0; i < len(text); i++ {
		if c := text[i]; c > ' ' && !morsePunctByte[c] {
			n++
		}
	}
	return n
}

var morsePunctByte = func() (t [256]bool) {
	for i := 0; i < len(morsePunct); i++ {
		t[morsePunct[i]] = true
	}
	return t
}()

// morseAside is how many other bytes a message of Morse code may hold
// around it (a greeting, a label) and still be read as only Morse.
const (
	morseAside = 12
	morsePunct = ".,;:!?-_/|()[]{}\"'`*#>"
)

// asksToDecode reports whether normalised text speaks of decoding.
func asksToDecode(norm []byte) bool {
	for _, w := range [...]string{"morse", "decod", "decipher", "translat", "dots and dashes"} {
		if bytes.Contains(norm, []byte(w)) {
			return true
		}
	}
	return false
}

// Spaced base64 bridged (red team round 8's open item). Base64 written in
// groups of four ("c3Rv cCB3 aGF0 IHlv …") is cut into runs by the token
// scan wherever a group reads as hex ("cCB3", "b250") or as a word ("bmcg",
// "Zmln"), and a run of fewer than six groups is not decoded: an order's
// base64 was decoded from its last nine groups only (0.58 as the user's
// text). b64GroupRuns finds the runs of at least minGroupRun groups of
// exactly four base64 characters (the last may end in '=' padding),
// separated by one or two blanks, in which at least two groups in three
// read as base64 to the token scan and at least one does not (a run of
// groups that all do is the token scan's own); each is decoded whole, as a
// part "base64-spaced", beside what the token scan decodes, and scanned
// alone (decoder.alone). The parts of the token scan are left as they are:
// replacing them with the whole run moved seven attack rows of the golden
// corpus from refused to passed, and scanning the whole run in one batch
// with them moved verdicts both ways (more sentences in a batch lower each
// sentence's weight).
const minGroupRun = 6

// maxBridged bounds the bytes of bridged runs of spaced base64 groups a text
// may have decoded a second time (b64GroupRuns), with one in sixteen of its
// length: an order is a few hundred bytes of groups; tens of KiB of mixed
// groups are a flood, refused as limits.exhausted.
const maxBridged = 32 << 10

// b64GroupRuns appends the bridged runs of base64 groups in text. A run of
// minGroupRun groups spans at least groupRunBytes bytes, so one byte in
// that many is probed; a probe that lands on a token other than a group is
// in no run, and the scan goes on after that token.
func b64GroupRuns(text string, out []blob) []blob {
	const groupRunBytes = minGroupRun*5 - 1
	for i := 0; i+groupRunBytes <= len(text); {
		p := i + groupRunBytes - 1
		s, e := p, p+1
		for s > 0 && !isSpace(text[s-1]) && p-s < 4 {
			s--
		}
		for e < len(text) && !isSpace(text[e]) {
			e++
		}
		if isSpace(text[p]) {
			i = p + 1
			continue
		}
		if e-s != 4 || s > 0 && !isSpace(text[s-1]) || !b64Group(text[s:e], e == len(text) || isSpace(text[e])) {
			i = e
			continue
		}
		// Back to the first group, then forward to the last.
		for s >= 5 {
			k := s - 1
			if isSpace(text[k-1]) {
				k--
			}
			if !isSpace(text[k]) || k < 4 || k > 4 && !isSpace(text[k-5]) || !b64Group(text[k-4:k], false) {
				break
			}
			s = k - 4
		}
		n, looking := 0, 0
		g := s
		end := g
		for g+4 <= len(text) && (g+4 == len(text) || isSpace(text[g+4])) && b64Group(text[g:g+4], true) {
			n++
			if k, _ := classifyToken(text[g : g+4]); k == tokB64 {
				looking++
			}
			end = g + 4
			if strings.IndexByte(text[g:g+4], '=') >= 0 {
				break // padding ends the run
			}
			g += 5
			if g < len(text) && isSpace(text[g]) {
				g++
			}
		}
		if n >= minGroupRun && looking < n && 3*looking >= 2*n {
			out = append(out, blob{encoding: "base64-spaced", start: s, end: end})
		}
		i = max(end, e)
	}
	return out
}

// b64Group reports whether t is a group of four base64 characters; last
// allows '=' padding at its end.
func b64Group(t string, last bool) bool {
	if len(t) != 4 {
		return false
	}
	for k := 0; k < 4; k++ {
		c := t[k]
		switch {
		case encClass[c] != 0:
		case c == '=' && last && k >= 2 && (k == 3 || t[3] == '='):
		default:
			return false
		}
	}
	return true
}
