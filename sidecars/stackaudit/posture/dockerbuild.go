package posture

import (
	"bufio"
	"bytes"
	"encoding/json"
	"path"
	"regexp"
	"strings"
)

// dockerfileRun is one RUN instruction: its command (continuations joined)
// and the line it starts on.
type dockerfileRun struct {
	cmd  string
	line int
}

// dockerInstruction is one Dockerfile instruction: its keyword (upper case),
// its arguments with continuation lines joined, and the line it starts on.
type dockerInstruction struct {
	keyword, args string
	line          int
}

// dockerfileInstructions splits a Dockerfile into instructions, joining
// lines that end in a backslash and skipping comment lines, also those
// inside a continued instruction (as Docker's parser does).
func dockerfileInstructions(src []byte) []dockerInstruction {
	var out []dockerInstruction
	sc := bufio.NewScanner(bytes.NewReader(src))
	sc.Buffer(make([]byte, 64<<10), maxConfigSize)
	var cur strings.Builder
	start := 0
	for n := 1; sc.Scan(); n++ {
		t := sc.Text()
		if strings.HasPrefix(strings.TrimSpace(t), "#") {
			continue
		}
		if cur.Len() == 0 {
			start = n
		}
		if strings.HasSuffix(t, "\\") {
			cur.WriteString(strings.TrimSuffix(t, "\\") + " ")
			continue
		}
		cur.WriteString(t)
		kw, args, _ := strings.Cut(strings.TrimSpace(cur.String()), " ")
		cur.Reset()
		if kw != "" {
			out = append(out, dockerInstruction{keyword: strings.ToUpper(kw), args: strings.TrimSpace(args), line: start})
		}
	}
	return out
}

// dockerfileRuns lists the RUN instructions of a Dockerfile.
func dockerfileRuns(src []byte) []dockerfileRun {
	var out []dockerfileRun
	for _, in := range dockerfileInstructions(src) {
		if in.keyword != "RUN" {
			continue
		}
		rest := in.args
		for strings.HasPrefix(rest, "--") { // RUN --mount=... --network=...
			_, rest, _ = strings.Cut(rest, " ")
			rest = strings.TrimSpace(rest)
		}
		if strings.HasPrefix(rest, "[") {
			var argv []string
			if json.Unmarshal([]byte(rest), &argv) == nil {
				rest = strings.Join(argv, " ")
			}
		}
		if rest != "" {
			out = append(out, dockerfileRun{cmd: rest, line: in.line})
		}
	}
	return out
}

var shellSeparators = regexp.MustCompile(`&&|\|\||[;|&\n()]`)

// npmValueFlags are npm, yarn and pnpm options whose value is the next word.
var npmValueFlags = map[string]bool{
	"--prefix": true, "--registry": true, "--cache": true, "--userconfig": true, "--globalconfig": true,
	"--omit": true, "--include": true, "--location": true, "--workspace": true, "-w": true, "--tag": true,
	"--before": true, "--install-strategy": true, "--filter": true, "--dir": true, "-C": true, "--cwd": true,
	"--modules-folder": true, "--global-folder": true, "--network-timeout": true,
}

// npmInstallVerbs are the npm commands that add packages named on the line.
var npmInstallVerbs = map[string]bool{
	"install": true, "i": true, "in": true, "ins": true, "inst": true, "insta": true, "instal": true,
	"isnt": true, "isnta": true, "isntal": true, "isntall": true, "add": true,
}

// unpinnedPackageInstalls returns the packages a shell command installs from
// a registry by name (npm install NAME, yarn add NAME, pnpm add NAME): npm
// resolves them, and everything they depend on, at build time, with no
// integrity to check them against. npm ci and a bare npm install (the
// project's lock) name none; nor does a path or tarball from the build
// context.
func unpinnedPackageInstalls(cmd string) []string {
	var out []string
	for _, simple := range shellSeparators.Split(cmd, -1) {
		words := splitQuoted(simple)
		for len(words) > 0 && (strings.Contains(words[0], "=") && !strings.HasPrefix(words[0], "-") || words[0] == "sudo" || words[0] == "env" || words[0] == "exec") {
			words = words[1:]
		}
		if len(words) < 2 {
			continue
		}
		tool := path.Base(words[0])
		var verbs map[string]bool
		switch tool {
		case "npm":
			verbs = npmInstallVerbs
		case "yarn", "pnpm":
			verbs = map[string]bool{"add": true}
		default:
			continue
		}
		verb := -1
		for i := 1; i < len(words); i++ {
			w := words[i]
			if strings.HasPrefix(w, "-") {
				if npmValueFlags[w] {
					i++
				}
				continue
			}
			if tool == "yarn" && w == "global" {
				continue
			}
			if verbs[w] {
				verb = i
			}
			break
		}
		if verb < 0 {
			continue
		}
		for i := verb + 1; i < len(words); i++ {
			w := words[i]
			switch {
			case strings.HasPrefix(w, "-"):
				if npmValueFlags[w] {
					i++
				}
			case w == "." || strings.HasPrefix(w, "./") || strings.HasPrefix(w, "../") ||
				strings.HasPrefix(w, "/") || strings.HasPrefix(w, "~") || strings.HasPrefix(w, "file:"):
				// from the build context
			default:
				out = append(out, w)
			}
		}
	}
	return out
}
