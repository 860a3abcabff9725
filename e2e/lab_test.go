//go:build linux

package e2e

import (
	"bytes"
	"crypto/rand"
	"encoding/hex"
	"fmt"
	"os"
	"os/exec"
	"strings"
	"syscall"
	"testing"
)

// A lab is a private network the test builds from Linux network
// namespaces, so that each node is a host of its own with its own address
// and links that can be cut or made lossy:
//
//   - a switch namespace holding a bridge (its own namespace, so the
//     machine's firewall, which may drop bridged traffic, never sees it);
//   - per host, a namespace with a data link on the bridge (10.R.0.i/24,
//     the p2p network) and a control link to the test's namespace
//     (10.R.i.2/30, the test at 10.R.i.1) for RPC, so that a cut data
//     link leaves the test able to ask the node what it sees.
//
// Everything carries a random id in its name and is removed by the test's
// cleanup, whether it passes or fails.
type lab struct {
	t      *testing.T
	id     string
	octet  int // R: the 10.R.0.0/16 the lab owns
	sw     string
	hosts  []*labHost
	lockFD *os.File
}

// labHost is one namespace of the lab.
type labHost struct {
	lab    *lab
	index  int
	ns     string
	dataIP string // on the bridge, for p2p
	ctlIP  string // on the control link, for RPC from the test
}

// labLock serialises choosing a free 10.R.0.0/16 among labs of concurrent
// test runs on the machine.
const labLock = "/tmp/flint-e2e-lab.lock"

// newLab builds an empty lab, or skips the test with the reason when this
// machine cannot (not root, no ip command).
func newLab(t *testing.T) *lab {
	t.Helper()
	if os.Geteuid() != 0 {
		t.Skip("network-namespace tests need root (ip netns, veth, tc); run the suite as root to include them")
	}
	if _, err := exec.LookPath("ip"); err != nil {
		t.Skip("network-namespace tests need the ip command (iproute2)")
	}
	var b [3]byte
	rand.Read(b[:])
	l := &lab{t: t, id: hex.EncodeToString(b[:])}
	l.sw = "fl" + l.id + "sw"
	f, err := os.OpenFile(labLock, os.O_CREATE|os.O_RDWR, 0o600)
	if err != nil {
		t.Fatal(err)
	}
	if err := syscall.Flock(int(f.Fd()), syscall.LOCK_EX); err != nil {
		t.Fatal(err)
	}
	l.lockFD = f
	defer l.unlock()
	t.Cleanup(l.destroy)
	routes := l.out("ip", "-4", "route", "show")
	for r := 200; r < 250; r++ {
		if !strings.Contains(routes, fmt.Sprintf("10.%d.", r)) {
			l.octet = r
			break
		}
	}
	if l.octet == 0 {
		t.Fatal("no free 10.R.0.0/16 (200 ≤ R < 250) for the lab")
	}
	l.ip("netns", "add", l.sw)
	l.ip("-n", l.sw, "link", "set", "lo", "up")
	l.ip("-n", l.sw, "link", "add", "br0", "type", "bridge")
	l.ip("-n", l.sw, "link", "set", "br0", "up")
	return l
}

func (l *lab) unlock() {
	if l.lockFD != nil {
		syscall.Flock(int(l.lockFD.Fd()), syscall.LOCK_UN)
		l.lockFD.Close()
		l.lockFD = nil
	}
}

// addHost adds a namespace with its data and control links.
func (l *lab) addHost() *labHost {
	l.t.Helper()
	i := len(l.hosts)
	h := &labHost{lab: l, index: i, ns: fmt.Sprintf("fl%sh%d", l.id, i),
		dataIP: fmt.Sprintf("10.%d.0.%d", l.octet, i+1), ctlIP: fmt.Sprintf("10.%d.%d.2", l.octet, i+1)}
	l.hosts = append(l.hosts, h)
	rootIf := fmt.Sprintf("fl%sc%d", l.id, i)
	l.ip("netns", "add", h.ns)
	l.ip("-n", h.ns, "link", "set", "lo", "up")
	// The data link: eth0 in the host, hI on the switch's bridge.
	l.ip("link", "add", "name", "eth0", "netns", h.ns, "type", "veth", "peer", "name", fmt.Sprintf("h%d", i), "netns", l.sw)
	l.ip("-n", l.sw, "link", "set", fmt.Sprintf("h%d", i), "master", "br0", "up")
	l.ip("-n", h.ns, "addr", "add", h.dataIP+"/24", "dev", "eth0")
	l.ip("-n", h.ns, "link", "set", "eth0", "up")
	// The control link: ctl0 in the host, rootIf here.
	l.ip("link", "add", "name", rootIf, "type", "veth", "peer", "name", "ctl0", "netns", h.ns)
	l.ip("addr", "add", fmt.Sprintf("10.%d.%d.1/30", l.octet, i+1), "dev", rootIf)
	l.ip("link", "set", rootIf, "up")
	l.ip("-n", h.ns, "addr", "add", h.ctlIP+"/30", "dev", "ctl0")
	l.ip("-n", h.ns, "link", "set", "ctl0", "up")
	return h
}

// destroy removes the namespaces (their links go with them).
func (l *lab) destroy() {
	l.unlock()
	for _, h := range l.hosts {
		exec.Command("ip", "netns", "del", h.ns).Run()
	}
	exec.Command("ip", "netns", "del", l.sw).Run()
	for i := range l.hosts {
		// The control link's end here normally goes with its peer.
		exec.Command("ip", "link", "del", fmt.Sprintf("fl%sc%d", l.id, i)).Run()
	}
}

// ip runs the ip command, failing the test on an error.
func (l *lab) ip(args ...string) {
	l.t.Helper()
	l.out("ip", args...)
}

func (l *lab) out(name string, args ...string) string {
	l.t.Helper()
	var stderr bytes.Buffer
	cmd := exec.Command(name, args...)
	cmd.Stderr = &stderr
	out, err := cmd.Output()
	if err != nil {
		l.t.Fatalf("%s %s: %v: %s", name, strings.Join(args, " "), err, stderr.String())
	}
	return string(out)
}

// command returns a command that runs inside the host's namespace.
func (h *labHost) command(name string, args ...string) *exec.Cmd {
	return exec.Command("ip", append([]string{"netns", "exec", h.ns, name}, args...)...)
}

// linkDown cuts the host's data link (its p2p network); linkUp restores it.
func (h *labHost) linkDown() { h.lab.ip("-n", h.ns, "link", "set", "eth0", "down") }
func (h *labHost) linkUp()   { h.lab.ip("-n", h.ns, "link", "set", "eth0", "up") }
