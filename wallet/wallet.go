package wallet

import (
	"context"
	"crypto/rand"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"os"
	"sync"

	"github.com/flint-chain/flint/chain"
)

// GapLimit is how many unused addresses past the last used one the wallet
// watches on each branch, and how far restore scans, as in BIP-44.
const GapLimit = 20

// stateVersion is the version of the encrypted wallet state.
const stateVersion = 1

// walletState is the encrypted part of a keystore file.
type walletState struct {
	Version int `json:"version"`
	// Seed is the 64-byte BIP-39 seed.
	Seed []byte `json:"seed"`
	// NextReceive and NextChange are the first indexes on each branch
	// that have not been used (received funds or been handed out as
	// change).
	NextReceive uint32 `json:"next_receive"`
	NextChange  uint32 `json:"next_change"`
	// Sent lists the transactions this wallet broadcast, oldest first.
	Sent []SentTx `json:"sent"`
}

// SentTx records a transaction the wallet broadcast.
type SentTx struct {
	TxID chain.Hash `json:"txid"`
	// Raw is the signed transaction, kept so that its unconfirmed change
	// can be spent and its inputs are not offered again.
	Raw    []byte       `json:"raw"`
	Time   int64        `json:"time"`
	To     string       `json:"to"`
	Amount chain.Amount `json:"amount"`
	Fee    chain.Amount `json:"fee"`
	Change chain.Amount `json:"change"`
	// Pending is set while the node holds the transaction in its mempool.
	Pending bool `json:"pending"`
	// Confirmed is set once the node has it in a main-chain block. A
	// transaction neither pending nor confirmed was dropped by the node (a
	// conflict won, or it expired): its inputs are the wallet's again.
	Confirmed bool `json:"confirmed,omitempty"`
	// Height and BlockTime (unix seconds) are those of the block that
	// confirmed it, as the node last reported them (a reorganisation can
	// move it to another block); zero while unconfirmed, and for wallets
	// written before they were kept until the next sync fills them in.
	Height    uint32 `json:"height,omitempty"`
	BlockTime int64  `json:"block_time,omitempty"`
	// DroppedAt is the node's tip height when the wallet found the
	// transaction dropped; the wallet asks about it again until the tip
	// is CoinbaseMaturity blocks past that, in case it is mined after all.
	DroppedAt uint32 `json:"dropped_at,omitempty"`
}

// Option configures Create, Open and Restore.
type Option func(*options)

type options struct {
	kdf    KDFParams
	logger *slog.Logger
}

// WithKDFParams sets the Argon2id parameters of a new keystore. Tests use it
// for cheap parameters; the default is DefaultKDFParams. Open reads the
// parameters from the file and ignores this option.
func WithKDFParams(p KDFParams) Option { return func(o *options) { o.kdf = p } }

// WithLogger sets the logger: slog.Default() if the option is not given,
// nothing logged if l is nil. The wallet logs
// with "sub", "wallet" and never logs a key, seed, mnemonic or passphrase.
func WithLogger(l *slog.Logger) Option { return func(o *options) { o.logger = l } }

func buildOptions(opts []Option) options {
	o := options{kdf: DefaultKDFParams(), logger: slog.Default()}
	for _, f := range opts {
		f(&o)
	}
	if o.logger == nil {
		o.logger = slog.New(slog.NewTextHandler(io.Discard, nil))
	}
	o.logger = o.logger.With("sub", "wallet")
	return o
}

// Wallet is an open wallet: its keys, its state and the key that encrypts
// its file. It is safe for concurrent access; mu serialises every method,
// since most of them may rewrite the file.
type Wallet struct {
	path   string
	params *chain.Params
	log    *slog.Logger

	mu    sync.Mutex // guards everything below
	hdr   keystoreHeader
	key   [keySize]byte
	keys  *keyChain
	state walletState
	// pubs and owned cache derived keys: pubs[b][i] is the x-only key
	// at branch b index i, owned maps a key back to its path.
	pubs  [2][][32]byte
	owned map[[32]byte]keyPath
}

// Create makes a new wallet file at path from a 24-word mnemonic (see
// NewMnemonic) and an optional BIP-39 passphrase, encrypted under
// passphrase. It refuses to replace an existing file.
func Create(path string, p *chain.Params, mnemonic, bip39Passphrase string, passphrase []byte, opts ...Option) (*Wallet, error) {
	w, err := newWallet(path, p, mnemonic, bip39Passphrase, passphrase, opts)
	if err != nil {
		return nil, err
	}
	if err := w.save(true); err != nil {
		w.Close()
		return nil, err
	}
	w.log.Info("wallet created", "path", path, "network", p.Name)
	return w, nil
}

// newWallet builds a wallet in memory, deriving its file key; nothing is
// written.
func newWallet(path string, p *chain.Params, mnemonic, bip39Passphrase string, passphrase []byte, opts []Option) (*Wallet, error) {
	o := buildOptions(opts)
	if len(passphrase) == 0 {
		return nil, errors.New("the wallet passphrase must not be empty")
	}
	if err := o.kdf.check(); err != nil {
		return nil, err
	}
	if _, err := os.Lstat(path); err == nil {
		return nil, fmt.Errorf("a wallet file already exists at %s; refusing to overwrite it", path)
	}
	seed, err := SeedFromMnemonic(mnemonic, bip39Passphrase)
	if err != nil {
		return nil, err
	}
	w := &Wallet{path: path, params: p, log: o.logger}
	w.hdr = keystoreHeader{KDF: o.kdf, Network: p.Name}
	if _, err := rand.Read(w.hdr.Salt[:]); err != nil {
		return nil, fmt.Errorf("read randomness: %w", err)
	}
	w.key = deriveKey(passphrase, &w.hdr)
	w.state = walletState{Version: stateVersion, Seed: seed}
	if err := w.init(); err != nil {
		w.Close()
		return nil, err
	}
	return w, nil
}

// Open decrypts the wallet file at path. A wrong passphrase, a changed bit
// or a tampered parameter give ErrWrongPassphrase; a malformed or
// truncated file ErrCorruptWallet; a file group or others may read
// ErrInsecurePermissions. A wallet of another network is refused.
func Open(path string, p *chain.Params, passphrase []byte, opts ...Option) (*Wallet, error) {
	o := buildOptions(opts)
	b, err := readKeystoreFile(path)
	if err != nil {
		return nil, err
	}
	hdr, aad, ct, err := decodeKeystore(b)
	if err != nil {
		return nil, err
	}
	w := &Wallet{path: path, params: p, log: o.logger, hdr: hdr}
	w.key = deriveKey(passphrase, &w.hdr)
	pt, err := open(&w.hdr, &w.key, aad, ct)
	if err != nil {
		clear(w.key[:])
		return nil, err
	}
	err = json.Unmarshal(pt, &w.state)
	clear(pt)
	if err != nil || w.state.Version != stateVersion || len(w.state.Seed) != 64 {
		w.Close()
		return nil, fmt.Errorf("%w: the decrypted state is not understood", ErrCorruptWallet)
	}
	// The network is authenticated with the header, so this check comes
	// after decryption and cannot be forged.
	if hdr.Network != p.Name {
		w.Close()
		return nil, fmt.Errorf("the wallet at %s is for the %s network, not %s", path, hdr.Network, p.Name)
	}
	if err := w.init(); err != nil {
		w.Close()
		return nil, err
	}
	w.log.Debug("wallet opened", "path", path, "network", p.Name,
		"next_receive", w.state.NextReceive, "next_change", w.state.NextChange)
	return w, nil
}

// Restore recreates a wallet from its mnemonic: it scans both branches
// against the node with a gap limit of GapLimit to find the addresses in
// use, then writes the file. If the node cannot be reached nothing is
// written.
func Restore(ctx context.Context, path string, p *chain.Params, mnemonic, bip39Passphrase string, passphrase []byte, node Node, opts ...Option) (*Wallet, error) {
	w, err := newWallet(path, p, mnemonic, bip39Passphrase, passphrase, opts)
	if err != nil {
		return nil, err
	}
	w.mu.Lock()
	_, err = w.scanLocked(ctx, node)
	w.mu.Unlock()
	if err != nil {
		w.Close()
		return nil, err
	}
	if err := w.save(true); err != nil {
		w.Close()
		return nil, err
	}
	w.log.Info("wallet restored", "path", path, "network", p.Name,
		"next_receive", w.state.NextReceive, "next_change", w.state.NextChange)
	return w, nil
}

// init derives the key chain from the seed.
func (w *Wallet) init() error {
	kc, err := newKeyChain(w.state.Seed, CoinType(w.params))
	if err != nil {
		return err
	}
	w.keys = kc
	w.owned = make(map[[32]byte]keyPath)
	return nil
}

// save encrypts the state and writes the file (see writeKeystoreFile).
// Caller holds mu, or owns w exclusively.
func (w *Wallet) save(create bool) error {
	pt, err := json.Marshal(&w.state)
	if err != nil {
		return err
	}
	data, err := seal(&w.hdr, &w.key, pt)
	clear(pt)
	if err != nil {
		return err
	}
	return writeKeystoreFile(w.path, data, &w.key, create)
}

// Close wipes the keys and seed held in memory, as far as Go allows. The
// wallet must not be used afterwards.
func (w *Wallet) Close() {
	w.mu.Lock()
	defer w.mu.Unlock()
	if w.keys != nil {
		w.keys.zero()
	}
	clear(w.state.Seed)
	clear(w.key[:])
}

// Params returns the wallet's network parameters.
func (w *Wallet) Params() *chain.Params { return w.params }

// Path returns the wallet file's path.
func (w *Wallet) Path() string { return w.path }

// pubKeyLocked returns (and caches) the x-only key at kp. Caller holds mu.
func (w *Wallet) pubKeyLocked(kp keyPath) ([32]byte, error) {
	cache := &w.pubs[kp.Branch]
	for uint32(len(*cache)) <= kp.Index {
		next := keyPath{kp.Branch, uint32(len(*cache))}
		pk, err := w.keys.pubKey(next)
		if err != nil {
			return pk, err
		}
		*cache = append(*cache, pk)
		w.owned[pk] = next
	}
	return (*cache)[kp.Index], nil
}

// addressLocked returns the address at kp. Caller holds mu.
func (w *Wallet) addressLocked(kp keyPath) (string, error) {
	pk, err := w.pubKeyLocked(kp)
	if err != nil {
		return "", err
	}
	return chain.EncodeAddress(w.params, pk), nil
}

// ReceiveAddress returns the first receive address that has not been used,
// the one to hand to a payer or to 'flint node --mine.address'. It is the
// same address until funds arrive at it and the wallet sees them (Balance,
// ListUnspent or Sync), so that addresses are not skipped past the gap
// limit.
func (w *Wallet) ReceiveAddress() (string, error) {
	w.mu.Lock()
	defer w.mu.Unlock()
	return w.addressLocked(keyPath{ReceiveBranch, w.state.NextReceive})
}

// NewReceiveAddress marks the current receive address used, saves the
// file, and returns the next one. Handing out more than GapLimit addresses
// that never receive funds means a restore will not find later ones.
func (w *Wallet) NewReceiveAddress() (string, error) {
	w.mu.Lock()
	defer w.mu.Unlock()
	w.state.NextReceive++
	if err := w.save(false); err != nil {
		w.state.NextReceive--
		return "", err
	}
	return w.addressLocked(keyPath{ReceiveBranch, w.state.NextReceive})
}

// Addresses returns the watched addresses of a branch: every used one and
// GapLimit beyond.
func (w *Wallet) Addresses(branch uint32) ([]string, error) {
	w.mu.Lock()
	defer w.mu.Unlock()
	return w.watchedLocked(branch)
}

// watchedLocked returns the addresses of a branch up to the gap limit past
// the last used one. Caller holds mu.
func (w *Wallet) watchedLocked(branch uint32) ([]string, error) {
	next := w.state.NextReceive
	if branch == ChangeBranch {
		next = w.state.NextChange
	}
	addrs := make([]string, 0, next+GapLimit)
	for i := uint32(0); i < next+GapLimit; i++ {
		a, err := w.addressLocked(keyPath{branch, i})
		if err != nil {
			return nil, err
		}
		addrs = append(addrs, a)
	}
	return addrs, nil
}

// History returns the transactions the wallet sent, in the order it sent
// them (oldest first).
func (w *Wallet) History() []SentTx {
	w.mu.Lock()
	defer w.mu.Unlock()
	out := make([]SentTx, len(w.state.Sent))
	copy(out, w.state.Sent)
	return out
}
