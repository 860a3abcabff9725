package chain

import (
	"crypto/sha256"
	"fmt"

	"github.com/dgraph-io/badger/v4"
)

// UtxoSetInfo describes the whole UTXO set at one tip, as Bitcoin Core's
// gettxoutsetinfo does: enough to check that no coins were created or lost
// (Total against the subsidies paid) and that two nodes hold the same set
// (SetHash).
type UtxoSetInfo struct {
	// BestHash and Height are the tip the set belongs to.
	BestHash Hash
	Height   uint32
	// Transactions is the number of transactions with unspent outputs.
	Transactions uint64
	// Outputs is the number of unspent outputs.
	Outputs uint64
	// Total is the sum of their values, in base units.
	Total uint64
	// SetHash is SHA-256d over every unspent output in key order (txid,
	// then output index as a big-endian u32), each written as txid (32
	// bytes) || index (u32 big-endian) || the 45-byte entry encoding
	// (height u32 LE || flags u8 || value u64 LE || pubkey). Equal sets
	// hash equal on every node.
	SetHash Hash
}

// UtxoSetInfo walks the UTXO set and returns its summary. It reads one
// database snapshot, so the set and the tip agree even while blocks
// connect; it takes time proportional to the set's size and holds no chain
// lock while it walks.
func (c *BlockChain) UtxoSetInfo() (UtxoSetInfo, error) {
	var info UtxoSetInfo
	h := sha256.New()
	err := c.db.View(func(txn *badger.Txn) error {
		tip, ok, err := getValue(txn, keyTip)
		if err != nil {
			return err
		}
		if !ok || len(tip) != HashSize {
			return AssertError("database has no tip")
		}
		copy(info.BestHash[:], tip)

		it := txn.NewIterator(badger.IteratorOptions{Prefix: []byte{prefixUtxo}, PrefetchValues: true, PrefetchSize: 1000})
		defer it.Close()
		var lastTxID []byte
		for it.Rewind(); it.Valid(); it.Next() {
			key := it.Item().Key()
			if len(key) != 1+HashSize+4 {
				return AssertError(fmt.Sprintf("UTXO key of %d bytes", len(key)))
			}
			err := it.Item().Value(func(v []byte) error {
				e, err := DecodeUtxoEntry(v)
				if err != nil {
					return err
				}
				if info.Total+e.Output.Value < info.Total {
					return AssertError("UTXO set total overflows 64 bits")
				}
				info.Total += e.Output.Value
				h.Write(key[1:])
				h.Write(v)
				return nil
			})
			if err != nil {
				return err
			}
			info.Outputs++
			if txid := key[1 : 1+HashSize]; string(txid) != string(lastTxID) {
				info.Transactions++
				lastTxID = append(lastTxID[:0], txid...)
			}
		}
		return nil
	})
	if err != nil {
		return UtxoSetInfo{}, err
	}
	info.SetHash = sha256.Sum256(h.Sum(nil))

	c.stateLock.RLock()
	n := c.index[info.BestHash]
	c.stateLock.RUnlock()
	if n == nil {
		return UtxoSetInfo{}, AssertError(fmt.Sprintf("tip %v is not in the block index", info.BestHash))
	}
	info.Height = n.height
	return info, nil
}
