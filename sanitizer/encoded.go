package sanitizer

import (
	"encoding/base64"
	"encoding/hex"
	"slices"
	"strings"
	"unicode"
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
	return r != 0x200C && r != 0x200D && (unicode.In(r, unicode.Cf, unicode.Co, unicode.Variation_Selector) || (r >= 0xE0000 && r <= 0xE0FFF && (r < 0xE0020 || r > 0xE007E)))
}

func runeStart(text string, i int) int {
	for i > 0 && i < len(text) && !utf8.RuneStart(text[i]) {
		i--
	}
	return i
}

// appendJoined appends text to dst without its hidden characters.
func appendJoined(dst []byte, text string) []byte {
	for _, r := range text {
		if !hidden(r) {
			dst = utf8.AppendRune(dst, r)
		}
	}
	return dst
}
