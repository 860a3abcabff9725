package node

import (
	"context"
	"errors"
	"fmt"
	"time"

	"golang.org/x/sys/unix"
)

// DefaultMinFreeDisk is the free space below which a node stops. The
// chain database (badger, with its default options) writes through
// memory-mapped files, and a write there to a full disk is not an error
// the node could handle but a crash (SIGBUS). The reserve covers what the
// database may write once the node has stopped writing, its background
// work included: the rest of its memtable's write-ahead log (up to one
// memtable, 64 MiB), the table that memtable is flushed to (up to 64 MiB
// more), and a level-0 compaction, which rewrites the level-0 tables it
// starts at (5, of up to a memtable each) before the old ones go: 448
// MiB, rounded up to 512. Values of 1 MiB or more would go to the value
// log instead, but the chain stores none: a block is at most 1,000,000
// bytes. TestReserveCoversTheDatabase checks these sizes against
// badger's.
const DefaultMinFreeDisk = 512 << 20

// diskCheckInterval is how often the running node looks at the free space
// (each block stored looks too).
const diskCheckInterval = time.Second

// ErrDiskLow is the error a node stops with when its disk is (nearly)
// full.
var ErrDiskLow = errors.New("disk space is low")

// freeDisk returns the bytes available to this process on dir's file system.
func freeDisk(dir string) (uint64, error) {
	var st unix.Statfs_t
	if err := unix.Statfs(dir, &st); err != nil {
		return 0, err
	}
	return st.Bavail * uint64(st.Bsize), nil
}

// checkDisk returns an ErrDiskLow error, with the numbers, when the data
// directory's file system has less than the minimum free.
func (n *Node) checkDisk() error {
	measure := freeDisk
	if n.freeSpace != nil {
		measure = n.freeSpace
	}
	free, err := measure(n.cfg.DataDir)
	if err != nil {
		return nil // a file system that cannot say is not a reason to stop
	}
	if free < n.cfg.MinFreeDisk {
		return fmt.Errorf("%w: %d MiB free on the file system of %s, below the %d MiB a node keeps in reserve",
			ErrDiskLow, free>>20, n.cfg.DataDir, n.cfg.MinFreeDisk>>20)
	}
	return nil
}

// diskLow records that the disk ran low and stops the node.
func (n *Node) diskLow(err error) {
	if n.diskErr.CompareAndSwap(nil, &err) {
		n.log.Error("stopping: free some space, then start the node again", "err", err)
		n.stop()
	}
}

// watchDisk stops the node when the disk runs low.
func (n *Node) watchDisk(ctx context.Context) error {
	t := time.NewTicker(diskCheckInterval)
	defer t.Stop()
	for {
		select {
		case <-ctx.Done():
			return nil
		case <-t.C:
			if err := n.checkDisk(); err != nil {
				n.diskLow(err)
				return nil
			}
		}
	}
}

// guardDisk wraps a write to the chain: with the disk low it refuses
// (and stops the node) instead of writing.
func (n *Node) guardDisk() error {
	if p := n.diskErr.Load(); p != nil {
		return *p
	}
	if err := n.checkDisk(); err != nil {
		n.diskLow(err)
		return err
	}
	return nil
}
