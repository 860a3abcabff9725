//go:build !libsecp256k1

package sigverify

import (
	"os"
	"os/exec"
	"testing"
)

// TestLibsecp256k1Backend runs this package's tests again, for the
// libsecp256k1 backend alone, in a build with it (-tags libsecp256k1), so
// that the plain test command checks it against btcec wherever the library
// is installed.
func TestLibsecp256k1Backend(t *testing.T) {
	if _, err := os.Stat("/usr/include/secp256k1_schnorrsig.h"); err != nil {
		t.Skip("libsecp256k1-dev is not installed (apt-get install libsecp256k1-dev): the libsecp256k1 backend is not tested")
	}
	gobin, err := exec.LookPath("go")
	if err != nil {
		t.Skip("no go command on PATH to build the libsecp256k1 backend with")
	}
	args := []string{"test", "-count=1", "-tags", "libsecp256k1", "-run", "BIP340Vectors|RuleCases|Differential|BatchFindsOneBad|FuzzVerify|Lookup|Libsecp256k1Built"}
	if testing.Short() {
		args = append(args, "-short")
	}
	if raceEnabled {
		args = append(args, "-race")
	}
	cmd := exec.CommandContext(t.Context(), gobin, append(args, ".")...)
	cmd.Env = append(os.Environ(), "CGO_ENABLED=1", "FLINT_SIGVERIFY_TEST=libsecp256k1")
	out, err := cmd.CombinedOutput()
	if err != nil {
		t.Fatalf("go %v: %v\n%s", args, err, out)
	}
	t.Logf("%s", out)
}
