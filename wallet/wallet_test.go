package wallet

import (
	"bytes"
	"context"
	"encoding/hex"
	"encoding/json"
	"errors"
	"log/slog"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/flint-chain/flint/chain"
)

// flt returns n whole FLT in base units.
func flt(n uint64) chain.Amount { return chain.Amount(n * chain.UnitsPerFLT) }

func mustBalance(t *testing.T, w *Wallet, n Node) Balance {
	t.Helper()
	b, err := w.Balance(context.Background(), n)
	if err != nil {
		t.Fatal(err)
	}
	return b
}

func mustAddress(t *testing.T, w *Wallet) string {
	t.Helper()
	a, err := w.ReceiveAddress()
	if err != nil {
		t.Fatal(err)
	}
	return a
}

// TestSendOnRealChain mines to a wallet, waits for maturity, pays a second
// wallet twice (the second payment spending the first one's unconfirmed
// change), and checks that the real chain accepts both in one block and
// that both balances move by the exact amounts and fees.
func TestSendOnRealChain(t *testing.T) {
	ctx := context.Background()
	node := newChainNode(t)
	alice, _ := newTestWallet(t, node.params, "")
	bob, _ := newTestWallet(t, node.params, "")
	aliceAddr := mustAddress(t, alice)
	bobAddr := mustAddress(t, bob)

	node.mine(node.pubKeyOf(aliceAddr)) // height 1: matures at 1 + 5 = 6
	if got := mustBalance(t, alice, node); got != (Balance{Immature: flt(50)}) {
		t.Fatalf("after mining: %+v", got)
	}
	if a2 := mustAddress(t, alice); a2 == aliceAddr {
		t.Fatal("the receive address did not move on after it received funds")
	}
	_, err := alice.CreateTransaction(ctx, node, Payment{To: bobAddr, Amount: flt(1), FeeRate: 10})
	if !errors.Is(err, ErrOnlyImmature) || !strings.Contains(err.Error(), "height 6") {
		t.Fatalf("spending immature funds: %v", err)
	}
	node.mineTo(4, burnKey)
	if got := mustBalance(t, alice, node); got.Immature != flt(50) {
		t.Fatalf("at height 4 the next block is 5 < 6: %+v", got)
	}
	node.mine(burnKey) // tip 5: the next block, 6, may spend it
	if got := mustBalance(t, alice, node); got != (Balance{Confirmed: flt(50)}) {
		t.Fatalf("at maturity: %+v", got)
	}

	// First payment: 12.5 FLT at 10 units per byte, one input, change.
	d1, err := alice.CreateTransaction(ctx, node, Payment{To: bobAddr, Amount: 1_250_000_000, FeeRate: 10})
	if err != nil {
		t.Fatal(err)
	}
	if d1.Size != 191 || d1.Fee != 1910 || d1.Change != flt(50)-1_250_000_000-1910 {
		t.Fatalf("draft 1: size %d fee %d change %d", d1.Size, d1.Fee, d1.Change)
	}
	if d1.Size != len(d1.Tx.Serialize()) {
		t.Fatal("size is not the serialised size")
	}
	if !strings.HasPrefix(d1.ChangeAddress, "rflt1") || d1.ChangeAddress == aliceAddr {
		t.Fatalf("change address %q", d1.ChangeAddress)
	}
	if node.sent != 0 {
		t.Fatal("CreateTransaction broadcast")
	}
	if _, err := alice.Send(ctx, node, d1); err != nil {
		t.Fatal(err)
	}
	if got := mustBalance(t, alice, node); got != (Balance{Unconfirmed: d1.Change}) {
		t.Fatalf("after sending: %+v", got)
	}

	// Second payment spends the unconfirmed change.
	d2, err := alice.CreateTransaction(ctx, node, Payment{To: bobAddr, Amount: flt(1), FeeRate: 10})
	if err != nil {
		t.Fatal(err)
	}
	if len(d2.Tx.Inputs) != 1 || d2.Tx.Inputs[0].Prev != (chain.OutPoint{TxID: d1.TxID, Index: 1}) {
		t.Fatalf("draft 2 spends %+v, want the change of draft 1", d2.Tx.Inputs)
	}
	if d2.ChangeAddress == d1.ChangeAddress {
		t.Fatal("change address reused")
	}
	if _, err := alice.Send(ctx, node, d2); err != nil {
		t.Fatal(err)
	}
	if _, err := alice.Send(ctx, node, d2); err == nil {
		t.Fatal("a stale draft was sent again")
	}

	block := node.mine(burnKey) // the real chain checks both signatures
	if len(block.Txs) != 3 {
		t.Fatalf("block holds %d transactions", len(block.Txs))
	}
	wantAlice := flt(50) - 1_250_000_000 - flt(1) - d1.Fee - d2.Fee
	if got := mustBalance(t, alice, node); got != (Balance{Confirmed: wantAlice}) {
		t.Fatalf("alice: %+v, want %v confirmed", got, wantAlice)
	}
	if got := mustBalance(t, bob, node); got != (Balance{Confirmed: 1_250_000_000 + flt(1)}) {
		t.Fatalf("bob: %+v", got)
	}
	h := alice.History()
	if len(h) != 2 || h[0].Pending || h[1].Pending || h[0].Amount != 1_250_000_000 || h[1].Fee != d2.Fee {
		t.Fatalf("history %+v", h)
	}
	reopened, err := Open(alice.Path(), node.params, []byte("correct horse"), testOpts()...)
	if err != nil {
		t.Fatalf("reopen after sending: %v", err)
	}
	if got := reopened.History(); len(got) != 2 || got[0].TxID != d1.TxID || got[0].Change != d1.Change || got[1].Fee != d2.Fee {
		t.Fatalf("reopened history %+v", got)
	}
	if reopened.state.NextChange != 2 {
		t.Fatalf("reopened NextChange %d, want 2", reopened.state.NextChange)
	}
	reopened.Close()

	// Bob pays back 1 FLT less a little: branch and bound spends the 1
	// FLT coin without change, giving the excess to the fee.
	bobCoins, _ := bob.Sync(ctx, node)
	if len(bobCoins.Coins) != 2 {
		t.Fatalf("bob has %d coins", len(bobCoins.Coins))
	}
	d3, err := bob.CreateTransaction(ctx, node, Payment{To: mustAddress(t, alice), Amount: flt(1) - 151 - 500, FeeRate: 1})
	if err != nil {
		t.Fatal(err)
	}
	if d3.Change != 0 || len(d3.Tx.Outputs) != 1 || d3.Fee != 651 || d3.Inputs[0].Value != uint64(flt(1)) {
		t.Fatalf("draft 3: change %d outputs %d fee %d", d3.Change, len(d3.Tx.Outputs), d3.Fee)
	}
	if _, err := bob.Send(ctx, node, d3); err != nil {
		t.Fatal(err)
	}
	node.mine(burnKey)
	if got := mustBalance(t, bob, node); got != (Balance{Confirmed: 1_250_000_000}) {
		t.Fatalf("bob after paying back: %+v", got)
	}
	if got := mustBalance(t, alice, node); got.Confirmed != wantAlice+flt(1)-651 {
		t.Fatalf("alice after being paid back: %+v", got)
	}

	// Too much: the error says what is missing, and nothing is sent.
	sent := node.sent
	_, err = bob.CreateTransaction(ctx, node, Payment{To: aliceAddr, Amount: flt(20), FeeRate: 1})
	var ife *InsufficientFundsError
	if !errors.As(err, &ife) || ife.Missing != flt(20)+151-1_250_000_000 {
		t.Fatalf("insufficient funds: %v", err)
	}
	if node.sent != sent {
		t.Fatal("a refused payment was broadcast")
	}
}

// TestBadPaymentsWriteNothing checks that each bad input gives an error,
// broadcasts nothing and leaves the wallet file unchanged.
func TestBadPaymentsWriteNothing(t *testing.T) {
	ctx := context.Background()
	node := newChainNode(t)
	w, path := newTestWallet(t, node.params, "")
	addr := mustAddress(t, w)
	node.mine(node.pubKeyOf(addr))
	node.mineTo(testMaturity+1, burnKey)
	if _, err := w.Sync(ctx, node); err != nil {
		t.Fatal(err)
	}
	before, _ := os.ReadFile(path)
	mainAddr := chain.EncodeAddress(chain.MainNetParams(), node.pubKeyOf(addr))
	flipped := []byte(addr)
	flipped[10] ^= 1
	tests := []struct {
		name string
		p    Payment
		want string
	}{
		{name: "other network", p: Payment{To: mainAddr, Amount: flt(1)}, want: "invalid address"},
		{name: "bad checksum", p: Payment{To: string(flipped), Amount: flt(1)}, want: "invalid address"},
		{name: "dust", p: Payment{To: addr, Amount: 999}, want: "dust limit"},
		{name: "above balance", p: Payment{To: addr, Amount: flt(51)}, want: "missing"},
		{name: "fee rate", p: Payment{To: addr, Amount: flt(1), FeeRate: MaxFeeRate + 1}, want: "fee rate"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, err := w.CreateTransaction(ctx, node, tt.p)
			if err == nil || !strings.Contains(err.Error(), tt.want) {
				t.Fatalf("err = %v, want %q", err, tt.want)
			}
		})
	}
	node.unusable = errUnreachable
	if _, err := w.CreateTransaction(ctx, node, Payment{To: addr, Amount: flt(1), FeeRate: 1}); !errors.Is(err, errUnreachable) {
		t.Fatalf("unreachable node: %v", err)
	}
	if _, err := w.Balance(ctx, node); !errors.Is(err, errUnreachable) {
		t.Fatalf("unreachable node: %v", err)
	}
	after, _ := os.ReadFile(path)
	if !bytes.Equal(before, after) || node.sent != 0 {
		t.Fatal("a refused payment wrote the file or broadcast")
	}
}

// TestRestoreGapLimit checks that restore finds funds at addresses with
// gaps shorter than GapLimit and stops at a longer gap, and that an
// unreachable node leaves no file.
func TestRestoreGapLimit(t *testing.T) {
	ctx := context.Background()
	node := newChainNode(t)
	mnemonic, _ := NewMnemonic()
	w, _ := newTestWallet(t, node.params, mnemonic)
	var receive []string
	for range 60 {
		a, err := w.NewReceiveAddress()
		if err != nil {
			t.Fatal(err)
		}
		receive = append(receive, a)
	}
	// Indexes 1..60 were handed out; pay 3, 3+19 = 22 and 22+21 = 43.
	node.mine(node.pubKeyOf(receive[2]))
	node.mine(node.pubKeyOf(receive[21]))
	node.mine(node.pubKeyOf(receive[42]))

	path := filepath.Join(t.TempDir(), "restored")
	node.unusable = errUnreachable
	if _, err := Restore(ctx, path, node.params, mnemonic, "", []byte("pw"), node, testOpts()...); !errors.Is(err, errUnreachable) {
		t.Fatalf("restore with the node down: %v", err)
	}
	if _, err := os.Stat(path); !errors.Is(err, os.ErrNotExist) {
		t.Fatal("a failed restore wrote a file")
	}
	node.unusable = nil
	r, err := Restore(ctx, path, node.params, mnemonic, "", []byte("pw"), node, testOpts()...)
	if err != nil {
		t.Fatal(err)
	}
	defer r.Close()
	if got := mustBalance(t, r, node); got.Total() != flt(100) {
		t.Fatalf("restored balance %+v, want the two coins within the gap limit", got)
	}
	if r.state.NextReceive != 23 {
		t.Fatalf("restored NextReceive %d, want 23", r.state.NextReceive)
	}
	if _, err := Restore(ctx, path, node.params, mnemonic, "", []byte("pw"), node, testOpts()...); err == nil {
		t.Fatal("restore over an existing file succeeded")
	}
}

// TestNoSecretsInLogs creates a wallet and sends a payment with debug
// logging into a buffer, then checks that neither the mnemonic, the seed
// nor the passphrase appear.
func TestNoSecretsInLogs(t *testing.T) {
	ctx := context.Background()
	var buf bytes.Buffer
	log := slog.New(slog.NewTextHandler(&buf, &slog.HandlerOptions{Level: slog.LevelDebug}))
	opts := []Option{WithKDFParams(testKDF), WithLogger(log)}
	node := newChainNode(t)
	mnemonic, _ := NewMnemonic()
	passphrase := "hunter2-very-secret"
	path := filepath.Join(t.TempDir(), "w")
	w, err := Create(path, node.params, mnemonic, "", []byte(passphrase), opts...)
	if err != nil {
		t.Fatal(err)
	}
	node.mine(node.pubKeyOf(mustAddress(t, w)))
	node.mineTo(testMaturity+1, burnKey)
	w.Close()
	w, err = Open(path, node.params, []byte(passphrase), opts...)
	if err != nil {
		t.Fatal(err)
	}
	defer w.Close()
	d, err := w.CreateTransaction(ctx, node, Payment{To: chain.EncodeAddress(node.params, burnKey), Amount: flt(2)})
	if err != nil {
		t.Fatal(err)
	}
	if _, err := w.Send(ctx, node, d); err != nil {
		t.Fatal(err)
	}
	node.mine(burnKey)
	mustBalance(t, w, node)
	if _, err := Open(path, node.params, []byte("wrong"), opts...); err == nil {
		t.Fatal("wrong passphrase accepted")
	}

	logs := buf.String()
	if !strings.Contains(logs, "transaction sent") || !strings.Contains(logs, "sub=wallet") {
		t.Fatalf("expected debug logs, got:\n%s", logs)
	}
	seed, _ := SeedFromMnemonic(mnemonic, "")
	words := strings.Fields(mnemonic)
	for what, secret := range map[string]string{
		"mnemonic":        mnemonic,
		"first 3 words":   strings.Join(words[:3], " "),
		"last 3 words":    strings.Join(words[21:], " "),
		"seed hex":        hex.EncodeToString(seed),
		"seed prefix hex": hex.EncodeToString(seed[:8]),
		"passphrase":      passphrase,
	} {
		if strings.Contains(strings.ToLower(logs), strings.ToLower(secret)) {
			t.Errorf("the logs contain the %s", what)
		}
	}
}

// TestBlockTimes checks that coins carry the time of the block that made
// them and that a sent transaction learns the height and time of the block
// that confirmed it, from a real chain's headers.
func TestBlockTimes(t *testing.T) {
	ctx := context.Background()
	node := newChainNode(t)
	alice, _ := newTestWallet(t, node.params, "")
	bob, _ := newTestWallet(t, node.params, "")
	b1 := node.mine(node.pubKeyOf(mustAddress(t, alice)))
	node.mineTo(testMaturity+1, burnKey)
	snap, err := alice.Sync(ctx, node)
	if err != nil {
		t.Fatal(err)
	}
	if len(snap.Coins) != 1 || snap.Coins[0].Height != 1 || snap.Coins[0].BlockTime != int64(b1.Header.Time) {
		t.Fatalf("coins %+v, want the coinbase of height 1 with time %d", snap.Coins, b1.Header.Time)
	}
	d, err := alice.CreateTransaction(ctx, node, Payment{To: mustAddress(t, bob), Amount: flt(1), FeeRate: 1})
	if err != nil {
		t.Fatal(err)
	}
	if _, err := alice.Send(ctx, node, d); err != nil {
		t.Fatal(err)
	}
	if _, err := alice.Sync(ctx, node); err != nil {
		t.Fatal(err)
	}
	if h := alice.History(); len(h) != 1 || !h[0].Pending || h[0].Height != 0 || h[0].BlockTime != 0 {
		t.Fatalf("pending history %+v", h)
	}
	block := node.mine(burnKey)
	if _, err := alice.Sync(ctx, node); err != nil {
		t.Fatal(err)
	}
	want := node.chain.BestState().Height
	if h := alice.History(); len(h) != 1 || !h[0].Confirmed || h[0].Height != want || h[0].BlockTime != int64(block.Header.Time) {
		t.Fatalf("confirmed history %+v, want height %d time %d", h, want, block.Header.Time)
	}
	bobSnap, err := bob.Sync(ctx, node)
	if err != nil {
		t.Fatal(err)
	}
	if len(bobSnap.Coins) != 1 || bobSnap.Coins[0].Height != want || bobSnap.Coins[0].BlockTime != int64(block.Header.Time) {
		t.Fatalf("bob's coins %+v", bobSnap.Coins)
	}
	// A payment confirmed before the wallet kept block times gets them
	// at the next sync.
	alice.mu.Lock()
	alice.state.Sent[0].Height, alice.state.Sent[0].BlockTime = 0, 0
	alice.mu.Unlock()
	if _, err := alice.Sync(ctx, node); err != nil {
		t.Fatal(err)
	}
	// The height and time are saved with the wallet.
	reopened, err := Open(alice.Path(), node.params, []byte("correct horse"), testOpts()...)
	if err != nil {
		t.Fatal(err)
	}
	defer reopened.Close()
	if h := reopened.History(); len(h) != 1 || h[0].Height != want || h[0].BlockTime != int64(block.Header.Time) {
		t.Fatalf("reopened history %+v", h)
	}
}

// TestReorganisedPayment follows a payment that a reorganisation takes out
// of the chain: back in the mempool it is pending again (its change an
// unconfirmed coin, its inputs spent), mined again it is confirmed at its
// new block, left out of the mempool it is dropped and its inputs are the
// wallet's again. Payments dropped or confirmed deeper than the coinbase
// maturity are not asked about at every sync.
func TestReorganisedPayment(t *testing.T) {
	ctx := context.Background()
	node := newChainNode(t)
	alice, _ := newTestWallet(t, node.params, "")
	bob, _ := newTestWallet(t, node.params, "")
	node.mine(node.pubKeyOf(mustAddress(t, alice)))
	node.mineTo(testMaturity+1, burnKey)
	d, err := alice.CreateTransaction(ctx, node, Payment{To: mustAddress(t, bob), Amount: flt(1), FeeRate: 1})
	if err != nil {
		t.Fatal(err)
	}
	if _, err := alice.Send(ctx, node, d); err != nil {
		t.Fatal(err)
	}
	first := node.mine(burnKey)
	height := node.chain.BestState().Height
	confirmed := mustBalance(t, alice, node)
	if confirmed != (Balance{Confirmed: d.Change}) {
		t.Fatalf("balance with the payment confirmed %+v, want its change %s confirmed", confirmed, d.Change)
	}

	node.disconnect(first, true)
	if got := mustBalance(t, alice, node); got != (Balance{Unconfirmed: d.Change}) {
		t.Fatalf("balance with the payment back in the mempool %+v, want its change %s unconfirmed", got, d.Change)
	}
	if h := alice.History(); len(h) != 1 || !h[0].Pending || h[0].Confirmed || h[0].Height != 0 || h[0].BlockTime != 0 {
		t.Fatalf("history with the payment back in the mempool %+v, want it pending", h)
	}
	reopened, err := Open(alice.Path(), node.params, []byte("correct horse"), testOpts()...)
	if err != nil {
		t.Fatal(err)
	}
	if h := reopened.History(); len(h) != 1 || !h[0].Pending {
		t.Fatalf("the wallet file did not keep the payment pending again: %+v", h)
	}
	reopened.Close()

	// Each block pays another key, so that it is not the block disconnected
	// before (which the chain knows as invalid).
	second := node.mine(burnKeyAt(1))
	if got := mustBalance(t, alice, node); got != confirmed {
		t.Fatalf("balance with the payment mined again %+v, want %+v", got, confirmed)
	}
	if h := alice.History(); len(h) != 1 || !h[0].Confirmed || h[0].Height != height || h[0].BlockTime != int64(second.Header.Time) {
		t.Fatalf("history with the payment mined again %+v, want height %d time %d", h, height, second.Header.Time)
	}

	node.disconnect(second, false)
	if got := mustBalance(t, alice, node); got != (Balance{Confirmed: flt(50)}) {
		t.Fatalf("balance with the payment dropped %+v, want the coinbase it spent", got)
	}
	tip := node.chain.BestState().Height
	if h := alice.History(); len(h) != 1 || h[0].Pending || h[0].Confirmed || h[0].DroppedAt != tip {
		t.Fatalf("history with the payment dropped at height %d: %+v", tip, h)
	}

	// Mined after all (another node had it), a dropped payment is
	// confirmed at the next sync.
	if _, err := node.SendRawTransaction(ctx, d.Tx); err != nil {
		t.Fatal(err)
	}
	node.mine(burnKeyAt(2))
	if got := mustBalance(t, alice, node); got != confirmed {
		t.Fatalf("balance with the dropped payment mined %+v, want %+v", got, confirmed)
	}
	if h := alice.History(); len(h) != 1 || !h[0].Confirmed || h[0].Height != height || h[0].DroppedAt != 0 {
		t.Fatalf("history with the dropped payment mined %+v", h)
	}

	// Asked about until it is the coinbase maturity deep, then no more.
	asked := func() bool {
		t.Helper()
		calls := node.stateCalls()
		if _, err := alice.Sync(ctx, node); err != nil {
			t.Fatal(err)
		}
		return node.stateCalls() != calls
	}
	node.mineTo(height+testMaturity-1, burnKey)
	if !asked() {
		t.Error("a payment confirmed less than the coinbase maturity deep was not asked about")
	}
	node.mine(burnKey)
	if asked() {
		t.Error("a payment confirmed the coinbase maturity deep was asked about")
	}
	// The same for a payment dropped that long ago (set by hand: the
	// chain cannot drop a block this deep).
	tip = node.chain.BestState().Height
	alice.mu.Lock()
	alice.state.Sent[0] = SentTx{TxID: d.TxID, Raw: alice.state.Sent[0].Raw, DroppedAt: tip - testMaturity}
	alice.mu.Unlock()
	if asked() {
		t.Error("a payment dropped the coinbase maturity ago was asked about")
	}
	alice.mu.Lock()
	alice.state.Sent[0].DroppedAt++
	alice.mu.Unlock()
	if !asked() {
		t.Error("a payment dropped less than the coinbase maturity ago was not asked about")
	}
}

// TestSweepAndSubtractFee pays with the fee taken from the amount and
// sweeps a whole wallet on a real chain, checking every balance to the
// unit, and checks the refusals of each.
func TestSweepAndSubtractFee(t *testing.T) {
	ctx := context.Background()
	node := newChainNode(t)
	alice, _ := newTestWallet(t, node.params, "")
	bob, _ := newTestWallet(t, node.params, "")
	carol, _ := newTestWallet(t, node.params, "")
	bobAddr, carolAddr := mustAddress(t, bob), mustAddress(t, carol)

	node.mine(node.pubKeyOf(mustAddress(t, alice)))
	_, err := alice.CreateTransaction(ctx, node, Payment{To: bobAddr, All: true, FeeRate: 10})
	if !errors.Is(err, ErrOnlyImmature) {
		t.Fatalf("sweeping immature coins: %v", err)
	}
	node.mine(node.pubKeyOf(mustAddress(t, alice)))
	node.mineTo(testMaturity+2, burnKey) // both coinbases spendable
	if got := mustBalance(t, alice, node); got != (Balance{Confirmed: flt(100)}) {
		t.Fatalf("alice: %+v", got)
	}

	// 10 FLT with the fee taken from it: one 50 FLT coin, 40 FLT change,
	// and Bob receives 10 FLT less the fee of a one-input, two-output
	// transaction.
	d, err := alice.CreateTransaction(ctx, node, Payment{To: bobAddr, Amount: flt(10), FeeRate: 10, SubtractFee: true})
	if err != nil {
		t.Fatal(err)
	}
	fee := chain.Amount(10 * txSize(1, 2))
	if d.Fee != fee || d.Amount != flt(10)-fee || d.Change != flt(40) || !d.FeeFromAmount || len(d.Tx.Outputs) != 2 {
		t.Fatalf("subtract-fee draft: amount %d fee %d change %d outputs %d", d.Amount, d.Fee, d.Change, len(d.Tx.Outputs))
	}
	if _, err := alice.Send(ctx, node, d); err != nil {
		t.Fatal(err)
	}
	node.mine(burnKey)
	if got := mustBalance(t, alice, node); got != (Balance{Confirmed: flt(90)}) {
		t.Fatalf("alice after paying 10 FLT fee included: %+v", got)
	}
	if got := mustBalance(t, bob, node); got != (Balance{Confirmed: flt(10) - fee}) {
		t.Fatalf("bob: %+v, want %d", got, flt(10)-fee)
	}
	if h := alice.History(); h[0].Amount != flt(10)-fee || h[0].Fee != fee {
		t.Fatalf("history records %+v", h[0])
	}

	// A small payment to Carol, then the refusals.
	d, err = alice.CreateTransaction(ctx, node, Payment{To: carolAddr, Amount: 1500, FeeRate: 1})
	if err != nil {
		t.Fatal(err)
	}
	if _, err := alice.Send(ctx, node, d); err != nil {
		t.Fatal(err)
	}
	node.mine(burnKey)
	aliceTotal := flt(90) - 1500 - d.Fee
	sent := node.sent
	refusals := []struct {
		name string
		w    *Wallet
		p    Payment
		want string
		is   error
	}{
		{"amount below the fee", alice, Payment{To: bobAddr, Amount: 1500, FeeRate: 10, SubtractFee: true},
			"sending 0.00001500 FLT with the fee taken from it leaves nothing: the fee is 0.00001910 FLT", ErrDustAfterFee},
		{"dust after the fee", alice, Payment{To: bobAddr, Amount: 2000, FeeRate: 10, SubtractFee: true},
			"sending 0.00002000 FLT with the fee of 0.00001910 FLT taken from it leaves 0.00000090 FLT, below the dust limit of 0.00001000 FLT", ErrDustAfterFee},
		{"above the balance", alice, Payment{To: bobAddr, Amount: flt(100), FeeRate: 10, SubtractFee: true},
			"insufficient funds: sending 100.00000000 FLT with the fee taken from it but the wallet can spend " +
				aliceTotal.String() + " FLT, so " + (flt(100) - aliceTotal).String() + " FLT is missing", ErrInsufficientFunds},
		{"sweep of dust", carol, Payment{To: bobAddr, All: true, FeeRate: 10},
			"sending all 0.00001500 FLT the wallet can spend with the fee taken from it leaves nothing: the fee is 0.00001510 FLT", ErrDustAfterFee},
		{"amount with all", alice, Payment{To: bobAddr, All: true, Amount: flt(1)},
			"an amount cannot be given when sending all the wallet's coins", nil},
	}
	for _, r := range refusals {
		t.Run(r.name, func(t *testing.T) {
			_, err := r.w.CreateTransaction(ctx, node, r.p)
			if err == nil || err.Error() != r.want || (r.is != nil && !errors.Is(err, r.is)) {
				t.Fatalf("err = %v\nwant %s", err, r.want)
			}
		})
	}
	if node.sent != sent {
		t.Fatal("a refused payment was broadcast")
	}

	// Alice sweeps her two coins (a 50 FLT coinbase and her change) to
	// Bob: one output, no change, the fee from the total.
	d, err = alice.CreateTransaction(ctx, node, Payment{To: bobAddr, All: true, FeeRate: 10})
	if err != nil {
		t.Fatal(err)
	}
	fee = chain.Amount(10 * txSize(2, 1))
	if len(d.Tx.Inputs) != 2 || len(d.Tx.Outputs) != 1 || d.Change != 0 || d.Fee != fee || d.Amount != aliceTotal-fee {
		t.Fatalf("sweep draft: %d inputs %d outputs amount %d fee %d change %d", len(d.Tx.Inputs), len(d.Tx.Outputs), d.Amount, d.Fee, d.Change)
	}
	bobBefore := mustBalance(t, bob, node).Confirmed
	if _, err := alice.Send(ctx, node, d); err != nil {
		t.Fatal(err)
	}
	node.mine(burnKey)
	if got := mustBalance(t, alice, node); got != (Balance{}) {
		t.Fatalf("alice after the sweep: %+v", got)
	}
	if got := mustBalance(t, bob, node); got != (Balance{Confirmed: bobBefore + aliceTotal - fee}) {
		t.Fatalf("bob after the sweep: %+v, want %d", got, bobBefore+aliceTotal-fee)
	}
	_, err = alice.CreateTransaction(ctx, node, Payment{To: bobAddr, All: true, FeeRate: 10})
	if !errors.Is(err, ErrInsufficientFunds) || err.Error() != "nothing to send: the wallet has no spendable coins" {
		t.Fatalf("sweeping an empty wallet: %v", err)
	}
}

// TestOpenStringAmounts opens a wallet file whose sent payments hold their
// amounts as JSON strings, as files written before amounts were JSON
// numbers do, and checks that the amounts read back.
func TestOpenStringAmounts(t *testing.T) {
	w, path := newTestWallet(t, chain.RegTestParams(), "")
	w.mu.Lock()
	w.state.Sent = []SentTx{{TxID: chain.Hash{7}, Amount: 1_250_000_000, Fee: 191, Change: 0, Confirmed: true}}
	pt, err := json.Marshal(&w.state)
	if err != nil {
		t.Fatal(err)
	}
	old := strings.Replace(string(pt), `"amount":12.50000000,"fee":0.00000191,"change":0.00000000`,
		`"amount":"12.50000000","fee":"0.00000191","change":"0.00000000"`, 1)
	if old == string(pt) {
		t.Fatalf("state JSON not as expected: %s", pt)
	}
	data, err := seal(&w.hdr, &w.key, []byte(old))
	if err == nil {
		err = writeKeystoreFile(path, data, &w.key, false)
	}
	w.mu.Unlock()
	if err != nil {
		t.Fatal(err)
	}
	r, err := Open(path, chain.RegTestParams(), []byte("correct horse"), testOpts()...)
	if err != nil {
		t.Fatalf("open a file with string amounts: %v", err)
	}
	defer r.Close()
	if h := r.History(); len(h) != 1 || h[0].Amount != 1_250_000_000 || h[0].Fee != 191 {
		t.Fatalf("history %+v", h)
	}
}
