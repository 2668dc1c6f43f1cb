package egress

import (
	"bufio"
	"bytes"
	"errors"
	"fmt"
	"io"
	"net/netip"
	"os"
	"slices"
	"strings"
	"unicode/utf8"

	"golang.org/x/net/idna"
)

// Flags kept per canonical name. A name is stored once; an entry sets the
// bits it allows, and every proper suffix of an entry is stored as interior
// so that Match can stop at the first suffix the list knows nothing below.
const (
	flagExact    uint8 = 1 << iota // the name itself ("example.com", ".example.com")
	flagSubtree                    // names strictly below it ("*.example.com", ".example.com")
	flagInterior                   // some entry lies below it
)

// maxName is the longest name in presentation form without the root dot
// (RFC 1035: 255 octets on the wire).
const maxName = 253

// profile is UTS #46 lookup processing with the DNS length limits checked and
// STD3 rules on, so an entry is a host name and nothing else. Hyphens in the
// third and fourth position are allowed, as browsers allow them
// ("r3---sn-abc.googlevideo.com").
var profile = idna.New(
	idna.MapForLookup(),
	idna.BidiRule(),
	idna.VerifyDNSLength(true),
	idna.CheckHyphens(false),
	idna.Transitional(false),
)

// Allowlist is a prepared, immutable allowlist. It is safe for concurrent use.
type Allowlist struct {
	names    map[string]uint8
	prefixes map[netip.Prefix]struct{}
	bits4    []int // prefix lengths present among IPv4 entries, longest first
	bits6    []int // the same for IPv6
	n        int
}

// ParseError reports an allowlist line that is not a valid entry.
type ParseError struct {
	File  string // name given to ParseAllowlist, or the path
	Line  int    // 1-based
	Entry string // the line without its comment
	Err   error
}

func (e *ParseError) Error() string {
	return fmt.Sprintf("egress: %s:%d: invalid allowlist entry %q: %v "+
		"(want a host name such as example.com, *.example.com or .example.com, an IP address, or a CIDR prefix; fix or remove the line)",
		e.File, e.Line, e.Entry, e.Err)
}

func (e *ParseError) Unwrap() error { return e.Err }

// ParseAllowlist reads an allowlist from r. name is used in error messages,
// usually the file's path.
func ParseAllowlist(r io.Reader, name string) (*Allowlist, error) {
	a := newAllowlist(0)
	if err := a.parse(r, name); err != nil {
		return nil, err
	}
	a.finish()
	return a, nil
}

// LoadAllowlist reads and merges the allowlist files at paths. It fails on
// the first file that cannot be read or holds an invalid entry.
func LoadAllowlist(paths ...string) (*Allowlist, error) {
	if len(paths) == 0 {
		return nil, errors.New("egress: no allowlist file given")
	}
	files := make([]*os.File, len(paths))
	defer func() {
		for _, f := range files {
			if f != nil {
				f.Close()
			}
		}
	}()
	var size int64
	for i, p := range paths {
		f, err := os.Open(p)
		if err != nil {
			return nil, fmt.Errorf("egress: reading allowlist: %w", err)
		}
		files[i] = f
		if fi, err := f.Stat(); err == nil {
			size += fi.Size()
		}
	}
	// Sizing the map for the files up front saves it from growing step by
	// step through a large list; an entry line is rarely under 16 bytes.
	a := newAllowlist(int(min(size/16, 1<<24)))
	for i, f := range files {
		if err := a.parse(f, paths[i]); err != nil {
			return nil, err
		}
	}
	a.finish()
	return a, nil
}

func newAllowlist(hint int) *Allowlist {
	return &Allowlist{names: make(map[string]uint8, hint), prefixes: map[netip.Prefix]struct{}{}}
}

func (a *Allowlist) parse(r io.Reader, file string) error {
	sc := bufio.NewScanner(r)
	line := 0
	for sc.Scan() {
		line++
		b := sc.Bytes()
		if line == 1 {
			b = bytes.TrimPrefix(b, []byte("\uFEFF"))
		}
		if i := bytes.IndexByte(b, '#'); i >= 0 {
			b = b[:i]
		}
		b = bytes.TrimSpace(b)
		if len(b) == 0 {
			continue
		}
		if err := a.add(string(b)); err != nil {
			return &ParseError{File: file, Line: line, Entry: string(b), Err: err}
		}
	}
	if err := sc.Err(); err != nil {
		return fmt.Errorf("egress: %s: after line %d: %w", file, line, err)
	}
	return nil
}

func (a *Allowlist) add(entry string) error {
	if strings.ContainsAny(entry, " \t") {
		return errors.New("more than one field; put one entry per line")
	}
	if p, ok, err := parseAddrEntry(entry); ok {
		if err != nil {
			return err
		}
		if _, dup := a.prefixes[p]; !dup {
			a.prefixes[p] = struct{}{}
			a.n++
		}
		return nil
	}

	flags, host := flagExact, entry
	switch {
	case strings.HasPrefix(entry, "*."):
		flags, host = flagSubtree, entry[2:]
	case strings.HasPrefix(entry, "."):
		flags, host = flagExact|flagSubtree, entry[1:]
	}
	host = strings.TrimSuffix(host, ".")
	if host == "" {
		return errors.New("empty name; the list cannot allow every name")
	}
	if !utf8.ValidString(host) {
		return errors.New("not valid UTF-8")
	}
	if strings.Contains(host, "*") {
		return errors.New(`"*" is only allowed as the whole first label ("*.example.com")`)
	}
	canon, err := canonicalHost(host)
	if err != nil {
		return err
	}
	if allDigits(canon[strings.LastIndexByte(canon, '.')+1:]) {
		return errors.New("the last label is numeric: not a host name, and not a valid IPv4 address")
	}

	if old := a.names[canon]; old&flags != flags {
		a.names[canon] = old | flags
		a.n++
	}
	// Mark every proper suffix as interior, stopping where an earlier entry
	// already did: its suffixes are marked too.
	for s := canon; ; {
		i := strings.IndexByte(s, '.')
		if i < 0 {
			break
		}
		s = s[i+1:]
		old := a.names[s]
		if old&flagInterior != 0 {
			break
		}
		a.names[s] = old | flagInterior
	}
	return nil
}

// canonicalHost converts a host name to lower-case punycode. Plain ASCII
// host names (letters, digits, hyphens, no "xn--" label) take a short path
// that gives what the idna profile gives, without its Unicode tables; most
// of a large list is such names. FuzzCanonicalHost holds the two together.
func canonicalHost(host string) (string, error) {
	if plainASCIIHost(host) {
		return strings.ToLower(host), nil
	}
	canon, err := profile.ToASCII(host)
	if err != nil {
		return "", err
	}
	return strings.ToLower(canon), nil
}

// plainASCIIHost reports whether host is letters, digits and hyphens in
// labels of 1 to 63 octets, 253 in all, with no label starting "xn--" (a
// punycode label must be decoded to be checked).
func plainASCIIHost(host string) bool {
	if len(host) == 0 || len(host) > maxName {
		return false
	}
	start := 0
	for i := 0; i <= len(host); i++ {
		if i == len(host) || host[i] == '.' {
			n := i - start
			if n == 0 || n > 63 {
				return false
			}
			if n >= 4 && (host[start]|0x20) == 'x' && (host[start+1]|0x20) == 'n' && host[start+2] == '-' && host[start+3] == '-' {
				return false
			}
			start = i + 1
			continue
		}
		c := host[i] | 0x20 // lower-cases letters; digits and '-' are unchanged by it
		if !('a' <= c && c <= 'z' || '0' <= host[i] && host[i] <= '9' || host[i] == '-') {
			return false
		}
	}
	return true
}

// parseAddrEntry reports whether entry is meant as an address (it has a ':'
// or a '/', or parses as an IPv4 address), and if so parses it. Names are
// told apart before netip is asked, since its errors allocate.
func parseAddrEntry(entry string) (netip.Prefix, bool, error) {
	if strings.Contains(entry, "/") {
		p, err := netip.ParsePrefix(entry)
		if err != nil {
			return p, true, err
		}
		if p.Addr().Is4In6() {
			return p, true, errors.New("IPv4-mapped IPv6 prefix; write the IPv4 prefix")
		}
		if m := p.Masked(); m != p {
			return p, true, fmt.Errorf("host bits set; did you mean %s?", m)
		}
		return p, true, nil
	}
	if !strings.Contains(entry, ":") && strings.Trim(entry, "0123456789.") != "" {
		return netip.Prefix{}, false, nil // a host name
	}
	ip, err := netip.ParseAddr(entry)
	if err != nil {
		if strings.Contains(entry, ":") {
			return netip.Prefix{}, true, err
		}
		return netip.Prefix{}, false, nil // digits and dots, but not an address: judged as a name
	}
	if ip.Zone() != "" {
		return netip.Prefix{}, true, errors.New("IPv6 zones are not allowed")
	}
	ip = ip.Unmap()
	return netip.PrefixFrom(ip, ip.BitLen()), true, nil
}

func (a *Allowlist) finish() {
	for p := range a.prefixes {
		if p.Addr().Is4() {
			a.bits4 = append(a.bits4, p.Bits())
		} else {
			a.bits6 = append(a.bits6, p.Bits())
		}
	}
	for _, s := range []*[]int{&a.bits4, &a.bits6} {
		slices.Sort(*s)
		*s = slices.Compact(*s)
		slices.Reverse(*s)
	}
}

// Len returns the number of distinct entries: names and addresses.
func (a *Allowlist) Len() int { return a.n }

// Entries returns what the list allows, one canonical entry each, sorted:
// "name" (the name itself), "*.name" (the names below it; ".name" gives
// both) and address prefixes ("192.0.2.1/32"). Two files that allow the same
// names and addresses give the same entries however they spell them (case,
// trailing dot, Unicode or A-labels, an address with or without /32).
func (a *Allowlist) Entries() []string {
	if a == nil {
		return nil
	}
	out := make([]string, 0, a.n)
	for name, f := range a.names {
		if f&flagExact != 0 {
			out = append(out, name)
		}
		if f&flagSubtree != 0 {
			out = append(out, "*."+name)
		}
	}
	for p := range a.prefixes {
		out = append(out, p.String())
	}
	slices.Sort(out)
	return out
}

// Match reports whether the host name is allowed. name may be in any case
// and may end in a dot. A name with a non-ASCII character is converted to
// punycode first (that conversion allocates; ASCII names do not). Names
// with DNS escapes ("\046", "\."), empty labels, or more than 253 octets
// never match: no entry can be written that way.
func (a *Allowlist) Match(name string) bool {
	if a == nil {
		return false
	}
	name = strings.TrimSuffix(name, ".")
	if len(name) > maxName {
		return false
	}
	upper := false
	for i := 0; i < len(name); i++ {
		switch c := name[i]; {
		case c >= 0x80:
			return a.matchUnicode(name)
		case c == '\\':
			return false
		case 'A' <= c && c <= 'Z':
			upper = true
		}
	}
	if !upper {
		return match(a.names, name)
	}
	var buf [maxName]byte
	for i := 0; i < len(name); i++ {
		c := name[i]
		if 'A' <= c && c <= 'Z' {
			c += 'a' - 'A'
		}
		buf[i] = c
	}
	return match(a.names, buf[:len(name)])
}

func (a *Allowlist) matchUnicode(name string) bool {
	if !utf8.ValidString(name) {
		return false
	}
	canon, err := profile.ToASCII(name)
	if err != nil || !isASCII(canon) {
		return false
	}
	return a.Match(canon)
}

func allDigits(s string) bool {
	for i := 0; i < len(s); i++ {
		if s[i] < '0' || s[i] > '9' {
			return false
		}
	}
	return true
}

func isASCII(s string) bool {
	for i := 0; i < len(s); i++ {
		if s[i] >= 0x80 {
			return false
		}
	}
	return true
}

// match walks the lower-case name b from its last label to its first.
// The lookups use string(b[i:]) in place, which allocates nothing for a
// string or a []byte.
func match[S string | []byte](names map[string]uint8, b S) bool {
	if len(b) == 0 {
		return false
	}
	end := len(b)
	for {
		i := end - 1
		for i >= 0 && b[i] != '.' {
			i--
		}
		if end-i-1 == 0 || end-i-1 > 63 {
			return false // empty or overlong label
		}
		flags := names[string(b[i+1:])]
		if i < 0 {
			return flags&flagExact != 0
		}
		if flags&flagSubtree != 0 {
			return validLabels(b[:i])
		}
		if flags&flagInterior == 0 {
			return false
		}
		end = i
	}
}

// validLabels reports whether every label of b is 1 to 63 octets long.
func validLabels[S string | []byte](b S) bool {
	n := 0
	for i := 0; i < len(b); i++ {
		if b[i] != '.' {
			n++
			continue
		}
		if n == 0 || n > 63 {
			return false
		}
		n = 0
	}
	return n > 0 && n <= 63
}

// MatchAddr reports whether ip is within an IP or CIDR entry. IPv4-mapped
// IPv6 addresses are judged as the IPv4 address they carry.
func (a *Allowlist) MatchAddr(ip netip.Addr) bool {
	if a == nil || !ip.IsValid() {
		return false
	}
	ip = ip.Unmap().WithZone("")
	bits := a.bits6
	if ip.Is4() {
		bits = a.bits4
	}
	for _, n := range bits {
		p, err := ip.Prefix(n)
		if err != nil {
			return false
		}
		if _, ok := a.prefixes[p]; ok {
			return true
		}
	}
	return false
}
