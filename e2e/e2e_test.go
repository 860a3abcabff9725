//go:build unix

// Package e2e runs the flint binary as users do: real processes talking
// over JSON-RPC on 127.0.0.1.
package e2e

import (
	"bytes"
	"fmt"
	"net"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strconv"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/flint-chain/flint/internal/syncbuf"
)

// flintBin is the binary built once for the package's tests: static
// (CGO_ENABLED=0), so that the Docker tests put the same binary in the
// image.
var flintBin string

// atExit are run once every test has, before the binary is removed.
var atExit []func()

func TestMain(m *testing.M) {
	dir, err := os.MkdirTemp("", "flint-e2e-")
	if err != nil {
		fmt.Fprintln(os.Stderr, err)
		os.Exit(1)
	}
	flintBin = filepath.Join(dir, "flint")
	// -buildvcs=auto over a GOFLAGS=-buildvcs=false: the binary names its
	// commit, as a user's go build does (TestVersionNamesTheCommit). Where
	// git cannot tell (a checkout git refuses to read), build without.
	if err := buildFlint("-buildvcs=auto"); err != nil {
		if err := buildFlint(); err != nil {
			fmt.Fprintln(os.Stderr, "building flint:", err)
			os.Exit(1)
		}
	}
	// Nodes started here serve no explorer unless a test asks for one on
	// a free port: its default port may belong to another Flint.
	os.Setenv("FLINT_HTTP_ADDR", "off")
	code := m.Run()
	for _, f := range atExit {
		f()
	}
	os.RemoveAll(dir)
	os.Exit(code)
}

// buildFlint builds cmd/flint, statically, to flintBin.
func buildFlint(flags ...string) error {
	args := append(append([]string{"build"}, flags...), "-o", flintBin, "../cmd/flint")
	build := exec.Command("go", args...)
	build.Stdout, build.Stderr = os.Stdout, os.Stderr
	build.Env = append(os.Environ(), "CGO_ENABLED=0")
	return build.Run()
}

// process is a running flint command whose output is collected.
type process struct {
	cmd *exec.Cmd
	out *syncbuf.Buffer
}

func start(t *testing.T, args ...string) *process {
	t.Helper()
	p := &process{cmd: exec.Command(flintBin, args...), out: &syncbuf.Buffer{}}
	p.cmd.Stdout, p.cmd.Stderr = p.out, p.out
	if err := p.cmd.Start(); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() {
		if p.cmd.ProcessState == nil {
			p.cmd.Process.Kill()
			p.cmd.Wait()
		}
		if t.Failed() {
			t.Logf("output of flint %s:\n%s", strings.Join(args, " "), p.out.String())
		}
	})
	return p
}

// stop sends SIGINT and expects a clean exit within 5 s.
func (p *process) stop(t *testing.T) {
	t.Helper()
	p.cmd.Process.Signal(syscall.SIGINT)
	p.wait(t, 5*time.Second)
}

func (p *process) wait(t *testing.T, d time.Duration) {
	t.Helper()
	done := make(chan error, 1)
	go func() { done <- p.cmd.Wait() }()
	select {
	case err := <-done:
		if err != nil {
			t.Fatalf("flint exited with %v", err)
		}
	case <-time.After(d):
		t.Fatalf("flint did not exit within %v", d)
	}
}

// flint runs a flint command to completion and returns its stdout.
func flint(t *testing.T, args ...string) string {
	t.Helper()
	out, err := tryFlint(args...)
	if err != nil {
		t.Fatal(err)
	}
	return out
}

// tryFlint runs a flint command and returns its stdout, or an error with
// its stderr.
func tryFlint(args ...string) (string, error) {
	var stdout, stderr bytes.Buffer
	cmd := exec.Command(flintBin, args...)
	cmd.Stdout, cmd.Stderr = &stdout, &stderr
	if err := cmd.Run(); err != nil {
		return "", fmt.Errorf("flint %s: %v\n%s", strings.Join(args, " "), err, stderr.String())
	}
	return strings.TrimSpace(stdout.String()), nil
}

// eventually polls cond until it holds or 30 s pass.
func eventually(t *testing.T, what string, cond func() bool) {
	t.Helper()
	deadline := time.Now().Add(30 * time.Second)
	for !cond() {
		if time.Now().After(deadline) {
			t.Fatalf("timed out waiting for %s", what)
		}
		time.Sleep(20 * time.Millisecond)
	}
}

// freePort returns a TCP port on 127.0.0.1 that was free a moment ago.
func freePort(t *testing.T) string {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer ln.Close()
	return ln.Addr().String()
}

func TestDevNode(t *testing.T) {
	dir := t.TempDir()
	rpcAddr := freePort(t)
	node := start(t, "node", "--dev", "--dev.period", "100ms", "--datadir", dir, "--rpc.addr", rpcAddr)
	var address string
	eventually(t, "the dev summary", func() bool {
		m := regexp.MustCompile(`mining to:\s+(rflt1\S+)`).FindStringSubmatch(node.out.String())
		if m != nil {
			address = m[1]
		}
		return m != nil && strings.Contains(node.out.String(), "JSON-RPC:")
	})
	rpcArgs := []string{"rpc", "--network", "regtest", "--datadir", dir, "--rpc.url", rpcAddr}
	eventually(t, "three dev blocks", func() bool {
		n, _ := strconv.Atoi(flint(t, append(rpcArgs, "getblockcount")...))
		return n >= 3
	})
	flint(t, append(rpcArgs, "generatetoaddress", "5", address)...)
	balance := flint(t, append(rpcArgs, "getbalance", address)...)
	if v, err := strconv.ParseFloat(balance, 64); err != nil || v < 8*50 {
		t.Fatalf("balance %q after 8 blocks", balance)
	}
	node.stop(t)

	// The data directory is kept: a restart resumes at the same tip.
	node = start(t, "node", "--network", "regtest", "--p2p.off", "--datadir", dir, "--rpc.addr", rpcAddr)
	eventually(t, "the restarted node", func() bool {
		out, err := exec.Command(flintBin, append(rpcArgs, "getblockcount")...).Output()
		n, _ := strconv.Atoi(strings.TrimSpace(string(out)))
		return err == nil && n >= 8
	})
	node.stop(t)
}

func TestExternalMiner(t *testing.T) {
	dir := t.TempDir()
	rpcAddr := freePort(t)
	node := start(t, "node", "--network", "regtest", "--p2p.off", "--datadir", dir, "--rpc.addr", rpcAddr)
	rpcArgs := []string{"--network", "regtest", "--datadir", dir, "--rpc.url", rpcAddr}
	eventually(t, "the node's RPC", func() bool {
		return exec.Command(flintBin, append([]string{"rpc"}, append(rpcArgs, "getblockcount")...)...).Run() == nil
	})
	address := "rflt1p9z6n2en2cu22v5lypg67tlcufh5yldlhzvmqmwjdpd0z8kvu657qx0mdmn"
	miner := start(t, "miner", "--network", "regtest", "--datadir", dir, "--rpc", rpcAddr, "--address", address, "--threads", "1")
	eventually(t, "20 blocks from the external miner", func() bool {
		n, _ := strconv.Atoi(flint(t, append([]string{"rpc"}, append(rpcArgs, "getblockcount")...)...))
		return n >= 20
	})
	miner.stop(t)
	if bal := flint(t, append([]string{"rpc"}, append(rpcArgs, "getbalance", address)...)...); bal == "0.00000000" {
		t.Fatal("the miner's address holds nothing")
	}
	flint(t, append([]string{"rpc"}, append(rpcArgs, "stop")...)...)
	node.wait(t, 5*time.Second)
}

// TestDevBannerRunsAsPrinted runs the dev banner's "Try:" lines word for
// word in a shell, on a port that is not the default and with
// FLINT_WALLET_PASSPHRASE exported for the user's other wallets.
func TestDevBannerRunsAsPrinted(t *testing.T) {
	dir := t.TempDir()
	rpcAddr := freePort(t)
	node := start(t, "node", "--dev", "--dev.period", "1h", "--datadir", dir, "--rpc.addr", rpcAddr)
	var try []string
	eventually(t, "the dev banner", func() bool {
		_, after, ok := strings.Cut(node.out.String(), "Try:\n")
		lines := strings.Split(strings.TrimRight(after, "\n"), "\n")
		if !ok || len(lines) < 3 {
			return false
		}
		try = lines[:3]
		return true
	})
	address := regexp.MustCompile(`mining to:\s+(rflt1\S+)`).FindStringSubmatch(node.out.String())[1]
	rpcArgs := []string{"rpc", "--network", "regtest", "--datadir", dir, "--rpc.url", rpcAddr, "--wait", "30s"}
	flint(t, append(rpcArgs, "generatetoaddress", "101", address)...) // a mature coin for the send line

	for _, line := range try {
		cmd := exec.Command("bash", "-c", strings.TrimSpace(line))
		cmd.Env = append(os.Environ(), "FLINT_WALLET_PASSPHRASE=correct horse battery staple")
		if out, err := cmd.CombinedOutput(); err != nil {
			t.Fatalf("the banner's line\n  %s\nfailed: %v\n%s", line, err, out)
		}
	}
	if n, _ := strconv.Atoi(flint(t, append(rpcArgs, "getblockcount")...)); n != 111 {
		t.Fatalf("height %d after the banner's generatetoaddress 10, want 111", n)
	}
}
