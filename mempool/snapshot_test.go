package mempool

import (
	"os"
	"path/filepath"
	"testing"
	"time"

	"github.com/flint-chain/flint/chain"
)

func TestSaveLoad(t *testing.T) {
	env := newEnv(t, Policy{})
	coins := env.takeCoins(3)
	a := env.spend(coins[:1], 2, 1000)
	b := env.spend([]coin{coinOf(a, 0)}, 1, 1000)
	c := env.spend(coins[1:2], 1, 1000)
	d := env.spend(coins[2:3], 1, 1000)
	for _, tx := range []*chain.Tx{a, b, c, d} {
		env.accept(tx)
	}
	addedB, _ := env.mp.Lookup(b.TxID())
	path := filepath.Join(t.TempDir(), DefaultSnapshotName)
	if err := env.mp.Save(path); err != nil {
		t.Fatal(err)
	}
	// Saving again replaces the file and leaves no temporary behind.
	if err := env.mp.Save(path); err != nil {
		t.Fatal(err)
	}
	if ents, _ := os.ReadDir(filepath.Dir(path)); len(ents) != 1 {
		t.Fatalf("%d files in the directory, want only the snapshot", len(ents))
	}

	// Meanwhile c confirms and d is double-spent by a block: on load they
	// are revalidated away.
	fresh := env.newPool(Policy{})
	env.mine(c, env.spend(coins[2:3], 1, 7000))
	env.clock.Advance(time.Hour)
	n, err := fresh.Load(path)
	if err != nil {
		t.Fatal(err)
	}
	if n != 2 || !fresh.Has(a.TxID()) || !fresh.Has(b.TxID()) || fresh.Count() != 2 {
		t.Fatalf("loaded %d, pool %d: want a and b", n, fresh.Count())
	}
	if got, _ := fresh.Lookup(b.TxID()); !got.Added.Equal(addedB.Added) {
		t.Fatalf("entry time %v, want %v kept", got.Added, addedB.Added)
	}
	checkPoolConsistent(t, fresh)
}

func TestLoadSkipsExpired(t *testing.T) {
	env := newEnv(t, Policy{})
	env.accept(env.spend(env.takeCoins(1), 1, 1000))
	path := filepath.Join(t.TempDir(), DefaultSnapshotName)
	if err := env.mp.Save(path); err != nil {
		t.Fatal(err)
	}
	env.clock.Advance(DefaultExpiry + time.Hour)
	fresh := env.newPool(Policy{})
	if n, err := fresh.Load(path); err != nil || n != 0 || fresh.Count() != 0 {
		t.Fatalf("loaded %d (%v), want expired transactions skipped", n, err)
	}
}

func TestLoadMissingAndCorrupt(t *testing.T) {
	env := newEnv(t, Policy{})
	dir := t.TempDir()
	if n, err := env.mp.Load(filepath.Join(dir, "none")); n != 0 || err != nil {
		t.Fatalf("missing file: %d %v", n, err)
	}
	env.accept(env.spend(env.takeCoins(1), 1, 1000))
	path := filepath.Join(dir, DefaultSnapshotName)
	if err := env.mp.Save(path); err != nil {
		t.Fatal(err)
	}
	good, _ := os.ReadFile(path)
	cases := map[string][]byte{
		"flipped byte": func() []byte { b := append([]byte(nil), good...); b[20] ^= 1; return b }(),
		"truncated":    good[:len(good)-1],
		"short":        good[:10],
		"empty":        nil,
	}
	for name, data := range cases {
		t.Run(name, func(t *testing.T) {
			if err := os.WriteFile(path, data, 0o600); err != nil {
				t.Fatal(err)
			}
			fresh := env.newPool(Policy{})
			if n, err := fresh.Load(path); err == nil || n != 0 || fresh.Count() != 0 {
				t.Fatalf("corrupt snapshot: loaded %d, err %v", n, err)
			}
		})
	}
}

func TestDecodeSnapshotBounds(t *testing.T) {
	// A huge count in a short body is refused before allocating.
	body := append([]byte(snapshotMagic), 0xff, 0xff, 0xff, 0xff)
	if _, err := decodeSnapshot(withChecksum(body)); err == nil {
		t.Fatal("absurd count accepted")
	}
	if txs, err := decodeSnapshot(withChecksum(append([]byte(snapshotMagic), 0, 0, 0, 0))); err != nil || len(txs) != 0 {
		t.Fatalf("empty snapshot: %v", err)
	}
}
