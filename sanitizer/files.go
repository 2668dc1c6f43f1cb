package sanitizer

import (
	"bytes"
	"encoding/base64"
	"fmt"
	"mime"
	"strings"
	"unicode/utf8"

	"golang.org/x/text/encoding"
	"golang.org/x/text/encoding/charmap"
	"golang.org/x/text/encoding/htmlindex"
	"golang.org/x/text/encoding/unicode"

	"github.com/openclaw-secure-stack/securestack/internal/pdfsniff"
	"github.com/openclaw-secure-stack/securestack/internal/utf16sniff"
)

// maxFileBytes is the gateway's default cap on a decoded input_file
// (DEFAULT_INPUT_FILE_MAX_BYTES); a larger file is refused there too.
const maxFileBytes = 5 << 20

// decodeFile returns the texts the gateway may give the model for an
// input_file's base64 data (input-files-*.mjs extractFileContentFromSource,
// attachment-classify-*.mjs classifyAttachmentBytes): text/* and JSON media
// types only. A byte order mark, or more than a fifth of the first 2048
// bytes zero, makes it UTF-16. Otherwise the gateway decodes it with the
// charset parameter as WHATWG's MIME parser reads it (node:util MIMEType;
// Go's mime package reads RFC 2231 forms and blanks the gateway ignores)
// and TextDecoder's labels, UTF-8 when there is none; and a file whose bytes
// a sniffer calls a binary type ("{\rtf", "MZ", "%!PS") and whose start is
// not UTF-8 is read as windows-1252, whatever its charset says. So bytes
// that are not UTF-8 give two readings, and both are judged. Files whose
// text the sanitizer cannot get the way the gateway does (PDF, by media
// type or by its bytes; binary types; a charset TextDecoder refuses) are
// refused.
func decodeFile(mediaType, data string) ([]string, error) {
	mt, _, err := mime.ParseMediaType(mediaType)
	if err != nil {
		return nil, fmt.Errorf("has a media_type %q that does not parse (%v); send e.g. text/plain; charset=utf-8", mediaType, err)
	}
	if !strings.HasPrefix(mt, "text/") && mt != "application/json" {
		return nil, fmt.Errorf("is a %s file, whose content the guard cannot inspect; send its text as text/plain", mt)
	}
	clean := strings.Map(func(r rune) rune {
		if r == ' ' || r == '\n' || r == '\r' || r == '\t' {
			return -1
		}
		return r
	}, data)
	raw, err := base64.StdEncoding.DecodeString(clean)
	if err != nil {
		if raw, err = base64.RawStdEncoding.DecodeString(strings.TrimRight(clean, "=")); err != nil {
			return nil, fmt.Errorf("is not valid base64 (%v); the file cannot be inspected", err)
		}
	}
	if len(raw) > maxFileBytes {
		return nil, fmt.Errorf("decodes to %d bytes, more than the %d a file may have", len(raw), maxFileBytes)
	}
	// The gateway classifies a file by its bytes before its media type
	// (input-files-*.mjs extractFileContentFromBuffer → classifyAttachmentBytes):
	// a PDF called text/plain has its text extracted (red team round 7,
	// an override in a FlateDecode stream), by PDFium, whose reading of a
	// header pdfsniff follows ("%PDFx1.4" opens too).
	if pdfsniff.Opens(raw) {
		return nil, fmt.Errorf("is a PDF (whatever its media_type says), whose content the guard cannot inspect; send its text as text/plain")
	}
	var enc encoding.Encoding
	sniffed := false
	switch {
	case bytes.HasPrefix(raw, []byte{0xFF, 0xFE}), bytes.HasPrefix(raw, []byte{0xFE, 0xFF}):
		enc = unicode.UTF16(unicode.LittleEndian, unicode.ExpectBOM)
	case utf16sniff.ByZeros(raw) != nil:
		// The gateway's resolveUtf16Charset: without a byte order mark,
		// more than a fifth of the first 2048 bytes zero is UTF-16,
		// whatever charset the media type names.
		enc = utf16sniff.ByZeros(raw)
	default:
		if enc, err = textDecoderEncoding(mimeCharset(mediaType)); err != nil {
			return nil, err
		}
		// sniffTextCharset: windows-1252 when the first 4 KiB are not
		// UTF-8 (judged here when any of the file is not).
		sniffed = enc != charmap.Windows1252 && !utf8.Valid(raw)
	}
	text, err := decodeWith(enc, raw)
	if err != nil {
		return nil, fmt.Errorf("does not decode as %s text (%v)", mediaType, err)
	}
	texts := []string{text}
	if sniffed {
		text, _ := decodeWith(charmap.Windows1252, raw)
		texts = append(texts, text)
	}
	return texts, nil
}

func decodeWith(enc encoding.Encoding, raw []byte) (string, error) {
	if cm, ok := enc.(*charmap.Charmap); ok {
		// x/text decodes the bytes 0x80 to 0x9F that a single-byte
		// encoding leaves undefined as U+FFFD; WHATWG's indexes, and so
		// TextDecoder, as the C1 controls U+0080 to U+009F.
		var b strings.Builder
		b.Grow(len(raw) + len(raw)/2)
		for _, c := range raw {
			r := cm.DecodeByte(c)
			if r == utf8.RuneError && c >= 0x80 && c <= 0x9F {
				r = rune(c)
			}
			b.WriteRune(r)
		}
		return b.String(), nil
	}
	text, err := enc.NewDecoder().Bytes(raw)
	if err != nil {
		return "", err
	}
	if !utf8.Valid(text) {
		text = bytes.ToValidUTF8(text, []byte("\uFFFD"))
	}
	return string(text), nil
}

// textDecoderEncoding is the encoding the gateway's decodeTextContent uses
// for a charset parameter: trimmed as JavaScript's String.prototype.trim
// and lower-cased (normalizeOptionalLowercaseString), then looked up as
// TextDecoder looks up a WHATWG label. UTF-8 without one; TextDecoder
// strips a UTF-8 mark and lets no mark change another label's encoding. A
// label TextDecoder refuses (the "replacement" ones: iso-2022-kr,
// hz-gb-2312, …) makes the gateway fall back to UTF-8; the guard refuses
// those and labels it does not know, rather than guess.
func textDecoderEncoding(charset string) (encoding.Encoding, error) {
	label := strings.ToLower(strings.TrimFunc(charset, isJSSpace))
	if label == "" {
		return unicode.UTF8BOM, nil
	}
	// TextDecoder strips ASCII whitespace only; htmlindex trims any space.
	label = strings.Trim(label, "\t\n\f\r ")
	if strings.TrimSpace(label) != label {
		return nil, fmt.Errorf("has charset %q, which the guard does not know; send UTF-8", charset)
	}
	enc, err := htmlindex.Get(label)
	switch {
	case err != nil:
		return nil, fmt.Errorf("has charset %q, which the guard does not know; send UTF-8", charset)
	case enc == encoding.Replacement:
		return nil, fmt.Errorf("has charset %q, which the gateway cannot decode (it reads the file as UTF-8 instead); send UTF-8", charset)
	case enc == unicode.UTF8:
		return unicode.UTF8BOM, nil
	}
	return enc, nil
}

// isJSSpace is the white space JavaScript's trim removes.
func isJSSpace(r rune) bool {
	switch r {
	case '\t', '\n', '\v', '\f', '\r', ' ', 0xA0, 0x1680, 0x2028, 0x2029, 0x202F, 0x205F, 0x3000, 0xFEFF:
		return true
	}
	return r >= 0x2000 && r <= 0x200A
}

// mimeCharset is the charset parameter of a media type as WHATWG's "parse a
// MIME type" reads it (node:util MIMEType, which the gateway's
// parseContentType uses): "" when there is none or the type does not parse.
// The first charset parameter wins; a name with a blank before "=", an
// RFC 2231 "charset*", or a value with characters outside a quoted
// string's are not the charset.
func mimeCharset(s string) string {
	s = strings.Trim(s, httpSpace)
	slash := strings.IndexByte(s, '/')
	if slash <= 0 || !isToken(s[:slash]) {
		return ""
	}
	rest := s[slash+1:]
	semi := strings.IndexByte(rest, ';')
	if semi < 0 {
		return ""
	}
	if sub := strings.TrimRight(rest[:semi], httpSpace); sub == "" || !isToken(sub) {
		return ""
	}
	p := rest[semi:]
	for len(p) > 0 {
		p = strings.TrimLeft(p[1:], httpSpace) // the ';'
		end := strings.IndexAny(p, ";=")
		if end < 0 {
			return ""
		}
		name := p[:end] // compared ASCII case-insensitively, as WHATWG lower-cases it
		if p[end] == ';' {
			p = p[end:]
			continue
		}
		p = p[end+1:] // the '='
		if p == "" {
			return ""
		}
		var value string
		if p[0] == '"' {
			value, p = quotedString(p)
			if i := strings.IndexByte(p, ';'); i >= 0 {
				p = p[i:]
			} else {
				p = ""
			}
		} else {
			i := strings.IndexByte(p, ';')
			if i < 0 {
				i = len(p)
			}
			value, p = strings.TrimRight(p[:i], httpSpace), p[i:]
			if value == "" {
				continue
			}
		}
		if asciiEqualFold(name, "charset") && isQuotedStringText(value) {
			return value
		}
	}
	return ""
}

const httpSpace = "\t\n\r "

// asciiEqualFold compares s and lower (lower case ASCII) ignoring ASCII case
// only: strings.EqualFold would also match the Kelvin sign to "k".
func asciiEqualFold(s, lower string) bool {
	if len(s) != len(lower) {
		return false
	}
	for i := 0; i < len(s); i++ {
		c := s[i]
		if 'A' <= c && c <= 'Z' {
			c += 'a' - 'A'
		}
		if c != lower[i] {
			return false
		}
	}
	return true
}

// quotedString reads an HTTP quoted string at the start of s (which is
// '"'), unescaping it as WHATWG's "collect an HTTP quoted string" does, and
// returns it with what follows.
func quotedString(s string) (value, rest string) {
	var b strings.Builder
	i := 1
	for i < len(s) {
		c := s[i]
		i++
		switch c {
		case '"':
			return b.String(), s[i:]
		case '\\':
			if i == len(s) {
				b.WriteByte('\\')
				return b.String(), ""
			}
			_, n := utf8.DecodeRuneInString(s[i:])
			b.WriteString(s[i : i+n])
			i += n
		default:
			b.WriteByte(c)
		}
	}
	return b.String(), ""
}

func isToken(s string) bool {
	for i := 0; i < len(s); i++ {
		if c := s[i]; c >= 0x80 || c <= ' ' || c == 0x7F || strings.IndexByte("\"(),/:;<=>?@[\\]{}", c) >= 0 {
			return false
		}
	}
	return s != ""
}

// isQuotedStringText: tab, U+0020 to U+007E and U+0080 to U+00FF.
func isQuotedStringText(s string) bool {
	for _, r := range s {
		if r != '\t' && (r < 0x20 || r == 0x7F || r > 0xFF) {
			return false
		}
	}
	return true
}
