// Package auditlog writes and verifies the stack's tamper-evident audit
// trail: one JSON object per line, each chained to the one before by a hash,
// so that editing, removing, inserting or reordering a record is detected.
// The Caddy guard, the CoreDNS egress plugin and the quarantine CLI all
// write through it; `stackaudit verify-log` checks what they wrote.
//
// # Writing
//
//	log, err := auditlog.Open("/var/log/openclaw/audit.jsonl", auditlog.Options{})
//	if err != nil { ... }
//	defer log.Close()
//	sum, n := auditlog.PromptDigest(prompt)
//	err = log.Write(auditlog.Event{
//		Event: "http.request", RequestID: id, ClientIP: ip, TokenName: "ci",
//		Route: "/v1/chat/completions", Outcome: "rejected", Rules: []string{"PI-001"},
//		Fields: map[string]any{"status": 400, "prompt_sha256": sum, "prompt_len": n},
//	})
//
// A file has one writer. Open takes an exclusive flock on PATH.lock (which
// holds the owner's pid and is never removed) and a second Open of the
// same path, from this process or another, fails with an error wrapping
// ErrLocked. Hosts that reload configuration keep one *Log per path.
//
// Nothing secret goes in: a token appears by name, a prompt only as
// PromptDigest (SHA-256 and length). Write refuses fields named prompt,
// authorization, password, secret, token, api_key or cookie.
//
// # Record format
//
// Each line is
//
//	{"seq":7,"prev":"<64 hex>","ts":"2026-01-02T03:04:05.123456789Z","event":"http.request",
//	 "request_id":"…","client_ip":"…","token_name":"…","route":"…","outcome":"…",
//	 "rules":[],"fields":{…},"hash":"<64 hex>"}
//
// (one line, no spaces). The eight base fields are always present; fields is
// left out when empty. Its keys are sorted, strings and integers are
// encoded like the base fields, and any other value by encoding/json
// (which sorts nested map keys), so the bytes are deterministic. seq
// counts from 1 across rotated files; prev is the previous record's hash,
// 64 zeros for seq 1.
//
// The canonical bytes of a record are the line without `,"hash":"…"`:
// everything up to the hash, then the closing brace. hash is the hex
// SHA-256 of the canonical bytes, or their HMAC-SHA256 when a key_file is
// set. Because the canonical bytes include prev, each hash covers the whole
// history before it. With plain SHA-256 the chain catches accidents and
// partial edits; only the HMAC key stops someone who can write the file
// from recomputing every hash after an edit. Keep the key off the log's
// disk or at least unreadable to the processes that could reach the log.
//
// The verifier accepts only the writer's exact spelling (key order, no
// whitespace, no escapes the writer would not produce, nine fraction
// digits in ts), so the bytes a hash covers are the bytes every reader sees.
//
// # Durability
//
// A Write encodes its event and queues it; whichever goroutine then writes
// the queue to the file gives each record its seq and prev and computes its
// hash, so concurrent writers share no more than an append to the queue.
// Options.Sync picks one of three modes. SyncAlways writes and fsyncs each
// record alone. SyncBatch (the default) is group commit: records from
// concurrent writers are written together and share one fsync, and each
// Write returns once its own record is durable. SyncNone buffers records
// and writes them every FlushInterval, or as soon as 256 KiB are waiting,
// without fsync. On Linux a commit's fsync is fdatasync(2): the file is
// only appended to, and fdatasync flushes the data and the new size, all
// that reading the records back needs; only the file's times may lag
// after a crash.
//
// Enqueue queues a record without waiting for the disk, whatever the mode,
// and commits it lazily: the background writer encodes, chains and writes
// it with the next group commit a Write starts, when 256 KiB are waiting,
// or at the latest after FlushInterval (fsynced under SyncBatch and
// SyncAlways by that group commit or by the interval's flush, so within
// FlushInterval; 256 KiB written for room are not fsynced on their own).
// Its caller pays neither the encoding, the hash nor the disk, and a burst
// of enqueued records shares one write, the records of an interval one
// fsync. A caller
// that acts before its record is durable (the guard's audit_mode async)
// trades the records of a crash window (at most FlushInterval) for
// throughput; Enqueue still fails once a write has failed, so the caller
// can refuse to act without a log.
//
// # Rotation
//
// With RotateSize or RotateAge set, the active file is renamed to
// PATH.<seq of its first record, 20 digits> (so names sort in chain order)
// and a new PATH is started. The first record of the new file chains to
// the last record of the old one. Rotation happens before a write that
// would pass RotateSize, and on the first write after the file is
// RotateAge old.
//
// # Checkpoints
//
// Every CheckpointInterval (when there are new records), at Log.Sync and
// at Close, the writer fsyncs the log and atomically replaces the checkpoint
// file (PATH.checkpoint unless set) with {"seq":N,"hash":"…","file":"…","ts":"…"}.
// Given the checkpoint, the verifier reports a log that ends before seq N,
// or has another hash there, as truncated. A checkpoint on the same disk
// as the log only helps against accidents and careless attackers: ship it
// off the box, for example from cron or a systemd timer with
//
//	logger -t openclaw-audit-checkpoint -f /var/log/openclaw/audit.jsonl.checkpoint
//
// (to a remote syslog), or by copying it to storage the host cannot
// rewrite, and verify against the shipped copy.
//
// # Crash recovery
//
// A crash can leave a partial last line. The verifier reports it as a torn
// tail, not as tampering: in SyncAlways and SyncBatch no Write that returned
// nil can be in it. On the next Open the writer cuts the partial line off,
// writes an "auditlog.torn_tail" event with the offset and byte count, and
// continues the chain. Open refuses to continue a chain whose last record
// does not verify (a wrong key_file, or an edited file) or that ends before
// the checkpoint.
//
// # Configuration
//
// Options.Set parses the sub-directives every host accepts in its
// audit_log block, so the Caddy guard and the CoreDNS plugin read them
// the same way:
//
//	sync batch                  # always | batch | none
//	key_file /etc/openclaw/audit.key
//	rotate_size 100MiB
//	rotate_age 24h
//	checkpoint /var/lib/openclaw/audit.checkpoint   # or off
//	checkpoint_interval 1m
//	flush_interval 1s
//
// # Verifying
//
// Verify checks one or more files of a log, in any order (Files lists a
// log's files), following the chain across rotated files and reporting the
// first bad record by file, line, seq and reason in Report.Problem. A chain
// must start at seq 1 unless VerifyOptions.Partial is set. The command line
// is
//
//	stackaudit verify-log [--key-file K] [--checkpoint C] [--format json] FILE...
//
// which exits 0 when the log is intact, 1 when it is not, and 2 when it
// cannot be read.
package auditlog
