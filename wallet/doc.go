// Package wallet is Flint's wallet library: BIP-39 mnemonics and a BIP-32
// key tree, an encrypted one-file keystore, addresses, coin selection and
// BIP-340 signing. It is never imported by the node: keys do not live in the
// node process. The wallet reaches a node only through the small Node
// interface (listing unspent outputs, the best height, a fee estimate and
// broadcasting a signed transaction), which the command line implements over
// JSON-RPC.
//
// # Keys
//
// A 24-word BIP-39 mnemonic, with an optional BIP-39 passphrase (the "25th
// word"), gives a 64-byte seed and a BIP-32 tree. Keys follow the shape of
// BIP-86:
//
//	m/86'/C'/0'/0/i   receive addresses
//	m/86'/C'/0'/1/i   change addresses
//
// where C is the network's coin type: 8330' on main, 1' on test and regtest
// (1' is the SLIP-44 value every test network shares). An output pays the
// BIP-340 x-only serialisation of the derived public key itself; unlike a
// Bitcoin BIP-86 wallet, Flint applies no taproot tweak, because Flint
// outputs have no script tree (SPEC §3). The same mnemonic therefore gives
// different addresses in Flint and in a Bitcoin taproot wallet.
//
// hdkeychain asks for a chaincfg.Params only for the version bytes of
// serialised extended keys. Flint never serialises an extended key (there
// is no xprv or xpub export), so the wallet passes Bitcoin's main network
// parameters and the version bytes are never seen.
//
// # Addresses
//
// An address is bech32m(HRP, version 1, x-only key) with the network's
// prefix (flt, tflt, rflt), encoded and decoded by chain.EncodeAddress and
// chain.DecodeAddress, which refuse another network's prefix, a bad
// checksum and a key that is not a valid x coordinate.
//
// # Keystore
//
// One file per wallet holds the seed and the wallet's small state (next
// address indexes, the transactions it sent), encrypted with
// XChaCha20-Poly1305 under a key stretched from the passphrase by Argon2id.
// The Argon2id parameters (by default RFC 9106's second recommended option:
// t=3, m=64 MiB, p=4) are stored in the file's header, bounds-checked before
// any memory is allocated, and authenticated with the rest of the header as
// associated data. Saving writes a temporary file with mode 0600, fsyncs
// it, decrypts it once to verify it, and renames it over the old file. See
// keystore.go for the byte layout.
//
// # Sending
//
// Coin selection tries branch-and-bound first, looking for a set of coins
// that pays the amount and fee with no change (the excess, at most the cost
// of a change output, goes to the fee), and falls back to largest-first.
// Change below the dust limit (DustLimit units) is never created: it is
// folded into the fee. The fee is the fee rate times the serialised size of
// the signed transaction, which is exact before signing because every
// witness is a 64-byte signature. Immature coinbase outputs are never
// spent; unconfirmed change of the wallet's own transactions is.
//
// Nothing in this package logs a key, seed, mnemonic or passphrase.
package wallet
