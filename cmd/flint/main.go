// Command flint is Flint's node, miner and tools.
package main

import (
	"fmt"
	"io"
	"os"

	"github.com/urfave/cli/v2"

	"github.com/flint-chain/flint/internal/version"
)

func main() {
	if err := run(os.Args); err != nil {
		fmt.Fprintln(os.Stderr, "flint:", err)
		os.Exit(1)
	}
}

// run builds the command tree and runs it; it is main without the exit, so
// tests can call it.
func run(args []string) error { return runWithOutput(args, os.Stdout) }

// runWithOutput is run with the commands' output going to out.
func runWithOutput(args []string, out io.Writer) error {
	app := &cli.App{
		Name:    "flint",
		Usage:   "a minimal proof-of-work cryptocurrency node",
		Version: version.String(),
		Commands: []*cli.Command{
			nodeCommand,
			rpcCommand,
			walletCommand,
			minerCommand,
			testnetCommand,
			versionCommand,
		},
		HideHelpCommand: true,
		Writer:          out,
		// A flag error is one sentence, not a help page.
		OnUsageError: func(_ *cli.Context, err error, _ bool) error { return err },
	}
	for _, c := range app.Commands {
		setUsageErrors(c, "flint")
	}
	return app.Run(args)
}

// versionCommand prints what flint --version does.
var versionCommand = &cli.Command{
	Name:  "version",
	Usage: "print the version and the commit flint was built from",
	Action: func(ctx *cli.Context) error {
		fmt.Fprintf(ctx.App.Writer, "flint version %s\n", version.String())
		return nil
	},
}

// setUsageErrors makes every (sub)command report a flag error as the error
// itself rather than the usage page.
func setUsageErrors(c *cli.Command, parent string) {
	path := parent + " " + c.Name
	c.OnUsageError = func(_ *cli.Context, err error, _ bool) error {
		return fmt.Errorf("%w (see %s --help)", err, path)
	}
	for _, sub := range c.Subcommands {
		setUsageErrors(sub, path)
	}
}
