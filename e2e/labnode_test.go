//go:build linux

package e2e

import (
	"context"
	"fmt"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/flint-chain/flint/internal/syncbuf"
	"github.com/flint-chain/flint/rpc"
)

// labNode is a flint node process inside a lab host.
type labNode struct {
	t    *testing.T
	host *labHost
	dir  string
	args []string // node flags beyond the address ones
	// flags, when set, returns more flags at each start (addresses of
	// the peers known by then).
	flags  func() []string
	cmd    *exec.Cmd
	out    *syncbuf.Buffer
	done   chan struct{}
	rpcURL string // learned from the first start, kept for restarts
	client *rpc.Client
}

// httpClient bounds every RPC call of the lab tests.
var httpClient = &http.Client{Timeout: 15 * time.Second}

var servingRPC = regexp.MustCompile(`msg="serving JSON-RPC" sub=node url=(http://\S+)`)

// startLabNode starts a node in host h with RPC on the host's control
// address (port chosen by the OS on the first start, kept after).
func startLabNode(t *testing.T, h *labHost, dir string, args ...string) *labNode {
	t.Helper()
	n := newLabNode(t, h, dir, args...)
	n.start()
	return n
}

// newLabNode makes a node, not started, that the test's cleanup kills.
func newLabNode(t *testing.T, h *labHost, dir string, args ...string) *labNode {
	n := &labNode{t: t, host: h, dir: dir, args: args, out: &syncbuf.Buffer{}}
	t.Cleanup(func() {
		n.kill()
		if t.Failed() {
			t.Logf("log of the node in %s:\n%s", h.ns, tail(n.out.String(), 60))
		}
	})
	return n
}

// start runs the node process and waits for its RPC.
func (n *labNode) start() {
	n.t.Helper()
	rpcAddr := n.host.ctlIP + ":0"
	if n.rpcURL != "" {
		rpcAddr = strings.TrimPrefix(n.rpcURL, "http://")
	}
	args := append([]string{"node", "--datadir", n.dir, "--rpc.addr", rpcAddr}, n.args...)
	if n.flags != nil {
		args = append(args, n.flags()...)
	}
	// A killed node leaves its cookie behind; the new one is its own.
	os.Remove(filepath.Join(n.dir, rpc.CookieFile))
	n.cmd = n.host.command(flintBin, args...)
	n.cmd.Stdout, n.cmd.Stderr = n.out, n.out
	if err := n.cmd.Start(); err != nil {
		n.t.Fatal(err)
	}
	done := make(chan struct{})
	n.done = done
	go func() { n.cmd.Wait(); close(done) }()
	mark := len(n.out.String())
	eventually(n.t, "the node's RPC in "+n.host.ns, func() bool {
		select {
		case <-done:
			n.t.Fatalf("the node in %s exited: %s", n.host.ns, tail(n.out.String(), 30))
		default:
		}
		if n.rpcURL == "" {
			if m := servingRPC.FindStringSubmatch(n.out.String()[mark:]); m != nil {
				n.rpcURL = m[1]
			}
		}
		return n.rpcURL != "" && strings.Contains(n.out.String()[mark:], "serving JSON-RPC")
	})
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	var auth rpc.Auth
	eventually(n.t, "the node's RPC cookie", func() bool {
		var err error
		auth, err = rpc.ReadCookie(filepath.Join(n.dir, rpc.CookieFile))
		return err == nil
	})
	n.client = rpc.NewClient(n.rpcURL, auth)
	n.client.SetHTTPClient(httpClient)
	if err := n.client.WaitReady(ctx); err != nil {
		n.t.Fatal(err)
	}
}

// running reports whether the process is alive.
func (n *labNode) running() bool {
	select {
	case <-n.done:
		return false
	default:
		return true
	}
}

// stop asks for a clean shutdown (SIGINT) and waits for it.
func (n *labNode) stop() {
	n.t.Helper()
	if !n.running() {
		return
	}
	n.cmd.Process.Signal(syscall.SIGINT)
	select {
	case <-n.done:
		if code := n.cmd.ProcessState.ExitCode(); code != 0 {
			n.t.Fatalf("the node in %s exited with %d after SIGINT: %s", n.host.ns, code, tail(n.out.String(), 20))
		}
	case <-time.After(20 * time.Second):
		n.t.Fatalf("the node in %s did not stop within 20 s", n.host.ns)
	}
}

// kill ends the process with SIGKILL and waits until it is gone.
func (n *labNode) kill() {
	if n.cmd == nil || !n.running() {
		return
	}
	n.cmd.Process.Kill()
	<-n.done
}

// tail returns the last lines of s.
func tail(s string, lines int) string {
	parts := strings.Split(s, "\n")
	if len(parts) > lines {
		parts = parts[len(parts)-lines:]
	}
	return strings.Join(parts, "\n")
}

// TestLabLinks checks the lab itself with real processes: a node in one
// namespace answers a flint rpc call from another over the data link, not
// once the link is down, and again once it is up; a node's control link
// to the test stays up while its data link is down.
func TestLabLinks(t *testing.T) {
	l := newLab(t)
	a, b := l.addHost(), l.addHost()
	call := labRPCNode(t, a, b)
	eventually(t, "an RPC call across the data link", func() bool { _, err := call(); return err == nil })
	ctl := startLabNode(t, a, t.TempDir(), "--network", "regtest", "--p2p.off")
	a.linkDown()
	if _, err := call(); err == nil {
		t.Fatal("the call got through a link that is down")
	}
	if _, err := ctl.client.GetBlockCount(context.Background()); err != nil {
		t.Fatalf("the control link went down with the data link: %v", err)
	}
	ctl.stop()
	a.linkUp()
	eventually(t, "the call after the link came back", func() bool { _, err := call(); return err == nil })
}

// labRPCNode starts a node in a with its RPC on a's data address and
// returns a function that calls it from b (flint rpc inside b), timing
// the call.
func labRPCNode(t *testing.T, a, b *labHost) func() (time.Duration, error) {
	t.Helper()
	dir := t.TempDir()
	cmd := a.command(flintBin, "node", "--network", "regtest", "--p2p.off", "--datadir", dir, "--rpc.addr", a.dataIP+":0")
	out := &syncbuf.Buffer{}
	cmd.Stdout, cmd.Stderr = out, out
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { cmd.Process.Kill(); cmd.Wait() })
	var url string
	eventually(t, "the node's RPC address", func() bool {
		if m := servingRPC.FindStringSubmatch(out.String()); m != nil {
			url = m[1]
		}
		return url != ""
	})
	if !strings.Contains(url, a.dataIP) {
		t.Fatalf("RPC at %s, not on %s", url, a.dataIP)
	}
	return func() (time.Duration, error) {
		began := time.Now()
		c := b.command(flintBin, "rpc", "--network", "regtest", "--rpc.url", url, "--rpc.cookie",
			filepath.Join(dir, rpc.CookieFile), "--timeout", "3s", "getblockcount")
		res, err := c.CombinedOutput()
		if err != nil {
			return 0, fmt.Errorf("%v: %s", err, res)
		}
		return time.Since(began), nil
	}
}
