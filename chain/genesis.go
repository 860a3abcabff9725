package chain

import "encoding/hex"

// Genesis blocks. Each network's genesis is a coinbase-only block at the
// network's powLimit, dated 2026-11-25 00:00:00 UTC, paying the initial
// subsidy to the BIP-341 "nothing up my sleeve" x-only key, whose discrete
// logarithm no one knows. Its outputs are never added to the UTXO set.
const (
	genesisTime = 1795564800

	mainGenesisNonce = 3131871310
	mainGenesisHash  = "000000003f567bd4fe6eee1603f7c221aa51a6c09d59f569b7509a0cbb8845a8"
	testGenesisNonce = 11354
	testGenesisHash  = "0000b4837c711c22425dd880433a6070086df2aa76b77f7b8c80ca7471c9bda9"
	regGenesisNonce  = 0
	regGenesisHash   = "7fbb26803cf40777e6ef641ade3cb22b53b17ab2b05a97d5617b5030e84a4136"
)

// numsKey is the BIP-341 NUMS point H's x coordinate.
var numsKey = mustDecodeKey("50929b74c1a04954b78b4b6035e97a5e078a5a0f28ec96d547bfee9ace803ac0")

// genesisBlock builds the genesis block of the named network.
func genesisBlock(network string, bits, nonce uint32) *Block {
	coinbase := &Tx{
		Version: 1,
		Inputs: []TxIn{{
			Prev:    OutPoint{Index: nullIndex},
			Witness: []byte("Flint " + network + " genesis, 2026-11-25: proof of work, plainly"),
		}},
		Outputs:  []TxOut{{Value: BaseSubsidy, PubKey: numsKey}},
		LockTime: 0,
	}
	txs := []*Tx{coinbase}
	return &Block{
		Header: Header{
			Version:    1,
			MerkleRoot: BlockMerkleRoot(txs),
			Time:       genesisTime,
			Bits:       bits,
			Nonce:      nonce,
		},
		Txs: txs,
	}
}

func mustDecodeKey(s string) (k [32]byte) {
	b, err := hex.DecodeString(s)
	if err != nil || len(b) != 32 {
		panic("chain: malformed key constant " + s)
	}
	copy(k[:], b)
	return k
}
