// Package scanner finds malicious code and instructions in OpenClaw skills
// and plugins before they are installed. It never runs what it reads.
//
// # Inputs
//
// Scan takes paths. A directory with SKILL.md, openclaw.plugin.json or
// package.json at its top is one unit; any other directory yields one unit
// per directory holding a SKILL.md, searched up to Limits.MaxDepth (6)
// levels down, or, when there is none, the whole directory as one unit. A
// regular file is one unit; a .zip, .tgz or .tar.gz file is read in memory,
// nested archives included, without extracting anything. Symlinks are never
// followed; one that points outside its root is a finding. Binary files are
// skipped and reported, native executables as BINARY_EXECUTABLE. Files
// above Limits.MaxFileSize, units above Limits.MaxFiles or
// Limits.MaxTotalSize, and archives that inflate beyond
// Limits.MaxExpansionRatio times their size are reported as INPUT_LIMIT:
// nothing is skipped silently.
//
// # Analysis
//
// JavaScript, TypeScript, TSX, shell and Python are parsed with tree-sitter.
// Calls are resolved through simple aliasing (const e = eval), string
// constant folding ("ev"+"al", String.fromCharCode, atob, Buffer.from(x,
// "base64")) and computed member access (globalThis["ev"+"al"]), so hiding
// a call is itself a finding (OBF_HIDDEN_CALL). SKILL.md is read as YAML
// front matter (metadata.openclaw.install and requires), prose, and fenced
// or inline code parsed as the language the fence names or the content
// suggests; the prose also goes to the PromptChecker. Long base64 and hex
// blobs are decoded and scanned again. A file that does not parse keeps its
// text-level rules and gets an INPUT_PARSE_ERROR finding.
//
// Capabilities seen in the same file or code block combine into chains, as
// GuardDog does: reading credentials or the whole environment plus a
// network send is CHAIN_EXFILTRATION; a download plus running it is
// CHAIN_DROPPER.
//
// # Rules
//
// Rules are JSON (see Rule and LoadRules) in the shape of the original
// stack's scanner-rules.json. DefaultRules lists every built-in detection
// with its severity, plus the text rules; Options.Rules override entries by
// id (set "disabled": true to turn one off, or change its severity) or add
// text rules. Severities are info, low, medium, high and critical.
//
// # Verdict policy
//
// Each Result gets one verdict from its findings' severities:
//
//	block  at least one critical finding. Chains, hidden calls, decoded
//	       payloads, fake prerequisites, unreadable or over-limit input and
//	       encrypted archive members are critical by default.
//	warn   otherwise, at least one high or medium finding.
//	allow  only info and low findings, or none.
//
// # Tree hash
//
// TreeHash, and Result.SHA256 for a directory, is the hex SHA-256 of a
// stream that has, for every entry below the directory except directories
// themselves, in fs.WalkDir order (entries of each directory sorted by name,
// depth first):
//
//	<slash-separated relative path> NUL <fs.FileMode.String()> NUL <size in decimal> NUL <content>
//
// where the content of a symlink is its target. For a single file or an
// archive, Result.SHA256 is the SHA-256 of the file's bytes. Any change of
// a name, mode or byte changes the hash, so an override bound to it does
// not carry over to a modified skill.
//
// # Reports
//
// WriteText is for people; WriteSARIF writes SARIF 2.1.0; WriteJSON writes
// this stable schema (fields are only ever added):
//
//	{"results": [{"skill": "name", "path": "scanned path", "sha256": "hex",
//	  "verdict": "allow|warn|block",
//	  "findings": [{"rule_id": "CHAIN_DROPPER", "severity": "critical",
//	    "file": "SKILL.md", "line": 12, "column": 3,
//	    "message": "...", "snippet": "..."}]}]}
//
// # Example
//
//	s, err := scanner.New(scanner.Options{Allowlist: allow})
//	if err != nil {
//		return err
//	}
//	rep, err := s.Scan(ctx, "/home/me/.openclaw/skills")
//	if err != nil {
//		return err
//	}
//	return scanner.WriteText(os.Stdout, rep)
package scanner
