package p2p

import (
	"context"
	"errors"
	"math/big"
	"sync"
	"sync/atomic"
	"time"

	"github.com/libp2p/go-libp2p/core/peer"

	"github.com/flint-chain/flint/chain"
)

// Sync settings (docs/p2p.md).
const (
	// blocksPerRequest is the least number of bodies asked for in one
	// getblocks, and the number while no body has arrived yet.
	blocksPerRequest = 32
	// requestBytes is the size of the bodies one getblocks asks for when
	// the recent blocks are small: up to MaxBlocksPerRequest blocks of the
	// recent average size, so that a chain of small blocks is not held to
	// blocksPerRequest times the peer's getblocks rate limit.
	requestBytes = 1 << 20
	// maxRequestsPerPeer bounds the body requests in flight to one peer.
	maxRequestsPerPeer = 4
	// downloadWindow is how far past the connected tip bodies are asked
	// for, so that one slow peer holds back at most this many blocks.
	downloadWindow = 1024
	// ibdMaxBehind: a best block this many blocks behind the best header
	// means initial download (SPEC §10).
	ibdMaxBehind = 2000
	// ibdProgressTimeout ends initial download when no requested body
	// has connected for this long (SPEC §10).
	ibdProgressTimeout = 60 * time.Second
	// peerCooldown is how long a peer whose request failed, or that lacked
	// the blocks asked for, gets no requests.
	peerCooldown = 10 * time.Second
	// rateLimitBackoff is how long a peer that answered "rate limited"
	// gets no requests.
	rateLimitBackoff = time.Second
	// lackingRetry is how long a peer that said it lacks bodies is not
	// asked for them again: a peer still syncing (or still connecting a
	// burst of gossiped blocks) has them soon.
	lackingRetry = 2 * time.Second
	// progressInterval is the least time between two progress lines.
	progressInterval = 5 * time.Second
	// syncTick drives the stall checks, the IBD state and the progress log.
	syncTick = time.Second
)

// syncEvent is something the sync loop acts on.
type syncEvent struct {
	kind    syncEventKind
	peer    peer.ID
	hashes  []chain.Hash // blocks: the request
	count   int          // headers: headers received; blocks: processed
	blocks  int          // blocks: bodies received
	bytes   int          // blocks: their serialised size
	full    bool         // headers: the reply was full (ask again)
	err     error
	penalty int // points the peer earned
}

type syncEventKind int

const (
	evStatus syncEventKind = iota
	evPeerGone
	evHeadersFrom
	evHeadersDone
	evBlocksDone
)

// syncer is headers-first download. One goroutine (run) owns the window:
// which peer headers come from, which bodies are in flight with whom.
// Requests run in worker goroutines that report back through events.
type syncer struct {
	n      *Node
	events chan syncEvent

	// Owned by run.
	headerPeer  peer.ID              // headers are being fetched from it, "" if none
	headersDone map[peer.ID]*big.Int // the status work a peer's headers were fetched to
	askHeaders  map[peer.ID]bool     // peers to ask for headers regardless of work
	inflight    map[chain.Hash]peer.ID
	perPeer     map[peer.ID]int
	// blockSize is a moving average of the serialised size of the bodies
	// received, zero before the first; it sizes the requests.
	blockSize int
	cooldown  map[peer.ID]time.Time
	// lacking are bodies a peer said it does not have (a peer still
	// syncing serves up to its own tip), with when to ask it again
	// (lackingRetry): they go to other peers meanwhile, and its other
	// requests carry on.
	lacking map[peer.ID]map[chain.Hash]time.Time
	// served are peers that sent us headers: they have a chain past what
	// their status (sent at connect time) says.
	served    map[peer.ID]bool
	lastLog   time.Time
	logHeight uint32
	// announced is the last tip announced to peers.
	announced chain.Hash

	// lastProgress is when a requested body last connected (unix nanos).
	lastProgress atomic.Int64
	// ibd is the initial-download state, updated by run.
	ibd atomic.Bool
	// busyMu guards busy: the peers sync is fetching from (getpeerinfo).
	busyMu sync.Mutex
	busy   map[peer.ID]bool
}

func newSyncer(n *Node) *syncer {
	s := &syncer{
		n:           n,
		events:      make(chan syncEvent, 256),
		headersDone: map[peer.ID]*big.Int{},
		askHeaders:  map[peer.ID]bool{},
		inflight:    map[chain.Hash]peer.ID{},
		perPeer:     map[peer.ID]int{},
		cooldown:    map[peer.ID]time.Time{},
		lacking:     map[peer.ID]map[chain.Hash]time.Time{},
		served:      map[peer.ID]bool{},
		busy:        map[peer.ID]bool{},
	}
	s.lastProgress.Store(n.now().UnixNano())
	s.ibd.Store(true)
	return s
}

// send hands an event to the loop; it gives up when the node stops.
func (s *syncer) send(ev syncEvent) {
	select {
	case s.events <- ev:
	case <-s.n.ctx.Done():
	}
}

func (s *syncer) statusUpdated(p peer.ID) { s.send(syncEvent{kind: evStatus, peer: p}) }
func (s *syncer) peerGone(p peer.ID)      { s.send(syncEvent{kind: evPeerGone, peer: p}) }

// headersFrom asks p for headers: it sent a block whose parent is unknown.
// It never blocks a validator: with the queue full the request is dropped.
func (s *syncer) headersFrom(p peer.ID) {
	select {
	case s.events <- syncEvent{kind: evHeadersFrom, peer: p}:
	default:
	}
}

// inIBD reports whether the node is in initial download. While it is,
// each call looks again, so that a node whose tip just became recent
// (mined or synced) stops ignoring gossip at once, not at the next tick.
func (s *syncer) inIBD() bool {
	if s.ibd.Load() {
		s.updateIBD()
	}
	return s.ibd.Load()
}

// syncingWith reports whether sync is fetching from p.
func (s *syncer) syncingWith(p peer.ID) bool {
	s.busyMu.Lock()
	defer s.busyMu.Unlock()
	return s.busy[p]
}

func (s *syncer) setBusy(p peer.ID, on bool) {
	s.busyMu.Lock()
	defer s.busyMu.Unlock()
	if on {
		s.busy[p] = true
	} else {
		delete(s.busy, p)
	}
}

// run is the sync loop; it returns when ctx ends.
func (s *syncer) run(ctx context.Context) {
	tick := time.NewTicker(syncTick)
	defer tick.Stop()
	s.updateIBD()
	s.announced = s.n.cfg.BestState().Hash
	for {
		select {
		case <-ctx.Done():
			return
		case ev := <-s.events:
			s.handle(ev)
		case <-tick.C:
			s.updateIBD()
			s.logProgress()
		}
		s.schedule(ctx)
		s.announceTip()
	}
}

// announceTip publishes the tip once sync has nothing in flight, so that
// peers behind us — which saw none of the blocks we fetched by sync —
// learn of it and sync from us. A tip that came by gossip was relayed
// already, and pubsub drops the repeat.
func (s *syncer) announceTip() {
	if len(s.inflight) > 0 || s.headerPeer != "" || s.ibd.Load() {
		return
	}
	best := s.n.cfg.BestState()
	if best.Hash == s.announced {
		return
	}
	s.announced = best.Hash
	if b, err := s.n.cfg.BlockByHash(best.Hash); err == nil {
		s.n.PublishBlock(b)
	}
}

// handle applies one event to the loop's state.
func (s *syncer) handle(ev syncEvent) {
	n := s.n
	if ev.penalty > 0 {
		n.misbehave(ev.peer, ev.penalty, "sync: "+errString(ev.err))
	}
	switch ev.kind {
	case evStatus:
		delete(s.headersDone, ev.peer) // a new status may announce more
	case evPeerGone:
		delete(s.headersDone, ev.peer)
		delete(s.askHeaders, ev.peer)
		delete(s.cooldown, ev.peer)
		delete(s.lacking, ev.peer)
		delete(s.served, ev.peer)
		if s.headerPeer == ev.peer {
			s.headerPeer = ""
		}
	case evHeadersFrom:
		s.askHeaders[ev.peer] = true
	case evHeadersDone:
		s.headerPeer = ""
		s.setBusy(ev.peer, s.perPeer[ev.peer] > 0)
		if ev.count > 0 {
			s.served[ev.peer] = true
		}
		switch {
		case ev.err != nil:
			// Ask again once the cooldown ends: a peer that keeps
			// failing pays for each failure until it is banned.
			s.cooldown[ev.peer] = n.now().Add(cooldownAfter(ev.err))
			s.askHeaders[ev.peer] = true
		case ev.full:
			s.askHeaders[ev.peer] = true // there is more
		default:
			s.headersDone[ev.peer] = workOf(n.peers.status(ev.peer))
		}
	case evBlocksDone:
		for _, h := range ev.hashes {
			delete(s.inflight, h)
		}
		if ev.blocks > 0 {
			s.blockSize = movingBlockSize(s.blockSize, ev.bytes/ev.blocks)
		}
		s.perPeer[ev.peer]--
		if s.perPeer[ev.peer] <= 0 {
			delete(s.perPeer, ev.peer)
			s.setBusy(ev.peer, s.headerPeer == ev.peer)
		}
		if ev.count > 0 {
			s.lastProgress.Store(n.now().UnixNano())
		}
		var code errCode
		switch {
		case ev.err == nil && ev.count > 0:
			// A short reply (the 8 MiB cap, or the peer's own tip):
			// the rest is asked again.
		case ev.err == nil && ev.blocks == 0 || errors.As(ev.err, &code) && byte(code) == CodeNotAvailable:
			// It lacks the first of them: others get these for a
			// while, and it gets requests for the rest.
			s.markLacking(ev.peer, ev.hashes)
		default:
			// It refused or stalled, or none of its blocks could be
			// used yet: no requests for a while.
			s.cooldown[ev.peer] = n.now().Add(cooldownAfter(ev.err))
		}
	}
}

// markLacking records that p lacks hashes, until lackingRetry from now,
// and forgets what it lacked before that has expired.
func (s *syncer) markLacking(p peer.ID, hashes []chain.Hash) {
	now := s.n.now()
	m := s.lacking[p]
	if m == nil {
		m = map[chain.Hash]time.Time{}
		s.lacking[p] = m
	}
	for h, until := range m {
		if !now.Before(until) {
			delete(m, h)
		}
	}
	for _, h := range hashes {
		m[h] = now.Add(lackingRetry)
	}
}

// cooldownAfter is how long a peer whose request failed with err (nil: it
// sent none of the blocks) gets no requests: rateLimitBackoff after it
// answered "rate limited", peerCooldown otherwise.
func cooldownAfter(err error) time.Duration {
	var code errCode
	if errors.As(err, &code) && byte(code) == CodeRateLimited {
		return rateLimitBackoff
	}
	return peerCooldown
}

// schedule starts the requests the state calls for: headers from the best
// peer ahead of us, bodies from every useful peer with room.
func (s *syncer) schedule(ctx context.Context) {
	if ctx.Err() != nil {
		return
	}
	s.scheduleHeaders(ctx)
	s.scheduleBodies(ctx)
}

// scheduleHeaders asks the peer with the most work beyond our best header
// (or one that sent a block we cannot place) for headers.
func (s *syncer) scheduleHeaders(ctx context.Context) {
	if s.headerPeer != "" {
		return
	}
	n := s.n
	_, _, ourWork := s.bestHeader()
	now := n.now()
	var best peer.ID
	var bestWork *big.Int
	for _, p := range n.host.Network().Peers() {
		st := n.peers.status(p)
		if st == nil || now.Before(s.cooldown[p]) {
			continue
		}
		w := workOf(st)
		ahead := w.Cmp(ourWork) > 0
		if done := s.headersDone[p]; done != nil && done.Cmp(w) >= 0 {
			ahead = false // fetched to this status already
		}
		if !ahead && !s.askHeaders[p] {
			continue
		}
		if best == "" || w.Cmp(bestWork) > 0 {
			best, bestWork = p, w
		}
	}
	if best == "" {
		return
	}
	delete(s.askHeaders, best)
	s.headerPeer = best
	s.setBusy(best, true)
	n.goRun(func() { s.send(s.fetchHeaders(ctx, best)) })
}

// fetchHeaders runs one getheaders exchange with p and hands the headers
// to the chain.
func (s *syncer) fetchHeaders(ctx context.Context, p peer.ID) syncEvent {
	n := s.n
	ev := syncEvent{kind: evHeadersDone, peer: p}
	locator := s.locator()
	headers, err := n.requestHeaders(ctx, p, locator)
	if err != nil {
		ev.err, ev.penalty = err, requestPenalty(err)
		return ev
	}
	ev.count, ev.full = len(headers), len(headers) == MaxHeadersPerReply
	if len(headers) == 0 {
		return ev
	}
	if _, err := n.cfg.ProcessHeaders(ctx, headers); err != nil {
		ev.err = err
		if provablyInvalid(err) {
			ev.penalty = scoreInvalid
		} else if errors.Is(err, chain.ErrMissingParent) || errors.Is(err, chain.ErrHeadersNotContinuous) {
			ev.penalty = scoreUnsolicited
		}
		ev.full = false
	}
	return ev
}

// scheduleBodies fills every useful peer's request slots with the next
// missing bodies of the best header chain.
func (s *syncer) scheduleBodies(ctx context.Context) {
	n := s.n
	best := n.cfg.BestState()
	now := n.now()
	for _, p := range n.host.Network().Peers() {
		st := n.peers.status(p)
		if st == nil || (st.BestBlockHeight <= best.Height && !s.served[p]) || now.Before(s.cooldown[p]) {
			continue
		}
		lacks := s.lacking[p]
		skip := func(h chain.Hash) bool {
			if _, ok := s.inflight[h]; ok {
				return true
			}
			until, ok := lacks[h]
			return ok && now.Before(until)
		}
		for s.perPeer[p] < maxRequestsPerPeer {
			hashes := n.cfg.NextBlocksToDownload(requestSize(s.blockSize), downloadWindow, skip)
			if len(hashes) == 0 {
				break // nothing for this peer; another may lack less
			}
			for _, h := range hashes {
				s.inflight[h] = p
			}
			s.perPeer[p]++
			s.setBusy(p, true)
			n.goRun(func() { s.send(s.fetchBodies(ctx, p, hashes)) })
		}
	}
}

// fetchBodies runs one getblocks exchange with p, bounded by the stall
// timeout, and hands the blocks to the chain as they arrive.
func (s *syncer) fetchBodies(ctx context.Context, p peer.ID, hashes []chain.Hash) syncEvent {
	n := s.n
	ev := syncEvent{kind: evBlocksDone, peer: p, hashes: hashes}
	rctx, cancel := context.WithTimeout(ctx, n.cfg.StallTimeout)
	defer cancel()
	blocks, err := n.requestBlocks(rctx, p, hashes)
	if err != nil {
		ev.err, ev.penalty = err, requestPenalty(err)
	}
	for _, b := range blocks {
		ev.blocks++
		ev.bytes += b.SerializeSize()
	}
	for _, b := range blocks {
		if _, perr := n.cfg.ProcessBlock(ctx, b); perr != nil {
			if provablyInvalid(perr) {
				ev.err, ev.penalty = perr, scoreInvalid
				return ev
			}
			var re chain.RuleError
			if !errors.As(perr, &re) || re.Err != chain.ErrDuplicateBlock {
				continue
			}
			// Gossip brought it meanwhile: the peer served it all the
			// same, and must not be left alone for it.
		}
		ev.count++
	}
	return ev
}

// requestSize is the number of bodies to ask for in one getblocks when the
// recent bodies averaged blockSize bytes (zero: none yet): requestBytes
// worth, between blocksPerRequest and MaxBlocksPerRequest.
func requestSize(blockSize int) int {
	if blockSize <= 0 {
		return blocksPerRequest
	}
	return min(max(requestBytes/blockSize, blocksPerRequest), MaxBlocksPerRequest)
}

// movingBlockSize folds the average size of one reply's bodies into the
// moving average avg (zero: none yet), a quarter weight per reply.
func movingBlockSize(avg, reply int) int {
	if avg == 0 {
		return max(reply, 1)
	}
	return max((3*avg+reply)/4, 1)
}

// requestPenalty returns the points a failed request costs the peer: a
// protocol fault its points, a stall scoreStall, a refusal nothing.
func requestPenalty(err error) int {
	if err == nil {
		return 0
	}
	if pts := faultPoints(err); pts > 0 {
		return pts
	}
	var code errCode
	if errors.As(err, &code) {
		return 0
	}
	if errors.Is(err, context.DeadlineExceeded) || isTimeout(err) {
		return scoreStall
	}
	return 0
}

// isTimeout reports whether err is a network timeout.
func isTimeout(err error) bool {
	var t interface{ Timeout() bool }
	return errors.As(err, &t) && t.Timeout()
}

// locator returns the locator of the best header chain.
func (s *syncer) locator() []chain.Hash { return s.n.cfg.HeaderLocator() }

// bestHeader returns our best header's hash, height and work.
func (s *syncer) bestHeader() (chain.Hash, uint32, *big.Int) { return s.n.cfg.BestHeader() }

// updateIBD recomputes the initial-download state (SPEC §10): the best
// block older than the network's threshold, or far behind the best
// header, and requested bodies still connecting.
func (s *syncer) updateIBD() {
	n := s.n
	best := n.cfg.BestState()
	_, hdrHeight, _ := s.bestHeader()
	now := n.now()
	maxAge := 24 * time.Hour
	if n.cfg.Params.Name != "main" {
		maxAge = time.Hour
	}
	behind := now.Sub(best.Header.Timestamp()) > maxAge || hdrHeight > best.Height+ibdMaxBehind
	stalled := now.Sub(time.Unix(0, s.lastProgress.Load())) > ibdProgressTimeout
	s.ibd.Store(behind && !stalled)
}

// progress reports how far sync has come: best block height over best
// header height.
func (s *syncer) progress() float64 {
	best := s.n.cfg.BestState()
	_, hdr, _ := s.bestHeader()
	if hdr <= best.Height || hdr == 0 {
		return 1
	}
	return float64(best.Height) / float64(hdr)
}

// logProgress logs headers, blocks, rate and time left while behind, at
// most every progressInterval.
func (s *syncer) logProgress() {
	n := s.n
	now := n.now()
	if now.Sub(s.lastLog) < progressInterval {
		return
	}
	best := n.cfg.BestState()
	_, hdr, _ := s.bestHeader()
	if s.lastLog.IsZero() || best.Height == s.logHeight || hdr <= best.Height {
		s.lastLog, s.logHeight = now, best.Height
		return
	}
	rate := float64(best.Height-s.logHeight) / now.Sub(s.lastLog).Seconds()
	left := time.Duration(float64(hdr-best.Height)/rate) * time.Second
	n.log.Info("syncing", "headers", hdr, "blocks", best.Height, "blocks/s", int(rate),
		"left", left.Round(time.Second), "progress", s.progress())
	s.lastLog, s.logHeight = now, best.Height
}

func errString(err error) string {
	if err == nil {
		return "protocol fault"
	}
	return err.Error()
}
