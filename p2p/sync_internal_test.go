package p2p

import "testing"

// TestRequestSize checks how many bodies one getblocks asks for: the
// least while nothing is known, requestBytes worth of small blocks up to
// the protocol's limit, never fewer than the least for large ones.
func TestRequestSize(t *testing.T) {
	for _, c := range []struct{ blockSize, want int }{
		{0, blocksPerRequest},
		{1, MaxBlocksPerRequest},
		{200, MaxBlocksPerRequest},
		{requestBytes / 100, 100},
		{requestBytes / blocksPerRequest, blocksPerRequest},
		{1_000_000, blocksPerRequest},
	} {
		if got := requestSize(c.blockSize); got != c.want {
			t.Errorf("blocks of %d bytes: %d per request, want %d", c.blockSize, got, c.want)
		}
	}
}

// TestMovingBlockSize checks the moving average of the bodies' size: the
// first reply sets it, later ones weigh a quarter.
func TestMovingBlockSize(t *testing.T) {
	for _, c := range []struct{ avg, reply, want int }{
		{0, 300, 300},
		{0, 0, 1},
		{400, 800, 500},
		{800, 400, 700},
		{1, 0, 1},
	} {
		if got := movingBlockSize(c.avg, c.reply); got != c.want {
			t.Errorf("average %d, reply %d: %d, want %d", c.avg, c.reply, got, c.want)
		}
	}
}
