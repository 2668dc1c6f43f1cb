// Package auth verifies the bearer tokens that clients present to the guard.
//
// Tokens are named. A token file has one token per line, `NAME SECRET` or
// `NAME sha256:HEX`, with `#` comments and blank lines ignored:
//
//	# who            secret or its SHA-256
//	alice            2yNqk2v6h0Vq3mJ4bXoT1c8w0r5dKpZs7uEaLfGiHjY
//	ci-bot           sha256:5e884898da28047151d0e56f8dc6292773603d0d6aabbdd62a11ef721d1542d8
//
// Only SHA-256 digests are kept in memory. Verify hashes the presented secret
// once and compares it, in constant time, with every configured digest: the
// time taken does not depend on which token matched, or whether one did. The
// audit log records a token's NAME, never its secret.
//
//	tokens, err := auth.LoadTokenFile("/etc/openclaw-guard/tokens")
//	v, err := auth.NewVerifier(tokens)
//	secret, err := auth.BearerToken(r)      // RFC 6750 header parsing
//	name, ok := v.Verify(secret)
//
// A TokenSet keeps tokens live: it re-reads token files when they change
// (Reload, or Watch on a ticker), swaps the whole set at once, and keeps a
// file's last good tokens when the new version cannot be parsed. A name may
// be on two lines while its secret is rotated; both secrets are valid until
// the old line is removed.
//
//	set, err := auth.NewTokenSet(nil, "/etc/openclaw-guard/tokens")
//	go set.Watch(ctx, time.Second, func(changed bool, err error) { ... })
//	name, ok := set.Verify(secret)
//
// A Limiter counts failed attempts per client address in a token bucket, so a
// client that keeps guessing gets 429 with a Retry-After. Generate makes a new
// secret of 32 random bytes.
package auth
