package main

import (
	"errors"
	"fmt"
	"io"
	"strings"

	"github.com/urfave/cli/v2"

	"github.com/flint-chain/flint/chain"
	"github.com/flint-chain/flint/wallet"
)

// The send command.

func runWalletSend(ctx *cli.Context) error {
	var pay wallet.Payment
	var yes bool
	check := func(e *walletEnv) error {
		pay.To = strings.TrimSpace(ctx.String(walletSendToFlag.Name))
		if _, err := chain.DecodeAddress(e.params, pay.To); err != nil {
			return fmt.Errorf("--to: %w", err)
		}
		pay.All = ctx.Bool(walletSendAllFlag.Name)
		pay.SubtractFee = ctx.Bool(walletSubtractFeeFlag.Name)
		switch {
		case pay.All && ctx.IsSet(walletSendAmountFlag.Name):
			return errors.New("--amount and --all do not go together: --all sends every spendable coin")
		case !pay.All && !ctx.IsSet(walletSendAmountFlag.Name):
			return errors.New("--amount is required (or --all to send every spendable coin)")
		case !pay.All:
			amount, err := chain.ParsePositiveAmount(ctx.String(walletSendAmountFlag.Name))
			if err != nil {
				return fmt.Errorf("--amount: %w", err)
			}
			pay.Amount = amount
		}
		pay.FeeRate = ctx.Uint64(walletFeeRateFlag.Name)
		if ctx.IsSet(walletFeeRateFlag.Name) && pay.FeeRate == 0 {
			return errors.New("--fee-rate must be at least 1 unit per byte")
		}
		yes = ctx.Bool(walletYesFlag.Name)
		if _, _, tty := e.stdin(); !yes && !tty {
			return errors.New("refusing to send without confirmation: pass --yes when not running in a terminal")
		}
		return nil
	}
	run := func(s *walletSession) (walletOutput, error) {
		d, err := s.wallet.CreateTransaction(s.rctx, s.node, pay)
		if err != nil {
			return walletOutput{}, err
		}
		if !yes {
			from := ""
			if d.FeeFromAmount {
				from = ", taken from the amount"
			}
			fmt.Fprintf(ctx.App.ErrWriter, "Pay        %s FLT\nto         %s\nfee        %s FLT (%d units/byte, %d bytes%s)\nchange     %s FLT\n",
				d.Amount, d.To, d.Fee, d.FeeRate, d.Size, from, d.Change)
			answer, err := s.prompt("Send? [y/N] ", false)
			if err != nil {
				return walletOutput{}, err
			}
			if a := strings.ToLower(strings.TrimSpace(answer)); a != "y" && a != "yes" {
				return walletOutput{}, errors.New("not sent")
			}
		}
		// The question may have waited long: the broadcast gets a fresh
		// deadline of its own.
		sctx, scancel := rpcContext()
		defer scancel()
		txid, err := s.wallet.Send(sctx, s.node, d)
		if err != nil {
			return walletOutput{}, err
		}
		return walletOutput{
			json: map[string]any{"txid": txid, "amount": d.Amount, "fee": d.Fee, "change": d.Change,
				"change_address": d.ChangeAddress, "size": d.Size, "fee_rate": d.FeeRate},
			text: func(out io.Writer) error {
				_, err := fmt.Fprintln(out, txid)
				return err
			},
		}, nil
	}
	return walletOp{check: check, run: run}.action(ctx)
}
