package posture

import (
	"errors"
	"fmt"
	"io/fs"
	"os"

	"github.com/openclaw-secure-stack/securestack/auditlog"
)

// logRef is an audit log named by a config file (or given on the command
// line), with the key and checkpoint it is written with.
type logRef struct {
	path, key, checkpoint string
	source                string // the config file that names it
	line                  int
	explicit              bool // named on the command line
}

func checkLog(fsx *findings, l logRef, live bool) error {
	if l.source != "" && l.key == "" {
		fsx.add("LOG_NO_KEY", l.source, l.line, fmt.Sprintf("audit log %s is a plain SHA-256 chain: whoever can write it can rewrite it", l.path))
	}
	if _, err := os.Stat(l.path); err != nil {
		switch {
		case l.explicit:
			return fmt.Errorf("cannot read: %w", err)
		case live && errors.Is(err, fs.ErrNotExist):
			fsx.add("LOG_MISSING", l.source, l.line, fmt.Sprintf("audit log %s does not exist", l.path))
		}
		// Statically, a log named by a config is usually inside a container
		// or on the server, not here.
		return nil
	}
	opts := auditlog.VerifyOptions{}
	if l.key != "" {
		if err := checkSecretMode(fsx, l.key, "audit log key"); err != nil {
			return fmt.Errorf("key %s: %w", l.key, err)
		}
		k, err := auditlog.ReadKeyFile(l.key)
		if err != nil {
			return fmt.Errorf("key %s: %w", l.key, err)
		}
		opts.Key = k
	}
	cp := l.checkpoint
	if cp == "" {
		cp = l.path + ".checkpoint"
	}
	if cp != "off" {
		if _, err := os.Stat(cp); err == nil {
			c, err := auditlog.ReadCheckpoint(cp)
			if err != nil {
				return fmt.Errorf("checkpoint %s: %w", cp, err)
			}
			opts.Checkpoint = &c
		}
	}
	files, err := auditlog.Files(l.path)
	if err != nil {
		return fmt.Errorf("cannot list: %w", err)
	}
	rep, err := auditlog.Verify(files, opts)
	if err != nil {
		return fmt.Errorf("cannot verify: %w", err)
	}
	if p := rep.Problem; p != nil {
		fsx.add("LOG_TAMPERED", p.File, p.Line, fmt.Sprintf("%s: seq %d: %s", p.Kind, p.Seq, p.Reason))
	}
	return nil
}
