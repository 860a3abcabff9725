package explorer

import (
	"bufio"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
	"time"

	"github.com/flint-chain/flint/chain"
)

// TestReorgLog reorganises a real chain by two blocks and expects the log
// entry and its page.
func TestReorgLog(t *testing.T) {
	f := newFixture(t, chain.RegTestParams())
	main := f.mine(5)
	// A branch off block 3 that overtakes blocks 4 and 5.
	fork := main[2].BlockHash()
	for range 3 {
		b := f.block(fork, false)
		f.process(b)
		fork = b.BlockHash()
	}
	if best := f.chain.BestState(); best.Hash != fork {
		t.Fatalf("tip %v at %d, want the branch's end", best.Hash, best.Height)
	}
	log := f.ex.Reorgs()
	if len(log) != 1 {
		t.Fatalf("reorg log %+v, want one entry", log)
	}
	r := log[0]
	if r.Depth != 2 || r.OldTip != main[4].BlockHash() || r.OldHeight != 5 || r.ForkHeight != 3 ||
		r.NewTip != fork || r.NewHeight != 6 {
		t.Errorf("reorg %+v", r)
	}
	f.page("/reorgs", http.StatusOK, `<td class="num">2</td>`, main[4].BlockHash().String(), fork.String())
	f.page("/block/"+main[4].BlockHash().String(), http.StatusOK, "not in the main chain", "after block 3")
	f.page("/tips", http.StatusOK, "valid-fork", main[4].BlockHash().String())
}

// TestEventsStream: a new block reaches an open /events stream.
func TestEventsStream(t *testing.T) {
	f := newFixture(t, chain.RegTestParams())
	resp, err := http.Get(f.srv.URL + "/events")
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	lines := make(chan string, 16)
	go func() {
		sc := bufio.NewScanner(resp.Body)
		for sc.Scan() {
			lines <- sc.Text()
		}
		close(lines)
	}()
	// The stream opens with its retry line; then a block arrives.
	waitLine(t, lines, "retry:")
	b := f.mine(1)[0]
	waitLine(t, lines, "event: block")
	data := waitLine(t, lines, "data:")
	if !strings.Contains(data, `"height":1`) || !strings.Contains(data, b.BlockHash().String()) {
		t.Errorf("event data %q", data)
	}
}

func waitLine(t *testing.T, lines <-chan string, prefix string) string {
	t.Helper()
	deadline := time.After(10 * time.Second)
	for {
		select {
		case l, ok := <-lines:
			if !ok {
				t.Fatalf("stream ended before %q", prefix)
			}
			if strings.HasPrefix(l, prefix) {
				return l
			}
		case <-deadline:
			t.Fatalf("no %q line within 10 s", prefix)
		}
	}
}

// TestASERTWidget: on a retargeting network the next-block page shows the
// difficulty Flint's own CalcASERTBits gives, equal to the chain's.
func TestASERTWidget(t *testing.T) {
	f := newFixture(t, chain.TestNetParams())
	f.mine(3)
	best := f.chain.BestState()
	body := f.page("/next", http.StatusOK, "Difficulty (ASERT)", "half-lives", "seconds until the next block",
		"The last 3 intervals", "target 10s")
	if strings.Contains(body, "differs from the chain") {
		t.Error("the widget's next bits differ from the chain's")
	}
	want := "bits " + strings.ToLower(strings.TrimLeft(bitsString(best.NextBits), " "))
	if !strings.Contains(body, want) {
		t.Errorf("the page lacks the next bits %q", want)
	}
}

func bitsString(b uint32) string { return funcs["bitshex"].(func(uint32) string)(b) }

// TestSyncBanner: while blocks below the best header are missing, the
// overview says how far the download is.
func TestSyncBanner(t *testing.T) {
	f := newFixture(t, chain.RegTestParams())
	f.mine(2)
	cfg := f.config()
	syncing := SyncStatus{HeaderHeight: 40, Syncing: true}
	cfg.Sync = func() SyncStatus { return syncing }
	ex, err := New(cfg)
	if err != nil {
		t.Fatal(err)
	}
	get := func() string {
		rec := httptest.NewRecorder()
		ex.Handler().ServeHTTP(rec, httptest.NewRequest(http.MethodGet, "/", nil))
		return rec.Body.String()
	}
	if body := get(); !strings.Contains(body, "Syncing: blocks to height 2 of 40 headers known") {
		t.Error("no sync banner while syncing")
	}
	syncing = SyncStatus{HeaderHeight: 2}
	if strings.Contains(get(), "Syncing") {
		t.Error("a sync banner once synced")
	}
}
