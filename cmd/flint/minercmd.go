package main

import (
	"fmt"
	"runtime"
	"time"

	"github.com/urfave/cli/v2"

	"github.com/flint-chain/flint/miner/kernel"
)

var benchDurationFlag = &cli.DurationFlag{
	Name:  "duration",
	Usage: "time each kernel runs per thread count",
	Value: 3 * time.Second,
}

var minerCommand = &cli.Command{
	Name:  "miner",
	Usage: "mining tools",
	Subcommands: []*cli.Command{{
		Name:   "bench",
		Usage:  "measure each SHA-256d kernel this CPU supports, on one thread and on all",
		Flags:  []cli.Flag{benchDurationFlag},
		Action: runMinerBench,
	}},
}

func runMinerBench(ctx *cli.Context) error {
	d := ctx.Duration(benchDurationFlag.Name)
	threads := runtime.NumCPU()
	w := ctx.App.Writer
	fmt.Fprintf(w, "%-10s %14s %14s\n", "kernel", "1 thread", fmt.Sprintf("%d threads", threads))
	for _, k := range kernel.Available() {
		one := kernel.Bench(k, 1, d)
		all := kernel.Bench(k, threads, d)
		fmt.Fprintf(w, "%-10s %9.2f MH/s %9.2f MH/s\n", k.Name(), one/1e6, all/1e6)
	}
	return nil
}
