package chain

import (
	"crypto/sha256"
	"encoding/binary"
)

// sighashTag is the precomputed SHA256("FLINT/sighash") of SPEC §3.
var sighashTag = sha256.Sum256([]byte("FLINT/sighash"))

// CalcSigHash returns the message a spend's BIP-340 signature signs:
//
//	TaggedHash("FLINT/sighash", genesis || txid || u32 inputIndex ||
//	    for every input in order: u64 spentValue || spentPubKey)
//
// spent holds the outputs the transaction's inputs spend, in input order.
// Committing to the genesis hash makes a signature valid on one network
// only; committing to every spent value and key protects offline signers
// from lies about fees.
func CalcSigHash(genesis, txid Hash, inputIndex int, spent []TxOut) Hash {
	h := sha256.New()
	h.Write(sighashTag[:])
	h.Write(sighashTag[:])
	h.Write(genesis[:])
	h.Write(txid[:])
	var buf [8]byte
	binary.LittleEndian.PutUint32(buf[:4], uint32(inputIndex))
	h.Write(buf[:4])
	for i := range spent {
		binary.LittleEndian.PutUint64(buf[:], spent[i].Value)
		h.Write(buf[:])
		h.Write(spent[i].PubKey[:])
	}
	var out Hash
	h.Sum(out[:0])
	return out
}
