package route

import (
	"strings"
)

// CapabilityPrefix is OpenClaw's plugin-node capability prefix: a request to
// CapabilityPrefix + "<capability>/<rest>" is routed by the gateway as
// "/<rest>" with CapabilityQuery=<capability> added to its query
// (normalizePluginNodeCapabilityScopedUrl in dist/plugin-node-capability-*.mjs).
const (
	CapabilityPrefix = "/__openclaw__/cap/"
	CapabilityQuery  = "oc_cap"
)

// Path is a request path as the gateway will route it.
type Path struct {
	// Escaped is the path to judge and to forward, in its escaped form. It is
	// a fixed point of OpenClaw's parsing and rewrites: the gateway routes
	// exactly this string.
	Escaped string
	// Capability is the capability segment of a CapabilityPrefix path, which
	// the gateway moves into the query; "" when there was none.
	Capability string
	// slashSegs marks the segments (1-based, up to 63) that hold an encoded
	// slash; only a {param} segment of the matched route may.
	slashSegs uint64
}

// EncodedSlash reports whether the path holds an encoded slash (%2F),
// which is canonical only inside a {param} segment of the matched route.
func (p Path) EncodedSlash() bool { return p.slashSegs != 0 }

// Rewritten reports whether the path came in under CapabilityPrefix.
func (p Path) Rewritten() bool { return p.Capability != "" }

// PathError says why a request path is refused as not canonical. Reason is
// a short fixed phrase, safe for audit records and metrics.
type PathError struct {
	Reason string
}

func (e *PathError) Error() string {
	return "the request path is not in canonical form: " + e.Reason
}

// Reasons a path is not canonical.
var (
	errNotAbsolute      = &PathError{"it does not start with /"}
	errEmptySegment     = &PathError{"an empty segment (//)"}
	errDotSegment       = &PathError{"a . or .. segment"}
	errBadEscape        = &PathError{"a malformed percent-escape"}
	errEncodedPlain     = &PathError{"a percent-encoded letter, digit, or one of - . _ ~"}
	errEncodedStructure = &PathError{"a percent-encoded \\ % ? # ; or control character"}
	errRawCharacter     = &PathError{"a character outside the canonical set (\\ ; # space, control or non-ASCII)"}
	errCapability       = &PathError{"a malformed " + CapabilityPrefix + "<capability>/ prefix"}
	errNestedCapability = &PathError{"a second " + CapabilityPrefix + " prefix"}
	errTooManySegments  = &PathError{"more than 63 segments"}
)

// Canonical judges the escaped request path the guard would forward
// (http.Request.URL.EscapedPath) and returns the path OpenClaw will route.
//
// A canonical path starts with /, has no empty, . or .. segment, and uses
// only letters, digits, -._~!$&'()*+,=:@ and percent-escapes of other
// bytes. An escape of a letter, digit or -._~ (the gateway would not decode
// it, but another reader would), of \ % ? # ; or a control character is
// refused; so is %2F, except inside a {param} segment (see Table.Match).
// WHATWG URL parsing, which the gateway applies, leaves such a path unchanged.
//
// A path under CapabilityPrefix is rewritten as the gateway rewrites it; the
// rest must be canonical and must not carry the prefix again, so the
// rewritten path is a fixed point of the gateway's rewrite.
func Canonical(escaped string) (Path, error) {
	p := Path{Escaped: escaped}
	if rest, ok := strings.CutPrefix(escaped, CapabilityPrefix); ok {
		capability, tail, found := strings.Cut(rest, "/")
		if !found || capability == "" {
			return Path{}, errCapability
		}
		// The gateway mints capabilities as base64url; anything else in that
		// segment is not one of its URLs.
		if !plainSegment(capability) {
			return Path{}, errCapability
		}
		p.Escaped, p.Capability = "/"+tail, capability
		if strings.HasPrefix(p.Escaped, CapabilityPrefix) {
			return Path{}, errNestedCapability
		}
	}
	slashSegs, err := check(p.Escaped)
	if err != nil {
		return Path{}, err
	}
	p.slashSegs = slashSegs
	return p, nil
}

// check validates a path's escaped form and marks the segments with an
// encoded slash.
func check(s string) (slashSegs uint64, err error) {
	if s == "" || s[0] != '/' {
		return 0, errNotAbsolute
	}
	seg, segStart := 1, 1
	for i := 1; i <= len(s); i++ {
		if i == len(s) || s[i] == '/' {
			switch s[segStart:i] {
			case "":
				if i != len(s) { // a trailing slash is a segment of its own, not //
					return 0, errEmptySegment
				}
			case ".", "..":
				return 0, errDotSegment
			}
			if i == len(s) {
				break
			}
			seg++
			segStart = i + 1
			if seg > 63 {
				return 0, errTooManySegments
			}
			continue
		}
		c := s[i]
		switch {
		case plainByte(c) || strings.IndexByte("!$&'()*+,=:@", c) >= 0:
		case c == '%':
			if i+2 >= len(s) || !isHex(s[i+1]) || !isHex(s[i+2]) {
				return 0, errBadEscape
			}
			b := unhex(s[i+1])<<4 | unhex(s[i+2])
			switch {
			case plainByte(b):
				return 0, errEncodedPlain
			case b == '/':
				slashSegs |= 1 << seg
			case b < 0x20 || b == 0x7f || strings.IndexByte(`\%?#;`, b) >= 0:
				return 0, errEncodedStructure
			}
			i += 2
		default:
			return 0, errRawCharacter
		}
	}
	return slashSegs, nil
}

// plainByte reports whether c is an RFC 3986 unreserved character.
func plainByte(c byte) bool {
	return 'a' <= c && c <= 'z' || 'A' <= c && c <= 'Z' || '0' <= c && c <= '9' || c == '-' || c == '.' || c == '_' || c == '~'
}

func plainSegment(s string) bool {
	for i := 0; i < len(s); i++ {
		if !plainByte(s[i]) {
			return false
		}
	}
	return s != "." && s != ".."
}

func isHex(c byte) bool {
	return '0' <= c && c <= '9' || 'a' <= c && c <= 'f' || 'A' <= c && c <= 'F'
}

func unhex(c byte) byte {
	switch {
	case c <= '9':
		return c - '0'
	case c <= 'F':
		return c - 'A' + 10
	}
	return c - 'a' + 10
}

// segments splits an escaped path after its leading slash.
func segments(escaped string) []string {
	return strings.Split(escaped[1:], "/")
}

// safeSlashParam reports whether a {param} segment holding encoded slashes
// decodes to slash-separated names without . or .. or empty parts, so that
// no reader that decodes it (OpenClaw's plugin-route matcher does, up to 32
// times) sees a different path.
func safeSlashParam(seg string) bool {
	decoded := strings.NewReplacer("%2F", "/", "%2f", "/").Replace(seg)
	for part := range strings.SplitSeq(decoded, "/") {
		if part == "" || part == "." || part == ".." {
			return false
		}
	}
	return true
}
