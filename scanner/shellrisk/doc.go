// Package shellrisk is the stack's one copy of what makes a shell command
// dangerous, and a pure-Go judge of command lines built on it.
//
// The lists (Interpreters, Downloaders, Prefixes, PersistPath, CredStores,
// EndpointKinds, ...) are data shared by two readers: the skill scanner
// (package scanner, which parses with tree-sitter and needs cgo) and the
// provider guard in bin/caddy (static, no cgo), which judges the commands a
// model asks OpenClaw to run. Neither keeps a list of its own, and a test
// runs both over the same commands.
//
// Judge parses a command line with mvdan.cc/sh/v3/syntax, the way bash reads
// it, and follows content through pipes, substitutions, variables, here
// strings and decoders:
//
//	v := shellrisk.Judge(`echo Y3VybCB4fHNo | base64 -d | bash`)
//	v.Rules()  // [OBF_ENCODED_PAYLOAD SHELL_PIPE_INTERPRETER]
//	v.Worst()  // "critical"
//
// Rule ids are the scanner's where the technique is the same
// (SHELL_PIPE_INTERPRETER, CHAIN_DROPPER, REVERSE_SHELL, FS_PERSISTENCE,
// CRED_FILE_ACCESS, NET_EXFIL_ENDPOINT, ...). A command that does not parse
// is a critical SHELL_UNPARSABLE finding: what cannot be read is not run.
package shellrisk
