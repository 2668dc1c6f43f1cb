package auditlog

import (
	"bufio"
	"errors"
	"fmt"
	"hash"
	"io"
	"os"
	"slices"
	"sort"
)

// VerifyOptions configures Verify.
type VerifyOptions struct {
	// Key is the HMAC key the log was written with; nil for plain SHA-256.
	Key []byte
	// Checkpoint, when set, is the last record the writer knew durable.
	Checkpoint *Checkpoint
	// Partial accepts a chain that starts after seq 1, for when old rotated
	// files were deleted. The first record's prev is then taken on trust.
	Partial bool
}

// Problem kinds.
const (
	KindTampered  = "tampered"  // a record was edited, inserted, removed or moved
	KindTruncated = "truncated" // records at the end are gone (the checkpoint says so)
	KindMissing   = "missing"   // records at the start or between files are gone
)

// Problem is the first thing wrong with a log.
type Problem struct {
	File   string `json:"file"`
	Line   int    `json:"line,omitempty"`
	Seq    uint64 `json:"seq,omitempty"` // the bad record's seq, or the one expected there if it cannot be parsed
	Kind   string `json:"kind"`
	Reason string `json:"reason"`
}

func (p *Problem) Error() string { return p.Kind + ": " + p.Where() + ": " + p.Reason }

// Where is "file:line: seq N", leaving out what is not known.
func (p *Problem) Where() string {
	loc := p.File
	if p.Line > 0 {
		loc = fmt.Sprintf("%s:%d", p.File, p.Line)
	}
	if p.Seq > 0 {
		loc += fmt.Sprintf(": seq %d", p.Seq)
	}
	return loc
}

// FileReport summarises one file in chain order.
type FileReport struct {
	File     string `json:"file"`
	Records  int    `json:"records"`
	FirstSeq uint64 `json:"first_seq,omitempty"`
	LastSeq  uint64 `json:"last_seq,omitempty"`
}

// TornTail is a partial last line, left by a crash in the middle of a write.
type TornTail struct {
	File   string `json:"file"`
	Line   int    `json:"line"`
	Offset int64  `json:"offset"`
	Bytes  int64  `json:"bytes"`
}

// Report is the outcome of Verify. The log is intact when Problem is nil.
type Report struct {
	Files      []FileReport `json:"files"`
	Records    int          `json:"records"`
	FirstSeq   uint64       `json:"first_seq,omitempty"`
	LastSeq    uint64       `json:"last_seq,omitempty"`
	LastHash   string       `json:"last_hash,omitempty"`
	TornTail   *TornTail    `json:"torn_tail,omitempty"`
	Checkpoint *Checkpoint  `json:"checkpoint,omitempty"` // the checkpoint that was checked
	Problem    *Problem     `json:"problem,omitempty"`
}

// Verify checks the files of one log, given in any order (typically the
// active file and its rotated siblings). Files are put in chain order by
// the seq of their first record. It reports the first bad record in
// Report.Problem; the error is for files it cannot read at all.
func Verify(paths []string, opts VerifyOptions) (*Report, error) {
	// A crash in the middle of a rotation leaves the active file also
	// under its rotated name; one file under two names is checked once.
	var unique []string
	var seen []os.FileInfo
	for _, p := range paths {
		st, err := os.Stat(p)
		if err != nil {
			return nil, fmt.Errorf("auditlog: %w", err)
		}
		if !slices.ContainsFunc(seen, func(o os.FileInfo) bool { return os.SameFile(o, st) }) {
			seen = append(seen, st)
			unique = append(unique, p)
		}
	}
	return verify(unique, openRegular, opts)
}

// openRegular opens a file for Verify, refusing what is not a regular file
// (a FIFO or device would block or never end).
func openRegular(name string) (io.ReadCloser, error) {
	f, err := os.Open(name)
	if err != nil {
		return nil, fmt.Errorf("auditlog: %w", err)
	}
	if st, err := f.Stat(); err != nil || !st.Mode().IsRegular() {
		f.Close()
		return nil, fmt.Errorf("auditlog: %s is not a regular file", name)
	}
	return f, nil
}

func verify(paths []string, open func(string) (io.ReadCloser, error), opts VerifyOptions) (*Report, error) {
	type file struct {
		path  string
		first uint64
	}
	files := make([]file, 0, len(paths))
	rep := &Report{Files: []FileReport{}, Checkpoint: opts.Checkpoint}
	for _, p := range paths {
		first, err := firstSeq(p, open)
		if err != nil {
			var pr *Problem
			if errors.As(err, &pr) {
				rep.Problem = pr
				return rep, nil
			}
			return nil, err
		}
		files = append(files, file{p, first})
	}
	// Empty files (a fresh active file) hold no records; they go last.
	sort.SliceStable(files, func(i, j int) bool {
		a, b := files[i].first, files[j].first
		return a != 0 && (b == 0 || a < b)
	})
	for i := 1; i < len(files); i++ {
		if files[i].first != 0 && files[i].first == files[i-1].first {
			rep.Problem = &Problem{File: files[i].path, Line: 1, Seq: files[i].first, Kind: KindTampered,
				Reason: fmt.Sprintf("%s also starts at seq %d: the same records are in two files", files[i-1].path, files[i].first)}
			return rep, nil
		}
	}
	v := &verifier{opts: opts, rep: rep, h: newHash(opts.Key), open: open}
	for i, f := range files {
		if err := v.file(f.path, i == len(files)-1); err != nil {
			return nil, err
		}
		if rep.Problem != nil {
			return rep, nil
		}
	}
	v.checkpointAtEnd()
	return rep, nil
}

// firstSeq returns the seq of the file's first record, 0 for an empty file.
func firstSeq(path string, open func(string) (io.ReadCloser, error)) (uint64, error) {
	f, err := open(path)
	if err != nil {
		return 0, err
	}
	defer f.Close()
	line, err := readLine(bufio.NewReader(f))
	switch {
	case err == io.EOF:
		return 0, nil // empty, or only a torn line, reported in chain order
	case err != nil && !errors.Is(err, errLineTooLong):
		return 0, fmt.Errorf("auditlog: read %s: %w", path, err)
	case err == nil:
		var rec *Record
		if rec, err = parseRecord(line, false); err == nil {
			return rec.Seq, nil
		}
	}
	return 0, &Problem{File: path, Line: 1, Kind: KindTampered, Reason: err.Error()}
}

type verifier struct {
	opts    VerifyOptions
	rep     *Report
	h       hash.Hash
	open    func(string) (io.ReadCloser, error)
	seq     uint64 // last good seq
	hash    string // last good hash
	started bool
	cpSeen  bool
}

func (v *verifier) fail(file string, line int, seq uint64, kind, format string, args ...any) {
	v.rep.Problem = &Problem{File: file, Line: line, Seq: seq, Kind: kind, Reason: fmt.Sprintf(format, args...)}
}

// file checks one file's records against the chain so far.
func (v *verifier) file(path string, last bool) error {
	f, err := v.open(path)
	if err != nil {
		return err
	}
	defer f.Close()
	fr := FileReport{File: path}
	br := bufio.NewReaderSize(f, 64<<10)
	var off int64
	for line := 1; ; line++ {
		b, err := readLine(br)
		if err == io.EOF && len(b) == 0 {
			break
		}
		if err != nil && err != io.EOF {
			if errors.Is(err, errLineTooLong) {
				v.fail(path, line, 0, KindTampered, "%v", err)
				return nil
			}
			return fmt.Errorf("auditlog: read %s: %w", path, err)
		}
		if err == io.EOF { // bytes without a newline: a torn tail
			if !last {
				v.fail(path, line, 0, KindTampered, "partial last line in a file that is not the newest: rotated files are complete when rotated")
				return nil
			}
			v.rep.TornTail = &TornTail{File: path, Line: line, Offset: off, Bytes: int64(len(b))}
			break
		}
		off += int64(len(b)) + 1
		rec, perr := parseRecord(b, false)
		if perr != nil {
			v.fail(path, line, v.seq+1, KindTampered, "%v", perr)
			return nil
		}
		if !v.link(path, line, rec) {
			return nil
		}
		if cerr := rec.check(v.h); cerr != nil {
			reason := cerr.Error()
			if v.opts.Key == nil && v.rep.Records == 0 {
				reason += " (if the log was written with a key_file, pass it with --key-file)"
			}
			v.fail(path, line, rec.Seq, KindTampered, "%s", reason)
			return nil
		}
		if cp := v.opts.Checkpoint; cp != nil && rec.Seq == cp.Seq {
			if rec.Hash != cp.Hash {
				v.fail(path, line, rec.Seq, KindTampered, "hash differs from the checkpoint's: the log was rewritten after the checkpoint was taken")
				return nil
			}
			v.cpSeen = true
		}
		v.seq, v.hash = rec.Seq, rec.Hash
		v.rep.Records++
		if fr.FirstSeq == 0 {
			fr.FirstSeq = rec.Seq
		}
		fr.LastSeq = rec.Seq
		fr.Records++
	}
	v.rep.Files = append(v.rep.Files, fr)
	v.rep.LastSeq, v.rep.LastHash = v.seq, v.hash
	return nil
}

// link checks that rec follows the chain so far.
func (v *verifier) link(path string, line int, rec *Record) bool {
	if !v.started {
		v.started = true
		v.rep.FirstSeq = rec.Seq
		switch {
		case rec.Seq == 1 && rec.Prev != genesis:
			v.fail(path, line, rec.Seq, KindTampered, "the first record's prev is not 64 zeros")
			return false
		case rec.Seq != 1 && !v.opts.Partial:
			v.fail(path, line, rec.Seq, KindMissing, "the chain starts at seq %d: records 1 to %d are missing (give the older rotated files too, or --partial if they were deleted on purpose)", rec.Seq, rec.Seq-1)
			return false
		}
		if cp := v.opts.Checkpoint; cp != nil && cp.Seq < rec.Seq {
			v.fail(path, line, rec.Seq, KindMissing, "the checkpoint names seq %d, before the first record given: give the file that holds it", cp.Seq)
			return false
		}
		return true
	}
	switch {
	case rec.Seq > v.seq+1 && line == 1:
		v.fail(path, line, rec.Seq, KindMissing, "records %d to %d are missing before this file: a rotated file is missing", v.seq+1, rec.Seq-1)
	case rec.Seq != v.seq+1:
		v.fail(path, line, rec.Seq, KindTampered, "seq %d follows seq %d: a record was removed, inserted or moved", rec.Seq, v.seq)
	case rec.Prev != v.hash:
		v.fail(path, line, rec.Seq, KindTampered, "prev does not match the hash of seq %d: a record was removed, inserted or replaced", v.seq)
	default:
		return true
	}
	return false
}

// checkpointAtEnd reports a log that ends before its checkpoint.
func (v *verifier) checkpointAtEnd() {
	cp := v.opts.Checkpoint
	if cp == nil || v.cpSeen {
		return
	}
	file := ""
	if n := len(v.rep.Files); n > 0 {
		file = v.rep.Files[n-1].File
	}
	v.fail(file, 0, 0, KindTruncated, "the log ends at seq %d but the checkpoint (%s) names seq %d: records were removed from the end", v.seq, cp.Time.Format("2006-01-02T15:04:05Z"), cp.Seq)
}

var errLineTooLong = fmt.Errorf("line longer than %d bytes", MaxRecordSize)

// readLine returns the next line without its newline; the slice is valid
// until the next read. At the end of the input it returns the remaining
// bytes (if any) with io.EOF.
func readLine(br *bufio.Reader) ([]byte, error) {
	b, err := br.ReadSlice('\n')
	if err == nil {
		return b[:len(b)-1], nil
	}
	line := append([]byte(nil), b...)
	for err == bufio.ErrBufferFull {
		if len(line) > MaxRecordSize {
			return nil, errLineTooLong
		}
		b, err = br.ReadSlice('\n')
		line = append(line, b...)
	}
	if err == nil {
		return line[:len(line)-1], nil
	}
	return line, err
}
