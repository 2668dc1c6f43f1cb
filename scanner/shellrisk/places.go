package shellrisk

import (
	"net/netip"
	"net/url"
	"path"
	"regexp"
	"strings"

	"github.com/openclaw-secure-stack/securestack/egress"
	"golang.org/x/net/idna"
)

// compiledStore is a CredStore ready to match.
type compiledStore struct {
	anchors  []string
	re       *regexp.Regexp
	lanchors []string       // anchors in lower case
	ire      *regexp.Regexp // re ignoring case
	what     string
	tier     Tier
}

var compiledStores = func() []compiledStore {
	var out []compiledStore
	add := func(anchors, pattern, what string, tier Tier) {
		var all []string
		for _, a := range strings.Split(anchors, "|") {
			all = append(all, a)
			if strings.Contains(a, "/") {
				all = append(all, strings.ReplaceAll(a, "/", `\`))
			}
		}
		var lower []string
		for _, a := range all {
			lower = append(lower, strings.ToLower(a))
		}
		out = append(out, compiledStore{all, regexp.MustCompile(pattern), lower, regexp.MustCompile(`(?i)` + pattern), what, tier})
	}
	for _, s := range CredStores {
		add(s.Anchors, s.Pattern, s.What, s.Tier)
	}
	for _, id := range WalletExtensions {
		add(id, id, "a browser wallet extension's store", TierStealer)
	}
	return out
}()

// CredPath reports the secret store a path or word names: what it is and
// its tier. SSH public keys, known_hosts and authorized_keys hold nothing
// secret and are not reported (writing authorized_keys is persistence, see
// PersistPath).
//
// A path in other letter case counts too: macOS file systems ignore case,
// so ~/.SSH/ID_RSA is the key. A shell glob counts when it can expand to a
// secret store's usual files (~/.s?h/id_*, ~/.open*/cred*).
func CredPath(s string) (what string, tier Tier, ok bool) {
	if what, tier, ok = credPath(s, false); ok {
		return what, tier, ok
	}
	if l := strings.ToLower(s); l != s {
		if what, tier, ok = credPath(l, true); ok {
			return what, tier, ok
		}
	}
	if strings.ContainsAny(s, "*?[") {
		return globCredPath(s)
	}
	return "", 0, false
}

func credPath(s string, folded bool) (what string, tier Tier, ok bool) {
	best := -1
	for i := range compiledStores {
		c := &compiledStores[i]
		anchors, re := c.anchors, c.re
		if folded {
			anchors, re = c.lanchors, c.ire
		}
		if !containsAny(s, anchors) {
			continue
		}
		for off := 0; off <= len(s); {
			loc := re.FindStringIndex(s[off:])
			if loc == nil {
				break
			}
			if !publicFile(s[off+loc[1]:]) {
				if best < 0 || rank(c.tier) > rank(compiledStores[best].tier) {
					best = i
				}
				break
			}
			off += max(loc[1], 1)
		}
	}
	if best < 0 {
		return "", 0, false
	}
	return compiledStores[best].what, compiledStores[best].tier, true
}

// secretFiles are the usual files of the secret stores, for matching shell
// globs against: a glob that can expand to one of them reads it.
var secretFiles = []string{
	"~/.ssh/id_rsa", "~/.ssh/id_ed25519", "~/.ssh/id_ecdsa", "~/.ssh/id_dsa",
	"~/.aws/credentials", "~/.aws/config",
	"~/.openclaw/openclaw.json", "~/.openclaw/.env", "~/.openclaw/credentials", "~/.openclaw/identity",
	"~/.openclaw/agents/main/agent/auth-profiles.json", "~/.clawdbot/.env", "~/.clawdbot/clawdbot.json",
	"~/.kube/config", "~/.docker/config.json", "~/.git-credentials", "~/.netrc", "~/.env",
	"~/.bash_history", "~/.zsh_history", "/etc/shadow", "/proc/self/environ", "/proc/1/environ",
	"~/.config/gcloud/credentials.db", "~/Library/Keychains/login.keychain-db",
	"~/.bitcoin/wallet.dat", "~/Library/Application Support/Google/Chrome/Default/Login Data",
	"~/.mozilla/firefox/p/logins.json", "~/.mozilla/firefox/p/key4.db", "~/.mozilla/firefox/p/cookies.sqlite",
}

// globCredPath matches a shell glob against secretFiles, part by part, as
// the shell would expand it: a wildcard does not match a leading dot.
func globCredPath(s string) (what string, tier Tier, ok bool) {
	for _, field := range strings.FieldsFunc(s, func(r rune) bool { return r == ' ' || r == '\t' || r == '"' || r == '\'' || r == '=' }) {
		g := field
		for _, home := range []string{"$HOME", "${HOME}"} {
			if strings.HasPrefix(g, home) {
				g = "~" + g[len(home):]
			}
		}
		if !strings.ContainsAny(g, "*?[") || globLetters(g) < 4 {
			// A glob of almost nothing but wildcards (~/.*rc, ~/.*) names
			// no store in particular; it is not read as one.
			continue
		}
		gp := strings.Split(strings.TrimRight(g, "/"), "/")
		for _, f := range secretFiles {
			fp := strings.Split(f, "/")
			if len(gp) != len(fp) {
				continue
			}
			match := true
			for k := range gp {
				if m, err := path.Match(gp[k], fp[k]); err != nil || !m || strings.HasPrefix(fp[k], ".") && !strings.HasPrefix(gp[k], ".") {
					match = false
					break
				}
			}
			if match {
				if what, tier, ok := credPath(f, false); ok {
					return what, tier, ok
				}
			}
		}
	}
	return "", 0, false
}

// globLetters counts the letters a glob spells out, outside brackets.
func globLetters(g string) int {
	n, inClass := 0, false
	for i := 0; i < len(g); i++ {
		switch c := g[i]; {
		case c == '[':
			inClass = true
		case c == ']':
			inClass = false
		case !inClass && ('a' <= c|0x20 && c|0x20 <= 'z'):
			n++
		}
	}
	return n
}

func rank(t Tier) int { return map[Tier]int{TierStealer: 2, TierStore: 1, TierLookup: 0}[t] }

func containsAny(s string, subs []string) bool {
	for _, a := range subs {
		if strings.Contains(s, a) {
			return true
		}
	}
	return false
}

// publicFile reports that the rest of a path names a file of a secret store
// that holds nothing secret.
func publicFile(rest string) bool {
	end := strings.IndexAny(rest, " \t,;)`'\"")
	if end < 0 {
		end = len(rest)
	}
	name := rest[:end]
	return strings.HasSuffix(name, ".pub") || strings.HasSuffix(name, "known_hosts") || strings.HasSuffix(name, "authorized_keys")
}

// EndpointKind returns what kind of exfiltration or payload endpoint a host
// (with the URL's path) is, such as "request catcher", "tunnel", "paste
// site" or "Discord webhook", or "". The host is matched with its parent
// domains, in lower case.
func EndpointKind(host, path string) string {
	host = strings.TrimSuffix(strings.ToLower(host), ".")
	for h := host; h != ""; {
		if k, ok := EndpointKinds[h]; ok {
			return k
		}
		i := strings.IndexByte(h, '.')
		if i < 0 {
			break
		}
		h = h[i+1:]
	}
	for _, e := range PathEndpoints {
		if (host == e.Host || strings.HasSuffix(host, "."+e.Host)) && strings.HasPrefix(path, e.Path) {
			return e.Kind
		}
	}
	return ""
}

// PublicIP reports a host that is a literal public IP address (not
// loopback, private, link-local or unspecified).
func PublicIP(host string) bool {
	ip, err := netip.ParseAddr(strings.Trim(host, "[]"))
	if err != nil {
		return false
	}
	ip = ip.Unmap()
	return !(ip.IsLoopback() || ip.IsPrivate() || ip.IsLinkLocalUnicast() || ip.IsUnspecified() || ip.IsMulticast())
}

// Target is a network destination named in a command or an argument.
type Target struct {
	Raw  string // as written
	Host string // lower case, without port or trailing dot
	Path string
}

// ParseTarget reads a URL ("https://h/p", "h/p" or "h:port") as a downloader
// or a tool argument names it. ok is false for text that names no host.
//
// The host is read as a WHATWG URL parser (OpenClaw's fetch, a browser)
// reads it, since that is where the request goes: percent-escapes decoded,
// mapped by UTS #46 (fullwidth letters, ideographic full stops), and an
// IPv4 address written as numbers in hex, octal or fewer than four parts
// turned into its dotted form. Go's url.Parse refuses a percent-escaped
// host and takes the others at their letter.
func ParseTarget(s string) (Target, bool) {
	raw := s
	scheme := strings.Contains(s, "://")
	if !scheme {
		if s == "" || strings.ContainsAny(s[:1], "/.~-$@") || strings.ContainsAny(s, " \t\n'\"`\\{}<>|") {
			return Target{}, false
		}
		s = "http://" + s
	}
	u, err := url.Parse(s)
	if err != nil {
		if d, ok := unescapeHost(s); ok {
			u, err = url.Parse(d)
		}
	}
	if err != nil || u.Host == "" {
		return Target{}, false
	}
	host := canonicalHost(u.Hostname(), scheme)
	if host == "" || !strings.Contains(host, ".") && host != "localhost" && !strings.Contains(host, ":") {
		return Target{}, false
	}
	return Target{Raw: raw, Host: host, Path: u.EscapedPath()}, true
}

// unescapeHost returns the URL s with the percent-escapes of its host
// decoded, when it has any.
func unescapeHost(s string) (string, bool) {
	i := strings.Index(s, "://")
	if i < 0 {
		return "", false
	}
	start := i + 3
	end := len(s)
	if j := strings.IndexAny(s[start:], "/?#"); j >= 0 {
		end = start + j
	}
	if at := strings.LastIndexByte(s[start:end], '@'); at >= 0 {
		start += at + 1
	}
	if !strings.Contains(s[start:end], "%") {
		return "", false
	}
	h, err := url.PathUnescape(s[start:end])
	if err != nil || strings.ContainsAny(h, "/?#@%") {
		return "", false
	}
	return s[:start] + h + s[end:], true
}

// uts46 maps a host as the WHATWG URL standard's domain-to-ASCII does.
var uts46 = idna.New(idna.MapForLookup(), idna.Transitional(false), idna.StrictDomainName(false), idna.VerifyDNSLength(false), idna.CheckHyphens(false))

// canonicalHost lower-cases h, maps it by UTS #46, drops a trailing dot and
// writes a numeric IPv4 host in dotted form. Unusual numbers are taken for
// an address only in a URL with a scheme: a bare "2.0.1" or "760021250" is
// a version or a count far more often than a host.
func canonicalHost(h string, scheme bool) string {
	if strings.HasPrefix(h, "[") || strings.Contains(h, ":") {
		return strings.ToLower(h)
	}
	if a, err := uts46.ToASCII(h); err == nil && a != "" {
		h = a
	}
	h = strings.TrimSuffix(strings.ToLower(h), ".")
	if ip, ok := parseIPv4Numbers(h); ok && scheme {
		return ip
	}
	return h
}

// parseIPv4Numbers reads h as the WHATWG IPv4 parser does
// (egress.ParseLegacyIPv4). ok is false when h is not an address, or is one
// written as the usual dotted decimal quad.
func parseIPv4Numbers(h string) (string, bool) {
	if _, err := netip.ParseAddr(h); err == nil {
		return "", false
	}
	a, ok := egress.ParseLegacyIPv4(h)
	if !ok {
		return "", false
	}
	return a.String(), true
}
