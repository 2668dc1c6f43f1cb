package scanner

import (
	"path"
	"strings"
)

// lang is a source language the scanner understands.
type lang uint8

const (
	langText lang = iota // prose or unknown text
	langJS
	langTS
	langTSX
	langShell
	langPython
	langMarkdown
	langJSON
	langConfig // YAML, TOML, INI and similar: URLs matter, prose rules do not
	numLangs
)

var langNames = [numLangs]string{"text", "JavaScript", "TypeScript", "TSX", "shell", "Python", "Markdown", "JSON", "config"}

func (l lang) String() string { return langNames[l] }

// fileLang picks the language of a file from its name, then its shebang.
func fileLang(rel string, data []byte) lang {
	base := strings.ToLower(path.Base(rel))
	switch path.Ext(base) {
	case ".js", ".mjs", ".cjs", ".jsx":
		return langJS
	case ".ts", ".mts", ".cts":
		return langTS
	case ".tsx":
		return langTSX
	case ".sh", ".bash", ".zsh", ".command", ".ksh":
		return langShell
	case ".py", ".pyw":
		return langPython
	case ".md", ".markdown", ".mdx":
		return langMarkdown
	case ".json", ".jsonc", ".json5":
		return langJSON
	case ".yaml", ".yml", ".toml", ".ini", ".cfg", ".conf", ".env", ".plist", ".xml", ".service", ".desktop":
		return langConfig
	}
	if strings.HasPrefix(base, ".") && strings.Contains(base, "rc") {
		return langShell // .bashrc, .zshrc and friends
	}
	return shebangLang(data)
}

func shebangLang(data []byte) lang {
	if len(data) < 3 || data[0] != '#' || data[1] != '!' {
		return langText
	}
	line := string(data[:min(len(data), 128)])
	if i := strings.IndexByte(line, '\n'); i >= 0 {
		line = line[:i]
	}
	switch {
	case strings.Contains(line, "python"):
		return langPython
	case strings.Contains(line, "node") || strings.Contains(line, "deno") || strings.Contains(line, "bun"):
		return langJS
	case strings.Contains(line, "sh"):
		return langShell
	}
	return langText
}

// fenceLang maps a Markdown fence's info string to a language; ok is false
// when the info names nothing the scanner parses.
func fenceLang(info string) (lang, bool) {
	info = strings.ToLower(strings.TrimSpace(info))
	if i := strings.IndexAny(info, " {,"); i >= 0 {
		info = info[:i]
	}
	switch info {
	case "js", "javascript", "mjs", "cjs", "node", "jsx", "nodejs":
		return langJS, true
	case "ts", "typescript":
		return langTS, true
	case "tsx":
		return langTSX, true
	case "sh", "bash", "shell", "zsh", "console", "terminal", "shell-session", "shellsession", "command", "cmd", "fish", "ksh":
		return langShell, true
	case "python", "py", "python3", "py3", "pycon":
		return langPython, true
	case "json", "jsonc", "json5":
		return langJSON, true
	case "yaml", "yml", "toml", "ini", "xml", "plist":
		return langConfig, true
	case "md", "markdown":
		return langMarkdown, true
	}
	return langText, false
}

// sniffLang guesses the language of an unlabelled code block or span.
func sniffLang(s string) lang {
	t := strings.TrimSpace(s)
	switch {
	case t == "":
		return langText
	case strings.HasPrefix(t, "#!"):
		return shebangLang([]byte(t))
	case strings.HasPrefix(t, "{") || strings.HasPrefix(t, "["):
		return langJSON
	}
	first := t
	if i := strings.IndexByte(first, '\n'); i >= 0 {
		first = first[:i]
	}
	first = strings.TrimPrefix(strings.TrimPrefix(first, "$ "), "% ")
	word := first
	if i := strings.IndexAny(word, " \t"); i >= 0 {
		word = word[:i]
	}
	switch {
	case strings.HasPrefix(first, "import ") && strings.Contains(first, " from '"),
		strings.HasPrefix(first, "import ") && strings.Contains(first, ` from "`),
		strings.HasPrefix(first, "const "), strings.HasPrefix(first, "let "), strings.HasPrefix(first, "var "),
		strings.HasPrefix(first, "require("), strings.HasPrefix(first, "await "):
		return langJS
	case strings.HasPrefix(first, "import ") || strings.HasPrefix(first, "from ") || strings.HasPrefix(first, "def ") || strings.HasPrefix(first, "print("):
		return langPython
	case shellWords[word] || strings.Contains(t, "| sh") || strings.Contains(t, "| bash") || strings.Contains(t, "|bash") || strings.Contains(t, "&& ") || strings.HasPrefix(word, "./") || strings.HasPrefix(word, "/"):
		return langShell
	}
	return langText
}

// shellWords start a line of shell in documentation.
var shellWords = map[string]bool{
	"curl": true, "wget": true, "echo": true, "bash": true, "sh": true, "zsh": true, "sudo": true, "cd": true,
	"export": true, "chmod": true, "npm": true, "npx": true, "pnpm": true, "yarn": true, "bun": true, "pip": true,
	"pip3": true, "pipx": true, "uv": true, "brew": true, "apt": true, "apt-get": true, "git": true, "cat": true,
	"python": true, "python3": true, "node": true, "osascript": true, "xattr": true, "open": true, "mkdir": true,
	"rm": true, "cp": true, "mv": true, "tar": true, "unzip": true, "source": true, "eval": true, "base64": true,
	"powershell": true, "iex": true, "iwr": true, "irm": true, "nohup": true, "crontab": true, "launchctl": true,
	"systemctl": true, "openclaw": true, "clawhub": true, "go": true, "cargo": true, "docker": true, "ssh": true,
	"scp": true, "nc": true, "ncat": true, "socat": true, "printenv": true, "env": true, "set": true, "xxd": true,
}
