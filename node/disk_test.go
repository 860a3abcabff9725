package node

import (
	"errors"
	"strings"
	"testing"
)

// TestRefusesToStartOnALowDisk: a node that would start with less free
// space than its reserve refuses, saying why, before opening anything.
func TestRefusesToStartOnALowDisk(t *testing.T) {
	cfg := devConfig(t.TempDir())
	cfg.MinFreeDisk = 1 << 62
	n, err := New(cfg)
	if err == nil {
		n.closeListeners()
		n.chain.Close()
		t.Fatal("a node started with less free space than its reserve")
	}
	if !errors.Is(err, ErrDiskLow) || !strings.Contains(err.Error(), "MiB free") {
		t.Fatalf("got %v, want ErrDiskLow with the numbers", err)
	}
	cfg.MinFreeDisk = 1 // and a disk with room is fine
	n, err = New(cfg)
	if err != nil {
		t.Fatal(err)
	}
	n.closeListeners()
	n.chain.Close()
}
