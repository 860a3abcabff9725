package logging

import (
	"compress/gzip"
	"io"
	"log/slog"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"
)

// writeLog writes n bytes or more of log lines through a text handler on w.
func writeLog(w io.Writer, n int) {
	log := slog.New(slog.NewTextHandler(w, nil))
	pad := strings.Repeat("x", 200)
	for written := 0; written < n; written += 256 {
		log.Info("filler", "pad", pad)
	}
}

// rotated lists the rotated files beside path: name-<time>.log[.gz].
func rotated(t *testing.T, path string) []string {
	t.Helper()
	ext := filepath.Ext(path)
	prefix := strings.TrimSuffix(filepath.Base(path), ext) + "-"
	entries, err := os.ReadDir(filepath.Dir(path))
	if err != nil {
		t.Fatal(err)
	}
	var out []string
	for _, e := range entries {
		if strings.HasPrefix(e.Name(), prefix) && strings.Contains(e.Name(), ext) {
			out = append(out, filepath.Join(filepath.Dir(path), e.Name()))
		}
	}
	return out
}

// waitFor polls cond until it holds: the rotated files are removed and
// compressed by a goroutine of the rotation library after the write that
// rotated. The limit only turns a failure into a report.
func waitFor(t *testing.T, what string, cond func() bool) {
	t.Helper()
	for deadline := time.Now().Add(time.Minute); !cond(); time.Sleep(10 * time.Millisecond) {
		if time.Now().After(deadline) {
			t.Fatalf("waited a minute for %s", what)
		}
	}
}

// TestFileRotates writes 3.5 MB into a 1 MB log file in a directory that
// does not exist yet, keeping two rotated files.
func TestFileRotates(t *testing.T) {
	path := filepath.Join(t.TempDir(), "logs", "deep", "node.log")
	w, err := OpenFile(FileConfig{Path: path, MaxSizeMB: 1, MaxBackups: 2})
	if err != nil {
		t.Fatal(err)
	}
	writeLog(w, 3_500_000)
	if err := w.Close(); err != nil {
		t.Fatal(err)
	}
	waitFor(t, "two rotated files", func() bool { return len(rotated(t, path)) == 2 })
	for _, f := range append(rotated(t, path), path) {
		st, err := os.Stat(f)
		if err != nil {
			t.Fatal(err)
		}
		if st.Size() > 1<<20 || st.Size() == 0 {
			t.Fatalf("%s is %d bytes; a log file is rotated at 1 MB", f, st.Size())
		}
		data, _ := os.ReadFile(f)
		if !strings.HasSuffix(string(data), "\n") || !strings.HasPrefix(string(data), "time=") {
			t.Fatalf("%s does not hold whole lines", f)
		}
	}
}

// TestFileCompresses: with Compress set, rotated files are gzipped logs.
func TestFileCompresses(t *testing.T) {
	path := filepath.Join(t.TempDir(), "node.log")
	w, err := OpenFile(FileConfig{Path: path, MaxSizeMB: 1, MaxBackups: 5, Compress: true})
	if err != nil {
		t.Fatal(err)
	}
	writeLog(w, 1_500_000)
	if err := w.Close(); err != nil {
		t.Fatal(err)
	}
	var gz string
	waitFor(t, "a gzipped rotated file", func() bool {
		files := rotated(t, path)
		if len(files) == 1 && strings.HasSuffix(files[0], ".log.gz") {
			gz = files[0]
			return true
		}
		return false
	})
	f, err := os.Open(gz)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	zr, err := gzip.NewReader(f)
	if err != nil {
		t.Fatal(err)
	}
	data, err := io.ReadAll(zr)
	if err != nil || !strings.Contains(string(data), "msg=filler") {
		t.Fatalf("%s does not hold the log: %v", gz, err)
	}
}

// TestOpenFileRefusals: a log file that cannot be written is a sentence at
// start.
func TestOpenFileRefusals(t *testing.T) {
	dir := t.TempDir()
	file := filepath.Join(dir, "afile")
	if err := os.WriteFile(file, nil, 0o644); err != nil {
		t.Fatal(err)
	}
	cases := []struct {
		c    FileConfig
		want string
	}{
		{FileConfig{Path: filepath.Join(file, "node.log"), MaxSizeMB: 1},
			"cannot create the directory " + file + ": not a directory"},
		{FileConfig{Path: dir, MaxSizeMB: 1}, "cannot open " + dir + " for writing: is a directory"},
		{FileConfig{Path: filepath.Join(dir, "node.log")}, "the log file's maximum size must be at least 1 MB, not 0"},
		{FileConfig{Path: filepath.Join(dir, "node.log"), MaxSizeMB: 1, MaxBackups: -1},
			"the number of rotated log files to keep cannot be negative (-1)"},
	}
	for _, c := range cases {
		if _, err := OpenFile(c.c); err == nil || err.Error() != c.want {
			t.Errorf("OpenFile(%+v): got %v\nwant %s", c.c, err, c.want)
		}
	}
}

// failing is a writer that always fails.
type failing struct{}

func (failing) Write([]byte) (int, error) { return 0, os.ErrClosed }

// TestTeeWritesPastAFailure: a failing standard error does not cost the
// file its lines.
func TestTeeWritesPastAFailure(t *testing.T) {
	var b strings.Builder
	n, err := Tee{failing{}, &b}.Write([]byte("line\n"))
	if n != 5 || err != os.ErrClosed || b.String() != "line\n" {
		t.Fatalf("Tee wrote %d, %v; the second writer got %q", n, err, b.String())
	}
}
