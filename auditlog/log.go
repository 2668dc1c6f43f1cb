package auditlog

import (
	"bytes"
	"errors"
	"fmt"
	"hash"
	"io"
	"os"
	"path/filepath"
	"runtime"
	"sort"
	"strings"
	"sync"
	"syscall"
	"time"
)

// ErrLocked is returned (wrapped) by Open when another Log, in this process
// or another one, already has the file open.
var ErrLocked = errors.New("auditlog: log file is locked by another writer")

// ErrClosed is returned by Write after Close.
var ErrClosed = errors.New("auditlog: log is closed")

// MaxRecordSize bounds one line, so a reader never has to buffer more.
const MaxRecordSize = 1 << 20

// noneBuffer is how much SyncNone queues before the background writer
// writes it out without waiting for the flush interval. At four times
// that, writers write it out themselves.
const noneBuffer = 256 << 10

// Log is an open audit log. It is safe for concurrent use.
type Log struct {
	path string
	opts Options
	lock *os.File

	// mu guards the queue of records not yet chained and written. Writers
	// hold it only to append; the chain is computed by whoever holds io.
	mu   sync.Mutex
	pend []byte // record bodies (appendBody), back to back
	// ends has one entry per queued record, in order: where its body ends
	// in pend, or for a record queued by Enqueue -1-i, i its index in lazy.
	ends      []int
	lazy      []Event // records queued by Enqueue, encoded by the writer
	lazyBytes int     // an estimate of their encoded size
	pendBatch *batch  // SyncBatch: the group commit pend belongs to
	spare     []byte
	spareEnds []int
	spareLazy []Event
	err       error // sticky: after a failed write the file may end in a partial line
	closed    bool

	// io guards the chain and the file: writes, fsync, rotation, checkpoints.
	io        sync.Mutex
	h         hash.Hash
	sum       []byte
	seq       uint64   // last record chained (and handed to the file)
	prev      [64]byte // hex hash of record seq
	out       []byte   // the lines being written
	f         *os.File
	size      int64
	unsynced  bool
	fileFirst uint64    // seq of the active file's first record
	fileStart time.Time // when the active file got its first record
	cpSeq     uint64    // last record named by the checkpoint
	fsyncs    int       // of the log file, for the benchmark's events per fsync

	kick chan struct{}
	stop chan struct{}
	done chan struct{}
}

// Open opens (creating if needed) the audit log at path and continues its
// chain. Only one Log may have a path open at a time: a second Open, from
// this process or another, fails with an error wrapping ErrLocked.
//
// If the file ends in a partial line (a crash or power loss in the middle of
// a write), Open cuts it off and writes an "auditlog.torn_tail" event saying
// so. Open refuses to continue a chain it cannot trust: a last record that
// does not verify with the configured key, or a log that ends before the
// checkpoint.
func Open(path string, opts Options) (*Log, error) {
	o, err := opts.withDefaults(path)
	if err != nil {
		return nil, err
	}
	var key []byte
	if o.KeyFile != "" {
		if key, err = ReadKeyFile(o.KeyFile); err != nil {
			return nil, err
		}
	}
	if err := os.MkdirAll(filepath.Dir(path), 0o700); err != nil {
		return nil, fmt.Errorf("auditlog: create directory for %s: %w", path, err)
	}
	lock, err := lockFile(path)
	if err != nil {
		return nil, err
	}
	l := &Log{
		path: path, opts: o, lock: lock, h: newHash(key),
		kick: make(chan struct{}, 1), stop: make(chan struct{}), done: make(chan struct{}),
	}
	torn, err := l.recover()
	if err != nil {
		if l.f != nil {
			l.f.Close()
		}
		lock.Close()
		return nil, err
	}
	go l.run()
	if torn != nil {
		err := l.Write(Event{Event: "auditlog.torn_tail", Outcome: OutcomeTruncated, Fields: map[string]any{
			"file": filepath.Base(path), "offset": torn.Offset, "bytes": torn.Bytes,
		}})
		if err != nil {
			l.Close()
			return nil, err
		}
	}
	return l, nil
}

// lockFile takes an exclusive flock on PATH.lock. The lock is on a separate
// file because rotation renames the log itself. The lock file is never
// removed: removing a flock file races with the next opener.
func lockFile(path string) (*os.File, error) {
	name := path + ".lock"
	f, err := os.OpenFile(name, os.O_RDWR|os.O_CREATE, 0o600)
	if err != nil {
		return nil, fmt.Errorf("auditlog: open lock file: %w", err)
	}
	if err := syscall.Flock(int(f.Fd()), syscall.LOCK_EX|syscall.LOCK_NB); err != nil {
		owner, _ := io.ReadAll(io.LimitReader(f, 32))
		f.Close()
		if errors.Is(err, syscall.EWOULDBLOCK) {
			return nil, fmt.Errorf("%w: %s is held by pid %s; a log has one writer, so share one *auditlog.Log per path", ErrLocked, name, strings.TrimSpace(string(owner)))
		}
		return nil, fmt.Errorf("auditlog: lock %s: %w", name, err)
	}
	if err := f.Truncate(0); err == nil {
		f.WriteAt([]byte(fmt.Sprintf("%d\n", os.Getpid())), 0)
	}
	return f, nil
}

// tornTail describes the bytes Open cut off the end of the active file.
type tornTail struct{ Offset, Bytes int64 }

// recover opens the active file, finishes an interrupted rotation, cuts off
// a torn tail and loads the chain head.
func (l *Log) recover() (*tornTail, error) {
	f, err := os.OpenFile(l.path, os.O_RDWR|os.O_CREATE|os.O_APPEND, 0o600)
	if err != nil {
		return nil, fmt.Errorf("auditlog: %w", err)
	}
	l.f = f
	st, err := f.Stat()
	if err != nil {
		return nil, fmt.Errorf("auditlog: %w", err)
	}
	l.size = st.Size()
	if l.size == 0 {
		// The file may be new: its name must survive a power cut too.
		if err := syncDir(filepath.Dir(l.path)); err != nil {
			return nil, fmt.Errorf("auditlog: %w", err)
		}
	}
	if l.size > 0 {
		if err := l.finishRotation(st); err != nil {
			return nil, err
		}
	}
	var torn *tornTail
	if l.size > 0 {
		nl, err := lastIndexByte(l.f, l.size, '\n')
		if err != nil {
			return nil, fmt.Errorf("auditlog: read %s: %w", l.path, err)
		}
		if end := nl + 1; end < l.size {
			torn = &tornTail{Offset: end, Bytes: l.size - end}
			if err := l.f.Truncate(end); err != nil {
				return nil, fmt.Errorf("auditlog: cut torn tail of %s: %w", l.path, err)
			}
			if err := l.f.Sync(); err != nil {
				return nil, fmt.Errorf("auditlog: %w", err)
			}
			l.size = end
		}
	}
	headFile, headSize := l.f, l.size
	if l.size > 0 {
		first, _, err := readRecordAt(l.f, 0, l.h)
		if err != nil {
			return nil, fmt.Errorf("auditlog: first record of %s: %w; run stackaudit verify-log and move the file aside", l.path, err)
		}
		l.fileFirst, l.fileStart = first.Seq, first.Time
	} else if name, err := newestRotated(l.path); err != nil {
		return nil, err
	} else if name != "" {
		rf, err := os.Open(name)
		if err != nil {
			return nil, fmt.Errorf("auditlog: %w", err)
		}
		defer rf.Close()
		st, err := rf.Stat()
		if err != nil {
			return nil, fmt.Errorf("auditlog: %w", err)
		}
		headFile, headSize = rf, st.Size()
	}
	if headSize > 0 {
		rec, err := readLastRecord(headFile, headSize, l.h)
		if err != nil {
			return nil, fmt.Errorf("auditlog: last record of %s: %w; run stackaudit verify-log on the log and move it aside to start a new chain", headFile.Name(), err)
		}
		l.seq = rec.Seq
		copy(l.prev[:], rec.Hash)
	} else {
		copy(l.prev[:], genesis)
	}
	l.cpSeq = l.seq
	return torn, l.checkCheckpoint()
}

// finishRotation completes a rotation that crashed between linking the
// active file to its rotated name and removing the active name.
func (l *Log) finishRotation(st os.FileInfo) error {
	first, _, err := readRecordAt(l.f, 0, nil)
	if err != nil {
		return nil // reported with context by recover
	}
	rst, err := os.Stat(rotatedName(l.path, first.Seq))
	if err != nil || !os.SameFile(st, rst) {
		return nil
	}
	l.f.Close()
	if err := os.Remove(l.path); err != nil {
		return fmt.Errorf("auditlog: finish interrupted rotation of %s: %w", l.path, err)
	}
	l.f, err = os.OpenFile(l.path, os.O_RDWR|os.O_CREATE|os.O_APPEND, 0o600)
	if err != nil {
		return fmt.Errorf("auditlog: %w", err)
	}
	l.size = 0
	return nil
}

// checkCheckpoint refuses to continue a chain that ends before the
// checkpoint or disagrees with it: someone truncated or replaced the log.
func (l *Log) checkCheckpoint() error {
	if l.opts.Checkpoint == "off" {
		return nil
	}
	cp, err := ReadCheckpoint(l.opts.Checkpoint)
	if errors.Is(err, os.ErrNotExist) {
		return nil
	}
	if err != nil {
		return err
	}
	hint := "; run stackaudit verify-log, keep the files as evidence, and move them and the checkpoint aside to start a new chain"
	if l.seq < cp.Seq {
		return fmt.Errorf("auditlog: %s ends at seq %d but checkpoint %s records seq %d: the log was truncated or replaced%s", l.path, l.seq, l.opts.Checkpoint, cp.Seq, hint)
	}
	if l.seq == cp.Seq && cp.Hash != string(l.prev[:]) {
		return fmt.Errorf("auditlog: record %d of %s has a different hash than checkpoint %s: the log was rewritten%s", l.seq, l.path, l.opts.Checkpoint, hint)
	}
	l.cpSeq = cp.Seq
	return nil
}

// rotatedName is the name a file gets when it is rotated: the log's path
// plus the first seq it holds, zero-padded so that names sort in order.
func rotatedName(path string, firstSeq uint64) string {
	return fmt.Sprintf("%s.%020d", path, firstSeq)
}

// Files returns the files of the log at path, oldest first: its rotated
// siblings (PATH.<20 digits>) and then path itself. It is what to give
// Verify for a whole log.
func Files(path string) ([]string, error) {
	files, err := rotatedFiles(path)
	return append(files, path), err
}

// RotatedOf reports whether name is a rotated file (ACTIVE.<20 digits>)
// and the active file it belongs to.
func RotatedOf(name string) (active string, ok bool) {
	i := strings.LastIndexByte(name, '.')
	if i < 0 || len(name)-i-1 != 20 || strings.Trim(name[i+1:], "0123456789") != "" {
		return "", false
	}
	return name[:i], true
}

// rotatedFiles lists the rotated siblings of path, oldest first.
func rotatedFiles(path string) ([]string, error) {
	matches, err := filepath.Glob(globEscape(path) + ".[0-9]*")
	if err != nil {
		return nil, fmt.Errorf("auditlog: list rotated files of %s: %w", path, err)
	}
	var out []string
	for _, m := range matches {
		if active, ok := RotatedOf(m); ok && active == path {
			out = append(out, m)
		}
	}
	sort.Strings(out)
	return out, nil
}

func newestRotated(path string) (string, error) {
	files, err := rotatedFiles(path)
	if err != nil || len(files) == 0 {
		return "", err
	}
	return files[len(files)-1], nil
}

func globEscape(s string) string {
	var b strings.Builder
	for _, r := range s {
		if strings.ContainsRune(`*?[\`, r) {
			b.WriteByte('\\')
		}
		b.WriteRune(r)
	}
	return b.String()
}

// Write appends e to the log and returns once it is as durable as
// Options.Sync promises. A zero e.Time is set to the current time. After a
// failed write every later Write fails too, because the file may end in a
// partial record; reopening the log repairs it.
func (l *Log) Write(e Event) error {
	if l.opts.Sync == SyncAlways {
		l.io.Lock()
		defer l.io.Unlock()
	}
	b, pending, err := l.append(e)
	if err != nil {
		return err
	}
	switch l.opts.Sync {
	case SyncAlways:
		return l.flushLocked(fsyncAlways)
	case SyncBatch:
		<-b.done
		return b.err
	}
	if pending >= noneBuffer {
		l.kickWriter()
	}
	if pending < 4*noneBuffer {
		return nil
	}
	// The background writer is behind: wait for the disk like it does.
	l.io.Lock()
	defer l.io.Unlock()
	return l.flushLocked(fsyncNever)
}

// Enqueue appends e to the log without waiting for the disk, and commits it
// lazily: the background writer encodes it, chains it and writes it with
// the next group commit that a Write starts, when 256 KiB are waiting, or
// at the latest after FlushInterval, fsynced as Options.Sync says (under
// SyncBatch and SyncAlways the record is durable within FlushInterval: it
// is fsynced with the next group commit or at the next interval, whichever
// comes first; 256 KiB of enqueued records alone are written, not
// fsynced, since nobody waits for them). Encoding, hashing and the disk are
// all off the caller's path, and a burst of enqueued records shares one
// write, and the records of a flush interval one fsync. It is for callers
// that may act before their record is durable and accept that a crash in
// that window loses it (the guard's audit_mode async).
//
// Enqueue checks what it can at once (the time, the field names) and
// fails, like Write, once a write has failed or the log is closed, so a
// caller that refuses to act without a record still fails closed. A record
// the writer cannot encode after all (a field value encoding/json refuses,
// or a record over MaxRecordSize) is logged as an "auditlog.encode_failed"
// record naming it instead. The log keeps e.Fields, e.FieldList and e.Rules
// until the record is written: the caller must not change them afterwards.
// When the writer falls far behind, Enqueue waits for the disk like Write
// does, so the queue stays bounded.
func (l *Log) Enqueue(e Event) error {
	if e.Time.IsZero() {
		e.Time = l.opts.Now()
	}
	if err := checkEvent(&e); err != nil {
		return err
	}
	l.mu.Lock()
	if err := l.refusing(); err != nil {
		l.mu.Unlock()
		return err
	}
	l.ends = append(l.ends, -1-len(l.lazy))
	l.lazy = append(l.lazy, e)
	l.lazyBytes += estimateSize(&e)
	pending := len(l.pend) + l.lazyBytes
	l.mu.Unlock()
	if pending < 4*noneBuffer {
		if pending >= noneBuffer {
			l.kickWriter()
		}
		return nil
	}
	l.io.Lock()
	defer l.io.Unlock()
	return l.flushLocked(l.fsyncDue())
}

// checkTime refuses an event whose time has no canonical spelling.
func checkTime(e *Event) error {
	if y := e.Time.UTC().Year(); y < 0 || y > 9999 {
		return fmt.Errorf("auditlog: event %q: time %v is outside years 0 to 9999", e.Event, e.Time)
	}
	return nil
}

// checkEvent refuses what checkTime refuses, and fields that would log a
// secret (marshalFields checks them too, for Write).
func checkEvent(e *Event) error {
	if err := checkTime(e); err != nil {
		return err
	}
	for k := range e.Fields {
		if forbiddenFields[k] {
			return forbiddenErr(e, k)
		}
	}
	for _, f := range e.FieldList {
		if forbiddenFields[f.Key] {
			return forbiddenErr(e, f.Key)
		}
	}
	if len(e.Fields) > 0 && len(e.FieldList) > 0 {
		return fmt.Errorf("auditlog: event %q has both Fields and FieldList", e.Event)
	}
	return nil
}

// estimateSize is about what e takes encoded, for the queue's bound.
func estimateSize(e *Event) int {
	n := 256 + len(e.Event) + len(e.RequestID) + len(e.ClientIP) + len(e.TokenName) + len(e.Route) + len(e.Outcome)
	for _, r := range e.Rules {
		n += len(r) + 3
	}
	return n + 64*e.numFields()
}

// Err is the error that makes Write and Enqueue refuse new records (a
// failed write, sticky until the log is reopened, or ErrClosed), or nil.
// A caller that acts now and records afterwards (the egress proxy writes a
// tunnel's record when it ends) checks it first, so that a log that can no
// longer be written stops the action instead of losing its record.
func (l *Log) Err() error {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.refusing()
}

// refusing is the error that stops new records: a closed log or a failed
// write. l.mu is held.
func (l *Log) refusing() error {
	if l.closed {
		return ErrClosed
	}
	return l.err
}

// appendLazy appends the body of a record queued by Enqueue. One that
// cannot be encoded is replaced by an auditlog.encode_failed record naming
// it, so the chain still shows it was there.
func appendLazy(dst []byte, e *Event) []byte {
	n := len(dst)
	dst, err := appendEncoded(dst, e)
	if err == nil {
		if len(dst)-n <= MaxRecordSize-hashSuffixLen-128 {
			return dst
		}
		err = fmt.Errorf("auditlog: event %q is larger than %d bytes", e.Event, MaxRecordSize)
	}
	dst = dst[:n]
	failed := Event{Time: e.Time, Event: "auditlog.encode_failed", RequestID: clip(e.RequestID), ClientIP: clip(e.ClientIP),
		TokenName: clip(e.TokenName), Route: clip(e.Route), Outcome: OutcomeError,
		Fields: map[string]any{"event": clip(e.Event), "outcome": clip(string(e.Outcome)), "error": clip(err.Error())}}
	fields, _ := marshalFields(&failed)
	return appendBody(dst, &failed, fields)
}

func clip(s string) string {
	if len(s) > 512 {
		return s[:512]
	}
	return s
}

// kickWriter wakes the background writer without waiting for it.
func (l *Log) kickWriter() {
	select {
	case l.kick <- struct{}{}:
	default:
	}
}

// append encodes e and queues it. The record gets its seq and hash when it
// is written, so writers share no more than this append. In SyncBatch it
// returns the group commit the record belongs to, already kicked; pending
// is the number of bytes now queued.
func (l *Log) append(e Event) (b *batch, pending int, err error) {
	if e.Time.IsZero() {
		e.Time = l.opts.Now()
	}
	if err := checkTime(&e); err != nil {
		return nil, 0, err
	}
	body, err := appendEncoded(make([]byte, 0, 256+64*e.numFields()), &e)
	if err != nil {
		return nil, 0, err
	}
	if len(body) > MaxRecordSize-hashSuffixLen-128 {
		return nil, 0, fmt.Errorf("auditlog: event %q is larger than %d bytes; log less detail in fields", e.Event, MaxRecordSize)
	}
	l.mu.Lock()
	defer l.mu.Unlock()
	if err := l.refusing(); err != nil {
		return nil, 0, err
	}
	l.pend = append(l.pend, body...)
	l.ends = append(l.ends, len(l.pend))
	if l.opts.Sync == SyncBatch {
		if l.pendBatch == nil {
			l.pendBatch = &batch{done: make(chan struct{})}
		}
		b = l.pendBatch
		l.kickWriter()
	}
	return b, len(l.pend) + l.lazyBytes, nil
}

// batch is one group commit: the records written and fsynced together.
// done is closed when they are durable or err is set.
type batch struct {
	done chan struct{}
	err  error
}

// fsyncWhen says when flushLocked fsyncs.
type fsyncWhen uint8

const (
	fsyncNever  fsyncWhen = iota
	fsyncAlways           // whatever was written and is not yet on the disk
	// fsyncForWrites fsyncs only when a Write waits for the records (a
	// SyncBatch group commit). Records that only Enqueue queued are
	// written and left to the flush interval's fsync, which comes within
	// FlushInterval as Enqueue promises: under load, one fsync per
	// interval instead of one per 256 KiB of records.
	fsyncForWrites
)

// fsyncDue is the fsync of the flush interval and of a queue that has to
// be written out at once: none under SyncNone.
func (l *Log) fsyncDue() fsyncWhen {
	if l.opts.Sync == SyncNone {
		return fsyncNever
	}
	return fsyncAlways
}

// fsyncForWrites is the fsync of a flush that a write or a full queue
// asked for: none under SyncNone.
func (l *Log) fsyncForWrites() fsyncWhen {
	if l.opts.Sync == SyncNone {
		return fsyncNever
	}
	return fsyncForWrites
}

// flushLocked chains every queued record, hands the lines to the file
// (rotating first if needed) and fsyncs as when says. l.io is held; l.mu
// is not, so writers keep queueing the next batch meanwhile.
func (l *Log) flushLocked(when fsyncWhen) error {
	l.mu.Lock()
	bodies, ends, lazy, b := l.pend, l.ends, l.lazy, l.pendBatch
	l.pend, l.ends, l.lazy, l.lazyBytes, l.pendBatch = l.spare[:0], l.spareEnds[:0], l.spareLazy[:0], 0, nil
	err := l.err
	l.mu.Unlock()
	sync := when == fsyncAlways || when == fsyncForWrites && b != nil
	if b != nil {
		defer func() { b.err = err; close(b.done) }()
	}
	if err != nil {
		return err
	}
	if len(ends) > 0 {
		first := l.seq + 1
		l.out = l.out[:0]
		start := 0
		for _, end := range ends {
			line := len(l.out)
			l.out = appendHead(l.out, l.seq+1, l.prev[:])
			if end < 0 {
				l.out = appendLazy(l.out, &lazy[-1-end])
			} else {
				l.out = append(l.out, bodies[start:end]...)
				start = end
			}
			l.h.Reset()
			l.h.Write(l.out[line:])
			l.sum = l.h.Sum(l.sum[:0])
			encodeHex(l.prev[:], l.sum)
			l.out = appendHash(l.out[:len(l.out)-1], l.prev[:])
			l.seq++
		}
		if err = l.rotateIfDue(len(l.out), first); err == nil {
			var n int
			n, err = l.f.Write(l.out)
			l.size += int64(n)
			l.unsynced = true
		}
	}
	if err == nil && sync && l.unsynced {
		l.fsyncs++
		if err = dataSync(l.f); err == nil {
			l.unsynced = false
		}
	}
	clear(lazy) // let go of the events' fields
	l.mu.Lock()
	l.spare, l.spareEnds, l.spareLazy = bodies[:0], ends[:0], lazy[:0]
	if err != nil {
		err = fmt.Errorf("auditlog: write %s: %w; no further records are accepted until the log is reopened", l.path, err)
		l.err = err
	}
	l.mu.Unlock()
	return err
}

// rotateIfDue starts a new active file when writing n more bytes would pass
// RotateSize or the active file is older than RotateAge. first is the seq
// of the first record about to be written. l.io is held.
func (l *Log) rotateIfDue(n int, first uint64) error {
	now := l.opts.Now()
	if l.size == 0 {
		l.fileFirst, l.fileStart = first, now
		return nil
	}
	bySize := l.opts.RotateSize > 0 && l.size+int64(n) > l.opts.RotateSize
	byAge := l.opts.RotateAge > 0 && now.Sub(l.fileStart) >= l.opts.RotateAge
	if !bySize && !byAge {
		return nil
	}
	if l.unsynced {
		if err := l.f.Sync(); err != nil {
			return err
		}
		l.unsynced = false
	}
	// Link then remove, not rename: a rename would silently replace a file
	// that already has the rotated name.
	rotated := rotatedName(l.path, l.fileFirst)
	if err := os.Link(l.path, rotated); err != nil {
		return fmt.Errorf("rotate: %w", err)
	}
	if err := os.Remove(l.path); err != nil {
		return fmt.Errorf("rotate: %w", err)
	}
	f, err := os.OpenFile(l.path, os.O_RDWR|os.O_CREATE|os.O_EXCL|os.O_APPEND, 0o600)
	if err != nil {
		return fmt.Errorf("rotate: %w", err)
	}
	if err := syncDir(filepath.Dir(l.path)); err != nil {
		f.Close()
		return fmt.Errorf("rotate: %w", err)
	}
	l.f.Close()
	l.f, l.size, l.fileFirst, l.fileStart = f, 0, first, now
	return nil
}

func syncDir(dir string) error {
	d, err := os.Open(dir)
	if err != nil {
		return err
	}
	defer d.Close()
	return d.Sync()
}

// run is the background writer: group commit for SyncBatch, the flush
// interval for SyncNone, and checkpoints.
func (l *Log) run() {
	defer close(l.done)
	var cpTick <-chan time.Time
	// Every mode flushes on the interval: SyncNone its buffer, and all of
	// them the records Enqueue left for a lazy commit.
	flushTick := time.NewTicker(l.opts.FlushInterval)
	defer flushTick.Stop()
	if l.opts.Checkpoint != "off" {
		t := time.NewTicker(l.opts.CheckpointInterval)
		defer t.Stop()
		cpTick = t.C
	}
	for {
		select {
		case <-l.stop:
			return
		case <-l.kick:
			// The writers the last fsync released are runnable but have not
			// appended their next records yet; letting them run first about
			// doubles the records per fsync (see BenchmarkWrite events/fsync).
			runtime.Gosched()
			l.io.Lock()
			l.flushLocked(l.fsyncForWrites())
			l.io.Unlock()
		case <-flushTick.C:
			l.io.Lock()
			l.flushLocked(l.fsyncDue())
			l.io.Unlock()
		case <-cpTick:
			l.io.Lock()
			err := l.checkpointLocked()
			l.io.Unlock()
			if err != nil {
				// A failed log write is already sticky and append refuses;
				// a checkpoint that cannot be written is recorded in the log,
				// where it cannot be hidden.
				l.append(Event{Event: "auditlog.checkpoint_failed", Outcome: OutcomeError, Fields: map[string]any{"error": err.Error()}})
			}
		}
	}
}

// checkpointLocked makes every written record durable and then records the
// last one in the checkpoint file. l.io is held.
func (l *Log) checkpointLocked() error {
	if err := l.flushLocked(fsyncAlways); err != nil {
		return err
	}
	if l.opts.Checkpoint == "off" || l.seq == l.cpSeq {
		return nil
	}
	cp := Checkpoint{Seq: l.seq, Hash: string(l.prev[:]), File: filepath.Base(l.path), Time: l.opts.Now().UTC()}
	if err := writeCheckpoint(l.opts.Checkpoint, cp); err != nil {
		return err
	}
	l.cpSeq = l.seq
	return nil
}

// Sync writes and fsyncs every accepted record and updates the checkpoint.
// SyncNone callers use it at points where they need durability.
func (l *Log) Sync() error {
	l.io.Lock()
	defer l.io.Unlock()
	return l.checkpointLocked()
}

// Close writes and fsyncs every accepted record, updates the checkpoint and
// releases the lock. Writes after Close fail with ErrClosed.
func (l *Log) Close() error {
	l.mu.Lock()
	if l.closed {
		l.mu.Unlock()
		return nil
	}
	l.closed = true
	l.mu.Unlock()
	close(l.stop)
	<-l.done
	l.io.Lock()
	defer l.io.Unlock()
	err := l.checkpointLocked()
	if cerr := l.f.Close(); err == nil && cerr != nil {
		err = fmt.Errorf("auditlog: close %s: %w", l.path, cerr)
	}
	l.lock.Close()
	return err
}

// lastIndexByte returns the offset of the last c in f[0:end], or -1.
func lastIndexByte(f io.ReaderAt, end int64, c byte) (int64, error) {
	buf := make([]byte, 64<<10)
	for end > 0 {
		n := min(end, int64(len(buf)))
		start := end - n
		if _, err := f.ReadAt(buf[:n], start); err != nil && err != io.EOF {
			return -1, err
		}
		if i := bytes.LastIndexByte(buf[:n], c); i >= 0 {
			return start + int64(i), nil
		}
		end = start
	}
	return -1, nil
}

// readLastRecord parses and checks the hash of the last line of f, which
// must end in a newline.
func readLastRecord(f io.ReaderAt, size int64, h hash.Hash) (*Record, error) {
	nl, err := lastIndexByte(f, size-1, '\n')
	if err != nil {
		return nil, err
	}
	rec, _, err := readRecordAt(f, nl+1, h)
	return rec, err
}

// readRecordAt parses the line starting at off and, when h is not nil,
// checks its hash. It returns the record and the line's length.
func readRecordAt(f io.ReaderAt, off int64, h hash.Hash) (*Record, int, error) {
	buf := make([]byte, 4096)
	var line []byte
	for {
		n, err := f.ReadAt(buf, off+int64(len(line)))
		if i := bytes.IndexByte(buf[:n], '\n'); i >= 0 {
			line = append(line, buf[:i]...)
			break
		}
		line = append(line, buf[:n]...)
		if len(line) > MaxRecordSize {
			return nil, 0, fmt.Errorf("line longer than %d bytes", MaxRecordSize)
		}
		if err != nil {
			return nil, 0, fmt.Errorf("line has no end: %v", err)
		}
	}
	rec, err := ParseRecord(line)
	if err != nil {
		return nil, 0, err
	}
	if h != nil {
		if err := rec.check(h); err != nil {
			return nil, 0, err
		}
	}
	return rec, len(line) + 1, nil
}
