package scanner

import (
	"strings"

	"golang.org/x/net/publicsuffix"
)

// platformNames are OpenClaw's own names, past and present. A package or
// domain a typo or two away from one (opencalw, clawhubb, clawdhub.com)
// imitates the platform, as the ClawHavoc lures did.
var platformNames = []string{"openclaw", "clawhub", "clawdbot", "moltbot"}

// officialDomains are the registrable domains OpenClaw and ClawHub use.
var officialDomains = map[string]bool{"openclaw.ai": true, "openclaw.org": true, "clawhub.ai": true}

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

// platformTypo returns the platform name that name imitates by a typo, or
// "".
func platformTypo(name string) string {
	name = strings.ReplaceAll(strings.ReplaceAll(foldLookalikes(name), "-", ""), "_", "")
	for _, p := range platformNames {
		if name == p {
			return ""
		}
	}
	for _, p := range platformNames {
		if d := typoDistance(name, p); d > 0 && d <= 2 {
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

// lookalikeDomain returns the official name that a URL's host imitates by
// a typo (clawdhub.com, 0penclaw.ai), or "". Names that only contain
// "openclaw" (a community site, my-openclaw.fly.dev) are not reported.
func lookalikeDomain(host string) string {
	host = strings.TrimSuffix(strings.ToLower(host), ".")
	reg, err := publicsuffix.EffectiveTLDPlusOne(host)
	if err != nil || officialDomains[reg] {
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
