package chain

import (
	"errors"
	"strings"
	"testing"

	"github.com/btcsuite/btcd/btcutil/bech32"
)

func TestAddressRoundTrip(t *testing.T) {
	for _, p := range []*Params{MainNetParams(), TestNetParams(), RegTestParams()} {
		addr := EncodeAddress(p, numsKey)
		if !strings.HasPrefix(addr, p.AddressHRP+"1p") {
			t.Errorf("%s address %q lacks prefix and version 1", p.Name, addr)
		}
		key, err := DecodeAddress(p, addr)
		if err != nil || key != numsKey {
			t.Errorf("%s: round trip gave %x, %v", p.Name, key, err)
		}
	}
}

func TestAddressRefusals(t *testing.T) {
	main, test := MainNetParams(), TestNetParams()
	good := EncodeAddress(main, numsKey)
	data, _ := bech32.ConvertBits(numsKey[:], 8, 5, true)
	bech32Plain, _ := bech32.Encode("flt", append([]byte{1}, data...))
	v0, _ := bech32.EncodeM("flt", append([]byte{0}, data...))
	short, _ := bech32.ConvertBits(numsKey[:31], 8, 5, true)
	shortAddr, _ := bech32.EncodeM("flt", append([]byte{1}, short...))
	var notOnCurve [32]byte // x = 0 has no point: x^3+7 = 7 is not a square
	badX, _ := bech32.ConvertBits(notOnCurve[:], 8, 5, true)
	badXAddr, _ := bech32.EncodeM("flt", append([]byte{1}, badX...))
	flipped := []byte(good)
	if flipped[len(flipped)-1] == 'q' {
		flipped[len(flipped)-1] = 'p'
	} else {
		flipped[len(flipped)-1] = 'q'
	}

	cases := []struct {
		name string
		p    *Params
		addr string
	}{
		{"another network", test, good},
		{"bad checksum", main, string(flipped)},
		{"bech32 not bech32m", main, bech32Plain},
		{"version 0", main, v0},
		{"31-byte key", main, shortAddr},
		{"invalid x coordinate", main, badXAddr},
		{"not bech32", main, "hello"},
		{"empty", main, ""},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			if _, err := DecodeAddress(c.p, c.addr); !errors.Is(err, ErrInvalidAddress) {
				t.Fatalf("DecodeAddress(%q) = %v, want ErrInvalidAddress", c.addr, err)
			}
		})
	}
	// A mistyped address's error must not carry the right checksum.
	_, err := DecodeAddress(main, string(flipped))
	if right := good[len(good)-6:]; err == nil || strings.Contains(err.Error(), right) {
		t.Fatalf("bad-checksum error %q gives away the checksum %s", err, right)
	}
}

func FuzzDecodeAddress(f *testing.F) {
	p := MainNetParams()
	f.Add(EncodeAddress(p, numsKey))
	f.Add("flt1qqqq")
	f.Fuzz(func(t *testing.T, s string) {
		key, err := DecodeAddress(p, s)
		if err != nil {
			return
		}
		if again, err := DecodeAddress(p, EncodeAddress(p, key)); err != nil || again != key {
			t.Fatalf("accepted %q but its key does not round trip", s)
		}
	})
}

// TestAddressBadCharacter checks that a character bech32 does not use is
// named, not given as its code.
func TestAddressBadCharacter(t *testing.T) {
	p := RegTestParams()
	good := EncodeAddress(p, [32]byte{7})
	bad := good[:10] + "o" + good[11:]
	_, err := DecodeAddress(p, bad)
	want := `invalid address: character 'o' is not one bech32 uses (after the 1, addresses have no b, i, o or 1)`
	if err == nil || err.Error() != want {
		t.Fatalf("got  %v\nwant %s", err, want)
	}
}
