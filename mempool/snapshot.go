package mempool

import (
	"bytes"
	"crypto/sha256"
	"encoding/binary"
	"errors"
	"fmt"
	"os"
	"time"

	"github.com/flint-chain/flint/internal/atomicfile"

	"github.com/flint-chain/flint/chain"
)

// The snapshot file holds the pool's transactions in topological order:
//
//	magic "FLMPOOL1" || u32 count ||
//	count * (u64 entry time, Unix seconds || u32 length || transaction) ||
//	SHA256 of everything before
//
// Integers are little-endian. The checksum catches a torn or corrupted
// file; Load then refuses it whole.
const snapshotMagic = "FLMPOOL1"

// DefaultSnapshotName is the file name the node gives the snapshot in its
// data directory.
const DefaultSnapshotName = "mempool.dat"

// Save writes the pool's transactions to path atomically: to a temporary
// file in the same directory, synced, then renamed over path (and the
// directory synced), so a crash leaves either the old file or the new one.
func (mp *TxPool) Save(path string) error {
	mp.mu.RLock()
	list := make([]*entry, 0, len(mp.pool))
	for _, e := range mp.pool {
		list = append(list, e)
	}
	sortTopological(list)
	buf := append([]byte(nil), snapshotMagic...)
	buf = binary.LittleEndian.AppendUint32(buf, uint32(len(list)))
	for _, e := range list {
		buf = binary.LittleEndian.AppendUint64(buf, uint64(e.added.Unix()))
		buf = binary.LittleEndian.AppendUint32(buf, uint32(e.size))
		buf = e.tx.AppendTo(buf)
	}
	mp.mu.RUnlock()
	sum := sha256.Sum256(buf)
	buf = append(buf, sum[:]...)

	if err := atomicfile.WriteFile(path, buf, 0o600); err != nil {
		return fmt.Errorf("mempool: save snapshot: %w", err)
	}
	mp.log.Info("mempool saved", "path", path, "txs", len(list))
	return nil
}

// ErrCorruptSnapshot is returned (wrapped, with the reason) by Load for a
// snapshot file that is not well formed: torn, truncated, failing its
// checksum, or holding an undecodable transaction.
var ErrCorruptSnapshot = errors.New("corrupt mempool snapshot")

// snapshotTx is one decoded snapshot record.
type snapshotTx struct {
	tx    *chain.Tx
	added time.Time
}

// decodeSnapshot parses a snapshot file, refusing it whole if anything is
// wrong with it.
func decodeSnapshot(data []byte) ([]snapshotTx, error) {
	txs, err := decodeSnapshotRecords(data)
	if err != nil {
		return nil, fmt.Errorf("%w: %w", ErrCorruptSnapshot, err)
	}
	return txs, nil
}

// decodeSnapshotRecords does decodeSnapshot's work; its errors say what
// is wrong without the ErrCorruptSnapshot wrapping.
func decodeSnapshotRecords(data []byte) ([]snapshotTx, error) {
	if len(data) < len(snapshotMagic)+4+sha256.Size {
		return nil, errors.New("snapshot too short")
	}
	body, sum := data[:len(data)-sha256.Size], data[len(data)-sha256.Size:]
	if want := sha256.Sum256(body); !bytes.Equal(sum, want[:]) {
		return nil, errors.New("snapshot checksum mismatch")
	}
	if string(body[:len(snapshotMagic)]) != snapshotMagic {
		return nil, errors.New("not a mempool snapshot")
	}
	body = body[len(snapshotMagic):]
	count := binary.LittleEndian.Uint32(body)
	body = body[4:]
	// Each record takes at least 12 bytes of header: bound the count
	// before allocating.
	if uint64(count)*12 > uint64(len(body)) {
		return nil, fmt.Errorf("snapshot claims %d transactions in %d bytes", count, len(body))
	}
	out := make([]snapshotTx, 0, count)
	for i := range count {
		if len(body) < 12 {
			return nil, fmt.Errorf("snapshot record %d truncated", i)
		}
		added := int64(binary.LittleEndian.Uint64(body))
		n := binary.LittleEndian.Uint32(body[8:])
		body = body[12:]
		if uint64(n) > uint64(len(body)) {
			return nil, fmt.Errorf("snapshot record %d truncated", i)
		}
		tx, err := chain.DecodeTx(body[:n])
		if err != nil {
			return nil, fmt.Errorf("snapshot record %d: %w", i, err)
		}
		body = body[n:]
		out = append(out, snapshotTx{tx: tx, added: time.Unix(added, 0)})
	}
	if len(body) != 0 {
		return nil, errors.New("snapshot has trailing bytes")
	}
	return out, nil
}

// Load reads a snapshot written by Save and puts its transactions back
// through the normal acceptance, so each is revalidated against the
// current chain; transactions no longer valid or past their expiry are
// skipped. Each keeps its original entry time. A missing file is not an
// error (a first start); a malformed one is refused whole, leaving the
// pool unchanged. It returns how many transactions entered the pool.
func (mp *TxPool) Load(path string) (int, error) {
	data, err := os.ReadFile(path)
	if errors.Is(err, os.ErrNotExist) {
		return 0, nil
	}
	if err != nil {
		return 0, fmt.Errorf("mempool: load snapshot: %w", err)
	}
	txs, err := decodeSnapshot(data)
	if err != nil {
		return 0, fmt.Errorf("mempool: load snapshot %s: %w", path, err)
	}
	cutoff := mp.now().Add(-mp.policy.Expiry)
	loaded, skipped := 0, 0
	for _, st := range txs {
		if st.added.Before(cutoff) {
			skipped++
			continue
		}
		res, err := mp.accept(st.tx, "", st.added)
		if err != nil {
			var re *RuleError
			if !errors.As(err, &re) {
				return loaded, fmt.Errorf("mempool: load snapshot: %w", err)
			}
			skipped++
			continue
		}
		loaded += len(res.Accepted)
	}
	mp.log.Info("mempool loaded", "path", path, "txs", loaded, "skipped", skipped)
	return loaded, nil
}
