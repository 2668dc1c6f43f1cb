package sanitizer

import (
	"bytes"
	"encoding/base64"
	"encoding/hex"
	"math/rand/v2"
	"slices"
	"strings"
	"testing"
	"unicode/utf8"
)

// oracleMorse is the Morse decoding of decodeEscapes as it was first
// written: codes looked up in morseCode by their text.
func oracleMorse(dst []byte, src string) []byte {
	code := make([]byte, 0, 8)
	flush := func() {
		if c, ok := morseCode[string(code)]; ok {
			dst = append(dst, c)
		}
		code = code[:0]
	}
	for i := 0; i < len(src); i++ {
		switch c := src[i]; c {
		case '.', '-', '_':
			if c == '_' {
				c = '-'
			}
			if len(code) < 8 {
				code = append(code, c)
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
	return bytes.TrimRight(dst, " ")
}

// oracleHexEscapes is decodeHexEscapes with encoding/hex.
func oracleHexEscapes(dst []byte, src string, at func(string, int) int) []byte {
	for i := 0; i < len(src); i++ {
		if at(src, i) > 0 {
			v, _ := hex.DecodeString(src[i+1 : i+3])
			dst = append(dst, v...)
			i += 2
			continue
		}
		dst = append(dst, src[i])
	}
	return dst
}

// oracleBase64Spaced is the base64-spaced decoding as first written.
func oracleBase64Spaced(dst []byte, src string) []byte {
	var tmp []byte
	url := false
	for i := 0; i < len(src); i++ {
		if c := src[i]; !isSpace(c) && c != '=' {
			tmp = append(tmp, c)
			url = url || c == '-' || c == '_'
		}
	}
	if len(tmp)%4 == 1 {
		tmp = tmp[:len(tmp)-1]
	}
	enc := base64.RawStdEncoding
	if url {
		enc = base64.RawURLEncoding
	}
	at := len(dst)
	dst = slices.Grow(dst, enc.DecodedLen(len(tmp)))
	n, err := enc.Decode(dst[at:at+enc.DecodedLen(len(tmp))], tmp)
	if err != nil {
		return dst[:at]
	}
	return dst[:at+n]
}

// The table lookups of the Morse and hex escape decoders decode as the
// map and encoding/hex did: every code of up to 9 symbols, and random runs.
func TestEscapeDecodersAgreeWithOracles(t *testing.T) {
	check := func(enc, src string) {
		t.Helper()
		var tmp []byte
		got := decodeEscapes([]byte("x"), enc, src, &tmp)
		var want []byte
		switch enc {
		case "morse":
			want = oracleMorse([]byte("x"), src)
		case "percent":
			// a literal "+" is a blank, as a form writes it (round 8)
			want = oracleHexEscapes([]byte("x"), strings.ReplaceAll(src, "+", " "), percentAt)
		case "quoted-printable":
			want = oracleHexEscapes([]byte("x"), src, quotedPrintableAt)
		case "base64-spaced":
			want = oracleBase64Spaced([]byte("x"), src)
		}
		if !bytes.Equal(got, want) {
			t.Fatalf("%s %q: got %q, want %q", enc, src, got, want)
		}
	}
	var all []byte
	for n := 1; n <= 9; n++ {
		for bits := 0; bits < 1<<n; bits++ {
			code := make([]byte, n)
			for i := range code {
				code[i] = ".-_"[(bits>>i&1)*(1+i%2)]
			}
			check("morse", string(code))
			all = append(append(all, code...), " /|x"[bits%4])
		}
	}
	check("morse", string(all))
	hexes := "0123456789abcdefABCDEFgG%= +"
	var esc []byte
	for _, a := range []byte(hexes) {
		for _, b := range []byte(hexes) {
			esc = append(esc, '%', a, b, '=', a, b)
		}
	}
	check("percent", string(esc))
	check("quoted-printable", string(esc))
	check("base64-spaced", "aWdu b3Jl IGFs bCBw")
	check("base64-spaced", "aWdu\tb3Jl\nIG-_ bCBw==")
	rng := rand.New(rand.NewPCG(1, 2))
	for range 3000 {
		b := make([]byte, rng.IntN(40))
		for i := range b {
			b[i] = "aZ09+/-_= \t\nq"[rng.IntN(13)]
		}
		check("base64-spaced", string(b))
	}
	for range 2000 {
		b := make([]byte, rng.IntN(40))
		for i := range b {
			b[i] = ".-_ /|%=3aFz"[rng.IntN(12)]
		}
		for _, enc := range []string{"morse", "percent", "quoted-printable"} {
			check(enc, string(b))
		}
	}
}

// oracleReverse is reverse as first written, a character at a time.
func oracleReverse(dst, src []byte) []byte {
	for i := len(src); i > 0; {
		_, size := utf8.DecodeLastRune(src[:i])
		dst = append(dst, src[i-size:i]...)
		i -= size
	}
	return dst
}

func TestReverseAgreesWithOracle(t *testing.T) {
	rng := rand.New(rand.NewPCG(5, 6))
	pieces := []string{"a", "Z", " ", "é", "語", "🅸", "\xff", "\xe8\xaf", "\x80", "ig\u200bnore"}
	for range 5000 {
		var b []byte
		for range rng.IntN(30) {
			b = append(b, pieces[rng.IntN(len(pieces))]...)
		}
		if got, want := reverse([]byte("x"), b), oracleReverse([]byte("x"), b); !bytes.Equal(got, want) {
			t.Fatalf("reverse(%q) = %q, want %q", b, got, want)
		}
	}
}

// hidden's bitmap of the Basic Multilingual Plane says what the Unicode
// tables say, for every character.
func TestHiddenAgreesWithCategories(t *testing.T) {
	n := 0
	for r := rune(0); r <= utf8.MaxRune; r++ {
		if hidden(r) != hiddenByCategory(r) {
			t.Fatalf("hidden(%U) = %v, the tables say %v", r, hidden(r), hiddenByCategory(r))
		}
		if hidden(r) && r < 1<<16 {
			n++
		}
	}
	if n < 6000 { // the private use area alone has 6,400
		t.Fatalf("only %d hidden characters in the BMP", n)
	}
}

// onlyRunOracle is tokenScanner.onlyRun as first written, reading the
// text around the run to its 13th other byte.
func onlyRunOracle(text string, start, end int) bool {
	aside := 0
	for _, part := range [2]string{text[:start], text[end:]} {
		for i := 0; i < len(part); i++ {
			if c := part[i]; c > ' ' && !strings.ContainsRune(morsePunct, rune(c)) {
				if aside++; aside > morseAside {
					return false
				}
			}
		}
	}
	return true
}

// tokenScanner.onlyRun agrees with the first onlyRun, for
// every run of random texts of Morse, punctuation, words and white space.
func TestOnlyRunAgreesWithOracle(t *testing.T) {
	rng := rand.New(rand.NewPCG(7, 8))
	pieces := []string{".-", "-...", " ", "/", "!!", "word", "é", "(", "\n", "a", ".-.-.-"}
	for range 3000 {
		var b strings.Builder
		for range rng.IntN(30) {
			b.WriteString(pieces[rng.IntN(len(pieces))])
		}
		text := b.String()
		ts := tokenScanner{text: text}
		for start := 0; start <= len(text); start++ {
			for end := start; end <= len(text) && end <= start+12; end++ {
				want := onlyRunOracle(text, start, end)
				if got := ts.onlyRun(start, end); got != want {
					t.Fatalf("tokenScanner.onlyRun(%q, %d, %d) = %v, want %v", text, start, end, got, want)
				}
			}
		}
	}
}

// A text of many runs of Morse code is asked once whether it asks for
// decoding (the question reads the whole text), and its bytes aside from
// each run are not counted again at each: 1 MiB of such runs took 11 s,
// and 87 s when the runs were all the text said.
func TestMorseRunsReadTheTextOnce(t *testing.T) {
	for _, unit := range []string{".- -... -.-. .-.. .- -... -.-. .-.. .- -... word ", ".- -... -.-. .-.. .- -... -.-. .-.. .- -... !! "} {
		text := strings.Repeat(unit, 1000)
		asked := 0
		ts := tokenScanner{text: text, ask: func() bool { asked++; return false }}
		runs := 0
		for !ts.done() {
			before := ts.aside
			n := len(ts.next(nil, ts.i+100))
			runs += n
			if before != 0 && ts.aside != before {
				t.Fatal("the bytes aside were counted again")
			}
		}
		if asked != 1 {
			t.Errorf("%q ×1000: asked %d times whether the text asks for decoding, want once", unit, asked)
		}
		if want := map[bool]int{false: 0, true: 1000}[strings.Contains(unit, "!!")]; runs != want {
			t.Errorf("%q ×1000: %d runs decoded, want %d", unit, runs, want)
		}
	}
}
