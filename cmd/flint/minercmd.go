package main

import (
	"context"
	"fmt"
	"log/slog"
	"runtime"
	"time"

	"github.com/urfave/cli/v2"

	"github.com/flint-chain/flint/chain"
	"github.com/flint-chain/flint/miner"
	"github.com/flint-chain/flint/miner/kernel"
	"github.com/flint-chain/flint/rpc"
)

var benchDurationFlag = &cli.DurationFlag{
	Name:  "duration",
	Usage: "time each kernel runs per thread count",
	Value: 3 * time.Second,
}

var kernelFlag = &cli.StringFlag{
	Name:    "kernel",
	Usage:   "SHA-256d kernel to use (avx512, sha-ni, avx2, generic); the fastest that passed its self-test if empty",
	EnvVars: []string{"FLINT_KERNEL"},
}

// chosenKernel returns the kernel --kernel names, or nil for the default.
func chosenKernel(ctx *cli.Context) (kernel.Kernel, error) {
	name := ctx.String(kernelFlag.Name)
	if name == "" {
		return nil, nil
	}
	k, err := kernel.ByName(name)
	if err != nil {
		return nil, fmt.Errorf("--kernel: %w", err)
	}
	return k, nil
}

// minerAddressFlag is checked in runExternalMiner rather than marked
// Required: a required flag of "miner" would be demanded of "miner bench"
// too.
var minerAddressFlag = &cli.StringFlag{
	Name:    "address",
	Usage:   "address the mined coinbases pay (required)",
	EnvVars: []string{"FLINT_MINE_ADDRESS"},
}

var minerCommand = &cli.Command{
	Name:  "miner",
	Usage: "mine for a node over JSON-RPC (getblocktemplate / submitblock), or benchmark the kernels",
	Description: `flint miner --rpc URL --address ADDR [--threads N] runs the
search in this process, on this machine, for a node that may be elsewhere:
it takes block templates from the node, follows its tip, and submits what
it solves.`,
	Flags: append(append([]cli.Flag{}, rpcClientFlags...), minerAddressFlag, threadsFlag, kernelFlag, logLevelFlag, logFormatFlag,
		logFileFlag, logMaxSizeFlag, logMaxBackupsFlag, logCompressFlag),
	Action: runExternalMiner,
	Subcommands: []*cli.Command{{
		Name:   "bench",
		Usage:  "self-test and measure each SHA-256d kernel this CPU supports (or --kernel), on one thread and on all",
		Flags:  []cli.Flag{benchDurationFlag, kernelFlag, threadsFlag},
		Action: runMinerBench,
	}},
}

func runMinerBench(ctx *cli.Context) error {
	d := ctx.Duration(benchDurationFlag.Name)
	threads := ctx.Int(threadsFlag.Name)
	if threads <= 0 {
		threads = runtime.NumCPU()
	}
	w := ctx.App.Writer
	for _, r := range kernel.SelfTestResults() {
		verdict := "passed"
		if r.Err != nil {
			verdict = fmt.Sprintf("FAILED, never used: %v", r.Err)
		}
		fmt.Fprintf(w, "self-test %-8s %s\n", r.Kernel, verdict)
	}
	ks := kernel.Available()
	if k, err := chosenKernel(ctx); err != nil {
		return err
	} else if k != nil {
		ks = []kernel.Kernel{k}
	}
	fmt.Fprintf(w, "%-10s %14s %14s %8s\n", "kernel", "1 thread", fmt.Sprintf("%d threads", threads), "ratio")
	for _, k := range ks {
		one := kernel.Bench(k, 1, d)
		all := kernel.Bench(k, threads, d)
		fmt.Fprintf(w, "%-10s %9.2f MH/s %9.2f MH/s %7.2fx\n", k.Name(), one/1e6, all/1e6, all/one)
	}
	return nil
}

// tipPollInterval is how often the external miner asks the node for its
// tip; a change makes the workers drop their template.
const tipPollInterval = 500 * time.Millisecond

func runExternalMiner(ctx *cli.Context) error {
	log, closeLog, err := newLogger(ctx)
	if err != nil {
		return err
	}
	defer closeLog()
	params, err := chain.ParamsByName(ctx.String(networkFlag.Name))
	if err != nil {
		return err
	}
	address := ctx.String(minerAddressFlag.Name)
	if address == "" {
		return fmt.Errorf("flint miner needs --address, the address its blocks pay")
	}
	payTo, err := chain.DecodeAddress(params, address)
	if err != nil {
		return fmt.Errorf("--address: %w", err)
	}
	k, err := chosenKernel(ctx)
	if err != nil {
		return err
	}
	client, err := newRPCClient(ctx)
	if err != nil {
		return err
	}
	runCtx, stop := shutdownContext(log.Info)
	defer stop()
	if err := client.WaitReady(runCtx); err != nil {
		return fmt.Errorf("node not reachable: %w", err)
	}

	m, err := miner.New(miner.Config{
		Params: params,
		Template: func() (*miner.Template, error) {
			t, err := client.GetBlockTemplate(runCtx, address)
			if err != nil {
				return nil, err
			}
			b, err := t.DecodeBlock()
			if err != nil {
				return nil, err
			}
			return miner.TemplateFromBlock(params, b, t.Height)
		},
		ProcessBlock: func(ctx context.Context, b *chain.Block) (chain.ProcessResult, error) {
			reason, err := client.SubmitBlock(ctx, b)
			if err == nil && reason != "" {
				err = fmt.Errorf("node refused the block: %s", reason)
			}
			// A coinbase's locktime is its block's height.
			return chain.ProcessResult{Hash: b.BlockHash(), Height: b.Txs[0].LockTime}, err
		},
		PayTo:   payTo,
		Threads: ctx.Int(threadsFlag.Name),
		Kernel:  k,
		Logger:  log,
	})
	if err != nil {
		return err
	}
	go followTip(runCtx, client, m, log)
	return m.Run(runCtx)
}

// followTip polls the node's best block and tells the miner when it moves.
func followTip(ctx context.Context, client *rpc.Client, m *miner.Miner, log *slog.Logger) {
	ticker := time.NewTicker(tipPollInterval)
	defer ticker.Stop()
	var last chain.Hash
	for {
		select {
		case <-ctx.Done():
			return
		case <-ticker.C:
			h, err := client.GetBestBlockHash(ctx)
			if err != nil {
				log.Warn("asking the node for its tip", "err", err)
				continue
			}
			if h != last {
				last = h
				m.NotifyNewTip()
			}
		}
	}
}
