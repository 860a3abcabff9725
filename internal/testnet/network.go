package testnet

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"errors"
	"fmt"
	"log/slog"
	"os"
	"path/filepath"
	"strings"
	"time"

	"github.com/flint-chain/flint/chain"
	"github.com/flint-chain/flint/rpc"
	"github.com/flint-chain/flint/wallet"
)

// Network is a testnet directory and the node processes this program
// started in it.
type Network struct {
	// Dir is the network's directory.
	Dir string
	// Bin is the flint binary the nodes run.
	Bin string
	// Cfg is testnet.json's content.
	Cfg *Config

	procs   map[int]*process
	clients map[int]*rpc.Client
}

// Create makes a new network of n nodes in dir: it picks free ports,
// creates the miners' wallets and writes testnet.json. It refuses a
// directory that already holds a network (Open resumes one).
func Create(dir, bin string, n int, s Settings) (*Network, error) {
	if err := s.Check(n); err != nil {
		return nil, err
	}
	if _, err := os.Stat(filepath.Join(dir, ConfigFile)); err == nil {
		return nil, fmt.Errorf("%s already holds a testnet", dir)
	}
	if err := os.MkdirAll(dir, 0o700); err != nil {
		return nil, err
	}
	nw := &Network{Dir: dir, Bin: bin, Cfg: &Config{Settings: s}, procs: map[int]*process{}, clients: map[int]*rpc.Client{}}
	if err := nw.writePassphrase(); err != nil {
		return nil, err
	}
	for i := 0; i < n; i++ {
		if _, err := nw.newNode(i < s.Miners); err != nil {
			return nil, err
		}
	}
	return nw, nw.Cfg.Save(dir)
}

// Open loads the network in dir.
func Open(dir, bin string) (*Network, error) {
	cfg, err := LoadConfig(dir)
	if err != nil {
		if errors.Is(err, os.ErrNotExist) {
			return nil, fmt.Errorf("no testnet in %s (start one with flint testnet up)", dir)
		}
		return nil, err
	}
	return &Network{Dir: dir, Bin: bin, Cfg: cfg, procs: map[int]*process{}, clients: map[int]*rpc.Client{}}, nil
}

// DataDir returns node i's data directory.
func (nw *Network) DataDir(i int) string { return filepath.Join(nw.Dir, nw.Cfg.Nodes[i].Name) }

// writePassphrase writes the miners' wallet passphrase: the public dev
// passphrase on regtest, a random one on test.
func (nw *Network) writePassphrase() error {
	pass := wallet.DevPassphrase
	if nw.Cfg.Network != "regtest" {
		var b [16]byte
		if _, err := rand.Read(b[:]); err != nil {
			return err
		}
		pass = hex.EncodeToString(b[:])
	}
	return os.WriteFile(filepath.Join(nw.Dir, PassphraseFile), []byte(pass+"\n"), 0o600)
}

// newNode appends a node with fresh ports and, for a miner, a new wallet.
func (nw *Network) newNode(miner bool) (int, error) {
	i := len(nw.Cfg.Nodes)
	n := &Node{Name: fmt.Sprintf("node%d", i), Miner: miner}
	nw.Cfg.Nodes = append(nw.Cfg.Nodes, n)
	if err := nw.assignPorts(i); err != nil {
		return 0, err
	}
	if !miner {
		return i, nil
	}
	if err := os.MkdirAll(nw.DataDir(i), 0o700); err != nil {
		return 0, err
	}
	params, err := nw.Cfg.Params()
	if err != nil {
		return 0, err
	}
	pass, err := os.ReadFile(filepath.Join(nw.Dir, PassphraseFile))
	if err != nil {
		return 0, err
	}
	mnemonic, err := wallet.NewMnemonic()
	if err != nil {
		return 0, err
	}
	n.Wallet = filepath.Join(nw.DataDir(i), "wallet.flw")
	w, err := wallet.Create(n.Wallet, params, mnemonic, "", []byte(strings.TrimSpace(string(pass))),
		wallet.WithLogger(slog.New(slog.DiscardHandler)))
	if err != nil {
		return 0, fmt.Errorf("%s's wallet: %w", n.Name, err)
	}
	defer w.Close()
	addrs, err := w.Addresses(wallet.ReceiveBranch)
	if err != nil || len(addrs) == 0 {
		return 0, fmt.Errorf("%s's wallet has no address: %v", n.Name, err)
	}
	n.Address = addrs[0]
	return i, nil
}

// assignPorts gives node i free RPC and p2p ports, keeping the recorded
// ones while they are still free.
func (nw *Network) assignPorts(i int) error {
	n := nw.Cfg.Nodes[i]
	if port := rpcPort(n.RPCAddr); port == 0 || !portFree(port) {
		p, err := freePort()
		if err != nil {
			return err
		}
		n.RPCAddr = fmt.Sprintf("127.0.0.1:%d", p)
	}
	if n.P2PPort == 0 || !portFree(n.P2PPort) {
		p, err := freePort()
		if err != nil {
			return err
		}
		n.P2PPort, n.P2PAddr = p, "" // learned again once it runs
	}
	if port := rpcPort(n.HTTPAddr); port == 0 || !portFree(port) {
		p, err := freePort()
		if err != nil {
			return err
		}
		n.HTTPAddr = fmt.Sprintf("127.0.0.1:%d", p)
	}
	return nil
}

func rpcPort(addr string) int {
	var port int
	if i := strings.LastIndexByte(addr, ':'); i >= 0 {
		fmt.Sscan(addr[i+1:], &port)
	}
	return port
}

// Up starts every node that is not running, one after the other (each
// learns the addresses of those before it), and returns once all have
// their topology's peers and one tip. On a fresh regtest network it first
// mines the miners' first coins to maturity, so that Fund works at once.
// detach starts the nodes in their own sessions, to outlive this program.
// A failure or ctx's end stops the nodes Up started.
func (nw *Network) Up(ctx context.Context, detach bool) (err error) {
	fresh := true
	for _, n := range nw.Cfg.Nodes {
		fresh = fresh && n.PeerID == ""
	}
	var started []int
	defer func() {
		if err != nil {
			for _, i := range started {
				nw.stopNode(i, 10*time.Second)
			}
			nw.Cfg.Save(nw.Dir)
		}
	}()
	for i := range nw.Cfg.Nodes {
		if nw.running(i) {
			continue
		}
		if err := nw.assignPorts(i); err != nil {
			return err
		}
		if err := nw.startNode(i, detach); err != nil {
			return err
		}
		started = append(started, i)
		if err := nw.learnAddress(ctx, i); err != nil {
			return err
		}
		if err := nw.Cfg.Save(nw.Dir); err != nil {
			return err
		}
	}
	if err := nw.WaitConnected(ctx); err != nil {
		return err
	}
	if fresh && nw.Cfg.Network == "regtest" && nw.Cfg.Miners > 0 {
		if err := nw.premine(ctx); err != nil {
			return err
		}
	}
	return nw.WaitSameTip(ctx)
}

// premine mines one block to each miner, then enough on the first to
// mature those coinbases.
func (nw *Network) premine(ctx context.Context) error {
	for i, n := range nw.Cfg.Nodes {
		if n.Miner {
			if err := nw.Mine(ctx, 1, i); err != nil {
				return err
			}
		}
	}
	params, err := nw.Cfg.Params()
	if err != nil {
		return err
	}
	return nw.Mine(ctx, int(params.CoinbaseMaturity), 0)
}

// learnAddress waits for node i's RPC and records its peer id and the
// full multiaddr of its 127.0.0.1 listener.
func (nw *Network) learnAddress(ctx context.Context, i int) error {
	n := nw.Cfg.Nodes[i]
	ctx, cancel := context.WithTimeout(ctx, 60*time.Second)
	defer cancel()
	c, err := nw.Client(ctx, i)
	if err != nil {
		return err
	}
	want := fmt.Sprintf("/ip4/127.0.0.1/tcp/%d/p2p/", n.P2PPort)
	for {
		info, err := nw.networkInfo(ctx, c)
		if err == nil {
			for _, a := range info.LocalAddresses {
				if strings.HasPrefix(a, want) {
					n.P2PAddr, n.PeerID = a, strings.TrimPrefix(a, want)
					return nil
				}
			}
		}
		if err := nw.exitedEarly(i); err != nil {
			return err
		}
		select {
		case <-ctx.Done():
			return fmt.Errorf("%s did not report a p2p address %s… (%v); see %s", n.Name, want, err,
				filepath.Join(nw.DataDir(i), LogFile))
		case <-time.After(100 * time.Millisecond):
		}
	}
}

// exitedEarly returns an error naming the log if node i, started here,
// has exited.
func (nw *Network) exitedEarly(i int) error {
	p := nw.procs[i]
	if p == nil {
		return nil
	}
	select {
	case <-p.done:
		return fmt.Errorf("%s exited (%v); its log: %s", nw.Cfg.Nodes[i].Name, p.err,
			filepath.Join(nw.DataDir(i), LogFile))
	default:
		return nil
	}
}

// Client returns an RPC client of node i, reading its cookie (waiting up
// to ctx for the node to write it and answer).
func (nw *Network) Client(ctx context.Context, i int) (*rpc.Client, error) {
	if c := nw.clients[i]; c != nil {
		return c, nil
	}
	cookie := filepath.Join(nw.DataDir(i), rpc.CookieFile)
	for {
		auth, err := rpc.ReadCookie(cookie)
		if err == nil {
			c := rpc.NewClient("http://"+nw.Cfg.Nodes[i].RPCAddr, auth)
			if err := c.WaitReady(ctx); err != nil {
				return nil, fmt.Errorf("%s's RPC: %w", nw.Cfg.Nodes[i].Name, err)
			}
			nw.clients[i] = c
			return c, nil
		}
		if err := nw.exitedEarly(i); err != nil {
			return nil, err
		}
		select {
		case <-ctx.Done():
			return nil, fmt.Errorf("%s's RPC cookie %s: %w", nw.Cfg.Nodes[i].Name, cookie, err)
		case <-time.After(50 * time.Millisecond):
		}
	}
}

// forgetClient drops node i's cached client (its cookie changes when it
// restarts).
func (nw *Network) forgetClient(i int) { delete(nw.clients, i) }

// Down stops every node cleanly.
func (nw *Network) Down() error {
	var errs []error
	for i := range nw.Cfg.Nodes {
		if err := nw.stopNode(i, 15*time.Second); err != nil {
			errs = append(errs, err)
		}
		nw.forgetClient(i)
	}
	if err := nw.Cfg.Save(nw.Dir); err != nil {
		errs = append(errs, err)
	}
	return errors.Join(errs...)
}

// StopNode stops node i cleanly; StartNode starts it again (attached to
// this program) and waits for its RPC.
func (nw *Network) StopNode(i int) error {
	err := nw.stopNode(i, 15*time.Second)
	nw.forgetClient(i)
	return errors.Join(err, nw.Cfg.Save(nw.Dir))
}

// StartNode starts node i if it is not running and waits until it
// answers RPC.
func (nw *Network) StartNode(ctx context.Context, i int) error {
	if nw.running(i) {
		return nil
	}
	nw.forgetClient(i)
	if err := nw.startNode(i, false); err != nil {
		return err
	}
	if err := nw.learnAddress(ctx, i); err != nil {
		return err
	}
	return nw.Cfg.Save(nw.Dir)
}

// Add appends a node (not mining) with extra node flags, starts it and
// waits until it is peered and on the network's tip. It returns the new
// node's index.
func (nw *Network) Add(ctx context.Context, extraArgs ...string) (int, error) {
	i, err := nw.newNode(false)
	if err != nil {
		return 0, err
	}
	nw.Cfg.Nodes[i].ExtraArgs = extraArgs
	if err := nw.Cfg.Save(nw.Dir); err != nil {
		return 0, err
	}
	if err := nw.StartNode(ctx, i); err != nil {
		return i, err
	}
	if err := nw.WaitConnected(ctx); err != nil {
		return i, err
	}
	return i, nw.WaitSameTip(ctx)
}

// Mine mines n blocks on node i (generatetoaddress), paying node i's
// address or, for a node that does not mine, the first miner's.
func (nw *Network) Mine(ctx context.Context, n, i int) error {
	if i < 0 || i >= len(nw.Cfg.Nodes) {
		return fmt.Errorf("no node %d in a network of %d", i, len(nw.Cfg.Nodes))
	}
	addr := nw.Cfg.Nodes[i].Address
	for _, m := range nw.Cfg.Nodes {
		if addr == "" && m.Miner {
			addr = m.Address
		}
	}
	if addr == "" {
		return errors.New("no miner's address to mine to (the network has no miners)")
	}
	c, err := nw.Client(ctx, i)
	if err != nil {
		return err
	}
	_, err = c.GenerateToAddress(ctx, n, addr)
	return err
}

// Params returns the network's chain parameters.
func (nw *Network) Params() *chain.Params {
	p, _ := nw.Cfg.Params() // checked when the config was loaded or created
	return p
}
