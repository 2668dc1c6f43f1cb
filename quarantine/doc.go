// Package quarantine keeps the list of scanned OpenClaw skills in SQLite and
// moves blocked skills out of OpenClaw's load directories, so that a skill
// the scanner blocks cannot load.
//
// It does not scan: callers pass in scan results as plain data (ScanResult,
// which is scanner.Result, from package scanner/result), which keeps this
// package free of cgo. The bin/quarantine command links both.
//
// # Database
//
// Open creates the database file with mode 0600 (and its directory with
// 0700), uses WAL with a busy timeout, begins every transaction IMMEDIATE,
// and applies versioned schema migrations (PRAGMA user_version). A file
// that is not a database or fails PRAGMA quick_check gives a
// *DamagedError, before anything is moved. Several processes may share one
// database: writes wait for each other up to Options.BusyTimeout.
//
// Tables: skills (name, path, sha256 tree hash, verdict, findings JSON,
// status, quarantine path, first_seen, last_scanned), overrides (skill,
// sha256, user, ack, time), events (every state change) and moves (the
// move journal).
//
// # Statuses
//
//	active       in its load directory; verdict allow or warn
//	blocked      verdict block, still in its load directory
//	quarantined  moved to the quarantine directory (dirs 0700, files 0600)
//	overridden   verdict block, accepted by an override of this exact hash
//	removed      gone from its load directory
//
// # Physical quarantine
//
// Quarantine moves a blocked skill's directory into Options.QuarantineDir.
// The move is journalled first and runs under a lock file beside the
// database. On one file system it is one rename(2); across file systems the
// tree is copied to a dot-named sibling of the destination and synced, the
// source is renamed aside to a dot-named sibling, the copy is renamed into
// place and the source removed. OpenClaw skips dot-named directories, so a
// load directory never shows a partial tree. A move interrupted by a crash
// is finished, or rolled back if its source never left, by the next
// process that takes the lock (Open does). Release and Override restore the
// directory with its original modes after checking that its tree hash is
// still the one that was reviewed.
//
// # Overrides
//
// Override needs the exact acknowledgement AckPhrase and a user name, and
// binds to the skill's sha256: Record gives a changed skill the status
// blocked again, and the install policy (Decide with Store.Overridden)
// accepts only the same bytes.
//
// # Install policy
//
// ParsePolicyRequest and Decide implement OpenClaw's security.installPolicy
// protocol: the request on stdin, a {"protocolVersion":1,"decision":...}
// reply on stdout, findings mapped to info, warn and critical, texts capped
// at 1,000 characters and 100 findings. PolicyError is the reply when a
// request cannot be decided: block.
//
// # Audit
//
// Every state change is written to the events table in the transaction
// that makes it, then to the audit log (Options.OpenAudit) as
// quarantine.scan, quarantine.move, quarantine.override,
// quarantine.recover, quarantine.removed or quarantine.policy. Events that
// could not be written stay queued and go out with the next run.
//
// # Examples
//
// See the package examples: a blocked skill recorded and quarantined, and
// an install policy decision.
package quarantine
