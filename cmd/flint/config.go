package main

import (
	"bufio"
	"errors"
	"fmt"
	"os"
	"sort"
	"strings"

	"github.com/BurntSushi/toml"
	"github.com/urfave/cli/v2"
	"github.com/urfave/cli/v2/altsrc"
)

// loadConfigFile is the node command's Before: it checks the --config file
// strictly, then lets altsrc fill the flags from it.
func loadConfigFile(flags []cli.Flag) cli.BeforeFunc {
	fill := altsrc.InitInputSourceWithContext(flags, altsrc.NewTomlSourceFromFlagFunc(configFlag.Name))
	return func(ctx *cli.Context) error {
		if path := ctx.String(configFlag.Name); path != "" {
			if err := checkConfigFile(path, flags); err != nil {
				return err
			}
		}
		return fill(ctx)
	}
}

// checkConfigFile refuses a config file the node would misread: a TOML
// syntax error is reported with its file, line and column, and a key that
// names no setting (a misspelt [rpc] adr) with its file and line, rather
// than ignored.
func checkConfigFile(path string, flags []cli.Flag) error {
	data, err := os.ReadFile(path)
	if err != nil {
		return fmt.Errorf("--config: %w", err)
	}
	var tree map[string]any
	if _, err := toml.Decode(string(data), &tree); err != nil {
		var perr toml.ParseError
		if errors.As(err, &perr) {
			return fmt.Errorf("%s:%d:%d: not valid TOML: %s", path, perr.Position.Line, perr.Position.Col, perr.Message)
		}
		return fmt.Errorf("%s: not valid TOML: %w", path, err)
	}
	known := map[string]bool{}
	for _, f := range flags {
		for _, name := range f.Names() {
			known[name] = true
		}
	}
	var unknown []string
	collectUnknown(tree, "", known, &unknown)
	if len(unknown) == 0 {
		return nil
	}
	sort.Slice(unknown, func(i, j int) bool { return keyLine(data, unknown[i]) < keyLine(data, unknown[j]) })
	key := unknown[0]
	return fmt.Errorf("%s:%d: unknown setting %q (settings are named as the node's flags: rpc.addr is addr under [rpc]; see flint node --help)",
		path, keyLine(data, key), key)
}

// collectUnknown adds to unknown every key path of tree that is no
// setting, descending into tables that hold settings.
func collectUnknown(tree map[string]any, prefix string, known map[string]bool, unknown *[]string) {
	for k, v := range tree {
		full := prefix + k
		if sub, ok := v.(map[string]any); ok && !known[full] && hasPrefixKey(known, full+".") {
			collectUnknown(sub, full+".", known, unknown)
			continue
		}
		if !known[full] {
			*unknown = append(*unknown, full)
		}
	}
}

func hasPrefixKey(known map[string]bool, prefix string) bool {
	for k := range known {
		if strings.HasPrefix(k, prefix) {
			return true
		}
	}
	return false
}

// keyLine returns the line of data that sets the dotted key (under its
// [table] header), or 0 when no line does. It reads only files that
// parsed as TOML, so a simple reading of headers and "key =" lines is
// enough.
func keyLine(data []byte, key string) int {
	table := ""
	sc := bufio.NewScanner(strings.NewReader(string(data)))
	for n := 1; sc.Scan(); n++ {
		line := strings.TrimSpace(sc.Text())
		switch {
		case strings.HasPrefix(line, "["):
			table = strings.Trim(strings.TrimSpace(strings.Trim(line, "[]")), `"`)
			if table == key {
				return n
			}
		case strings.Contains(line, "="):
			lhs, _, _ := strings.Cut(line, "=")
			lhs = strings.Trim(strings.TrimSpace(lhs), `"`)
			full := lhs
			if table != "" {
				full = table + "." + lhs
			}
			if full == key {
				return n
			}
		}
	}
	return 0
}
