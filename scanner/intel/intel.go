// Package intel reads a threat-intelligence feed: known-bad hosts, IP
// addresses, URLs, SHA-256 hashes and ClawHub publisher handles, each with
// the date and source of the report that names it. The scanner reports a
// skill that matches one as its own critical finding, naming the source;
// a known-bad publisher's skill is caught even when its current content is
// clean.
//
// # File format
//
// UTF-8 text, one indicator per line:
//
//	TYPE VALUE DATE SOURCE...
//
// TYPE is host, ip, url, sha256 or publisher. DATE is the report's date,
// YYYY-MM-DD. SOURCE is the rest of the line, a URL or a citation of the
// report. Blank lines and lines starting with # are ignored. A host
// matches itself and its subdomains; an ip matches the address (IPv4 or
// IPv6); a url matches every URL that starts with it (scheme and host
// compared without case); a sha256 matches a skill's tree hash, an
// archive or any one of its files; a publisher matches a ClawHub owner
// handle without case. A line that does not parse stops the load with the
// file name and line number: a feed is never half read.
//
//	# ClawHavoc, first wave
//	ip        91.92.242.30  2026-02-01  https://www.koi.ai/blog/clawhavoc-...
//	publisher hightower6eu  2026-04-14  https://github.com/NousResearch/hermes-agent/issues/9809
package intel

import (
	"bufio"
	"bytes"
	"encoding/hex"
	"fmt"
	"io"
	"net/netip"
	"net/url"
	"os"
	"regexp"
	"sort"
	"strings"
	"time"
	"unicode/utf8"
)

// Kinds of indicator.
const (
	Host      = "host"
	IP        = "ip"
	URL       = "url"
	SHA256    = "sha256"
	Publisher = "publisher"
)

// Indicator is one line of a feed.
type Indicator struct {
	Kind   string
	Value  string // normalised: lower-case host, canonical IP, URL as written
	Date   string // YYYY-MM-DD
	Source string
	File   string
	Line   int
}

// String describes the indicator for a finding.
func (in *Indicator) String() string {
	return fmt.Sprintf("%s %s (%s, %s)", in.Kind, in.Value, in.Source, in.Date)
}

// Feed is a loaded set of indicators. The zero value matches nothing.
type Feed struct {
	hosts      map[string]*Indicator
	ips        map[netip.Addr]*Indicator
	urls       []*Indicator // sorted by value, longest prefix first on ties
	hashes     map[string]*Indicator
	publishers map[string]*Indicator
	all        []*Indicator
}

// MaxFileSize bounds a feed file; a larger one is refused.
const MaxFileSize = 16 << 20

// Load reads a feed file.
func Load(path string) (*Feed, error) {
	f, err := os.Open(path)
	if err != nil {
		return nil, fmt.Errorf("intel: %w", err)
	}
	defer f.Close()
	return Parse(io.LimitReader(f, MaxFileSize+1), path)
}

var (
	handleRE = regexp.MustCompile(`^[a-z0-9](?:[a-z0-9._-]{0,38}[a-z0-9])?$`) // ClawHub's owner handles
	labelRE  = regexp.MustCompile(`^[a-z0-9](?:[a-z0-9-]{0,61}[a-z0-9])?$`)
)

// Parse reads a feed from r; name is the file name errors give.
func Parse(r io.Reader, name string) (*Feed, error) {
	f := &Feed{hosts: map[string]*Indicator{}, ips: map[netip.Addr]*Indicator{}, hashes: map[string]*Indicator{}, publishers: map[string]*Indicator{}}
	sc := bufio.NewScanner(r)
	sc.Buffer(make([]byte, 0, 64<<10), 1<<20)
	line, size := 0, 0
	for sc.Scan() {
		line++
		size += len(sc.Bytes()) + 1
		if size > MaxFileSize {
			return nil, fmt.Errorf("intel: %s: larger than %d bytes", name, MaxFileSize)
		}
		b := sc.Bytes()
		if line == 1 {
			b = bytes.TrimPrefix(b, []byte("\xef\xbb\xbf")) // a Windows editor's byte order mark
		}
		in, err := parseLine(b)
		if err != nil {
			return nil, fmt.Errorf("intel: %s:%d: %v", name, line, err)
		}
		if in == nil {
			continue
		}
		in.File, in.Line = name, line
		if err := f.add(in); err != nil {
			return nil, fmt.Errorf("intel: %s:%d: %v", name, line, err)
		}
	}
	if err := sc.Err(); err != nil {
		return nil, fmt.Errorf("intel: %s:%d: %v", name, line+1, err)
	}
	sort.SliceStable(f.urls, func(i, j int) bool { return len(f.urls[i].Value) > len(f.urls[j].Value) })
	return f, nil
}

// parseLine reads one line; nil for a blank or comment line.
func parseLine(b []byte) (*Indicator, error) {
	if !utf8.Valid(b) {
		return nil, fmt.Errorf("not valid UTF-8")
	}
	s := strings.TrimSpace(string(b))
	if s == "" || strings.HasPrefix(s, "#") {
		return nil, nil
	}
	fields := strings.Fields(s)
	if len(fields) < 4 {
		return nil, fmt.Errorf("want TYPE VALUE DATE SOURCE, got %d field(s): %q", len(fields), short(s))
	}
	in := &Indicator{Kind: strings.ToLower(fields[0]), Value: fields[1], Date: fields[2]}
	// The source is the rest of the line as written.
	rest := s
	for i := 0; i < 3; i++ {
		rest = strings.TrimLeft(rest, " \t")
		rest = rest[strings.IndexAny(rest+" ", " \t"):]
	}
	in.Source = strings.TrimSpace(rest)
	if _, err := time.Parse("2006-01-02", in.Date); err != nil {
		return nil, fmt.Errorf("date %q is not YYYY-MM-DD", in.Date)
	}
	switch in.Kind {
	case Host:
		h, err := normHost(in.Value)
		if err != nil {
			return nil, err
		}
		in.Value = h
	case IP:
		a, err := netip.ParseAddr(in.Value)
		if err != nil {
			return nil, fmt.Errorf("ip %q: %v", in.Value, err)
		}
		in.Value = a.Unmap().String()
	case URL:
		u, err := url.Parse(in.Value)
		if err != nil || u.Host == "" || u.Scheme == "" || strings.ContainsAny(in.Value, "\x00 ") {
			return nil, fmt.Errorf("url %q is not an absolute URL with a host", in.Value)
		}
	case SHA256:
		v := strings.ToLower(in.Value)
		if len(v) != 64 {
			return nil, fmt.Errorf("sha256 %q is not 64 hex digits", short(in.Value))
		}
		if _, err := hex.DecodeString(v); err != nil {
			return nil, fmt.Errorf("sha256 %q is not 64 hex digits", short(in.Value))
		}
		in.Value = v
	case Publisher:
		v := strings.ToLower(strings.TrimPrefix(in.Value, "@"))
		if !handleRE.MatchString(v) {
			return nil, fmt.Errorf("publisher %q is not a ClawHub owner handle", in.Value)
		}
		in.Value = v
	default:
		return nil, fmt.Errorf("type %q is not host, ip, url, sha256 or publisher", fields[0])
	}
	return in, nil
}

func normHost(h string) (string, error) {
	h = strings.TrimSuffix(strings.ToLower(h), ".")
	if _, err := netip.ParseAddr(h); err == nil {
		return "", fmt.Errorf("host %q is an IP address; use an ip line", h)
	}
	labels := strings.Split(h, ".")
	if len(labels) < 2 || len(h) > 253 {
		return "", fmt.Errorf("host %q is not a domain name", h)
	}
	for _, l := range labels {
		if !labelRE.MatchString(l) {
			return "", fmt.Errorf("host %q is not a domain name", h)
		}
	}
	return h, nil
}

func (f *Feed) add(in *Indicator) error {
	key := in.Value
	var prev *Indicator
	switch in.Kind {
	case Host:
		prev = f.hosts[key]
		f.hosts[key] = in
	case IP:
		a := netip.MustParseAddr(key)
		prev = f.ips[a]
		f.ips[a] = in
	case URL:
		for _, u := range f.urls {
			if u.Value == key {
				prev = u
			}
		}
		f.urls = append(f.urls, in)
	case SHA256:
		prev = f.hashes[key]
		f.hashes[key] = in
	case Publisher:
		prev = f.publishers[key]
		f.publishers[key] = in
	}
	if prev != nil {
		return fmt.Errorf("%s %s is listed already on line %d", in.Kind, in.Value, prev.Line)
	}
	f.all = append(f.all, in)
	return nil
}

// Len is the number of indicators.
func (f *Feed) Len() int {
	if f == nil {
		return 0
	}
	return len(f.all)
}

// Indicators lists the indicators in file order.
func (f *Feed) Indicators() []*Indicator {
	if f == nil {
		return nil
	}
	return append([]*Indicator(nil), f.all...)
}

// Host returns the indicator for host or one of its parent domains.
func (f *Feed) Host(host string) *Indicator {
	if f == nil || len(f.hosts) == 0 {
		return nil
	}
	h := strings.TrimSuffix(strings.ToLower(host), ".")
	for h != "" {
		if in := f.hosts[h]; in != nil {
			return in
		}
		i := strings.IndexByte(h, '.')
		if i < 0 {
			break
		}
		h = h[i+1:]
	}
	return nil
}

// IP returns the indicator for an address, written as text.
func (f *Feed) IP(s string) *Indicator {
	if f == nil || len(f.ips) == 0 {
		return nil
	}
	a, err := netip.ParseAddr(strings.Trim(s, "[]"))
	if err != nil {
		return nil
	}
	return f.ips[a.Unmap()]
}

// URL returns the longest URL indicator that raw starts with; scheme and
// host are compared without case.
func (f *Feed) URL(raw string) *Indicator {
	if f == nil || len(f.urls) == 0 {
		return nil
	}
	for _, in := range f.urls {
		if hasURLPrefix(raw, in.Value) {
			return in
		}
	}
	return nil
}

func hasURLPrefix(raw, prefix string) bool {
	if len(raw) < len(prefix) {
		return false
	}
	// scheme://host is case-insensitive, the rest is not.
	cut := len(prefix)
	if i := strings.Index(prefix, "://"); i >= 0 {
		if j := strings.IndexAny(prefix[i+3:], "/?#"); j >= 0 {
			cut = i + 3 + j
		}
	}
	return strings.EqualFold(raw[:cut], prefix[:cut]) && raw[cut:len(prefix)] == prefix[cut:]
}

// SHA256 returns the indicator for a hex digest.
func (f *Feed) SHA256(hexDigest string) *Indicator {
	if f == nil || len(f.hashes) == 0 {
		return nil
	}
	return f.hashes[strings.ToLower(hexDigest)]
}

// HasHashes reports whether the feed lists any SHA-256, so that callers
// hash files only when it can matter.
func (f *Feed) HasHashes() bool { return f != nil && len(f.hashes) > 0 }

// Publisher returns the indicator for a ClawHub owner handle (with or
// without its @).
func (f *Feed) Publisher(handle string) *Indicator {
	if f == nil || len(f.publishers) == 0 {
		return nil
	}
	return f.publishers[strings.ToLower(strings.TrimPrefix(strings.TrimSpace(handle), "@"))]
}

// Literals are the texts to look for in files: hosts, IP addresses and
// URLs as they would be written.
func (f *Feed) Literals() []string {
	if f == nil {
		return nil
	}
	var out []string
	for _, in := range f.all {
		switch in.Kind {
		case Host, IP, URL:
			v := in.Value
			if in.Kind == URL {
				// The part after the scheme, so that http and https and
				// any case of the host are found; URL checks the rest.
				if i := strings.Index(v, "://"); i >= 0 {
					v = v[i+3:]
				}
			}
			out = append(out, v)
		}
	}
	return out
}

func short(s string) string {
	if len(s) > 60 {
		return s[:60] + "…"
	}
	return s
}
