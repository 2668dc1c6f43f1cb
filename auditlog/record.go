package auditlog

import (
	"bytes"
	"crypto/hmac"
	"crypto/sha256"
	"encoding/json"
	"errors"
	"fmt"
	"hash"
	"os"
	"strconv"
	"strings"
	"time"
	"unicode/utf8"
)

// genesis is the prev of the first record of a chain.
var genesis = strings.Repeat("0", 64)

// hashSuffixLen is the length of `,"hash":"<64 hex>"}` that ends a line.
const hashSuffixLen = len(`,"hash":"`) + 64 + len(`"}`)

// Record is one parsed line of an audit log.
type Record struct {
	Seq  uint64
	Prev string // hex hash of record Seq-1 (64 zeros for the first record)
	Hash string // hex SHA-256 or HMAC-SHA256 of the canonical bytes
	Event
	body []byte // canonical bytes without the closing brace
}

// ParseRecord parses one line (without its newline) as the writer wrote it.
// It accepts only the writer's exact spelling: fixed key order, no
// whitespace, no escapes the writer does not produce, valid UTF-8, the
// canonical timestamp form, so the bytes a hash covers are the bytes every
// reader sees. It does not check the hash; that needs the key and the
// previous record.
func ParseRecord(line []byte) (*Record, error) {
	return parseRecord(bytes.Clone(line), true)
}

// parseRecord is ParseRecord without the copy; the Record aliases line.
// Unless full is set it only checks the event's strings and fields, which
// is all the verifier needs, and leaves them empty in the Record.
func parseRecord(line []byte, full bool) (*Record, error) {
	if len(line) > MaxRecordSize {
		return nil, fmt.Errorf("line longer than %d bytes", MaxRecordSize)
	}
	n := len(line) - hashSuffixLen
	if n < 1 || !bytes.HasPrefix(line[n:], []byte(`,"hash":"`)) || !bytes.HasSuffix(line, []byte(`"}`)) {
		return nil, errors.New(`not an audit record: the line does not end with ,"hash":"<64 hex digits>"}`)
	}
	hashHex := line[n+len(`,"hash":"`) : len(line)-2]
	if !isHex(hashHex) {
		return nil, errors.New("hash is not 64 lowercase hex digits")
	}
	p := parser{b: line[:n], checkOnly: !full}
	r := &Record{Hash: string(hashHex), body: line[:n]}
	p.lit(`{"seq":`)
	r.Seq = p.uint()
	p.lit(`,"prev":"`)
	r.Prev = p.hex()
	p.lit(`","ts":"`)
	r.Time = p.ts()
	p.lit(`","event":`)
	r.Event.Event = p.str()
	p.lit(`,"request_id":`)
	r.RequestID = p.str()
	p.lit(`,"client_ip":`)
	r.ClientIP = p.str()
	p.lit(`,"token_name":`)
	r.TokenName = p.str()
	p.lit(`,"route":`)
	r.Route = p.str()
	p.lit(`,"outcome":`)
	r.Outcome = Outcome(p.str())
	p.lit(`,"rules":[`)
	r.Rules = []string{}
	for n := 0; p.err == nil && p.i < len(p.b) && p.b[p.i] != ']'; n++ {
		if n > 0 {
			p.lit(",")
		}
		if rule := p.str(); full {
			r.Rules = append(r.Rules, rule)
		}
	}
	p.lit("]")
	if p.err == nil && p.i < len(p.b) {
		p.lit(`,"fields":`)
		fields := p.b[p.i:]
		p.i = len(p.b)
		switch {
		case p.err != nil:
		case len(fields) < 2 || fields[0] != '{' || string(fields) == "{}" || !json.Valid(fields):
			p.fail("fields is not a non-empty JSON object")
		case full:
			if err := json.Unmarshal(fields, &r.Fields); err != nil {
				p.fail("fields: " + err.Error())
			}
		}
	}
	if p.err != nil {
		return nil, p.err
	}
	return r, nil
}

// parser reads the canonical bytes of a record, which appendCanonical
// writes; anything else is an error naming the byte offset.
type parser struct {
	b         []byte
	i         int
	err       error
	checkOnly bool // check strings without building them
}

func (p *parser) fail(want string) {
	if p.err == nil {
		p.err = fmt.Errorf("not in the writer's canonical form at byte %d: want %s", p.i, want)
	}
}

func (p *parser) lit(s string) {
	if p.err == nil && !bytes.HasPrefix(p.b[p.i:], []byte(s)) {
		p.fail(strconv.Quote(s))
	}
	if p.err == nil {
		p.i += len(s)
	}
}

func (p *parser) uint() uint64 {
	j := p.i
	for j < len(p.b) && '0' <= p.b[j] && p.b[j] <= '9' {
		j++
	}
	v, err := strconv.ParseUint(string(p.b[p.i:j]), 10, 64)
	if p.err == nil && (err != nil || v == 0 || p.b[p.i] == '0') {
		p.fail("seq, a number from 1 without leading zeros")
	}
	p.i = j
	return v
}

func (p *parser) hex() string {
	if p.err != nil || len(p.b)-p.i < 64 || !isHex(p.b[p.i:p.i+64]) {
		p.fail("prev, 64 lowercase hex digits")
		return ""
	}
	p.i += 64
	return string(p.b[p.i-64 : p.i])
}

func (p *parser) ts() time.Time {
	if p.err != nil || len(p.b)-p.i < len(tsLayout) {
		p.fail("ts in RFC 3339 UTC with nine fraction digits")
		return time.Time{}
	}
	s := string(p.b[p.i : p.i+len(tsLayout)])
	// Parse alone is lenient (it takes a comma for the decimal point), so
	// the value must also format back to the same bytes.
	t, err := time.Parse(tsLayout, s)
	if err != nil || string(t.AppendFormat(make([]byte, 0, len(tsLayout)), tsLayout)) != s {
		p.fail("ts in RFC 3339 UTC with nine fraction digits")
	}
	p.i += len(tsLayout)
	return t
}

// str reads a JSON string as appendString writes it: the only escapes are
// \" \\ \n \r \t and \u00XX for other control characters.
func (p *parser) str() string {
	p.lit(`"`)
	if p.err != nil {
		return ""
	}
	start := p.i
	var out []byte
	for p.i < len(p.b) {
		c := p.b[p.i]
		switch {
		case c == '"':
			s := p.b[start:p.i]
			p.i++
			if p.checkOnly {
				return ""
			}
			if out != nil {
				return string(append(out, s...))
			}
			return string(s)
		case c == '\\':
			out = append(out, p.b[start:p.i]...)
			e, n := unescape(p.b[p.i:])
			if n == 0 {
				p.fail("an escape the writer produces")
				return ""
			}
			out = append(out, e)
			p.i += n
			start = p.i
		case c < 0x20:
			p.fail("an escaped control character")
			return ""
		case c < utf8.RuneSelf:
			p.i++
		default:
			r, size := utf8.DecodeRune(p.b[p.i:])
			if r == utf8.RuneError && size == 1 {
				p.fail("valid UTF-8")
				return ""
			}
			p.i += size
		}
	}
	p.fail(`closing "`)
	return ""
}

// unescape decodes the escape at the start of b, returning the byte and
// the escape's length, or 0 for one appendString would not write.
func unescape(b []byte) (byte, int) {
	if len(b) < 2 {
		return 0, 0
	}
	switch b[1] {
	case '"', '\\':
		return b[1], 2
	case 'n':
		return '\n', 2
	case 'r':
		return '\r', 2
	case 't':
		return '\t', 2
	case 'u':
		if len(b) < 6 || b[2] != '0' || b[3] != '0' || b[4] > '1' || b[4] < '0' {
			return 0, 0
		}
		lo := strings.IndexByte(hexDigits, b[5])
		c := byte((b[4]-'0')<<4) | byte(lo)
		if lo < 0 || c == '\n' || c == '\r' || c == '\t' {
			return 0, 0
		}
		return c, 6
	}
	return 0, 0
}

// check recomputes the record's hash with h (SHA-256, or HMAC-SHA256 keyed
// with the log's key).
func (r *Record) check(h hash.Hash) error {
	h.Reset()
	h.Write(r.body)
	h.Write([]byte{'}'})
	var sum [sha256.Size]byte
	var got [64]byte
	encodeHex(got[:], h.Sum(sum[:0]))
	if string(got[:]) != r.Hash {
		return errors.New("hash mismatch: the record was changed after it was written, or the key is wrong")
	}
	return nil
}

var hexDigit = func() (t [256]bool) {
	for _, c := range hexDigits {
		t[c] = true
	}
	return t
}()

// isHex reports whether b is a hash as the writer spells it.
func isHex(b []byte) bool {
	if len(b) != 64 {
		return false
	}
	ok := true
	for _, c := range b {
		ok = ok && hexDigit[c]
	}
	return ok
}

func encodeHex(dst, src []byte) {
	for i, c := range src {
		dst[2*i], dst[2*i+1] = hexDigits[c>>4], hexDigits[c&0xf]
	}
}

// appendHash turns canonical bytes without their closing brace into a line.
func appendHash(dst, hexHash []byte) []byte {
	dst = append(dst, `,"hash":"`...)
	dst = append(dst, hexHash...)
	return append(dst, "\"}\n"...)
}

// newHash is the chain's hash: HMAC-SHA256 with a key, else SHA-256.
func newHash(key []byte) hash.Hash {
	if key == nil {
		return sha256.New()
	}
	return hmac.New(sha256.New, key)
}

// MinKeySize is the shortest HMAC key ReadKeyFile accepts.
const MinKeySize = 16

// ReadKeyFile reads an HMAC key: the file's bytes without trailing newline
// characters. `head -c 32 /dev/urandom` or `openssl rand -hex 32` make one.
func ReadKeyFile(path string) ([]byte, error) {
	b, err := os.ReadFile(path)
	if err != nil {
		return nil, fmt.Errorf("auditlog: key_file: %w", err)
	}
	b = bytes.TrimRight(b, "\r\n")
	if len(b) < MinKeySize {
		return nil, fmt.Errorf("auditlog: key_file %s: key is %d bytes, want at least %d (make one with: openssl rand -hex 32 > %s)", path, len(b), MinKeySize, path)
	}
	return b, nil
}
