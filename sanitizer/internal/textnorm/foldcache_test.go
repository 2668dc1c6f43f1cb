package textnorm

import (
	"slices"
	"strings"
	"testing"
	"unicode"
	"unicode/utf8"
)

// sameAsUncached fails t unless normalising in with cached (whose fold
// cache holds what earlier texts left in it) gives what the uncached slow
// path gives: the text, the offsets and the counts.
func sameAsUncached(t *testing.T, cached *Text, in string) {
	t.Helper()
	var want Text
	want.normalize(in, true, true)
	cached.Normalize(in, true)
	if string(cached.Text) != string(want.Text) || !slices.Equal(cached.off, want.off) ||
		cached.Tags != want.Tags || cached.Invisible != want.Invisible || cached.ASCII != want.ASCII {
		t.Fatalf("the fold cache changed the result for %q:\n got %q (tags %d, invisible %d)\nwant %q (tags %d, invisible %d)",
			in, cached.Text, cached.Tags, cached.Invisible, want.Text, want.Tags, want.Invisible)
	}
	cached.Normalize(in, false)
	if string(cached.Text) != string(want.Text) {
		t.Fatalf("the fold cache changed the result without offsets for %q", in)
	}
}

// Every character beyond ASCII, between letters, after a space and twice in
// a row (the second time from the cache), folds as the slow path folds it.
func TestFoldCacheAgreesWithSlowPathOnEveryCharacter(t *testing.T) {
	var cached Text
	var b strings.Builder
	for r := rune(utf8.RuneSelf); r <= utf8.MaxRune; r++ {
		if !utf8.ValidRune(r) {
			continue
		}
		c := string(r)
		b.WriteString("a" + c + "b " + c + c + " ")
		if b.Len() > 4096 || r == utf8.MaxRune {
			sameAsUncached(t, &cached, b.String())
			b.Reset()
		}
	}
}

func TestFoldCacheAgreesWithSlowPath(t *testing.T) {
	var cached Text
	for _, in := range []string{
		"🅸🅶🅽🅾🆁🅴 🇦🇱🇱 🅸🅶🅽🅾🆁🅴", "ig\u200bnore prev\u00adious", "i\u200bg\U000E0041n\u202eo",
		"pаsswоrd ассеss", "ﬁle ﷺ ﷺ ㍿ ㍿", "\xff\xfe\xef\xbf\xbd\ufffd a\xffb", "Ｉｇｎｏｒｅ", "한국어 でで Ωmega",
	} {
		sameAsUncached(t, &cached, in)
	}
}

func FuzzFoldCache(f *testing.F) {
	for _, s := range []string{"🅸🅶🅽🅾🆁🅴 🇦🇱🇱", "ig\u200bnore", "ﷺ", "ａ\u0301", "\xff\xfe", "pаsswоrd"} {
		f.Add(s)
	}
	var cached Text // shared by the inputs, as a pooled Text is
	f.Fuzz(func(t *testing.T, in string) { sameAsUncached(t, &cached, in) })
}

// mixedFold's table says what the foldMixed map says, for every character.
func TestMixedFoldAgreesWithMap(t *testing.T) {
	n := 0
	for r := rune(0); r <= utf8.MaxRune; r++ {
		want, wok := foldMixed[r]
		got, ok := mixedFold(r)
		if got != want || ok != wok {
			t.Fatalf("mixedFold(%U) = %q, %v; foldMixed says %q, %v", r, got, ok, want, wok)
		}
		if ok && r < 0x800 {
			n++
		}
	}
	if n < 50 {
		t.Fatalf("only %d look-alikes below U+0800", n)
	}
}

// isLetter's table says what unicode.IsLetter says, for every character.
func TestIsLetterAgreesWithUnicode(t *testing.T) {
	for r := rune(-1); r <= utf8.MaxRune+1; r++ {
		if isLetter(r) != unicode.IsLetter(r) {
			t.Fatalf("isLetter(%U) = %v", r, isLetter(r))
		}
	}
}

// A Text normalising mixed-script words into its spare buffers, then other
// texts, gives each the same text and offsets as a fresh Text.
func TestSpareBuffersAreNotShared(t *testing.T) {
	var reused Text
	for _, in := range []string{"pаsswоrd one", "plain text", "the ассеss code", "ассеss", "pаsswоrd ассеss pаsswоrd", "x"} {
		for _, offsets := range []bool{true, false, true} {
			var fresh Text
			fresh.Normalize(in, offsets)
			reused.Normalize(in, offsets)
			if string(reused.Text) != string(fresh.Text) || offsets && !slices.Equal(reused.off, fresh.off) {
				t.Fatalf("%q: reused %q %v, fresh %q %v", in, reused.Text, reused.off, fresh.Text, fresh.off)
			}
		}
	}
}
