// Package utf16sniff tells UTF-16 text without a byte order mark the way
// OpenClaw's gateway does (resolveUtf16Charset, attachment-classify-*.mjs),
// for the guard's readers of files the gateway decodes: the sanitizer's
// /v1/responses input_file and the WebSocket firewall's chat attachments.
package utf16sniff

import (
	"golang.org/x/text/encoding"
	"golang.org/x/text/encoding/unicode"
)

// ByZeros reports the UTF-16 encoding of b when more than a fifth of its
// first 2048 bytes are zero: little-endian when the zeros at odd offsets
// are at least those at even ones, big-endian otherwise. It returns nil
// for other text, and for fewer than two bytes. A byte order mark is the
// caller's to check first.
func ByZeros(b []byte) encoding.Encoding {
	if len(b) < 2 {
		return nil
	}
	sample := b[:min(len(b), 2048)]
	var even, odd int
	for i, c := range sample {
		if c == 0 {
			if i%2 == 0 {
				even++
			} else {
				odd++
			}
		}
	}
	if float64(even+odd)/float64(len(sample)) <= .2 {
		return nil
	}
	if odd >= even {
		return unicode.UTF16(unicode.LittleEndian, unicode.IgnoreBOM)
	}
	return unicode.UTF16(unicode.BigEndian, unicode.IgnoreBOM)
}
