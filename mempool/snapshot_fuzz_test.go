package mempool

import (
	"bytes"
	"crypto/sha256"
	"encoding/binary"
	"errors"
	"os"
	"testing"
)

// encodeSnapshot writes records in Save's format.
func encodeSnapshot(txs []snapshotTx) []byte {
	buf := append([]byte(nil), snapshotMagic...)
	buf = binary.LittleEndian.AppendUint32(buf, uint32(len(txs)))
	for _, st := range txs {
		raw := st.tx.Serialize()
		buf = binary.LittleEndian.AppendUint64(buf, uint64(st.added.Unix()))
		buf = binary.LittleEndian.AppendUint32(buf, uint32(len(raw)))
		buf = append(buf, raw...)
	}
	sum := sha256.Sum256(buf)
	return append(buf, sum[:]...)
}

// FuzzDecodeSnapshot hands arbitrary bytes to the snapshot decoder Load
// uses. It never panics; a file it accepts encodes back to the same bytes;
// a file it refuses is ErrCorruptSnapshot.
func FuzzDecodeSnapshot(f *testing.F) {
	env := newEnv(f, Policy{})
	coins := env.takeCoins(2)
	parent := env.spend(coins[:1], 2, 1000)
	child := env.spend([]coin{coinOf(parent, 1)}, 1, 1000)
	env.accept(parent)
	env.accept(child)
	dir := f.TempDir()
	path := dir + "/" + DefaultSnapshotName
	if err := env.mp.Save(path); err != nil {
		f.Fatal(err)
	}
	saved, err := os.ReadFile(path)
	if err != nil {
		f.Fatal(err)
	}
	f.Add(saved)
	f.Add(encodeSnapshot(nil))
	f.Add(withChecksum([]byte(snapshotMagic + "\xff\xff\xff\xff")))
	f.Add(withChecksum(append([]byte(snapshotMagic+"\x01\x00\x00\x00"), make([]byte, 12)...)))
	f.Add(saved[:len(saved)-1])
	f.Add([]byte{})
	f.Fuzz(func(t *testing.T, data []byte) {
		txs, err := decodeSnapshot(data)
		if err != nil {
			if !errors.Is(err, ErrCorruptSnapshot) {
				t.Fatalf("untyped error: %v", err)
			}
			if txs != nil {
				t.Fatalf("error %v with %d records", err, len(txs))
			}
			return
		}
		if back := encodeSnapshot(txs); !bytes.Equal(back, data) {
			t.Fatalf("round trip differs:\n in  %x\n out %x", data, back)
		}
	})
}
