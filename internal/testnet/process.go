package testnet

import (
	"context"
	"errors"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"syscall"
	"time"
)

// LogFile is each node's log in its data directory.
const LogFile = "node.log"

// process is a node process this program started.
type process struct {
	cmd  *exec.Cmd
	done chan struct{} // closed once the process has exited and been reaped
	err  error         // its exit status, once done is closed
}

// nodeArgs returns the `flint node` arguments of node i.
func (nw *Network) nodeArgs(i int) []string {
	n := nw.Cfg.Nodes[i]
	args := []string{"node",
		"--network", nw.Cfg.Network,
		"--datadir", nw.DataDir(i),
		"--rpc.addr", n.RPCAddr,
		"--http.addr", n.HTTPAddr,
		"--http.testnet", filepath.Join(nw.Dir, ConfigFile),
		"--p2p.listen", fmt.Sprintf("/ip4/127.0.0.1/tcp/%d", n.P2PPort),
		// The topology is the network's shape: no discovery beyond it
		// (mDNS would also find every other Flint node on this host).
		"--p2p.mdns=false", "--p2p.dht=false",
	}
	for _, j := range nw.Cfg.neighbours(i) {
		if j < i && nw.Cfg.Nodes[j].P2PAddr != "" {
			args = append(args, "--bootstrap", nw.Cfg.Nodes[j].P2PAddr)
		}
	}
	if n.Miner {
		args = append(args, "--mine.address", n.Address)
		if nw.Cfg.Network == "regtest" {
			args = append(args, "--mine.period", time.Duration(nw.Cfg.BlockPeriod).String())
		} else {
			args = append(args, "--mine", "--mine.threads", fmt.Sprint(nw.Cfg.Threads))
		}
	}
	return append(args, n.ExtraArgs...)
}

// startNode starts node i's process, its output appended to its log. A
// detached node gets its own session so that it outlives this program;
// otherwise it gets its own process group, so that a Ctrl-C reaches this
// program, which then stops the nodes in order.
func (nw *Network) startNode(i int, detach bool) error {
	if err := os.MkdirAll(nw.DataDir(i), 0o700); err != nil {
		return err
	}
	logf, err := os.OpenFile(filepath.Join(nw.DataDir(i), LogFile), os.O_CREATE|os.O_WRONLY|os.O_APPEND, 0o600)
	if err != nil {
		return err
	}
	defer logf.Close() // the child holds its own copy
	cmd := exec.Command(nw.Bin, nw.nodeArgs(i)...)
	cmd.Stdout, cmd.Stderr = logf, logf
	cmd.SysProcAttr = &syscall.SysProcAttr{Setpgid: !detach, Setsid: detach}
	if err := cmd.Start(); err != nil {
		return fmt.Errorf("start %s: %w", nw.Cfg.Nodes[i].Name, err)
	}
	p := &process{cmd: cmd, done: make(chan struct{})}
	go func() {
		p.err = cmd.Wait()
		close(p.done)
	}()
	nw.procs[i] = p
	nw.Cfg.Nodes[i].PID = cmd.Process.Pid
	return nil
}

// running reports whether node i's recorded process is alive and is that
// node (a recycled pid running something else does not count).
func (nw *Network) running(i int) bool {
	if p := nw.procs[i]; p != nil {
		select {
		case <-p.done:
			return false
		default:
			return true
		}
	}
	pid := nw.Cfg.Nodes[i].PID
	if pid <= 0 || syscall.Kill(pid, 0) != nil {
		return false
	}
	cmdline, err := os.ReadFile(fmt.Sprintf("/proc/%d/cmdline", pid))
	if err != nil {
		return !errors.Is(err, os.ErrNotExist) // no /proc: trust the signal
	}
	return strings.Contains(string(cmdline), nw.DataDir(i)+"\x00")
}

// stopNode asks node i to stop (SIGINT, a clean shutdown) and waits for it
// to exit; after timeout it is killed.
func (nw *Network) stopNode(i int, timeout time.Duration) error {
	if !nw.running(i) {
		nw.Cfg.Nodes[i].PID = 0
		return nil
	}
	pid := nw.Cfg.Nodes[i].PID
	if p := nw.procs[i]; p != nil {
		pid = p.cmd.Process.Pid
	}
	if err := syscall.Kill(pid, syscall.SIGINT); err != nil && !errors.Is(err, syscall.ESRCH) {
		return fmt.Errorf("stop %s: %w", nw.Cfg.Nodes[i].Name, err)
	}
	deadline := time.Now().Add(timeout)
	for nw.running(i) {
		if time.Now().After(deadline) {
			syscall.Kill(pid, syscall.SIGKILL)
			nw.waitGone(i, 5*time.Second)
			nw.Cfg.Nodes[i].PID = 0
			return fmt.Errorf("%s did not stop within %v and was killed", nw.Cfg.Nodes[i].Name, timeout)
		}
		time.Sleep(50 * time.Millisecond)
	}
	nw.Cfg.Nodes[i].PID = 0
	return nil
}

// Kill ends node i at once with SIGKILL, as a crash would, and waits until
// it is gone.
func (nw *Network) Kill(i int) error {
	if !nw.running(i) {
		return fmt.Errorf("%s is not running", nw.Cfg.Nodes[i].Name)
	}
	if err := syscall.Kill(nw.Cfg.Nodes[i].PID, syscall.SIGKILL); err != nil {
		return err
	}
	if !nw.waitGone(i, 10*time.Second) {
		return fmt.Errorf("%s still runs after SIGKILL", nw.Cfg.Nodes[i].Name)
	}
	nw.Cfg.Nodes[i].PID = 0
	return nw.Cfg.Save(nw.Dir)
}

// waitGone polls until node i's process has exited.
func (nw *Network) waitGone(i int, d time.Duration) bool {
	deadline := time.Now().Add(d)
	for nw.running(i) {
		if time.Now().After(deadline) {
			return false
		}
		time.Sleep(20 * time.Millisecond)
	}
	return true
}

// Exited returns a channel closed when any node this program started
// exits, with that node's index and exit status sent first.
func (nw *Network) Exited(ctx context.Context) <-chan NodeExit {
	out := make(chan NodeExit, len(nw.procs))
	for i, p := range nw.procs {
		go func() {
			select {
			case <-p.done:
				out <- NodeExit{Index: i, Err: p.err}
			case <-ctx.Done():
			}
		}()
	}
	return out
}

// NodeExit tells which node exited and how.
type NodeExit struct {
	Index int
	Err   error
}
