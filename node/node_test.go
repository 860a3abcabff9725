package node

import (
	"context"
	"io"
	"log/slog"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/flint-chain/flint/chain"
)

var quiet = slog.New(slog.NewTextHandler(io.Discard, nil))

func devConfig(dir string) Config {
	return Config{
		Params:    chain.RegTestParams(),
		DataDir:   dir,
		DevPeriod: 5 * time.Millisecond,
		MinePayTo: [32]byte{7},
		Logger:    quiet,
	}
}

// runUntil runs a node until its chain reaches height, then stops it.
func runUntil(t *testing.T, n *Node, height uint32) {
	t.Helper()
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan error, 1)
	go func() { done <- n.Run(ctx) }()
	deadline := time.Now().Add(30 * time.Second)
	for n.Chain().BestState().Height < height {
		if time.Now().After(deadline) {
			t.Fatalf("node stuck at height %d", n.Chain().BestState().Height)
		}
		time.Sleep(5 * time.Millisecond)
	}
	cancel()
	if err := <-done; err != nil {
		t.Fatal(err)
	}
}

func TestDevNodeMinesAndResumes(t *testing.T) {
	dir := t.TempDir()
	n, err := New(devConfig(dir))
	if err != nil {
		t.Fatal(err)
	}

	// A second process (here, a second node) cannot use the directory.
	if _, err := New(devConfig(dir)); err == nil || !strings.Contains(err.Error(), "in use") {
		t.Fatalf("second node on the same directory: %v", err)
	}

	runUntil(t, n, 3)
	stopped := n.Chain().BestState()

	// Run closed the database: a restart resumes at the same tip.
	n, err = New(devConfig(dir))
	if err != nil {
		t.Fatal(err)
	}
	if got := n.Chain().BestState(); got.Hash != stopped.Hash {
		t.Fatalf("restart at %v (height %d), want %v", got.Hash, got.Height, stopped.Hash)
	}
	runUntil(t, n, stopped.Height+2)
}

func TestDevKeyPersists(t *testing.T) {
	path := filepath.Join(t.TempDir(), "dev-miner.key")
	a, err := LoadOrCreateDevKey(path)
	if err != nil {
		t.Fatal(err)
	}
	info, err := os.Stat(path)
	if err != nil || info.Mode().Perm() != 0o600 {
		t.Fatalf("key file mode %v (%v), want 0600", info.Mode(), err)
	}
	b, err := LoadOrCreateDevKey(path)
	if err != nil || XOnly(a) != XOnly(b) {
		t.Fatalf("reloaded key differs (%v)", err)
	}
	if err := os.WriteFile(path, []byte("not hex"), 0o600); err != nil {
		t.Fatal(err)
	}
	if _, err := LoadOrCreateDevKey(path); err == nil {
		t.Fatal("corrupt key file accepted")
	}
}
