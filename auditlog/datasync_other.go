//go:build !linux

package auditlog

import "os"

// dataSync makes what was appended to f durable: fsync where fdatasync is
// not known to flush the size of an appended file.
func dataSync(f *os.File) error { return f.Sync() }
