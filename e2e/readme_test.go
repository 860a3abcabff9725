//go:build unix

package e2e

import (
	"bytes"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"syscall"
	"testing"
	"time"
)

// TestReadmeWalk runs the README's walk, word for word, as a bash script
// with the built flint on PATH, and checks what it says the user will see.
func TestReadmeWalk(t *testing.T) {
	readme, err := os.ReadFile("../README.md")
	if err != nil {
		t.Fatal(err)
	}
	_, after, ok := strings.Cut(string(readme), "<!-- walk -->\n```sh\n")
	if !ok {
		t.Fatal("README.md has no <!-- walk --> sh block")
	}
	script, _, ok := strings.Cut(after, "\n```")
	if !ok {
		t.Fatal("README.md's walk block is not closed")
	}

	dir := t.TempDir()
	// -e and -u catch a failing step; no pipefail, as in a user's shell,
	// where "| head" closing the pipe early is not an error.
	cmd := exec.Command("bash", "-eu", "-c", script)
	cmd.Dir = dir
	cmd.Env = append(os.Environ(), "PATH="+filepath.Dir(flintBin)+":"+os.Getenv("PATH"))
	cmd.SysProcAttr = &syscall.SysProcAttr{Setpgid: true} // the walk's node is in this group
	var out bytes.Buffer
	cmd.Stdout, cmd.Stderr = &out, &out
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	done := make(chan error, 1)
	go func() { done <- cmd.Wait() }()
	select {
	case err = <-done:
	case <-time.After(3 * time.Minute):
		err = os.ErrDeadlineExceeded
	}
	syscall.Kill(-cmd.Process.Pid, syscall.SIGKILL) // whatever the walk left running
	if err != nil {
		log, _ := os.ReadFile(filepath.Join(dir, "node.log"))
		t.Fatalf("the README walk failed: %v\n%s\nnode.log:\n%s", err, out.String(), log)
	}
	for _, want := range []string{"confirmed:   12.50000000 FLT", "sent     12.50000000 FLT  fee "} {
		if !strings.Contains(out.String(), want) {
			t.Errorf("the walk's output lacks %q:\n%s", want, out.String())
		}
	}
	if _, err := os.Stat(filepath.Join(dir, "devnet", "wallet.flw")); err != nil {
		t.Errorf("the dev node made no dev wallet: %v", err)
	}
}
