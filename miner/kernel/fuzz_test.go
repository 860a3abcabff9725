package kernel

import (
	"testing"
)

// FuzzScan compares every kernel this CPU supports with crypto/sha256 on
// arbitrary headers, targets and windows. The header and target are padded
// with zeros or cut to 80 and 32 bytes; count is at most 255 so each input
// stays cheap.
func FuzzScan(f *testing.F) {
	f.Add(make([]byte, 80), []byte{0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff,
		0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff,
		0xff, 0xff, 0xff, 0x0f}, uint32(0), uint8(40))
	f.Add([]byte("flint"), []byte{}, uint32(0xffffff00), uint8(255))
	ks := testKernels(f)
	f.Fuzz(func(t *testing.T, header, target []byte, start uint32, count uint8) {
		var hdr [80]byte
		var tgt [32]byte
		copy(hdr[:], header)
		copy(tgt[:], target)
		n := uint32(count)
		if start > ^uint32(0)-n+1 && n > 0 {
			start = ^uint32(0) - n + 1
		}
		for _, k := range ks {
			checkScan(t, k, hdr, tgt, start, n)
		}
	})
}
