package p2p

import (
	"bufio"
	"context"
	"errors"
	"fmt"
	"io"
	"time"

	"github.com/libp2p/go-libp2p/core/network"
	"github.com/libp2p/go-libp2p/core/peer"
	"github.com/libp2p/go-libp2p/core/protocol"

	"github.com/flint-chain/flint/chain"
)

// Stream deadlines. A request stream must be read, answered and closed
// within its deadline; past it the stream is reset.
const (
	// statusDeadline bounds a whole status exchange.
	statusDeadline = 5 * time.Second
	// headersDeadline bounds a getheaders exchange (a reply is at most
	// 160 kB).
	headersDeadline = 10 * time.Second
	// blocksDeadline bounds a getblocks exchange (a reply is at most
	// 8 MiB); a peer that does not finish in time stalled.
	blocksDeadline = 20 * time.Second
	// requestReadDeadline bounds the read of a request frame by a
	// responder.
	requestReadDeadline = 5 * time.Second
)

// DefaultRates are the per-peer token buckets of each protocol, by
// protocol name. A peer syncing from us asks one getheaders per 2,000
// headers and one getblocks per 32 to 128 blocks, at most 4 at a time;
// the buckets leave room for a fast initial sync over a LAN (3,200 to
// 12,800 blocks/s) and refuse a flood.
var DefaultRates = map[string]Rate{
	"status":     {PerSecond: 0.5, Burst: 4},
	"getheaders": {PerSecond: 10, Burst: 20},
	"getblocks":  {PerSecond: 100, Burst: 100},
}

// protocolIDs are the node's request/response protocol names.
type protocolIDs struct {
	status, getHeaders, getBlocks protocol.ID
}

func newProtocolIDs(netID string) protocolIDs {
	return protocolIDs{
		status:     protocol.ID("/" + netID + "/status/1"),
		getHeaders: protocol.ID("/" + netID + "/getheaders/1"),
		getBlocks:  protocol.ID("/" + netID + "/getblocks/1"),
	}
}

func (p protocolIDs) all() []protocol.ID { return []protocol.ID{p.status, p.getHeaders, p.getBlocks} }

// errProtocol marks a peer's protocol fault, with the points it costs.
type errProtocol struct {
	points int
	err    error
}

func (e *errProtocol) Error() string { return e.err.Error() }
func (e *errProtocol) Unwrap() error { return e.err }

// faultPoints returns the ban-score points of a wire error.
func faultPoints(err error) int {
	var pe *errProtocol
	switch {
	case errors.As(err, &pe):
		return pe.points
	case errors.Is(err, ErrFrameTooLarge):
		return scoreOversized
	case errors.Is(err, ErrNonMinimalLength), errors.Is(err, ErrMalformed), errors.Is(err, io.ErrUnexpectedEOF):
		return scoreMalformed
	}
	return 0
}

// readRequest reads a responder's one request frame and checks that the
// requester then closed its side. It returns the code to answer when the
// stream ends wrongly: bytes after the frame are a bad request.
func readRequest(s network.Stream, max int) ([]byte, byte, error) {
	if err := s.SetReadDeadline(time.Now().Add(requestReadDeadline)); err != nil {
		return nil, CodeBadRequest, err
	}
	r := bufio.NewReaderSize(s, 512)
	req, err := ReadFrame(r, max)
	if err != nil {
		if err == io.EOF {
			err = io.ErrUnexpectedEOF
		}
		return nil, CodeBadRequest, err
	}
	if _, err := r.ReadByte(); err != io.EOF {
		if err == nil {
			err = fmt.Errorf("bytes after the request frame: %w", ErrMalformed)
		}
		return nil, CodeBadRequest, err
	}
	return req, CodeOK, nil
}

// serve runs one request/response exchange on an incoming stream: rate
// limit, read one bounded frame, answer with respond, close. A protocol
// fault costs the peer points and resets the stream; a refused request is
// answered with its code.
func (n *Node) serve(s network.Stream, max int, deadline time.Duration,
	respond func(p peer.ID, req []byte, w *bufio.Writer) error) {
	p, proto := s.Conn().RemotePeer(), s.Protocol()
	_ = s.SetDeadline(time.Now().Add(deadline))
	if !n.peers.allow(p, proto) {
		n.metrics.rateLimited.WithLabelValues(string(proto)).Inc()
		n.misbehave(p, scoreRateLimited, "request beyond the rate limit on "+string(proto))
		_, _ = s.Write([]byte{CodeRateLimited})
		_ = s.Close()
		return
	}
	req, code, err := readRequest(s, max)
	if err != nil {
		n.metrics.bytesIn.WithLabelValues(string(proto)).Add(float64(len(req)))
		if pts := faultPoints(err); pts > 0 {
			n.misbehave(p, pts, fmt.Sprintf("bad request on %s: %v", proto, err))
			if code == CodeBadRequest && errors.Is(err, ErrMalformed) {
				_, _ = s.Write([]byte{code})
				_ = s.Close()
				return
			}
		}
		_ = s.Reset()
		return
	}
	n.metrics.bytesIn.WithLabelValues(string(proto)).Add(float64(FrameSize(len(req))))
	n.peers.addBytes(p, 0, FrameSize(len(req)))
	cw := &countingWriter{w: s, c: n.metrics.bytesOut.WithLabelValues(string(proto))}
	defer func() { n.peers.addBytes(p, int(cw.n), 0) }()
	w := bufio.NewWriterSize(cw, 64<<10)
	if err := respond(p, req, w); err != nil {
		if pts := faultPoints(err); pts > 0 {
			n.misbehave(p, pts, fmt.Sprintf("bad request on %s: %v", proto, err))
			_, _ = w.Write([]byte{CodeBadRequest})
			_ = w.Flush()
			_ = s.Close()
			return
		}
		n.log.Debug("answering a request", "peer", p, "protocol", proto, "err", err)
		_ = s.Reset()
		return
	}
	if err := w.Flush(); err != nil {
		_ = s.Reset()
		return
	}
	_ = s.Close()
}

// handleStatus answers /NET/status/1 with our status, then acts on the
// peer's.
func (n *Node) handleStatus(s network.Stream) {
	var theirs Status
	n.serve(s, StatusSize, statusDeadline, func(p peer.ID, req []byte, w *bufio.Writer) error {
		st, err := DecodeStatus(req)
		if err != nil {
			return err
		}
		theirs = st
		ours := n.localStatus()
		_ = w.WriteByte(CodeOK)
		_, err = w.Write(AppendFrame(nil, ours.Encode()))
		return err
	})
	if theirs.Work != nil {
		n.onStatus(s.Conn().RemotePeer(), &theirs)
	}
}

// handleGetHeaders answers /NET/getheaders/1 from the best header chain.
func (n *Node) handleGetHeaders(s network.Stream) {
	n.serve(s, MaxGetHeadersSize, headersDeadline, func(p peer.ID, req []byte, w *bufio.Writer) error {
		g, err := DecodeGetHeaders(req)
		if err != nil {
			return err
		}
		headers := n.cfg.LocateHeaders(g.Locator, g.Stop, MaxHeadersPerReply)
		_ = w.WriteByte(CodeOK)
		_, err = w.Write(AppendFrame(nil, EncodeHeaders(headers)))
		return err
	})
}

// handleGetBlocks answers /NET/getblocks/1: the blocks asked for, in
// order, until one is missing or the reply would pass
// MaxBlocksResponseBytes.
func (n *Node) handleGetBlocks(s network.Stream) {
	n.serve(s, MaxGetBlocksSize, blocksDeadline, func(p peer.ID, req []byte, w *bufio.Writer) error {
		hashes, err := DecodeGetBlocks(req)
		if err != nil {
			return err
		}
		total := 0
		for i, h := range hashes {
			b, err := n.cfg.BlockByHash(h)
			if err != nil {
				if i == 0 {
					return w.WriteByte(CodeNotAvailable)
				}
				return nil
			}
			raw := b.Serialize()
			if total += FrameSize(len(raw)); total > MaxBlocksResponseBytes {
				return nil
			}
			if i == 0 {
				_ = w.WriteByte(CodeOK)
			}
			if _, err := w.Write(AppendFrame(nil, raw)); err != nil {
				return err
			}
		}
		return nil
	})
}

// exchange is an outgoing request in progress: the stream, positioned
// after a CodeOK byte.
type exchange struct {
	s     network.Stream
	r     *bufio.Reader
	proto protocol.ID
	n     *Node
}

// errCode is a response refused with a code other than CodeOK.
type errCode byte

func (e errCode) Error() string {
	switch byte(e) {
	case CodeBadRequest:
		return "peer answered: bad request"
	case CodeNotAvailable:
		return "peer answered: not available"
	case CodeRateLimited:
		return "peer answered: rate limited"
	}
	return fmt.Sprintf("peer answered with unknown code %d", byte(e))
}

// request opens a stream to p, writes one request frame, closes the write
// side and reads the response code. On CodeOK the caller reads the frames
// and must call done; on any other outcome the stream is already closed.
func (n *Node) request(ctx context.Context, p peer.ID, proto protocol.ID, req []byte, deadline time.Duration) (*exchange, error) {
	ctx, cancel := context.WithTimeout(ctx, deadline)
	defer cancel()
	s, err := n.host.NewStream(network.WithNoDial(ctx, "request on an open connection"), p, proto)
	if err != nil {
		return nil, err
	}
	// Reads do not watch ctx: the stream's deadline is ctx's, which is the
	// caller's when that is sooner (a body request's stall timeout).
	dl, _ := ctx.Deadline()
	_ = s.SetDeadline(dl)
	frame := AppendFrame(nil, req)
	n.metrics.bytesOut.WithLabelValues(string(proto)).Add(float64(len(frame)))
	n.peers.addBytes(p, len(frame), 0)
	if _, err := s.Write(frame); err != nil {
		_ = s.Reset()
		return nil, err
	}
	if err := s.CloseWrite(); err != nil {
		_ = s.Reset()
		return nil, err
	}
	x := &exchange{s: s, r: bufio.NewReaderSize(s, 64<<10), proto: proto, n: n}
	code, err := x.r.ReadByte()
	if err != nil {
		_ = s.Reset()
		return nil, err
	}
	if code != CodeOK {
		_ = s.Close()
		if code > CodeRateLimited {
			return nil, &errProtocol{points: scoreMalformed, err: errCode(code)}
		}
		return nil, errCode(code)
	}
	return x, nil
}

// frame reads the next response frame; io.EOF when the response ended.
func (x *exchange) frame(max int) ([]byte, error) {
	b, err := ReadFrame(x.r, max)
	if err == nil {
		x.n.metrics.bytesIn.WithLabelValues(string(x.proto)).Add(float64(FrameSize(len(b))))
		x.n.peers.addBytes(x.s.Conn().RemotePeer(), 0, FrameSize(len(b)))
	}
	return b, err
}

// done ends the exchange: close after a clean end, reset after a fault.
func (x *exchange) done(err error) {
	if err != nil {
		_ = x.s.Reset()
		return
	}
	_ = x.s.Close()
}

// requestStatus sends our status to p and returns theirs.
func (n *Node) requestStatus(ctx context.Context, p peer.ID) (*Status, error) {
	ours := n.localStatus()
	x, err := n.request(ctx, p, n.protos.status, ours.Encode(), statusDeadline)
	if err != nil {
		return nil, err
	}
	b, err := x.frame(StatusSize)
	if err == nil {
		var st Status
		if st, err = DecodeStatus(b); err == nil {
			x.done(nil)
			return &st, nil
		}
	}
	if err == io.EOF {
		err = fmt.Errorf("status reply without a frame: %w", ErrMalformed)
	}
	x.done(err)
	return nil, err
}

// requestHeaders asks p for the headers after locator. The reply must be a
// chain (checked by DecodeHeaders) whose first header follows one of the
// locator's hashes, unless it is empty.
func (n *Node) requestHeaders(ctx context.Context, p peer.ID, locator []chain.Hash) ([]chain.Header, error) {
	if len(locator) > MaxLocatorHashes {
		locator = append(locator[:MaxLocatorHashes-1:MaxLocatorHashes-1], locator[len(locator)-1])
	}
	g := GetHeaders{Locator: locator}
	x, err := n.request(ctx, p, n.protos.getHeaders, g.Encode(), headersDeadline)
	if err != nil {
		return nil, err
	}
	b, err := x.frame(MaxHeadersSize)
	var headers []chain.Header
	if err == nil {
		headers, err = DecodeHeaders(b)
	}
	if err == io.EOF {
		err = fmt.Errorf("headers reply without a frame: %w", ErrMalformed)
	}
	if err == nil && len(headers) > 0 && !n.followsLocator(headers[0], locator) {
		err = &errProtocol{points: scoreUnsolicited, err: errors.New("headers reply does not follow the locator")}
	}
	x.done(err)
	return headers, err
}

// followsLocator reports whether h's parent is one of the locator hashes
// or a header we know (a peer's chain may fork below the locator's
// sparse hashes).
func (n *Node) followsLocator(h chain.Header, locator []chain.Hash) bool {
	for _, l := range locator {
		if h.Prev == l {
			return true
		}
	}
	return n.haveHeader(h.Prev)
}

// requestBlocks asks p for the blocks of hashes and returns those it sent,
// in order, each checked to be the one asked for at its place. A block
// that is not the next one asked for is unsolicited.
func (n *Node) requestBlocks(ctx context.Context, p peer.ID, hashes []chain.Hash) ([]*chain.Block, error) {
	x, err := n.request(ctx, p, n.protos.getBlocks, EncodeGetBlocks(hashes), blocksDeadline)
	if err != nil {
		return nil, err
	}
	var blocks []*chain.Block
	total := 0
	for len(blocks) < len(hashes) {
		raw, err := x.frame(n.cfg.Params.MaxBlockSize)
		if err == io.EOF {
			break
		}
		if err != nil {
			x.done(err)
			return blocks, err
		}
		if total += FrameSize(len(raw)); total > MaxBlocksResponseBytes {
			err = &errProtocol{points: scoreOversized, err: errors.New("blocks reply beyond 8 MiB")}
			x.done(err)
			return blocks, err
		}
		b, err := chain.DecodeBlock(raw, n.cfg.Params.MaxBlockSize)
		if err != nil {
			err = &errProtocol{points: scoreMalformed, err: fmt.Errorf("block does not decode: %w", err)}
			x.done(err)
			return blocks, err
		}
		if b.BlockHash() != hashes[len(blocks)] {
			err = &errProtocol{points: scoreUnsolicited, err: fmt.Errorf("block %s was not asked for", b.BlockHash())}
			x.done(err)
			return blocks, err
		}
		blocks = append(blocks, b)
	}
	if len(blocks) == len(hashes) {
		// Anything after the last block asked for is a fault.
		if _, err := x.r.ReadByte(); err != io.EOF {
			err = &errProtocol{points: scoreUnsolicited, err: errors.New("bytes after the last block asked for")}
			x.done(err)
			return blocks, err
		}
	}
	x.done(nil)
	return blocks, nil
}

// countingWriter counts written bytes into a metric.
type countingWriter struct {
	w io.Writer
	c interface{ Add(float64) }
	n int64
}

func (c *countingWriter) Write(b []byte) (int, error) {
	n, err := c.w.Write(b)
	c.c.Add(float64(n))
	c.n += int64(n)
	return n, err
}
