package scanner

import (
	"bytes"
	"encoding/ascii85"
	"encoding/base32"
	"strings"
)

// Encodings beyond base64 and hex that payloads hide in: base32, the
// base85 family (Adobe's ascii85 between <~ and ~>, Python's b85 and
// ZeroMQ's Z85 alphabets), a substitution alphabet (tr SET1 SET2,
// str.maketrans), reversed and interleaved strings (Python slices). Each
// decoder takes untrusted text and never fails loudly: it returns ok
// false for anything that is not a clean encoding.

// decodeBase32 decodes RFC 4648 base32, padded or not, ignoring white
// space.
func decodeBase32(s string) ([]byte, bool) {
	s = strings.ToUpper(strings.Join(strings.Fields(s), ""))
	s = strings.TrimRight(s, "=")
	if s == "" {
		return nil, false
	}
	b, err := base32.StdEncoding.WithPadding(base32.NoPadding).DecodeString(s)
	return b, err == nil
}

// decodeASCII85 decodes Adobe ascii85, with or without its <~ ~>
// delimiters.
func decodeASCII85(s string) ([]byte, bool) {
	s = strings.TrimSpace(s)
	s = strings.TrimSuffix(strings.TrimPrefix(s, "<~"), "~>")
	s = strings.Join(strings.Fields(s), "")
	if s == "" {
		return nil, false
	}
	dst := make([]byte, 4*len(s)/5+8)
	n, _, err := ascii85.Decode(dst, []byte(s), true)
	if err != nil {
		return nil, false
	}
	return dst[:n], true
}

// base85 alphabets: Python's base64.b85encode (RFC 1924, as git uses) and
// ZeroMQ's Z85.
const (
	b85Alphabet = "0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz!#$%&()*+-;<=>?@^_`{|}~"
	z85Alphabet = "0123456789abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ.-:+=^!/*?&<>()[]{}@%$#"
)

// decodeBase85 decodes base85 in the given alphabet; a last group of
// fewer than five characters is padded with the alphabet's last one, as
// Python does.
func decodeBase85(s, alphabet string) ([]byte, bool) {
	s = strings.Join(strings.Fields(s), "")
	if s == "" || len(s)%5 == 1 {
		return nil, false
	}
	var idx [256]int
	for i := range idx {
		idx[i] = -1
	}
	for i := 0; i < len(alphabet); i++ {
		idx[alphabet[i]] = i
	}
	pad := (5 - len(s)%5) % 5
	s += strings.Repeat(alphabet[len(alphabet)-1:], pad)
	out := make([]byte, 0, len(s)/5*4)
	for i := 0; i < len(s); i += 5 {
		var v uint64
		for j := 0; j < 5; j++ {
			d := idx[s[i+j]]
			if d < 0 {
				return nil, false
			}
			v = v*85 + uint64(d)
		}
		if v > 0xFFFFFFFF {
			return nil, false
		}
		out = append(out, byte(v>>24), byte(v>>16), byte(v>>8), byte(v))
	}
	return out[:len(out)-pad], true
}

// trSet expands a tr(1) set: ranges (a-z), the escapes \n \t \\ and
// the classes [:lower:], [:upper:], [:digit:], [:alpha:].
func trSet(s string) []rune {
	for class, set := range map[string]string{"[:lower:]": "a-z", "[:upper:]": "A-Z", "[:digit:]": "0-9", "[:alpha:]": "A-Za-z", "[:alnum:]": "A-Za-z0-9"} {
		s = strings.ReplaceAll(s, class, set)
	}
	var in []rune
	for i := 0; i < len(s); i++ {
		c := rune(s[i])
		if c == '\\' && i+1 < len(s) {
			i++
			c = map[byte]rune{'n': '\n', 't': '\t', '\\': '\\'}[s[i]]
			if c == 0 {
				c = rune(s[i])
			}
		}
		in = append(in, c)
	}
	var out []rune
	for i := 0; i < len(in); i++ {
		if i+2 < len(in) && in[i+1] == '-' && in[i] <= in[i+2] && in[i+2]-in[i] < 256 {
			for c := in[i]; c <= in[i+2]; c++ {
				out = append(out, c)
			}
			i += 2
			continue
		}
		out = append(out, in[i])
	}
	return out
}

// substitute maps every character of s found in from to the one at the
// same place in to; like tr, a shorter to repeats its last character.
func substitute(s string, from, to []rune) string {
	if len(from) == 0 || len(to) == 0 {
		return s
	}
	m := make(map[rune]rune, len(from))
	for i, c := range from {
		if _, ok := m[c]; ok {
			continue // tr keeps the first mapping of a repeated character
		}
		m[c] = to[min(i, len(to)-1)]
	}
	return strings.Map(func(r rune) rune {
		if t, ok := m[r]; ok {
			return t
		}
		return r
	}, s)
}

// pySlice applies a Python slice s[start:stop:step] with the given bounds
// (nil for an omitted one) to a string of runes.
func pySlice(s string, start, stop, step *int) (string, bool) {
	r := []rune(s)
	n := len(r)
	st := 1
	if step != nil {
		st = *step
	}
	if st == 0 {
		return "", false
	}
	norm := func(p *int, def int) int {
		if p == nil {
			return def
		}
		v := *p
		if v < 0 {
			v += n
		}
		if st > 0 {
			return min(max(v, 0), n)
		}
		return min(max(v, -1), n-1)
	}
	var b strings.Builder
	if st > 0 {
		for i := norm(start, 0); i < norm(stop, n); i += st {
			b.WriteRune(r[i])
		}
	} else {
		for i := norm(start, n-1); i > norm(stop, -1); i += st {
			b.WriteRune(r[i])
		}
	}
	return b.String(), true
}

// findBase85Blobs returns <~...~> ascii85 runs that decode to text.
func findBase85Blobs(src []byte) []blob {
	var out []blob
	for i := 0; ; {
		j := bytes.Index(src[i:], []byte("<~"))
		if j < 0 {
			return out
		}
		start := i + j
		k := bytes.Index(src[start+2:], []byte("~>"))
		if k < 0 || k > 1<<20 {
			return out
		}
		end := start + 2 + k + 2
		if k >= 20 {
			if b, ok := decodeASCII85(string(src[start:end])); ok {
				if t, ok := readable(b); ok {
					out = append(out, blob{off: start, end: end, encoding: "ascii85", text: t})
				}
			}
		}
		i = end
	}
}

// base32Run reports a run of base32 characters (A-Z, 2-7), which
// decodeRun would otherwise read as base64.
func base32Run(run []byte) bool {
	for _, c := range run {
		if !(c >= 'A' && c <= 'Z' || c >= '2' && c <= '7') {
			return false
		}
	}
	return true
}
