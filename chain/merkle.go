package chain

import "crypto/sha256"

// merkleTag is the precomputed SHA256("FLINT/merkle") of SPEC §4.
var merkleTag = sha256.Sum256([]byte("FLINT/merkle"))

// merkleNode returns TaggedHash("FLINT/merkle", a || b).
func merkleNode(a, b *Hash) Hash {
	var buf [4 * HashSize]byte
	copy(buf[0:], merkleTag[:])
	copy(buf[HashSize:], merkleTag[:])
	copy(buf[2*HashSize:], a[:])
	copy(buf[3*HashSize:], b[:])
	return sha256.Sum256(buf[:])
}

// MerkleRoot computes the root over the given leaves (the block's wtxids in
// order) as SPEC §4 fixes it: adjacent pairs are combined with a tagged hash
// and an odd last node is carried up unchanged, so no node is ever
// duplicated. The root of one leaf is the leaf; of none, the zero hash.
func MerkleRoot(leaves []Hash) Hash {
	if len(leaves) == 0 {
		return Hash{}
	}
	level := append([]Hash(nil), leaves...)
	for len(level) > 1 {
		next := level[:0]
		for i := 0; i+1 < len(level); i += 2 {
			next = append(next, merkleNode(&level[i], &level[i+1]))
		}
		if len(level)%2 == 1 {
			next = append(next, level[len(level)-1])
		}
		level = next
	}
	return level[0]
}

// BlockMerkleRoot returns the merkle root over the wtxids of txs.
func BlockMerkleRoot(txs []*Tx) Hash {
	leaves := make([]Hash, len(txs))
	for i, tx := range txs {
		leaves[i] = tx.WTxID()
	}
	return MerkleRoot(leaves)
}
