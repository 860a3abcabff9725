package chain

import (
	"encoding/binary"
	"errors"
	"fmt"

	"github.com/dgraph-io/badger/v4"
)

// The badger key layout, one prefix byte per record kind. Heights are
// big-endian so that keys sort by height.
//
//	i + blockhash            -> header(80) || height u32 || status u8 || seq u64
//	                            (the block index: every stored or refused header)
//	b + blockhash            -> serialized block
//	d + blockhash            -> undo data: varint n || n UtxoEntry (45 bytes),
//	                            the outputs the block spent, in spending order
//	u + txid + index(BE u32) -> UtxoEntry (the UTXO set)
//	a + pubkey + txid + idx  -> UtxoEntry (address index: UTXOs by owner key)
//	x + txid                 -> blockhash || offset u32 || length u32
//	                            (tx index, main chain only)
//	m + height(BE u32)       -> blockhash (main chain by height)
//	s + "tip"                -> blockhash of the tip
const (
	prefixIndex   = 'i'
	prefixBlock   = 'b'
	prefixUndo    = 'd'
	prefixUtxo    = 'u'
	prefixAddress = 'a'
	prefixTxIndex = 'x'
	prefixMain    = 'm'
	prefixState   = 's'
)

var keyTip = []byte{prefixState, 't', 'i', 'p'}

func hashKey(prefix byte, h Hash) []byte {
	return append([]byte{prefix}, h[:]...)
}

func utxoKey(op OutPoint) []byte {
	k := make([]byte, 0, 1+HashSize+4)
	k = append(k, prefixUtxo)
	k = append(k, op.TxID[:]...)
	return binary.BigEndian.AppendUint32(k, op.Index)
}

func addressKey(pubKey [32]byte, op OutPoint) []byte {
	k := make([]byte, 0, 1+32+HashSize+4)
	k = append(k, prefixAddress)
	k = append(k, pubKey[:]...)
	k = append(k, op.TxID[:]...)
	return binary.BigEndian.AppendUint32(k, op.Index)
}

func mainKey(height uint32) []byte {
	return binary.BigEndian.AppendUint32([]byte{prefixMain}, height)
}

// indexEntrySize is the size of a block index record.
const indexEntrySize = HeaderSize + 4 + 1 + 8

func encodeIndexEntry(e indexEntry) []byte {
	hdr := e.header.Serialize()
	b := make([]byte, 0, indexEntrySize)
	b = append(b, hdr[:]...)
	b = binary.LittleEndian.AppendUint32(b, e.height)
	b = append(b, byte(e.status))
	return binary.LittleEndian.AppendUint64(b, e.seq)
}

// indexEntryOf returns the record of n: its persisted status bits only.
func indexEntryOf(n *blockNode) indexEntry {
	return indexEntry{header: n.header(), height: n.height, status: n.status & statusPersisted, seq: n.seq}
}

// indexEntry is a decoded block index record, before parent links exist.
type indexEntry struct {
	hash   Hash // from the key, not the record
	header Header
	height uint32
	status blockStatus
	seq    uint64
}

func decodeIndexEntry(b []byte) (indexEntry, error) {
	if len(b) != indexEntrySize {
		return indexEntry{}, AssertError(fmt.Sprintf("block index record of %d bytes", len(b)))
	}
	hdr, err := DecodeHeader(b[:HeaderSize])
	if err != nil {
		return indexEntry{}, err
	}
	return indexEntry{
		header: hdr,
		height: binary.LittleEndian.Uint32(b[80:84]),
		status: blockStatus(b[84]),
		seq:    binary.LittleEndian.Uint64(b[85:93]),
	}, nil
}

func encodeUndo(spent []UtxoEntry) []byte {
	b := appendVarInt(make([]byte, 0, 9+len(spent)*utxoEntrySize), uint64(len(spent)))
	for i := range spent {
		b = append(b, spent[i].Serialize()...)
	}
	return b
}

func decodeUndo(b []byte) ([]UtxoEntry, error) {
	r := reader{buf: b}
	n := r.count("undo count", uint64(len(b)), utxoEntrySize)
	spent := make([]UtxoEntry, 0, n)
	for i := 0; i < n && r.err == nil; i++ {
		e, err := DecodeUtxoEntry(r.bytes(utxoEntrySize, "undo entry"))
		if err != nil {
			r.fail(err)
			break
		}
		spent = append(spent, e)
	}
	if err := r.done("undo data"); err != nil {
		return nil, err
	}
	return spent, nil
}

// txLocation is where the tx index finds a transaction.
type txLocation struct {
	block          Hash
	offset, length uint32
}

func encodeTxLocation(l txLocation) []byte {
	b := append(make([]byte, 0, HashSize+8), l.block[:]...)
	b = binary.LittleEndian.AppendUint32(b, l.offset)
	return binary.LittleEndian.AppendUint32(b, l.length)
}

func decodeTxLocation(b []byte) (txLocation, error) {
	if len(b) != HashSize+8 {
		return txLocation{}, AssertError(fmt.Sprintf("tx index record of %d bytes", len(b)))
	}
	var l txLocation
	copy(l.block[:], b)
	l.offset = binary.LittleEndian.Uint32(b[HashSize:])
	l.length = binary.LittleEndian.Uint32(b[HashSize+4:])
	return l, nil
}

// getValue returns a copy of the value at key, or nil, false if absent.
func getValue(txn *badger.Txn, key []byte) ([]byte, bool, error) {
	item, err := txn.Get(key)
	if errors.Is(err, badger.ErrKeyNotFound) {
		return nil, false, nil
	}
	if err != nil {
		return nil, false, err
	}
	v, err := item.ValueCopy(nil)
	return v, err == nil, err
}

func readUtxo(txn *badger.Txn, op OutPoint) (UtxoEntry, bool, error) {
	v, ok, err := getValue(txn, utxoKey(op))
	if !ok || err != nil {
		return UtxoEntry{}, false, err
	}
	e, err := DecodeUtxoEntry(v)
	return e, err == nil, err
}

// writeUtxo adds an entry to the UTXO set and the address index.
func writeUtxo(txn *badger.Txn, op OutPoint, e *UtxoEntry) error {
	v := e.Serialize()
	if err := txn.Set(utxoKey(op), v); err != nil {
		return err
	}
	return txn.Set(addressKey(e.Output.PubKey, op), v)
}

// deleteUtxo removes an entry from the UTXO set and the address index.
func deleteUtxo(txn *badger.Txn, op OutPoint, e *UtxoEntry) error {
	if err := txn.Delete(utxoKey(op)); err != nil {
		return err
	}
	return txn.Delete(addressKey(e.Output.PubKey, op))
}

func writeIndexNode(txn *badger.Txn, n *blockNode) error {
	return txn.Set(hashKey(prefixIndex, n.hash), encodeIndexEntry(indexEntryOf(n)))
}
