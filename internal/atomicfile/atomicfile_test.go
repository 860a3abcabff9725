package atomicfile

import (
	"errors"
	"os"
	"path/filepath"
	"testing"
)

func TestWriteFile(t *testing.T) {
	dir := t.TempDir()
	path := filepath.Join(dir, "f")
	if err := WriteFile(path, []byte("one"), 0o640); err != nil {
		t.Fatal(err)
	}
	if err := WriteFile(path, []byte("two"), 0o600); err != nil {
		t.Fatal(err)
	}
	b, err := os.ReadFile(path)
	info, _ := os.Stat(path)
	if err != nil || string(b) != "two" || info.Mode().Perm() != 0o600 {
		t.Fatalf("content %q mode %v (%v)", b, info.Mode(), err)
	}
	assertOnlyFile(t, dir, "f")
}

func TestVerifyFailureLeavesOldFile(t *testing.T) {
	dir := t.TempDir()
	path := filepath.Join(dir, "f")
	if err := WriteFile(path, []byte("old"), 0); err != nil {
		t.Fatal(err)
	}
	bad := errors.New("does not read back")
	err := Write(path, []byte("new"), Options{Verify: func(tmp string) error {
		if b, _ := os.ReadFile(tmp); string(b) != "new" {
			t.Errorf("verify sees %q", b)
		}
		return bad
	}})
	if !errors.Is(err, bad) {
		t.Fatalf("got %v", err)
	}
	if b, _ := os.ReadFile(path); string(b) != "old" {
		t.Fatalf("a failed write changed the file to %q", b)
	}
	assertOnlyFile(t, dir, "f")
}

func TestNoReplace(t *testing.T) {
	dir := t.TempDir()
	path := filepath.Join(dir, "f")
	if err := Write(path, []byte("first"), Options{NoReplace: true}); err != nil {
		t.Fatal(err)
	}
	if err := Write(path, []byte("second"), Options{NoReplace: true}); !errors.Is(err, ErrExists) {
		t.Fatalf("got %v, want ErrExists", err)
	}
	if b, _ := os.ReadFile(path); string(b) != "first" {
		t.Fatalf("content %q", b)
	}
	assertOnlyFile(t, dir, "f")
}

func TestMissingDirectory(t *testing.T) {
	if err := WriteFile(filepath.Join(t.TempDir(), "no", "f"), nil, 0); err == nil {
		t.Fatal("write into a missing directory succeeded")
	}
}

func assertOnlyFile(t *testing.T, dir, name string) {
	t.Helper()
	entries, _ := os.ReadDir(dir)
	if len(entries) != 1 || entries[0].Name() != name {
		t.Fatalf("directory holds %v, want only %s (no temporary file left)", entries, name)
	}
}
