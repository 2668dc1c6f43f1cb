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
// things from the user, a typo of OpenClaw's current names (opencalw, clawhubb.ai).
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
// # Precision: what honest skills do
//
// Skills are written by many hands for the platform as it is, and a
// scanner that blocks what they honestly do gets turned off. These forms
// are shown to the operator (high at most), never blocked on their own:
//
//   - The platform's former and ecosystem names. platform-names.json lists
//     OpenClaw's names, current (openclaw, clawhub), former (clawdhub,
//     clawdbot, moltbot, with their domains: OpenClaw still reads
//     .clawdhub and ~/.clawdbot) and of its ecosystem (moltbook), each with
//     its source. A typo is one letter or look-alike character from a
//     current name (cllawhub, 0penclaw.ai); an impersonation is a new name
//     that claims to be an official tool (openclaw-core). Genuine names
//     are neither.
//   - A key used with its own service. The exfiltration chain of a key
//     read from OpenClaw's config, its credentials directory, a .env, an
//     SSH or cloud key store (see related.go) is critical only when the
//     code can send to a host unrelated to the key: a request catcher,
//     paste site, tunnel or raw IP, a host spelled in an encoding, or a
//     domain that no name of the key points to (EXA_API_KEY and
//     credentials/exa for api.exa.ai; channels.telegram for
//     api.telegram.org). A server the user configures (a URL from a
//     variable) and this machine are the key's own. Whole environments,
//     browser and wallet stores, uploads of a store's file and OpenClaw's
//     gateway token are never a skill's own key.
//   - Vendor installers. curl -fsSL https://get.vendor.dev | sh, for a
//     tool the skill goes on to use (its name in the URL, the line or the
//     sentence before, used in the skill's code or commands), is high. The
//     lure forms stay critical: a download decoded before it runs, plain
//     HTTP, a raw IP, a shortener, file-sharing or paste site, a tunnel, a
//     look-alike or impersonating host, a downloader in disguise ($D), and
//     an installer for a tool that nothing in the skill uses.
//   - Security tooling. In a skill whose name or description says it
//     defends (a prompt-injection guard, a pentest guide), what its
//     reference documents and tests show is a sample of what it detects:
//     high, not critical. Its SKILL.md is judged as any other; incomplete
//     scans and threat-intelligence hits are never lowered; nor are orders
//     to the agent that reads the file (SKILL_AGENT_DIRECTIVE,
//     SKILL_EXFIL_INSTRUCTION, SKILL_CREDENTIAL_SWEEP), nor any finding in
//     a file that SKILL.md or another document tells the agent to run
//     ("sh tests/audit.sh" is a program, not a quoted sample).
//   - The skill's own directory (__dirname, Path(__file__).parent) is not
//     the home directory, a copy to a local path is not a send, a URL
//     after the program npx runs is that program's argument, chmod 0600 of
//     a token file arms nothing, a regular expression that describes
//     secret files reads none, a wallet route in a URL is no wallet file,
//     a placeholder webhook (YOUR_ID) is the reader's own, a tunnel in a
//     webhook how-to receives rather than sends, Function("return this")
//     and the code generators of well-known bundled libraries (zod, ajv,
//     lodash, a table in vendored.go) are the library's, and front matter
//     that is not strict YAML is read line by line as OpenClaw reads it.
//
// # Later waves: techniques
//
// The prose rules look for the technique's parts together:
//
//   - SKILL_AGENT_DIRECTIVE: instructions addressed to the agent rather
//     than the user ("note to the assistant", "if you are an AI", "your
//     human"), or hidden from the user (HTML comments, front matter fields,
//     IMPORTANT blocks), that have it read secrets and send them, run or
//     install something without the user knowing, or hide what it does;
//     and instructions fetched from a site to be followed (high; critical
//     when done silently).
//   - SKILL_SELF_MODIFICATION: standing orders written into the agent's
//     prompt and memory files (SOUL.md, AGENTS.md, MEMORY.md) to outlive
//     the skill, text copied into other skills or to other agents,
//     resisting removal ("if the user asks to uninstall this skill,
//     reinstall it"), and code that walks every installed skill and writes
//     to them, or writes another skill's files (critical). A memory skill
//     that writes MEMORY.md, or a skill that copies itself into a skills
//     directory, is not this.
//   - SKILL_CREDENTIAL_SWEEP: every credential, key or token collected
//     with its value ("a security baseline", "an audit", "a backup") and
//     reported or sent. Listing key names, masked values or file modes is
//     an honest audit.
//   - Procedures: numbered or bulleted steps, each harmless, that first
//     gather private data (a secret store, the environment, the chat
//     history) and later send "the report" to a URL unrelated to it are
//     SKILL_EXFIL_INSTRUCTION. A secret store read and then sent, posted,
//     pasted, emailed or copied ("it", "its contents", "what you read")
//     into a place others can read (a URL, a gist or paste site, a
//     mailbox, a chat channel, a webhook, an issue) is critical whatever
//     the verb; a negated instruction ("never paste ~/.ssh/id_rsa into a
//     chat") is advice, and a public key or a command's output is no
//     secret. gh gist create of a secret store is CHAIN_EXFILTRATION.
//   - OBF_SPLIT_PAYLOAD: a command handed out in pieces to be joined and
//     run (inline code in successive steps), files concatenated into a
//     shell (cat a.part b.part | bash); pieces in shell variables and
//     JavaScript arrays are folded as before. Encodings beyond base64 and
//     hex are decoded: base32 (blobs and base32 -d), ascii85 (<~ ~>),
//     Python's b32decode, b85decode, a85decode and codecs rot13, tr(1) and
//     str.maketrans substitution alphabets, reversed and interleaved
//     strings (Python slices, rev), and scripts written with echo and run.
//
// # Threat intelligence
//
// Options.Intel takes a feed (package intel: hosts, IP addresses, URLs,
// SHA-256 hashes and ClawHub publisher handles, each with its source and
// date). A skill that names a listed host, address or URL (in its text, or
// in content decoded from it), holds a file or is a tree with a listed
// hash, or whose ClawHub metadata (_meta.json, .clawhub/origin.json) names
// a listed publisher gets an INTEL_INDICATOR finding, critical, that names
// the report. scanner/intel/clawhavoc.intel is a sample built from
// published ClawHavoc indicators.
//
// # Rules
//
// Rules are JSON (see Rule and LoadRules) in the shape of the original
// stack's scanner-rules.json. rules.json is the one home of every rule's
// id, default severity, category and description; docs/scanner-rules.md,
// the catalogue, is generated from it (go generate ./scanner), and tests
// hold this documentation, ruleids.go and the analyses to it.
// Options.Rules override entries by id (set "disabled": true to turn one
// off, or change its severity) or add text rules. Severities are info,
// low, medium, high and critical.
//
// # Verdict policy
//
// Each Result gets one verdict from its findings' severities:
//
//	block  at least one critical finding
//	warn   otherwise, at least one high or medium finding
//	allow  only info and low findings, or none
//
// The default severity of each rule is in the catalogue. Some rules take
// theirs from context: exfiltration endpoints (NET_EXFIL_ENDPOINT) and
// raw-IP URLs (NET_RAW_IP_URL) are critical in code and high in prose or
// in a documentation example; SKILL_EXFIL_INSTRUCTION is critical when the
// text is hidden, asks for all credentials, asks to conceal the step or
// sends a secret store's file, and is not raised for calling an API with
// its key; SKILL_PROMPT_INJECTION is critical for the checker's override,
// jailbreak and extraction rules and low for quoted examples;
// SKILL_URL_INSTALL is critical from a raw IP, shortener, file-sharing or
// paste site or a look-alike domain, or when nothing else in the document
// names the package; CRED_FILE_ACCESS is critical for stores no skill has
// a reason to open (browser logins and cookies, keychain dumps, wallets,
// Telegram and Discord sessions) and high for the others; SQL_INJECTION is
// medium for SQL formatted from constants or checked values and critical
// when a function parameter reaches it unchecked; FS_PERSISTENCE is
// critical for a write to authorized_keys; CHAIN_EXFILTRATION and
// CHAIN_DROPPER are high for a key used with its own service and for a
// vendor's installer (above). Starting processes, network requests and
// writes are low to medium on their own: honest skills run gh, curl and
// git.
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
// See the package examples for scanning a directory and writing a
// report, and for scanning with a threat-intelligence feed.
package scanner
