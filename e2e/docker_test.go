//go:build linux

package e2e

import (
	"bytes"
	"context"
	"crypto/rand"
	"encoding/hex"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/flint-chain/flint/chain"
	"github.com/flint-chain/flint/rpc"
)

// Docker tests build the image from the binary TestMain built (static,
// CGO_ENABLED=0) and the repository's Dockerfile, and run it. They skip
// with the reason where no Docker engine answers.

var (
	dockerOnce  sync.Once
	dockerImage string // the tag built for this run; "" if none
	dockerSkip  string // why Docker tests cannot run here
	dockerErr   error
)

// needImage returns the image tag built for this run, building it on
// first use, or skips the test.
func needImage(t *testing.T) string {
	t.Helper()
	dockerOnce.Do(func() {
		ctx, cancel := context.WithTimeout(context.Background(), 20*time.Second)
		defer cancel()
		if out, err := exec.CommandContext(ctx, "docker", "info", "--format", "{{.ServerVersion}}").CombinedOutput(); err != nil {
			dockerSkip = fmt.Sprintf("no Docker engine answers (docker info: %v: %s)", err, bytes.TrimSpace(out))
			return
		}
		dockerImage, dockerErr = buildImage()
	})
	if dockerSkip != "" {
		t.Skip("Docker tests skipped: " + dockerSkip)
	}
	if dockerErr != nil {
		t.Fatal(dockerErr)
	}
	return dockerImage
}

// buildImage stages the context scripts/image.sh would (the binary and
// the empty /data tree) beside the repository's Dockerfile and builds it.
func buildImage() (string, error) {
	dir, err := os.MkdirTemp("", "flint-image-")
	if err != nil {
		return "", err
	}
	defer os.RemoveAll(dir)
	if err := os.MkdirAll(filepath.Join(dir, "build", "image", "data", "p2p"), 0o755); err != nil {
		return "", err
	}
	for src, dst := range map[string]string{flintBin: "build/image/flint", "../Dockerfile": "Dockerfile", "../.dockerignore": ".dockerignore"} {
		b, err := os.ReadFile(src)
		if err != nil {
			return "", err
		}
		if err := os.WriteFile(filepath.Join(dir, dst), b, 0o755); err != nil {
			return "", err
		}
	}
	var id [4]byte
	rand.Read(id[:])
	tag := "flint-e2e:" + hex.EncodeToString(id[:])
	if out, err := exec.Command("docker", "build", "--quiet", "--tag", tag, dir).CombinedOutput(); err != nil {
		return "", fmt.Errorf("docker build: %v: %s", err, out)
	}
	return tag, nil
}

func init() { atExit = append(atExit, removeImage) }

// regtestAddress is an address of the tests' key on regtest.
func regtestAddress(t *testing.T) string {
	return chain.EncodeAddress(chain.RegTestParams(), testKey())
}

// removeImage deletes the run's image once the tests are done.
func removeImage() {
	if dockerImage != "" {
		exec.Command("docker", "rmi", "--force", dockerImage).Run()
	}
}

// docker runs a docker command, failing the test with its output on an
// error, and returns its trimmed stdout.
func docker(t *testing.T, args ...string) string {
	t.Helper()
	var stdout, stderr bytes.Buffer
	cmd := exec.Command("docker", args...)
	cmd.Stdout, cmd.Stderr = &stdout, &stderr
	if err := cmd.Run(); err != nil {
		t.Fatalf("docker %s: %v: %s", strings.Join(args, " "), err, stderr.String())
	}
	return strings.TrimSpace(stdout.String())
}

// TestDockerNode runs the image as one regtest node: it becomes healthy
// through its own HEALTHCHECK, mines, answers RPC on the 127.0.0.1 port
// Docker published, stops cleanly on docker stop, and resumes from its
// volume.
func TestDockerNode(t *testing.T) {
	image := needImage(t)
	name := "flint-e2e-" + strings.TrimPrefix(image, "flint-e2e:")
	t.Cleanup(func() {
		if t.Failed() {
			out, _ := exec.Command("docker", "logs", "--tail", "40", name).CombinedOutput()
			t.Logf("container log:\n%s", out)
		}
		exec.Command("docker", "rm", "--force", "--volumes", name).Run()
	})
	docker(t, "run", "--detach", "--name", name,
		"--env", "FLINT_NETWORK=regtest", "--env", "FLINT_RPC_ADDR=0.0.0.0:28331",
		"--env", "FLINT_RPC_USER=e2e", "--env", "FLINT_RPC_PASSWORD=e2e-password",
		"--publish", "127.0.0.1::28331",
		image, "node", "--p2p.off", "--mine.period", "200ms", "--mine.address", regtestAddress(t))
	waitHealthy(t, name)
	hostPort := docker(t, "port", name, "28331/tcp")
	if !strings.HasPrefix(hostPort, "127.0.0.1:") {
		t.Fatalf("RPC published on %q, want 127.0.0.1 only", hostPort)
	}
	if user := docker(t, "inspect", "--format", "{{.Config.User}}", name); user != "10001:10001" {
		t.Fatalf("the container runs as %q, want 10001:10001", user)
	}
	client := rpc.NewClient("http://"+hostPort, rpc.Auth{User: "e2e", Password: "e2e-password"})
	ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
	defer cancel()
	var height uint32
	eventually(t, "blocks mined in the container", func() bool {
		n, err := client.GetBlockCount(ctx)
		height = n
		return err == nil && n >= 3
	})
	docker(t, "stop", "--time", "20", name)
	if code := docker(t, "inspect", "--format", "{{.State.ExitCode}}", name); code != "0" {
		t.Fatalf("docker stop: exit code %s", code)
	}
	docker(t, "start", name)
	waitHealthy(t, name)
	hostPort = docker(t, "port", name, "28331/tcp") // a new port after a restart
	client = rpc.NewClient("http://"+hostPort, rpc.Auth{User: "e2e", Password: "e2e-password"})
	n, err := client.GetBlockCount(ctx)
	if err != nil || n < height {
		t.Fatalf("after a restart: height %d (%v), was %d", n, err, height)
	}
}

// waitHealthy polls the container's health until it is healthy.
func waitHealthy(t *testing.T, name string) {
	t.Helper()
	deadline := time.Now().Add(90 * time.Second)
	for {
		state := docker(t, "inspect", "--format", "{{.State.Status}} {{.State.Health.Status}}", name)
		if state == "running healthy" {
			return
		}
		if strings.HasPrefix(state, "exited") || time.Now().After(deadline) {
			t.Fatalf("container %s: %s", name, state)
		}
		time.Sleep(500 * time.Millisecond)
	}
}
