package main

import (
	"fmt"
	"log/slog"

	"github.com/urfave/cli/v2"

	"github.com/flint-chain/flint/sigverify"
)

var sigVerifyFlag = &cli.StringFlag{
	Name:    "sigverify",
	Usage:   "signature verifier: btcec, purego or libsecp256k1 (a build with -tags libsecp256k1); default the fastest pure-Go one that passes its self-test",
	EnvVars: []string{"FLINT_SIGVERIFY"},
}

// sigVerifier returns the --sigverify backend after its self-test, or nil
// for the default, and logs which one checks signatures.
func sigVerifier(ctx *cli.Context, log *slog.Logger) (sigverify.Verifier, error) {
	name := ctx.String(sigVerifyFlag.Name)
	if name == "" {
		log.Info("signature verifier", "backend", sigverify.Default().Name())
		return nil, nil
	}
	v, err := sigverify.Lookup(name)
	if err != nil {
		return nil, fmt.Errorf("--sigverify: %w", err)
	}
	log.Info("signature verifier", "backend", v.Name())
	return v, nil
}
