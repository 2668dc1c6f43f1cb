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
	"strings"
	"time"
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
	canonical []byte
}

// ParseRecord parses one line (without its newline) as the writer wrote it.
// It accepts only the writer's exact spelling: fixed key order, no
// whitespace, no unknown or repeated keys, the canonical timestamp form.
// That way the bytes the hash covers are the bytes every reader sees. It
// does not check the hash; that needs the key and the previous record.
func ParseRecord(line []byte) (*Record, error) {
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
	canonical := append(line[:n:n], '}')
	var w struct {
		Seq       uint64          `json:"seq"`
		Prev      string          `json:"prev"`
		TS        string          `json:"ts"`
		Event     string          `json:"event"`
		RequestID string          `json:"request_id"`
		ClientIP  string          `json:"client_ip"`
		TokenName string          `json:"token_name"`
		Route     string          `json:"route"`
		Outcome   string          `json:"outcome"`
		Rules     []string        `json:"rules"`
		Fields    json.RawMessage `json:"fields"`
	}
	dec := json.NewDecoder(bytes.NewReader(canonical))
	dec.DisallowUnknownFields()
	if err := dec.Decode(&w); err != nil {
		return nil, fmt.Errorf("not an audit record: %v", err)
	}
	if w.Seq == 0 {
		return nil, errors.New("seq is missing or 0 (records count from 1)")
	}
	if !isHex([]byte(w.Prev)) {
		return nil, errors.New("prev is not 64 lowercase hex digits")
	}
	ts, err := time.Parse(tsLayout, w.TS)
	if err != nil {
		return nil, fmt.Errorf("ts %q is not RFC 3339 UTC with nine fraction digits", w.TS)
	}
	r := &Record{Seq: w.Seq, Prev: w.Prev, Hash: string(hashHex), canonical: canonical, Event: Event{
		Time: ts, Event: w.Event, RequestID: w.RequestID, ClientIP: w.ClientIP, TokenName: w.TokenName,
		Route: w.Route, Outcome: w.Outcome, Rules: w.Rules,
	}}
	var fields []byte
	if w.Fields != nil {
		if err := json.Unmarshal(w.Fields, &r.Fields); err != nil || len(r.Fields) == 0 {
			return nil, errors.New("fields is not a non-empty JSON object")
		}
		fields = w.Fields
	}
	if !bytes.Equal(appendCanonical(nil, r.Seq, r.Prev, &r.Event, fields), canonical) {
		return nil, errors.New("record is not in the writer's canonical form (keys reordered, repeated or re-spelled, or whitespace added)")
	}
	if r.Rules == nil {
		r.Rules = []string{}
	}
	return r, nil
}

// check recomputes the record's hash with h (SHA-256, or HMAC-SHA256 keyed
// with the log's key).
func (r *Record) check(h hash.Hash) error {
	h.Reset()
	h.Write(r.canonical)
	var got [64]byte
	encodeHex(got[:], h.Sum(nil))
	if string(got[:]) != r.Hash {
		return errors.New("hash mismatch: the record was changed after it was written, or the key is wrong")
	}
	return nil
}

func isHex(b []byte) bool {
	if len(b) != 64 {
		return false
	}
	for _, c := range b {
		if !('0' <= c && c <= '9' || 'a' <= c && c <= 'f') {
			return false
		}
	}
	return true
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

func newSHA256() hash.Hash { return sha256.New() }

func newHMAC(key []byte) hash.Hash { return hmac.New(sha256.New, key) }

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
