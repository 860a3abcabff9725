package chain

import (
	"encoding/binary"
	"math"
)

// OutPoint names an output: the txid of its transaction and its index.
type OutPoint struct {
	TxID  Hash
	Index uint32
}

// nullIndex is the output index of the null outpoint, whose txid is zero.
const nullIndex = math.MaxUint32

// NullOutPoint is the outpoint a coinbase input names, for code that builds
// coinbases. The rules never read this variable — IsNull and the genesis
// blocks spell the null outpoint out — so nothing done to it can change
// what the chain accepts.
var NullOutPoint = OutPoint{Index: nullIndex}

// IsNull reports whether op is the null outpoint of a coinbase.
func (op OutPoint) IsNull() bool { return op.Index == nullIndex && op.TxID.IsZero() }

// TxIn is a transaction input: the outpoint it spends and its witness (a
// 64-byte BIP-340 signature, or 0..100 free bytes for a coinbase).
type TxIn struct {
	Prev    OutPoint
	Witness []byte
}

// TxOut is an output: a value in base units paid to a BIP-340 x-only key.
type TxOut struct {
	Value  uint64
	PubKey [32]byte
}

// Tx is a transaction (SPEC §3). Witnesses are serialized after the
// locktime, one per input with no count, and are excluded from the txid.
type Tx struct {
	Version  uint32
	Inputs   []TxIn
	Outputs  []TxOut
	LockTime uint32
}

// IsCoinbase reports whether tx has exactly one input and it names the null
// outpoint. Any other transaction naming the null outpoint spends a missing
// output.
func (tx *Tx) IsCoinbase() bool {
	return len(tx.Inputs) == 1 && tx.Inputs[0].Prev.IsNull()
}

// baseSize returns the size of the serialization without witnesses.
func (tx *Tx) baseSize() int {
	return 4 + VarIntSize(uint64(len(tx.Inputs))) + len(tx.Inputs)*minTxInSize +
		VarIntSize(uint64(len(tx.Outputs))) + len(tx.Outputs)*minTxOutSize + 4
}

// SerializeSize returns the size of the full serialization.
func (tx *Tx) SerializeSize() int {
	n := tx.baseSize()
	for _, in := range tx.Inputs {
		n += VarIntSize(uint64(len(in.Witness))) + len(in.Witness)
	}
	return n
}

// appendBase appends the serialization without witnesses (the txid preimage).
func (tx *Tx) appendBase(b []byte) []byte {
	b = binary.LittleEndian.AppendUint32(b, tx.Version)
	b = appendVarInt(b, uint64(len(tx.Inputs)))
	for _, in := range tx.Inputs {
		b = append(b, in.Prev.TxID[:]...)
		b = binary.LittleEndian.AppendUint32(b, in.Prev.Index)
	}
	b = appendVarInt(b, uint64(len(tx.Outputs)))
	for _, out := range tx.Outputs {
		b = binary.LittleEndian.AppendUint64(b, out.Value)
		b = append(b, out.PubKey[:]...)
	}
	return binary.LittleEndian.AppendUint32(b, tx.LockTime)
}

// AppendTo appends the full serialization of tx to b.
func (tx *Tx) AppendTo(b []byte) []byte {
	b = tx.appendBase(b)
	for _, in := range tx.Inputs {
		b = appendVarInt(b, uint64(len(in.Witness)))
		b = append(b, in.Witness...)
	}
	return b
}

// Serialize returns the full serialization of tx.
func (tx *Tx) Serialize() []byte {
	return tx.AppendTo(make([]byte, 0, tx.SerializeSize()))
}

// TxID returns SHA256d of the serialization without witnesses.
func (tx *Tx) TxID() Hash {
	return DoubleSHA256(tx.appendBase(make([]byte, 0, tx.baseSize())))
}

// WTxID returns SHA256d of the full serialization; the merkle tree commits to
// these.
func (tx *Tx) WTxID() Hash {
	return DoubleSHA256(tx.Serialize())
}

// DecodeTx decodes exactly one transaction, refusing trailing bytes and any
// non-canonical form.
func DecodeTx(b []byte) (*Tx, error) {
	if len(b) > MaxTxSize {
		return nil, ruleError(ErrTxTooBig, "transaction of %d bytes exceeds %d", len(b), MaxTxSize)
	}
	r := reader{buf: b}
	tx := readTx(&r)
	if err := r.done("transaction"); err != nil {
		return nil, err
	}
	return tx, nil
}

// readTx reads one transaction. Every count is bounded by MaxTxSize and by
// the bytes left before anything is allocated.
func readTx(r *reader) *Tx {
	tx := &Tx{Version: r.u32("tx version")}
	nIn := r.count("tx input count", MaxTxSize/minTxInSize, minTxInSize)
	if r.err != nil {
		return nil
	}
	tx.Inputs = make([]TxIn, nIn)
	for i := range tx.Inputs {
		tx.Inputs[i].Prev.TxID = r.hash("input prev txid")
		tx.Inputs[i].Prev.Index = r.u32("input prev index")
	}
	nOut := r.count("tx output count", MaxTxSize/minTxOutSize, minTxOutSize)
	if r.err != nil {
		return nil
	}
	tx.Outputs = make([]TxOut, nOut)
	for i := range tx.Outputs {
		tx.Outputs[i].Value = r.u64("output value")
		if pk := r.bytes(32, "output pubkey"); pk != nil {
			copy(tx.Outputs[i].PubKey[:], pk)
		}
	}
	tx.LockTime = r.u32("tx locktime")
	for i := range tx.Inputs {
		n := r.count("witness length", MaxTxSize, 1)
		if w := r.bytes(n, "witness"); w != nil && n > 0 {
			tx.Inputs[i].Witness = append([]byte(nil), w...)
		}
	}
	if r.err != nil {
		return nil
	}
	return tx
}
