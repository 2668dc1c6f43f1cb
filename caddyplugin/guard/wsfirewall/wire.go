package wsfirewall

import (
	"encoding/binary"
	"errors"
)

// RFC 6455 opcodes.
const (
	opContinuation = 0x0
	opText         = 0x1
	opBinary       = 0x2
	opClose        = 0x8
	opPing         = 0x9
	opPong         = 0xA
)

// Close codes the firewall sends (RFC 6455 section 7.4.1).
const (
	ClosePolicyViolation = 1008
	CloseProtocolError   = 1002
	CloseGoingAway       = 1001
)

// header is a parsed frame header.
type header struct {
	fin    bool
	rsv    byte // the three reserved bits; no extension is negotiated, so they must be 0
	opcode byte
	masked bool
	mask   [4]byte
	length uint64 // payload length
	size   int    // header length in bytes
}

var errShortHeader = errors.New("short frame header")

// parseHeader reads a frame header at the start of b. It returns
// errShortHeader when b does not hold the whole header yet.
func parseHeader(b []byte) (header, error) {
	if len(b) < 2 {
		return header{}, errShortHeader
	}
	h := header{
		fin:    b[0]&0x80 != 0,
		rsv:    b[0] & 0x70,
		opcode: b[0] & 0x0F,
		masked: b[1]&0x80 != 0,
	}
	n := 2
	switch l := b[1] & 0x7F; l {
	case 126:
		if len(b) < n+2 {
			return header{}, errShortHeader
		}
		h.length = uint64(binary.BigEndian.Uint16(b[n:]))
		n += 2
	case 127:
		if len(b) < n+8 {
			return header{}, errShortHeader
		}
		h.length = binary.BigEndian.Uint64(b[n:])
		n += 8
	default:
		h.length = uint64(l)
	}
	if h.masked {
		if len(b) < n+4 {
			return header{}, errShortHeader
		}
		copy(h.mask[:], b[n:n+4])
		n += 4
	}
	h.size = n
	return h, nil
}

func isControl(op byte) bool { return op&0x8 != 0 }

// appendFrame appends one whole unfragmented frame. A frame to the gateway
// is masked (mask must be non-nil), one to the client is not.
func appendFrame(dst []byte, opcode byte, payload []byte, mask *[4]byte) []byte {
	dst = append(dst, 0x80|opcode)
	var maskBit byte
	if mask != nil {
		maskBit = 0x80
	}
	switch n := len(payload); {
	case n <= 125:
		dst = append(dst, maskBit|byte(n))
	case n <= 0xFFFF:
		dst = append(dst, maskBit|126, byte(n>>8), byte(n))
	default:
		dst = append(dst, maskBit|127)
		dst = binary.BigEndian.AppendUint64(dst, uint64(n))
	}
	if mask == nil {
		return append(dst, payload...)
	}
	dst = append(dst, mask[:]...)
	start := len(dst)
	dst = append(dst, payload...)
	maskBytes(dst[start:], *mask, 0)
	return dst
}

// closePayload is a close frame's body: the code, then a reason cut to fit
// the 125-byte control frame limit.
func closePayload(code int, reason string) []byte {
	if len(reason) > 123 {
		reason = reason[:123]
	}
	b := []byte{byte(code >> 8), byte(code)}
	return append(b, reason...)
}

// maskBytes XORs b with the mask, starting at mask offset pos (RFC 6455
// section 5.3), and returns the mask offset after b.
func maskBytes(b []byte, mask [4]byte, pos int) int {
	pos &= 3
	for len(b) > 0 && pos != 0 {
		b[0] ^= mask[pos]
		b = b[1:]
		pos = (pos + 1) & 3
	}
	if len(b) == 0 {
		return pos
	}
	// Eight bytes at a time once aligned to the mask: every client frame is
	// unmasked to be judged, so this is on the hot path.
	key := uint64(binary.LittleEndian.Uint32(mask[:]))
	key |= key << 32
	for len(b) >= 8 {
		binary.LittleEndian.PutUint64(b, binary.LittleEndian.Uint64(b)^key)
		b = b[8:]
	}
	for i := range b {
		b[i] ^= mask[i&3]
	}
	return len(b) & 3
}
