package scanner

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"strings"
)

// lifecycleScripts run on npm install without the user asking.
var lifecycleScripts = map[string]bool{"preinstall": true, "install": true, "postinstall": true, "prepare": true, "preuninstall": true, "postuninstall": true}

var depSections = map[string]bool{"dependencies": true, "devDependencies": true, "optionalDependencies": true, "peerDependencies": true, "bundleDependencies": false}

// analyzeJSON reads a JSON file as a token stream. A "scripts" object is
// treated as npm's (install hooks are findings and run as shell),
// dependencies from URLs or git are findings, and string values that hold
// code are analysed as code.
func (a *analyzer) analyzeJSON(sc *scope, parseErrors bool) {
	dec := json.NewDecoder(bytes.NewReader(sc.src))
	dec.UseNumber()
	var path []string // keys from the root to the current value
	var stack []byte  // '{' or '['
	var key string
	expectKey := false
	for {
		tok, err := dec.Token()
		if errors.Is(err, io.EOF) {
			return
		}
		if err != nil {
			if parseErrors {
				sc.report(RuleInputParseError, int(dec.InputOffset()), fmt.Sprintf("JSON does not parse (%v); only text rules applied", err))
			}
			return
		}
		end := int(dec.InputOffset())
		switch t := tok.(type) {
		case json.Delim:
			switch t {
			case '{', '[':
				path = append(path, key)
				stack = append(stack, byte(t))
				expectKey = t == '{'
			case '}', ']':
				if len(stack) > 0 {
					stack, path = stack[:len(stack)-1], path[:len(path)-1]
				}
				expectKey = len(stack) > 0 && stack[len(stack)-1] == '{'
			}
			key = ""
			continue
		case string:
			if expectKey {
				key, expectKey = t, false
				continue
			}
			a.jsonString(sc, path, key, t, stringStart(sc.src, end))
		}
		if len(stack) > 0 && stack[len(stack)-1] == '{' {
			expectKey = true
		}
		key = ""
	}
}

// parsesAs reports whether code parses without syntax errors, which tells
// code in a data value from prose that mentions code.
func (a *analyzer) parsesAs(l lang, code string) bool {
	tree, err := a.ps.parse(l, []byte(code))
	if err != nil {
		return false
	}
	defer a.ps.release(tree)
	return !tree.broken()
}

// stringStart finds the opening quote of the JSON string ending at end.
func stringStart(src []byte, end int) int {
	for i := end - 2; i >= 0; i-- {
		if src[i] != '"' {
			continue
		}
		bs := 0
		for j := i - 1; j >= 0 && src[j] == '\\'; j-- {
			bs++
		}
		if bs%2 == 0 {
			return i
		}
	}
	return 0
}

func (a *analyzer) jsonString(sc *scope, path []string, key, val string, off int) {
	parent := ""
	if len(path) > 0 {
		parent = path[len(path)-1]
	}
	topLevel := len(path) == 2 // {"scripts": {...}}: path is ["", "scripts"]
	switch {
	case topLevel && parent == "scripts":
		if lifecycleScripts[key] {
			sc.report(RulePkgLifecycle, off, fmt.Sprintf("%q runs at install time: %s", key, short(val)))
		}
		a.analyzeSnippet(sc, off, val, langShell, "")
		return
	case topLevel && depSections[parent]:
		if strings.Contains(val, "://") || strings.HasPrefix(val, "git") || strings.HasPrefix(val, "github:") || strings.HasPrefix(val, "file:") || strings.HasPrefix(val, "link:") {
			sc.report(RulePkgURLDep, off, fmt.Sprintf("dependency %q comes from %s, not from the registry", key, short(val)))
		}
		if impersonates(key) {
			sc.report(RuleSkillImpersonation, off, fmt.Sprintf("dependency %q imitates OpenClaw's own tools", key))
		}
		return
	}
	if len(val) < 12 {
		return
	}
	switch l := sniffLang(val); {
	case (l == langJS || strings.Contains(val, "require(") || strings.Contains(val, "child_process") || strings.Contains(val, "eval(")) && a.parsesAs(langJS, val):
		hadProc, hadExec := sc.caps[capProcess] != nil, sc.caps[capDynExec] != nil
		a.analyzeSnippet(sc, off, val, langJS, "embedded code")
		if !hadProc && sc.caps[capProcess] != nil || !hadExec && sc.caps[capDynExec] != nil {
			sc.report(RuleDataEmbeddedCode, off, fmt.Sprintf("the value of %q is code that runs commands: %s", key, short(val)))
		}
	case l == langShell && (strings.Contains(val, "|") || strings.Contains(val, "$(")):
		a.analyzeSnippet(sc, off, val, langShell, "embedded command")
	}
}
