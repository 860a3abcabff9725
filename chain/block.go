package chain

// Block is a header and its transactions (SPEC §5).
type Block struct {
	Header Header
	Txs    []*Tx
}

// BlockHash returns the hash of the block's header.
func (b *Block) BlockHash() Hash { return b.Header.BlockHash() }

// SerializeSize returns the size of the serialized block.
func (b *Block) SerializeSize() int {
	n := HeaderSize + VarIntSize(uint64(len(b.Txs)))
	for _, tx := range b.Txs {
		n += tx.SerializeSize()
	}
	return n
}

// Serialize returns header || varint tx_count || txs.
func (b *Block) Serialize() []byte {
	buf := make([]byte, 0, b.SerializeSize())
	hdr := b.Header.Serialize()
	buf = append(buf, hdr[:]...)
	buf = appendVarInt(buf, uint64(len(b.Txs)))
	for _, tx := range b.Txs {
		buf = tx.AppendTo(buf)
	}
	return buf
}

// DecodeBlock decodes exactly one block. maxSize bounds the input (the
// network's MaxBlockSize); a larger input is refused before decoding. A
// non-canonical encoding is an error of the body: the header it carries is
// not thereby invalid.
func DecodeBlock(b []byte, maxSize int) (*Block, error) {
	if len(b) > maxSize {
		return nil, ruleError(ErrBlockTooBig, "block of %d bytes exceeds %d", len(b), maxSize)
	}
	r := reader{buf: b}
	blk := &Block{Header: readHeader(&r)}
	n := r.count("block tx count", uint64(maxSize/minTxSize), minTxSize)
	if r.err != nil {
		return nil, r.err
	}
	blk.Txs = make([]*Tx, n)
	for i := range blk.Txs {
		start := r.off
		blk.Txs[i] = readTx(&r)
		if r.err == nil && r.off-start > MaxTxSize {
			r.fail(ruleError(ErrTxTooBig, "transaction %d of %d bytes exceeds %d", i, r.off-start, MaxTxSize))
		}
		if r.err != nil {
			return nil, r.err
		}
	}
	if err := r.done("block"); err != nil {
		return nil, err
	}
	return blk, nil
}
