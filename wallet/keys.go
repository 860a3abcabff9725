package wallet

import (
	"crypto/rand"
	"errors"
	"fmt"
	"strings"

	"github.com/btcsuite/btcd/btcec/v2"
	"github.com/btcsuite/btcd/btcec/v2/schnorr"
	"github.com/btcsuite/btcd/btcutil/hdkeychain"
	"github.com/btcsuite/btcd/chaincfg"
	"github.com/cosmos/go-bip39"

	"github.com/flint-chain/flint/chain"
)

// MnemonicWords is the length of the mnemonics the wallet creates and
// accepts: 24 words, 256 bits of entropy.
const MnemonicWords = 24

// Branches of an account (the fourth level of m/86'/C'/0'/branch/i).
const (
	// ReceiveBranch holds the addresses given out to payers.
	ReceiveBranch uint32 = 0
	// ChangeBranch holds the addresses change is sent to.
	ChangeBranch uint32 = 1
)

// purposeBIP86 is the first level of every path, as in BIP-86.
const purposeBIP86 = 86

// CoinType returns the BIP-44 coin type (unhardened) of the network's keys:
// 8330 on main (Flint's default P2P port) and 1 on test and regtest, the
// SLIP-44 value shared by test networks. A mnemonic therefore gives the
// same keys on test and regtest, and different ones on main.
func CoinType(p *chain.Params) uint32 {
	if p.Name == "main" {
		return 8330
	}
	return 1
}

// ErrInvalidMnemonic is returned (wrapped, with the reason) for a mnemonic
// that is not 24 words of the BIP-39 English list with a valid checksum.
var ErrInvalidMnemonic = errors.New("invalid mnemonic")

// NewMnemonic returns a fresh 24-word BIP-39 mnemonic from the system's
// secure random source.
func NewMnemonic() (string, error) {
	entropy, err := bip39.NewEntropy(256)
	if err != nil {
		return "", fmt.Errorf("read entropy: %w", err)
	}
	defer clear(entropy)
	return bip39.NewMnemonic(entropy)
}

// NormalizeMnemonic folds case and white space and checks that the result
// is a 24-word BIP-39 mnemonic with a valid checksum. The error never
// repeats the words.
func NormalizeMnemonic(m string) (string, error) {
	words := strings.Fields(strings.ToLower(m))
	if len(words) != MnemonicWords {
		return "", fmt.Errorf("%w: it has %d words, want %d", ErrInvalidMnemonic, len(words), MnemonicWords)
	}
	norm := strings.Join(words, " ")
	if _, err := bip39.MnemonicToByteArray(norm); err != nil {
		return "", fmt.Errorf("%w: a word is not in the BIP-39 English list or the checksum does not match", ErrInvalidMnemonic)
	}
	return norm, nil
}

// SeedFromMnemonic returns the 64-byte BIP-39 seed of a mnemonic and an
// optional BIP-39 passphrase (empty for none). The mnemonic is checked as
// NormalizeMnemonic does.
func SeedFromMnemonic(mnemonic, bip39Passphrase string) ([]byte, error) {
	norm, err := NormalizeMnemonic(mnemonic)
	if err != nil {
		return nil, err
	}
	return bip39.NewSeedWithErrorChecking(norm, bip39Passphrase)
}

// keyPath is where a key sits in an account.
type keyPath struct {
	Branch uint32
	Index  uint32
}

// path returns the full derivation path of the key for coin type coinType.
func (k keyPath) path(coinType uint32) string {
	return fmt.Sprintf("m/%d'/%d'/0'/%d/%d", purposeBIP86, coinType, k.Branch, k.Index)
}

// keyChain derives the keys of account 0 of one network. It holds private
// key material: it is never logged, and zero wipes what it can.
type keyChain struct {
	coinType uint32
	branches [2]*hdkeychain.ExtendedKey // m/86'/C'/0'/0 and m/86'/C'/0'/1
}

// newKeyChain derives the account's two branch keys from a BIP-39 seed.
func newKeyChain(seed []byte, coinType uint32) (*keyChain, error) {
	// The network parameters only set the version bytes of serialised
	// extended keys, which Flint never produces (doc.go).
	master, err := hdkeychain.NewMaster(seed, &chaincfg.MainNetParams)
	if err != nil {
		return nil, fmt.Errorf("derive master key: %w", err)
	}
	defer master.Zero()
	account, err := deriveKeyPath(master,
		hdkeychain.HardenedKeyStart+purposeBIP86,
		hdkeychain.HardenedKeyStart+coinType,
		hdkeychain.HardenedKeyStart+0)
	if err != nil {
		return nil, err
	}
	defer account.Zero()
	kc := &keyChain{coinType: coinType}
	for b := range kc.branches {
		if kc.branches[b], err = account.Derive(uint32(b)); err != nil {
			return nil, fmt.Errorf("derive branch %d: %w", b, err)
		}
	}
	return kc, nil
}

// deriveKeyPath derives the key at path (each element already offset by
// hdkeychain.HardenedKeyStart when hardened) below k with BIP-32's
// standard derivation. The tests run the BIP-32 vectors through it.
func deriveKeyPath(k *hdkeychain.ExtendedKey, path ...uint32) (*hdkeychain.ExtendedKey, error) {
	for _, i := range path {
		child, err := k.Derive(i)
		if err != nil {
			// ErrInvalidChild has a probability below 2^-127 per
			// derivation; BIP-32 would skip to the next index, the
			// wallet reports it.
			return nil, fmt.Errorf("derive child %d: %w", i, err)
		}
		k = child
	}
	return k, nil
}

// privKey returns the private key at kp.
func (kc *keyChain) privKey(kp keyPath) (*btcec.PrivateKey, error) {
	if kp.Branch > ChangeBranch || kp.Index >= hdkeychain.HardenedKeyStart {
		return nil, fmt.Errorf("no key at branch %d index %d", kp.Branch, kp.Index)
	}
	child, err := kc.branches[kp.Branch].Derive(kp.Index)
	if err != nil {
		return nil, fmt.Errorf("derive %s: %w", kp.path(kc.coinType), err)
	}
	return child.ECPrivKey()
}

// pubKey returns the x-only public key at kp, the key an output pays.
func (kc *keyChain) pubKey(kp keyPath) ([32]byte, error) {
	var out [32]byte
	if kp.Branch > ChangeBranch || kp.Index >= hdkeychain.HardenedKeyStart {
		return out, fmt.Errorf("no key at branch %d index %d", kp.Branch, kp.Index)
	}
	child, err := kc.branches[kp.Branch].Derive(kp.Index)
	if err != nil {
		return out, fmt.Errorf("derive %s: %w", kp.path(kc.coinType), err)
	}
	defer child.Zero()
	pub, err := child.ECPubKey()
	if err != nil {
		return out, err
	}
	copy(out[:], schnorr.SerializePubKey(pub))
	return out, nil
}

// zero wipes the branch keys.
func (kc *keyChain) zero() {
	for _, b := range kc.branches {
		if b != nil {
			b.Zero()
		}
	}
}

// signHash signs a sighash with BIP-340 and auxiliary randomness aux, then
// checks the signature with verifySignature, so that a faulty signer can
// never produce a transaction the network refuses.
func signHash(priv *btcec.PrivateKey, hash chain.Hash, aux [32]byte) ([]byte, error) {
	sig, err := schnorr.Sign(priv, hash[:], schnorr.CustomNonce(aux))
	if err != nil {
		return nil, fmt.Errorf("sign: %w", err)
	}
	b := sig.Serialize()
	var pub [32]byte
	copy(pub[:], schnorr.SerializePubKey(priv.PubKey()))
	if err := verifySignature(hash, pub, b); err != nil {
		return nil, fmt.Errorf("signature does not verify: %w", err)
	}
	return b, nil
}

// signHashRandom signs with fresh auxiliary randomness, as BIP-340
// recommends.
func signHashRandom(priv *btcec.PrivateKey, hash chain.Hash) ([]byte, error) {
	var aux [32]byte
	if _, err := rand.Read(aux[:]); err != nil {
		return nil, fmt.Errorf("read randomness: %w", err)
	}
	return signHash(priv, hash, aux)
}

// errBadSignature is returned by verifySignature for a signature that is
// well encoded but does not verify.
var errBadSignature = errors.New("signature does not verify")

// verifySignature checks a signature exactly as consensus does: the
// encoding first (r < p, s < n, which btcec's ParseSignature does not fully
// check), then BIP-340 verification.
func verifySignature(hash chain.Hash, pub [32]byte, sig []byte) error {
	if err := chain.CheckSignatureEncoding(sig); err != nil {
		return err
	}
	if !chain.VerifySignature(hash, pub, sig) {
		return errBadSignature
	}
	return nil
}
