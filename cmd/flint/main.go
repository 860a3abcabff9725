// Command flint is Flint's node, miner and tools.
package main

import (
	"fmt"
	"os"

	"github.com/urfave/cli/v2"
)

func main() {
	if err := run(os.Args); err != nil {
		fmt.Fprintln(os.Stderr, "flint:", err)
		os.Exit(1)
	}
}

// run builds the command tree and runs it; it is main without the exit, so
// tests can call it.
func run(args []string) error {
	app := &cli.App{
		Name:  "flint",
		Usage: "a minimal proof-of-work cryptocurrency node",
		Commands: []*cli.Command{
			nodeCommand,
			rpcCommand,
			walletCommand,
			minerCommand,
		},
		HideHelpCommand: true,
	}
	return app.Run(args)
}
