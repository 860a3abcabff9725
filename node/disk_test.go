package node

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/dgraph-io/badger/v4"

	"github.com/flint-chain/flint/chain"
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

// TestStopsWhenTheDiskRunsLow: a running node whose disk runs low stops
// by itself with one sentence giving the numbers.
func TestStopsWhenTheDiskRunsLow(t *testing.T) {
	dir := t.TempDir()
	n, err := New(devConfig(dir))
	if err != nil {
		t.Fatal(err)
	}
	var free atomic.Uint64
	free.Store(1 << 30)
	n.freeSpace = func(string) (uint64, error) { return free.Load(), nil }
	done := make(chan error, 1)
	go func() { done <- n.Run(context.Background()) }()
	waitHeight(t, n, 3)
	free.Store(100 << 20)
	var runErr error
	select {
	case runErr = <-done:
	case <-time.After(30 * time.Second):
		t.Fatal("the node did not stop within 30 s of its disk running low")
	}
	want := fmt.Sprintf("disk space is low: 100 MiB free on the file system of %s, below the 512 MiB a node keeps in reserve", dir)
	if !errors.Is(runErr, ErrDiskLow) || runErr.Error() != want {
		t.Fatalf("Run returned %v\nwant %s", runErr, want)
	}
	// The database is left for the next process to recover, as the e2e
	// full-disk test does with a real tmpfs.
}

// TestReserveCoversTheDatabase checks DefaultMinFreeDisk's reasoning
// against the database's own sizes: a memtable's log and its flush, a
// level-0 compaction, and no chain value large enough for the value log.
func TestReserveCoversTheDatabase(t *testing.T) {
	opts := badger.DefaultOptions("")
	if need := uint64((2 + int64(opts.NumLevelZeroTables)) * opts.MemTableSize); DefaultMinFreeDisk < need {
		t.Errorf("reserve of %d MiB, below the %d MiB of a memtable's log and flush and a level-0 compaction of %d tables",
			DefaultMinFreeDisk>>20, need>>20, opts.NumLevelZeroTables)
	}
	for _, p := range []*chain.Params{chain.MainNetParams(), chain.TestNetParams(), chain.RegTestParams()} {
		if int64(p.MaxBlockSize) >= opts.ValueThreshold {
			t.Errorf("%s blocks of up to %d bytes reach badger's value log (threshold %d): the reserve does not cover its files",
				p.Name, p.MaxBlockSize, opts.ValueThreshold)
		}
	}
}

// waitHeight waits until n's chain reaches height.
func waitHeight(t *testing.T, n *Node, height uint32) {
	t.Helper()
	deadline := time.Now().Add(30 * time.Second)
	for n.Chain().BestState().Height < height {
		if time.Now().After(deadline) {
			t.Fatalf("node stuck at height %d", n.Chain().BestState().Height)
		}
		time.Sleep(5 * time.Millisecond)
	}
}
