//go:build unix

package chain

import (
	"bufio"
	"bytes"
	"cmp"
	"context"
	"encoding/binary"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"log/slog"
	"math/rand/v2"
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/btcsuite/btcd/btcec/v2"
	"github.com/btcsuite/btcd/btcec/v2/schnorr"
	"github.com/dgraph-io/badger/v4"
)

// The crash-safety test (issue 2, item 8) re-executes the test binary as a
// child that connects blocks, kills it with SIGKILL at random moments and
// checks the data directory after every kill. The child is selected by
// these environment variables, read in TestMain before any test runs.
const (
	crashEnvDir    = "FLINT_CRASH_CHILD_DIR"    // the child's data directory
	crashEnvBlocks = "FLINT_CRASH_CHILD_BLOCKS" // the file of blocks to feed
)

// crashOpenedPrefix starts the line the child prints once its chain is
// open, followed by the tip it resumed at: the parent times most kills from
// then rather than from the start of the process, and checks that a restart
// resumes at the best chain stored.
const crashOpenedPrefix = "opened "

// TestMain runs the crash-safety child instead of the tests when the parent
// test started this binary as one. Package-wide test setup, if ever needed,
// goes here too: a package has one TestMain.
func TestMain(m *testing.M) {
	if dir := os.Getenv(crashEnvDir); dir != "" {
		if err := runCrashChild(dir, os.Getenv(crashEnvBlocks)); err != nil {
			fmt.Fprintln(os.Stderr, "crash child:", err)
			os.Exit(2)
		}
		os.Exit(0)
	}
	os.Exit(m.Run())
}

// crashClock is the fixed clock of every chain in the crash test: the
// harness's starting time, far after every generated block.
func crashClock(p *Params) func() time.Time {
	var c testClock
	c.Set(int64(p.GenesisBlock.Header.Time) + 10_000_000)
	return c.Now
}

// runCrashChild opens the chain in dir and processes every block of the
// file in order; blocks stored before an earlier kill come back as
// ErrDuplicateBlock, which is expected.
func runCrashChild(dir, blockFile string) error {
	raw, err := os.ReadFile(blockFile)
	if err != nil {
		return err
	}
	p := harnessParams()
	blocks, err := decodeBlockFile(raw, p.MaxBlockSize)
	if err != nil {
		return err
	}
	c, err := New(Config{Params: p, DataDir: dir, Now: crashClock(p), Logger: slog.New(slog.DiscardHandler)})
	if err != nil {
		return err
	}
	fmt.Println(crashOpenedPrefix + c.BestState().Hash.String())
	for i, b := range blocks {
		if _, err := c.ProcessBlock(context.Background(), b); err != nil && !errors.Is(err, ErrDuplicateBlock) {
			c.Close()
			return fmt.Errorf("block %d (%v): %w", i, b.BlockHash(), err)
		}
	}
	return c.Close()
}

// encodeBlockFile writes blocks as u32 length || serialized block, each.
func encodeBlockFile(blocks []*Block) []byte {
	var out []byte
	for _, b := range blocks {
		raw := b.Serialize()
		out = binary.LittleEndian.AppendUint32(out, uint32(len(raw)))
		out = append(out, raw...)
	}
	return out
}

func decodeBlockFile(raw []byte, maxSize int) ([]*Block, error) {
	var blocks []*Block
	for len(raw) > 0 {
		if len(raw) < 4 {
			return nil, errors.New("block file: truncated length")
		}
		n := int(binary.LittleEndian.Uint32(raw))
		raw = raw[4:]
		if n > len(raw) {
			return nil, errors.New("block file: truncated block")
		}
		b, err := DecodeBlock(raw[:n], maxSize)
		if err != nil {
			return nil, err
		}
		blocks = append(blocks, b)
		raw = raw[n:]
	}
	return blocks, nil
}

// crashBlock is a generated block with its place in the generated tree.
type crashBlock struct {
	name   string
	block  *Block
	height uint32
	parent Hash
	feed   int // position in the feed order; -1 for genesis
}

// crashGen is the generated block tree: a chain that two side branches
// overtake in turn, so that the child reorganises twice.
type crashGen struct {
	params   *Params
	genesis  Hash
	blocks   map[Hash]*crashBlock
	feed     []*Block // the order the child processes them in
	final    Hash     // the tip once every block is processed
	triggers []Hash   // the blocks whose arrival causes a reorganisation
}

// crashBranches is the shape of the generated tree, fed to the child branch
// by branch: each branch forks from the previous one at fork and ends at
// end; its block at the previous branch's end + 1 overtakes it,
// disconnecting prevEnd-fork blocks. The reorganisations come early enough
// that kills land in them even when the child is slow (under -race).
var crashBranches = []struct {
	prefix    string
	fork, end uint32
}{
	{"a", 0, 80},
	{"b", 65, 160},
	{"c", 145, 200},
}

// crashKeys are the owners of the generated outputs, so that the address
// index holds several keys.
type crashKeys struct {
	privs map[[32]byte]*btcec.PrivateKey
	pubs  [][32]byte
}

func newCrashKeys(n int) *crashKeys {
	k := &crashKeys{privs: make(map[[32]byte]*btcec.PrivateKey)}
	for i := range n {
		seed := DoubleSHA256(fmt.Appendf(nil, "flint crash test key %d", i))
		priv, _ := btcec.PrivKeyFromBytes(seed[:])
		var pub [32]byte
		copy(pub[:], schnorr.SerializePubKey(priv.PubKey()))
		k.privs[pub] = priv
		k.pubs = append(k.pubs, pub)
	}
	return k
}

// sign signs every input of tx with the key of the output it spends.
func (k *crashKeys) sign(t testing.TB, tx *Tx, spent []TxOut, genesis Hash) {
	t.Helper()
	txid := tx.TxID()
	for i := range tx.Inputs {
		h := CalcSigHash(genesis, txid, i, spent)
		// The child verifies every signature: skip Sign's own check.
		sig, err := schnorr.Sign(k.privs[spent[i].PubKey], h[:], schnorr.FastSign())
		if err != nil {
			t.Fatalf("sign: %v", err)
		}
		tx.Inputs[i].Witness = sig.Serialize()
	}
}

// applyCrashBlock applies b, at height, to a UTXO set kept in a map and
// returns the entries its inputs spent, in spending order (the undo data).
func applyCrashBlock(utxos map[OutPoint]UtxoEntry, b *Block, height uint32) ([]UtxoEntry, error) {
	var spent []UtxoEntry
	for i, tx := range b.Txs {
		if i > 0 {
			for _, in := range tx.Inputs {
				e, ok := utxos[in.Prev]
				if !ok {
					return nil, fmt.Errorf("block at height %d spends missing output %v:%d", height, in.Prev.TxID, in.Prev.Index)
				}
				delete(utxos, in.Prev)
				spent = append(spent, e)
			}
		}
		txid := tx.TxID()
		for idx, out := range tx.Outputs {
			utxos[OutPoint{TxID: txid, Index: uint32(idx)}] = UtxoEntry{Output: out, Height: height, IsCoinbase: i == 0}
		}
	}
	return spent, nil
}

func compareOutPoints(a, b OutPoint) int {
	if c := bytes.Compare(a.TxID[:], b.TxID[:]); c != 0 {
		return c
	}
	return cmp.Compare(a.Index, b.Index)
}

// crashTxs returns transactions for a block at height spending from utxos
// (which it does not change) and the fees they pay. The first spends one
// or two mature outputs; a second, in half the blocks, spends an output of
// the first, so that some outputs are created and spent inside the block.
// Signatures are few: under -race each costs tens of milliseconds.
func crashTxs(t testing.TB, rng *rand.Rand, keys *crashKeys, p *Params, utxos map[OutPoint]UtxoEntry, height uint32) ([]*Tx, uint64) {
	const fee, minValue = 1000, 100_000
	type coin struct {
		op  OutPoint
		out TxOut
	}
	var old []coin
	for op, e := range utxos {
		if e.Output.Value >= minValue && (!e.IsCoinbase || height >= e.Height+p.CoinbaseMaturity) {
			old = append(old, coin{op, e.Output})
		}
	}
	slices.SortFunc(old, func(a, b coin) int { return compareOutPoints(a.op, b.op) })
	take := func(coins *[]coin) coin {
		i := rng.IntN(len(*coins))
		c := (*coins)[i]
		*coins = slices.Delete(*coins, i, i+1)
		return c
	}

	var txs []*Tx
	var fees uint64
	var fresh []coin // outputs of this block's transactions, unspent so far
	for i := range 1 + rng.IntN(2) {
		var ins []coin
		if i > 0 && len(fresh) > 0 {
			ins = append(ins, take(&fresh))
		}
		if (i == 0 || rng.IntN(4) == 0) && len(old) > 0 {
			ins = append(ins, take(&old))
		}
		if i == 0 && rng.IntN(4) == 0 && len(old) > 0 {
			ins = append(ins, take(&old))
		}
		if len(ins) == 0 {
			break
		}
		tx := &Tx{Version: 1}
		var spent []TxOut
		var value uint64
		for _, c := range ins {
			tx.Inputs = append(tx.Inputs, TxIn{Prev: c.op})
			spent = append(spent, c.out)
			value += c.out.Value
		}
		value -= fee
		nOut := 2 - i + rng.IntN(2)
		for j := range nOut {
			v := value
			if j < nOut-1 {
				share := value / uint64(nOut-j)
				v = share/2 + rng.Uint64N(share)
			}
			value -= v
			tx.Outputs = append(tx.Outputs, TxOut{Value: v, PubKey: keys.pubs[rng.IntN(len(keys.pubs))]})
		}
		keys.sign(t, tx, spent, p.GenesisHash)
		txid := tx.TxID()
		for j, out := range tx.Outputs {
			if out.Value >= minValue {
				fresh = append(fresh, coin{OutPoint{TxID: txid, Index: uint32(j)}, out})
			}
		}
		txs = append(txs, tx)
		fees += fee
	}
	return txs, fees
}

// newCrashGen generates the block tree with the harness generator. The
// blocks are not validated here: the child does that as it connects them,
// and fails on any error but ErrDuplicateBlock.
func newCrashGen(t *testing.T) *crashGen {
	t.Helper()
	g := newHarness(t)
	p := g.params
	keys := newCrashKeys(4)
	rng := rand.New(rand.NewPCG(0xF11A7, 8))
	gen := &crashGen{
		params:  p,
		genesis: p.GenesisHash,
		blocks:  map[Hash]*crashBlock{p.GenesisHash: {name: "genesis", block: p.GenesisBlock, feed: -1}},
	}

	utxos := make(map[OutPoint]UtxoEntry)
	prevEnd := uint32(0)
	prevPrefix := ""
	for _, br := range crashBranches {
		fork := "genesis"
		if br.fork > 0 {
			fork = prevPrefix + itoa(int(br.fork))
		}
		g.SetTip(fork)
		clear(utxos)
		for _, cb := range gen.path(g.Block(fork).BlockHash())[1:] {
			if _, err := applyCrashBlock(utxos, cb.block, cb.height); err != nil {
				t.Fatalf("generator: %v", err)
			}
		}
		for height := br.fork + 1; height <= br.end; height++ {
			name := br.prefix + itoa(int(height))
			b := g.NextBlock(name, nil, func(b *Block) {
				txs, fees := crashTxs(t, rng, keys, p, utxos, height)
				total := b.Txs[0].Outputs[0].Value + fees
				part := total/4 + rng.Uint64N(total/2)
				b.Txs[0].Outputs = []TxOut{
					{Value: part, PubKey: keys.pubs[rng.IntN(len(keys.pubs))]},
					{Value: total - part, PubKey: keys.pubs[rng.IntN(len(keys.pubs))]},
				}
				b.Txs = append(b.Txs, txs...)
			})
			if b.Header.Bits != p.GenesisBlock.Header.Bits {
				// bestStored compares chains by height.
				t.Fatalf("block %s has bits %08x, want the genesis bits", name, b.Header.Bits)
			}
			if _, err := applyCrashBlock(utxos, b, height); err != nil {
				t.Fatalf("generator: %v", err)
			}
			h := b.BlockHash()
			gen.blocks[h] = &crashBlock{name: name, block: b, height: height, parent: b.Header.Prev, feed: len(gen.feed)}
			gen.feed = append(gen.feed, b)
			if prevEnd > 0 && height == prevEnd+1 {
				gen.triggers = append(gen.triggers, h)
			}
		}
		prevEnd, prevPrefix = br.end, br.prefix
	}
	gen.final = g.Block(g.tipName).BlockHash()
	return gen
}

// descends reports whether d is a or a descendant of a.
func (gen *crashGen) descends(d, a Hash) bool {
	ab := gen.blocks[a]
	for cb := gen.blocks[d]; cb != nil && cb.height >= ab.height; cb = gen.blocks[cb.parent] {
		if cb.block.BlockHash() == a {
			return true
		}
		if cb.feed < 0 {
			break
		}
	}
	return false
}

// path returns the generated blocks from genesis to tip, genesis first.
func (gen *crashGen) path(tip Hash) []*crashBlock {
	var path []*crashBlock
	for h := tip; ; {
		cb := gen.blocks[h]
		path = append(path, cb)
		if cb.feed < 0 {
			break
		}
		h = cb.parent
	}
	slices.Reverse(path)
	return path
}

func (gen *crashGen) name(h Hash) string {
	if cb := gen.blocks[h]; cb != nil {
		return cb.name
	}
	return h.String()
}

// describe names h with its height.
func (gen *crashGen) describe(h Hash) string {
	if cb := gen.blocks[h]; cb != nil {
		return fmt.Sprintf("%s (height %d)", cb.name, cb.height)
	}
	return h.String() + " (not a generated block)"
}

// crashDBState is everything in a chain database that a crash could leave
// half written, read straight from badger.
type crashDBState struct {
	tip     Hash
	hasTip  bool
	bodies  map[Hash]bool              // b: stored blocks
	index   map[Hash]indexEntry        // i: the block index
	utxos   map[OutPoint]UtxoEntry     // u: the UTXO set
	address map[crashAddrKey]UtxoEntry // a: the address index
	main    map[uint32]Hash            // m: main chain by height
	undo    map[Hash][]UtxoEntry       // d: undo data
	txIndex map[Hash]txLocation        // x: tx index
	other   [][]byte                   // keys with an unknown prefix
}

// crashAddrKey is the key of an address index record.
type crashAddrKey struct {
	pubKey [32]byte
	op     OutPoint
}

// readCrashDB reads every record of the chain database in dir. Opening it
// replays what the child left in badger's write-ahead log. Its memtable is
// smaller than the chain's, which makes the open several times faster under
// -race; it still holds many times what one run of the child writes.
func readCrashDB(dir string) (*crashDBState, error) {
	db, err := badger.Open(badger.DefaultOptions(dir).WithLogger(nil).WithMemTableSize(16 << 20))
	if err != nil {
		return nil, err
	}
	s := &crashDBState{
		bodies:  make(map[Hash]bool),
		index:   make(map[Hash]indexEntry),
		utxos:   make(map[OutPoint]UtxoEntry),
		address: make(map[crashAddrKey]UtxoEntry),
		main:    make(map[uint32]Hash),
		undo:    make(map[Hash][]UtxoEntry),
		txIndex: make(map[Hash]txLocation),
	}
	err = db.View(func(txn *badger.Txn) error {
		it := txn.NewIterator(badger.DefaultIteratorOptions)
		defer it.Close()
		for it.Rewind(); it.Valid(); it.Next() {
			key := it.Item().KeyCopy(nil)
			val, err := it.Item().ValueCopy(nil)
			if err != nil {
				return err
			}
			if err := s.add(key, val); err != nil {
				return fmt.Errorf("record %x: %w", key, err)
			}
		}
		return nil
	})
	if cerr := db.Close(); err == nil {
		err = cerr
	}
	return s, err
}

func (s *crashDBState) add(key, val []byte) error {
	var h Hash
	var op OutPoint
	hashRecord := len(key) == 1+HashSize
	if hashRecord {
		copy(h[:], key[1:])
	}
	switch {
	case bytes.Equal(key, keyTip):
		if len(val) != HashSize {
			return errors.New("tip record of wrong size")
		}
		s.hasTip = true
		copy(s.tip[:], val)
	case key[0] == prefixBlock && hashRecord:
		s.bodies[h] = true
	case key[0] == prefixIndex && hashRecord:
		e, err := decodeIndexEntry(val)
		if err != nil {
			return err
		}
		s.index[h] = e
	case key[0] == prefixUtxo && len(key) == 1+HashSize+4:
		copy(op.TxID[:], key[1:])
		op.Index = binary.BigEndian.Uint32(key[1+HashSize:])
		e, err := DecodeUtxoEntry(val)
		if err != nil {
			return err
		}
		s.utxos[op] = e
	case key[0] == prefixAddress && len(key) == 1+32+HashSize+4:
		var k crashAddrKey
		copy(k.pubKey[:], key[1:])
		copy(k.op.TxID[:], key[1+32:])
		k.op.Index = binary.BigEndian.Uint32(key[1+32+HashSize:])
		e, err := DecodeUtxoEntry(val)
		if err != nil {
			return err
		}
		s.address[k] = e
	case key[0] == prefixMain && len(key) == 5:
		if len(val) != HashSize {
			return errors.New("main-chain record of wrong size")
		}
		copy(h[:], val)
		s.main[binary.BigEndian.Uint32(key[1:])] = h
	case key[0] == prefixUndo && hashRecord:
		spent, err := decodeUndo(val)
		if err != nil {
			return err
		}
		s.undo[h] = spent
	case key[0] == prefixTxIndex && hashRecord:
		loc, err := decodeTxLocation(val)
		if err != nil {
			return err
		}
		s.txIndex[h] = loc
	default:
		s.other = append(s.other, key)
	}
	return nil
}

// bestStored returns the stored block that should be the tip: the highest
// (every generated block has the same work), the first fed among equals.
func (gen *crashGen) bestStored(s *crashDBState) Hash {
	best := gen.blocks[gen.genesis]
	for h := range s.bodies {
		cb := gen.blocks[h]
		if cb != nil && (cb.height > best.height || cb.height == best.height && cb.feed < best.feed) {
			best = cb
		}
	}
	return best.block.BlockHash()
}

// check verifies that s is the state of a chain whose tip is one of the
// generated blocks and whose every record matches a replay of the blocks
// from genesis to that tip. An empty database (killed before the genesis
// block was written) is consistent too.
func (gen *crashGen) check(s *crashDBState) error {
	if len(s.other) > 0 {
		return fmt.Errorf("%d records with unknown keys, first %x", len(s.other), s.other[0])
	}
	if !s.hasTip {
		if len(s.bodies)+len(s.index)+len(s.utxos)+len(s.address)+len(s.main)+len(s.undo)+len(s.txIndex) != 0 {
			return errors.New("records without a tip")
		}
		return nil
	}

	// (a) The tip is a generated block, stored, and the stored blocks are
	// genesis and a prefix of the feed: each block is stored in one
	// transaction before it is connected.
	tipBlock := gen.blocks[s.tip]
	if tipBlock == nil {
		return fmt.Errorf("tip %v is not a generated block", s.tip)
	}
	if !s.bodies[s.tip] {
		return fmt.Errorf("tip %s has no stored body", tipBlock.name)
	}
	stored := 0
	for h := range s.bodies {
		if gen.blocks[h] == nil {
			return fmt.Errorf("stored block %v is not a generated block", h)
		}
		if _, ok := s.index[h]; !ok {
			return fmt.Errorf("stored block %s is not in the block index", gen.name(h))
		}
		stored++
	}
	if len(s.index) != len(s.bodies) {
		return fmt.Errorf("block index has %d records for %d stored blocks", len(s.index), len(s.bodies))
	}
	if !s.bodies[gen.genesis] {
		return errors.New("genesis block is not stored")
	}
	for i := range stored - 1 {
		if !s.bodies[gen.feed[i].BlockHash()] {
			return fmt.Errorf("%d blocks stored, but not the %d-th fed, %s", stored, i, gen.name(gen.feed[i].BlockHash()))
		}
	}

	path := gen.path(s.tip)
	utxos := make(map[OutPoint]UtxoEntry)
	wantUndo := make(map[Hash][]UtxoEntry)
	wantTxs := make(map[Hash]txLocation) // where the tx index must find each transaction
	for _, cb := range path[1:] {
		spent, err := applyCrashBlock(utxos, cb.block, cb.height)
		if err != nil {
			return fmt.Errorf("replay: %w", err)
		}
		h := cb.block.BlockHash()
		wantUndo[h] = spent
		offset := HeaderSize + VarIntSize(uint64(len(cb.block.Txs)))
		for _, tx := range cb.block.Txs {
			size := tx.SerializeSize()
			wantTxs[tx.TxID()] = txLocation{block: h, offset: uint32(offset), length: uint32(size)}
			offset += size
		}
		if e := s.index[h]; e.status&statusValid == 0 {
			return fmt.Errorf("main-chain block %s is not marked valid (status %#x)", cb.name, e.status)
		}
	}

	// (b) The UTXO set and the address index equal the replay.
	if len(s.utxos) != len(utxos) {
		return fmt.Errorf("tip %s: UTXO set has %d entries, replay %d", tipBlock.name, len(s.utxos), len(utxos))
	}
	for op, want := range utxos {
		if got, ok := s.utxos[op]; !ok || got != want {
			return fmt.Errorf("tip %s: UTXO %v:%d is %+v (present %v), replay %+v", tipBlock.name, op.TxID, op.Index, got, ok, want)
		}
		if got, ok := s.address[crashAddrKey{want.Output.PubKey, op}]; !ok || got != want {
			return fmt.Errorf("tip %s: address index entry of %v:%d is %+v (present %v), replay %+v", tipBlock.name, op.TxID, op.Index, got, ok, want)
		}
	}
	if len(s.address) != len(utxos) {
		return fmt.Errorf("tip %s: address index has %d entries, replay %d", tipBlock.name, len(s.address), len(utxos))
	}

	// (c) The main-chain index is the path to the tip, the undo data and
	// the tx index cover exactly its blocks.
	if len(s.main) != len(path) {
		return fmt.Errorf("tip %s at height %d: main-chain index has %d heights", tipBlock.name, tipBlock.height, len(s.main))
	}
	for _, cb := range path {
		if got := s.main[cb.height]; got != cb.block.BlockHash() {
			return fmt.Errorf("tip %s: main-chain index at height %d is %s, want %s", tipBlock.name, cb.height, gen.name(got), cb.name)
		}
	}
	if len(s.undo) != len(wantUndo) {
		return fmt.Errorf("tip %s: undo data for %d blocks, want %d", tipBlock.name, len(s.undo), len(wantUndo))
	}
	for h, want := range wantUndo {
		if got, ok := s.undo[h]; !ok || !slices.Equal(got, want) {
			return fmt.Errorf("tip %s: undo data of %s is %d entries (present %v), want %d", tipBlock.name, gen.name(h), len(got), ok, len(want))
		}
	}
	if len(s.txIndex) != len(wantTxs) {
		return fmt.Errorf("tip %s: tx index has %d entries, want %d", tipBlock.name, len(s.txIndex), len(wantTxs))
	}
	for txid, want := range wantTxs {
		loc, ok := s.txIndex[txid]
		if !ok || loc != want {
			return fmt.Errorf("tip %s: tx index of %v is %s+%d+%d (present %v), want %s+%d+%d", tipBlock.name, txid,
				gen.name(loc.block), loc.offset, loc.length, ok, gen.name(want.block), want.offset, want.length)
		}
	}
	return nil
}

// emptyBadgerLogs lists the empty memtable and value log files in dir.
func emptyBadgerLogs(dir string) ([]string, error) {
	entries, err := os.ReadDir(dir)
	if err != nil {
		return nil, err
	}
	var empty []string
	for _, e := range entries {
		if ext := filepath.Ext(e.Name()); ext != ".mem" && ext != ".vlog" {
			continue
		}
		info, err := e.Info()
		if err != nil {
			return nil, err
		}
		if info.Size() == 0 {
			empty = append(empty, e.Name())
		}
	}
	return empty, nil
}

// crashRun is the outcome of one run of the child.
type crashRun struct {
	killed  bool // ended by our SIGKILL
	opened  bool // the child had opened its chain when it ended
	resumed Hash // the tip the child's chain opened at, if opened
}

// runChild starts the child on dir and kills it after delay, counted from
// its chain being open, or from its start if early is set; delay < 0 lets
// it run to the end. hint is added to the failure message if the child
// fails.
func runChild(t *testing.T, dir, blockFile string, delay time.Duration, early bool, hint string) crashRun {
	t.Helper()
	cmd := exec.Command(os.Args[0], "-test.run=^$") // TestMain takes over: no test runs
	cmd.Env = append(os.Environ(), crashEnvDir+"="+dir, crashEnvBlocks+"="+blockFile)
	var stderr bytes.Buffer
	cmd.Stderr = &stderr
	stdout, err := cmd.StdoutPipe()
	if err != nil {
		t.Fatal(err)
	}
	if err := cmd.Start(); err != nil {
		t.Fatalf("start child: %v", err)
	}
	var run crashRun
	var resumeErr error
	opened := make(chan struct{})
	readDone := make(chan struct{})
	go func() {
		defer close(readDone)
		sc := bufio.NewScanner(stdout)
		for sc.Scan() {
			if tip, ok := strings.CutPrefix(sc.Text(), crashOpenedPrefix); ok && !run.opened {
				run.resumed, resumeErr = NewHashFromStr(tip)
				run.opened = true
				close(opened)
			}
		}
		io.Copy(io.Discard, stdout)
	}()

	var timer <-chan time.Time
	if early && delay >= 0 {
		timer = time.After(delay)
	} else {
		select {
		case <-opened:
			if delay >= 0 {
				timer = time.After(delay)
			}
		case <-readDone: // exited before opening its chain: an error
		case <-time.After(60 * time.Second):
			t.Log("child did not open its chain within 60 s")
			cmd.Process.Kill()
		}
	}
	select {
	case <-timer:
		if err := cmd.Process.Signal(syscall.SIGKILL); err != nil {
			t.Fatalf("kill child: %v", err)
		}
	case <-readDone:
	}
	<-readDone
	err = cmd.Wait()
	if resumeErr != nil {
		t.Fatalf("child reported its tip badly: %v", resumeErr)
	}
	if ws, ok := cmd.ProcessState.Sys().(syscall.WaitStatus); ok && ws.Signaled() && ws.Signal() == syscall.SIGKILL && timer != nil {
		run.killed = true
		return run
	}
	if err != nil {
		t.Fatalf("child failed: %v%s\n%s", err, hint, stderr.Bytes())
	}
	return run
}

// TestCrashSafety is issue 2 item 8. A child process connects a generated
// chain (with spends inside blocks and two reorganisations of 15 blocks)
// and is killed with SIGKILL at random moments. After every kill the data
// directory must hold a generated block as its tip, with a UTXO set,
// address index, undo data, tx index and main-chain index equal to a replay
// of the blocks from genesis to that tip; the next child, a restarted node,
// must resume at the best chain stored. When a child gets through the whole
// feed the tip must be the last generated block, and the next round starts
// on a fresh directory.
func TestCrashSafety(t *testing.T) {
	const minKills = 50
	start := time.Now()
	gen := newCrashGen(t)
	blockFile := filepath.Join(t.TempDir(), "blocks.bin")
	if err := os.WriteFile(blockFile, encodeBlockFile(gen.feed), 0o600); err != nil {
		t.Fatal(err)
	}
	var inputs int
	for _, b := range gen.feed {
		for _, tx := range b.Txs[1:] {
			inputs += len(tx.Inputs)
		}
	}
	t.Logf("generated %d blocks spending %d outputs in %v", len(gen.feed), inputs, time.Since(start).Round(time.Millisecond))

	base := t.TempDir()
	rounds := 0
	newDir := func() string {
		rounds++
		return filepath.Join(base, fmt.Sprintf("round%d", rounds))
	}
	dir := newDir()
	rng := rand.New(rand.NewPCG(0xC4A54, 2))
	var kills, earlyKills, emptyLogKills, pendingKills, reorgKills, resumeFailures int
	var firstResumeFailure string
	tips := make(map[Hash]int)

	// verify checks the database in dir as the child left it.
	verify := func(what string) *crashDBState {
		t.Helper()
		s, err := readCrashDB(dir)
		if err != nil {
			t.Fatalf("%s: read database: %v", what, err)
		}
		if err := gen.check(s); err != nil {
			t.Fatalf("%s: %v", what, err)
		}
		return s
	}
	// resume is the tip a restart must come back at: the best stored
	// block; the zero hash when unknown.
	resume := gen.genesis
	hint := ""
	for attempt := 0; kills < minKills; attempt++ {
		if attempt > 20*minKills {
			t.Fatalf("only %d kills in %d runs of the child", kills, attempt)
		}
		early := rng.IntN(8) == 0
		var delay time.Duration
		if early {
			delay = time.Duration(rng.IntN(60)) * time.Millisecond
		} else {
			delay = time.Duration(3+rng.IntN(148)) * time.Millisecond
		}
		run := runChild(t, dir, blockFile, delay, early, hint)
		what := fmt.Sprintf("run %d (round %d)", attempt, rounds)
		if run.opened && resume != (Hash{}) && run.resumed != resume {
			resumeFailures++
			if firstResumeFailure == "" {
				firstResumeFailure = fmt.Sprintf("%s: the chain reopened at %s, but %s was stored",
					what, gen.describe(run.resumed), gen.describe(resume))
			}
		}
		if !run.killed {
			if s := verify(what); s.tip != gen.final {
				t.Fatalf("%s: child processed every block, but the tip is %s, want %s",
					what, gen.name(s.tip), gen.name(gen.final))
			}
			dir, resume, hint = newDir(), gen.genesis, ""
			continue
		}
		kills++
		if !run.opened {
			earlyKills++
		}
		// A child killed before it created the directory left nothing
		// to check; the next one starts from genesis.
		if _, err := os.Stat(dir); errors.Is(err, fs.ErrNotExist) {
			resume, hint = gen.genesis, ""
			continue
		}
		// Badger cannot open a directory holding an empty log file
		// (dgraph-io/badger#2207), so such a state is left to the next
		// child, which must cope with it.
		empty, err := emptyBadgerLogs(dir)
		if err != nil {
			t.Fatal(err)
		}
		if len(empty) > 0 {
			emptyLogKills++
			resume = Hash{}
			hint = fmt.Sprintf(" (the kill before left empty badger files %v: dgraph-io/badger#2207)", empty)
			continue
		}
		s := verify(what)
		tips[s.tip]++
		resume, hint = gen.bestStored(s), ""
		if resume != s.tip {
			pendingKills++
		}
		for _, r := range gen.triggers {
			if s.bodies[r] && !gen.descends(s.tip, r) {
				reorgKills++
			}
		}
	}

	// A last child runs to the end on the last directory.
	run := runChild(t, dir, blockFile, -1, false, hint)
	if resume != (Hash{}) && run.resumed != resume {
		resumeFailures++
		if firstResumeFailure == "" {
			firstResumeFailure = fmt.Sprintf("last run: the chain reopened at %s, but %s was stored",
				gen.describe(run.resumed), gen.describe(resume))
		}
	}
	if s := verify("last run"); s.tip != gen.final {
		t.Errorf("last run: tip is %s, want %s", gen.name(s.tip), gen.name(gen.final))
	}

	t.Logf("%d kills (%d before the child opened its chain, %d leaving an empty badger file) over %d rounds, "+
		"%d distinct tips; %d kills left a stored block with more work than the tip, %d landed in a reorganisation; %v",
		kills, earlyKills, emptyLogKills, rounds, len(tips), pendingKills, reorgKills, time.Since(start).Round(time.Millisecond))
	if len(tips) < 2 {
		t.Errorf("every kill left the same tip: the kills interrupted nothing")
	}
	if resumeFailures > 0 {
		t.Errorf("%d restarts did not resume at the best chain stored; first: %s", resumeFailures, firstResumeFailure)
	}
}

// TestCrashSafetyEmptyLogFile reopens a chain whose directory holds the
// empty memtable and value log files that a kill between badger creating
// such a file and sizing it leaves (TestCrashSafety meets them now and
// then): badger.Open alone refuses them (dgraph-io/badger#2207), the chain
// must open and resume at its tip.
func TestCrashSafetyEmptyLogFile(t *testing.T) {
	g := newHarness(t)
	g.extend("b", 3)
	if err := g.chain.Close(); err != nil {
		t.Fatal(err)
	}
	g.chain = nil
	for _, name := range []string{"00099.mem", "000099.vlog"} {
		if err := os.WriteFile(filepath.Join(g.dir, name), nil, 0o600); err != nil {
			t.Fatal(err)
		}
	}
	g.open()
	g.ExpectTip("b3")
	g.reopen()
	g.ExpectTip("b3")
}
