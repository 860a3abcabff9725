// Package atomicfile writes files so that a crash or a full disk leaves the
// old content or the new, never a part: the data goes to a temporary file
// in the same directory, is synced, optionally checked, and renamed over
// the target; then the directory is synced so the rename itself lasts.
package atomicfile

import (
	"errors"
	"fmt"
	"os"
	"path/filepath"
)

// ErrExists is returned (wrapped) when Options.NoReplace is set and the
// target already exists.
var ErrExists = errors.New("file already exists")

// Options tune Write.
type Options struct {
	// Mode is the new file's permission bits (0600 if zero), set before
	// any data is written.
	Mode os.FileMode
	// Verify, if set, is called with the synced temporary file's path
	// before it takes the target's place; an error aborts the write.
	Verify func(tmpPath string) error
	// NoReplace refuses to replace an existing target (the temporary file
	// is linked, not renamed, into place).
	NoReplace bool
}

// WriteFile writes data to path with mode, atomically.
func WriteFile(path string, data []byte, mode os.FileMode) error {
	return Write(path, data, Options{Mode: mode})
}

// Write writes data to path atomically as opt says. On any error path is
// unchanged and the temporary file is removed.
func Write(path string, data []byte, opt Options) (err error) {
	if opt.Mode == 0 {
		opt.Mode = 0o600
	}
	dir := filepath.Dir(path)
	f, err := os.CreateTemp(dir, "."+filepath.Base(path)+".tmp-*")
	if err != nil {
		return err
	}
	tmp := f.Name()
	defer func() {
		if f != nil {
			f.Close()
		}
		os.Remove(tmp) // harmless once renamed or linked
	}()
	if err := f.Chmod(opt.Mode); err != nil {
		return err
	}
	if _, err := f.Write(data); err != nil {
		return err
	}
	if err := f.Sync(); err != nil {
		return err
	}
	err = f.Close()
	f = nil
	if err != nil {
		return err
	}
	if opt.Verify != nil {
		if err := opt.Verify(tmp); err != nil {
			return err
		}
	}
	if opt.NoReplace {
		if err := os.Link(tmp, path); err != nil {
			if errors.Is(err, os.ErrExist) {
				return fmt.Errorf("%s: %w", path, ErrExists)
			}
			return err
		}
	} else if err := os.Rename(tmp, path); err != nil {
		return err
	}
	if d, err := os.Open(dir); err == nil {
		d.Sync() // best effort: not every platform can sync a directory
		d.Close()
	}
	return nil
}
