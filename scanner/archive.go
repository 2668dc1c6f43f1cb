package scanner

import (
	"archive/tar"
	"archive/zip"
	"bytes"
	"compress/gzip"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"fmt"
	"io"
	"os"
	"path"
	"path/filepath"
	"strings"
)

// archiveKind names the archive format by file name: "zip", "tgz" or "".
func archiveKind(name string) string {
	n := strings.ToLower(name)
	switch {
	case strings.HasSuffix(n, ".zip"):
		return "zip"
	case strings.HasSuffix(n, ".tgz"), strings.HasSuffix(n, ".tar.gz"):
		return "tgz"
	}
	return ""
}

func (s *Scanner) archiveUnit(p string) unit {
	name := filepath.Base(p)
	return unit{name: name, path: p, rel: name,
		open: func(l Limits, emit emitFunc, report func(...Finding)) (unitMeta, error) {
			fi, err := os.Stat(p)
			if err != nil {
				return unitMeta{}, err
			}
			if fi.Size() > l.MaxTotalSize {
				return unitMeta{}, fmt.Errorf("archive is %d bytes, over the %d-byte limit (Limits.MaxTotalSize)", fi.Size(), l.MaxTotalSize)
			}
			data, err := os.ReadFile(p)
			if err != nil {
				return unitMeta{}, err
			}
			sum := sha256.Sum256(data)
			meta := unitMeta{sha256: hex.EncodeToString(sum[:])}
			return meta, readArchive(archiveKind(p), data, l, emit, report)
		}}
}

// readArchive reads a zip or gzip'd tar held in memory and emits its members.
// Expansion is capped at MaxExpansionRatio times the compressed size (and at
// MaxTotalSize), counted on the bytes actually inflated, not on the sizes the
// headers claim.
func readArchive(kind string, data []byte, l Limits, emit emitFunc, report func(...Finding)) error {
	budget := min(int64(l.MaxExpansionRatio)*int64(len(data)), l.MaxTotalSize)
	if budget < 1<<20 {
		budget = 1 << 20 // tiny archives of text compress well; do not punish them
	}
	ar := &archiveReader{limits: l, budget: budget, emit: emit, report: report}
	switch kind {
	case "zip":
		return ar.zip(data)
	case "tgz":
		return ar.tgz(data)
	}
	return fmt.Errorf("unknown archive kind %q", kind)
}

type archiveReader struct {
	limits Limits
	budget int64 // bytes that may still be inflated
	files  int
	emit   emitFunc
	report func(...Finding)
}

var errExpansion = errors.New("archive expands beyond the limit (Limits.MaxExpansionRatio or MaxTotalSize); possible decompression bomb")

// member checks a member's name, counts it and reads its content within the
// remaining budget. It returns nil data (and reports why) for members that
// are not analysed.
func (ar *archiveReader) member(name string, r io.Reader) ([]byte, error) {
	clean := path.Clean(strings.ReplaceAll(name, `\`, "/"))
	if path.IsAbs(clean) || clean == ".." || strings.HasPrefix(clean, "../") || strings.Contains(name, "\x00") {
		ar.report(Finding{RuleID: RuleArchivePath, File: name, Message: "archive member would be written outside the extraction directory", Snippet: name})
		return nil, nil
	}
	ar.files++
	if ar.files > ar.limits.MaxFiles {
		return nil, fmt.Errorf("archive has more than %d files (Limits.MaxFiles)", ar.limits.MaxFiles)
	}
	limit := ar.limits.MaxFileSize
	data, err := io.ReadAll(io.LimitReader(r, min(limit, ar.budget)+1))
	if err != nil {
		return nil, fmt.Errorf("%s: %w", name, err)
	}
	ar.budget -= int64(len(data))
	if ar.budget < 0 {
		return nil, errExpansion
	}
	if int64(len(data)) > limit {
		ar.report(tooBig(clean, limit))
		// Drain within the budget so that a huge member still counts.
		n, err := io.Copy(io.Discard, io.LimitReader(r, ar.budget+1))
		ar.budget -= n
		if err != nil {
			return nil, err
		}
		if ar.budget < 0 {
			return nil, errExpansion
		}
		return nil, nil
	}
	return data, nil
}

func (ar *archiveReader) handle(name string, data []byte) error {
	if data == nil {
		return nil
	}
	rel := path.Clean(strings.ReplaceAll(name, `\`, "/"))
	if k := archiveKind(rel); k != "" {
		// Nested archives are scanned as part of this one, with the same
		// (shared) budget, so nesting cannot multiply the expansion.
		sub := &archiveReader{limits: ar.limits, budget: ar.budget, files: ar.files, report: ar.report,
			emit: func(f file) error { f.rel = rel + "/" + f.rel; return ar.emit(f) }}
		var err error
		if k == "zip" {
			err = sub.zip(data)
		} else {
			err = sub.tgz(data)
		}
		ar.budget, ar.files = sub.budget, sub.files
		if err != nil {
			ar.report(Finding{RuleID: RuleInputUnreadable, File: rel, Message: fmt.Sprintf("nested archive cannot be read: %v", err)})
		}
		return nil
	}
	return emitOrReport(file{rel: rel, data: data}, ar.emit, ar.report)
}

func (ar *archiveReader) zip(data []byte) error {
	zr, err := zip.NewReader(bytes.NewReader(data), int64(len(data)))
	if err != nil {
		return fmt.Errorf("not a readable zip archive: %w", err)
	}
	for _, zf := range zr.File {
		if zf.FileInfo().IsDir() {
			continue
		}
		if zf.Flags&0x1 != 0 {
			ar.report(Finding{RuleID: RuleArchiveEncrypted, File: zf.Name, Message: "password-protected zip member; its content cannot be inspected"})
			continue
		}
		if zf.Mode()&os.ModeSymlink != 0 {
			ar.report(Finding{RuleID: RuleSymlinkEscape, File: zf.Name, Message: "symlink inside an archive; extracting it can expose host files"})
			continue
		}
		rc, err := zf.Open()
		if err != nil {
			ar.report(Finding{RuleID: RuleInputUnreadable, File: zf.Name, Message: fmt.Sprintf("zip member cannot be read: %v", err)})
			continue
		}
		content, err := ar.member(zf.Name, rc)
		rc.Close()
		if err != nil {
			return err
		}
		if err := ar.handle(zf.Name, content); err != nil {
			return err
		}
	}
	return nil
}

func (ar *archiveReader) tgz(data []byte) error {
	gz, err := gzip.NewReader(bytes.NewReader(data))
	if err != nil {
		return fmt.Errorf("not a readable gzip stream: %w", err)
	}
	tr := tar.NewReader(gz)
	for {
		h, err := tr.Next()
		if err == io.EOF {
			return nil
		}
		if err != nil {
			return fmt.Errorf("tar stream: %w", err)
		}
		switch h.Typeflag {
		case tar.TypeReg:
		case tar.TypeDir:
			continue
		case tar.TypeSymlink, tar.TypeLink:
			if escapesArchive(h.Name, h.Linkname) {
				ar.report(Finding{RuleID: RuleSymlinkEscape, File: h.Name, Message: fmt.Sprintf("link to %q points outside the archive", h.Linkname), Snippet: h.Linkname})
			}
			continue
		default:
			ar.report(Finding{RuleID: RuleInputSpecialFile, File: h.Name, Message: fmt.Sprintf("special tar entry (type %q) not extracted", h.Typeflag)})
			continue
		}
		content, err := ar.member(h.Name, tr)
		if err != nil {
			return err
		}
		if err := ar.handle(h.Name, content); err != nil {
			return err
		}
	}
}

func escapesArchive(name, target string) bool {
	if path.IsAbs(target) {
		return true
	}
	j := path.Join(path.Dir(path.Clean(name)), target)
	return j == ".." || strings.HasPrefix(j, "../")
}
