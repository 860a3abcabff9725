// Package explorer is Flint's block explorer and network dashboard: a
// read-only web site served by the node on its own address. Pages are drawn
// by the server with html/template, charts as inline SVG, and render fully
// without JavaScript; a few lines of plain script, served from the same
// origin, refresh the overview from the explorer's /events stream.
//
// The explorer knows the node only through Config: a Chain (satisfied by
// *chain.BlockChain) and optional function fields for the mempool, the
// block template, the peers and a local testnet, so that it imports chain
// for its types and nothing of the node. It adds no lock that block
// processing waits on: what it learns from chain notifications it keeps in
// values swapped atomically.
package explorer

import (
	"context"
	"embed"
	"errors"
	"fmt"
	"log/slog"
	"net"
	"net/http"
	"sync/atomic"
	"time"

	"github.com/flint-chain/flint/chain"
)

// Request bounds.
const (
	// MaxQueryBytes is the longest query string a page accepts; a longer
	// one is answered 414.
	MaxQueryBytes = 1024
	// maxHeaderBytes bounds a request's headers, the URL included; a
	// larger request is refused by the HTTP server with 431.
	maxHeaderBytes = 32 << 10
	// pageTimeout bounds the building of one page.
	pageTimeout = 10 * time.Second
	// readTimeout and idleTimeout bound a connection.
	readTimeout = 10 * time.Second
	idleTimeout = 60 * time.Second
	// shutdownGrace is how long Serve waits for pages in flight.
	shutdownGrace = 3 * time.Second
)

// contentSecurityPolicy allows only the explorer's own scripts, styles and
// event stream: nothing inline, nothing from elsewhere.
const contentSecurityPolicy = "default-src 'none'; script-src 'self'; style-src 'self'; img-src 'self'; " +
	"connect-src 'self'; base-uri 'none'; form-action 'self'; frame-ancestors 'none'"

//go:embed templates/*.html
var templateFS embed.FS

//go:embed static
var staticFS embed.FS

// Chain is what the explorer reads of the chain engine; *chain.BlockChain
// satisfies it. Every method must be safe for concurrent use.
type Chain interface {
	BestState() chain.BestState
	BlockHashByHeight(height uint32) (chain.Hash, error)
	HeaderByHash(h chain.Hash) (chain.HeaderInfo, error)
	BlockByHash(h chain.Hash) (*chain.Block, error)
	TxByID(txid chain.Hash) (*chain.Tx, chain.TxLocation, error)
	FetchUtxo(op chain.OutPoint) (chain.UtxoEntry, bool, error)
	UtxosByPubKey(pubKey [32]byte) ([]chain.Utxo, error)
	ChainTips() []chain.ChainTip
}

var _ Chain = (*chain.BlockChain)(nil)

// MempoolTx is one mempool transaction as the explorer shows it.
type MempoolTx struct {
	Tx    *chain.Tx
	TxID  chain.Hash
	Size  int
	Fee   uint64
	Added time.Time
}

// Peer is one connected peer, as getpeerinfo reports it.
type Peer struct {
	ID         string
	Addr       string
	Inbound    bool
	BestHeight uint32
	BestHash   chain.Hash
	PingTime   time.Duration
	ConnTime   time.Time
	BytesSent  uint64
	BytesRecv  uint64
	Syncing    bool
}

// SyncStatus is how far the node is in downloading the chain.
type SyncStatus struct {
	// HeaderHeight is the height of the best header known; Syncing is set
	// while blocks below it are still missing.
	HeaderHeight uint32
	Syncing      bool
}

// Config is everything the explorer needs. Params and Chain are required;
// every function field is optional, and a page whose source is missing says
// so. The functions are called concurrently from request goroutines.
type Config struct {
	// Params are the network's parameters. Required.
	Params *chain.Params
	// Chain is the chain engine. Required.
	Chain Chain
	// Mempool returns every mempool transaction.
	Mempool func() []MempoolTx
	// MempoolTx returns one mempool transaction.
	MempoolTx func(txid chain.Hash) (MempoolTx, bool)
	// NextBlock returns the block the node's own template would mine now,
	// nonce not searched.
	NextBlock func() (*chain.Block, error)
	// Peers returns the connected peers; nil when the node runs without
	// the p2p layer.
	Peers func() []Peer
	// Sync reports the download progress; nil when the node does not sync.
	Sync func() SyncStatus
	// TestnetFile, when set, is a local testnet's description (the
	// testnet.json that `flint testnet up` writes): the explorer watches
	// every node in it over RPC for the testnet page.
	TestnetFile string
	// Logger receives the explorer's lines (with "sub", "explorer");
	// slog.Default if nil.
	Logger *slog.Logger
	// Now is the clock for ages; time.Now if nil.
	Now func() time.Time
}

// Explorer serves the pages. Create it with New, give it the chain's
// notifications with HandleChainNotification, and run it with Serve.
type Explorer struct {
	cfg     Config
	log     *slog.Logger
	pages   *pageSet
	live    *liveState
	testnet *testnetWatcher
	mux     *http.ServeMux
	// tipsCache holds the overview's count of stale branches.
	tipsCache atomic.Pointer[tipsCount]
}

// New checks cfg and builds the explorer.
func New(cfg Config) (*Explorer, error) {
	if cfg.Params == nil || cfg.Chain == nil {
		return nil, errors.New("explorer: Config needs Params and Chain")
	}
	if cfg.Logger == nil {
		cfg.Logger = slog.Default()
	}
	if cfg.Now == nil {
		cfg.Now = time.Now
	}
	pages, err := parsePages()
	if err != nil {
		return nil, err
	}
	e := &Explorer{cfg: cfg, log: cfg.Logger.With("sub", "explorer"), pages: pages, live: newLiveState()}
	if cfg.TestnetFile != "" {
		e.testnet = newTestnetWatcher(cfg.TestnetFile, e.log)
	}
	e.routes()
	return e, nil
}

// Serve answers requests on ln until ctx is cancelled, then shuts down,
// giving pages in flight a moment to finish. It closes ln, and returns
// only once the testnet watcher, if any, has stopped. It returns nil
// after a cancellation and the error otherwise.
func (e *Explorer) Serve(ctx context.Context, ln net.Listener) error {
	srv := &http.Server{
		Handler:           e.Handler(),
		ReadHeaderTimeout: readTimeout,
		ReadTimeout:       readTimeout,
		IdleTimeout:       idleTimeout,
		MaxHeaderBytes:    maxHeaderBytes,
		BaseContext:       func(net.Listener) context.Context { return ctx },
		ErrorLog:          slog.NewLogLogger(e.log.Handler(), slog.LevelDebug),
	}
	if e.testnet != nil {
		// The watcher stops with Serve, also when the listener fails.
		watchCtx, stopWatch := context.WithCancel(ctx)
		watched := make(chan struct{})
		go func() { defer close(watched); e.testnet.run(watchCtx) }()
		defer func() { stopWatch(); <-watched }()
	}
	errc := make(chan error, 1)
	go func() { errc <- srv.Serve(ln) }()
	select {
	case err := <-errc:
		return err
	case <-ctx.Done():
	}
	shutCtx, cancel := context.WithTimeout(context.WithoutCancel(ctx), shutdownGrace)
	defer cancel()
	if err := srv.Shutdown(shutCtx); err != nil {
		srv.Close()
	}
	if err := <-errc; err != nil && !errors.Is(err, http.ErrServerClosed) {
		return fmt.Errorf("explorer: %w", err)
	}
	return nil
}

// Handler returns the explorer's HTTP handler, for tests and for mounting.
func (e *Explorer) Handler() http.Handler { return e.guard(e.mux) }

// routes registers every page.
func (e *Explorer) routes() {
	m := http.NewServeMux()
	page := func(pattern string, fn pageFunc) { m.Handle(pattern, e.page(fn)) }
	page("GET /{$}", e.overviewPage)
	page("GET /block/{id}", e.blockPage)
	page("GET /tx/{txid}", e.txPage)
	page("GET /address/{addr}", e.addressPage)
	page("GET /search", e.searchPage)
	page("GET /mempool", e.mempoolPage)
	page("GET /tips", e.tipsPage)
	page("GET /reorgs", e.reorgsPage)
	page("GET /next", e.nextPage)
	page("GET /network", e.networkPage)
	page("GET /testnet", e.testnetPage)
	page("GET /live/overview", e.liveOverviewFragment)
	page("GET /live/testnet", e.liveTestnetFragment)
	m.HandleFunc("GET /events", e.handleEvents)
	m.Handle("GET /static/", http.FileServerFS(staticFS))
	page("/", e.notFoundPage)
	e.mux = m
}

// guard sets the headers every response carries and refuses what no page
// accepts: methods other than GET and HEAD, and overlong query strings.
func (e *Explorer) guard(next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		h := w.Header()
		h.Set("Content-Security-Policy", contentSecurityPolicy)
		h.Set("X-Content-Type-Options", "nosniff")
		h.Set("Referrer-Policy", "no-referrer")
		h.Set("X-Frame-Options", "DENY")
		switch {
		case r.Method != http.MethodGet && r.Method != http.MethodHead:
			h.Set("Allow", "GET, HEAD")
			e.renderError(w, r, http.StatusMethodNotAllowed, "The explorer is read-only: it answers GET requests only.")
		case len(r.URL.RawQuery) > MaxQueryBytes:
			e.renderError(w, r, http.StatusRequestURITooLong,
				fmt.Sprintf("The query is %d bytes long; the explorer reads at most %d.", len(r.URL.RawQuery), MaxQueryBytes))
		default:
			next.ServeHTTP(w, r)
		}
	})
}
