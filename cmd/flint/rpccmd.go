package main

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"path/filepath"
	"strings"
	"syscall"
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
	rpcWaitFlag = &cli.DurationFlag{
		Name:  "wait",
		Usage: "wait up to this long for a node that is starting (no cookie yet, connection refused), like bitcoin-cli -rpcwait",
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
directory unless --rpc.user/--rpc.password or --rpc.cookie say otherwise.
"flint rpc help" lists the node's methods, "flint rpc help METHOD" describes
one.`,
	Flags:  append(append([]cli.Flag{}, rpcClientFlags...), rpcTimeoutFlag, rpcWaitFlag),
	Action: runRPC,
	// "help" is the node's method (flint rpc help getblock), not the
	// CLI's help command: --help shows this page.
	HideHelpCommand: true,
}

func runRPC(ctx *cli.Context) error {
	if ctx.NArg() < 1 {
		return fmt.Errorf("which method? (try: flint rpc help)")
	}
	params := make([]any, 0, ctx.NArg()-1)
	for _, arg := range ctx.Args().Slice()[1:] {
		params = append(params, cliParam(arg))
	}
	result, err := callWaiting(ctx, ctx.Args().First(), params)
	if err != nil {
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

// rpcWaitPoll is how often --wait tries a node that is not answering yet.
const rpcWaitPoll = 100 * time.Millisecond

// callWaiting calls method once the node answers. Without --wait that is
// one try. With --wait it retries, until the wait is over, the failures
// that mean the call never reached a running node: no cookie file yet, a
// refused connection, credentials from a previous run's cookie. A call the
// node received is never sent twice.
func callWaiting(ctx *cli.Context, method string, params []any) (json.RawMessage, error) {
	wait := ctx.Duration(rpcWaitFlag.Name)
	deadline := time.Now().Add(wait)
	for {
		result, err := callOnce(ctx, method, params)
		if err == nil || wait <= 0 || !errors.Is(err, errNotUp) {
			return result, err
		}
		if time.Now().After(deadline) {
			return nil, fmt.Errorf("the node did not answer within --wait %v; last try: %w", wait, err)
		}
		time.Sleep(rpcWaitPoll)
	}
}

// errNotUp marks the failures of callOnce that mean no running node has
// seen the call.
var errNotUp = errors.New("node not up")

// notUpError is an error of callOnce that --wait may retry.
type notUpError struct{ err error }

func (e notUpError) Error() string        { return e.err.Error() }
func (e notUpError) Unwrap() error        { return e.err }
func (e notUpError) Is(target error) bool { return target == errNotUp }

// callOnce reads the credentials and makes the call, within --timeout.
func callOnce(ctx *cli.Context, method string, params []any) (json.RawMessage, error) {
	client, err := newRPCClient(ctx)
	if err != nil {
		if errors.Is(err, rpc.ErrNoCookie) {
			return nil, notUpError{err}
		}
		return nil, err
	}
	callCtx, cancel := context.WithTimeout(context.Background(), ctx.Duration(rpcTimeoutFlag.Name))
	defer cancel()
	var result json.RawMessage
	err = client.Call(callCtx, method, params, &result)
	if errors.Is(err, syscall.ECONNREFUSED) || errors.Is(err, rpc.ErrUnauthorized) {
		return nil, notUpError{err}
	}
	return result, err
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
