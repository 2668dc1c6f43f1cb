// Package pdfsniff tells the bytes OpenClaw's gateway extracts as a PDF, for
// the guard's readers of files the gateway decodes: the sanitizer's
// /v1/responses input_file and the WebSocket firewall's chat attachments.
//
// OpenClaw 2026.9.6 extracts PDF text with PDFium (clawpdf 0.3.2, the
// document-extract plugin), which opens a file whose "%PDF" begins within
// its first 1024 bytes, with or without the "-" and a version after it
// ("%PDFx1.4" and a bare "%PDF" open and give their text; "%PDF" beginning
// at byte 1025 does not open), and file-type sniffs "%PDF" at the start as
// a PDF whatever the client calls the file.
package pdfsniff

import "bytes"

// window is how far into a file PDFium looks for its header: "%PDF"
// beginning at byte 1024 opens, at 1025 it does not.
const window = 1024 + len("%PDF")

// Opens reports whether PDFium would open b as a PDF: "%PDF" begins in its
// first 1024 bytes.
func Opens(b []byte) bool {
	return bytes.Contains(b[:min(len(b), window)], []byte("%PDF"))
}
