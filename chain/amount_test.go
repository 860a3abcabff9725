package chain

import (
	"encoding/json"
	"errors"
	"testing"
)

// TestParseAmount has an accepted and a rejected case for each rule of
// ParseAmount, and checks that ParsePositiveAmount follows the same rules
// and also refuses zero.
func TestParseAmount(t *testing.T) {
	tests := []struct {
		name string
		in   string
		want Amount
		err  error
	}{
		// Zero is an amount (a fee, a balance); ParsePositiveAmount
		// refuses it.
		{name: "zero", in: "0", want: 0},
		{name: "zero with places", in: "0.00000000", want: 0},
		// Digits, with at most eight decimals.
		{name: "whole", in: "1", want: 100_000_000},
		{name: "half", in: "1.5", want: 150_000_000},
		{name: "eight places", in: "0.00000001", want: 1},
		{name: "trailing zeros", in: "2.50000000", want: 250_000_000},
		{name: "nine places", in: "1.123456789", err: ErrAmountDecimals},
		{name: "nine places of zeros", in: "1.000000000", err: ErrAmountDecimals},
		// Leading zeros are fine; the supply limit is not passed.
		{name: "leading zeros", in: "007.25", want: 725_000_000},
		{name: "max money", in: "21000000", want: MaxMoney},
		{name: "max money with zeros", in: "21000000.00000000", want: MaxMoney},
		{name: "just below max", in: "20999999.99999999", want: MaxMoney - 1},
		{name: "above max money", in: "21000000.00000001", err: ErrAmountTooLarge},
		{name: "far above", in: "99999999", err: ErrAmountTooLarge},
		{name: "overflow length", in: "184467440737095516160", err: ErrAmountTooLarge},
		{name: "huge", in: "99999999999999999999999", err: ErrAmountTooLarge},
		// No sign.
		{name: "negative", in: "-1", err: ErrAmountNegative},
		{name: "negative fraction", in: "-0.5", err: ErrAmountNegative},
		{name: "plus sign", in: "+1", err: ErrAmountSyntax},
		{name: "minus alone", in: "-", err: ErrAmountSyntax},
		// Plain decimal notation only.
		{name: "empty", in: "", err: ErrAmountSyntax},
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
			if !errors.Is(err, tt.err) || (tt.err == nil && got != tt.want) {
				t.Fatalf("ParseAmount(%q) = %v, %v; want %v, %v", tt.in, got, err, tt.want, tt.err)
			}
			pos, err := ParsePositiveAmount(tt.in)
			wantErr := tt.err
			if wantErr == nil && tt.want == 0 {
				wantErr = ErrAmountZero
			}
			if !errors.Is(err, wantErr) || (wantErr == nil && pos != tt.want) {
				t.Fatalf("ParsePositiveAmount(%q) = %v, %v; want %v, %v", tt.in, pos, err, tt.want, wantErr)
			}
		})
	}
}

// TestParseAmountMessage checks the error's exact text: it names the
// input and says what is wrong.
func TestParseAmountMessage(t *testing.T) {
	for in, want := range map[string]string{
		"1.123456789": `amount "1.123456789" has more than 8 decimal places`,
		"0":           `amount "0" must be greater than zero`,
		"-1":          `amount "-1" is negative`,
		"1e8":         `amount "1e8" is not a decimal number of FLT such as 1.5`,
		"21000001":    `amount "21000001" is above the 21000000 FLT supply limit`,
	} {
		if _, err := ParsePositiveAmount(in); err == nil || err.Error() != want {
			t.Errorf("ParsePositiveAmount(%q): %v, want %s", in, err, want)
		}
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
		{name: "one FLT", in: UnitsPerFLT, want: "1.00000000"},
		{name: "mixed", in: 1_234_567_890, want: "12.34567890"},
		{name: "max money", in: MaxMoney, want: "21000000.00000000"},
		{name: "negative difference", in: -150_000_001, want: "-1.50000001"},
		{name: "min int64", in: Amount(-1 << 63), want: "-92233720368.54775808"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if got := tt.in.String(); got != tt.want {
				t.Fatalf("String() = %q, want %q", got, tt.want)
			}
		})
	}
}

// TestAmountJSON checks that an amount is a JSON number of FLT with eight
// decimals, that it reads back exactly, and that a string holding one (as
// wallet files written before hold) is read too.
func TestAmountJSON(t *testing.T) {
	for _, tc := range []struct {
		units Amount
		text  string
	}{
		{0, "0.00000000"},
		{1, "0.00000001"},
		{UnitsPerFLT, "1.00000000"},
		{5_000_000_000, "50.00000000"},
		{MaxMoney, "21000000.00000000"},
	} {
		b, err := json.Marshal(tc.units)
		if err != nil || string(b) != tc.text {
			t.Fatalf("marshal %d: %s, %v; want %s", tc.units, b, err, tc.text)
		}
		var a Amount
		if err := json.Unmarshal(b, &a); err != nil || a != tc.units {
			t.Fatalf("round trip of %s: %d, %v", b, a, err)
		}
	}
	for in, want := range map[string]Amount{"0.1": 10_000_000, "1": UnitsPerFLT, "12.5": 1_250_000_000, `"3.25"`: 325_000_000} {
		var a Amount
		if err := json.Unmarshal([]byte(in), &a); err != nil || a != want {
			t.Errorf("unmarshal %s: %d, %v; want %d", in, a, err, want)
		}
	}
	for _, in := range []string{"-1", "1e8", "0.000000001", ".5", "1.", `"abc"`, "21000000.00000001", "true"} {
		var a Amount
		if err := json.Unmarshal([]byte(in), &a); err == nil {
			t.Errorf("unmarshal %s accepted: %d", in, a)
		}
	}
}

// FuzzParseAmount checks that every accepted string is an amount within
// 0..MaxMoney that prints and parses back to itself, in text and JSON,
// and that ParsePositiveAmount agrees with it except on zero.
func FuzzParseAmount(f *testing.F) {
	for _, s := range []string{"0", "1.5", "0.00000001", "21000000", "-1", "1e5", "", "1.123456789", "00.1"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		a, err := ParseAmount(s)
		pos, perr := ParsePositiveAmount(s)
		if err != nil {
			if perr == nil {
				t.Fatalf("ParsePositiveAmount(%q) accepted what ParseAmount refused", s)
			}
			return
		}
		if a < 0 || a > MaxMoney {
			t.Fatalf("ParseAmount(%q) = %d, outside 0..MaxMoney", s, a)
		}
		if (a == 0) != (perr != nil) || (perr == nil && pos != a) {
			t.Fatalf("ParsePositiveAmount(%q) = %d, %v; ParseAmount gave %d", s, pos, perr, a)
		}
		if again, err := ParseAmount(a.String()); err != nil || again != a {
			t.Fatalf("round trip of %q: %q parsed to %d, %v", s, a.String(), again, err)
		}
		b, _ := json.Marshal(a)
		var j Amount
		if err := json.Unmarshal(b, &j); err != nil || j != a {
			t.Fatalf("JSON round trip of %q: %s gave %d, %v", s, b, j, err)
		}
	})
}

// FuzzParsePositiveAmount checks that every accepted string is an amount
// in 1..MaxMoney that prints and parses back to itself.
func FuzzParsePositiveAmount(f *testing.F) {
	for _, s := range []string{"1", "1.5", "0.00000001", "21000000", "0", "-1", "1e5", "", "1.123456789", "00.1"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		a, err := ParsePositiveAmount(s)
		if err != nil {
			return
		}
		if a <= 0 || a > MaxMoney {
			t.Fatalf("ParsePositiveAmount(%q) = %d, outside 1..MaxMoney", s, a)
		}
		if again, err := ParsePositiveAmount(a.String()); err != nil || again != a {
			t.Fatalf("round trip of %q: %q parsed to %d, %v", s, a.String(), again, err)
		}
	})
}
