package scanner

import (
	_ "embed"
	"encoding/json"
	"strings"

	"golang.org/x/net/publicsuffix"
)

// platform is what platform-names.json says about OpenClaw's names.
type platform struct {
	About string         `json:"about"`
	Names []platformName `json:"names"`
}

// platformName is one genuine name: current (a typo of it imitates the
// platform), former or ecosystem (used honestly, never an imitation).
type platformName struct {
	Name    string   `json:"name"`
	Status  string   `json:"status"`
	What    string   `json:"what"`
	Domains []string `json:"domains"`
	Sources []string `json:"sources"`
}

//go:embed platform-names.json
var platformNamesJSON []byte

// platformNames are the current names, whose typos imitate the platform;
// knownNames are every genuine name and knownDomains every genuine
// registrable domain, current, former and of the ecosystem; ownNames are
// the names of OpenClaw itself, current and former.
var platformNames, knownNames, knownDomains, ownNames = loadPlatform(platformNamesJSON)

func loadPlatform(data []byte) (current []string, names, domains, own map[string]bool) {
	var p platform
	if err := json.Unmarshal(data, &p); err != nil {
		panic("scanner: platform-names.json: " + err.Error()) // embedded and tested
	}
	names, domains, own = map[string]bool{}, map[string]bool{}, map[string]bool{}
	for _, n := range p.Names {
		names[n.Name] = true
		if n.Status == "current" {
			current = append(current, n.Name)
		}
		if n.Status != "ecosystem" {
			own[n.Name] = true
		}
		for _, d := range n.Domains {
			domains[d] = true
		}
	}
	return current, names, domains, own
}

// popularPackages are npm and PyPI packages that skills commonly install.
// A name one typo away from one of them is reported, as a warning: some
// such names are honest packages of their own.
var popularPackages = []string{
	// PyPI
	"requests", "numpy", "pandas", "yfinance", "playwright", "selenium", "beautifulsoup4", "python-dotenv",
	"pyyaml", "urllib3", "boto3", "openai", "anthropic", "matplotlib", "pillow", "scipy", "flask", "django",
	"fastapi", "httpx", "aiohttp", "colorama", "cryptography", "paramiko", "tiktoken", "transformers",
	"pydantic", "langchain", "tweepy", "python-telegram-bot", "discord.py", "web3", "solana", "ccxt",
	"yt-dlp", "whisper", "openai-whisper", "pytube", "praw", "feedparser", "markdown", "jinja2",
	// npm
	"axios", "lodash", "express", "chalk", "commander", "dotenv", "puppeteer", "node-fetch", "cheerio",
	"ethers", "moment", "dayjs", "inquirer", "yargs", "typescript", "prettier", "eslint", "nodemailer",
	"telegraf", "discord.js", "socket.io", "mongoose", "sqlite3", "better-sqlite3", "zod", "uuid",
}

// honestNeighbours are real, popular packages one typo away from another
// popular one.
var honestNeighbours = map[string]bool{"request": true, "openapi": true, "panda": true, "moments": true,
	"markdown2": true, "ether": true, "whisperx": true}

// packageName strips what an install argument adds to a package name:
// a version, extras, a dist tag.
func packageName(arg string) string {
	name := strings.ToLower(strings.TrimSpace(arg))
	if i := strings.LastIndexByte(name, '@'); i > 0 {
		name = name[:i] // npm name@version, keeping @scope/
	}
	if i := strings.IndexAny(name, "=<>~![ ;"); i > 0 {
		name = name[:i] // pip name==1.0, name[extra]
	}
	return name
}

// platformTypo returns the current platform name that name imitates by
// a one-letter typo or a look-alike character (cllawhub, opencalw,
// 0penclaw), or "". Genuine names, former ones included (clawdhub,
// clawdbot), are not typos.
func platformTypo(name string) string {
	plain := strings.ToLower(strings.NewReplacer("-", "", "_", "").Replace(name))
	if knownNames[plain] {
		return ""
	}
	folded := foldLookalikes(plain)
	for _, p := range platformNames {
		if folded == p || typoDistance(folded, p) == 1 {
			return p
		}
	}
	return ""
}

// packageTypo returns the popular package that name is one typo away from,
// or "".
func packageTypo(name string) string {
	if len(name) < 5 || honestNeighbours[name] {
		return ""
	}
	norm := strings.ReplaceAll(name, "_", "-")
	for _, p := range popularPackages {
		if norm == p {
			return ""
		}
	}
	for _, p := range popularPackages {
		if typoDistance(norm, p) == 1 {
			return p
		}
	}
	return ""
}

// foldLookalikes lower-cases a name and undoes the character swaps that
// pass for letters: 0 for o, 1 and I for l.
func foldLookalikes(s string) string {
	return strings.Map(func(r rune) rune {
		switch r {
		case '0':
			return 'o'
		case '1', 'I':
			return 'l'
		}
		if r >= 'A' && r <= 'Z' {
			return r + 'a' - 'A'
		}
		return r
	}, s)
}

// lookalikeDomain returns the current name that a URL's host imitates by
// a typo (clawhubb.ai, 0penclaw.ai), or "". Genuine domains, former ones
// included (clawdhub.com, molt.bot), and names that only contain
// "openclaw" (a community site, my-openclaw.fly.dev) are not reported.
func lookalikeDomain(host string) string {
	host = strings.TrimSuffix(strings.ToLower(host), ".")
	reg, err := publicsuffix.EffectiveTLDPlusOne(host)
	if err != nil || knownDomains[reg] {
		return ""
	}
	return platformTypo(strings.SplitN(reg, ".", 2)[0])
}

// typoDistance is the optimal string alignment distance: insertions,
// deletions, substitutions and swaps of neighbours each count one.
func typoDistance(a, b string) int {
	if d := len(a) - len(b); d > 2 || d < -2 {
		return 3 // farther than any caller cares about
	}
	prev2 := make([]int, len(b)+1)
	prev := make([]int, len(b)+1)
	cur := make([]int, len(b)+1)
	for j := range prev {
		prev[j] = j
	}
	for i := 1; i <= len(a); i++ {
		cur[0] = i
		for j := 1; j <= len(b); j++ {
			cost := 1
			if a[i-1] == b[j-1] {
				cost = 0
			}
			cur[j] = min(prev[j]+1, cur[j-1]+1, prev[j-1]+cost)
			if i > 1 && j > 1 && a[i-1] == b[j-2] && a[i-2] == b[j-1] {
				cur[j] = min(cur[j], prev2[j-2]+1)
			}
		}
		prev2, prev, cur = prev, cur, prev2
	}
	return prev[len(b)]
}
