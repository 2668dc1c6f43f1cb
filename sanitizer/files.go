package sanitizer

import (
	"bytes"
	"encoding/base64"
	"fmt"
	"mime"
	"strings"
	"unicode/utf8"

	"golang.org/x/text/encoding"
	"golang.org/x/text/encoding/htmlindex"
	"golang.org/x/text/encoding/unicode"

	"github.com/openclaw-secure-stack/securestack/internal/utf16sniff"
)

// maxFileBytes is the gateway's default cap on a decoded input_file
// (DEFAULT_INPUT_FILE_MAX_BYTES); a larger file is refused there too.
const maxFileBytes = 5 << 20

// decodeFile turns an input_file's base64 data into the text the gateway
// gives the model: text/* and JSON media types, decoded with the charset
// parameter (WHATWG labels, as the gateway's TextDecoder reads them; a byte
// order mark wins; without one, UTF-16 when a fifth of the bytes are zero,
// as the gateway reads them), UTF-8 by default. Files whose text the
// sanitizer cannot get the way the gateway does (PDF, by media type or by
// its bytes; binary types) are refused.
func decodeFile(mediaType, data string) (string, error) {
	mt, params, err := mime.ParseMediaType(mediaType)
	if err != nil {
		return "", fmt.Errorf("has a media_type %q that does not parse (%v); send e.g. text/plain; charset=utf-8", mediaType, err)
	}
	if !strings.HasPrefix(mt, "text/") && mt != "application/json" {
		return "", fmt.Errorf("is a %s file, whose content the guard cannot inspect; send its text as text/plain", mt)
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
			return "", fmt.Errorf("is not valid base64 (%v); the file cannot be inspected", err)
		}
	}
	if len(raw) > maxFileBytes {
		return "", fmt.Errorf("decodes to %d bytes, more than the %d a file may have", len(raw), maxFileBytes)
	}
	// The gateway classifies a file by its bytes before its media type
	// (input-files-*.mjs extractFileContentFromBuffer → classifyAttachmentBytes):
	// a PDF called text/plain has its text extracted (red team round 7,
	// an override in a FlateDecode stream). The extractor is PDFium
	// (clawpdf): it opens a file whose "%PDF" begins within its first 1024
	// bytes, with or without the "-" after it ("%PDFx1.4" opens, and
	// file-type sniffs "%PDF" at the start as a PDF).
	if bytes.Contains(raw[:min(len(raw), 1024+len("%PDF"))], []byte("%PDF")) {
		return "", fmt.Errorf("is a PDF (whatever its media_type says), whose content the guard cannot inspect; send its text as text/plain")
	}
	var enc encoding.Encoding = unicode.UTF8BOM
	switch {
	case bytes.HasPrefix(raw, []byte{0xFF, 0xFE}), bytes.HasPrefix(raw, []byte{0xFE, 0xFF}):
		enc = unicode.UTF16(unicode.LittleEndian, unicode.ExpectBOM)
	case bytes.HasPrefix(raw, []byte{0xEF, 0xBB, 0xBF}):
	case utf16sniff.ByZeros(raw) != nil:
		// The gateway's resolveUtf16Charset: without a byte order mark,
		// more than a fifth of the first 2048 bytes zero is UTF-16,
		// whatever charset the media type names.
		enc = utf16sniff.ByZeros(raw)
	case params["charset"] != "":
		if enc, err = htmlindex.Get(params["charset"]); err != nil {
			return "", fmt.Errorf("has charset %q, which the guard does not know; send UTF-8", params["charset"])
		}
	}
	text, err := enc.NewDecoder().Bytes(raw)
	if err != nil {
		return "", fmt.Errorf("does not decode as %s text (%v)", mediaType, err)
	}
	if !utf8.Valid(text) {
		text = bytes.ToValidUTF8(text, []byte("\uFFFD"))
	}
	return string(text), nil
}
