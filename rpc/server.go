// Package rpc is Flint's JSON-RPC 2.0 interface over HTTP: the server the
// node runs, with its Bitcoin-Core-like methods and its /events stream of
// Server-Sent Events, and the typed Client that the command line and the
// wallet share. docs/rpc.md describes every method.
//
// The server knows the rest of the node only through Config: a ChainBackend
// (satisfied by *chain.BlockChain) and optional function fields for the
// mempool, the miner and the network, so this package imports chain for its
// types and nothing above it.
package rpc

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"net"
	"net/http"
	"os"
	"time"

	"github.com/flint-chain/flint/chain"
)

// MaxBodySize is the largest request body the server reads; a larger one is
// answered with HTTP 413 and a JSON-RPC invalid-request error.
const MaxBodySize = 8 << 20

// Default timeouts, used when the Config leaves them zero.
const (
	DefaultReadTimeout  = 30 * time.Second
	DefaultWriteTimeout = 2 * time.Minute
	DefaultIdleTimeout  = 2 * time.Minute
	// shutdownGrace is how long Serve waits for calls in flight.
	shutdownGrace = 5 * time.Second
)

// ChainBackend is what the server needs of the chain engine;
// *chain.BlockChain satisfies it.
type ChainBackend interface {
	BestState() chain.BestState
	BlockHashByHeight(height uint32) (chain.Hash, error)
	HeaderByHash(h chain.Hash) (chain.HeaderInfo, error)
	BlockByHash(h chain.Hash) (*chain.Block, error)
	TxByID(txid chain.Hash) (*chain.Tx, chain.TxLocation, error)
	FetchUtxo(op chain.OutPoint) (chain.UtxoEntry, bool, error)
	UtxosByPubKey(pubKey [32]byte) ([]chain.Utxo, error)
	UtxoSetInfo() (chain.UtxoSetInfo, error)
	ChainTips() []chain.ChainTip
	ProcessBlock(ctx context.Context, b *chain.Block) (chain.ProcessResult, error)
	InvalidateBlock(ctx context.Context, h chain.Hash) error
	ReconsiderBlock(ctx context.Context, h chain.Hash) error
}

var _ ChainBackend = (*chain.BlockChain)(nil)

// Config is everything the server needs. Params and Chain are required, and
// at least one way to authenticate (CookiePath, or User and Password). Every
// function field is optional: a method that needs a missing one answers a
// JSON-RPC error saying what the node runs without. The functions are called
// concurrently from request goroutines.
type Config struct {
	// Params are the network's parameters. Required.
	Params *chain.Params
	// Chain is the chain engine. Required.
	Chain ChainBackend

	// SendTx offers a transaction to the mempool and relays it; it returns
	// the txid. A returned *Error is passed to the caller as is; an error
	// wrapping chain.ErrMissingInput answers -25, any other -26.
	SendTx func(ctx context.Context, tx *chain.Tx) (chain.Hash, error)
	// MempoolTxs returns every mempool transaction (getrawmempool).
	MempoolTxs func() []MempoolEntry
	// MempoolInfo describes the mempool (getmempoolinfo).
	MempoolInfo func() MempoolInfo
	// MempoolTx returns one mempool transaction (getrawtransaction).
	MempoolTx func(txid chain.Hash) (*chain.Tx, bool)
	// MempoolSpends reports whether a mempool transaction spends op; when
	// set, listunspent and getbalance leave such outputs out.
	MempoolSpends func(op chain.OutPoint) bool
	// EstimateFee returns the fee rate, in units per byte, for confirmation
	// within targetBlocks blocks (estimatefee).
	EstimateFee func(targetBlocks int) uint64

	// MinerStatus reports the local miner (getmininginfo); without it the
	// local hash rate is 0.
	MinerStatus func() MinerStatus
	// BlockTemplate builds a block on the tip paying payTo, nonce not yet
	// searched (getblocktemplate).
	BlockTemplate func(payTo [32]byte) (*chain.Block, error)
	// MiningPayTo returns the node's payout address (--mining.address),
	// which getblocktemplate uses when called without one; ok is false
	// when the node has none.
	MiningPayTo func() (payTo [32]byte, ok bool)
	// GetWork hands out fresh work on the tip and SubmitWork takes a
	// solved header back, reporting whether its block extended the main
	// chain (getwork). Set both or neither.
	GetWork    func() (Work, error)
	SubmitWork func(ctx context.Context, header [chain.HeaderSize]byte) (bool, error)
	// Generate mines n blocks paying payTo and returns their hashes
	// (generatetoaddress). Set it on regtest and in dev mode only.
	Generate func(ctx context.Context, n int, payTo [32]byte) ([]chain.Hash, error)

	// NetworkInfo describes the p2p side (getnetworkinfo); without it the
	// node reports itself alone. The server sets Version and Subversion
	// from internal/version, and Network, over whatever it returns.
	NetworkInfo func() NetworkInfo
	// Network is the p2p layer (getpeerinfo, addnode, setban, …); without
	// it those methods answer CodeP2PDisabled. A method returning an
	// *Error passes its code on; any other error answers
	// CodeInvalidParameter.
	Network Network
	// SyncState reports initial download and verification progress
	// (getblockchaininfo); without it they are derived from the tip's age.
	SyncState func() SyncState
	// Stop asks the node to shut down (stop). It must not block until the
	// shutdown completes: Serve is part of that shutdown.
	Stop func()

	// CookiePath, when set, is where Serve writes a fresh random cookie
	// "__cookie__:<64 hex digits>" (mode 0600, atomically) and from where
	// it removes it when it returns. Clients read it with ReadCookie.
	CookiePath string
	// User and Password, when both set, are accepted as well.
	User, Password string

	// ReadTimeout, WriteTimeout and IdleTimeout bound each connection;
	// zero means the Default values. The /events stream is exempt from the
	// write timeout (it bounds each write instead).
	ReadTimeout, WriteTimeout, IdleTimeout time.Duration
	// EventBuffer is the number of events queued for one /events client
	// before it is dropped as too slow; DefaultEventBuffer if zero.
	EventBuffer int

	// Logger receives the server's lines (with "sub", "rpc"); slog.Default
	// if nil. No line ever holds a password or the cookie.
	Logger *slog.Logger
}

// Server answers JSON-RPC calls and streams events. Create it with
// NewServer and run it with Serve. It is safe for concurrent access.
type Server struct {
	cfg     Config
	log     *slog.Logger
	methods map[string]*method
	creds   []Auth // accepted credentials
	cookie  Auth   // the cookie credential, if CookiePath is set
	events  *eventHub
	started time.Time
}

// NewServer checks cfg and builds a server. It creates the cookie secret
// (when cfg.CookiePath is set) but writes no file: Serve does.
func NewServer(cfg Config) (*Server, error) {
	if cfg.Params == nil || cfg.Chain == nil {
		return nil, errors.New("rpc: Config needs Params and Chain")
	}
	if cfg.Logger == nil {
		cfg.Logger = slog.Default()
	}
	if cfg.ReadTimeout == 0 {
		cfg.ReadTimeout = DefaultReadTimeout
	}
	if cfg.WriteTimeout == 0 {
		cfg.WriteTimeout = DefaultWriteTimeout
	}
	if cfg.IdleTimeout == 0 {
		cfg.IdleTimeout = DefaultIdleTimeout
	}
	if cfg.EventBuffer <= 0 {
		cfg.EventBuffer = DefaultEventBuffer
	}
	s := &Server{cfg: cfg, log: cfg.Logger.With("sub", "rpc"), started: time.Now()}
	if (cfg.User == "") != (cfg.Password == "") {
		return nil, errors.New("rpc: set both the RPC user and the password, or neither")
	}
	if cfg.User != "" {
		s.creds = append(s.creds, Auth{User: cfg.User, Password: cfg.Password})
	}
	if cfg.CookiePath != "" {
		c, err := newCookie()
		if err != nil {
			return nil, err
		}
		s.cookie = c
		s.creds = append(s.creds, c)
	}
	if len(s.creds) == 0 {
		return nil, errors.New("rpc: Config needs a CookiePath or a User and Password")
	}
	s.methods = registry()
	s.events = newEventHub(cfg.EventBuffer, s.log)
	return s, nil
}

// Methods returns the names of every registered method, sorted.
func (s *Server) Methods() []string { return methodNames(s.methods) }

// Serve writes the cookie file, answers requests on ln until ctx is
// cancelled, then shuts down gracefully: /events streams end, calls in
// flight get up to five seconds, and the cookie file is removed. It closes
// ln. It returns nil after a cancellation and the error otherwise.
func (s *Server) Serve(ctx context.Context, ln net.Listener) error {
	if s.cfg.CookiePath != "" {
		if err := writeCookie(s.cfg.CookiePath, s.cookie); err != nil {
			ln.Close()
			return fmt.Errorf("rpc: write cookie: %w", err)
		}
		defer func() {
			if err := os.Remove(s.cfg.CookiePath); err != nil && !errors.Is(err, os.ErrNotExist) {
				s.log.Warn("cannot remove the cookie file", "path", s.cfg.CookiePath, "err", err)
			}
		}()
	}
	if addr, ok := ln.Addr().(*net.TCPAddr); ok && !addr.IP.IsLoopback() {
		s.log.Warn("RPC listens beyond loopback: anyone who can reach it and guess or steal the credentials controls the node", "addr", addr)
	}
	// Calls run under their own context, cancelled only after the grace
	// period, so that a shutdown lets short calls finish.
	callCtx, cancelCalls := context.WithCancel(context.WithoutCancel(ctx))
	defer cancelCalls()
	srv := &http.Server{
		Handler:           s.Handler(),
		ReadHeaderTimeout: s.cfg.ReadTimeout,
		ReadTimeout:       s.cfg.ReadTimeout,
		WriteTimeout:      s.cfg.WriteTimeout,
		IdleTimeout:       s.cfg.IdleTimeout,
		MaxHeaderBytes:    64 << 10,
		BaseContext:       func(net.Listener) context.Context { return callCtx },
		ErrorLog:          slog.NewLogLogger(s.log.Handler(), slog.LevelDebug),
	}
	errc := make(chan error, 1)
	go func() { errc <- srv.Serve(ln) }()
	s.log.Info("RPC server listening", "addr", ln.Addr().String())

	select {
	case err := <-errc:
		return err
	case <-ctx.Done():
	}
	s.events.close()
	shutCtx, cancel := context.WithTimeout(context.Background(), shutdownGrace)
	defer cancel()
	if err := srv.Shutdown(shutCtx); err != nil {
		s.log.Warn("RPC calls still running at shutdown; closing them", "err", err)
		cancelCalls()
		srv.Close()
	}
	<-errc
	s.log.Info("RPC server stopped")
	return nil
}

// Handler returns the HTTP handler: POST / for JSON-RPC and GET /events for
// the event stream, both behind authentication. Serve uses it; tests and
// embedders may mount it themselves.
func (s *Server) Handler() http.Handler {
	mux := http.NewServeMux()
	mux.HandleFunc("/", s.handleRPC)
	mux.HandleFunc("/events", s.handleEvents)
	return s.authenticate(mux)
}

// handleRPC answers one HTTP JSON-RPC request (a call or a batch).
func (s *Server) handleRPC(w http.ResponseWriter, r *http.Request) {
	if r.URL.Path != "/" {
		http.NotFound(w, r)
		return
	}
	if r.Method != http.MethodPost {
		w.Header().Set("Allow", http.MethodPost)
		writeJSON(w, http.StatusMethodNotAllowed, errorResponse(nil, errorf(CodeInvalidRequest, "invalid request: JSON-RPC calls are HTTP POST requests")))
		return
	}
	body, err := io.ReadAll(http.MaxBytesReader(w, r.Body, MaxBodySize))
	if err != nil {
		var tooBig *http.MaxBytesError
		if errors.As(err, &tooBig) {
			s.log.Warn("request body too large", "remote", r.RemoteAddr, "limit", MaxBodySize)
			writeJSON(w, http.StatusRequestEntityTooLarge, errorResponse(nil, errorf(CodeInvalidRequest, "invalid request: body exceeds %d bytes", MaxBodySize)))
			return
		}
		s.log.Debug("cannot read request body", "remote", r.RemoteAddr, "err", err)
		writeJSON(w, http.StatusBadRequest, errorResponse(nil, errorf(CodeParseError, "parse error: cannot read the body: %v", err)))
		return
	}
	calls, batch, perr := decodeBody(body)
	if perr != nil {
		writeJSON(w, http.StatusOK, errorResponse(nil, perr))
		return
	}
	var out []response
	for _, c := range calls {
		if c.err != nil {
			out = append(out, errorResponse(c.req.id, c.err))
			continue
		}
		resp := s.call(r.Context(), &c.req, r.RemoteAddr)
		if !c.req.notification() {
			out = append(out, resp)
		}
	}
	switch {
	case len(out) == 0:
		// Only notifications: JSON-RPC 2.0 answers nothing.
		w.WriteHeader(http.StatusNoContent)
	case batch:
		writeJSON(w, http.StatusOK, out)
	default:
		writeJSON(w, http.StatusOK, out[0])
	}
}

// call runs one request and builds its response.
func (s *Server) call(ctx context.Context, req *request, remote string) response {
	start := time.Now()
	m := s.methods[req.method]
	if m == nil {
		s.log.Debug("unknown method", "method", req.method, "remote", remote)
		return errorResponse(req.id, errorf(CodeMethodNotFound, "method not found: %q (help lists the methods)", req.method))
	}
	args, perr := m.bind(req)
	if perr != nil {
		return errorResponse(req.id, perr)
	}
	result, err := m.fn(ctx, s, args)
	var rerr *Error
	if err != nil && !errors.As(err, &rerr) {
		s.log.Error("RPC call failed", "method", req.method, "err", err)
		rerr = errorf(CodeInternal, "internal error: %v", err)
	}
	s.log.Debug("RPC call", "method", req.method, "remote", remote, "took", time.Since(start), "ok", rerr == nil)
	if rerr != nil {
		return errorResponse(req.id, rerr)
	}
	raw, err := json.Marshal(result)
	if err != nil {
		s.log.Error("cannot encode RPC result", "method", req.method, "err", err)
		return errorResponse(req.id, errorf(CodeInternal, "internal error: cannot encode the result: %v", err))
	}
	return response{JSONRPC: "2.0", Result: raw, ID: orNull(req.id)}
}

// writeJSON writes v as the JSON body of a response with the given status.
func writeJSON(w http.ResponseWriter, status int, v any) {
	b, err := json.Marshal(v)
	if err != nil {
		b = []byte(`{"jsonrpc":"2.0","error":{"code":-32603,"message":"internal error: cannot encode the response"},"id":null}`)
	}
	w.Header().Set("Content-Type", "application/json")
	w.WriteHeader(status)
	w.Write(append(b, '\n'))
}
