package main

import (
	"context"
	"errors"
	"fmt"
	"os"
	"os/signal"
	"strconv"
	"strings"
	"syscall"
	"time"

	"github.com/urfave/cli/v2"

	"github.com/flint-chain/flint/internal/testnet"
)

var testnetDirFlag = &cli.StringFlag{
	Name:    "dir",
	Usage:   "the network's directory (testnet.json and each node's data directory)",
	Value:   "flint-testnet",
	EnvVars: []string{"FLINT_TESTNET_DIR"},
}

var testnetCommand = &cli.Command{
	Name:  "testnet",
	Usage: "run a local network of several nodes on this machine",
	Description: `flint testnet up starts N flint node processes on 127.0.0.1, each on
free ports recorded in DIR/testnet.json, peered as a line (cutting one link
splits the network) or a full mesh, the first --miners mining to wallets it
creates. The other commands find the network through DIR.`,
	Subcommands: []*cli.Command{
		{
			Name:  "up",
			Usage: "start the network (or resume the one in --dir) and wait until all nodes share one tip",
			Flags: []cli.Flag{testnetDirFlag,
				&cli.IntFlag{Name: "n", Usage: "number of nodes", Value: 3},
				&cli.IntFlag{Name: "miners", Usage: "how many of the first nodes mine", Value: 2},
				&cli.IntFlag{Name: "threads", Usage: "mining threads per miner (test network)", Value: 1},
				&cli.StringFlag{Name: "network", Usage: "test (real difficulty, 10 s blocks) or regtest (a block every --period per miner)", Value: "regtest"},
				&cli.DurationFlag{Name: "period", Usage: "regtest: time between each miner's blocks", Value: 2 * time.Second},
				&cli.StringFlag{Name: "topology", Usage: "line or mesh", Value: testnet.Line},
				&cli.BoolFlag{Name: "detach", Usage: "return once the network runs, leaving the nodes in the background"},
			},
			Action: testnetUp,
		},
		{Name: "status", Usage: "each node's height, tip, peers, mempool and hash rate, and whether they agree",
			Flags: []cli.Flag{testnetDirFlag}, Action: testnetStatus},
		{
			Name:  "wait",
			Usage: "wait until every node has the same tip",
			Flags: []cli.Flag{testnetDirFlag,
				&cli.BoolFlag{Name: "same-tip", Usage: "wait for one tip on every node (the only condition so far)", Value: true},
				&cli.DurationFlag{Name: "timeout", Usage: "give up after this long, printing every node's tip", Value: time.Minute},
			},
			Action: testnetWait,
		},
		{Name: "down", Usage: "stop every node cleanly", Flags: []cli.Flag{testnetDirFlag}, Action: testnetDown},
		{Name: "logs", Usage: "all nodes' logs merged in time order, each line prefixed with its node",
			Flags: []cli.Flag{testnetDirFlag}, Action: testnetLogs},
		{Name: "add", Usage: "start one more node (not mining), peered by the topology, and wait until it has the tip",
			Flags: []cli.Flag{testnetDirFlag}, Action: testnetAdd},
		{Name: "fund", Usage: "pay AMOUNT (FLT) to ADDRESS from the first miner's wallet", ArgsUsage: "ADDRESS AMOUNT",
			Flags: []cli.Flag{testnetDirFlag}, Action: testnetFund},
		{
			Name: "mine", Usage: "mine N blocks now on one node", ArgsUsage: "N",
			Flags:  []cli.Flag{testnetDirFlag, &cli.IntFlag{Name: "node", Usage: "index of the node that mines"}},
			Action: testnetMine,
		},
		{Name: "partition", Usage: "cut the network into groups inside the nodes' p2p layer, e.g. partition 0,1 / 2",
			ArgsUsage: "GROUP / GROUP [/ GROUP…]", Flags: []cli.Flag{testnetDirFlag}, Action: testnetPartition},
		{Name: "heal", Usage: "undo partition: unban and redial the cut links", Flags: []cli.Flag{testnetDirFlag}, Action: testnetHeal},
	},
}

// openTestnet opens the network in --dir, run by this very binary.
func openTestnet(ctx *cli.Context) (*testnet.Network, error) {
	bin, err := os.Executable()
	if err != nil {
		return nil, err
	}
	return testnet.Open(ctx.String(testnetDirFlag.Name), bin)
}

func testnetUp(ctx *cli.Context) error {
	bin, err := os.Executable()
	if err != nil {
		return err
	}
	dir := ctx.String(testnetDirFlag.Name)
	nw, err := testnet.Open(dir, bin)
	if err == nil {
		fmt.Fprintf(ctx.App.Writer, "resuming the %d-node %s network in %s\n", len(nw.Cfg.Nodes), nw.Cfg.Network, dir)
	} else {
		if _, statErr := os.Stat(dir + "/" + testnet.ConfigFile); statErr == nil {
			return err // there is a network, but it cannot be read
		}
		nw, err = testnet.Create(dir, bin, ctx.Int("n"), testnet.Settings{
			Network: ctx.String("network"), Miners: ctx.Int("miners"), Threads: ctx.Int("threads"),
			Topology: ctx.String("topology"), BlockPeriod: testnet.Duration(ctx.Duration("period")),
		})
		if err != nil {
			return err
		}
	}
	sigCtx, stop := signal.NotifyContext(context.Background(), syscall.SIGINT, syscall.SIGTERM)
	defer stop()
	upCtx, cancel := context.WithTimeout(sigCtx, 3*time.Minute)
	defer cancel()
	detach := ctx.Bool("detach")
	if err := nw.Up(upCtx, detach); err != nil {
		return err
	}
	nw.WriteTable(ctx.App.Writer)
	if detach {
		fmt.Fprintf(ctx.App.Writer, "running in the background; flint testnet status --dir %s, and down to stop\n", dir)
		return nil
	}
	fmt.Fprintf(ctx.App.Writer, "all %d nodes share one tip; Ctrl-C stops them\n", len(nw.Cfg.Nodes))
	exited := nw.Exited(sigCtx)
	for alive := len(nw.Cfg.Nodes); alive > 0; alive-- {
		select {
		case <-sigCtx.Done():
			fmt.Fprintln(ctx.App.Writer, "stopping the nodes…")
			return nw.Down()
		case e := <-exited:
			fmt.Fprintf(ctx.App.ErrWriter, "%s exited (%v)\n", nw.Cfg.Nodes[e.Index].Name, e.Err)
		}
	}
	return errors.New("every node has exited")
}

func testnetStatus(ctx *cli.Context) error {
	nw, err := openTestnet(ctx)
	if err != nil {
		return err
	}
	testnet.WriteStatus(ctx.App.Writer, nw.Status(ctx.Context))
	return nil
}

func testnetWait(ctx *cli.Context) error {
	nw, err := openTestnet(ctx)
	if err != nil {
		return err
	}
	wctx, cancel := context.WithTimeout(ctx.Context, ctx.Duration("timeout"))
	defer cancel()
	if err := nw.WaitSameTip(wctx); err != nil {
		return err
	}
	tips, _ := nw.Tips(ctx.Context)
	fmt.Fprintf(ctx.App.Writer, "all %d nodes at height %d, tip %s\n", len(tips), tips[0].Height, tips[0].Hash)
	return nil
}

func testnetDown(ctx *cli.Context) error {
	nw, err := openTestnet(ctx)
	if err != nil {
		return err
	}
	return nw.Down()
}

func testnetLogs(ctx *cli.Context) error {
	nw, err := openTestnet(ctx)
	if err != nil {
		return err
	}
	return nw.WriteLogs(ctx.App.Writer)
}

func testnetAdd(ctx *cli.Context) error {
	nw, err := openTestnet(ctx)
	if err != nil {
		return err
	}
	actx, cancel := context.WithTimeout(ctx.Context, 3*time.Minute)
	defer cancel()
	i, err := nw.Add(actx)
	if err != nil {
		return err
	}
	n := nw.Cfg.Nodes[i]
	fmt.Fprintf(ctx.App.Writer, "%s runs (RPC http://%s, p2p %s) and has the network's tip\n", n.Name, n.RPCAddr, n.P2PAddr)
	return nil
}

func testnetFund(ctx *cli.Context) error {
	if ctx.NArg() != 2 {
		return errors.New("usage: flint testnet fund ADDRESS AMOUNT")
	}
	nw, err := openTestnet(ctx)
	if err != nil {
		return err
	}
	out, err := nw.Fund(ctx.Context, ctx.Args().Get(0), ctx.Args().Get(1))
	if err != nil {
		return err
	}
	fmt.Fprintln(ctx.App.Writer, out)
	return nil
}

func testnetMine(ctx *cli.Context) error {
	// "mine N --node I" as well as "mine --node I N": flags after the
	// argument are not parsed by the flag set, so they are read here.
	args, node := ctx.Args().Slice(), ctx.Int("node")
	if len(args) == 3 && (args[1] == "--node" || args[1] == "-node") {
		i, err := strconv.Atoi(args[2])
		if err != nil {
			return fmt.Errorf("--node %q is not a node index", args[2])
		}
		args, node = args[:1], i
	}
	n, err := strconv.Atoi(ctx.Args().First())
	if len(args) != 1 || err != nil || n < 1 {
		return errors.New("usage: flint testnet mine N [--node I], N a positive number of blocks")
	}
	nw, err := openTestnet(ctx)
	if err != nil {
		return err
	}
	if err := nw.Mine(ctx.Context, n, node); err != nil {
		return err
	}
	fmt.Fprintf(ctx.App.Writer, "mined %d blocks on node%d\n", n, node)
	return nil
}

func testnetPartition(ctx *cli.Context) error {
	nw, err := openTestnet(ctx)
	if err != nil {
		return err
	}
	groups, err := testnet.ParsePartition(strings.Join(ctx.Args().Slice(), " "), len(nw.Cfg.Nodes))
	if err != nil {
		return err
	}
	if err := nw.Partition(ctx.Context, groups); err != nil {
		return err
	}
	fmt.Fprintf(ctx.App.Writer, "partitioned: %v (heal with flint testnet heal)\n", groups)
	return nil
}

func testnetHeal(ctx *cli.Context) error {
	nw, err := openTestnet(ctx)
	if err != nil {
		return err
	}
	if err := nw.Heal(ctx.Context); err != nil {
		return err
	}
	fmt.Fprintln(ctx.App.Writer, "healed: the cut links are dialled again")
	return nil
}
