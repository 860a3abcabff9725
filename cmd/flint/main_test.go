package main

import (
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/flint-chain/flint/chain"
	"github.com/flint-chain/flint/internal/version"
)

func TestNodeFlagErrors(t *testing.T) {
	cases := []struct {
		name string
		args []string
		want string
	}{
		{"mine without address", []string{"node", "--network", "regtest", "--datadir", t.TempDir(), "--mine"}, "--mine needs --mine.address"},
		{"unknown network", []string{"node", "--network", "moon"}, "unknown network"},
		{"address of another network", []string{"node", "--network", "regtest", "--datadir", t.TempDir(),
			"--mine.address", mainAddress(t)}, "not this network's"},
		{"mining address of another network", []string{"node", "--network", "regtest", "--datadir", t.TempDir(),
			"--mining.address", mainAddress(t)}, "not this network's"},
		{"bad log level", []string{"node", "--log.level", "loud"}, "--log.level"},
		{"mine period without address", []string{"node", "--network", "regtest", "--datadir", t.TempDir(),
			"--mine.period", "1s"}, "--mine.period needs --mine.address"},
		{"negative mine period", []string{"node", "--network", "regtest", "--datadir", t.TempDir(),
			"--mine.period", "-1s"}, "--mine.period must be positive"},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			err := run(append([]string{"flint"}, c.args...))
			if err == nil || !strings.Contains(err.Error(), c.want) {
				t.Fatalf("got %v, want an error mentioning %q", err, c.want)
			}
		})
	}
}

// mainAddress returns a valid main-network address.
func mainAddress(t *testing.T) string {
	p := chain.MainNetParams()
	return chain.EncodeAddress(p, p.GenesisBlock.Txs[0].Outputs[0].PubKey)
}

func TestNodeConfigFile(t *testing.T) {
	dir := t.TempDir()
	cfgPath := filepath.Join(dir, "flint.toml")
	if err := os.WriteFile(cfgPath, []byte("network = \"moon\"\n[mine]\nthreads = 3\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	// The file's setting is read...
	err := run([]string{"flint", "node", "--config", cfgPath, "--datadir", dir})
	if err == nil || !strings.Contains(err.Error(), `unknown network "moon"`) {
		t.Fatalf("config network: %v", err)
	}
	// ...and a flag wins over it.
	err = run([]string{"flint", "node", "--config", cfgPath, "--network", "regtest", "--datadir", dir, "--mine"})
	if err == nil || !strings.Contains(err.Error(), "--mine needs --mine.address") {
		t.Fatalf("flag over config: %v", err)
	}
	// A file that is not TOML is a clear error.
	if err := os.WriteFile(cfgPath, []byte("network = = ="), 0o600); err != nil {
		t.Fatal(err)
	}
	if err := run([]string{"flint", "node", "--config", cfgPath}); err == nil || !strings.Contains(err.Error(), "TOML") {
		t.Fatalf("malformed config: %v", err)
	}
}

func TestFlagErrorIsOneSentence(t *testing.T) {
	err := run([]string{"flint", "wallet", "send", "--fee-rate", "-1"})
	if err == nil || strings.Contains(err.Error(), "\n") || !strings.Contains(err.Error(), "flint wallet send --help") {
		t.Fatalf("flag error: %q", err)
	}
}

func TestMinerBench(t *testing.T) {
	var out strings.Builder
	app := []string{"flint", "miner", "bench", "--duration", "20ms"}
	if err := runWithOutput(app, &out); err != nil {
		t.Fatal(err)
	}
	if !strings.Contains(out.String(), "generic") || !strings.Contains(out.String(), "MH/s") {
		t.Fatalf("miner bench printed:\n%s", out.String())
	}
	if !strings.Contains(out.String(), "self-test generic  passed") {
		t.Fatalf("miner bench printed no self-test verdicts:\n%s", out.String())
	}
	out.Reset()
	if err := runWithOutput([]string{"flint", "miner", "bench", "--duration", "20ms", "--kernel", "generic"}, &out); err != nil {
		t.Fatal(err)
	}
	if rows := strings.Count(out.String(), "MH/s"); rows != 2 || !strings.Contains(out.String(), "\ngeneric ") {
		t.Fatalf("miner bench --kernel generic printed:\n%s", out.String())
	}
	if err := run([]string{"flint", "miner", "bench", "--kernel", "avx-9000"}); err == nil || !strings.Contains(err.Error(), "unknown kernel") {
		t.Fatalf("miner bench --kernel avx-9000: %v", err)
	}
	if err := run([]string{"flint", "miner", "--network", "regtest"}); err == nil || !strings.Contains(err.Error(), "--address") {
		t.Fatalf("external miner without --address: %v", err)
	}
}

// TestConfigFileIsStrict checks the exact sentences for a misspelt key
// and a TOML syntax error: file, line (and column), and the key.
func TestConfigFileIsStrict(t *testing.T) {
	dir := t.TempDir()
	cfgPath := filepath.Join(dir, "flint.toml")
	cases := []struct{ name, file, want string }{
		{"misspelt key", "network = \"regtest\"\n\n[rpc]\nuser = \"u\"\nadr = \"127.0.0.1:1\"\n",
			cfgPath + `:5: unknown setting "rpc.adr" (settings are named as the node's flags: rpc.addr is addr under [rpc]; see flint node --help)`},
		{"unknown table", "[rcp]\naddr = \"127.0.0.1:1\"\n",
			cfgPath + `:1: unknown setting "rcp" (settings are named as the node's flags: rpc.addr is addr under [rpc]; see flint node --help)`},
		{"syntax error", "network = \"regtest\"\n[rpc]\naddr = = 1\n",
			cfgPath + `:3:8: not valid TOML: expected value but found '=' instead`},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			if err := os.WriteFile(cfgPath, []byte(c.file), 0o600); err != nil {
				t.Fatal(err)
			}
			err := run([]string{"flint", "node", "--config", cfgPath, "--datadir", dir})
			if err == nil || err.Error() != c.want {
				t.Fatalf("got  %v\nwant %s", err, c.want)
			}
		})
	}
}

// TestVersion checks that "flint version" and "flint --version" print the
// release and the commit line.
func TestVersion(t *testing.T) {
	for _, args := range [][]string{{"flint", "version"}, {"flint", "--version"}} {
		var out strings.Builder
		if err := runWithOutput(args, &out); err != nil {
			t.Fatal(err)
		}
		if want := "flint version " + version.String() + "\n"; out.String() != want ||
			!strings.HasPrefix(version.String(), "0.1.0 (commit ") {
			t.Fatalf("%v printed %q, want %q", args, out.String(), want)
		}
	}
}
