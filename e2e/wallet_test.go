//go:build unix

package e2e

import (
	"bytes"
	"encoding/json"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/flint-chain/flint/chain"
)

// TestWalletPayment mines to a wallet against a real regtest node process,
// lets the coins mature, sends to a second wallet, mines, and checks that
// both balances moved by exactly the amount and the fee.
func TestWalletPayment(t *testing.T) {
	dir := t.TempDir()
	rpcAddr := freePort(t)
	node := start(t, "node", "--network", "regtest", "--p2p.off", "--datadir", dir, "--rpc.addr", rpcAddr)
	t.Setenv("FLINT_WALLET_PASSPHRASE", "a passphrase for the e2e walk")
	r := []string{"--network", "regtest", "--datadir", dir, "--rpc.url", rpcAddr}
	rpcCall := func(args ...string) string { return flint(t, append(append([]string{"rpc"}, r...), args...)...) }
	walletCmd := func(sub string, args ...string) string {
		return flint(t, append(append([]string{"wallet", sub}, r...), args...)...)
	}
	eventually(t, "the node's RPC", func() bool {
		_, err := tryFlint(append([]string{"rpc"}, append(r, "getblockcount")...)...)
		return err == nil
	})

	alice, bob := dir+"/alice.flw", dir+"/bob.flw"
	walletCmd("create", "--wallet", alice, "--yes")
	walletCmd("create", "--wallet", bob, "--yes")
	aliceAddr := walletCmd("address", "--wallet", alice)
	bobAddr := walletCmd("address", "--wallet", bob)

	// 101 blocks to Alice. The next block (102) may spend coinbases of
	// heights 1 and 2 (maturity 100); the other 99 are immature.
	rpcCall("generatetoaddress", "101", aliceAddr)
	before := balance(t, walletCmd("balance", "--wallet", alice, "--json"))
	subsidy := chain.RegTestParams().CalcBlockSubsidy(1)
	if before.Confirmed != 2*subsidy || before.Immature != 99*subsidy {
		t.Fatalf("Alice after 101 blocks: %+v, want two spendable coinbases of %d and 99 immature", before, subsidy)
	}

	// Send 12.5 FLT, then 60 more out of its change (more than any one
	// coin left); a block mined to a third party confirms both.
	var sent struct {
		TxID   chain.Hash   `json:"txid"`
		Amount chain.Amount `json:"amount"`
		Fee    chain.Amount `json:"fee"`
	}
	out := walletCmd("send", "--wallet", alice, "--to", bobAddr, "--amount", "12.5", "--yes", "--json")
	if err := json.Unmarshal([]byte(out), &sent); err != nil {
		t.Fatalf("send --json: %v in %q", err, out)
	}
	amount := uint64(12_5000_0000)
	if uint64(sent.Amount) != amount || sent.Fee == 0 {
		t.Fatalf("sent %+v", sent)
	}
	// Before a block: the payment is pending, its change is unconfirmed
	// and spendable, and a second payment spends it.
	if hist := walletCmd("history", "--wallet", alice); !strings.Contains(hist, "unconfirmed") {
		t.Fatalf("history before a block does not show the payment pending:\n%s", hist)
	}
	pending := balance(t, walletCmd("balance", "--wallet", alice, "--json"))
	if pending.Confirmed+pending.Unconfirmed != before.Confirmed-amount-uint64(sent.Fee) || pending.Unconfirmed == 0 {
		t.Fatalf("Alice with the payment pending: %+v (before %+v)", pending, before)
	}
	var second struct {
		Amount chain.Amount `json:"amount"`
		Fee    chain.Amount `json:"fee"`
	}
	out = walletCmd("send", "--wallet", alice, "--to", bobAddr, "--amount", "60", "--yes", "--json")
	if err := json.Unmarshal([]byte(out), &second); err != nil {
		t.Fatalf("second send --json: %v in %q", err, out)
	}
	// Newest first: the two payments in no block yet, the second first,
	// then the coins received, from the tip down.
	if h := walletHistory(t, walletCmd("history", "--wallet", alice, "--json")); len(h) < 3 ||
		h[0].Kind != "sent" || h[0].Status != "unconfirmed" || uint64(h[0].Amount) != 60*chain.UnitsPerFLT ||
		h[1].Kind != "sent" || h[1].Status != "unconfirmed" || uint64(h[1].Amount) != amount ||
		h[2].Kind != "received" || h[2].BlockHeight != 101 {
		t.Fatalf("history with two payments pending, not newest first: %+v", h)
	}
	amount += uint64(second.Amount)
	sent.Fee += second.Fee
	third := chain.EncodeAddress(chain.RegTestParams(), testKey())
	rpcCall("generatetoaddress", "1", third)
	if conf := rpcCall("getrawtransaction", sent.TxID.String(), "true"); !strings.Contains(conf, `"blockhash"`) {
		t.Fatalf("payment not in a block: %s", conf)
	}

	after := balance(t, walletCmd("balance", "--wallet", alice, "--json"))
	// One more block matured one more coinbase of Alice's.
	want := before.Confirmed + subsidy - amount - uint64(sent.Fee)
	if after.Confirmed+after.Unconfirmed != want {
		t.Fatalf("Alice: %+v, want %d spendable (before %d, +%d matured, -%d sent, -%d fee)",
			after, want, before.Confirmed, subsidy, amount, sent.Fee)
	}
	got := balance(t, walletCmd("balance", "--wallet", bob, "--json"))
	if got.Confirmed != amount || got.Unconfirmed != 0 || got.Immature != 0 {
		t.Fatalf("Bob: %+v, want exactly %d confirmed", got, amount)
	}
	if units, _ := strconv.ParseFloat(rpcCall("getbalance", bobAddr), 64); units != 72.5 {
		t.Fatalf("node's getbalance of Bob's address: %v", units)
	}
	if hist := walletCmd("history", "--wallet", alice); strings.Contains(hist, "unconfirmed") {
		t.Fatalf("history after the block still shows a payment pending:\n%s", hist)
	}
	// Every row has its block's height and header time, newest first:
	// the two payments of block 102, then the coinbases from 101 down.
	hist := walletHistory(t, walletCmd("history", "--wallet", alice, "--json"))
	if len(hist) < 3 || hist[0].Kind != "sent" || hist[0].BlockHeight != 102 || hist[1].Kind != "sent" ||
		hist[1].BlockHeight != 102 || hist[2].BlockHeight != 101 {
		t.Fatalf("history after the block: %+v", hist)
	}
	blockTimes := map[uint32]int64{}
	for i, h := range hist {
		if i > 0 && h.BlockHeight > hist[i-1].BlockHeight {
			t.Fatalf("history row %d (height %d) after a row of height %d", i, h.BlockHeight, hist[i-1].BlockHeight)
		}
		bt, ok := blockTimes[h.BlockHeight]
		if !ok {
			hash := strings.Trim(rpcCall("getblockhash", strconv.Itoa(int(h.BlockHeight))), "\" \n")
			var hdr struct {
				Time int64 `json:"time"`
			}
			if err := json.Unmarshal([]byte(rpcCall("getblockheader", hash)), &hdr); err != nil || hdr.Time == 0 {
				t.Fatalf("getblockheader %s: %v", hash, err)
			}
			bt, blockTimes[h.BlockHeight] = hdr.Time, hdr.Time
		}
		if h.Time != bt {
			t.Fatalf("history row %d (%s at height %d) has time %d, the block's is %d", i, h.Kind, h.BlockHeight, h.Time, bt)
		}
	}
	flint(t, append(append([]string{"rpc"}, r...), "stop")...)
	node.wait(t, 10*time.Second)
}

// TestWalletSweepAndSubtractFee pays with the fee taken from the amount
// and then sweeps a wallet, against a real regtest node process, checking
// both balances to the unit.
func TestWalletSweepAndSubtractFee(t *testing.T) {
	dir := t.TempDir()
	rpcAddr := freePort(t)
	node := start(t, "node", "--network", "regtest", "--p2p.off", "--datadir", dir, "--rpc.addr", rpcAddr)
	t.Setenv("FLINT_WALLET_PASSPHRASE", "a passphrase for the e2e walk")
	r := []string{"--network", "regtest", "--datadir", dir, "--rpc.url", rpcAddr}
	rpcCall := func(args ...string) string { return flint(t, append(append([]string{"rpc"}, r...), args...)...) }
	walletArgs := func(sub string, args ...string) []string {
		return append(append([]string{"wallet", sub}, r...), args...)
	}
	walletCmd := func(sub string, args ...string) string { return flint(t, walletArgs(sub, args...)...) }
	eventually(t, "the node's RPC", func() bool {
		_, err := tryFlint(append([]string{"rpc"}, append(r, "getblockcount")...)...)
		return err == nil
	})
	alice, bob, carol := dir+"/alice.flw", dir+"/bob.flw", dir+"/carol.flw"
	for _, w := range []string{alice, bob, carol} {
		walletCmd("create", "--wallet", w, "--yes")
	}
	bobAddr := walletCmd("address", "--wallet", bob)
	third := chain.EncodeAddress(chain.RegTestParams(), testKey())
	subsidy := chain.RegTestParams().CalcBlockSubsidy(1)

	if _, err := tryFlint(walletArgs("send", "--wallet", carol, "--to", bobAddr, "--all", "--yes")...); err == nil ||
		!strings.Contains(err.Error(), "nothing to send: the wallet has no spendable coins") {
		t.Fatalf("sweeping an empty wallet: %v", err)
	}

	// 101 blocks: two coinbases spendable in the next block.
	rpcCall("generatetoaddress", "101", walletCmd("address", "--wallet", alice))
	type sendJSON struct {
		Amount chain.Amount `json:"amount"`
		Fee    chain.Amount `json:"fee"`
		Change chain.Amount `json:"change"`
	}
	var paid sendJSON
	out := walletCmd("send", "--wallet", alice, "--to", bobAddr, "--amount", "10", "--subtract-fee", "--fee-rate", "2", "--yes", "--json")
	if err := json.Unmarshal([]byte(out), &paid); err != nil {
		t.Fatalf("send --json: %v in %q", err, out)
	}
	ten := 10 * uint64(chain.UnitsPerFLT)
	if uint64(paid.Fee) != 2*191 || uint64(paid.Amount) != ten-uint64(paid.Fee) {
		t.Fatalf("send --subtract-fee: %+v, want 10 FLT less a fee of 382 units", paid)
	}
	rpcCall("generatetoaddress", "1", third) // a third coinbase matures
	if got := balance(t, walletCmd("balance", "--wallet", alice, "--json")); got.Confirmed != 3*subsidy-ten || got.Unconfirmed != 0 {
		t.Fatalf("Alice after paying 10 FLT, fee included: %+v, want %d confirmed", got, 3*subsidy-ten)
	}
	if got := balance(t, walletCmd("balance", "--wallet", bob, "--json")); got.Confirmed != ten-uint64(paid.Fee) {
		t.Fatalf("Bob: %+v, want %d", got, ten-uint64(paid.Fee))
	}

	var swept sendJSON
	out = walletCmd("send", "--wallet", alice, "--to", bobAddr, "--all", "--fee-rate", "2", "--yes", "--json")
	if err := json.Unmarshal([]byte(out), &swept); err != nil {
		t.Fatalf("send --all --json: %v in %q", err, out)
	}
	if uint64(swept.Amount)+uint64(swept.Fee) != 3*subsidy-ten || swept.Change != 0 {
		t.Fatalf("send --all: %+v, want %d in all, no change", swept, 3*subsidy-ten)
	}
	rpcCall("generatetoaddress", "1", third) // a fourth coinbase matures
	if got := balance(t, walletCmd("balance", "--wallet", alice, "--json")); got.Confirmed != subsidy || got.Unconfirmed != 0 {
		t.Fatalf("Alice after the sweep: %+v, want only the newly matured %d", got, subsidy)
	}
	if got := balance(t, walletCmd("balance", "--wallet", bob, "--json")); got.Confirmed != ten-uint64(paid.Fee)+uint64(swept.Amount) {
		t.Fatalf("Bob after the sweep: %+v, want %d", got, ten-uint64(paid.Fee)+uint64(swept.Amount))
	}
	flint(t, append(append([]string{"rpc"}, r...), "stop")...)
	node.wait(t, 10*time.Second)
}

// historyRow is one element of flint wallet history --json.
type historyRow struct {
	Kind        string       `json:"kind"`
	Amount      chain.Amount `json:"amount"`
	Status      string       `json:"status"`
	BlockHeight uint32       `json:"blockheight"`
	Time        int64        `json:"time"`
}

func walletHistory(t *testing.T, out string) []historyRow {
	t.Helper()
	var h []historyRow
	if err := json.Unmarshal([]byte(out), &h); err != nil {
		t.Fatalf("history --json: %v in %q", err, out)
	}
	return h
}

// walletBalance is the --json form of flint wallet balance.
type walletBalance struct {
	Confirmed, Unconfirmed, Immature uint64
}

func balance(t *testing.T, out string) walletBalance {
	t.Helper()
	var b struct {
		Confirmed   chain.Amount `json:"confirmed"`
		Unconfirmed chain.Amount `json:"unconfirmed"`
		Immature    chain.Amount `json:"immature"`
	}
	if err := json.Unmarshal([]byte(out), &b); err != nil {
		t.Fatalf("balance --json: %v in %q", err, out)
	}
	return walletBalance{uint64(b.Confirmed), uint64(b.Unconfirmed), uint64(b.Immature)}
}

// TestWalletQuietByDefault checks that wallet commands print only their
// output, with their log lines on standard error and only with -v.
func TestWalletQuietByDefault(t *testing.T) {
	dir := t.TempDir()
	create := func(name string, extra ...string) (stdout, stderr string) {
		var out, errOut bytes.Buffer
		cmd := exec.Command(flintBin, append([]string{"wallet", "create", "--network", "regtest", "--datadir", dir,
			"--wallet", filepath.Join(dir, name), "--yes"}, extra...)...)
		cmd.Env = append(os.Environ(), "FLINT_WALLET_PASSPHRASE=correct horse battery staple")
		cmd.Stdout, cmd.Stderr = &out, &errOut
		if err := cmd.Run(); err != nil {
			t.Fatalf("wallet create: %v\n%s", err, errOut.String())
		}
		return out.String(), errOut.String()
	}
	stdout, stderr := create("a.flw")
	if strings.Contains(stdout+stderr, "level=") {
		t.Fatalf("log lines without -v:\nstdout:\n%s\nstderr:\n%s", stdout, stderr)
	}
	stdout, stderr = create("b.flw", "-v")
	if strings.Contains(stdout, "level=") || !strings.Contains(stderr, `level=INFO msg="wallet created"`) {
		t.Fatalf("with -v, want log lines on stderr only:\nstdout:\n%s\nstderr:\n%s", stdout, stderr)
	}
}
