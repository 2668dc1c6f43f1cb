package scanner

import (
	"bytes"
	"crypto/sha256"
	"encoding/base64"
	"encoding/binary"
	"encoding/hex"
	"fmt"
	"math/big"
	"net/netip"
	"net/url"
	"path"
	"regexp"
	"strings"
	"unicode"
	"unicode/utf16"
	"unicode/utf8"

	"github.com/openclaw-secure-stack/securestack/scanner/shellrisk"
)

// endpointKind classifies hosts that attackers use to receive stolen data or
// to serve payloads. Matching is on the host and its parent domains.
var endpointKinds = shellrisk.EndpointKinds

// pathEndpoints are endpoints known by host and path prefix.
var pathEndpoints = shellrisk.PathEndpoints

// endpointKind returns what kind of exfiltration endpoint host (with path)
// is, or "".
func endpointKind(host, path string) string {
	for h := host; h != ""; {
		if k, ok := endpointKinds[h]; ok {
			return k
		}
		i := strings.IndexByte(h, '.')
		if i < 0 {
			break
		}
		h = h[i+1:]
	}
	for _, e := range pathEndpoints {
		if (host == e.Host || strings.HasSuffix(host, "."+e.Host)) && strings.HasPrefix(path, e.Path) {
			return e.Kind
		}
	}
	return ""
}

// shareHosts serve files anyone can upload, without a project behind them:
// URL shorteners hide where a link goes, file-sharing sites host payloads
// (ClawHub lures linked password-protected archives on them). A path
// prefix limits a host that also serves other things to its file links.
var shareHosts = map[string]struct{ kind, path string }{
	"bit.ly": {"URL shortener", ""}, "bitly.com": {"URL shortener", ""}, "tinyurl.com": {"URL shortener", ""},
	"is.gd": {"URL shortener", ""}, "v.gd": {"URL shortener", ""}, "cutt.ly": {"URL shortener", ""},
	"rebrand.ly": {"URL shortener", ""}, "shorturl.at": {"URL shortener", ""}, "goo.gl": {"URL shortener", ""},
	"ow.ly": {"URL shortener", ""}, "rb.gy": {"URL shortener", ""}, "tiny.cc": {"URL shortener", ""},
	"s.id": {"URL shortener", ""}, "t.ly": {"URL shortener", ""}, "bit.do": {"URL shortener", ""},
	"clck.ru": {"URL shortener", ""}, "u.to": {"URL shortener", ""}, "qrco.de": {"URL shortener", ""},
	"dropbox.com": {"file-sharing site", "/s/ /scl/fi/ /sh/ /t/"}, "dropboxusercontent.com": {"file-sharing site", ""},
	"drive.google.com":             {"file-sharing site", "/uc /file/d/ /open /drive/folders/"},
	"drive.usercontent.google.com": {"file-sharing site", ""}, "docs.google.com": {"file-sharing site", "/uc"},
	"mega.nz": {"file-sharing site", "/file/ /folder/ /#"}, "mega.co.nz": {"file-sharing site", "/file/ /folder/ /#"},
	"mediafire.com": {"file-sharing site", ""}, "catbox.moe": {"file-sharing site", ""},
	"pixeldrain.com": {"file-sharing site", ""}, "sendspace.com": {"file-sharing site", ""},
	"wetransfer.com": {"file-sharing site", ""}, "we.tl": {"file-sharing site", ""}, "4shared.com": {"file-sharing site", ""},
	"zippyshare.com": {"file-sharing site", ""}, "anonfiles.com": {"file-sharing site", ""},
	"filebin.net": {"file-sharing site", ""}, "files.fm": {"file-sharing site", ""}, "krakenfiles.com": {"file-sharing site", ""},
	"1drv.ms": {"file-sharing site", ""}, "onedrive.live.com": {"file-sharing site", "/download /redir"},
	"disk.yandex.ru":     {"file-sharing site", "/d/ /i/"},
	"cdn.discordapp.com": {"file-sharing site", "/attachments/"}, "media.discordapp.net": {"file-sharing site", "/attachments/"},
}

// rawCodeHosts serve any user's files as they are: fine for reading code,
// a payload host when instructions say to download and run from them.
var rawCodeHosts = map[string]bool{"raw.githubusercontent.com": true, "gist.githubusercontent.com": true, "gist.github.com": true}

// shareHost returns what kind of share host a URL's host and path are, or
// "".
func shareHost(host, path string) string {
	for h := host; h != ""; {
		if sh, ok := shareHosts[h]; ok {
			if sh.path == "" {
				return sh.kind
			}
			for _, p := range strings.Fields(sh.path) {
				if strings.HasPrefix(path, p) {
					return sh.kind
				}
			}
			return ""
		}
		i := strings.IndexByte(h, '.')
		if i < 0 {
			break
		}
		h = h[i+1:]
	}
	return ""
}

// payloadHost says why a download from this URL cannot be trusted to be
// what a project published: a raw IP address, a shortener or file-sharing
// site, a paste site or tunnel, a look-alike of OpenClaw's domains. It
// returns "" for other hosts.
func payloadHost(host, path string) string {
	switch {
	case publicIP(host):
		return "a raw IP address"
	case shareHost(host, path) != "":
		return "a " + shareHost(host, path)
	case endpointKind(host, path) != "":
		return "a " + endpointKind(host, path)
	}
	if name := lookalikeDomain(host); name != "" {
		return "a look-alike of " + name
	}
	return ""
}

// urlInfo is a literal URL found in text.
type urlInfo struct {
	off  int
	raw  string
	host string
	path string
}

// bareEndpoints are endpoint domains that are also looked for without a
// scheme ("curl webhook.site/x").
var bareEndpoints = shellrisk.BareEndpoints

var schemes = []string{"https", "http", "wss", "ws", "ftp"}

// textLiterals are the literals of findURLs, credTarget and checkClipper,
// found in one pass: "://", then bareEndpoints, then the anchors of
// credTargets, then clipWrites.
var textLiterals = newLiteralSet(textLiteralList())

func textLiteralList() (lits []string, fold []bool) {
	lits, fold = []string{"://"}, []bool{false}
	for _, d := range bareEndpoints {
		lits, fold = append(lits, d), append(fold, true)
	}
	for _, t := range credTargets {
		for _, a := range t.anchors {
			lits, fold = append(lits, a), append(fold, false)
		}
	}
	for _, w := range clipWrites {
		lits, fold = append(lits, w), append(fold, false)
	}
	return lits, fold
}

// credOfLit maps the ids of credTargets' anchors in textLiterals (from
// litCred) to the index of their target.
var credOfLit = func() (out []int) {
	for i, t := range credTargets {
		for range t.anchors {
			out = append(out, i)
		}
	}
	return out
}()

// Ids in textLiterals.
const (
	litScheme = 0
	litBare   = 1
)

var (
	litCred     = litBare + len(bareEndpoints)
	litCredLast = litCred + len(credOfLit) - 1
	litClip     = litCredLast + 1
)

// litHit is an occurrence of one of textLiterals: its id and end offset.
type litHit struct{ id, end int }

func textHits(src []byte) []litHit {
	var hits []litHit
	textLiterals.each(src, func(id, end int) { hits = append(hits, litHit{id, end}) })
	return hits
}

// findURLs finds literal URLs by their "://" and endpoint hosts written
// without a scheme, given the textHits of src.
func findURLs(src []byte, hits []litHit) []urlInfo {
	var out []urlInfo
	next := 0 // URLs do not overlap: skip separators inside the last one
	for _, h := range hits {
		if h.id != litScheme || h.end <= next {
			continue
		}
		sep := h.end - 3
		start := -1
		for _, s := range schemes {
			if sep >= len(s) && bytes.EqualFold(src[sep-len(s):sep], []byte(s)) && (sep == len(s) || !isWordByte(src[sep-len(s)-1])) {
				start = sep - len(s)
				break
			}
		}
		if start < 0 {
			continue
		}
		end := h.end
		for end < len(src) && urlByte(src[end]) {
			end++
		}
		next = end
		raw := strings.TrimRight(string(src[start:end]), ".,;:!?*_~'\"")
		if u, err := url.Parse(raw); err == nil && u.Hostname() != "" {
			out = append(out, urlInfo{off: start, raw: raw, host: strings.ToLower(u.Hostname()), path: u.EscapedPath()})
		}
	}
	for _, h := range hits {
		if h.id < litBare || h.id >= litCred {
			continue
		}
		at := h.end - len(bareEndpoints[h.id-litBare])
		if h.end < len(src) && isWordByte(src[h.end]) {
			continue
		}
		start := at
		for start > 0 && (isWordByte(src[start-1]) || src[start-1] == '.' || src[start-1] == '-') {
			start--
		}
		if covered(out, start) {
			continue
		}
		end := h.end
		for end < len(src) && urlByte(src[end]) {
			end++
		}
		raw := string(src[start:end])
		if u, err := url.Parse("https://" + raw); err == nil {
			out = append(out, urlInfo{off: start, raw: raw, host: strings.ToLower(u.Hostname()), path: u.EscapedPath()})
		}
	}
	return out
}

func isWordByte(c byte) bool {
	return c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z' || c >= '0' && c <= '9' || c == '_'
}

// urlByte reports bytes that may continue a URL in text.
func urlByte(c byte) bool {
	return c > ' ' && c < 0x7f && !strings.ContainsRune("\"'<>`()[]{}\\|^", rune(c))
}

func covered(us []urlInfo, off int) bool {
	for _, u := range us {
		if off >= u.off && off < u.off+len(u.raw) {
			return true
		}
	}
	return false
}

// publicIP reports whether host is an IP address that is reachable on the
// internet (not loopback, private, link-local or unspecified).
func publicIP(host string) bool {
	ip, err := netip.ParseAddr(strings.Trim(host, "[]"))
	if err != nil {
		return false
	}
	return !(ip.IsLoopback() || ip.IsPrivate() || ip.IsLinkLocalUnicast() || ip.IsUnspecified() || ip.IsMulticast())
}

// isLocalHost reports hosts that never leave the machine or the LAN.
func isLocalHost(host string) bool {
	if host == "localhost" || strings.HasSuffix(host, ".localhost") || strings.HasSuffix(host, ".local") {
		return true
	}
	ip, err := netip.ParseAddr(strings.Trim(host, "[]"))
	return err == nil && !publicIP(host) && ip.IsValid()
}

// checkURLs reports exfiltration endpoints, raw-IP URLs and domains that
// are not on the allowlist. In code, an endpoint also counts as network use.
func (sc *scope) checkURLs(code bool) {
	seenHost := map[string]bool{}
	for _, u := range findURLs(sc.src, sc.hits()) {
		if code && !commentLine(sc.src, u.off) {
			sc.urlDests = append(sc.urlDests, dest{host: u.host, decoded: sc.decoded})
		}
		if sc.fixed != nil {
			// A URL in decoded or assembled text, which the file's own
			// text does not show (intelFile covers that).
			sc.checkIntelURL(u.off, u.raw, u.host)
		}
		if k := endpointKind(u.host, u.path); k != "" {
			switch {
			case placeholderURL(u.raw, docFile(sc.rel)):
				// discord.com/api/webhooks/YOUR_ID/YOUR_TOKEN,
				// abc123.ngrok.io: the reader's own, to be filled in.
				sc.reportSev(RuleExfilEndpoint, SeverityLow, u.off, fmt.Sprintf("%s %s, a placeholder for the reader's own", k, u.host))
			case k == "tunnel" && code && mcpServer(sc.src, u.path):
				// An MCP server reached through a tunnel: the agent's tool
				// calls, and the keys in their headers, go to whoever runs
				// the far end, on an address that says nothing about them.
				sc.reportSev(RuleExfilEndpoint, SeverityCritical, u.off, fmt.Sprintf("an MCP server on the tunnel %s: the agent's tool calls go to an anonymous host", u.host))
			case code && k == "tunnel" && docFile(sc.rel):
				// Documentation that exposes the reader's server through
				// a tunnel (ngrok http 3000) for webhooks to come in.
				sc.reportSev(RuleExfilEndpoint, SeverityHigh, u.off, fmt.Sprintf("%s %s in a documentation example", k, u.host))
			case code && !strings.Contains(k, "Telegram") && !strings.Contains(k, "Slack"):
				// Code and config that name a request catcher, tunnel or
				// paste site talk to it; prose may only mention it.
				sc.reportSev(RuleExfilEndpoint, SeverityCritical, u.off, fmt.Sprintf("%s %s in code", k, u.host))
			default:
				sc.report(RuleExfilEndpoint, u.off, fmt.Sprintf("%s %s", k, u.host))
			}
			if code {
				sc.has(capNetwork, u.off, k+" "+u.host)
			}
		}
		if name := lookalikeDomain(u.host); name != "" {
			sc.reportSev(RuleSkillImpersonation, SeverityCritical, u.off, fmt.Sprintf("%s is a look-alike of %s's domains", u.host, name))
		}
		if k := shareHost(u.host, u.path); k != "" {
			sev := SeverityLow
			if code && !placeholderURL(u.raw, docFile(sc.rel)) {
				sev = SeverityHigh // drive.google.com/drive/folders/YOUR_FOLDER_ID is the reader's own
			}
			sc.reportSev(RulePayloadHost, sev, u.off, fmt.Sprintf("%s %s: the link does not show who publishes what it serves", k, u.host))
		}
		if publicIP(u.host) {
			msg := fmt.Sprintf("URL with a raw public IP address %s (payload servers avoid DNS names)", u.host)
			if code {
				sc.reportSev(RuleRawIPURL, SeverityCritical, u.off, msg)
			} else {
				sc.report(RuleRawIPURL, u.off, msg)
			}
		}
		if allow := sc.a.s.allow; allow != nil && !seenHost[u.host] && !isLocalHost(u.host) {
			seenHost[u.host] = true
			if _, err := netip.ParseAddr(u.host); err != nil && !allow.Match(u.host) {
				sc.report(RuleDomainNotAllowed, u.off, fmt.Sprintf("domain %s is not on the egress allowlist", u.host))
			}
		}
	}
}

const gatewayToken = "the OpenClaw gateway token"

// mcpServer reports a URL that an MCP client connects to: an /mcp or
// /sse endpoint, or code that configures MCP servers.
func mcpServer(src []byte, urlPath string) bool {
	return strings.Contains(urlPath, "/mcp") || strings.HasSuffix(urlPath, "/sse") ||
		bytes.Contains(src, []byte("mcpServers")) || bytes.Contains(src, []byte("mcp-proxy")) || bytes.Contains(src, []byte("mcp-remote"))
}

// placeholderURL reports a URL written for the reader to fill in:
// YOUR_ID, <token>, {id}; in documentation also sample values (abc123,
// example).
func placeholderURL(raw string, doc bool) bool {
	l := strings.ToLower(raw)
	// A Discord webhook's id is a snowflake of 17 to 20 digits.
	if _, rest, ok := strings.Cut(l, "discord.com/api/webhooks/"); ok {
		id, _, _ := strings.Cut(rest, "/")
		if len(id) < 17 || len(id) > 20 || strings.Trim(id, "0123456789") != "" {
			return true
		}
	}
	for _, p := range []string{"your", "xxx", "<", "{", "replace", "placeholder"} {
		if strings.Contains(l, p) {
			return true
		}
	}
	if doc {
		for _, p := range []string{"abc123", "example", "..."} {
			if strings.Contains(l, p) {
				return true
			}
		}
	}
	return false
}

// docFile reports a Markdown document: its code blocks are examples for
// the reader.
func docFile(rel string) bool {
	switch strings.ToLower(path.Ext(rel)) {
	case ".md", ".markdown", ".mdx":
		return true
	}
	return false
}

// commentLine reports that the line holding off is a comment (#, //, /*,
// *): a link to documentation, not a place code sends data to.
func commentLine(src []byte, off int) bool {
	start := bytes.LastIndexByte(src[:off], '\n') + 1
	t := bytes.TrimLeft(src[start:off], " \t")
	for _, p := range []string{"#", "//", "/*", "*", "<!--", "--"} {
		if bytes.HasPrefix(t, []byte(p)) {
			return !bytes.HasPrefix(t, []byte("#!"))
		}
	}
	return false
}

// credTier says how much reaching a secret store weighs on its own.
type credTier uint8

const (
	// tierStore: credentials that tools also use honestly (SSH and cloud
	// keys, OpenClaw's own config): high, and critical once data can leave.
	tierStore credTier = iota
	// tierStealer: stores no skill has a reason to open (browser login and
	// cookie databases and their keys, wallets, keychain dumps, session
	// files): critical on their own.
	tierStealer
	// tierLookup: asking for one named keychain item, which is how tools
	// keep their tokens; high, and exfiltration only when the value is
	// seen going out (see shellAnalysis.sentSecret).
	tierLookup
)

// credTarget is a path or command that reaches secrets. They are checked in
// code, never in prose, where documentation names them harmlessly.
type credTarget struct {
	// anchors are literals of which every match holds one, searched in
	// one pass before the regexp runs. Words like "Edge" alone are common
	// in ordinary code, so paths are anchored with their separator.
	anchors []string
	re      *regexp.Regexp
	what    string
	tier    credTier
}

// target makes a credTarget from anchors separated by "|"; an anchor with
// a "/" also stands for its Windows forms (\ and \\ as escaped in source).
func target(anchors, re, what string, tier credTier) credTarget {
	var all []string
	for _, a := range strings.Split(anchors, "|") {
		all = append(all, a)
		if strings.Contains(a, "/") {
			all = append(all, strings.ReplaceAll(a, "/", `\`), strings.ReplaceAll(a, "/", `\\`))
		}
	}
	return credTarget{all, regexp.MustCompile(re), what, tier}
}

// walletExtensions are the extension ids of browser crypto wallets, whose
// stores stealers copy: MetaMask, Phantom, Coinbase Wallet, TronLink,
// Binance Wallet, Trust Wallet, Rabby, Keplr, Ronin, OKX.
var walletExtensions = shellrisk.WalletExtensions

// Paths are matched with / or \ (escaped or not) between their parts.
var credTargets = append(storeTargets(), walletTargets()...)

// storeTargets compiles shellrisk's secret stores, the list the provider
// guard's shell judge reads too.
func storeTargets() []credTarget {
	var out []credTarget
	for _, s := range shellrisk.CredStores {
		out = append(out, target(s.Anchors, s.Pattern, s.What, map[shellrisk.Tier]credTier{
			shellrisk.TierStore: tierStore, shellrisk.TierStealer: tierStealer, shellrisk.TierLookup: tierLookup}[s.Tier]))
	}
	return out
}

func walletTargets() []credTarget {
	var out []credTarget
	for _, id := range walletExtensions {
		out = append(out, target(id, id, "a browser wallet extension's store", tierStealer))
	}
	return out
}

// credHit is a secret store found in text.
type credHit struct {
	credTarget
	off int
}

// findCred returns the first secret store s names, or ok false.
func findCred(s []byte) (hit credHit, ok bool) {
	credMatches(s, textHits(s), func(h credHit) bool {
		hit, ok = h, true
		return false
	})
	return hit, ok
}

// credMatches calls fn with the worst secret store named on each line of
// s that names one (see credHit.worse), until fn returns false. The literal anchors come from
// hits (see textHits); the regexp runs only on the lines that hold one,
// once per line and target, since anchors like "Chrome" are common in
// ordinary code and a minified line can be megabytes long.
func credMatches(s []byte, hits []litHit, fn func(credHit) bool) {
	lineStart, lineEnd := -1, -1
	var best credHit
	best.off = -1
	tried := make([]bool, len(credTargets)) // on the current line
	for i := 0; i <= len(hits); i++ {
		var h litHit
		if i < len(hits) {
			h = hits[i]
			if h.id < litCred || h.id > litCredLast {
				continue
			}
		}
		at := h.end - len(textLiterals.lits[h.id])
		if i == len(hits) || at >= lineEnd {
			if best.off >= 0 && !fn(best) {
				return
			}
			if i == len(hits) {
				return
			}
			lineStart = bytes.LastIndexByte(s[:at], '\n') + 1
			lineEnd = len(s)
			if j := bytes.IndexByte(s[at:], '\n'); j >= 0 {
				lineEnd = at + j
			}
			best.off = -1
			clear(tried)
		}
		k := credOfLit[h.id-litCred]
		if tried[k] {
			continue
		}
		tried[k] = true
		// The first match on the line that is not a public file.
		line, at := s[lineStart:lineEnd], -1
		for off := 0; off <= len(line); {
			loc := credTargets[k].re.FindIndex(line[off:])
			if loc == nil {
				break
			}
			if !publicFile(line[off+loc[1]:]) && !inURL(line, off+loc[0]) && !inPattern(line, off+loc[0]) {
				at = off + loc[0]
				break
			}
			off += max(loc[1], 1)
		}
		if at >= 0 {
			if h := (credHit{credTargets[k], lineStart + at}); best.off < 0 || h.worse(best) {
				best = h
			}
		}
	}
}

// inPattern reports that line[at] is inside a quoted regular expression
// that describes secret stores, as a scanner's rule list does:
// r"(cat|read)\s*.{0,10}(/etc/shadow|~/.ssh/)" reads nothing.
func inPattern(line []byte, at int) bool {
	q := bytes.LastIndexAny(line[:at], "\"'`")
	if q < 0 {
		return false
	}
	end := bytes.IndexByte(line[at:], line[q])
	if end < 0 {
		return false
	}
	tok := line[q+1 : at+end]
	marks := 0
	for _, m := range []string{`\s`, `\b`, `\w`, `\d`, `.*`, `.+`, `(?`, `[^`, `{0,`, `\.`, `|`} {
		if bytes.Contains(tok, []byte(m)) {
			marks++
		}
	}
	return marks >= 2 || marks == 1 && bytes.IndexByte(tok, '(') >= 0 && bytes.IndexByte(tok, '|') > bytes.IndexByte(tok, '(')
}

// inURL reports that line[at] is inside a URL: an API route such as
// https://api.example.com/v1/wallet/list names no file on this machine.
func inURL(line []byte, at int) bool {
	start := bytes.LastIndexAny(line[:at], " \t\"'`(<=") + 1
	return bytes.Contains(line[start:at], []byte("://"))
}

// publicFile reports that the rest of a path names a file of a secret
// store that holds nothing secret: an SSH public key, known_hosts or
// authorized_keys (writing that one is FS_PERSISTENCE).
func publicFile(rest []byte) bool {
	end := bytes.IndexAny(rest, " \t,;)`'\"")
	if end < 0 {
		end = len(rest)
	}
	name := rest[:end]
	return bytes.HasSuffix(name, []byte(".pub")) || bytes.HasSuffix(name, []byte("known_hosts")) || bytes.HasSuffix(name, []byte("authorized_keys"))
}

// worse orders the stores found on one line: stealer targets first, then
// stores, then lookups, and the earliest of equals.
func (h credHit) worse(than credHit) bool {
	rank := func(t credTier) int { return map[credTier]int{tierStealer: 2, tierStore: 1, tierLookup: 0}[t] }
	if a, b := rank(h.tier), rank(than.tier); a != b {
		return a > b
	}
	return h.off < than.off
}

// credFound reports a secret store reached by code at off, and records the
// capability for the chains unless it is a lookup of a single item.
func (sc *scope) credFound(h credHit, off int, msg string) {
	sev := SeverityHigh
	if h.tier == tierStealer {
		sev = SeverityCritical
	}
	sc.reportSev(RuleCredFile, sev, off, msg)
	if h.tier != tierLookup {
		// No skill owns OpenClaw's gateway token: it is never a key
		// used with the skill's own service.
		sc.hasCred(off, "access to "+h.what, h.tier == tierStore && h.what != gatewayToken)
	}
}

// checkCredPaths reports every line of code that names a secret store.
func (sc *scope) checkCredPaths() {
	credMatches(sc.src, sc.hits(), func(h credHit) bool {
		sc.credFound(h, h.off, "reaches "+h.what)
		return true
	})
}

// Invisible characters. Zero-width joiners inside emoji sequences are
// ordinary text and are not counted.
func invisibleKind(r rune) string {
	switch {
	case r >= 0xE0000 && r <= 0xE007F:
		return "tag"
	case r == 0x200B, r == 0x200C, r == 0x2060, r == 0x2061, r == 0x2062, r == 0x2063, r == 0x2064, r == 0xFEFF, r == 0x180E:
		return "zero-width"
	case r >= 0x202A && r <= 0x202E, r >= 0x2066 && r <= 0x2069:
		return "bidi"
	}
	return ""
}

// hiddenText summarises the invisible characters of src.
type hiddenText struct {
	first   map[string]int // kind -> offset of first occurrence
	count   map[string]int
	decoded string // ASCII smuggled in Unicode tag characters
}

func findHidden(src []byte) hiddenText {
	h := hiddenText{first: map[string]int{}, count: map[string]int{}}
	var tags strings.Builder
	for i := 0; i < len(src); {
		// Every invisible character is at least U+180E, which UTF-8 encodes
		// with a lead byte of 0xE1 or more; other bytes are skipped without
		// decoding.
		if src[i] < 0xE1 {
			// Plain ASCII, eight bytes at a time.
			for i+8 <= len(src) && binary.LittleEndian.Uint64(src[i:])&0x8080808080808080 == 0 {
				i += 8
			}
			if i < len(src) && src[i] < 0xE1 {
				i++
			}
			continue
		}
		r, n := utf8.DecodeRune(src[i:])
		if r >= 0x180E && (r < 0x2100 || r >= 0xE0000 || r == 0xFEFF) {
			k := invisibleKind(r)
			if r == 0xFEFF && i == 0 {
				k = "" // a byte order mark
			}
			if k != "" {
				if _, ok := h.first[k]; !ok {
					h.first[k] = i
				}
				h.count[k]++
				if k == "tag" && r >= 0xE0020 && r <= 0xE007E {
					tags.WriteRune(r - 0xE0000)
				}
			}
		}
		i += n
	}
	h.decoded = tags.String()
	return h
}

// blob is an encoded run in text that decodes to readable text.
type blob struct {
	off, end int
	encoding string
	text     string
}

// findBlobs returns base64, base32, hex, \x-escaped and <~ascii85~>
// runs that decode to text. The scan is a single pass over the bytes,
// since it runs over every file.
func findBlobs(src []byte) []blob {
	var out []blob
	if bytes.Contains(src, []byte("<~")) {
		out = findBase85Blobs(src)
	}
	for i := 0; i < len(src); {
		if !isB64(src[i]) {
			if src[i] == '\\' && i+3 < len(src) && src[i+1] == 'x' {
				if b, n := escapedRun(src[i:]); n > 0 {
					if t, ok := readable(b); ok {
						out = append(out, blob{off: i, end: i + n, encoding: "\\x-escape", text: t})
					}
					i += n
					continue
				}
			}
			i++
			continue
		}
		j := i
		for j < len(src) && isB64(src[j]) {
			j++
		}
		for j < len(src) && src[j] == '=' && j-i < 3000000 {
			j++
		}
		if j-i >= 40 && !dataURIOf(src[:i], skippedMedia) {
			if b := decodeRun(src[i:j]); b != nil {
				if t, ok := readable(b.data); ok {
					out = append(out, blob{off: i, end: j, encoding: b.enc, text: t})
				}
			}
		}
		i = j
	}
	return out
}

// skippedMedia are data: URI types whose content is not code: images,
// fonts, audio and source maps (which embed the sources that are scanned
// anyway as files).
var skippedMedia = []string{"image/", "font/", "audio/", "video/", "application/font", "application/x-font", "application/json", "application/octet-stream"}

// dataURIOf reports whether before ends with "data:<type>;...base64," for a
// type with one of the prefixes.
func dataURIOf(before []byte, prefixes []string) bool {
	if !bytes.HasSuffix(before, []byte("base64,")) {
		return false
	}
	start := max(0, len(before)-120)
	i := bytes.LastIndex(before[start:], []byte("data:"))
	if i < 0 {
		return false
	}
	mime := string(bytes.ToLower(before[start+i+5:]))
	for _, p := range prefixes {
		if strings.HasPrefix(mime, p) {
			return true
		}
	}
	return false
}

func isB64(c byte) bool { return b64Bytes[c] }

var b64Bytes = func() (t [256]bool) {
	for _, c := range []byte("ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/") {
		t[c] = true
	}
	return t
}()

type decoded struct {
	data []byte
	enc  string
}

// decodeRun decodes a run as hex when it is all hex digits, else as
// base64. Runs that look like paths or identifiers (few character classes)
// are left alone.
func decodeRun(run []byte) *decoded {
	allHex := true
	var upper, lower, digit, slash int
	for _, c := range run {
		switch {
		case c >= 'A' && c <= 'Z':
			upper++
		case c >= 'a' && c <= 'z':
			lower++
		case c >= '0' && c <= '9':
			digit++
		case c == '/':
			slash++
		}
		if !(c >= '0' && c <= '9' || c >= 'a' && c <= 'f' || c >= 'A' && c <= 'F') {
			allHex = false
		}
	}
	if allHex {
		if len(run)%2 != 0 || len(run) < 48 {
			return nil
		}
		b, err := hex.DecodeString(string(run))
		if err != nil {
			return nil
		}
		return &decoded{b, "hex"}
	}
	if lower == 0 && digit > 0 && len(run) >= 40 && base32Run(run) {
		if b, ok := decodeBase32(string(run)); ok {
			return &decoded{b, "base32"}
		}
	}
	if upper == 0 || lower == 0 || slash > len(run)/8 {
		return nil
	}
	s := strings.TrimRight(string(run), "=")
	b, err := base64.RawStdEncoding.DecodeString(s)
	if err != nil {
		// Trailing bits that do not form a byte: decode what does.
		if len(s)%4 == 1 {
			s = s[:len(s)-1]
		}
		if b, err = base64.RawStdEncoding.DecodeString(s); err != nil {
			return nil
		}
	}
	return &decoded{b, "base64"}
}

// escapedRun decodes at least eight consecutive \xNN escapes.
func escapedRun(s []byte) ([]byte, int) {
	var out []byte
	n := 0
	for n+3 < len(s) && s[n] == '\\' && s[n+1] == 'x' && isHex(s[n+2]) && isHex(s[n+3]) {
		b, _ := hex.DecodeString(string(s[n+2 : n+4]))
		out = append(out, b...)
		n += 4
	}
	if len(out) < 8 {
		return nil, 0
	}
	return out, n
}

// utf16LE converts text in UTF-16LE to UTF-8: an even number of bytes
// whose every second byte is zero (ASCII, as in encoded PowerShell).
func utf16LE(b []byte) ([]byte, bool) {
	if len(b) < 16 || len(b)%2 != 0 {
		return nil, false
	}
	units := make([]uint16, len(b)/2)
	for i := range units {
		if b[2*i+1] != 0 {
			return nil, false
		}
		units[i] = uint16(b[2*i])
	}
	return []byte(string(utf16.Decode(units))), true
}

func isHex(c byte) bool { return c >= '0' && c <= '9' || c >= 'a' && c <= 'f' || c >= 'A' && c <= 'F' }

// readable accepts decoded bytes that are text, mostly printable: UTF-8,
// or UTF-16LE as PowerShell's -EncodedCommand carries it.
func readable(b []byte) (string, bool) {
	if u, ok := utf16LE(b); ok {
		b = u
	}
	if len(b) < 8 || !utf8.Valid(b) {
		return "", false
	}
	s := string(b)
	printable := 0
	for _, r := range s {
		if unicode.IsPrint(r) || r == '\n' || r == '\t' || r == '\r' {
			printable++
		}
	}
	return s, printable*10 >= utf8.RuneCountInString(s)*9
}

// A clipper watches the clipboard for a wallet address and swaps in the
// attacker's. clipWrites are the ways code writes the clipboard, in any of
// the languages (plain substrings: files that mention the clipboard at
// all, CSS clip-path included, are common); walletRE is a wallet address
// (Bitcoin, Ethereum, Tron, Monero formats as literals) or a regexp
// written to match one.
var (
	clipWrites = []string{"pyperclip.copy", "clipboard.writeText", "clipboard.write(", "clipboard.setData",
		"clipboard.set_text", "clipboard.setText", "clipboard.copy(", "clipboardy.write", "pbcopy", "xclip", "xsel",
		"Set-Clipboard", "SetClipboardData", "clipboard_append", "copy_to_clipboard"}
	walletRE = regexp.MustCompile(`\bbc1[ac-hj-np-z02-9]{25,87}\b|\b[13][a-km-zA-HJ-NP-Z1-9]{25,34}\b|\b0x[a-fA-F0-9]{40}\b|\bT[1-9A-HJ-NP-Za-km-z]{33}\b|\b4[0-9AB][1-9A-HJ-NP-Za-km-z]{93}\b|bc1\|\[13\]|\[13\]\[a-km-zA-HJ-NP-Z1-9\]|0x\[a-fA-F0-9\]\{40\}|0x\[0-9a-fA-F\]\{40\}`)
)

// clipperWindow bounds, in large files, how far from the clipboard write
// checkClipper looks for a wallet (bytes each way).
const clipperWindow = 16 << 10

// checkClipper reports code that writes the clipboard and names a wallet
// address or a pattern for one.
func (sc *scope) checkClipper() {
	at := -1
	src := sc.src
	for _, h := range sc.hits() {
		if h.id >= litClip && h.id < litClip+len(clipWrites) {
			at = h.end - len(textLiterals.lits[h.id])
			break
		}
	}
	if at < 0 {
		return
	}
	if len(src) > clipperWindow*4 {
		// A bundle with a copy button: look near the first write only,
		// where a clipper keeps its address and pattern.
		src = src[max(0, at-clipperWindow):min(len(src), at+clipperWindow)]
	}
	if !hasWallet(src) {
		return
	}
	sc.report(RuleClipboardHijack, at, "writes the clipboard in code that holds a wallet address or a pattern for one: a clipper swaps copied addresses for the attacker's")
}

// hasWallet reports a wallet address or pattern in src. Base58 addresses
// (Bitcoin 1... and 3..., Tron T...) must pass their checksum: a bundle's
// random base58-looking tokens do not.
func hasWallet(src []byte) bool {
	for _, m := range walletRE.FindAll(src, -1) {
		if (m[0] == '1' || m[0] == '3' || m[0] == 'T') && len(m) <= 35 {
			if !base58Check(m) {
				continue
			}
		}
		return true
	}
	return false
}

const base58Alphabet = "123456789ABCDEFGHJKLMNPQRSTUVWXYZabcdefghijkmnopqrstuvwxyz"

// base58Check decodes a base58check string (25 bytes: version, 20-byte
// hash, 4-byte checksum) and verifies its double-SHA-256 checksum.
func base58Check(s []byte) bool {
	n := new(big.Int)
	radix := big.NewInt(58)
	for _, c := range s {
		i := strings.IndexByte(base58Alphabet, c)
		if i < 0 {
			return false
		}
		n.Mul(n, radix).Add(n, big.NewInt(int64(i)))
	}
	b := n.Bytes()
	for _, c := range s { // leading '1's are leading zero bytes
		if c != '1' {
			break
		}
		b = append([]byte{0}, b...)
	}
	if len(b) != 25 {
		return false
	}
	first := sha256.Sum256(b[:21])
	second := sha256.Sum256(first[:])
	return bytes.Equal(second[:4], b[21:])
}
