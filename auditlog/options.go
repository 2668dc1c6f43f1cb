package auditlog

import (
	"fmt"
	"strconv"
	"strings"
	"time"
)

// Sync says when a record reaches the disk.
type Sync string

const (
	// SyncAlways writes and fsyncs each record on its own before Write returns.
	SyncAlways Sync = "always"
	// SyncBatch (the default) is group commit: concurrent writers share one
	// write and one fsync, and Write returns once its record is durable.
	SyncBatch Sync = "batch"
	// SyncNone buffers records and writes them every FlushInterval (or when
	// the buffer fills) without fsync. A crash loses the buffered records.
	SyncNone Sync = "none"
)

// Defaults used when an Options field is zero.
const (
	DefaultCheckpointInterval = time.Minute
	DefaultFlushInterval      = time.Second
)

// Options configures a Log. The zero value is valid: batch sync, no key, no
// rotation, a checkpoint beside the log every minute.
type Options struct {
	// Sync is the durability mode; "" means SyncBatch.
	Sync Sync
	// KeyFile holds the HMAC-SHA256 key (at least 16 bytes; trailing
	// newlines are ignored). Without it records are chained with plain
	// SHA-256, which detects accidents and edits but not an attacker who
	// recomputes the whole chain.
	KeyFile string
	// RotateSize starts a new file before a write would take the active
	// file past this many bytes. 0 disables size rotation.
	RotateSize int64
	// RotateAge starts a new file on the first write after the active file
	// is this old. 0 disables age rotation.
	RotateAge time.Duration
	// Checkpoint is the checkpoint file; "" means PATH.checkpoint and "off"
	// disables checkpoints.
	Checkpoint string
	// CheckpointInterval is how often the checkpoint is rewritten when new
	// records exist; 0 means DefaultCheckpointInterval.
	CheckpointInterval time.Duration
	// FlushInterval is how often SyncNone writes its buffer; 0 means
	// DefaultFlushInterval.
	FlushInterval time.Duration
	// Now is the clock (time.Now when nil). Tests inject their own.
	Now func() time.Time
}

// Set sets one option from its configuration-file spelling, so that every
// host (the Caddy guard, the CoreDNS plugin, a CLI flag) parses the same
// sub-directives the same way:
//
//	sync always|batch|none
//	key_file PATH
//	rotate_size 100MiB          (B, KB, MB, GB, KiB, MiB, GiB; 0 = off)
//	rotate_age 24h              (Go duration; 0 = off)
//	checkpoint PATH|off
//	checkpoint_interval 1m
//	flush_interval 1s
//
// The error names the option and the value that was refused, without this
// package's name: a host puts it after its own directive ("audit_log: option
// sync \"x\": want always, batch or none").
func (o *Options) Set(name, value string) error {
	var err error
	switch name {
	case "sync":
		switch Sync(value) {
		case SyncAlways, SyncBatch, SyncNone:
			o.Sync = Sync(value)
		default:
			err = fmt.Errorf("want always, batch or none")
		}
	case "key_file":
		o.KeyFile, err = nonEmpty(value)
	case "checkpoint":
		o.Checkpoint, err = nonEmpty(value)
	case "rotate_size":
		o.RotateSize, err = parseSize(value)
	case "rotate_age":
		o.RotateAge, err = parseDuration(value, true)
	case "checkpoint_interval":
		o.CheckpointInterval, err = parseDuration(value, false)
	case "flush_interval":
		o.FlushInterval, err = parseDuration(value, false)
	default:
		return fmt.Errorf("unknown option %q (want sync, key_file, rotate_size, rotate_age, checkpoint, checkpoint_interval or flush_interval)", name)
	}
	if err != nil {
		return fmt.Errorf("option %s %q: %w", name, value, err)
	}
	return nil
}

func nonEmpty(v string) (string, error) {
	if v == "" {
		return "", fmt.Errorf("want a path")
	}
	return v, nil
}

func parseDuration(v string, zeroOK bool) (time.Duration, error) {
	d, err := time.ParseDuration(v)
	if err != nil || d < 0 || (d == 0 && !zeroOK) {
		return 0, fmt.Errorf("want a positive Go duration such as 500ms, 1m or 24h")
	}
	return d, nil
}

var sizeUnits = []struct {
	suffix string
	mult   int64
}{
	{"KiB", 1 << 10}, {"MiB", 1 << 20}, {"GiB", 1 << 30},
	{"KB", 1e3}, {"MB", 1e6}, {"GB", 1e9}, {"B", 1},
}

// parseSize reads a byte count such as 1048576, 100MiB or 10MB.
func parseSize(v string) (int64, error) {
	num, mult := v, int64(1)
	for _, u := range sizeUnits {
		if n, ok := strings.CutSuffix(v, u.suffix); ok {
			num, mult = strings.TrimSpace(n), u.mult
			break
		}
	}
	n, err := strconv.ParseInt(num, 10, 64)
	if err != nil || n < 0 || n > (1<<62)/mult {
		return 0, fmt.Errorf("want a byte count such as 1048576, 100MiB or 10MB")
	}
	return n * mult, nil
}

// withDefaults returns o with zero fields filled in for the log at path.
func (o Options) withDefaults(path string) (Options, error) {
	switch o.Sync {
	case "":
		o.Sync = SyncBatch
	case SyncAlways, SyncBatch, SyncNone:
	default:
		return o, fmt.Errorf("auditlog: option sync %q: want always, batch or none", o.Sync)
	}
	if o.RotateSize < 0 || o.RotateAge < 0 || o.CheckpointInterval < 0 || o.FlushInterval < 0 {
		return o, fmt.Errorf("auditlog: rotate_size, rotate_age, checkpoint_interval and flush_interval must not be negative")
	}
	if o.Checkpoint == "" {
		o.Checkpoint = path + ".checkpoint"
	}
	if o.CheckpointInterval == 0 {
		o.CheckpointInterval = DefaultCheckpointInterval
	}
	if o.FlushInterval == 0 {
		o.FlushInterval = DefaultFlushInterval
	}
	if o.Now == nil {
		o.Now = time.Now
	}
	return o, nil
}
