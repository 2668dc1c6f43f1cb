package shellrisk

import (
	"net/netip"
	"net/url"
	"regexp"
	"strings"
)

// compiledStore is a CredStore ready to match.
type compiledStore struct {
	anchors []string
	re      *regexp.Regexp
	what    string
	tier    Tier
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
		out = append(out, compiledStore{all, regexp.MustCompile(pattern), what, tier})
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
func CredPath(s string) (what string, tier Tier, ok bool) {
	best := -1
	for i := range compiledStores {
		c := &compiledStores[i]
		if !containsAny(s, c.anchors) {
			continue
		}
		for off := 0; off <= len(s); {
			loc := c.re.FindStringIndex(s[off:])
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
func ParseTarget(s string) (Target, bool) {
	raw := s
	if !strings.Contains(s, "://") {
		if s == "" || strings.ContainsAny(s[:1], "/.~-$@") || strings.ContainsAny(s, " \t\n'\"`\\{}<>|") {
			return Target{}, false
		}
		s = "http://" + s
	}
	u, err := url.Parse(s)
	if err != nil || u.Host == "" {
		return Target{}, false
	}
	host := strings.TrimSuffix(strings.ToLower(u.Hostname()), ".")
	if host == "" || !strings.Contains(host, ".") && host != "localhost" && !strings.Contains(host, ":") {
		return Target{}, false
	}
	return Target{Raw: raw, Host: host, Path: u.EscapedPath()}, true
}
