//go:build !libsecp256k1

package sigverify

import (
	"bytes"
	"os"
	"os/exec"
	"testing"
)

// TestLibsecp256k1Backend runs this package's tests again, for the
// libsecp256k1 backend alone, in a build with it (-tags libsecp256k1), so
// that the plain test command checks it against btcec wherever the library
// is installed.
//
// The run checks verdicts, not concurrency, so it never takes the race
// detector (which made it cost minutes on two cores); under -race or -short
// it takes -short, checking fewer random triples, because .ci/run checks the
// million-triple TestDifferential with this backend separately.
func TestLibsecp256k1Backend(t *testing.T) {
	if _, err := os.Stat("/usr/include/secp256k1_schnorrsig.h"); err != nil {
		t.Skip("libsecp256k1-dev is not installed (apt-get install libsecp256k1-dev): the libsecp256k1 backend is not tested")
	}
	gobin, err := exec.LookPath("go")
	if err != nil {
		t.Skip("no go command on PATH to build the libsecp256k1 backend with")
	}
	args := []string{"test", "-count=1", "-v", "-tags", "libsecp256k1", "-run", "BIP340Vectors|RuleCases|Differential|BatchFindsOneBad|FuzzVerify|Lookup|Libsecp256k1Built"}
	if testing.Short() || raceEnabled {
		args = append(args, "-short")
	}
	cmd := exec.CommandContext(t.Context(), gobin, append(args, ".")...)
	cmd.Env = append(os.Environ(), "CGO_ENABLED=1", "FLINT_SIGVERIFY_TEST=libsecp256k1")
	out, err := cmd.CombinedOutput()
	if err != nil {
		t.Fatalf("go %v: %v\n%s", args, err, out)
	}
	// A pattern that matched nothing would pass without checking a verdict.
	for _, name := range []string{"TestLibsecp256k1Built", "TestDifferential", "TestBIP340Vectors"} {
		if !bytes.Contains(out, []byte("--- PASS: "+name+" ")) {
			t.Fatalf("go %v did not pass %s:\n%s", args, name, out)
		}
	}
}
