//go:build libsecp256k1

package sigverify

import "testing"

// TestLibsecp256k1Built: in a -tags libsecp256k1 build the backend is there
// and passes its self-test.
func TestLibsecp256k1Built(t *testing.T) {
	v, err := Lookup("libsecp256k1")
	if err != nil || v.Name() != "libsecp256k1" {
		t.Fatalf("Lookup(libsecp256k1) = %v, %v", v, err)
	}
}
