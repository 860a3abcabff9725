//go:build unix

package e2e

import (
	"io"
	"net"
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/flint-chain/flint/chain"
	"github.com/flint-chain/flint/internal/syncbuf"
)

// defaultPorts are every network's default P2P, RPC and explorer ports
// (the explorer's is the RPC port + 1). No test may listen on them:
// another Flint may be running on this machine.
var defaultPorts = func() (ports []int) {
	for _, p := range []*chain.Params{chain.MainNetParams(), chain.TestNetParams(), chain.RegTestParams()} {
		ports = append(ports, int(p.DefaultP2PPort), int(p.DefaultRPCPort), int(p.DefaultRPCPort)+1)
	}
	return ports
}()

// TestReadmeWalk runs the README's walk, word for word, as a bash script
// with the built flint on PATH, and checks what it says the user will see.
// It holds every default port while the walk runs, as another node on the
// machine would, so the walk must work with its RPC_PORT alone, and the
// dev node must move its explorer to a free port and say so.
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
	holdDefaultPorts(t)

	dir := t.TempDir()
	_, port, err := net.SplitHostPort(freePort(t))
	if err != nil {
		t.Fatal(err)
	}
	// -e and -u catch a failing step; no pipefail, as in a user's shell,
	// where "| head" closing the pipe early is not an error.
	cmd := exec.Command("bash", "-eu", "-c", script)
	cmd.Dir = dir
	// The user's environment: the explorer on, at its default address.
	env := slices.DeleteFunc(os.Environ(), func(kv string) bool { return strings.HasPrefix(kv, "FLINT_HTTP_ADDR=") })
	cmd.Env = append(env, "PATH="+filepath.Dir(flintBin)+":"+os.Getenv("PATH"), "RPC_PORT="+port)
	cmd.SysProcAttr = &syscall.SysProcAttr{Setpgid: true} // the walk's node is in this group
	out := &syncbuf.Buffer{}
	cmd.Stdout, cmd.Stderr = out, out
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
	if err == os.ErrDeadlineExceeded {
		// Killed: Wait returns once the output is copied.
		select {
		case <-done:
		case <-time.After(10 * time.Second):
			t.Log("the walk's output pipe stayed open 10 s after the kill")
		}
	}
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
	log, _ := os.ReadFile(filepath.Join(dir, "node.log"))
	if !strings.Contains(string(log), "(127.0.0.1:28332 was in use)") {
		t.Errorf("the dev node's banner does not say its explorer moved off the busy default:\n%s", log)
	}
}

// holdDefaultPorts listens on every default port, TCP and UDP, on
// 127.0.0.1 until the test ends. A port already held by another process is
// held all the same, and is left to it.
func holdDefaultPorts(t *testing.T) {
	t.Helper()
	var held []io.Closer
	for _, p := range defaultPorts {
		addr := "127.0.0.1:" + strconv.Itoa(p)
		if ln, err := net.Listen("tcp", addr); err == nil {
			held = append(held, ln)
		}
		if pc, err := net.ListenPacket("udp", addr); err == nil {
			held = append(held, pc)
		}
	}
	t.Cleanup(func() {
		for _, c := range held {
			c.Close()
		}
	})
}
