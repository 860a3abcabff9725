package wallet

import (
	"encoding/csv"
	"encoding/hex"
	"errors"
	"os"
	"strconv"
	"strings"
	"testing"

	"github.com/btcsuite/btcd/btcec/v2"
	"github.com/btcsuite/btcd/btcutil/hdkeychain"
	"github.com/btcsuite/btcd/chaincfg"
	"github.com/cosmos/go-bip39"

	"github.com/flint-chain/flint/chain"
)

// readCSV returns the rows of a testdata CSV file after its header.
func readCSV(t *testing.T, name string) [][]string {
	t.Helper()
	f, err := os.Open("testdata/" + name)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	rows, err := csv.NewReader(f).ReadAll()
	if err != nil {
		t.Fatal(err)
	}
	return rows[1:]
}

func mustHex(t *testing.T, s string) []byte {
	t.Helper()
	b, err := hex.DecodeString(s)
	if err != nil {
		t.Fatal(err)
	}
	return b
}

// TestBIP340Vectors runs every reference vector through the wallet's
// signing path (signHash, with the vector's auxiliary randomness) and its
// verification path (verifySignature, the consensus checks). Rows 13 and
// 14, with r = p and s = n, must fail the encoding check.
func TestBIP340Vectors(t *testing.T) {
	rows := readCSV(t, "bip340_vectors.csv")
	if len(rows) != 15 {
		t.Fatalf("%d vectors, want 15", len(rows))
	}
	for _, row := range rows {
		t.Run("vector "+row[0], func(t *testing.T) {
			var pub [32]byte
			copy(pub[:], mustHex(t, row[2]))
			var msg chain.Hash
			copy(msg[:], mustHex(t, row[4]))
			sig := mustHex(t, row[5])
			want := row[6] == "TRUE"
			if row[1] != "" {
				priv, _ := btcec.PrivKeyFromBytes(mustHex(t, row[1]))
				var aux [32]byte
				copy(aux[:], mustHex(t, row[3]))
				got, err := signHash(priv, msg, aux)
				if err != nil {
					t.Fatalf("sign: %v", err)
				}
				if !strings.EqualFold(hex.EncodeToString(got), row[5]) {
					t.Fatalf("signature %x, want %s", got, row[5])
				}
			}
			err := verifySignature(msg, pub, sig)
			if (err == nil) != want {
				t.Fatalf("verify = %v, want valid %v", err, want)
			}
			if row[0] == "13" || row[0] == "14" {
				if !errors.Is(err, chain.ErrBadSignatureEncoding) {
					t.Fatalf("vector %s: %v, want ErrBadSignatureEncoding before any curve arithmetic", row[0], err)
				}
			}
		})
	}
}

// parsePath parses m/0'/1 into hdkeychain indexes.
func parsePath(t *testing.T, p string) []uint32 {
	t.Helper()
	var out []uint32
	for _, part := range strings.Split(p, "/")[1:] {
		hardened := strings.HasSuffix(part, "'")
		n, err := strconv.ParseUint(strings.TrimSuffix(part, "'"), 10, 32)
		if err != nil {
			t.Fatal(err)
		}
		if hardened {
			n += hdkeychain.HardenedKeyStart
		}
		out = append(out, uint32(n))
	}
	return out
}

// TestBIP32Vectors runs the BIP-32 vectors through the derivation the
// wallet uses (hdkeychain.NewMaster and deriveKeyPath).
func TestBIP32Vectors(t *testing.T) {
	for _, row := range readCSV(t, "bip32_vectors.csv") {
		t.Run(row[0], func(t *testing.T) {
			master, err := hdkeychain.NewMaster(mustHex(t, row[1]), &chaincfg.MainNetParams)
			if err != nil {
				t.Fatal(err)
			}
			k, err := deriveKeyPath(master, parsePath(t, row[2])...)
			if err != nil {
				t.Fatal(err)
			}
			if got := k.String(); got != row[3] {
				t.Fatalf("xprv %s, want %s", got, row[3])
			}
			pub, err := k.Neuter()
			if err != nil {
				t.Fatal(err)
			}
			if got := pub.String(); got != row[4] {
				t.Fatalf("xpub %s, want %s", got, row[4])
			}
		})
	}
}

// abandonMnemonic is the well-known all-"abandon" test mnemonic of
// BIP-39, in its 24-word form.
const abandonMnemonic = "abandon abandon abandon abandon abandon abandon abandon abandon abandon abandon abandon abandon " +
	"abandon abandon abandon abandon abandon abandon abandon abandon abandon abandon abandon art"

// TestKeyChainPaths checks that the key chain derives m/86'/C'/0'/b/i,
// comparing with a derivation written out step by step.
func TestKeyChainPaths(t *testing.T) {
	seed, err := SeedFromMnemonic(abandonMnemonic, "")
	if err != nil {
		t.Fatal(err)
	}
	for _, p := range []*chain.Params{chain.MainNetParams(), chain.TestNetParams(), chain.RegTestParams()} {
		kc, err := newKeyChain(seed, CoinType(p))
		if err != nil {
			t.Fatal(err)
		}
		master, _ := hdkeychain.NewMaster(seed, &chaincfg.MainNetParams)
		for _, kp := range []keyPath{{0, 0}, {0, 7}, {1, 0}, {1, 3}} {
			path := kp.path(CoinType(p))
			want, err := deriveKeyPath(master, parsePath(t, path)...)
			if err != nil {
				t.Fatal(err)
			}
			wantPriv, _ := want.ECPrivKey()
			got, err := kc.privKey(kp)
			if err != nil {
				t.Fatal(err)
			}
			if !got.Key.Equals(&wantPriv.Key) {
				t.Fatalf("%s %s: key differs", p.Name, path)
			}
		}
	}
	if CoinType(chain.MainNetParams()) != 8330 || CoinType(chain.TestNetParams()) != 1 || CoinType(chain.RegTestParams()) != 1 {
		t.Fatal("coin types differ from doc.go")
	}
}

// TestBIP86InternalKey checks the key of BIP-86's first test vector
// (m/86'/0'/0'/0/0 of the 12-word "abandon ... about" mnemonic): the
// wallet's path gives the vector's internal key, which Flint pays
// untweaked.
func TestBIP86InternalKey(t *testing.T) {
	mnemonic := strings.Repeat("abandon ", 11) + "about"
	seed, err := bip39Seed(mnemonic)
	if err != nil {
		t.Fatal(err)
	}
	kc, err := newKeyChain(seed, 0)
	if err != nil {
		t.Fatal(err)
	}
	pk, err := kc.pubKey(keyPath{0, 0})
	if err != nil {
		t.Fatal(err)
	}
	if got := hex.EncodeToString(pk[:]); got != "cc8a4bc64d897bddc5fbc2f670f7a8ba0b386779106cf1223c6fc5d7cd6fc115" {
		t.Fatalf("internal key %s", got)
	}
}

func TestNormalizeMnemonic(t *testing.T) {
	good, err := NewMnemonic()
	if err != nil {
		t.Fatal(err)
	}
	if n := len(strings.Fields(good)); n != 24 {
		t.Fatalf("NewMnemonic gave %d words", n)
	}
	// The refused cases are built from the fixed test mnemonic, so that the
	// check that no word leaks into the error is deterministic.
	words := strings.Fields(abandonMnemonic)
	swapped := append([]string{words[23]}, words[:23]...)
	tests := []struct {
		name string
		in   string
		ok   bool
	}{
		{name: "fresh", in: good, ok: true},
		{name: "abandon art", in: abandonMnemonic, ok: true},
		{name: "upper case and spaces", in: "  " + strings.ToUpper(strings.ReplaceAll(abandonMnemonic, " ", "\n ")) + " ", ok: true},
		{name: "12 words", in: strings.Repeat("abandon ", 11) + "about"},
		{name: "23 words", in: strings.Join(words[:23], " ")},
		{name: "bad checksum", in: strings.Repeat("abandon ", 24)},
		{name: "unknown word", in: strings.Join(append([]string{"flintstone"}, words[1:]...), " ")},
		{name: "swapped words", in: strings.Join(swapped, " ")},
		{name: "empty", in: ""},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, err := NormalizeMnemonic(tt.in)
			if (err == nil) != tt.ok {
				t.Fatalf("err = %v, want ok %v", err, tt.ok)
			}
			if err != nil {
				if !errors.Is(err, ErrInvalidMnemonic) {
					t.Fatalf("err = %v, want ErrInvalidMnemonic", err)
				}
				for _, w := range strings.Fields(tt.in) {
					if len(w) > 3 && strings.Contains(err.Error(), w) {
						t.Fatalf("error %q repeats a word of the mnemonic", err)
					}
				}
			}
		})
	}
}

// TestAddresses checks that wallet addresses decode back to their keys on
// their own network only, and that bad addresses give chain's errors.
func TestAddresses(t *testing.T) {
	seed, _ := SeedFromMnemonic(abandonMnemonic, "")
	p := chain.RegTestParams()
	kc, _ := newKeyChain(seed, CoinType(p))
	pk, _ := kc.pubKey(keyPath{0, 0})
	addr := chain.EncodeAddress(p, pk)
	if !strings.HasPrefix(addr, "rflt1p") {
		t.Fatalf("address %s", addr)
	}
	got, err := chain.DecodeAddress(p, addr)
	if err != nil || got != pk {
		t.Fatalf("decode: %v", err)
	}
	flipped := []byte(addr)
	flipped[len(flipped)-1] ^= 1
	for name, bad := range map[string]string{
		"other network": chain.EncodeAddress(chain.MainNetParams(), pk),
		"bad checksum":  string(flipped),
		"junk":          "hello",
	} {
		if _, err := chain.DecodeAddress(p, bad); !errors.Is(err, chain.ErrInvalidAddress) {
			t.Errorf("%s: %v, want ErrInvalidAddress", name, err)
		}
	}
}

// bip39Seed returns the seed of a mnemonic of any valid BIP-39 length, for
// the tests that use other BIPs' 12-word vectors.
func bip39Seed(mnemonic string) ([]byte, error) {
	return bip39.NewSeedWithErrorChecking(mnemonic, "")
}
