// Package toolpolicy decides whether a tool call a model asked for may reach
// OpenClaw. The policy is a YAML (or JSON) file; Default is what applies
// without one, and a file changes only what it names.
//
//	# Tools the model may never call (names or path.Match globs).
//	deny_tools: [gateway, "nodes*"]
//	# When set, the only tools the model may call.
//	allow_tools: []
//	# How to read each tool's arguments (added to or replacing Default's).
//	tools:
//	  exec:        {kind: exec, command: [command], dir: [workdir]}
//	  read:        {kind: read, path: [path]}
//	  web_fetch:   {kind: fetch, url: [url]}
//	  tool_call:   {kind: dispatch, name: id, args: args}
//	# Egress allowlist files (the stack's one format, see package egress):
//	# the hosts a fetch or a command may name. Empty: any host but the known
//	# exfiltration endpoints and raw public IP addresses.
//	egress_allowlist: [/etc/openclaw/allowlist.txt]
//	# The severity at which a finding blocks: low, medium, high, critical.
//	block_at: high
//	# Rule ids that never block (still audited).
//	ignore_rules: []
//	# Block a call whose arguments hold a secret in a known format.
//	block_secrets: true
//
// Every call is read twice: by its tool's kind (exec commands through
// shellrisk.Judge, the scanner's shell knowledge; read and write paths for
// credential stores and persistence files; fetch URLs for exfiltration
// endpoints and the allowlist; dispatch for OpenClaw's tool_call meta-tool,
// which runs another tool by id), and generically: any argument named like a
// URL, a path or a command is checked as one, and every string is searched
// for secrets. A tool the policy does not know is therefore still judged.
// Arguments that are not JSON cannot be judged and block.
package toolpolicy

import (
	"bytes"
	"errors"
	"fmt"
	"io"
	"os"
	"path"
	"slices"
	"strings"

	"gopkg.in/yaml.v3"

	"github.com/openclaw-secure-stack/securestack/scanner/shellrisk"
)

// Kinds of tools, by how their arguments are read.
const (
	KindExec     = "exec"     // command arguments are shell command lines
	KindRead     = "read"     // path arguments are read
	KindWrite    = "write"    // path arguments are written
	KindPatch    = "patch"    // patch arguments are apply_patch text naming the files they change
	KindFetch    = "fetch"    // url arguments are fetched
	KindMessage  = "message"  // sends a message; url arguments are destinations
	KindDispatch = "dispatch" // runs the tool named by the name argument with the args argument
	KindOther    = "other"    // read generically only
)

var kinds = []string{KindExec, KindRead, KindWrite, KindPatch, KindFetch, KindMessage, KindDispatch, KindOther}

// Tool says how to read one tool's arguments. Argument names are top-level
// keys of the arguments object.
type Tool struct {
	Kind    string   `yaml:"kind" json:"kind"`
	Command []string `yaml:"command,omitempty" json:"command,omitempty"`
	// Dir names the argument with the directory an exec tool runs its
	// commands in (OpenClaw's exec: workdir); relative names in the
	// command are read from there.
	Dir []string `yaml:"dir,omitempty" json:"dir,omitempty"`
	// Session names the argument with the terminal session an exec tool
	// types into (OpenClaw's process: sessionId). What a call types is
	// judged together with what earlier calls in the conversation typed
	// into the same session (write data, send-keys, paste text, submit).
	Session string `yaml:"session,omitempty" json:"session,omitempty"`
	// Keys name arguments holding text typed at a keyboard (OpenClaw's
	// terminal input, computer type): judged as keystrokes, so what does
	// not parse (half a line, an editor) is not refused but what parses is
	// judged. Session "*" joins all of a tool's calls (one keyboard).
	Keys  []string `yaml:"keys,omitempty" json:"keys,omitempty"`
	Path  []string `yaml:"path,omitempty" json:"path,omitempty"`
	URL   []string `yaml:"url,omitempty" json:"url,omitempty"`
	Patch []string `yaml:"patch,omitempty" json:"patch,omitempty"`
	// Name and Args are the dispatch tool's arguments that name the tool
	// to run and hold its arguments.
	Name string `yaml:"name,omitempty" json:"name,omitempty"`
	Args string `yaml:"args,omitempty" json:"args,omitempty"`
	// Secrets "allow" lets this tool's arguments carry secrets (a secret
	// manager's tool, say).
	Secrets string `yaml:"secrets,omitempty" json:"secrets,omitempty"`
}

// Policy is the policy file.
type Policy struct {
	DenyTools       []string        `yaml:"deny_tools,omitempty" json:"deny_tools,omitempty"`
	AllowTools      []string        `yaml:"allow_tools,omitempty" json:"allow_tools,omitempty"`
	Tools           map[string]Tool `yaml:"tools,omitempty" json:"tools,omitempty"`
	EgressAllowlist []string        `yaml:"egress_allowlist,omitempty" json:"egress_allowlist,omitempty"`
	BlockAt         string          `yaml:"block_at,omitempty" json:"block_at,omitempty"`
	IgnoreRules     []string        `yaml:"ignore_rules,omitempty" json:"ignore_rules,omitempty"`
	BlockSecrets    *bool           `yaml:"block_secrets,omitempty" json:"block_secrets,omitempty"`
}

// Default is the policy without a file: OpenClaw's tools that run commands,
// touch files, fetch and dispatch, read as what they are; nothing denied by
// name; block at high; secrets block.
func Default() *Policy {
	yes := true
	return &Policy{
		Tools: map[string]Tool{
			"exec": {Kind: KindExec, Command: []string{"command"}, Dir: []string{"workdir"}},
			"bash": {Kind: KindExec, Command: []string{"command"}, Dir: []string{"workdir"}},
			// process writes keystrokes into a running exec session.
			"process": {Kind: KindExec, Command: []string{"data", "text"}, Session: "sessionId"},
			// terminal types into a terminal the operator opened in the
			// Control UI; computer types at the desktop.
			"terminal":    {Kind: KindExec, Keys: []string{"data"}, Session: "sessionId"},
			"computer":    {Kind: KindExec, Keys: []string{"text"}, Session: "*"},
			"read":        {Kind: KindRead, Path: []string{"path", "file_path"}},
			"ls":          {Kind: KindRead, Path: []string{"path"}},
			"grep":        {Kind: KindRead, Path: []string{"path"}},
			"find":        {Kind: KindRead, Path: []string{"path"}},
			"write":       {Kind: KindWrite, Path: []string{"path", "file_path"}},
			"edit":        {Kind: KindWrite, Path: []string{"path", "file_path"}},
			"apply_patch": {Kind: KindPatch, Patch: []string{"input", "patch"}},
			"web_fetch":   {Kind: KindFetch, URL: []string{"url"}},
			"browser":     {Kind: KindFetch, URL: []string{"url", "targetUrl"}},
			"message":     {Kind: KindMessage},
			"tool_call":   {Kind: KindDispatch, Name: "id", Args: "args"},
		},
		BlockAt:      shellrisk.SeverityHigh,
		BlockSecrets: &yes,
	}
}

// Load reads a policy file over Default: lists and settings the file sets
// replace Default's; tools it names replace Default's entry for that tool.
func Load(file string) (*Policy, error) {
	data, err := os.ReadFile(file)
	if err != nil {
		return nil, fmt.Errorf("policy: %w", err)
	}
	p, err := Parse(data, file)
	if err != nil {
		return nil, err
	}
	return p, nil
}

// Parse reads policy text (YAML or JSON) over Default. name is for errors.
func Parse(data []byte, name string) (*Policy, error) {
	var f Policy
	dec := yaml.NewDecoder(bytes.NewReader(data))
	dec.KnownFields(true)
	if err := dec.Decode(&f); err != nil && !errors.Is(err, io.EOF) {
		return nil, fmt.Errorf("policy %s: %v", name, err)
	}
	p := Default()
	if f.DenyTools != nil {
		p.DenyTools = f.DenyTools
	}
	if f.AllowTools != nil {
		p.AllowTools = f.AllowTools
	}
	for k, v := range f.Tools {
		p.Tools[k] = v
	}
	if f.EgressAllowlist != nil {
		p.EgressAllowlist = f.EgressAllowlist
	}
	if f.BlockAt != "" {
		p.BlockAt = f.BlockAt
	}
	if f.IgnoreRules != nil {
		p.IgnoreRules = f.IgnoreRules
	}
	if f.BlockSecrets != nil {
		p.BlockSecrets = f.BlockSecrets
	}
	if err := p.check(); err != nil {
		return nil, fmt.Errorf("policy %s: %w", name, err)
	}
	return p, nil
}

func (p *Policy) check() error {
	if shellrisk.SeverityRank(p.BlockAt) == 0 {
		return fmt.Errorf("block_at %q: want low, medium, high or critical", p.BlockAt)
	}
	for _, list := range [][]string{p.DenyTools, p.AllowTools} {
		for _, g := range list {
			if _, err := path.Match(g, ""); err != nil {
				return fmt.Errorf("tool pattern %q: %v", g, err)
			}
		}
	}
	for name, t := range p.Tools {
		if !slices.Contains(kinds, t.Kind) {
			return fmt.Errorf("tools.%s.kind %q: want one of %s", name, t.Kind, strings.Join(kinds, ", "))
		}
		if t.Kind == KindDispatch && (t.Name == "" || t.Args == "") {
			return fmt.Errorf("tools.%s: a dispatch tool needs name and args", name)
		}
		if t.Secrets != "" && t.Secrets != "allow" && t.Secrets != "block" {
			return fmt.Errorf("tools.%s.secrets %q: want allow or block", name, t.Secrets)
		}
	}
	return nil
}
