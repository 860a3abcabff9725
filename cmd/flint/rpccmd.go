package main

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"path/filepath"
	"strings"
	"time"

	"github.com/urfave/cli/v2"

	"github.com/flint-chain/flint/chain"
	"github.com/flint-chain/flint/rpc"
)

var (
	rpcURLFlag = &cli.StringFlag{
		Name:    "rpc.url",
		Aliases: []string{"rpc"},
		Usage:   "node's JSON-RPC URL (default: http://127.0.0.1 and the network's RPC port)",
		EnvVars: []string{"FLINT_RPC_URL"},
	}
	rpcCookieFlag = &cli.StringFlag{
		Name:    "rpc.cookie",
		Usage:   "cookie file (default: .cookie in the data directory)",
		EnvVars: []string{"FLINT_RPC_COOKIE"},
	}
	rpcTimeoutFlag = &cli.DurationFlag{
		Name:  "timeout",
		Usage: "how long to wait for the answer",
		Value: 30 * time.Second,
	}
)

// rpcClientFlags are the flags every command that talks to a node takes.
var rpcClientFlags = []cli.Flag{networkFlag, dataDirFlag, rpcURLFlag, rpcCookieFlag, rpcUserFlag, rpcPasswordFlag}

var rpcCommand = &cli.Command{
	Name:      "rpc",
	Usage:     "call a node's JSON-RPC method, like bitcoin-cli",
	ArgsUsage: "METHOD [PARAMS...]",
	Description: `Each parameter is read as JSON when it parses as JSON (numbers, true,
false, null, arrays, objects) and as a string otherwise, so
  flint rpc getblockhash 10
  flint rpc getbalance rflt1p...
work as they do with bitcoin-cli. The cookie is read from the data
directory unless --rpc.user/--rpc.password or --rpc.cookie say otherwise.`,
	Flags:  append(append([]cli.Flag{}, rpcClientFlags...), rpcTimeoutFlag),
	Action: runRPC,
}

func runRPC(ctx *cli.Context) error {
	if ctx.NArg() < 1 {
		return fmt.Errorf("which method? (try: flint rpc help)")
	}
	client, err := newRPCClient(ctx)
	if err != nil {
		return err
	}
	params := make([]any, 0, ctx.NArg()-1)
	for _, arg := range ctx.Args().Slice()[1:] {
		params = append(params, cliParam(arg))
	}
	callCtx, cancel := context.WithTimeout(context.Background(), ctx.Duration(rpcTimeoutFlag.Name))
	defer cancel()
	var result json.RawMessage
	if err := client.Call(callCtx, ctx.Args().First(), params, &result); err != nil {
		return err
	}
	var out bytes.Buffer
	if err := json.Indent(&out, result, "", "  "); err != nil || bytes.HasPrefix(result, []byte(`"`)) {
		var s string
		if json.Unmarshal(result, &s) == nil {
			fmt.Fprintln(ctx.App.Writer, s) // strings print bare, as bitcoin-cli does
			return nil
		}
		out.Reset()
		out.Write(result)
	}
	fmt.Fprintln(ctx.App.Writer, out.String())
	return nil
}

// cliParam reads a command-line parameter as JSON if it is JSON, else as a
// string. Hex strings that happen to be all digits are numbers to JSON; a
// caller wanting a string there quotes it ("'\"123\"'").
func cliParam(arg string) any {
	var v json.RawMessage
	if json.Unmarshal([]byte(arg), &v) == nil {
		return v
	}
	return arg
}

// newRPCClient builds a client from the flags: URL from --rpc.url or the
// network's default, credentials from --rpc.user/--rpc.password, else the
// cookie file.
func newRPCClient(ctx *cli.Context) (*rpc.Client, error) {
	params, err := chain.ParamsByName(ctx.String(networkFlag.Name))
	if err != nil {
		return nil, err
	}
	url := ctx.String(rpcURLFlag.Name)
	if url == "" {
		url = fmt.Sprintf("http://127.0.0.1:%d", params.DefaultRPCPort)
	}
	if !strings.Contains(url, "://") {
		url = "http://" + url
	}
	if user := ctx.String(rpcUserFlag.Name); user != "" {
		return rpc.NewClient(url, rpc.Auth{User: user, Password: ctx.String(rpcPasswordFlag.Name)}), nil
	}
	cookie := ctx.String(rpcCookieFlag.Name)
	if cookie == "" {
		dd := ctx.String(dataDirFlag.Name)
		if dd == "" {
			if dd, err = defaultDataDir(params); err != nil {
				return nil, err
			}
		}
		cookie = filepath.Join(dd, rpc.CookieFile)
	}
	auth, err := rpc.ReadCookie(cookie)
	if err != nil {
		return nil, err
	}
	return rpc.NewClient(url, auth), nil
}
