package main

import (
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/urfave/cli/v2"

	"github.com/flint-chain/flint/internal/syncbuf"
	"github.com/flint-chain/flint/rpc"
)

// TestMain lets a test run this binary as flint itself: with
// FLINT_TEST_MAIN=1 the process is "flint" with the arguments given.
func TestMain(m *testing.M) {
	if os.Getenv("FLINT_TEST_MAIN") == "1" {
		main()
		os.Exit(0)
	}
	os.Exit(m.Run())
}

// TestNodeLogFile runs a real node process with --log.file in a directory
// that does not exist yet, reads the RPC address from the file, stops the
// node over RPC and finds its whole log, to the last line, in the file and
// on standard error alike.
func TestNodeLogFile(t *testing.T) {
	dir := t.TempDir()
	logPath := filepath.Join(dir, "logs", "flint", "node.log")
	cmd := exec.Command(os.Args[0], "node", "--network", "regtest", "--datadir", filepath.Join(dir, "data"),
		"--rpc.addr", "127.0.0.1:0", "--http.addr", "off", "--p2p.off", "--log.file", logPath)
	cmd.Env = append(os.Environ(), "FLINT_TEST_MAIN=1")
	var stderr syncbuf.Buffer
	cmd.Stderr = &stderr
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	exited := make(chan struct{})
	var waitErr error
	go func() { waitErr = cmd.Wait(); close(exited) }()
	defer func() {
		select {
		case <-exited:
		default:
			cmd.Process.Kill()
			<-exited
		}
	}()

	serving := regexp.MustCompile(`msg="serving JSON-RPC" .*url=(\S+)`)
	var url string
	for deadline := time.Now().Add(time.Minute); url == ""; time.Sleep(20 * time.Millisecond) {
		data, _ := os.ReadFile(logPath)
		if m := serving.FindSubmatch(data); m != nil {
			url = string(m[1])
		}
		select {
		case <-exited:
			t.Fatalf("node exited: %v\n%s", waitErr, stderr.String())
		default:
		}
		if time.Now().After(deadline) {
			t.Fatalf("no RPC address in %s after a minute; stderr:\n%s", logPath, stderr.String())
		}
	}
	auth, err := rpc.ReadCookie(filepath.Join(dir, "data", rpc.CookieFile))
	if err != nil {
		t.Fatal(err)
	}
	if err := rpc.NewClient(url, auth).Stop(t.Context()); err != nil {
		t.Fatal(err)
	}
	select {
	case <-exited:
		if waitErr != nil {
			t.Fatalf("node: %v\n%s", waitErr, stderr.String())
		}
	case <-time.After(time.Minute):
		t.Fatal("node did not stop within a minute of the stop method")
	}

	data, err := os.ReadFile(logPath)
	if err != nil {
		t.Fatal(err)
	}
	file := string(data)
	for _, want := range []string{`msg="logging to a file too" path=` + logPath + " maxsize_mb=100 maxbackups=10 compress=false",
		`msg="serving JSON-RPC"`, `msg="stop requested over RPC"`, "msg=stopped"} {
		if !strings.Contains(file, want) {
			t.Errorf("log file lacks %q:\n%s", want, file)
		}
	}
	if got := stderr.String(); got != file {
		t.Errorf("standard error and the log file differ:\nstderr:\n%s\nfile:\n%s", got, file)
	}
}

// TestLogFileRotates builds the node's logger from its flags with a 1 MB
// file keeping two rotated ones, writes 3.5 MB through it, and finds the
// file and two rotated files, each within the size.
func TestLogFileRotates(t *testing.T) {
	path := filepath.Join(t.TempDir(), "node.log")
	app := &cli.App{
		Flags: []cli.Flag{logLevelFlag, logFormatFlag, logFileFlag, logMaxSizeFlag, logMaxBackupsFlag, logCompressFlag},
		Action: func(ctx *cli.Context) error {
			log, closeLog, err := newLogger(ctx)
			if err != nil {
				return err
			}
			defer closeLog()
			pad := strings.Repeat("x", 200)
			for i := range 3_500_000 / 256 {
				log.Info("filler "+strconv.Itoa(i), "pad", pad) // distinct messages: none is summarised
			}
			return nil
		},
	}
	devNull, err := os.OpenFile(os.DevNull, os.O_WRONLY, 0)
	if err != nil {
		t.Fatal(err)
	}
	defer devNull.Close()
	stderr := os.Stderr
	os.Stderr = devNull // the test's own output stays readable
	err = app.Run([]string{"flint", "--log.file", path, "--log.maxsize", "1", "--log.maxbackups", "2"})
	os.Stderr = stderr
	if err != nil {
		t.Fatal(err)
	}
	var files []string
	for deadline := time.Now().Add(time.Minute); ; time.Sleep(10 * time.Millisecond) {
		files, _ = filepath.Glob(filepath.Join(filepath.Dir(path), "node-*.log"))
		if len(files) == 2 {
			break
		}
		if time.Now().After(deadline) { // old files are removed in the background
			t.Fatalf("rotated files %v, want 2", files)
		}
	}
	for _, f := range append(files, path) {
		if st, err := os.Stat(f); err != nil || st.Size() == 0 || st.Size() > 1<<20 {
			t.Fatalf("%s: %v, size over 1 MB or empty", f, err)
		}
	}
}

// TestLogFileSettings: the log file's settings come from the config file
// ([log] file, maxsize) and FLINT_LOG_FILE too, and a file the node
// cannot open stops it with one sentence.
func TestLogFileSettings(t *testing.T) {
	dir := t.TempDir()
	cfgPath := filepath.Join(dir, "flint.toml")
	logPath := filepath.Join(dir, "node.log")
	if err := os.WriteFile(cfgPath, []byte("network = \"regtest\"\n[log]\nfile = \""+logPath+"\"\nmaxsize = 0\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	err := run([]string{"flint", "node", "--config", cfgPath, "--datadir", dir, "--p2p.off"})
	if want := "--log.maxsize must be at least 1 (megabytes), not 0"; err == nil || err.Error() != want {
		t.Fatalf("config [log] maxsize = 0: got %v\nwant %s", err, want)
	}

	notDir := filepath.Join(dir, "afile")
	if err := os.WriteFile(notDir, nil, 0o600); err != nil {
		t.Fatal(err)
	}
	t.Setenv("FLINT_LOG_FILE", filepath.Join(notDir, "node.log"))
	err = run([]string{"flint", "node", "--network", "regtest", "--datadir", dir, "--p2p.off"})
	if want := "--log.file: cannot create the directory " + notDir + ": not a directory"; err == nil || err.Error() != want {
		t.Fatalf("FLINT_LOG_FILE under a file: got %v\nwant %s", err, want)
	}
}
