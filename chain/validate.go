package chain

import (
	"math/big"
	"slices"
	"time"

	"github.com/btcsuite/btcd/btcec/v2"
)

// Validation happens in layers, each a function a test can call alone:
//
//   - CheckTransactionSanity and CheckBlockSanity need no context;
//   - checkHeaderContext needs the parent (rules 1, 2, 3, 4);
//   - checkBlockContext needs the height and median time past (finality,
//     coinbase locktime);
//   - connect (connect.go) needs the UTXO set (rules 8, 9 and signatures).

// secp256k1 field size p and group order n, for the signature encoding
// check that btcec v2.3 leaves to its callers.
var (
	fieldPrime = btcec.S256().P
	groupOrder = btcec.S256().N
)

// CheckSignatureEncoding refuses a 64-byte BIP-340 signature whose r half is
// >= p or whose s half is >= n, before any curve arithmetic (SPEC §3).
func CheckSignatureEncoding(sig []byte) error {
	if len(sig) != SignatureSize {
		return ruleError(ErrBadWitnessSize, "signature is %d bytes, want %d", len(sig), SignatureSize)
	}
	if new(big.Int).SetBytes(sig[:32]).Cmp(fieldPrime) >= 0 {
		return ruleError(ErrBadSignatureEncoding, "signature r is not below the field size")
	}
	if new(big.Int).SetBytes(sig[32:]).Cmp(groupOrder) >= 0 {
		return ruleError(ErrBadSignatureEncoding, "signature s is not below the group order")
	}
	return nil
}

// CheckTransactionSanity applies the context-free rules of SPEC §6 rule 7 to
// one transaction: version, input and output counts, size, duplicate inputs,
// output values and their checked sum, witness sizes and signature
// encodings. Finality and signatures proper need context and are checked
// elsewhere.
func CheckTransactionSanity(tx *Tx) error {
	if tx.Version != 1 {
		return ruleError(ErrBadTxVersion, "transaction version %d, want 1", tx.Version)
	}
	if len(tx.Inputs) == 0 {
		return ruleError(ErrNoTxInputs, "transaction has no inputs")
	}
	if len(tx.Outputs) == 0 {
		return ruleError(ErrNoTxOutputs, "transaction has no outputs")
	}
	if size := tx.SerializeSize(); size > MaxTxSize {
		return ruleError(ErrTxTooBig, "transaction of %d bytes exceeds %d", size, MaxTxSize)
	}
	var total uint64
	for i, out := range tx.Outputs {
		if out.Value > MaxMoney {
			return ruleError(ErrBadTxOutValue, "output %d value %d exceeds MaxMoney", i, out.Value)
		}
		// Both terms are <= MaxMoney here, so the sum cannot wrap before
		// the comparison catches it.
		total += out.Value
		if total > MaxMoney {
			return ruleError(ErrTotalOutValue, "outputs sum past MaxMoney at output %d", i)
		}
	}
	if tx.IsCoinbase() {
		if n := len(tx.Inputs[0].Witness); n > MaxCoinbaseWitness {
			return ruleError(ErrBadCoinbaseWitness, "coinbase witness of %d bytes exceeds %d", n, MaxCoinbaseWitness)
		}
		return nil
	}
	seen := make(map[OutPoint]struct{}, len(tx.Inputs))
	for i, in := range tx.Inputs {
		if _, dup := seen[in.Prev]; dup {
			return ruleError(ErrDuplicateInput, "input %d spends %v:%d a second time", i, in.Prev.TxID, in.Prev.Index)
		}
		seen[in.Prev] = struct{}{}
		if len(in.Witness) != SignatureSize {
			return ruleError(ErrBadWitnessSize, "input %d witness is %d bytes, want %d", i, len(in.Witness), SignatureSize)
		}
		if err := CheckSignatureEncoding(in.Witness); err != nil {
			return err
		}
	}
	return nil
}

// CheckBlockSanity applies the context-free rules to a block: proof of work
// against its own bits (rule 1), header version (rule 4), and the body rules
// 5, 6 and 7 that need no chain state. It returns ErrBadMerkleRoot when the
// body does not match the header; callers must not mark the header invalid
// for that error.
func CheckBlockSanity(b *Block, p *Params) error {
	if err := checkHeaderSanity(&b.Header, p); err != nil {
		return err
	}
	// The merkle root is checked before any rule that would mark the
	// block invalid: a body that does not match its header (an empty one
	// included) says nothing about the header.
	if err := checkBodyMatchesHeader(b); err != nil {
		return err
	}
	return checkBodySanity(b, p)
}

// checkBodySanity applies the context-free body rules (5, 6 and 7) to a
// block whose header sanity and merkle root were checked already.
func checkBodySanity(b *Block, p *Params) error {
	if len(b.Txs) == 0 {
		return ruleError(ErrNoTransactions, "block has no transactions")
	}
	if size := b.SerializeSize(); size > p.MaxBlockSize {
		return ruleError(ErrBlockTooBig, "block of %d bytes exceeds %d", size, p.MaxBlockSize)
	}
	if !b.Txs[0].IsCoinbase() {
		return ruleError(ErrFirstTxNotCoinbase, "first transaction is not a coinbase")
	}
	seen := make(map[Hash]struct{}, len(b.Txs))
	for i, tx := range b.Txs {
		if i > 0 && tx.IsCoinbase() {
			return ruleError(ErrMultipleCoinbases, "transaction %d is a second coinbase", i)
		}
		if err := CheckTransactionSanity(tx); err != nil {
			return err
		}
		id := tx.TxID()
		if _, dup := seen[id]; dup {
			return ruleError(ErrDuplicateTx, "transaction %v appears twice", id)
		}
		seen[id] = struct{}{}
	}
	return nil
}

// checkBodyMatchesHeader returns ErrBadMerkleRoot unless the header's
// merkle root commits to exactly these transactions.
func checkBodyMatchesHeader(b *Block) error {
	if root := BlockMerkleRoot(b.Txs); root != b.Header.MerkleRoot {
		return ruleError(ErrBadMerkleRoot, "merkle root %v does not match header's %v", root, b.Header.MerkleRoot)
	}
	return nil
}

// checkHeaderSanity checks what a header proves on its own: version and
// proof of work against its bits.
func checkHeaderSanity(h *Header, p *Params) error {
	if h.Version != 1 {
		return ruleError(ErrBadBlockVersion, "block version %d, want 1", h.Version)
	}
	return CheckProofOfWork(h.BlockHash(), h.Bits, p.PowLimit)
}

// checkHeaderContext checks the header rules that need the parent: bits
// equal to the ASERT value (rule 1), time after the median time past (rule
// 2) and not too far ahead of now (rule 3).
func checkHeaderContext(h *Header, parent *blockNode, p *Params, now time.Time) error {
	if want := nextRequiredBits(parent, p); h.Bits != want {
		return ruleError(ErrUnexpectedBits, "bits %08x, want %08x", h.Bits, want)
	}
	if mtp := parent.medianTimePast(); int64(h.Time) <= mtp {
		return ruleError(ErrTimeTooOld, "time %d is not after median time past %d", h.Time, mtp)
	}
	if limit := now.Add(p.MaxFutureBlockTime).Unix(); int64(h.Time) > limit {
		return ruleError(ErrTimeTooNew, "time %d is more than %v ahead of the local clock", h.Time, p.MaxFutureBlockTime)
	}
	return nil
}

// nextRequiredBits returns the bits a child of parent must carry (SPEC §7).
func nextRequiredBits(parent *blockNode, p *Params) uint32 {
	if p.NoRetarget {
		return p.PowLimitBits
	}
	genesis := &p.GenesisBlock.Header
	return CalcASERTBits(genesis.Bits, p.PowLimit,
		int64(p.TargetSpacing/time.Second),
		int64(parent.time)-int64(genesis.Time),
		int64(parent.height),
		int64(p.ASERTHalfLife/time.Second))
}

// IsFinalTx reports whether tx may be included in a block at height whose
// median time past (of its parent) is mtp: locktime 0, a height below the
// block's height, or a time below mtp.
func IsFinalTx(tx *Tx, height uint32, mtp int64) bool {
	switch lt := tx.LockTime; {
	case lt == 0:
		return true
	case lt < LockTimeThreshold:
		return lt < height
	default:
		return int64(lt) < mtp
	}
}

// checkBlockContext checks the body rules that need the block's height and
// its parent's median time past: coinbase locktime (rule 9) and finality of
// every other transaction (rule 7).
func checkBlockContext(b *Block, height uint32, mtp int64) error {
	if lt := b.Txs[0].LockTime; lt != height {
		return ruleError(ErrBadCoinbaseLockTime, "coinbase locktime %d, want height %d", lt, height)
	}
	for i, tx := range b.Txs[1:] {
		if !IsFinalTx(tx, height, mtp) {
			return ruleError(ErrUnfinalizedTx, "transaction %d (locktime %d) is not final at height %d, median time %d",
				i+1, tx.LockTime, height, mtp)
		}
	}
	return nil
}

// medianTime returns sorted[n/2] of the given times.
func medianTime(times []int64) int64 {
	slices.Sort(times)
	return times[len(times)/2]
}
