//go:generate go run gen_confusables.go

// Package textnorm folds text for prompt-injection matching and keeps a map
// back to the original bytes. The sanitizer's rules and its model both read
// the folded text, so both see through the same disguises.
package textnorm

import (
	"bytes"
	"encoding/binary"
	"math/bits"
	"slices"
	"unicode"
	"unicode/utf8"

	"golang.org/x/text/unicode/norm"
)

// Text is a text folded for matching, with a way back to the original. The
// zero value is ready to use; Normalize reuses its buffers, so a Text kept in
// a sync.Pool normalises without allocating.
type Text struct {
	Text []byte
	// off[i] is the byte offset in the original of the character that produced
	// byte i of Text; off[len(Text)] is the original's length. Only filled
	// when asked for, since most texts never need a span mapped back.
	off []int32
	// ASCII reports that Text is all ASCII, where a character is a byte.
	ASCII bool
	// Counts of characters that only serve to hide text.
	Tags      int // Unicode tag characters decoded into Text (ASCII smuggling)
	Invisible int // zero-width and other format characters inside words
	// what the slow path made of the characters beyond ASCII seen last,
	// allocated at the first one
	cache *foldCache
	// the buffers foldMixedWords writes to, kept for reuse
	spare    []byte
	spareOff []int32
}

// Normalize folds text into t for matching:
//
//   - compatibility decomposition (NFKD, the decomposing half of NFKC), then
//     combining marks are dropped, so fullwidth, mathematical, circled and
//     accented letters become plain ones;
//   - zero-width, invisible and bidi control characters are dropped;
//   - Unicode tag characters (U+E0020–U+E007E) are decoded to the ASCII they
//     hide, in place, so the hidden text is scanned with the rest;
//   - Cyrillic and Greek letters that look Latin are folded to Latin;
//   - case is folded to lower case;
//   - runs of white space become one space, or one newline when the run holds
//     a line break, so rules can still anchor at line starts.
//
// Offsets (for Span) are computed only when withOffsets is set. The result
// starts with a newline, so that a rule can anchor at the start of
// any line, the first included, with "\n".
func (t *Text) Normalize(text string, withOffsets bool) { t.normalize(text, withOffsets, false) }

// normalize is Normalize, without the cache of folds when uncached (for
// the tests that compare the two).
func (t *Text) normalize(text string, withOffsets, uncached bool) {
	// Folding rarely makes a text longer: size the buffers once.
	f := folder{out: append(slices.Grow(t.Text[:0], len(text)+1), '\n'), withOffsets: withOffsets, cache: t.cache, uncached: uncached}
	if withOffsets {
		f.off = append(slices.Grow(t.off[:0], len(text)+2), 0)
	}
	for i := 0; i < len(text); {
		c := text[i]
		if printable[c] {
			// The common case: a run of printable ASCII with single spaces
			// between words, copied in one go and lower-cased.
			// Eight bytes at a time while they allow it, a byte or a
			// space and a byte at a time where they do not (a block that
			// ends in a space), then eight at a time again: the run ends
			// only at a byte that needs the slow path.
			j := i + 1
			for {
				for j+8 <= len(text) && plainWords(binary.LittleEndian.Uint64([]byte(text[j:j+8]))) {
					j += 8
				}
				if j < len(text) && printable[text[j]] {
					j++
				} else if j+1 < len(text) && text[j] == ' ' && printable[text[j+1]] {
					j += 2
				} else {
					break
				}
			}
			if f.space != 0 {
				f.flush()
			}
			start := len(f.out)
			f.out = append(f.out, text[i:j]...)
			k := start
			for ; k+8 <= len(f.out); k += 8 {
				binary.LittleEndian.PutUint64(f.out[k:], toLower(binary.LittleEndian.Uint64(f.out[k:])))
			}
			for ; k < len(f.out); k++ {
				f.out[k] = lower[f.out[k]]
			}
			if withOffsets {
				for k := i; k < j; k++ {
					f.off = append(f.off, int32(k))
				}
			}
			b := f.out[len(f.out)-1]
			f.prevLetter = 'a' <= b && b <= 'z'
			i = j
			continue
		}
		if c < utf8.RuneSelf {
			switch {
			case c == ' ' || c == '\t':
				f.white(false, i)
			case c == '\n' || c == '\r' || c == '\v' || c == '\f':
				f.white(true, i)
			case c < 0x20 || c == 0x7f:
				// other control characters hide nothing worth keeping
			}
			i++
			continue
		}
		r, size := utf8.DecodeRuneInString(text[i:])
		if r >= 0xE0020 && r <= 0xE007E {
			f.tags++
			if c := byte(r - 0xE0000); c == ' ' {
				f.white(false, i)
			} else {
				f.emit(rune(lower[c]), i)
			}
		} else {
			f.slow(r, text[i:i+size], i)
		}
		i += size
	}
	if withOffsets {
		f.off = append(f.off, int32(len(text)))
	}
	if f.mixed {
		// Folded into the spare buffers, which then swap with the text's.
		in, inOff := f.out, f.off
		f.foldMixedWords(t.spare[:0], t.spareOff[:0])
		t.spare, t.spareOff = in, inOff
	}
	splitGlued(f.out)
	t.Text, t.off, t.Tags, t.Invisible, t.ASCII = f.out, f.off, f.tags, f.invisible, !f.wide
	t.cache = f.cache
}

// foldCache remembers what the slow path of Normalize made of characters
// beyond ASCII: a text in another script, or written in letter-like
// symbols, repeats a few dozen characters, and working each out again
// (Unicode tables, the decomposition, the confusables maps) is most of
// its cost. An entry depends on the character alone.
type foldCache [foldCacheSize]foldEntry

const foldCacheSize = 512

// foldEntry is one character's fold: its kind, and for kindFold the
// characters it folds to, as put would emit them.
type foldEntry struct {
	r    rune // the character, or 0 for an empty entry (NUL never takes the slow path)
	kind uint8
	n    uint8
	out  [maxFoldOut]foldOut
}

// maxFoldOut is the most characters a cached fold emits; a longer
// decomposition (a ligature of words) takes the slow path every time.
const maxFoldOut = 4

type foldOut struct {
	r      rune
	op     uint8 // opWhite, opEmit or opEmitMixed
	letter bool  // unicode.IsLetter(r)
}

const (
	kindSpace = iota + 1
	kindNewline
	kindJoiner
	kindInvisible
	kindFold
)

const (
	opWhite = iota
	opEmit
	opEmitMixed
)

// slow folds r, the character text at position at, which is neither ASCII
// nor a tag character: from the cache, or worked out and cached.
func (f *folder) slow(r rune, text string, at int) {
	if r == utf8.RuneError || f.uncached { // perhaps a byte that is not UTF-8, which decomposes as itself
		f.slowFold(r, text, at)
		return
	}
	if f.cache == nil {
		f.cache = new(foldCache)
	}
	e := &f.cache[uint32(r)*0x9E3779B1>>(32-9)]
	if e.r != r || e.kind == 0 {
		if !fillEntry(e, r, text) {
			f.slowFold(r, text, at)
			return
		}
	}
	switch e.kind {
	case kindSpace:
		f.white(false, at)
	case kindNewline:
		f.white(true, at)
	case kindJoiner:
	case kindInvisible:
		if f.prevLetter {
			f.invisible++
		}
		f.white(false, at)
	case kindFold:
		f.prevLetter = false
		for _, o := range e.out[:e.n] {
			switch o.op {
			case opWhite:
				f.white(false, at)
			case opEmitMixed:
				f.mixed = true
				f.emitLetter(o.r, at, o.letter)
			default:
				f.emitLetter(o.r, at, o.letter)
			}
		}
	}
}

// fillEntry works out r's entry, as slowFold folds it, and reports false
// when r does not fit an entry.
func fillEntry(e *foldEntry, r rune, text string) bool {
	*e = foldEntry{r: r}
	switch {
	case unicode.IsSpace(r):
		e.kind = kindSpace
		if r == 0x2028 || r == 0x2029 || r == 0x85 {
			e.kind = kindNewline
		}
	case joiner(r):
		e.kind = kindJoiner
	case invisible(r):
		e.kind = kindInvisible
	default:
		ok := true
		add := func(fr rune) {
			var o foldOut
			switch {
			case fr == breakRune || fr >= 0 && unicode.IsSpace(fr):
				o.op = opWhite
			case fr >= 0:
				o.r, o.op, o.letter = fr, opEmit, unicode.IsLetter(fr)
				if _, mixed := foldMixed[fr]; mixed {
					o.op = opEmitMixed
				}
			default:
				return // dropped
			}
			if int(e.n) == maxFoldOut {
				ok = false
				return
			}
			e.out[e.n] = o
			e.n++
		}
		if d := decomposition(r, text); d != nil {
			for _, dr := range string(d) {
				add(fold(dr))
			}
		} else {
			add(fold(r))
		}
		if !ok {
			*e = foldEntry{}
			return false
		}
		e.kind = kindFold
	}
	return true
}

// decomposition is r's compatibility decomposition, or nil for a character
// that has none or stays whole. Hangul syllables and kana stay whole:
// decomposed, Korean words would turn into jamo and Japanese kana lose
// their voicing marks ("で" into "て"), and no longer read as words.
func decomposition(r rune, text string) []byte {
	if d := norm.NFKD.PropertiesString(text).Decomposition(); d != nil && !(r >= 0xAC00 && r <= 0xD7A3) && !(r >= 0x3040 && r <= 0x30FF) {
		return d
	}
	return nil
}

// slowFold is the slow path of Normalize for r (the character text at
// position at), which is neither ASCII nor a tag character, uncached.
func (f *folder) slowFold(r rune, text string, at int) {
	switch {
	case unicode.IsSpace(r):
		f.white(r == 0x2028 || r == 0x2029 || r == 0x85, at)
	case joiner(r):
	case invisible(r):
		if f.prevLetter {
			f.invisible++
		}
		f.white(false, at)
	default:
		f.prevLetter = false
		if d := decomposition(r, text); d != nil {
			for _, dr := range string(d) {
				f.put(fold(dr), at)
			}
		} else {
			f.put(fold(r), at)
		}
	}
}

// printable marks the ASCII bytes that pass through unchanged but for case.
var printable = func() (t [256]bool) {
	for c := '!'; c <= '~'; c++ {
		t[c] = true
	}
	return t
}()

// Eight bytes at a time (SWAR), after "Bit Twiddling Hacks" (Sean Eron
// Anderson): ones has a one in every byte, highs the top bit of every byte.
const (
	ones  = 0x0101010101010101
	highs = 0x8080808080808080
)

// plainWords reports whether the eight bytes of x (little-endian) can be
// copied as they are, but for case: printable ASCII or single spaces, and
// not ending in a space, which a following space would have to join.
func plainWords(x uint64) bool {
	lo := (x - ones*0x20) & ^x                                                      // a byte below 0x20 sets its top bit
	hi := (x + ones*(0x7f-0x7e)) | x                                                // a byte above 0x7e sets its top bit
	sp := ^(((x^ones*' ')&^highs + ^uint64(highs)) | x ^ ones*' ' | ^uint64(highs)) // exactly the space bytes
	return (lo|hi)&highs == 0 && sp&(sp>>8) == 0 && x>>56 != ' '
}

// toLower lower-cases the ASCII letters among eight ASCII bytes.
func toLower(x uint64) uint64 {
	upper := (x + ones*(0x80-'A')) &^ (x + ones*(0x80-'Z'-1)) & highs
	return x | upper>>2
}

// lower maps ASCII upper case to lower case and every other byte to itself.
var lower = func() (t [256]byte) {
	for i := range t {
		t[i] = byte(i)
		if 'A' <= i && i <= 'Z' {
			t[i] += 'a' - 'A'
		}
	}
	return t
}()

type folder struct {
	out         []byte
	off         []int32
	withOffsets bool
	space       byte // pending white space: 0, ' ' or '\n'
	spaceAt     int
	prevLetter  bool
	wide        bool // a character beyond ASCII was emitted
	tags        int
	invisible   int
	mixed       bool // a look-alike of a living script was emitted (see foldMixedWords)
	cache       *foldCache
	uncached    bool
}

func (f *folder) white(newline bool, at int) {
	if f.space == 0 {
		f.space, f.spaceAt = ' ', at
	}
	if newline {
		f.space = '\n'
	}
	f.prevLetter = false
}

// flush writes pending white space, unless it would lead the text.
func (f *folder) flush() {
	if len(f.out) > 1 {
		f.out = append(f.out, f.space)
		if f.withOffsets {
			f.off = append(f.off, int32(f.spaceAt))
		}
	}
	f.space = 0
}

// put emits what fold made of a character.
func (f *folder) put(r rune, at int) {
	switch {
	case r == breakRune || r >= 0 && unicode.IsSpace(r): // a spacing accent decomposes to a space and a mark
		f.white(false, at)
	case r >= 0:
		if _, ok := foldMixed[r]; ok {
			f.mixed = true
		}
		f.emit(r, at)
	}
}

func (f *folder) emit(r rune, at int) { f.emitLetter(r, at, unicode.IsLetter(r)) }

// emitLetter is emit for a character whose unicode.IsLetter is letter.
func (f *folder) emitLetter(r rune, at int, letter bool) {
	if f.space != 0 {
		f.flush()
	}
	before := len(f.out)
	f.out = utf8.AppendRune(f.out, r)
	f.wide = f.wide || r >= utf8.RuneSelf
	if f.withOffsets {
		for range len(f.out) - before {
			f.off = append(f.off, int32(at))
		}
	}
	f.prevLetter = letter
}

// invisible reports characters that render as nothing: format characters
// (zero-width spaces and joiners, bidi controls, tags outside the printable
// range), variation selectors, private-use characters, and letters that are
// blank by design.
func invisible(r rune) bool {
	switch r {
	case 0x115F, 0x1160, 0x3164, 0xFFA0, 0x2800, 0x034F: // Hangul fillers, braille blank, grapheme joiner
		return true
	}
	return unicode.In(r, unicode.Cf, unicode.Cc, unicode.Co, unicode.Cs, unicode.Variation_Selector) || (r >= 0xE0000 && r <= 0xE0FFF)
}

// joiner reports the invisible characters that join, by definition, what
// is on either side into one word: the zero-width joiner and non-joiner
// (written inside Persian and Indic words and emoji sequences) and the
// combining grapheme joiner. Every other invisible character breaks words.
func joiner(r rune) bool { return r == 0x200C || r == 0x200D || r == 0x034F }

// breakRune is what fold returns for a character that separates words.
const breakRune = -2

// fold maps one decomposed rune to what matching sees: -1 to drop it,
// breakRune for a word break. Punctuation, symbols and separators beyond
// ASCII (a middle dot, an em dash, an emoji) break words, by Unicode
// category, but for quotation marks, which mark a mention of an attack
// rather than the attack. Characters drawn like an ASCII letter fold to it
// (Unicode's confusables data, see confusables_table.go).
func fold(r rune) rune {
	if unicode.In(r, unicode.Mn, unicode.Me) {
		return -1
	}
	if c, ok := foldAlways[r]; ok {
		return rune(c)
	}
	l := unicode.ToLower(r)
	if c, ok := foldAlways[l]; ok { // an upper case letter whose lower case is a look-alike
		return rune(c)
	}
	if l >= utf8.RuneSelf && !unicode.In(l, unicode.L, unicode.Nd, unicode.Mc) && !isQuote(l) {
		return breakRune
	}
	return l
}

func isQuote(r rune) bool {
	switch r {
	case '‘', '’', '“', '”', '„', '‚', '«', '»', '‹', '›':
		return true
	}
	return false
}

// isLetter is unicode.IsLetter, from a table below U+0800.
func isLetter(r rune) bool {
	if uint32(r) < 0x800 {
		return lettersLow[r/64]&(1<<(r%64)) != 0
	}
	return unicode.IsLetter(r)
}

var lettersLow = func() (t [0x800 / 64]uint64) {
	for r := rune(0); r < 0x800; r++ {
		if unicode.IsLetter(r) {
			t[r/64] |= 1 << (r % 64)
		}
	}
	return t
}()

// mixedFold is foldMixed[r], from a table below U+0800 (ASCII, Greek,
// Cyrillic, Armenian: every letter of a word is looked up).
func mixedFold(r rune) (byte, bool) {
	if uint32(r) < uint32(len(foldMixedLow)) {
		c := foldMixedLow[r]
		return c, c != 0
	}
	c, ok := foldMixed[r]
	return c, ok
}

var foldMixedLow = func() (t [0x800]byte) {
	for r, c := range foldMixed {
		if r < 0x800 {
			if c == 0 {
				panic("textnorm: foldMixed maps a letter to NUL")
			}
			t[r] = c
		}
	}
	return t
}()

// foldMixedWords folds look-alike letters of living scripts (Cyrillic,
// Greek, ...) in words that also hold ASCII letters ("pаsswоrd" with
// Cyrillic a and o), and in a word made only of look-alikes right after an
// ASCII word ("the ассеss code"), and leaves every other word of those
// scripts alone: Russian stays Russian. It rewrites t.Text and its offsets.
func (f *folder) foldMixedWords(dst []byte, dstOff []int32) {
	out, off := f.out, f.off
	f.out, f.off = slices.Grow(dst, len(out)), nil
	if f.withOffsets {
		f.off = slices.Grow(dstOff, len(off))
	}
	prevASCII := false
	for i := 0; i < len(out); {
		j, ascii, mixed, other := i, false, false, false
		for j < len(out) {
			r, size := utf8.DecodeRune(out[j:])
			if !isLetter(r) && r != '\'' {
				break
			}
			switch _, ok := mixedFold(r); {
			case r < utf8.RuneSelf:
				ascii = true
			case ok:
				mixed = true
			default:
				other = true
			}
			j += size
		}
		if j == i { // not a letter: copy it
			_, size := utf8.DecodeRune(out[i:])
			f.out = append(f.out, out[i:i+size]...)
			if f.withOffsets {
				f.off = append(f.off, off[i:i+size]...)
			}
			if out[i] != ' ' && out[i] != '\n' {
				prevASCII = false
			}
			i += size
			continue
		}
		doFold := mixed && (ascii || (!other && prevASCII))
		for k := i; k < j; {
			r, size := utf8.DecodeRune(out[k:])
			if c, ok := mixedFold(r); ok && doFold {
				f.out = append(f.out, c)
				if f.withOffsets {
					f.off = append(f.off, off[k])
				}
			} else {
				f.out = append(f.out, out[k:k+size]...)
				if f.withOffsets {
					f.off = append(f.off, off[k:k+size]...)
				}
			}
			k += size
		}
		prevASCII = ascii && !mixed && !other || doFold && !other
		i = j
	}
	if f.withOffsets {
		f.off = append(f.off, off[len(out):]...)
	}
}

// splitGlued turns the separators of words glued into one token ("ignore_
// all_previous_instructions", "ignore.all.previous.instructions") into
// spaces, in place, so that offsets hold: at least three words joined by the
// same ASCII punctuation mark, two of them with letters. Two-word tokens
// ("file.txt", "self-driving", "im_start") and URLs are left as they are,
// for the rules that read them.
//
// A token (a stretch between spaces and line breaks) is split or not on its
// own, and only one with two separators can be: the separators are found
// eight bytes at a time, and splitToken reads only the stretches around
// tokens that hold two.
func splitGlued(b []byte) {
	lo := 0 // tokens before lo are done
	for p := nextGlueSep(b, 0); p >= 0; {
		q := nextGlueSep(b, p+1)
		if q < 0 {
			return
		}
		if hasBreak(b[p+1 : q]) {
			p = q // p is its token's only separator
			continue
		}
		// Read from the start of the token to at least denseReach bytes
		// past its separators, byte by byte: text where separators are
		// this close (code, Morse, markup) is read at the byte loop's
		// speed, not one search per token.
		s, e := p, min(len(b), q+denseReach)
		for s > lo && b[s-1] != ' ' && b[s-1] != '\n' {
			s--
		}
		for e < len(b) && b[e] != ' ' && b[e] != '\n' {
			e++
		}
		splitToken(b[s:e])
		lo = e
		p = nextGlueSep(b, e)
	}
}

// denseReach is how far past a token with two separators splitGlued reads
// byte by byte before it searches for separators again.
const denseReach = 256

// hasBreak reports whether b holds a space or a line break: byte by byte
// when b is short (separators close together, as in "a.b.c"), where two
// calls of bytes.IndexByte would cost more.
func hasBreak(b []byte) bool {
	if len(b) > 16 {
		return bytes.IndexByte(b, ' ') >= 0 || bytes.IndexByte(b, '\n') >= 0
	}
	for _, c := range b {
		if c == ' ' || c == '\n' {
			return true
		}
	}
	return false
}

// splitToken is splitGlued on one token (or on any text: it reads tokens
// one after the other).
func splitToken(b []byte) {
	tokenStart := 0
	for i := 0; i < len(b); {
		if !gluedWord(b[i]) {
			if b[i] == ' ' || b[i] == '\n' {
				tokenStart = i + 1
			}
			i++
			continue
		}
		j, words, lettered := i, 0, 0
		var sep byte
		for {
			k, kinds := j, uint8(0)
			for k < len(b) {
				c := wordByte[b[k]]
				if c == 0 {
					break
				}
				kinds |= c
				k++
			}
			words++
			if kinds&wbLetter != 0 {
				lettered++
			}
			j = k
			if j+1 >= len(b) || !glueSep[b[j]] || !gluedWord(b[j+1]) || (sep != 0 && b[j] != sep) {
				break
			}
			sep = b[j]
			j++
		}
		if words >= 3 && lettered >= 2 && !bytes.Contains(b[tokenStart:j], []byte("://")) {
			for k := i; k < j; k++ {
				if b[k] == sep {
					b[k] = ' '
				}
			}
		}
		i = j
	}
}

// nextGlueSep returns the index of the first glueSep byte of b at or after
// i, or -1. Eight bytes at a time, only bytes that are ASCII punctuation are
// looked up (letters, digits, white space and bytes beyond ASCII never are).
func nextGlueSep(b []byte, i int) int {
	for ; i+8 <= len(b); i += 8 {
		x := binary.LittleEndian.Uint64(b[i:])
		v := x &^ highs
		letters := (v + ones*(0x80-'a')) &^ (v + ones*(0x7f-'z'))
		digits := (v + ones*(0x80-'0')) &^ (v + ones*(0x7f-'9'))
		m := (v + ones*(0x80-'!')) &^ letters &^ digits &^ x & highs // ASCII from '!', not a letter or digit
		for ; m != 0; m &= m - 1 {
			if k := i + bits.TrailingZeros64(m)/8; glueSep[b[k]] {
				return k
			}
		}
	}
	for ; i < len(b); i++ {
		if glueSep[b[i]] {
			return i
		}
	}
	return -1
}

// gluedWord marks the bytes of words in normalised text: ASCII letters and
// digits, and the bytes of other letters.
func gluedWord(c byte) bool {
	return 'a' <= c && c <= 'z' || '0' <= c && c <= '9' || c >= utf8.RuneSelf
}

// wordByte is gluedWord as a table, with the bytes that count as a
// letter for splitToken (b >= 'a': ASCII letters and bytes beyond ASCII)
// told from digits: one load per byte in its inner loop.
var wordByte = func() (t [256]uint8) {
	for c := range 256 {
		switch {
		case '0' <= c && c <= '9':
			t[c] = wbDigit
		case gluedWord(byte(c)):
			t[c] = wbLetter
		}
	}
	return t
}()

const (
	wbDigit = 1 << iota
	wbLetter
)

// glueSep marks the ASCII punctuation that can glue words into one token.
var glueSep = func() (t [256]bool) {
	for _, c := range "_-./+*~|\\:;,=^#@$%&" {
		t[c] = true
	}
	return t
}()

// Span maps a byte span of the normalised text back to the original. The
// end grows to cover the whole of a character that expanded into several
// bytes ("ﬁ" into "fi"), so a strip never leaves half of one behind.
func (n *Text) Span(start, end int) (int, int) {
	if end <= start {
		return int(n.off[start]), int(n.off[start])
	}
	e := end
	for e < len(n.Text) && n.off[e] == n.off[end-1] {
		e++
	}
	return int(n.off[start]), int(n.off[e])
}

// At maps a byte offset of the original text to the normalised text: the
// first byte produced by the original's bytes at or after raw (the end of
// Text when none is). Text must have been normalised with offsets.
func (n *Text) At(raw int) int {
	lo, hi := 1, len(n.Text) // byte 0 is the newline Normalize starts with
	for lo < hi {
		m := int(uint(lo+hi) >> 1)
		if int(n.off[m]) < raw {
			lo = m + 1
		} else {
			hi = m
		}
	}
	return lo
}
