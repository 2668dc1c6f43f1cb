package scanner

import (
	"bytes"
	"crypto/sha256"
	"encoding/hex"
	"fmt"
	"hash"
	"io"
	"io/fs"
	"os"
	"path/filepath"
	"strings"
)

// file is one member of a unit, read into memory for analysis.
type file struct {
	rel  string // slash-separated path inside the unit
	data []byte
	// binary is the kind of a binary file, which is not analysed but
	// may match a threat-intelligence hash; "" for text.
	binary string
}

// unitMeta is what reading a unit learns besides its files.
type unitMeta struct {
	sha256 string
}

// emitFunc hands a file to the analysers; an error stops the reading.
type emitFunc func(file) error

// unit is one thing that gets a Result: a skill or plugin directory, a single
// file or an archive. open reads it, calls emit for each analysable file and
// report for what it cannot analyse (binaries, symlinks, limits).
type unit struct {
	name string // default Result.Skill
	path string // Result.Path
	rel  string // file name for findings about the unit itself
	open func(l Limits, emit emitFunc, report func(...Finding)) (unitMeta, error)
}

// Manifest names that make a directory a unit of its own.
const (
	skillManifest  = "SKILL.md"
	pluginManifest = "openclaw.plugin.json"
	packageJSON    = "package.json"
)

// discover turns one Scan argument into units.
func (s *Scanner) discover(p string) []unit {
	fi, err := os.Stat(p)
	if err != nil {
		return []unit{failedUnit(p, err)}
	}
	switch {
	case fi.Mode().IsRegular():
		if archiveKind(p) != "" {
			return []unit{s.archiveUnit(p)}
		}
		return []unit{fileUnit(p)}
	case fi.IsDir():
		return s.dirUnits(p)
	}
	return []unit{failedUnit(p, fmt.Errorf("%s is neither a regular file nor a directory", fi.Mode().Type()))}
}

func failedUnit(p string, err error) unit {
	return unit{name: filepath.Base(p), path: p, rel: filepath.Base(p),
		open: func(Limits, emitFunc, func(...Finding)) (unitMeta, error) { return unitMeta{}, err }}
}

// dirUnits makes the directory one unit when it carries a manifest at its
// top; otherwise every directory holding a SKILL.md, up to MaxDepth levels
// down, is a unit. A directory with neither is scanned as one bundle.
func (s *Scanner) dirUnits(root string) []unit {
	if hasAny(root, skillManifest, pluginManifest, packageJSON) {
		return []unit{dirUnit(root)}
	}
	var units []unit
	err := filepath.WalkDir(root, func(p string, d fs.DirEntry, err error) error {
		if err != nil {
			units = append(units, failedUnit(p, err))
			return nil
		}
		if !d.IsDir() || p == root {
			return nil
		}
		rel, _ := filepath.Rel(root, p)
		if strings.Count(rel, string(filepath.Separator))+1 > s.limits.MaxDepth {
			return fs.SkipDir
		}
		if hasAny(p, skillManifest) {
			units = append(units, dirUnit(p))
			return fs.SkipDir
		}
		return nil
	})
	if err != nil || len(units) == 0 {
		return []unit{dirUnit(root)}
	}
	return units
}

func hasAny(dir string, names ...string) bool {
	for _, n := range names {
		if fi, err := os.Lstat(filepath.Join(dir, n)); err == nil && fi.Mode().IsRegular() {
			return true
		}
	}
	return false
}

func fileUnit(p string) unit {
	return unit{name: filepath.Base(p), path: p, rel: filepath.Base(p),
		open: func(l Limits, emit emitFunc, report func(...Finding)) (unitMeta, error) {
			f, err := os.Open(p)
			if err != nil {
				return unitMeta{}, err
			}
			defer f.Close()
			h := sha256.New()
			var size int64
			if fi, err := f.Stat(); err == nil {
				size = fi.Size()
			}
			data, err := readLimited(io.TeeReader(f, h), size, l.MaxFileSize)
			if err != nil {
				return unitMeta{}, err
			}
			if data == nil {
				report(tooBig(filepath.Base(p), l.MaxFileSize))
				if _, err := io.Copy(h, f); err != nil {
					return unitMeta{}, err
				}
			} else if err := emitOrReport(file{rel: filepath.Base(p), data: data}, emit, report); err != nil {
				return unitMeta{}, err
			}
			return unitMeta{sha256: hex.EncodeToString(h.Sum(nil))}, nil
		}}
}

// readLimited reads all of r, or returns nil data when r holds more than max
// bytes (having consumed max+1 of them). size is what the file claims to
// hold, so that the buffer is allocated once.
func readLimited(r io.Reader, size, limit int64) ([]byte, error) {
	var b bytes.Buffer
	b.Grow(int(min(max(size, 0), limit) + bytes.MinRead))
	if _, err := b.ReadFrom(io.LimitReader(r, limit+1)); err != nil {
		return nil, err
	}
	if int64(b.Len()) > limit {
		return nil, nil
	}
	return b.Bytes(), nil
}

func tooBig(rel string, max int64) Finding {
	return Finding{RuleID: RuleInputLimit, File: rel,
		Message: fmt.Sprintf("file is larger than the %d-byte limit and was not analysed; raise Limits.MaxFileSize or inspect it by hand", max)}
}

// emitOrReport sends text to the analysers and reports binary content,
// which goes to them too, marked, for the threat-intelligence hashes.
func emitOrReport(f file, emit emitFunc, report func(...Finding)) error {
	if kind := binaryKind(f.data); kind != "" {
		report(binaryFinding(f.rel, kind))
		f.binary = kind
	}
	return emit(f)
}

func dirUnit(root string) unit {
	return unit{name: filepath.Base(absOr(root)), path: root, rel: ".",
		open: func(l Limits, emit emitFunc, report func(...Finding)) (unitMeta, error) {
			var total int64
			sum, err := walkTree(root, func(rel string, fi fs.FileInfo, r io.Reader, h hash.Hash) error {
				total += fi.Size()
				if total > l.MaxTotalSize {
					if total-fi.Size() <= l.MaxTotalSize {
						report(Finding{RuleID: RuleInputLimit, File: rel, Message: fmt.Sprintf("the skill holds more than %d bytes (Limits.MaxTotalSize); this and later files were hashed but not analysed", l.MaxTotalSize)})
					}
					_, err := io.Copy(h, r)
					return err
				}
				return readMember(rel, fi, r, h, l, emit, report)
			}, report, l)
			return unitMeta{sha256: sum}, err
		}}
}

func absOr(p string) string {
	if a, err := filepath.Abs(p); err == nil {
		return a
	}
	return p
}

// readMember reads one regular file of a directory unit, hashing all of it
// even past the size limit so that the tree hash always covers every byte.
func readMember(rel string, fi fs.FileInfo, r io.Reader, h io.Writer, l Limits, emit emitFunc, report func(...Finding)) error {
	data, err := readLimited(io.TeeReader(r, h), fi.Size(), l.MaxFileSize)
	if err != nil {
		return fmt.Errorf("%s: %w", rel, err)
	}
	if data == nil {
		report(tooBig(rel, l.MaxFileSize))
		_, err := io.Copy(h, r)
		return err
	}
	return emitOrReport(file{rel: rel, data: data}, emit, report)
}

// TreeHash returns the hex SHA-256 that identifies the contents of a skill
// directory (see the package documentation for the exact definition). For a
// regular file it is the SHA-256 of the file's bytes.
func TreeHash(path string) (string, error) {
	fi, err := os.Stat(path)
	if err != nil {
		return "", err
	}
	if fi.Mode().IsRegular() {
		f, err := os.Open(path)
		if err != nil {
			return "", err
		}
		defer f.Close()
		h := sha256.New()
		if _, err := io.Copy(h, f); err != nil {
			return "", fmt.Errorf("scanner: hashing %s: %w", path, err)
		}
		return hex.EncodeToString(h.Sum(nil)), nil
	}
	return walkTree(path, func(rel string, fi fs.FileInfo, r io.Reader, h hash.Hash) error {
		_, err := io.Copy(h, r)
		return err
	}, func(...Finding) {}, Limits{}.withDefaults())
}

// walkTree visits a directory in fs.WalkDir order, feeding the tree hash and
// calling visit for each regular file with a reader of its content. Symlinks
// are hashed by their target and never followed; one that leaves root is
// reported.
func walkTree(root string, visit func(rel string, fi fs.FileInfo, r io.Reader, h hash.Hash) error, report func(...Finding), l Limits) (string, error) {
	h := sha256.New()
	files := 0
	err := filepath.WalkDir(root, func(p string, d fs.DirEntry, err error) error {
		if err != nil {
			return err
		}
		if p == root {
			return nil
		}
		rel, err := filepath.Rel(root, p)
		if err != nil {
			return err
		}
		rel = filepath.ToSlash(rel)
		fi, err := d.Info()
		if err != nil {
			return err
		}
		switch {
		case d.IsDir():
			return nil
		case fi.Mode()&fs.ModeSymlink != 0:
			target, err := os.Readlink(p)
			if err != nil {
				return err
			}
			writeEntryHeader(h, rel, fi.Mode(), int64(len(target)))
			io.WriteString(h, target)
			if escapes(root, p, target) {
				report(Finding{RuleID: RuleSymlinkEscape, File: rel, Line: 0,
					Message: fmt.Sprintf("symlink points outside the skill directory (to %q); a skill must not reach other files of the host", target),
					Snippet: target})
			}
			return nil
		case !fi.Mode().IsRegular():
			writeEntryHeader(h, rel, fi.Mode(), 0)
			report(Finding{RuleID: RuleInputSpecialFile, File: rel, Message: "special file (" + fi.Mode().Type().String() + ") in a skill directory; it was not read"})
			return nil
		}
		files++
		writeEntryHeader(h, rel, fi.Mode(), fi.Size())
		f, err := os.Open(p)
		if err != nil {
			return err
		}
		defer f.Close()
		if files > l.MaxFiles {
			if files == l.MaxFiles+1 {
				report(Finding{RuleID: RuleInputLimit, File: rel, Message: fmt.Sprintf("more than %d files; the rest were hashed but not analysed", l.MaxFiles)})
			}
			_, err := io.Copy(h, f)
			return err
		}
		return visit(rel, fi, f, h)
	})
	if err != nil {
		return "", err
	}
	return hex.EncodeToString(h.Sum(nil)), nil
}

// writeEntryHeader writes "path NUL mode NUL size NUL" for one tree entry.
func writeEntryHeader(h io.Writer, rel string, mode fs.FileMode, size int64) {
	fmt.Fprintf(h, "%s\x00%s\x00%d\x00", rel, mode.String(), size)
}

// escapes reports whether a symlink at p with the given target resolves
// outside root (lexically: the target is never opened).
func escapes(root, p, target string) bool {
	if filepath.IsAbs(target) {
		return true
	}
	abs := filepath.Join(filepath.Dir(p), target)
	rel, err := filepath.Rel(root, abs)
	return err != nil || rel == ".." || strings.HasPrefix(rel, ".."+string(filepath.Separator))
}
