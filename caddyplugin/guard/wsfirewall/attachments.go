package wsfirewall

import (
	"bytes"
	"encoding/base64"
	"fmt"
	"regexp"
	"strings"
	gounicode "unicode"
	"unicode/utf8"

	"golang.org/x/text/encoding"
	"golang.org/x/text/encoding/charmap"
	"golang.org/x/text/encoding/unicode"

	"github.com/openclaw-secure-stack/securestack/internal/pdfsniff"
	"github.com/openclaw-secure-stack/securestack/internal/utf16sniff"
)

// attachmentsField marks, in chatFields, a list of chat attachments
// (ChatAttachmentSchema in dist/sessions-*.mjs): its items are not strings
// to judge as they stand but files, read as OpenClaw reads them.
const attachmentsField = "attachments[]"

// OpenClaw 2026.9.6 reads an attachment's base64 from content (a string,
// trimmed, a data: URL prefix removed) or else from source.data when
// source.type is "base64" (attachment-normalize-*.mjs
// normalizeRpcAttachmentsToChatAttachments, normalizeAttachment). It saves
// the bytes, and the reply pipeline's media understanding
// (file-context-*.mjs extractFileContext, apply-*.mjs) puts the text of a
// file it classifies as text (by its bytes, its media type or the extension
// of its name) or of a PDF into the prompt, as
// <file name="fileName">…</file>. The file name (fileName, else type)
// goes into that block. So:
//
//   - fileName and type are judged as text;
//   - bytes that open with an image, audio, video or archive signature are
//     left alone (images are not read; archives and office files are not
//     extracted: the agent reads them with a tool, whose result the provider
//     guard judges), unless OpenClaw's text sniff could read them as text
//     (sniffsAsText: file-type needs more than some signatures);
//   - a PDF is refused: the gateway gives the model its text, and the guard
//     cannot extract it ("%PDF" in the first KiB, see pdfsniff);
//   - any other bytes are decoded as OpenClaw's classifier would
//     (attachment-classify-*.mjs: a UTF-16 byte order mark, or more than a
//     fifth of the first 2048 bytes zero, is UTF-16; valid UTF-8 is UTF-8;
//     anything else UTF-8 with replacement characters when the client
//     calls it text, windows-1252 when sniffed: both readings) and judged
//     as text, whatever media type the client claims.
var dataURLPrefix = regexp.MustCompile(`^data:[^;,]+;base64,`)

// attachmentTexts appends the text of every attachment in raw (the JSON
// value of an attachments field), named from name.
func attachmentTexts(raw []byte, name string, out []Text) ([]Text, error) {
	i := skipSpace(raw, 0)
	if i >= len(raw) || raw[i] == 'n' {
		return out, nil
	}
	if raw[i] != '[' {
		return nil, fmt.Errorf("want an array")
	}
	j := skipSpace(raw, i+1)
	for k := 0; j < len(raw) && raw[j] != ']'; k++ {
		end := skipValue(raw, j)
		var err error
		if out, err = attachmentText(raw[j:end], fmt.Sprintf("%s[%d]", name, k), out); err != nil {
			return nil, err
		}
		j = skipSpace(raw, end)
		if j < len(raw) && raw[j] == ',' {
			j = skipSpace(raw, j+1)
		}
	}
	return out, nil
}

// attachmentText reads one attachment. Items that are not objects carry
// no content OpenClaw reads (it drops them).
func attachmentText(raw []byte, name string, out []Text) ([]Text, error) {
	if i := skipSpace(raw, 0); i >= len(raw) || raw[i] != '{' {
		return out, nil
	}
	var content, sourceType, sourceData []byte
	var contentSet bool
	err := members(raw, func(key string, val []byte) error {
		switch key {
		case "fileName", "type":
			if s, ok := stringValue(val[skipSpace(val, 0):]); ok {
				out = append(out, Text{Field: name + "." + key, Value: s})
			}
		case "content":
			content, contentSet = val, true
		case "source":
			if j := skipSpace(val, 0); j >= len(val) || val[j] != '{' {
				return nil // OpenClaw reads an object only
			}
			return members(val, func(k string, v []byte) error {
				switch k {
				case "type":
					sourceType = v
				case "data":
					sourceData = v
				}
				return nil
			})
		}
		return nil
	})
	if err != nil {
		return nil, err
	}
	field := name + ".content"
	b64, ok := "", false
	if contentSet {
		b64, ok = stringValue(content[skipSpace(content, 0):])
	}
	if !ok {
		if t, _ := stringValue(sourceType[skipSpace(sourceType, 0):]); t == "base64" && sourceData != nil {
			field = name + ".source.data"
			b64, ok = stringValue(sourceData[skipSpace(sourceData, 0):])
		}
	}
	if !ok {
		return out, nil
	}
	texts, err := fileText(b64)
	if err != nil {
		return nil, fmt.Errorf("%s %v", field, err)
	}
	for _, t := range texts {
		out = append(out, Text{Field: field, Value: t})
	}
	return out, nil
}

// fileText decodes an attachment's base64 and returns the texts OpenClaw
// may give the model (none for a file it does not read as text).
func fileText(b64 string) ([]string, error) {
	b64 = strings.TrimSpace(b64)
	if m := dataURLPrefix.FindString(b64); m != "" {
		b64 = b64[len(m):]
	}
	if b64 == "" {
		return nil, nil // OpenClaw refuses an empty payload
	}
	raw, err := base64.StdEncoding.DecodeString(b64)
	if err != nil {
		return nil, fmt.Errorf("is not base64 the guard can decode (%v)", err)
	}
	if notText(raw) && !sniffsAsText(raw) {
		return nil, nil
	}
	// The file is a PDF to OpenClaw when its bytes open with "%PDF" or its
	// media type or the extension of its name say so, and PDFium extracts
	// its text when "%PDF" begins in its first 1024 bytes (pdfsniff): such
	// bytes are refused whatever the client calls the file; a text that
	// names the header further on is a text.
	if pdfsniff.Opens(raw) {
		return nil, fmt.Errorf("is a PDF, whose text the gateway gives the model and the guard cannot read; send its text as a text file or in the message")
	}
	var texts []string
	cs := utf16Charset(raw)
	if cs != nil {
		// Read as UTF-16 when the client calls it text, as bytes otherwise:
		// both readings are judged.
		if t, err := cs.NewDecoder().Bytes(raw); err == nil {
			texts = append(texts, string(bytes.ToValidUTF8(t, []byte("\uFFFD"))))
		}
	}
	if utf8.Valid(raw) {
		return append(texts, string(raw)), nil
	}
	// Bytes that are not UTF-8 have two readings in the gateway: a file
	// the client calls text is decoded as UTF-8, each bad sequence a
	// replacement character (a Russian order with one stray byte stays
	// Russian), and one it sniffs as text is windows-1252 (the same bytes
	// as mojibake). Both are judged (UTF-16 was read above).
	if cs == nil {
		texts = append(texts, string(bytes.ToValidUTF8(raw, []byte("\uFFFD"))))
	}
	t, _ := charmap.Windows1252.NewDecoder().Bytes(raw)
	return append(texts, string(bytes.ToValidUTF8(t, []byte("\uFFFD")))), nil
}

// utf16Charset is OpenClaw's resolveUtf16Charset: a byte order mark, or
// more than a fifth of the first 2048 bytes zero (little-endian when the
// zeros at odd offsets are at least those at even ones). nil otherwise.
func utf16Charset(b []byte) encoding.Encoding {
	if len(b) < 2 {
		return nil
	}
	switch {
	case b[0] == 0xff && b[1] == 0xfe:
		return unicode.UTF16(unicode.LittleEndian, unicode.ExpectBOM)
	case b[0] == 0xfe && b[1] == 0xff:
		return unicode.UTF16(unicode.BigEndian, unicode.ExpectBOM)
	}
	return utf16sniff.ByZeros(b)
}

// signatures open files that OpenClaw's sniffer (file-type) takes for
// what they are, whatever the client calls them, and does not read as
// text: images (sent to a vision model or not at all), audio and video
// (transcribed by a model of the operator's, when configured), archives and
// office files (not extracted). Only signatures the sniffer recognises from
// these bytes alone are listed: a text that opens with "BM" or "ID" is
// still text.
var signatures = [][]byte{
	[]byte("\x89PNG\r\n\x1a\n"), []byte("\xff\xd8\xff"), []byte("GIF87a"), []byte("GIF89a"),
	[]byte("OggS\x00"), []byte("fLaC"), []byte("\x1aE\xdf\xa3"),
	[]byte("PK\x03\x04"), []byte("\x1f\x8b\x08"), []byte("7z\xbc\xaf\x27\x1c"), []byte("Rar!\x1a\x07"),
	[]byte("\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1"),
}

// notText reports whether b opens with a signature of a file OpenClaw does
// not read as text. The signature alone does not decide: file-type needs
// more than these bytes for some formats (a PNG needs its IHDR chunk; Ogg,
// EBML and RAR more than their magic), and when it does not recognise the
// file, OpenClaw sniffs the bytes as text (sniffsAsText). Checked against
// OpenClaw 2026.9.6's classifyAttachmentBytes: each of these signatures
// before a paragraph of text, named a.txt or not named, gave class "text"
// for PNG, Ogg, EBML and RAR, so those files' text reached the model while
// the guard skipped them (lead review).
func notText(b []byte) bool {
	for _, s := range signatures {
		if bytes.HasPrefix(b, s) {
			return true
		}
	}
	switch {
	case len(b) >= 12 && string(b[:4]) == "RIFF" && (string(b[8:12]) == "WEBP" || string(b[8:12]) == "WAVE" || string(b[8:12]) == "AVI "):
		return true
	case len(b) >= 12 && string(b[4:8]) == "ftyp": // MP4, MOV, HEIC, AVIF
		return true
	}
	return false
}

// sniffsAsText reports whether OpenClaw could read b as text although it
// opens with a signature: its UTF-16 reading (a byte order mark or zeros),
// or its text sniff (attachment-classify-*.mjs sniffTextCharset: the first
// 4096 bytes, as UTF-8 more than 85% printable, or when they are not UTF-8,
// as windows-1252 more than 95% printable and 30% letters, digits and
// blanks). The guard's bounds are looser than the gateway's (80%, 90%,
// 25%), so that a file the gateway reads is never one the guard skips; a
// real image or archive is far below them.
func sniffsAsText(b []byte) bool {
	if utf16Charset(b) != nil {
		return true
	}
	sample := b[:min(len(b), 4096)]
	// The sample is widened to finish a UTF-8 sequence cut at its end.
	end := len(sample)
	for i := len(sample) - 1; i >= max(0, len(sample)-4); i-- {
		if sample[i]&0xC0 != 0x80 {
			width := 1
			switch c := sample[i]; {
			case c >= 0xF0:
				width = 4
			case c >= 0xE0:
				width = 3
			case c >= 0xC2:
				width = 2
			}
			end = min(len(b), max(end, i+width))
			break
		}
	}
	head := bytes.TrimPrefix(b[:end], []byte("\xef\xbb\xbf"))
	if utf8.Valid(head) {
		var total, printable int
		for _, r := range string(head) {
			total++
			if !isControlChar(r) {
				printable++
			}
		}
		return total > 0 && float64(printable)/float64(total) > 0.80
	}
	var total, printable, wordish int
	for _, c := range sample {
		total++
		r := rune(c)
		switch c {
		case 0x81, 0x8D, 0x8F, 0x90, 0x9D: // C1 controls in WHATWG's windows-1252
		default:
			if c >= 0x80 {
				r = charmap.Windows1252.DecodeByte(c)
			}
		}
		switch {
		case r == '\t' || r == '\n' || r == '\r' || r == ' ':
			printable++
			wordish++
		case isControlChar(r):
		default:
			printable++
			if gounicode.IsLetter(r) || gounicode.IsNumber(r) {
				wordish++
			}
		}
	}
	return total > 0 && float64(printable)/float64(total) > 0.90 && float64(wordish)/float64(total) > 0.25
}

// isControlChar is OpenClaw's textRatios test: a C0 or C1 control character
// other than tab, line feed, carriage return and space.
func isControlChar(r rune) bool {
	if r == '\t' || r == '\n' || r == '\r' || r == ' ' {
		return false
	}
	return r < 32 || r >= 127 && r <= 159
}
