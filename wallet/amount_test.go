package wallet

import (
	"errors"
	"testing"

	"github.com/flint-chain/flint/chain"
)

func TestParseAmount(t *testing.T) {
	tests := []struct {
		name string
		in   string
		want Amount
		err  error
	}{
		{name: "whole", in: "1", want: 100_000_000},
		{name: "half", in: "1.5", want: 150_000_000},
		{name: "eight places", in: "0.00000001", want: 1},
		{name: "leading zeros", in: "007.25", want: 725_000_000},
		{name: "trailing zeros", in: "2.50000000", want: 250_000_000},
		{name: "max money", in: "21000000", want: chain.MaxMoney},
		{name: "max money with zeros", in: "21000000.00000000", want: chain.MaxMoney},
		{name: "just below max", in: "20999999.99999999", want: chain.MaxMoney - 1},
		{name: "nine places", in: "1.123456789", err: ErrAmountDecimals},
		{name: "nine places of zeros", in: "1.000000000", err: ErrAmountDecimals},
		{name: "negative", in: "-1", err: ErrAmountNegative},
		{name: "negative fraction", in: "-0.5", err: ErrAmountNegative},
		{name: "zero", in: "0", err: ErrAmountZero},
		{name: "zero with places", in: "0.00000000", err: ErrAmountZero},
		{name: "above max money", in: "21000000.00000001", err: ErrAmountTooLarge},
		{name: "far above", in: "99999999", err: ErrAmountTooLarge},
		{name: "overflow length", in: "184467440737095516160", err: ErrAmountTooLarge},
		{name: "empty", in: "", err: ErrAmountSyntax},
		{name: "plus sign", in: "+1", err: ErrAmountSyntax},
		{name: "minus alone", in: "-", err: ErrAmountSyntax},
		{name: "exponent", in: "1e8", err: ErrAmountSyntax},
		{name: "comma", in: "1,5", err: ErrAmountSyntax},
		{name: "space", in: " 1", err: ErrAmountSyntax},
		{name: "trailing space", in: "1 ", err: ErrAmountSyntax},
		{name: "no whole part", in: ".5", err: ErrAmountSyntax},
		{name: "no fraction", in: "1.", err: ErrAmountSyntax},
		{name: "two dots", in: "1.2.3", err: ErrAmountSyntax},
		{name: "hex", in: "0x10", err: ErrAmountSyntax},
		{name: "letters", in: "abc", err: ErrAmountSyntax},
		{name: "unit suffix", in: "1FLT", err: ErrAmountSyntax},
		{name: "infinity", in: "Inf", err: ErrAmountSyntax},
		{name: "unicode digit", in: "１", err: ErrAmountSyntax},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, err := ParseAmount(tt.in)
			if tt.err != nil {
				if !errors.Is(err, tt.err) {
					t.Fatalf("ParseAmount(%q) = %v, %v; want error %v", tt.in, got, err, tt.err)
				}
				return
			}
			if err != nil || got != tt.want {
				t.Fatalf("ParseAmount(%q) = %v, %v; want %v", tt.in, got, err, tt.want)
			}
		})
	}
}

func TestAmountString(t *testing.T) {
	tests := []struct {
		name string
		in   Amount
		want string
	}{
		{name: "zero", in: 0, want: "0.00000000"},
		{name: "one unit", in: 1, want: "0.00000001"},
		{name: "one FLT", in: chain.UnitsPerFLT, want: "1.00000000"},
		{name: "mixed", in: 1_234_567_890, want: "12.34567890"},
		{name: "max money", in: chain.MaxMoney, want: "21000000.00000000"},
		{name: "max uint64", in: ^Amount(0), want: "184467440737.09551615"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if got := tt.in.String(); got != tt.want {
				t.Fatalf("String() = %q, want %q", got, tt.want)
			}
		})
	}
}

func TestAmountText(t *testing.T) {
	for _, a := range []Amount{0, 1, 150_000_000, chain.MaxMoney} {
		b, _ := a.MarshalText()
		var got Amount
		if err := got.UnmarshalText(b); err != nil || got != a {
			t.Fatalf("%d: round trip gave %d, %v", a, got, err)
		}
	}
	var a Amount
	if err := a.UnmarshalText([]byte("1.123456789")); err == nil {
		t.Fatal("nine decimals accepted")
	}
}

// FuzzParseAmount checks that every accepted string names a positive
// amount within MaxMoney that prints and parses back to itself.
func FuzzParseAmount(f *testing.F) {
	for _, s := range []string{"1", "1.5", "0.00000001", "21000000", "-1", "1e5", "", "1.123456789", "00.1"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		a, err := ParseAmount(s)
		if err != nil {
			return
		}
		if a == 0 || a > chain.MaxMoney {
			t.Fatalf("ParseAmount(%q) = %d, outside 1..MaxMoney", s, a)
		}
		again, err := ParseAmount(a.String())
		if err != nil || again != a {
			t.Fatalf("round trip of %q: %q parsed to %d, %v", s, a.String(), again, err)
		}
	})
}
