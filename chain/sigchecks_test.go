package chain

import (
	"errors"
	"strconv"
	"strings"
	"testing"

	"github.com/btcsuite/btcd/btcec/v2/schnorr"

	"github.com/flint-chain/flint/sigverify"
)

// TestBlockSignatureBatchNamesInput connects blocks whose one transaction
// spends 40 outputs with one bad signature, first, in the middle or last,
// with each pure-Go backend: the block is refused and the error names the
// input. The same transaction with every signature good connects.
func TestBlockSignatureBatchNamesInput(t *testing.T) {
	for _, name := range []string{"btcec", "purego"} {
		t.Run(name, func(t *testing.T) {
			v, err := sigverify.Lookup(name)
			if err != nil {
				t.Fatal(err)
			}
			g := matureHarness(t, 12)
			g.chain.sigVerifier = v
			const n = 40
			spend := g.CoinbaseOut("b1")
			each := spend.out.Value / n
			outputs := make([]TxOut, n)
			for i := range outputs {
				outputs[i] = g.pay(each)
			}
			fan := g.spendTx([]*spendableOut{spend}, outputs, 0)
			g.NextBlock("fan", nil, addTx(fan))
			g.AcceptTipBlock()
			spends := make([]*spendableOut, n)
			for i := range spends {
				spends[i] = &spendableOut{op: OutPoint{TxID: fan.TxID(), Index: uint32(i)}, out: fan.Outputs[i]}
			}
			for _, bad := range []int{0, n / 2, n - 1} {
				tx := g.spendTx(spends, []TxOut{g.pay(each * n)}, 0)
				tx.Inputs[bad].Witness[40] ^= 0x10
				g.SetTip("fan")
				b := g.NextBlock("bad"+strconv.Itoa(bad), nil, addTx(tx))
				_, err := g.process(b)
				if !errors.Is(err, ErrBadSignature) || !strings.Contains(err.Error(), "input "+strconv.Itoa(bad)+":") {
					t.Fatalf("bad signature at input %d: %v", bad, err)
				}
			}
			g.SetTip("fan")
			g.NextBlock("good", nil, addTx(g.spendTx(spends, []TxOut{g.pay(each * n)}, 0)))
			g.AcceptTipBlock()
		})
	}
}

// TestSigChecksCache: checks the cache holds are not queued, and Remember
// fills the cache with what was queued.
func TestSigChecksCache(t *testing.T) {
	cache := NewSigCache(100)
	g := matureHarness(t, 2)
	spend := g.CoinbaseOut("b1")
	tx := g.spendTx([]*spendableOut{spend}, []TxOut{g.pay(1)}, 0)
	sigHash := CalcSigHash(g.params.GenesisHash, tx.TxID(), 0, []TxOut{spend.out})
	checks := NewSigChecks(cache)
	checks.Add(sigHash, spend.out.PubKey, tx.Inputs[0].Witness, tx.TxID(), 0)
	if checks.Len() != 1 {
		t.Fatalf("%d checks queued, want 1", checks.Len())
	}
	if failed := checks.Verify(sigverify.Default(), 2); len(failed) != 0 {
		t.Fatalf("a good signature failed: %v", failed)
	}
	checks.Remember()
	again := NewSigChecks(cache)
	again.Add(sigHash, spend.out.PubKey, tx.Inputs[0].Witness, tx.TxID(), 0)
	if again.Len() != 0 || cache.Len() != 1 {
		t.Fatalf("a remembered signature was queued again (%d queued, %d cached)", again.Len(), cache.Len())
	}
}

// TestSigChecksStream: streamed in chunks of 3, ten checks with bad ones
// at 0, 4 and 9 are named in order, as Verify names them.
func TestSigChecksStream(t *testing.T) {
	g := newHarness(t)
	queue := func(checks *SigChecks) {
		for i := range 10 {
			msg := DoubleSHA256([]byte{byte(i)})
			sig, err := schnorr.Sign(g.priv, msg[:])
			if err != nil {
				t.Fatal(err)
			}
			raw := sig.Serialize()
			if i == 0 || i == 4 || i == 9 {
				raw[50] ^= 1
			}
			checks.Add(msg, g.pubKey, raw, Hash{byte(i)}, i)
		}
	}
	streamed := NewSigChecks(NewSigCache(0))
	streamed.Stream(sigverify.Default(), 3)
	queue(streamed)
	all := NewSigChecks(NewSigCache(0))
	queue(all)
	got, want := streamed.Wait(), all.Verify(sigverify.Default(), 2)
	if len(got) != 3 || got[0].Input != 0 || got[1].Input != 4 || got[2].Input != 9 {
		t.Fatalf("streamed checks named %v, want inputs 0, 4 and 9", got)
	}
	for i := range got {
		if got[i] != want[i] {
			t.Fatalf("streamed %v, all at once %v", got, want)
		}
	}
}
