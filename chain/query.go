package chain

import (
	"encoding/binary"
	"errors"
	"fmt"
	"math/big"

	"github.com/dgraph-io/badger/v4"
)

// ErrNotFound is returned (wrapped) by queries for a block, transaction or
// output the chain does not have.
var ErrNotFound = errors.New("not found")

// BestState describes the tip of the main chain (the best block: the
// connected chain) and the best header (the most-work header not known
// invalid, whose body may not be stored yet).
type BestState struct {
	Hash       Hash
	Height     uint32
	Header     Header
	WorkSum    *big.Int // cumulative work of the main chain
	MedianTime int64    // median time past of the tip
	NextBits   uint32   // bits the next block must carry

	HeaderHash    Hash
	HeaderHeight  uint32
	HeaderWorkSum *big.Int // cumulative work of the best header chain
}

// BestState returns a snapshot of the main chain's tip and the best header.
func (c *BlockChain) BestState() BestState {
	c.stateLock.RLock()
	defer c.stateLock.RUnlock()
	tip := c.tip()
	return BestState{
		Hash:          tip.hash,
		Height:        tip.height,
		Header:        tip.header(),
		WorkSum:       tip.workSum.big(),
		MedianTime:    tip.medianTimePast(),
		NextBits:      nextRequiredBits(tip, c.params),
		HeaderHash:    c.bestHeader.hash,
		HeaderHeight:  c.bestHeader.height,
		HeaderWorkSum: c.bestHeader.workSum.big(),
	}
}

// BlockHashByHeight returns the hash of the main-chain block at height.
func (c *BlockChain) BlockHashByHeight(height uint32) (Hash, error) {
	c.stateLock.RLock()
	defer c.stateLock.RUnlock()
	if int(height) >= len(c.mainChain) {
		return Hash{}, fmt.Errorf("no main-chain block at height %d: %w", height, ErrNotFound)
	}
	return c.mainChain[height].hash, nil
}

// HeaderInfo is a header with what the index knows of it.
type HeaderInfo struct {
	Header    Header
	Height    uint32
	MainChain bool
	Valid     bool // connected at least once: passed every rule
	Invalid   bool // it or an ancestor broke a rule
	WorkSum   *big.Int
	// MedianTime is the median time past of the block and up to ten of
	// its ancestors: a child's time must be later (SPEC §6 rule 2).
	MedianTime int64
}

// HeaderByHash returns the header with the given hash and its place in the
// index.
func (c *BlockChain) HeaderByHash(h Hash) (HeaderInfo, error) {
	c.stateLock.RLock()
	defer c.stateLock.RUnlock()
	n := c.index[h]
	if n == nil {
		return HeaderInfo{}, fmt.Errorf("block %v: %w", h, ErrNotFound)
	}
	return HeaderInfo{
		Header:     n.header(),
		Height:     n.height,
		MainChain:  c.inMainChain(n),
		Valid:      n.status&statusValid != 0,
		Invalid:    n.status.knownInvalid(),
		WorkSum:    n.workSum.big(),
		MedianTime: n.medianTimePast(),
	}, nil
}

// BlockByHash returns a stored block.
func (c *BlockChain) BlockByHash(h Hash) (*Block, error) {
	c.stateLock.RLock()
	n := c.index[h]
	stored := n != nil && n.status&statusDataStored != 0 // status is guarded too
	c.stateLock.RUnlock()
	if !stored {
		return nil, fmt.Errorf("block %v: %w", h, ErrNotFound)
	}
	return c.readBlock(h)
}

// BlockByHeight returns the main-chain block at height.
func (c *BlockChain) BlockByHeight(height uint32) (*Block, error) {
	h, err := c.BlockHashByHeight(height)
	if err != nil {
		return nil, err
	}
	return c.readBlock(h)
}

// TxLocation says where a main-chain transaction is.
type TxLocation struct {
	Block  Hash
	Height uint32
}

// TxByID returns a main-chain transaction from the tx index.
func (c *BlockChain) TxByID(txid Hash) (*Tx, TxLocation, error) {
	var loc txLocation
	var tx *Tx
	err := c.db.View(func(txn *badger.Txn) error {
		v, ok, err := getValue(txn, hashKey(prefixTxIndex, txid))
		if err != nil {
			return err
		}
		if !ok {
			return fmt.Errorf("transaction %v: %w", txid, ErrNotFound)
		}
		if loc, err = decodeTxLocation(v); err != nil {
			return err
		}
		raw, ok, err := getValue(txn, hashKey(prefixBlock, loc.block))
		if err != nil {
			return err
		}
		end := uint64(loc.offset) + uint64(loc.length)
		if !ok || end > uint64(len(raw)) {
			return AssertError("tx index points outside block " + loc.block.String())
		}
		tx, err = DecodeTx(raw[loc.offset:end])
		return err
	})
	if err != nil {
		return nil, TxLocation{}, err
	}
	info, err := c.HeaderByHash(loc.block)
	if err != nil {
		return nil, TxLocation{}, err
	}
	return tx, TxLocation{Block: loc.block, Height: info.Height}, nil
}

// FetchUtxo returns the unspent output at op, with ok false when it does not
// exist or is spent.
func (c *BlockChain) FetchUtxo(op OutPoint) (UtxoEntry, bool, error) {
	var e UtxoEntry
	var ok bool
	err := c.db.View(func(txn *badger.Txn) error {
		var err error
		e, ok, err = readUtxo(txn, op)
		return err
	})
	return e, ok, err
}

// Utxo is an unspent output with its outpoint.
type Utxo struct {
	OutPoint OutPoint
	Entry    UtxoEntry
}

// UtxosByPubKey returns every unspent output paying pubKey, from the address
// index.
func (c *BlockChain) UtxosByPubKey(pubKey [32]byte) ([]Utxo, error) {
	var utxos []Utxo
	prefix := append([]byte{prefixAddress}, pubKey[:]...)
	err := c.db.View(func(txn *badger.Txn) error {
		it := txn.NewIterator(badger.IteratorOptions{Prefix: prefix, PrefetchValues: true, PrefetchSize: 100})
		defer it.Close()
		for it.Rewind(); it.Valid(); it.Next() {
			key := it.Item().Key()
			if len(key) != len(prefix)+HashSize+4 {
				return AssertError("malformed address index key")
			}
			var u Utxo
			copy(u.OutPoint.TxID[:], key[len(prefix):])
			u.OutPoint.Index = binary.BigEndian.Uint32(key[len(key)-4:])
			err := it.Item().Value(func(v []byte) error {
				var err error
				u.Entry, err = DecodeUtxoEntry(v)
				return err
			})
			if err != nil {
				return err
			}
			utxos = append(utxos, u)
		}
		return nil
	})
	return utxos, err
}

// BalanceOfPubKey returns the sum of the unspent outputs paying pubKey.
func (c *BlockChain) BalanceOfPubKey(pubKey [32]byte) (uint64, error) {
	utxos, err := c.UtxosByPubKey(pubKey)
	var total uint64
	for _, u := range utxos {
		total += u.Entry.Output.Value
	}
	return total, err
}

// BlockLocator returns hashes of the main chain from the tip back to
// genesis, dense near the tip and exponentially sparser further back (as
// Bitcoin's), for a peer to find where its chain forks from ours.
func (c *BlockChain) BlockLocator() []Hash {
	c.stateLock.RLock()
	defer c.stateLock.RUnlock()
	return locator(c.tip())
}

// LocateHeaders answers a getheaders request (SPEC §10): up to max headers
// of the best header chain following the first locator hash that is on it
// (genesis if none is), stopping after stop if it is met. The best header
// chain is served, bodies or not, so that a node still downloading bodies
// serves the headers it announces.
func (c *BlockChain) LocateHeaders(locator []Hash, stop Hash, max int) []Header {
	c.stateLock.RLock()
	defer c.stateLock.RUnlock()
	best := c.bestHeader
	start := uint32(0)
	for _, h := range locator {
		if n := c.index[h]; n != nil && best.ancestor(n.height) == n {
			start = n.height
			break
		}
	}
	if max <= 0 || start >= best.height {
		return nil
	}
	end := best.height
	if limit := uint64(start) + uint64(max); limit < uint64(end) {
		end = uint32(limit)
	}
	headers := make([]Header, end-start)
	for n := best.ancestor(end); n.height > start; n = n.parent {
		headers[n.height-start-1] = n.header()
	}
	for i := range headers {
		if headers[i].BlockHash() == stop {
			return headers[:i+1]
		}
	}
	return headers
}
