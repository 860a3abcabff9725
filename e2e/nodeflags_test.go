//go:build unix

package e2e

import (
	"context"
	"testing"
	"time"

	"github.com/flint-chain/flint/chain"
)

// TestMinePeriodAndClockOffset runs a regtest node that mines on a period
// with its clock three hours ahead: blocks keep coming without --dev, and
// their timestamps are the shifted clock's.
func TestMinePeriodAndClockOffset(t *testing.T) {
	dir := t.TempDir()
	rpcAddr := freePort(t)
	params := chain.RegTestParams()
	node := start(t, "node", "--network", "regtest", "--p2p.off", "--datadir", dir, "--rpc.addr", rpcAddr,
		"--mine.period", "100ms", "--mine.address", chain.EncodeAddress(params, testKey()),
		"--test.clockoffset", "3h", "--p2p.off")
	ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
	defer cancel()
	client := dial(t, ctx, dir, rpcAddr)
	eventually(t, "three blocks mined on the period", func() bool {
		n, err := client.GetBlockCount(ctx)
		return err == nil && n >= 3
	})
	tip, err := client.GetBestBlockHash(ctx)
	if err != nil {
		t.Fatal(err)
	}
	hdr, err := client.GetBlockHeader(ctx, tip)
	if err != nil {
		t.Fatal(err)
	}
	ahead := time.Until(time.Unix(int64(hdr.Time), 0))
	if ahead < 2*time.Hour+50*time.Minute || ahead > 3*time.Hour+time.Minute {
		t.Fatalf("tip's timestamp is %v ahead of the real clock, want about 3h", ahead)
	}
	node.stop(t)
}
