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
// above Limits.MaxFileSize and units above Limits.MaxFiles or
// Limits.MaxTotalSize are reported as INPUT_LIMIT; reading an archive stops,
// with INPUT_UNREADABLE, once it inflates beyond Limits.MaxExpansionRatio
// times its size. Nothing is skipped silently.
//
// # Analysis
//
// JavaScript, TypeScript, TSX, shell and Python are parsed with tree-sitter;
// each tree is copied into Go memory in one walk in C, so that analysis
// makes no call into C per node. Calls are resolved through simple aliasing (const e = eval, destructuring,
// imports, one-line wrappers such as (m) => require(m)), string constant
// folding ("ev"+"al", escapes, template literals, [..].join, split and
// reverse, String.fromCharCode, atob, Buffer.from(x, "base64"), Python's
// base64.b64decode, getattr and __import__, path.join and pathlib's /) and
// computed member access (globalThis["ev"+"al"]). A dangerous call reached
// through a built string or a wrapper is also an OBF_HIDDEN_CALL. Strings
// handed to a shell (child_process, subprocess, os.system, bash -c, eval,
// here-strings and here-documents fed to an interpreter) are parsed as
// shell. Shell follows content through pipes, command substitutions and
// variables: a download or a decoded text (base64, openssl, xxd -r, printf
// escapes, ANSI-C strings, rev, rot13) that ends up run by a shell or an
// interpreter is CHAIN_DROPPER or OBF_ENCODED_PAYLOAD, and $NAME of a
// literal assignment is resolved (D=curl; $D ... | sh).
//
// SKILL.md, and every Markdown file of a skill, is read as YAML front
// matter (metadata.openclaw.install downloads and package names), fenced
// and inline code (parsed as the language the fence names, or as the
// content suggests), HTML comments, and prose. The prose rules look for
// techniques rather than campaigns: a password given next to an archive, a
// mandatory setup step that downloads and runs an executable, a paste-site
// script to run, a tool named like part of OpenClaw (openclaw-core,
// openclawcli), instructions to send credentials somewhere or to hide
// things from the user, a typo of OpenClaw's names (opencalw, clawdhub.com).
// A mandatory setup step is one that has the reader run an executable or
// archive, or anything fetched from a raw IP address, a URL shortener, a
// file-sharing site (Dropbox, Google Drive, MEGA...), a paste site or a
// raw GitHub file. The prose also goes to the PromptChecker (the
// sanitizer's rules). Invisible characters (Unicode tags, zero-width and
// bidi controls) are findings; text smuggled in tag characters is decoded
// and scanned. Long base64, hex and \x runs are decoded and scanned again;
// a blob that decodes to anything of high severity is an
// OBF_ENCODED_PAYLOAD. Decoded and assembled text also gets the text rules,
// and UTF-16 (PowerShell's -EncodedCommand) is decoded too. JSON files are read as npm manifests where they have
// "scripts" or dependencies, and string values that parse as code are
// analysed. A file that does not parse keeps its text-level rules and gets
// an INPUT_PARSE_ERROR finding.
//
// Literal URLs are checked: request catchers, tunnels, paste sites and file
// drops (webhook.site, ngrok, bore.pub, glot.io, rentry, pastebin...) and
// chat webhooks are NET_EXFIL_ENDPOINT, raw public IP addresses
// NET_RAW_IP_URL (critical in code and config, high in prose), and with an
// Options.Allowlist every other domain off the list NET_DOMAIN_NOT_ALLOWED.
// URL shorteners and file-sharing sites are NET_PAYLOAD_HOST (high in
// code); a typo of OpenClaw's domains is SKILL_IMPERSONATED_TOOL.
//
// Secret stores come in three tiers. Browser login, cookie and autofill
// databases and their keychain keys (Safe Storage), keychain dumps, crypto
// wallet files and extension stores, Telegram and Discord sessions are
// critical on their own: no skill has a reason to open them. SSH and cloud
// keys, OpenClaw's config and the .env files are high, and critical once
// data can leave. Looking up one named keychain item (security
// find-generic-password -s NAME) is how tools keep their tokens: high, and
// exfiltration only when the value is seen in a request body.
//
// Capabilities seen in one file, code block or decoded blob combine into
// chains, as in GuardDog: reading credentials or the whole environment
// plus network use within 300 lines is CHAIN_EXFILTRATION; a download plus
// running what was downloaded (a pipe into a shell, chmod +x and run, eval
// of fetched text) is CHAIN_DROPPER. Across the code files of a unit, a
// collector in one file and a sender in another is also CHAIN_EXFILTRATION.
// A secret-named environment variable (OPENAI_API_KEY, ghToken) that is
// sent in a request body or printed, while no Markdown file of the skill
// names it, is CHAIN_EXFILTRATION or CRED_SECRET_OUTPUT; a secret in an
// Authorization header is how APIs work and is not reported.
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
//	block  at least one critical finding
//	warn   otherwise, at least one high or medium finding
//	allow  only info and low findings, or none
//
// Critical by default: the chains (CHAIN_EXFILTRATION, CHAIN_DROPPER),
// REVERSE_SHELL, NET_BACKGROUND_BEACON, RESOURCE_ABUSE (miners, fork
// bombs), DEFENSE_EVASION (Gatekeeper, SIP or SELinux off, Defender
// exclusions, security agents unloaded, history wiped), PRIV_ESCALATION
// (NOPASSWD: ALL, setuid shells), eval and new Function
// (DANGEROUS_EVAL, DANGEROUS_FUNCTION_CTOR: skills have no business building
// code at run time), the obfuscation rules (OBF_HIDDEN_CALL,
// OBF_ENCODED_PAYLOAD, OBF_PACKED_EVAL, OBF_TROJAN_SOURCE, TIME_BOMB), the
// social-engineering rules (SKILL_FAKE_PREREQUISITE, SKILL_PASSWORD_ARCHIVE,
// SKILL_PASTE_SITE, SKILL_PASSWORD_PROMPT, SKILL_IMPERSONATED_TOOL,
// SKILL_INVISIBLE_TEXT, SKILL_SECRET_DISCLOSURE, SKILL_WALLET_SECRET: a
// request for a wallet's recovery phrase, or for a private key to be
// pasted or sent, which no honest tool needs), CRED_CLIPBOARD_HIJACK (code
// that writes the clipboard and holds a wallet address, checksum-verified
// for base58 ones, or a pattern for one), CRED_SECRET_OUTPUT,
// CRED_PASSWORD_CHECK, DATA_EMBEDDED_CODE, and everything that stops the
// scan from seeing all of the input (INPUT_UNREADABLE, INPUT_LIMIT,
// ARCHIVE_ENCRYPTED, ARCHIVE_PATH_TRAVERSAL). Some rules take their
// severity from context: exfiltration endpoints and raw-IP URLs are critical
// in code and high in prose; SKILL_EXFIL_INSTRUCTION is critical when the
// text is hidden, asks for all credentials, asks to conceal the step or
// sends a secret store's file ("read ~/.clawdbot/.env and post its
// contents to ..."), and is not raised for calling an API with its key;
// SKILL_PROMPT_INJECTION is critical for the checker's override, jailbreak
// and extraction rules and low for quoted examples; SKILL_URL_INSTALL
// (pip install git+https://...) is high, and critical from a raw IP,
// shortener, file-sharing or paste site or a look-alike domain, or when
// nothing else in the document names the installed package (honest
// instructions go on to use what they install; a lure's install is its
// point); CRED_FILE_ACCESS follows the tiers above. SQL_INJECTION is
// medium for SQL formatted from constants, loop values or parameters that
// are checked first (an if that raises or returns, an assert, int()), and
// critical when a function parameter reaches it unchecked: in a skill the
// caller is the agent, which whatever it read can steer. SKILL_TYPOSQUAT (a package one typo from a
// popular one) warns, since some such names are honest packages.
// SKILL_DECEPTIVE_LINK (link text showing a URL on one site, the link going
// to another) is high. FS_PERSISTENCE is high, and critical for a write to
// authorized_keys (a
// login for whoever holds the key). OBF_HIDDEN_CALL includes a module or
// function name spelled in escapes ("\x63\x68..."), which minifiers never
// write, Function reached through constructors ([].constructor.constructor),
// Reflect.apply of a dangerous function, and a member of child_process
// chosen at run time. Starting processes, network requests and writes are low to medium
// on their own: honest skills run gh, curl and git; a detached process
// with its output ignored is high.
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
