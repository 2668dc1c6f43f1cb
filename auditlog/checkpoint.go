package auditlog

import (
	"bytes"
	"encoding/json"
	"fmt"
	"os"
	"path/filepath"
	"time"
)

// Checkpoint names the last record the writer knew to be durable. A log
// that ends before Seq, or holds a different hash at Seq, lost its tail.
type Checkpoint struct {
	Seq  uint64    `json:"seq"`
	Hash string    `json:"hash"`
	File string    `json:"file"` // base name of the active file when written
	Time time.Time `json:"ts"`
}

// ReadCheckpoint reads a checkpoint file. A missing file gives an error
// matching os.ErrNotExist.
func ReadCheckpoint(path string) (Checkpoint, error) {
	var cp Checkpoint
	b, err := os.ReadFile(path)
	if err != nil {
		return cp, fmt.Errorf("auditlog: checkpoint: %w", err)
	}
	if err := parseCheckpoint(b, &cp); err != nil {
		return cp, fmt.Errorf("auditlog: checkpoint %s: %w", path, err)
	}
	return cp, nil
}

func parseCheckpoint(b []byte, cp *Checkpoint) error {
	dec := json.NewDecoder(bytes.NewReader(b))
	dec.DisallowUnknownFields()
	if err := dec.Decode(cp); err != nil {
		return fmt.Errorf("not a checkpoint: %v", err)
	}
	if dec.More() {
		return fmt.Errorf("not a checkpoint: data after the JSON object")
	}
	if cp.Seq == 0 || !isHex([]byte(cp.Hash)) {
		return fmt.Errorf("not a checkpoint: want seq >= 1 and a 64-digit hex hash")
	}
	return nil
}

// writeCheckpoint replaces the checkpoint at path atomically: a temporary
// file is written and fsynced, renamed over path, and the directory fsynced.
func writeCheckpoint(path string, cp Checkpoint) error {
	b, err := json.Marshal(cp)
	if err != nil {
		return err
	}
	tmp, err := os.CreateTemp(filepath.Dir(path), filepath.Base(path)+".tmp*")
	if err != nil {
		return fmt.Errorf("auditlog: checkpoint: %w", err)
	}
	_, err = tmp.Write(append(b, '\n'))
	if err == nil {
		err = tmp.Sync()
	}
	if cerr := tmp.Close(); err == nil {
		err = cerr
	}
	if err == nil {
		err = os.Rename(tmp.Name(), path)
	}
	if err == nil {
		err = syncDir(filepath.Dir(path))
	}
	if err != nil {
		os.Remove(tmp.Name())
		return fmt.Errorf("auditlog: write checkpoint %s: %w", path, err)
	}
	return nil
}
