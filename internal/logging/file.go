package logging

import (
	"errors"
	"fmt"
	"io"
	"io/fs"
	"os"
	"path/filepath"

	"gopkg.in/natefinch/lumberjack.v2"
)

// FileConfig says where a log file goes and when it is rotated.
type FileConfig struct {
	// Path is the log file. Rotated files go beside it, named
	// <name>-<UTC time>.<ext> (.gz added when compressed).
	Path string
	// MaxSizeMB is the size in megabytes past which the file is rotated;
	// it must be at least 1.
	MaxSizeMB int
	// MaxBackups is how many rotated files are kept, the oldest removed
	// first; 0 keeps them all.
	MaxBackups int
	// Compress gzips rotated files.
	Compress bool
}

// OpenFile opens the log file of c for appending, creating it and its
// directory, and returns a writer that rotates it by size. The file is
// opened once here so that a path the node cannot write is an error at
// start, not a lost log. Close the writer at shutdown.
func OpenFile(c FileConfig) (io.WriteCloser, error) {
	if c.MaxSizeMB < 1 {
		return nil, fmt.Errorf("the log file's maximum size must be at least 1 MB, not %d", c.MaxSizeMB)
	}
	if c.MaxBackups < 0 {
		return nil, fmt.Errorf("the number of rotated log files to keep cannot be negative (%d)", c.MaxBackups)
	}
	dir := filepath.Dir(c.Path)
	if err := os.MkdirAll(dir, 0o755); err != nil {
		return nil, fmt.Errorf("cannot create the directory %s: %w", dir, bare(err))
	}
	f, err := os.OpenFile(c.Path, os.O_CREATE|os.O_APPEND|os.O_WRONLY, 0o644)
	if err != nil {
		return nil, fmt.Errorf("cannot open %s for writing: %w", c.Path, bare(err))
	}
	if err := f.Close(); err != nil {
		return nil, err
	}
	return &lumberjack.Logger{Filename: c.Path, MaxSize: c.MaxSizeMB, MaxBackups: c.MaxBackups, Compress: c.Compress}, nil
}

// bare returns the reason of a path error without the operation and path,
// which the sentence around it already names.
func bare(err error) error {
	var pe *fs.PathError
	if errors.As(err, &pe) {
		return pe.Err
	}
	return err
}

// Tee writes every line to each of its writers, even when one fails (a
// closed standard error must not cost the log file its lines), and returns
// the first error.
type Tee []io.Writer

// Write writes p to every writer.
func (t Tee) Write(p []byte) (int, error) {
	var first error
	for _, w := range t {
		if _, err := w.Write(p); err != nil && first == nil {
			first = err
		}
	}
	return len(p), first
}
