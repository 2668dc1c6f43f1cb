package scanner

import (
	"bytes"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"net/url"
	"path"
	"strings"

	"github.com/openclaw-secure-stack/securestack/scanner/intel"
)

// Threat intelligence (Options.Intel): a skill that names a known-bad
// host, IP address or URL, that holds a file or is a tree with a known-bad
// SHA-256, or whose ClawHub metadata names a known-bad publisher gets an
// INTEL_INDICATOR finding that names the report. The match is exact: what
// the report lists, not what resembles it.

// intelMatcher holds a feed and the literals to look for in files.
type intelMatcher struct {
	feed *intel.Feed
	lits *literalSet
}

func newIntelMatcher(f *intel.Feed) *intelMatcher {
	if f.Len() == 0 {
		return nil
	}
	lits := f.Literals()
	fold := make([]bool, len(lits))
	for i := range fold {
		fold[i] = true
	}
	m := &intelMatcher{feed: f}
	if len(lits) > 0 {
		m.lits = newLiteralSet(lits, fold)
	}
	return m
}

func intelMessage(in *intel.Indicator, where string) string {
	return fmt.Sprintf("%s matches the threat-intelligence indicator %s %s, reported by %s on %s (%s:%d)",
		where, in.Kind, in.Value, in.Source, in.Date, path.Base(in.File), in.Line)
}

// checkURL reports a URL, as text found in a scope, that the feed lists by
// URL, host or IP address.
func (sc *scope) checkIntelURL(off int, raw, host string) {
	m := sc.a.s.intel
	if m == nil {
		return
	}
	if in := m.feed.URL(raw); in != nil {
		sc.report(RuleIntelIndicator, off, intelMessage(in, "the URL "+short(raw)))
	} else if in := m.feed.Host(host); in != nil {
		sc.report(RuleIntelIndicator, off, intelMessage(in, "the host "+host))
	} else if in := m.feed.IP(host); in != nil {
		sc.report(RuleIntelIndicator, off, intelMessage(in, "the address "+host))
	}
}

// intelFile looks for the feed's indicators in one file: hosts, addresses
// and URLs written anywhere (also without a scheme), the file's SHA-256,
// and the publisher of ClawHub's metadata files.
func (a *analyzer) intelFile(sc *scope, f file) {
	m := a.s.intel
	if m == nil {
		return
	}
	src := f.data
	seen := map[*intel.Indicator]bool{}
	hit := func(off int, in *intel.Indicator, where string) {
		if in != nil && !seen[in] {
			seen[in] = true
			sc.report(RuleIntelIndicator, off, intelMessage(in, where))
		}
	}
	if m.lits != nil {
		m.lits.each(src, func(id, end int) {
			start := end - len(m.lits.lits[id])
			// The whole token around the literal: a URL, host or address.
			s, e := start, end
			for s > 0 && urlByte(src[s-1]) {
				s--
			}
			for e < len(src) && urlByte(src[e]) {
				e++
			}
			tok := strings.TrimRight(string(src[s:e]), ".,;:!?*_~'\"")
			if i := strings.Index(tok, "://"); i >= 0 {
				j := i
				for j > 0 && isWordByte(tok[j-1]) {
					j--
				}
				tok = tok[j:]
			} else {
				tok = "https://" + tok
			}
			u, err := url.Parse(tok)
			if err != nil {
				return
			}
			host := strings.ToLower(u.Hostname())
			switch {
			case m.feed.URL(tok) != nil:
				hit(start, m.feed.URL(tok), "the URL "+short(tok))
			case strings.HasPrefix(tok, "https://") && m.feed.URL("http://"+tok[len("https://"):]) != nil:
				hit(start, m.feed.URL("http://"+tok[len("https://"):]), "the URL "+short(tok))
			case m.feed.Host(host) != nil:
				hit(start, m.feed.Host(host), "the host "+host)
			case m.feed.IP(host) != nil:
				hit(start, m.feed.IP(host), "the address "+host)
			}
		})
	}
	if m.feed.HasHashes() {
		sum := sha256.Sum256(src)
		hit(0, m.feed.SHA256(hex.EncodeToString(sum[:])), "the file's SHA-256")
	}
	if handle := publisherOf(f.rel, src); handle != "" {
		hit(0, m.feed.Publisher(handle), "the publisher @"+handle)
	}
}

// publisherOf reads the ClawHub owner handle from the registry's metadata
// files: _meta.json of the skills archive ("owner") and the origin.json
// that OpenClaw writes on install ("ownerHandle", in .clawhub or the
// legacy .clawdhub).
func publisherOf(rel string, src []byte) string {
	base := path.Base(rel)
	dir := path.Base(path.Dir(rel))
	if base != "_meta.json" && !(base == "origin.json" && (dir == ".clawhub" || dir == ".clawdhub")) {
		return ""
	}
	var meta struct {
		Owner       string `json:"owner"`
		OwnerHandle string `json:"ownerHandle"`
	}
	if json.Unmarshal(bytes.TrimSpace(src), &meta) != nil {
		return ""
	}
	if meta.OwnerHandle != "" {
		return meta.OwnerHandle
	}
	return meta.Owner
}

// intelUnit reports a unit whose tree hash or archive hash the feed lists.
func (s *Scanner) intelUnit(res *Result, rel string) *Finding {
	if s.intel == nil || res.SHA256 == "" {
		return nil
	}
	in := s.intel.feed.SHA256(res.SHA256)
	if in == nil {
		return nil
	}
	return &Finding{RuleID: RuleIntelIndicator, File: rel, Message: intelMessage(in, "the skill's SHA-256 "+res.SHA256[:12]+"…")}
}

// PublisherFinding is the finding for a skill whose publisher a feed
// lists, for callers that know the publisher from elsewhere (an install
// request naming @owner/slug); nil when the feed does not list it.
func PublisherFinding(f *intel.Feed, handle, file string) *Finding {
	in := f.Publisher(handle)
	if in == nil {
		return nil
	}
	return &Finding{RuleID: RuleIntelIndicator, Severity: SeverityCritical, File: file,
		Message: intelMessage(in, "the publisher @"+strings.ToLower(strings.TrimPrefix(handle, "@")))}
}

// intelHash checks a binary file, which is not analysed, against the
// feed's hashes.
func (a *analyzer) intelHash(facts *fileFacts, f file) {
	m := a.s.intel
	if m == nil || !m.feed.HasHashes() {
		return
	}
	sum := sha256.Sum256(f.data)
	if in := m.feed.SHA256(hex.EncodeToString(sum[:])); in != nil {
		facts.findings = append(facts.findings, Finding{RuleID: RuleIntelIndicator, File: f.rel, Message: intelMessage(in, "the "+f.binary+"'s SHA-256")})
	}
}
