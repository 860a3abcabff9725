//go:build linux

package e2e

import (
	"fmt"
	"math/rand/v2"
	"net"
	"os"
	"os/exec"
	"runtime"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"golang.org/x/sys/unix"
)

// lossyLink delays and drops the frames crossing host h's data link, both
// ways: `tc qdisc add … netem delay D loss L%` on both ends of the link
// (the host's eth0 and its port on the switch). Where the
// kernel has no netem qdisc (built without CONFIG_NET_SCH_NETEM), the
// host's switch port is taken off the bridge and a frame relay of the
// test's own, reading and writing raw frames (AF_PACKET) in the switch
// namespace, does the same. It returns the relay (nil with netem) and a
// function that restores the link.
func (h *labHost) lossyLink(delay time.Duration, loss float64) (*frameRelay, func()) {
	t := h.lab.t
	t.Helper()
	if _, err := exec.LookPath("tc"); err != nil {
		t.Skip("the lossy-link test needs tc (iproute2)")
	}
	netem := []string{"netem", "delay", fmt.Sprintf("%dms", delay.Milliseconds()), "loss", fmt.Sprintf("%g%%", loss*100)}
	port := fmt.Sprintf("h%d", h.index)
	out, err := exec.Command("ip", append([]string{"netns", "exec", h.ns, "tc", "qdisc", "add", "dev", "eth0", "root"}, netem...)...).CombinedOutput()
	if err == nil {
		h.lab.ip(append([]string{"netns", "exec", h.lab.sw, "tc", "qdisc", "add", "dev", port, "root"}, netem...)...)
		return nil, func() {
			h.lab.ip("netns", "exec", h.ns, "tc", "qdisc", "del", "dev", "eth0", "root")
			h.lab.ip("netns", "exec", h.lab.sw, "tc", "qdisc", "del", "dev", port, "root")
		}
	}
	if !strings.Contains(string(out), "qdisc kind is unknown") {
		t.Fatalf("tc netem: %v: %s", err, out)
	}
	if _, err := exec.LookPath("ethtool"); err != nil {
		t.Skip("this kernel has no netem qdisc, and the frame relay that stands in for it needs ethtool (to turn off offloads)")
	}
	sw := h.lab.sw
	in, out2 := fmt.Sprintf("r%d", h.index), fmt.Sprintf("q%d", h.index)
	l := h.lab
	l.ip("-n", sw, "link", "set", port, "nomaster")
	l.ip("-n", sw, "link", "add", in, "type", "veth", "peer", "name", out2)
	l.ip("-n", sw, "link", "set", out2, "master", "br0", "up")
	l.ip("-n", sw, "link", "set", in, "up", "promisc", "on")
	l.ip("-n", sw, "link", "set", port, "promisc", "on")
	// Relayed frames are copied as they are: segmentation and checksums
	// must be done before a frame leaves its sender.
	for _, dev := range [][2]string{{h.ns, "eth0"}, {sw, port}, {sw, in}, {sw, out2}} {
		l.out("ip", "netns", "exec", dev[0], "ethtool", "-K", dev[1], "tx", "off", "tso", "off", "gso", "off", "gro", "off")
	}
	r, err := startFrameRelay(sw, port, in, delay, loss)
	if err != nil {
		t.Fatal(err)
	}
	return r, func() {
		r.close()
		l.ip("-n", sw, "link", "del", in)
		l.ip("-n", sw, "link", "set", port, "master", "br0")
	}
}

// frameRelay copies Ethernet frames between two interfaces, both ways,
// each after a delay and dropped with probability loss.
type frameRelay struct {
	fds             [2]int
	delay           time.Duration
	loss            float64
	stop            atomic.Bool
	wg              sync.WaitGroup
	passed, dropped atomic.Int64
}

func startFrameRelay(ns, a, b string, delay time.Duration, loss float64) (*frameRelay, error) {
	fds, err := packetSockets(ns, a, b)
	if err != nil {
		return nil, err
	}
	r := &frameRelay{fds: [2]int{fds[0], fds[1]}, delay: delay, loss: loss}
	r.wg.Add(2)
	go r.pump(fds[0], fds[1])
	go r.pump(fds[1], fds[0])
	return r, nil
}

// packetSockets opens a raw packet socket on each named interface of the
// network namespace ns. The sockets are made on a thread moved into ns,
// which is never given back to the scheduler (it ends with its goroutine).
func packetSockets(ns string, names ...string) ([]int, error) {
	type result struct {
		fds []int
		err error
	}
	done := make(chan result, 1)
	go func() {
		runtime.LockOSThread() // not unlocked: the thread dies in ns
		var res result
		defer func() { done <- res }()
		f, err := os.Open("/var/run/netns/" + ns)
		if err != nil {
			res.err = err
			return
		}
		defer f.Close()
		if err := unix.Setns(int(f.Fd()), unix.CLONE_NEWNET); err != nil {
			res.err = fmt.Errorf("setns %s: %w", ns, err)
			return
		}
		proto := int(htons(unix.ETH_P_ALL))
		for _, name := range names {
			ifi, err := net.InterfaceByName(name)
			if err != nil {
				res.err = err
				return
			}
			fd, err := unix.Socket(unix.AF_PACKET, unix.SOCK_RAW, proto)
			if err != nil {
				res.err = err
				return
			}
			res.fds = append(res.fds, fd)
			if err := unix.Bind(fd, &unix.SockaddrLinklayer{Protocol: htons(unix.ETH_P_ALL), Ifindex: ifi.Index}); err != nil {
				res.err = err
				return
			}
			// A read wakes up now and then to see whether to stop.
			if err := unix.SetsockoptTimeval(fd, unix.SOL_SOCKET, unix.SO_RCVTIMEO, &unix.Timeval{Usec: 100_000}); err != nil {
				res.err = err
				return
			}
		}
	}()
	res := <-done
	if res.err != nil {
		for _, fd := range res.fds {
			unix.Close(fd)
		}
		return nil, res.err
	}
	return res.fds, nil
}

func htons(v uint16) uint16 { return v<<8 | v>>8 }

// pump reads frames arriving on from and writes them to to, delayed and
// thinned, in order.
func (r *frameRelay) pump(from, to int) {
	defer r.wg.Done()
	type frame struct {
		due time.Time
		b   []byte
	}
	queue := make(chan frame, 8192)
	sent := make(chan struct{})
	go func() {
		defer close(sent)
		for f := range queue {
			time.Sleep(time.Until(f.due))
			unix.Write(to, f.b)
		}
	}()
	defer func() { close(queue); <-sent }()
	buf := make([]byte, 1<<16)
	for !r.stop.Load() {
		n, src, err := unix.Recvfrom(from, buf, 0)
		if err != nil {
			if err == unix.EAGAIN || err == unix.EINTR {
				continue
			}
			return
		}
		if ll, ok := src.(*unix.SockaddrLinklayer); ok && ll.Pkttype == unix.PACKET_OUTGOING {
			continue // our own write on this interface
		}
		if rand.Float64() < r.loss {
			r.dropped.Add(1)
			continue
		}
		r.passed.Add(1)
		f := frame{due: time.Now().Add(r.delay), b: append([]byte(nil), buf[:n]...)}
		select {
		case queue <- f:
		default: // a full queue drops, as a full qdisc does
		}
	}
}

// close stops the relay and closes its sockets.
func (r *frameRelay) close() {
	r.stop.Store(true)
	r.wg.Wait()
	for _, fd := range r.fds {
		unix.Close(fd)
	}
}

// TestLabLossyLink checks the lossy link: calls to a node behind it still
// complete, slower by the delay each way, and (with the relay, which
// counts) some frames are dropped.
func TestLabLossyLink(t *testing.T) {
	l := newLab(t)
	a, b := l.addHost(), l.addHost()
	call := labRPCNode(t, a, b)
	eventually(t, "an RPC call across the data link", func() bool { _, err := call(); return err == nil })
	var fast time.Duration = time.Hour
	for range 5 {
		if d, err := call(); err == nil && d < fast {
			fast = d
		}
	}
	relay, restore := a.lossyLink(100*time.Millisecond, 0.10)
	var slow time.Duration = time.Hour
	for range 8 {
		d, err := call()
		if err != nil {
			continue // a call may lose its frames past its timeout
		}
		slow = min(slow, d)
	}
	// A handshake and a request cross the link four times, 100 ms each;
	// allow for a noisy machine timing whole processes.
	if slow == time.Hour || slow < fast+200*time.Millisecond {
		t.Fatalf("fastest call through the lossy link %v, without it %v", slow, fast)
	}
	if relay != nil {
		if relay.dropped.Load() == 0 || relay.passed.Load() == 0 {
			t.Fatalf("relay passed %d frames and dropped %d", relay.passed.Load(), relay.dropped.Load())
		}
	}
	restore()
	eventually(t, "a fast call once the link is restored", func() bool {
		d, err := call()
		return err == nil && d < fast+100*time.Millisecond
	})
}
