package sigverify

import (
	"crypto/sha256"
	"testing"
)

// FuzzVerify compares every backend with btcec's schnorr.Verify, alone and
// inside a batch of valid signatures, on
//   - mode 0: the arbitrary triple (key, msg, sig) padded or cut to size;
//   - mode 1: a valid signature with one bit of key, message or signature
//     flipped (bit < 1024; beyond, none: the valid signature itself);
//   - mode 2: a valid signature with r, s or the key set to a value at or
//     around p or n (bit picks which and which value).
func FuzzVerify(f *testing.F) {
	f.Add([]byte("key"), []byte("msg"), []byte("sig"), uint8(0), uint16(0))
	f.Add([]byte("seed"), []byte("message"), []byte{}, uint8(1), uint16(2000))
	f.Add([]byte("seed"), []byte("message"), []byte{}, uint8(1), uint16(700))
	f.Add([]byte("seed"), []byte("message"), []byte{}, uint8(2), uint16(3))
	f.Add([]byte("seed"), []byte("message"), []byte{}, uint8(2), uint16(17))
	vs := verifiers(f)
	g := newTripleGen(5)
	companions := []Triple{g.next(), g.next(), g.next(), g.next(), g.next()}
	f.Fuzz(func(t *testing.T, key, msg, sig []byte, mode uint8, bit uint16) {
		var tr Triple
		switch mode % 3 {
		case 0:
			copy(tr.PubKey[:], key)
			copy(tr.Msg[:], msg)
			copy(tr.Sig[:], sig)
		case 1:
			tr, _ = Sign(string(key), sha256.Sum256(msg))
			if b := int(bit); b < 256 {
				tr.PubKey[b/8] ^= 1 << (b % 8)
			} else if b < 512 {
				tr.Msg[(b-256)/8] ^= 1 << (b % 8)
			} else if b < 1024 {
				tr.Sig[(b-512)/8] ^= 1 << (b % 8)
			}
		case 2:
			tr, _ = Sign(string(key), sha256.Sum256(msg))
			v := boundaries[int(bit)%len(boundaries)]
			switch (int(bit) / len(boundaries)) % 3 {
			case 0:
				copy(tr.Sig[:32], v[:])
			case 1:
				copy(tr.Sig[32:], v[:])
			default:
				tr.PubKey = v
			}
		}
		want := oracle(&tr)
		batch := append([]Triple{tr}, companions...)
		for _, v := range vs {
			if got := v.Verify(&tr); got != want {
				t.Fatalf("%s: Verify(%x) = %v, schnorr.Verify %v", v.Name(), tr, got, want)
			}
			bad := make([]bool, len(batch))
			all := v.VerifyBatch(batch, bad)
			if all != want || bad[0] == want {
				t.Fatalf("%s: in a batch %x verifies %v (batch %v), schnorr.Verify %v", v.Name(), tr, !bad[0], all, want)
			}
			for i, b := range bad[1:] {
				if b {
					t.Fatalf("%s: valid companion %d named bad beside %x", v.Name(), i+1, tr)
				}
			}
		}
	})
}
