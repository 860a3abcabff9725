package explorer

import (
	"cmp"
	"errors"
	"net/http"
	"net/url"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/flint-chain/flint/chain"
)

// Page sizes.
const (
	// blockTxsPerPage is how many transactions a block page lists.
	blockTxsPerPage = 50
	// txRowsMax is how many inputs or outputs a transaction page lists.
	txRowsMax = 500
	// addressRowsMax is how many outputs and transactions an address page
	// lists.
	addressRowsMax = 500
	// maxStaleWalk bounds the walk from a stale block to the main chain.
	maxStaleWalk = 100_000
)

// blockData is the block page.
type blockData struct {
	Hash          chain.Hash
	Info          chain.HeaderInfo
	Time          time.Time
	Age           string
	Confirmations int64
	Difficulty    float64
	Next          *chain.Hash
	// Stale is set for a block off the main chain, with the height where
	// its branch leaves it.
	Stale      bool
	ForkHeight uint32
	ForkHash   chain.Hash
	// NoBody is set when only the header is known.
	NoBody   bool
	Size     int
	TxCount  int
	Reward   uint64
	Subsidy  uint64
	Fees     uint64
	Txs      []txSummary
	Page     int
	Pages    int
	PrevPage int
	NextPage int
}

// txSummary is a transaction in a list.
type txSummary struct {
	TxID     chain.Hash
	Coinbase bool
	Inputs   int
	Outputs  int
	Value    uint64
	Size     int
}

func summariseTx(tx *chain.Tx) txSummary {
	s := txSummary{TxID: tx.TxID(), Coinbase: tx.IsCoinbase(), Inputs: len(tx.Inputs), Outputs: len(tx.Outputs), Size: tx.SerializeSize()}
	for _, o := range tx.Outputs {
		s.Value += o.Value
	}
	return s
}

// parseHash reads a 64-digit hex hash from a URL, or says why it is not one.
func parseHash(s, what string) (chain.Hash, error) {
	if len(s) != 2*chain.HashSize {
		return chain.Hash{}, badRequest("A %s is 64 hexadecimal digits; this is %d characters long.", what, len(s))
	}
	h, err := chain.NewHashFromStr(s)
	if err != nil {
		return chain.Hash{}, badRequest("A %s is 64 hexadecimal digits; this is not.", what)
	}
	return h, nil
}

// parseHeight reads a block height: decimal digits only.
func parseHeight(s string) (uint32, bool) {
	if s == "" || len(s) > 10 || strings.Trim(s, "0123456789") != "" {
		return 0, false
	}
	n, err := strconv.ParseUint(s, 10, 32)
	return uint32(n), err == nil
}

// pageParam reads ?page=N (1-based), 1 when absent.
func pageParam(r *http.Request) (int, error) {
	s := r.URL.Query().Get("page")
	if s == "" {
		return 1, nil
	}
	n, err := strconv.Atoi(s)
	if err != nil || n < 1 || n > 1_000_000 {
		return 0, badRequest("The page number must be a whole number from 1.")
	}
	return n, nil
}

func (e *Explorer) blockPage(r *http.Request) (*view, error) {
	id := r.PathValue("id")
	c := e.cfg.Chain
	best := c.BestState()
	var hash chain.Hash
	if height, ok := parseHeight(id); ok {
		if height > best.Height {
			return nil, notFound("There is no block at height %d yet: the tip is at height %d.", height, best.Height)
		}
		h, err := c.BlockHashByHeight(height)
		if errors.Is(err, chain.ErrNotFound) {
			return nil, notFound("There is no block at height %d: the tip is at height %d.", height, c.BestState().Height)
		}
		if err != nil {
			return nil, err
		}
		hash = h
	} else {
		h, err := parseHash(id, "block hash or a height")
		if err != nil {
			return nil, err
		}
		hash = h
	}
	page, err := pageParam(r)
	if err != nil {
		return nil, err
	}
	info, err := c.HeaderByHash(hash)
	if errors.Is(err, chain.ErrNotFound) {
		return nil, notFound("This node knows no block %s.", hash)
	}
	if err != nil {
		return nil, err
	}
	now := e.cfg.Now()
	d := &blockData{Hash: hash, Info: info, Time: info.Header.Timestamp(), Age: formatAge(now, info.Header.Timestamp()),
		Difficulty: difficulty(e.cfg.Params, info.Header.Bits), Confirmations: -1, Page: page}
	if info.MainChain {
		d.Confirmations = int64(best.Height) - int64(info.Height) + 1
		if next, err := c.BlockHashByHeight(info.Height + 1); err == nil {
			d.Next = &next
		}
	} else {
		d.Stale = true
		d.ForkHeight, d.ForkHash = e.forkPoint(info)
	}
	b, err := c.BlockByHash(hash)
	if errors.Is(err, chain.ErrNotFound) {
		d.NoBody = true
		return &view{template: "block", title: "Block " + strconv.Itoa(int(info.Height)), data: d}, nil
	}
	if err != nil {
		return nil, err
	}
	d.Size, d.TxCount = b.SerializeSize(), len(b.Txs)
	d.Subsidy = e.cfg.Params.CalcBlockSubsidy(info.Height)
	if len(b.Txs) > 0 {
		for _, o := range b.Txs[0].Outputs {
			d.Reward += o.Value
		}
		if d.Reward > d.Subsidy {
			d.Fees = d.Reward - d.Subsidy
		}
	}
	d.Pages = max(1, (len(b.Txs)+blockTxsPerPage-1)/blockTxsPerPage)
	if page > d.Pages {
		return nil, notFound("This block's transactions fill %d pages; there is no page %d.", d.Pages, page)
	}
	for _, tx := range b.Txs[(page-1)*blockTxsPerPage : min(len(b.Txs), page*blockTxsPerPage)] {
		d.Txs = append(d.Txs, summariseTx(tx))
	}
	if page > 1 {
		d.PrevPage = page - 1
	}
	if page < d.Pages {
		d.NextPage = page + 1
	}
	return &view{template: "block", title: "Block " + strconv.Itoa(int(info.Height)), data: d}, nil
}

// forkPoint walks from a stale block down to the main chain and returns
// where its branch leaves it.
func (e *Explorer) forkPoint(info chain.HeaderInfo) (uint32, chain.Hash) {
	cur := info
	for range maxStaleWalk {
		prev := cur.Header.Prev
		pi, err := e.cfg.Chain.HeaderByHash(prev)
		if err != nil {
			break
		}
		if pi.MainChain {
			return pi.Height, prev
		}
		cur = pi
	}
	return 0, e.cfg.Params.GenesisHash
}

// txData is the transaction page.
type txData struct {
	TxID          chain.Hash
	WTxID         chain.Hash
	Coinbase      bool
	InMempool     bool
	Block         chain.Hash
	Height        uint32
	Time          time.Time
	Confirmations int64
	Size          int
	Version       uint32
	LockTime      uint32
	Inputs        []txInput
	MoreInputs    int
	Outputs       []txOutput
	MoreOutputs   int
	In, Out       uint64
	// FeeKnown is set when every input's value was found.
	FeeKnown bool
	Fee      uint64
}

// txInput is one input with the output it spends, when found.
type txInput struct {
	Prev    chain.OutPoint
	Found   bool
	Value   uint64
	Address string
}

// txOutput is one output.
type txOutput struct {
	Index   int
	Value   uint64
	Address string
	// Spent is "unspent", "spent" or "" when not known.
	Spent string
}

func (e *Explorer) txPage(r *http.Request) (*view, error) {
	txid, err := parseHash(r.PathValue("txid"), "transaction id")
	if err != nil {
		return nil, err
	}
	c := e.cfg.Chain
	d := &txData{TxID: txid, Confirmations: 0}
	tx, loc, err := c.TxByID(txid)
	switch {
	case err == nil:
		best := c.BestState()
		d.Block, d.Height = loc.Block, loc.Height
		d.Confirmations = int64(best.Height) - int64(loc.Height) + 1
		if info, err := c.HeaderByHash(loc.Block); err == nil {
			d.Time = info.Header.Timestamp()
		}
	case errors.Is(err, chain.ErrNotFound):
		mtx, ok := e.mempoolTx(txid)
		if !ok {
			return nil, notFound("This node knows no transaction %s, confirmed or in its mempool.", txid)
		}
		tx, d.InMempool, d.Time = mtx.Tx, true, mtx.Added
	default:
		return nil, err
	}
	d.WTxID, d.Coinbase, d.Size, d.Version, d.LockTime = tx.WTxID(), tx.IsCoinbase(), tx.SerializeSize(), tx.Version, tx.LockTime
	d.FeeKnown = !d.Coinbase
	prevTxs := map[chain.Hash]*chain.Tx{}
	for i, in := range tx.Inputs {
		if d.Coinbase {
			break
		}
		ti := txInput{Prev: in.Prev}
		if out, ok := e.prevOut(in.Prev, prevTxs); ok {
			ti.Found, ti.Value, ti.Address = true, out.Value, chain.EncodeAddress(e.cfg.Params, out.PubKey)
			d.In += out.Value
		} else {
			d.FeeKnown = false
		}
		if i < txRowsMax {
			d.Inputs = append(d.Inputs, ti)
		}
	}
	d.MoreInputs = max(0, len(tx.Inputs)-txRowsMax)
	for i, o := range tx.Outputs {
		d.Out += o.Value
		if i >= txRowsMax {
			continue
		}
		to := txOutput{Index: i, Value: o.Value, Address: chain.EncodeAddress(e.cfg.Params, o.PubKey)}
		if !d.InMempool {
			if _, ok, err := c.FetchUtxo(chain.OutPoint{TxID: txid, Index: uint32(i)}); err == nil {
				to.Spent = "spent"
				if ok {
					to.Spent = "unspent"
				}
			}
		}
		d.Outputs = append(d.Outputs, to)
	}
	d.MoreOutputs = max(0, len(tx.Outputs)-txRowsMax)
	if d.FeeKnown && d.In >= d.Out {
		d.Fee = d.In - d.Out
	} else {
		d.FeeKnown = false
	}
	return &view{template: "tx", title: "Transaction " + shortHash(txid), data: d}, nil
}

// mempoolTx looks a transaction up in the mempool, if the node has one.
func (e *Explorer) mempoolTx(txid chain.Hash) (MempoolTx, bool) {
	if e.cfg.MempoolTx == nil {
		return MempoolTx{}, false
	}
	return e.cfg.MempoolTx(txid)
}

// prevOut finds the output op names, in the chain or the mempool; cache
// holds the transactions already read for this page.
func (e *Explorer) prevOut(op chain.OutPoint, cache map[chain.Hash]*chain.Tx) (chain.TxOut, bool) {
	tx, ok := cache[op.TxID]
	if !ok {
		if t, _, err := e.cfg.Chain.TxByID(op.TxID); err == nil {
			tx = t
		} else if m, ok := e.mempoolTx(op.TxID); ok {
			tx = m.Tx
		}
		cache[op.TxID] = tx
	}
	if tx == nil || int(op.Index) >= len(tx.Outputs) {
		return chain.TxOut{}, false
	}
	return tx.Outputs[op.Index], true
}

// addressData is the address page.
type addressData struct {
	Address     string
	Balance     uint64
	UtxoCount   int
	Utxos       []chain.Utxo
	MoreUtxos   int
	Txs         []addressTx
	MoreTxs     int
	Pending     []addressTx
	TipHeight   uint32
	Maturity    uint32
	PendingNote string
}

// addressTx is a transaction touching an address.
type addressTx struct {
	TxID   chain.Hash
	Height uint32
	// Received is what it paid the address among its still-unspent
	// outputs (confirmed) or all its outputs (mempool).
	Received uint64
	Spends   int
}

func (e *Explorer) addressPage(r *http.Request) (*view, error) {
	addr := r.PathValue("addr")
	if len(addr) > 120 {
		return nil, badRequest("That is too long to be a %s address.", e.cfg.Params.Name)
	}
	key, err := chain.DecodeAddress(e.cfg.Params, addr)
	if err != nil {
		return nil, badRequest("That is not a %s address (they start with %q).", e.cfg.Params.Name, e.cfg.Params.AddressHRP+"1")
	}
	utxos, err := e.cfg.Chain.UtxosByPubKey(key)
	if err != nil {
		return nil, err
	}
	d := &addressData{Address: chain.EncodeAddress(e.cfg.Params, key), UtxoCount: len(utxos),
		TipHeight: e.cfg.Chain.BestState().Height, Maturity: e.cfg.Params.CoinbaseMaturity}
	slices.SortFunc(utxos, func(a, b chain.Utxo) int {
		if c := cmp.Compare(b.Entry.Height, a.Entry.Height); c != 0 {
			return c
		}
		return cmp.Compare(a.OutPoint.Index, b.OutPoint.Index)
	})
	byTx := map[chain.Hash]*addressTx{}
	var order []chain.Hash
	ours := map[chain.OutPoint]bool{}
	for _, u := range utxos {
		d.Balance += u.Entry.Output.Value
		ours[u.OutPoint] = true
		t := byTx[u.OutPoint.TxID]
		if t == nil {
			t = &addressTx{TxID: u.OutPoint.TxID, Height: u.Entry.Height}
			byTx[u.OutPoint.TxID] = t
			order = append(order, u.OutPoint.TxID)
		}
		t.Received += u.Entry.Output.Value
	}
	d.Utxos = utxos[:min(len(utxos), addressRowsMax)]
	d.MoreUtxos = len(utxos) - len(d.Utxos)
	for i, id := range order {
		if i >= addressRowsMax {
			d.MoreTxs = len(order) - addressRowsMax
			break
		}
		d.Txs = append(d.Txs, *byTx[id])
	}
	if e.cfg.Mempool != nil {
		for _, m := range e.cfg.Mempool() {
			t := addressTx{TxID: m.TxID}
			for _, o := range m.Tx.Outputs {
				if o.PubKey == key {
					t.Received += o.Value
				}
			}
			for _, in := range m.Tx.Inputs {
				if ours[in.Prev] {
					t.Spends++
				}
			}
			if (t.Received > 0 || t.Spends > 0) && len(d.Pending) < addressRowsMax {
				d.Pending = append(d.Pending, t)
			}
		}
	}
	return &view{template: "address", title: "Address " + d.Address, data: d}, nil
}

// searchData is the search page when nothing matched.
type searchData struct {
	Query string
	Hint  string
}

// maxSearchLen bounds what the search box reads.
const maxSearchLen = 200

// searchPage sends a height, block hash, txid or address to its page, and
// answers anything else with a "not found" page.
func (e *Explorer) searchPage(r *http.Request) (*view, error) {
	q := strings.TrimSpace(r.URL.Query().Get("q"))
	if q == "" {
		return nil, badRequest("Type a block height, a block hash, a transaction id or an address.")
	}
	if len(q) > maxSearchLen {
		return nil, badRequest("The search is %d characters long; nothing Flint names is longer than %d.", len(q), maxSearchLen)
	}
	if to := e.resolve(q); to != "" {
		return nil, &redirect{to: to}
	}
	hint := "Flint searches block heights, block hashes, transaction ids (64 hex digits) and " +
		e.cfg.Params.Name + " addresses (starting " + e.cfg.Params.AddressHRP + "1)."
	return &view{template: "search", title: "Not found", status: http.StatusNotFound, data: searchData{Query: q, Hint: hint}}, nil
}

// resolve returns the page a search goes to, or "" when nothing matches.
func (e *Explorer) resolve(q string) string {
	c := e.cfg.Chain
	if h, ok := parseHeight(q); ok {
		if h <= c.BestState().Height {
			return "/block/" + q
		}
		return ""
	}
	if h, err := chain.NewHashFromStr(q); err == nil && len(q) == 2*chain.HashSize {
		if _, err := c.HeaderByHash(h); err == nil {
			return "/block/" + h.String()
		}
		if _, _, err := c.TxByID(h); err == nil {
			return "/tx/" + h.String()
		}
		if _, ok := e.mempoolTx(h); ok {
			return "/tx/" + h.String()
		}
		return ""
	}
	if key, err := chain.DecodeAddress(e.cfg.Params, q); err == nil {
		return "/address/" + url.PathEscape(chain.EncodeAddress(e.cfg.Params, key))
	}
	return ""
}

// redirect is a page answer that sends the visitor elsewhere.
type redirect struct{ to string }

func (r *redirect) Error() string { return "redirect to " + r.to }
