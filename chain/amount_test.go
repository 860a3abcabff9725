package chain

import (
	"errors"
	"testing"
)

func TestParseAmount(t *testing.T) {
	cases := []struct {
		name string
		in   string
		want uint64
		err  error
	}{
		{"zero", "0", 0, nil},
		{"zero with decimals", "0.00000000", 0, nil},
		{"one unit", "0.00000001", 1, nil},
		{"whole", "50", 50 * UnitsPerFLT, nil},
		{"max money", "21000000", MaxMoney, nil},
		{"above max money", "21000000.00000001", 0, ErrAmountTooLarge},
		{"nine decimals", "0.000000001", 0, ErrAmountDecimals},
		{"negative", "-1", 0, ErrAmountNegative},
		{"exponent", "1e8", 0, ErrAmountSyntax},
		{"empty", "", 0, ErrAmountSyntax},
		{"bare dot", "1.", 0, ErrAmountSyntax},
		{"huge", "99999999999999999999999", 0, ErrAmountTooLarge},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			got, err := ParseAmount(c.in)
			if !errors.Is(err, c.err) || (c.err == nil && got != c.want) {
				t.Fatalf("ParseAmount(%q) = %d, %v; want %d, %v", c.in, got, err, c.want, c.err)
			}
		})
	}
	if _, err := ParsePositiveAmount("0"); !errors.Is(err, ErrAmountZero) {
		t.Errorf("ParsePositiveAmount(0): %v", err)
	}
	if FormatAmount(1_234_567_890) != "12.34567890" {
		t.Errorf("FormatAmount: %s", FormatAmount(1_234_567_890))
	}
}

// FuzzParseAmount checks that every accepted string is an amount within
// MaxMoney that formats and parses back to itself.
func FuzzParseAmount(f *testing.F) {
	for _, s := range []string{"0", "1.5", "0.00000001", "21000000", "-1", "1e5", "", "1.123456789", "00.1"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		a, err := ParseAmount(s)
		if err != nil {
			return
		}
		if a > MaxMoney {
			t.Fatalf("ParseAmount(%q) = %d, above MaxMoney", s, a)
		}
		if again, err := ParseAmount(FormatAmount(a)); err != nil || again != a {
			t.Fatalf("round trip of %q: %d, %v", s, again, err)
		}
	})
}
