//go:build unix

package e2e

import (
	"os/exec"
	"strings"
	"testing"
)

// TestVersionNamesTheCommit: a flint built by go build from a git
// checkout says which commit it is (under go test the binary cannot).
func TestVersionNamesTheCommit(t *testing.T) {
	head, err := exec.Command("git", "-C", "..", "rev-parse", "HEAD").Output()
	if err != nil {
		t.Skipf("the source is not a git checkout with git installed, so go build records no commit: %v", err)
	}
	out, err := exec.Command(flintBin, "version").CombinedOutput()
	if err != nil {
		t.Fatalf("flint version: %v\n%s", err, out)
	}
	want := "(commit " + strings.TrimSpace(string(head))[:12]
	if !strings.Contains(string(out), want) {
		t.Fatalf("flint version printed %q, want it to name %s)", out, want)
	}
}
