package scanner

import (
	"bytes"
	"fmt"
	"net"
	"regexp"
	"strings"

	"golang.org/x/net/publicsuffix"
)

// A skill that reads its own API key (from its entry in OpenClaw's
// config, its credentials file or a .env) and sends it to the service it
// belongs to, to a server the user names, or to this machine is working
// as intended. Exfiltration is a secret that can reach a host that has
// nothing to do with it. The exfiltration chain of a soft credential read
// (see site.soft) is therefore critical only when the code names such a
// host: a request catcher, paste site, tunnel or raw IP, a host spelled in
// an encoding, or a domain that no name of the key points to.

// dest is a host that code names in a URL.
type dest struct {
	host string
	// decoded marks a host found in decoded content: spelling a
	// destination in base64 or hex hides it, which no vendor call needs.
	decoded bool
}

// softChain is a CHAIN_EXFILTRATION finding of a soft credential read,
// with the hosts its scope can send to, settled once the file's key names
// are known.
type softChain struct {
	finding int // index in fileFacts.findings
	dests   []dest
	what    string
}

// softChain records the chain just reported in sc for settleChains.
func (a *analyzer) softChain(sc *scope, what string) {
	f := a.facts
	if f == nil || sc.out != &f.findings {
		return
	}
	f.softChains = append(f.softChains, softChain{finding: len(f.findings) - 1, dests: sc.destinations(), what: what})
}

// destinations are the hosts data can go to from the scope: those of its
// network calls and, when a call's host is not known or no call was
// resolved, every host its code names.
func (sc *scope) destinations() []dest {
	out := append([]dest(nil), sc.netDests...)
	if sc.unknownNet || len(sc.netDests) == 0 {
		out = append(out, sc.urlDests...)
		if len(sc.src) <= maxKeyFile && bytes.Contains(sc.src, []byte("host")) {
			for _, m := range hostnameRE.FindAllSubmatch(sc.src, -1) {
				out = append(out, dest{host: strings.ToLower(string(m[1])), decoded: sc.decoded})
			}
		}
	}
	return out
}

// hostnameRE is a host given to a request as an option:
// https.request({hostname: "api.example.com"}).
var hostnameRE = regexp.MustCompile(`\b(?:hostname|host)["']?\s*[:=]\s*["'\x60]([A-Za-z0-9-]+(?:\.[A-Za-z0-9-]+)+)["'\x60]`)

// netCall records the destination of a network call: its URL when it
// is known, else that the scope sends somewhere the text may show.
func (sc *scope) netCall(v jsVal) {
	if v.kind == vStr {
		if h, ok := urlHost(v.s); ok {
			if h != "" {
				sc.netDests = append(sc.netDests, dest{host: h, decoded: v.decoded || sc.decoded})
			}
			return
		}
	}
	sc.unknownNet = true
}

// urlHost is the host of a folded URL; "" with ok when the host comes
// from a variable (a server the user configures), not ok when s is no URL.
func urlHost(s string) (string, bool) {
	_, rest, ok := strings.Cut(s, "://")
	if !ok {
		if strings.HasPrefix(s, hole) {
			return "", true
		}
		return "", false
	}
	end := strings.IndexAny(rest, "/?#")
	if end < 0 {
		end = len(rest)
	}
	host := rest[:end]
	if i := strings.LastIndexByte(host, '@'); i >= 0 {
		host = host[i+1:]
	}
	if strings.Contains(host, hole) || strings.ContainsAny(host, "$") {
		return "", true
	}
	if h, _, err := net.SplitHostPort(host); err == nil {
		host = h
	}
	return strings.ToLower(strings.Trim(host, "[]")), host != ""
}

// settleChains lowers the file's soft chains whose every destination is
// related to the keys the file names.
func settleChains(facts *fileFacts, src []byte) {
	if len(facts.softChains) == 0 {
		return
	}
	if len(src) > maxKeyFile {
		return // a bundle that reads secret stores gets no leniency
	}
	tokens := keyTokens(src)
	for _, c := range facts.softChains {
		if why, ok := relatedDests(c.dests, tokens); ok {
			f := &facts.findings[c.finding]
			f.Severity = SeverityHigh
			f.Message = fmt.Sprintf("%s, sent only to %s: a key used with its own service; check that it goes nowhere else", strings.TrimPrefix(c.what, "access to "), why)
		}
	}
}

// relatedDests reports whether every destination is related to one of the
// key names, and says where the data goes.
func relatedDests(ds []dest, tokens map[string]bool) (string, bool) {
	var hosts []string
	seen := map[string]bool{}
	local := false
	for _, d := range ds {
		switch {
		case d.decoded:
			return "", false
		case isLocalHost(d.host):
			local = true
			continue
		case placeholderHost(d.host):
			continue // https://your-server.example/api: the user's own
		case payloadHost(d.host, "") != "" || endpointKind(d.host, "/") != "":
			return "", false
		}
		if !hostMatches(d.host, tokens) {
			return "", false
		}
		if !seen[d.host] {
			seen[d.host] = true
			hosts = append(hosts, d.host)
		}
	}
	switch {
	case len(hosts) > 3:
		return strings.Join(hosts[:3], ", ") + "…", true
	case len(hosts) > 0:
		return strings.Join(hosts, ", "), true
	case local:
		return "this machine", true
	}
	return "a server the user configures", true
}

// placeholderHost is a host written for the reader to replace.
func placeholderHost(host string) bool {
	for _, p := range []string{"your-", "your_", "yourdomain", "yourserver", "yoursite", "my-server", "<", "{", "$"} {
		if strings.Contains(host, p) {
			return true
		}
	}
	return false
}

// hostMatches reports whether the label of host's registrable domain
// names one of the tokens (api.telegram.org for a Telegram bot token,
// cloudcode-pa.googleapis.com for a google-... profile).
func hostMatches(host string, tokens map[string]bool) bool {
	label := ownerLabel(host)
	if label == "" {
		return false
	}
	for t := range tokens {
		if t == label || len(t) >= 4 && strings.Contains(label, t) || len(label) >= 4 && strings.Contains(t, label) {
			return true
		}
	}
	return false
}

// ownerLabel is the name under which host is registered with an ICANN
// registry: googleapis for cloudcode-pa.googleapis.com, vercel for
// x.vercel.app. Private suffixes (googleapis.com, vercel.app) are where
// their operator lets others name hosts; the operator owns the domain,
// and a tenant's label says nothing about whose key it may receive.
func ownerLabel(host string) string {
	labels := strings.Split(strings.TrimSuffix(strings.ToLower(host), "."), ".")
	for k := 1; k < len(labels); k++ {
		cand := strings.Join(labels[k:], ".")
		if ps, icann := publicsuffix.PublicSuffix(cand); icann && ps == cand {
			return labels[k-1]
		}
	}
	return ""
}

var (
	// Selectors that carry a key's owner: .skills.entries.pihole.apiToken,
	// credentials/exa/config.json, ~/.config/moltbook/credentials.json,
	// channels.telegram; an auth profile id is provider:name
	// ("google-antigravity:me@x"). Secret-named identifiers
	// (CONTEXT7_API_KEY, metricoolToken) are found by keyTokens.
	selectorRE = regexp.MustCompile(`(?:entries|channels|providers|credentials|accounts|profiles|\.config)\s*(?:[./\\]|\[\s*)\s*["']?([A-Za-z][A-Za-z0-9_-]*)|(?:startsWith\(|\[)\s*["'\x60]([a-z][a-z0-9]*(?:-[a-z0-9]+)*):`)
	// genericKeyWords say what a key is, not whose.
	genericKeyWords = map[string]bool{"api": true, "key": true, "keys": true, "apikey": true, "token": true, "tokens": true,
		"secret": true, "secrets": true, "access": true, "auth": true, "user": true, "client": true, "private": true,
		"public": true, "bot": true, "bearer": true, "app": true, "account": true, "accounts": true, "password": true,
		"pass": true, "oauth": true, "refresh": true, "session": true, "cookie": true, "config": true, "env": true,
		"main": true, "default": true, "base": true, "url": true, "uri": true, "host": true, "endpoint": true,
		"webhook": true, "http": true, "https": true, "local": true, "home": true, "data": true, "file": true,
		"path": true, "dir": true, "the": true, "get": true, "set": true, "load": true, "read": true, "id": true,
		"credentials": true, "credential": true, "creds": true, "value": true, "entries": true, "skills": true,
		"channels": true, "providers": true, "profiles": true, "new": true, "old": true, "current": true, "name": true,
		"json": true, "service": true, "server": true, "type": true, "code": true, "const": true, "var": true}
)

// keyTokens are the lower-case names in src that can say whose a key is.
// It runs on every code file that talks to the network, so identifiers
// are found with a byte loop and only those that name a secret are split.
func keyTokens(src []byte) map[string]bool {
	out := map[string]bool{}
	add := func(word string) {
		for _, w := range strings.FieldsFunc(strings.ToLower(word), func(r rune) bool { return r == '_' || r == '-' || r == '.' }) {
			if len(w) >= 3 && !genericKeyWords[w] && !ownNames[w] {
				out[w] = true
			}
		}
	}
	for i := 0; i < len(src); {
		if !isIdent(src[i]) {
			i++
			continue
		}
		j := i
		for j < len(src) && isIdent(src[j]) {
			j++
		}
		if j-i >= 5 && j-i <= 64 && (i == 0 || src[i-1] != '\\') && secretish(src[i:j]) {
			w := strings.TrimLeft(string(src[i:j]), "$")
			if strings.ContainsRune(w, '_') || hasLowerUpper(w) {
				if isSecretName(w) {
					if w[0] >= 'a' && w[0] <= 'z' {
						w = camelWords(w)
					}
					add(w)
				}
			}
		}
		i = j
	}
	for _, lit := range []string{"entries", "channels", "providers", "credentials", "accounts", "profiles", ".config", "startsWith", "['"} {
		if bytes.Contains(src, []byte(lit)) {
			for _, m := range selectorRE.FindAllSubmatch(src, -1) {
				add(string(m[1]) + "_" + string(m[2]))
			}
			break
		}
	}
	return out
}

// secretish is a cheap test that an identifier may name a secret.
func secretish(id []byte) bool {
	for _, w := range [][]byte{[]byte("key"), []byte("token"), []byte("secret"), []byte("pass"), []byte("pwd"), []byte("auth"),
		[]byte("cred"), []byte("jwt"), []byte("session"), []byte("cookie"), []byte("mnemonic"), []byte("seed"), []byte("private")} {
		if containsFold(id, w) {
			return true
		}
	}
	return false
}

func containsFold(s, lowerSub []byte) bool {
	for i := 0; i+len(lowerSub) <= len(s); i++ {
		k := 0
		for k < len(lowerSub) && lower(s[i+k]) == lowerSub[k] {
			k++
		}
		if k == len(lowerSub) {
			return true
		}
	}
	return false
}

// hasLowerUpper reports camelCase: a lower-case letter followed by an
// upper-case one.
func hasLowerUpper(w string) bool {
	for i := 1; i < len(w); i++ {
		if w[i] >= 'A' && w[i] <= 'Z' && w[i-1] >= 'a' && w[i-1] <= 'z' {
			return true
		}
	}
	return false
}

// camelWords splits metricoolUserToken into metricool_user_token.
func camelWords(s string) string {
	var b strings.Builder
	for i, r := range s {
		if r >= 'A' && r <= 'Z' {
			if i > 0 {
				b.WriteByte('_')
			}
			r += 'a' - 'A'
		}
		b.WriteRune(r)
	}
	return b.String()
}
