package wallet

import (
	"errors"
	"testing"

	"github.com/flint-chain/flint/chain"
)

func TestTxSize(t *testing.T) {
	// version 4 + count 1 + input 36 + count 1 + 2 outputs 80 + locktime 4
	// + witness 65.
	if got := txSize(1, 2); got != 191 {
		t.Fatalf("txSize(1, 2) = %d, want 191", got)
	}
	if got := txSize(253, 1); got != 8+3+253*101+1+40 {
		t.Fatalf("txSize(253, 1) = %d", got)
	}
}

func TestSelectCoins(t *testing.T) {
	const rate = 10
	fee11 := uint64(rate * txSize(1, 1)) // 1510
	fee12 := uint64(rate * txSize(1, 2)) // 1910
	fee21 := uint64(rate * txSize(2, 1))
	tests := []struct {
		name       string
		values     []uint64
		amount     uint64
		rate       uint64
		wantIdx    []int // in selection order; nil to skip the check
		wantFee    uint64
		wantChange uint64
		err        error
	}{
		{
			name: "exact single coin, no change", values: []uint64{5_000_000, 100_000 + fee11, 7_000_000},
			amount: 100_000, rate: rate, wantIdx: []int{1}, wantFee: fee11,
		},
		{
			name: "exact pair found by branch and bound", values: []uint64{60_000, 900_000, 40_000 + fee21},
			amount: 100_000, rate: rate, wantIdx: []int{0, 2}, wantFee: fee21,
		},
		{
			name: "small excess folded into the fee", values: []uint64{100_000 + fee11 + 700, 5_000_000},
			amount: 100_000, rate: rate, wantIdx: []int{0}, wantFee: fee11 + 700,
		},
		{
			name: "largest first with change", values: []uint64{1_000_000, 3_000_000, 2_000_000},
			amount: 2_500_000, rate: rate, wantIdx: []int{1}, wantFee: fee12, wantChange: 3_000_000 - 2_500_000 - fee12,
		},
		{
			name: "change just at the dust limit is kept", values: []uint64{100_000 + fee12 + DustLimit + rate*outputSize + DustLimit + 1},
			amount: 100_000, rate: rate, wantIdx: []int{0}, wantFee: fee12, wantChange: DustLimit + rate*outputSize + DustLimit + 1,
		},
		{
			name: "dust change is folded", values: []uint64{100_000 + fee12 + DustLimit - 1},
			amount: 100_000, rate: rate, wantIdx: []int{0}, wantFee: fee12 + DustLimit - 1,
		},
		{
			name: "rate one", values: []uint64{10 * 100_000_000},
			amount: 100_000_000, rate: 1, wantIdx: []int{0}, wantFee: 191, wantChange: 9*100_000_000 - 191,
		},
		{
			name: "insufficient", values: []uint64{50_000, 40_000},
			amount: 100_000, rate: rate, err: ErrInsufficientFunds,
		},
		{
			name: "enough for the amount but not the fee", values: []uint64{100_000},
			amount: 100_000, rate: rate, err: ErrInsufficientFunds,
		},
		{name: "no coins", amount: 1, rate: 1, err: ErrInsufficientFunds},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			sel, err := selectCoins(tt.values, tt.amount, tt.rate)
			if tt.err != nil {
				if !errors.Is(err, tt.err) {
					t.Fatalf("err = %v, want %v", err, tt.err)
				}
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			if tt.wantIdx != nil && !equalInts(sel.Indexes, tt.wantIdx) {
				t.Fatalf("indexes %v, want %v", sel.Indexes, tt.wantIdx)
			}
			if sel.Fee != tt.wantFee || sel.Change != tt.wantChange {
				t.Fatalf("fee %d change %d, want %d and %d", sel.Fee, sel.Change, tt.wantFee, tt.wantChange)
			}
			checkSelection(t, tt.values, tt.amount, tt.rate, sel)
		})
	}
}

// checkSelection checks the invariants every selection keeps.
func checkSelection(t *testing.T, values []uint64, amount, rate uint64, sel selection) {
	t.Helper()
	var total uint64
	seen := map[int]bool{}
	for _, i := range sel.Indexes {
		if seen[i] {
			t.Fatalf("coin %d selected twice", i)
		}
		seen[i] = true
		total += values[i]
	}
	if total != sel.Total || total != amount+sel.Fee+sel.Change {
		t.Fatalf("total %d != amount %d + fee %d + change %d", total, amount, sel.Fee, sel.Change)
	}
	nOut := 1
	if sel.Change > 0 {
		nOut = 2
		if sel.Change < DustLimit {
			t.Fatalf("dust change %d", sel.Change)
		}
	}
	if minFee := rate * uint64(txSize(len(sel.Indexes), nOut)); sel.Fee < minFee {
		t.Fatalf("fee %d below %d", sel.Fee, minFee)
	}
}

func TestInsufficientFundsMessage(t *testing.T) {
	_, err := selectCoins([]uint64{50_000_000}, 100_000_000, 1)
	var ife *InsufficientFundsError
	if !errors.As(err, &ife) {
		t.Fatalf("err = %v", err)
	}
	fee := uint64(txSize(1, 1))
	if uint64(ife.Missing) != 50_000_000+fee {
		t.Fatalf("missing %d, want %d", ife.Missing, 50_000_000+fee)
	}
	want := "insufficient funds: sending 1.00000000 FLT with a fee of 0.00000151 FLT needs 1.00000151 FLT but the wallet can spend 0.50000000 FLT, so 0.50000151 FLT is missing"
	if err.Error() != want {
		t.Fatalf("message\n%s\nwant\n%s", err, want)
	}
	only := &InsufficientFundsError{Amount: 1, Immature: 5_000_000_000, MatureHeight: 101}
	if !errors.Is(only, ErrOnlyImmature) || only.Error() != "the only funds are immature coinbase outputs (50.00000000 FLT); the first can be spent at height 101" {
		t.Fatalf("immature message: %v", only)
	}
}

// FuzzSelectCoins checks the selection invariants over random coin sets.
func FuzzSelectCoins(f *testing.F) {
	f.Add([]byte{1, 2, 3, 4, 5, 6, 7, 8, 9}, uint32(100_000), uint8(3))
	f.Fuzz(func(t *testing.T, raw []byte, amount uint32, rate uint8) {
		var values []uint64
		for i := 0; i+2 < len(raw) && len(values) < 40; i += 3 {
			values = append(values, uint64(raw[i])<<16|uint64(raw[i+1])<<8|uint64(raw[i+2]))
		}
		sel, err := selectCoins(values, uint64(amount)+DustLimit, uint64(rate)+1)
		if err != nil {
			if !errors.Is(err, ErrInsufficientFunds) {
				t.Fatal(err)
			}
			return
		}
		checkSelection(t, values, uint64(amount)+DustLimit, uint64(rate)+1, sel)
	})
}

func equalInts(a, b []int) bool {
	if len(a) != len(b) {
		return false
	}
	for i := range a {
		if a[i] != b[i] {
			return false
		}
	}
	return true
}

// manyCoins returns n coins of one FLT each.
func manyCoins(n int) []uint64 {
	values := make([]uint64, n)
	for i := range values {
		values[i] = 100_000_000
	}
	return values
}

func TestTooManyInputsMessage(t *testing.T) {
	// 2,000 coins of 1 FLT: 1,500 FLT is covered by the balance, but 989
	// inputs is all a 100,000-byte transaction holds.
	_, err := selectCoins(manyCoins(2000), 1500*100_000_000, 1)
	var tmi *TooManyInputsError
	if !errors.As(err, &tmi) || !errors.Is(err, ErrTooManyInputs) || errors.Is(err, ErrInsufficientFunds) {
		t.Fatalf("err = %v, want a *TooManyInputsError", err)
	}
	want := "the wallet can spend 2000.00000000 FLT but sending 1500.00000000 FLT takes more than 989 of its coins, " +
		"past the 100000-byte transaction limit; consolidate them first by sending at most 988.99900059 FLT " +
		"to an address of this wallet ('flint wallet address'), then send again"
	if err.Error() != want {
		t.Fatalf("message\n%s\nwant\n%s", err, want)
	}
	// The amount the message suggests fits in one transaction.
	sel, err := selectCoins(manyCoins(2000), uint64(tmi.MaxSend), 1)
	if err != nil {
		t.Fatalf("sending the suggested %s FLT: %v", tmi.MaxSend, err)
	}
	if size := txSize(len(sel.Indexes), 1); size > 100_000 {
		t.Fatalf("the suggested amount takes %d bytes", size)
	}
}

func TestInsufficientFundsBeforeTooManyInputs(t *testing.T) {
	// 1,999.999 FLT plus the fee of 2,000 inputs is more than the 2,000 FLT
	// held: that is a lack of funds, whatever the size limit.
	_, err := selectCoins(manyCoins(2000), 1999_999*100_000, 1)
	var ife *InsufficientFundsError
	if !errors.As(err, &ife) {
		t.Fatalf("err = %v, want an *InsufficientFundsError", err)
	}
	fee := uint64(txSize(2000, 1))
	want := "insufficient funds: sending 1999.99900000 FLT with a fee of " + chain.Amount(fee).String() +
		" FLT needs " + chain.Amount(1999_999*100_000+fee).String() + " FLT but the wallet can spend 2000.00000000 FLT, so " +
		chain.Amount(1999_999*100_000+fee-2000*100_000_000).String() + " FLT is missing"
	if err.Error() != want {
		t.Fatalf("message\n%s\nwant\n%s", err, want)
	}
}

func TestSelectSubtractFee(t *testing.T) {
	fee11, fee12 := uint64(txSize(1, 1)), uint64(txSize(1, 2))
	tests := []struct {
		name                    string
		values                  []uint64
		amount                  uint64
		wantPayee, wantFee, chg uint64
		err                     error
	}{
		{name: "change", values: []uint64{500_000}, amount: 100_000, wantPayee: 100_000 - fee12, wantFee: fee12, chg: 400_000},
		{name: "exact, no change", values: []uint64{100_000}, amount: 100_000, wantPayee: 100_000 - fee11, wantFee: fee11},
		{name: "remainder below dust goes to the payee", values: []uint64{100_999}, amount: 100_000, wantPayee: 100_999 - fee11, wantFee: fee11},
		{name: "two coins", values: []uint64{60_000, 50_000}, amount: 100_000, wantPayee: 100_000 - uint64(txSize(2, 2)), wantFee: uint64(txSize(2, 2)), chg: 10_000},
		{name: "insufficient", values: []uint64{50_000}, amount: 100_000, err: ErrInsufficientFunds},
		{name: "dust after the fee", values: []uint64{5_000}, amount: 1_100, err: ErrDustAfterFee},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			sel, payee, err := selectSubtractFee(tt.values, tt.amount, 1)
			if tt.err != nil {
				if !errors.Is(err, tt.err) {
					t.Fatalf("err = %v, want %v", err, tt.err)
				}
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			if payee != tt.wantPayee || sel.Fee != tt.wantFee || sel.Change != tt.chg || payee+sel.Fee+sel.Change != sel.Total {
				t.Fatalf("payee %d fee %d change %d total %d; want %d, %d, %d", payee, sel.Fee, sel.Change, sel.Total, tt.wantPayee, tt.wantFee, tt.chg)
			}
		})
	}
}

func TestSelectAllTooManyInputs(t *testing.T) {
	_, _, err := selectAll(manyCoins(2000), 1)
	var tmi *TooManyInputsError
	if !errors.As(err, &tmi) || tmi.Inputs != 989 {
		t.Fatalf("err = %v, want a *TooManyInputsError naming 989 inputs", err)
	}
	sel, payee, err := selectAll(manyCoins(989), 1)
	if err != nil || len(sel.Indexes) != 989 || sel.Change != 0 || payee != 989*100_000_000-uint64(txSize(989, 1)) {
		t.Fatalf("989 coins: %d inputs, payee %d, %v", len(sel.Indexes), payee, err)
	}
}
