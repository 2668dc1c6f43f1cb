package scanner

import (
	"bytes"
	"encoding/base64"
	"encoding/hex"
	"fmt"
	"net/netip"
	"net/url"
	"regexp"
	"strings"
	"unicode"
	"unicode/utf8"
)

// endpointKind classifies hosts that attackers use to receive stolen data or
// to serve payloads. Matching is on the host and its parent domains.
var endpointKinds = map[string]string{
	// request catchers and out-of-band interaction services
	"webhook.site": "request catcher", "requestbin.com": "request catcher", "requestbin.net": "request catcher",
	"pipedream.net": "request catcher", "hookbin.com": "request catcher", "beeceptor.com": "request catcher",
	"requestcatcher.com": "request catcher", "webhook.cool": "request catcher", "interact.sh": "out-of-band interaction service",
	"oast.fun": "out-of-band interaction service", "oast.me": "out-of-band interaction service",
	"oast.pro": "out-of-band interaction service", "oast.live": "out-of-band interaction service",
	"oast.site": "out-of-band interaction service", "oast.online": "out-of-band interaction service",
	"burpcollaborator.net": "out-of-band interaction service", "oastify.com": "out-of-band interaction service",
	"dnslog.cn": "out-of-band interaction service", "ceye.io": "out-of-band interaction service",
	"canarytokens.com": "out-of-band interaction service",
	// tunnels that expose a private machine under a public name
	"ngrok.io": "tunnel", "ngrok.app": "tunnel", "ngrok.dev": "tunnel", "ngrok-free.app": "tunnel",
	"ngrok-free.dev": "tunnel", "bore.pub": "tunnel", "trycloudflare.com": "tunnel", "serveo.net": "tunnel",
	"loca.lt": "tunnel", "localhost.run": "tunnel", "lhr.life": "tunnel", "pinggy.link": "tunnel", "pinggy.io": "tunnel",
	// paste sites and anonymous file drops
	"pastebin.com": "paste site", "glot.io": "paste site", "rentry.co": "paste site", "rentry.org": "paste site",
	"paste.ee": "paste site", "hastebin.com": "paste site", "dpaste.org": "paste site", "dpaste.com": "paste site",
	"termbin.com": "paste site", "paste.rs": "paste site", "controlc.com": "paste site", "justpaste.it": "paste site",
	"privatebin.net": "paste site", "ghostbin.co": "paste site", "pastes.dev": "paste site",
	"transfer.sh": "anonymous file drop", "file.io": "anonymous file drop", "0x0.st": "anonymous file drop",
	"temp.sh": "anonymous file drop", "gofile.io": "anonymous file drop",
}

// pathEndpoints are endpoints known by host and path prefix.
var pathEndpoints = []struct{ host, path, kind string }{
	{"discord.com", "/api/webhooks", "Discord webhook"},
	{"discordapp.com", "/api/webhooks", "Discord webhook"},
	{"api.telegram.org", "/bot", "Telegram bot API"},
	{"hooks.slack.com", "/services", "Slack webhook"},
}

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
		if (host == e.host || strings.HasSuffix(host, "."+e.host)) && strings.HasPrefix(path, e.path) {
			return e.kind
		}
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
var bareEndpoints = []string{"webhook.site", "ngrok.io", "ngrok.app", "ngrok-free.app", "ngrok-free.dev", "bore.pub",
	"glot.io", "rentry.co", "rentry.org", "pastebin.com", "trycloudflare.com", "pipedream.net", "requestbin.com",
	"requestbin.net", "interact.sh", "oast.fun", "oast.me", "oast.pro", "oast.live", "oast.site", "oast.online"}

var schemes = []string{"https", "http", "wss", "ws", "ftp"}

// textLiterals are the literals of findURLs and credTarget, found in one
// pass: "://", then bareEndpoints, then the anchors of credTargets.
var textLiterals = func() *literalSet {
	lits, fold := []string{"://"}, []bool{false}
	for _, d := range bareEndpoints {
		lits, fold = append(lits, d), append(fold, true)
	}
	for _, t := range credTargets {
		lits, fold = append(lits, t.anchor), append(fold, false)
	}
	return newLiteralSet(lits, fold)
}()

// Ids in textLiterals.
const (
	litScheme = 0
	litBare   = 1
)

var (
	litCred     = litBare + len(bareEndpoints)
	litCredLast = litCred + len(credTargets) - 1
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
		if k := endpointKind(u.host, u.path); k != "" {
			if code && !strings.Contains(k, "Telegram") && !strings.Contains(k, "Slack") {
				// Code and config that name a request catcher, tunnel or
				// paste site talk to it; prose may only mention it.
				sc.reportSev(RuleExfilEndpoint, SeverityCritical, u.off, fmt.Sprintf("%s %s in code", k, u.host))
			} else {
				sc.report(RuleExfilEndpoint, u.off, fmt.Sprintf("%s %s", k, u.host))
			}
			if code {
				sc.has(capNetwork, u.off, k+" "+u.host)
			}
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

// credTargets are paths and commands that reach secrets. They are checked
// in code, never in prose, where documentation names them harmlessly.
var credTargets = []struct {
	anchor string // a substring of every match, searched before the regexp
	re     *regexp.Regexp
	what   string
}{
	{".ssh", regexp.MustCompile(`(?:^|[/~\\"'\x00\s]|\$HOME|\})\.ssh(?:/|\b)`), "SSH keys"},
	{".aws", regexp.MustCompile(`(?:^|[/~\\"'\x00\s]|\$HOME|\})\.aws(?:/|\b)`), "AWS credentials"},
	{".openclaw", regexp.MustCompile(`\.openclaw/(?:openclaw\.json|credentials|\.env|agents|identity|devices)`), "OpenClaw secrets"},
	{".clawdbot", regexp.MustCompile(`\.clawdbot\b`), "Clawdbot secrets"},
	{"auth-profiles", regexp.MustCompile(`auth-profiles\.json`), "agent auth profiles"},
	{".env", regexp.MustCompile(`(?:~|\$HOME|\$\{HOME\}|homedir\(\)|\x00)/\.env\b`), "a .env file in the home directory"},
	{"hrome", regexp.MustCompile(`Google/Chrome|google-chrome|Chrome/User Data`), "browser profiles"},
	{"Login Data", regexp.MustCompile(`Login Data`), "browser credential stores"},
	{"Local State", regexp.MustCompile(`Local State`), "browser credential stores"},
	{"binarycookies", regexp.MustCompile(`Cookies\.binarycookies`), "browser credential stores"},
	{"irefox", regexp.MustCompile(`\.mozilla/firefox|Firefox/Profiles`), "Firefox profiles"},
	{"logins.json", regexp.MustCompile(`\blogins\.json`), "Firefox profiles"},
	{".db", regexp.MustCompile(`\bkey[34]\.db\b`), "Firefox profiles"},
	{"Brave", regexp.MustCompile(`BraveSoftware|Brave-Browser`), "browser profiles"},
	{"eychain", regexp.MustCompile(`Library/Keychains|login\.keychain`), "the macOS keychain"},
	{"security ", regexp.MustCompile(`\bsecurity\s+(?:find-generic-password|find-internet-password|dump-keychain)\b`), "the macOS keychain"},
	{"allet", regexp.MustCompile(`(?i)wallet\.dat|electrum/wallets|exodus/exodus\.wallet|\bwallets?/`), "crypto wallets"},
	{"solana", regexp.MustCompile(`solana/id\.json`), "crypto wallets"},
	{"keystore", regexp.MustCompile(`\.ethereum/keystore`), "crypto wallets"},
	{"nkbihfbeogaeaoehlefnkodbefgpgknn", regexp.MustCompile(`nkbihfbeogaeaoehlefnkodbefgpgknn`), "the MetaMask extension store"},
	{".kube", regexp.MustCompile(`\.kube/config`), "Kubernetes credentials"},
	{".docker", regexp.MustCompile(`\.docker/config\.json`), "Docker registry credentials"},
	{"gcloud", regexp.MustCompile(`\.config/gcloud`), "Google Cloud credentials"},
	{".azure", regexp.MustCompile(`(?:~|\$HOME|\x00)/\.azure\b`), "Azure credentials"},
	{"credentials", regexp.MustCompile(`\.git-credentials|\.config/[^/\s"']+/credentials\.json`), "stored credentials"},
	{".netrc", regexp.MustCompile(`(?:~|\$HOME|\x00)/\.netrc\b`), "netrc passwords"},
	{"_history", regexp.MustCompile(`\.(?:bash|zsh)_history`), "shell history"},
	{"shadow", regexp.MustCompile(`/etc/shadow\b`), "system password hashes"},
	{"tdata", regexp.MustCompile(`Telegram Desktop/tdata`), "Telegram sessions"},
}

// credTarget returns what secret store s points at and where, or "" and
// -1.
func credTarget(s []byte) (what string, off int) {
	what, off = "", -1
	credMatches(s, textHits(s), func(w string, at int) bool {
		what, off = w, at
		return false
	})
	return what, off
}

// credMatches calls fn with the first secret store named on each line of
// s that names one, until fn returns false. The literal anchors come from
// hits (see textHits); the regexp runs only on the lines that hold one,
// once per line and target, since anchors like "Chrome" are common in
// ordinary code and a minified line can be megabytes long.
func credMatches(s []byte, hits []litHit, fn func(what string, off int) bool) {
	lineStart, lineEnd := -1, -1
	best, bestWhat := -1, ""
	tried := make([]bool, len(credTargets)) // on the current line
	for i := 0; i <= len(hits); i++ {
		var h litHit
		if i < len(hits) {
			h = hits[i]
			if h.id < litCred || h.id > litCredLast {
				continue
			}
		}
		at := h.end - len(credTargets[max(h.id-litCred, 0)].anchor)
		if i == len(hits) || at >= lineEnd {
			if best >= 0 && !fn(bestWhat, best) {
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
			best = -1
			clear(tried)
		}
		k := h.id - litCred
		if tried[k] {
			continue
		}
		tried[k] = true
		if loc := credTargets[k].re.FindIndex(s[lineStart:lineEnd]); loc != nil && (best < 0 || lineStart+loc[0] < best) {
			best, bestWhat = lineStart+loc[0], credTargets[k].what
		}
	}
}

// checkCredPaths reports every line of code that names a secret store.
func (sc *scope) checkCredPaths() {
	credMatches(sc.src, sc.hits(), func(what string, off int) bool {
		sc.report(RuleCredFile, off, "reaches "+what)
		sc.has(capCredRead, off, "access to "+what)
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
			i++
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

// findBlobs returns base64, hex and \x-escaped runs that decode to text.
// The scan is a single pass over the bytes, since it runs over every file.
func findBlobs(src []byte) []blob {
	var out []blob
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

func isHex(c byte) bool { return c >= '0' && c <= '9' || c >= 'a' && c <= 'f' || c >= 'A' && c <= 'F' }

// readable accepts decoded bytes that are UTF-8 text, mostly printable.
func readable(b []byte) (string, bool) {
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
