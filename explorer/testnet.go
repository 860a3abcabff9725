package explorer

import (
	"context"
	"log/slog"
	"net/http"
)

// testnetWatcher follows every node of a local testnet.
type testnetWatcher struct {
	path string
	log  *slog.Logger
}

func newTestnetWatcher(path string, log *slog.Logger) *testnetWatcher {
	return &testnetWatcher{path: path, log: log}
}

func (w *testnetWatcher) run(ctx context.Context) { <-ctx.Done() }

// testnetData is the testnet page.
type testnetData struct {
	Off bool
}

func (e *Explorer) testnetPage(r *http.Request) (*view, error) {
	return &view{template: "testnet", title: "Testnet", data: testnetData{Off: e.testnet == nil}}, nil
}
