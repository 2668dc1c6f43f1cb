package scanner

import (
	"bytes"
	"encoding/binary"
	"unicode/utf8"
)

// binaryKind returns "" for text, "executable" for native programs and
// "binary" for other non-text content. Text is valid UTF-8 without NUL bytes
// in its first 8 KiB.
func binaryKind(data []byte) string {
	switch {
	case bytes.HasPrefix(data, []byte("\x7fELF")),
		isPE(data),
		bytes.HasPrefix(data, []byte{0xcf, 0xfa, 0xed, 0xfe}), // Mach-O 64
		bytes.HasPrefix(data, []byte{0xce, 0xfa, 0xed, 0xfe}), // Mach-O 32
		bytes.HasPrefix(data, []byte{0xca, 0xfe, 0xba, 0xbe}): // Mach-O universal
		return "executable"
	}
	head := data
	if len(head) > 8192 {
		head = head[:8192]
		// Do not call a text file binary because the cut split a rune.
		for i := 0; i < utf8.UTFMax && len(head) > 0 && !utf8.Valid(head); i++ {
			head = head[:len(head)-1]
		}
	}
	if bytes.IndexByte(head, 0) >= 0 || !utf8.Valid(head) {
		return "binary"
	}
	return ""
}

func binaryFinding(rel, kind string) Finding {
	if kind == "executable" {
		return Finding{RuleID: RuleBinaryExecutable, File: rel,
			Message: "native executable shipped with the skill; it cannot be reviewed as source and may be run by the instructions"}
	}
	return Finding{RuleID: RuleBinaryFile, File: rel, Message: "binary file, not analysed"}
}

// isPE checks the DOS stub's pointer to a "PE\0\0" header, because "MZ"
// alone also starts ordinary text.
func isPE(d []byte) bool {
	if len(d) < 0x40 || d[0] != 'M' || d[1] != 'Z' {
		return false
	}
	off := int64(binary.LittleEndian.Uint32(d[0x3c:]))
	return off+4 <= int64(len(d)) && string(d[off:off+4]) == "PE\x00\x00"
}
