package explorer

import (
	"context"
	"net"
	"strings"
	"testing"
	"time"

	"github.com/flint-chain/flint/internal/browsertest"
)

// TestTestnetViewInBrowser watches a three-node network in headless
// Chromium: during a partition the testnet page shows the fork, node2
// forked off and its branch in the tree; after the heal the page, without
// a reload, shows every node on one branch.
func TestTestnetViewInBrowser(t *testing.T) {
	b := browsertest.New(t)
	tn := newLocalTestnet(t, 3)
	all := []int{0, 1, 2}
	common := tn.chainOf(tn.params.GenesisHash, 12, "common", all...)
	fork := common[len(common)-1].BlockHash()
	branchA := tn.chainOf(fork, 3, "a", 0, 1)
	tn.chainOf(fork, 2, "b", 2)

	f := newFixture(t, tn.params)
	cfg := f.config()
	cfg.TestnetFile = tn.path()
	ex, err := New(cfg)
	if err != nil {
		t.Fatal(err)
	}
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan error, 1)
	go func() { done <- ex.Serve(ctx, ln) }()
	defer func() { cancel(); <-done }()
	url := "http://" + ln.Addr().String() + "/testnet"

	// The watcher polls once a second; wait for a poll that saw the fork.
	waitFor(t, func() bool { s := ex.testnet.snap.Load(); return s != nil && s.Forked })
	b.Visit(url, 200)
	if !strings.Contains(b.Text("#fork-banner"), "disagree") {
		t.Error("no fork banner during the partition")
	}
	states := b.Texts("#testnet-nodes td.state")
	if len(states) != 3 || states[0] != "same tip" || !strings.HasPrefix(states[2], "forked") {
		t.Errorf("node states during the partition: %q", states)
	}
	b.Screenshot("testnet-partition", browsertest.DesktopWidth, browsertest.DesktopHeight)
	b.Screenshot("testnet-partition-phone", browsertest.PhoneWidth, browsertest.PhoneHeight)
	b.Eval(`window.flintMark = "same page"; "ok"`)

	// Heal: node2 takes branch A. The open page follows, without a
	// reload, within a watcher poll (1 s) and a page poll (2 s); the
	// deadline leaves room for a loaded machine under the race detector.
	for _, blk := range branchA {
		tn.give(blk, 2)
	}
	deadline := time.Now().Add(30 * time.Second)
	for b.Eval(`document.getElementById("agree-banner") ? "yes" : "no"`) != "yes" {
		if time.Now().After(deadline) {
			t.Fatal("the testnet page still shows the fork 30 s after the heal")
		}
		time.Sleep(100 * time.Millisecond)
	}
	if b.Eval(`String(window.flintMark)`) != "same page" {
		t.Error("the page was reloaded instead of updated")
	}
	for i, s := range b.Texts("#testnet-nodes td.state") {
		if s != "same tip" {
			t.Errorf("node%d after the heal: %q", i, s)
		}
	}
	b.CheckClean("testnet page", 200)
	b.Screenshot("testnet-healed", browsertest.DesktopWidth, browsertest.DesktopHeight)
}

func waitFor(t *testing.T, cond func() bool) {
	t.Helper()
	deadline := time.Now().Add(10 * time.Second)
	for !cond() {
		if time.Now().After(deadline) {
			t.Fatal("condition not met within 10 s")
		}
		time.Sleep(20 * time.Millisecond)
	}
}
