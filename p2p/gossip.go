package p2p

import (
	"context"
	"crypto/sha256"
	"errors"
	"net"
	"time"

	pubsub "github.com/libp2p/go-libp2p-pubsub"
	pb "github.com/libp2p/go-libp2p-pubsub/pb"
	"github.com/libp2p/go-libp2p/core/host"
	"github.com/libp2p/go-libp2p/core/peer"

	"github.com/flint-chain/flint/chain"
)

// Gossip settings.
const (
	// validateQueueSize is the pubsub validation queue; the default of 32
	// drops messages when a burst of transactions meets a block being
	// validated.
	validateQueueSize = 1024
	// blockValidateTimeout bounds one block's validation, which includes
	// connecting it.
	blockValidateTimeout = 30 * time.Second
	// txValidateTimeout bounds one transaction's validation.
	txValidateTimeout = 5 * time.Second
	// publishTimeout bounds the wait for one peer to publish to; a node
	// with no peer drops its publication.
	publishTimeout = 5 * time.Second
)

// msgID is the message id of SPEC §10: the 32 raw bytes of SHA-256 of the
// payload. With StrictNoSign there is no author and sequence number to
// name a message by, and a hash of the payload makes a mutated copy a
// different message.
func msgID(m *pb.Message) string {
	sum := sha256.Sum256(m.Data)
	return string(sum[:])
}

// ipWhitelist are the networks exempt from the IP colocation penalty:
// loopback, where tests and local testnets run every node, and the
// private ranges of container networks.
func ipWhitelist() []*net.IPNet {
	var out []*net.IPNet
	for _, s := range []string{"127.0.0.0/8", "::1/128", "10.0.0.0/8", "172.16.0.0/12", "192.168.0.0/16"} {
		_, n, _ := net.ParseCIDR(s)
		out = append(out, n)
	}
	return out
}

// topicScore returns one topic's score parameters. Mesh-delivery
// penalties (P3, P3b) are off: blocks come once a minute and a quiet mesh
// peer is no fault. A peer earns a little for time in the mesh and for
// first deliveries and loses much for an invalid message (P4): one
// Rejected message outweighs an hour of good behaviour.
func topicScore(weight float64) *pubsub.TopicScoreParams {
	return &pubsub.TopicScoreParams{
		SkipAtomicValidation:           true,
		TopicWeight:                    weight,
		TimeInMeshWeight:               0.01,
		TimeInMeshQuantum:              time.Second,
		TimeInMeshCap:                  3600,
		FirstMessageDeliveriesWeight:   1,
		FirstMessageDeliveriesDecay:    pubsub.ScoreParameterDecay(time.Hour),
		FirstMessageDeliveriesCap:      100,
		InvalidMessageDeliveriesWeight: -100,
		InvalidMessageDeliveriesDecay:  pubsub.ScoreParameterDecay(24 * time.Hour),
	}
}

// scoreParams are the gossip peer-scoring parameters; docs/p2p.md lists
// and justifies them.
func scoreParams(blocksTopic, txsTopic string) (*pubsub.PeerScoreParams, *pubsub.PeerScoreThresholds) {
	params := &pubsub.PeerScoreParams{
		SkipAtomicValidation: true,
		Topics: map[string]*pubsub.TopicScoreParams{
			blocksTopic: topicScore(1),
			txsTopic:    topicScore(0.5),
		},
		TopicScoreCap:               100,
		AppSpecificScore:            func(peer.ID) float64 { return 0 },
		AppSpecificWeight:           1,
		IPColocationFactorWeight:    -10,
		IPColocationFactorThreshold: 3,
		IPColocationFactorWhitelist: ipWhitelist(),
		BehaviourPenaltyWeight:      -10,
		BehaviourPenaltyThreshold:   6,
		BehaviourPenaltyDecay:       pubsub.ScoreParameterDecay(10 * time.Minute),
		DecayInterval:               time.Second,
		DecayToZero:                 0.01,
		RetainScore:                 time.Hour,
	}
	thresholds := &pubsub.PeerScoreThresholds{
		GossipThreshold:             -500,
		PublishThreshold:            -1000,
		GraylistThreshold:           -2500,
		AcceptPXThreshold:           100,
		OpportunisticGraftThreshold: 5,
	}
	return params, thresholds
}

// newPubSub starts GossipSub on h with Flint's settings: no author, no
// signature, payload-hash message ids, 2 MiB messages, flood publishing of
// our own messages, peer scoring.
func newPubSub(ctx context.Context, h host.Host, blocksTopic, txsTopic string) (*pubsub.PubSub, error) {
	params, thresholds := scoreParams(blocksTopic, txsTopic)
	return pubsub.NewGossipSub(ctx, h,
		pubsub.WithMessageSignaturePolicy(pubsub.StrictNoSign),
		pubsub.WithNoAuthor(),
		pubsub.WithMessageIdFn(msgID),
		pubsub.WithMaxMessageSize(MaxGossipSize),
		pubsub.WithFloodPublish(true),
		pubsub.WithValidateQueueSize(validateQueueSize),
		pubsub.WithPeerScore(params, thresholds),
	)
}

// startGossip joins the two topics, registers their validators and
// subscribes (a node only in the mesh of topics it subscribes to).
func (n *Node) startGossip() error {
	var err error
	if err = n.ps.RegisterTopicValidator(n.blocksTopicName, n.validateBlock,
		pubsub.WithValidatorTimeout(blockValidateTimeout)); err != nil {
		return err
	}
	if err = n.ps.RegisterTopicValidator(n.txsTopicName, n.validateTx,
		pubsub.WithValidatorTimeout(txValidateTimeout)); err != nil {
		return err
	}
	if n.blocksTopic, err = n.ps.Join(n.blocksTopicName); err != nil {
		return err
	}
	if n.txsTopic, err = n.ps.Join(n.txsTopicName); err != nil {
		return err
	}
	if n.blocksSub, err = n.blocksTopic.Subscribe(); err != nil {
		return err
	}
	if n.txsSub, err = n.txsTopic.Subscribe(); err != nil {
		return err
	}
	return nil
}

// drain reads a subscription until it is cancelled: the validators did
// the work, the delivered messages are not needed.
func drain(ctx context.Context, sub *pubsub.Subscription) {
	for {
		if _, err := sub.Next(ctx); err != nil {
			return
		}
	}
}

// verdict counts a validation result and returns it.
func (n *Node) verdict(topic string, v pubsub.ValidationResult) pubsub.ValidationResult {
	name := map[pubsub.ValidationResult]string{
		pubsub.ValidationAccept: "accept", pubsub.ValidationReject: "reject", pubsub.ValidationIgnore: "ignore",
	}[v]
	n.metrics.validations.WithLabelValues(topic, name).Inc()
	return v
}

// validateBlock is the blocks topic's validator: decode and cheap checks,
// then the chain's process function, then the verdict of SPEC §10.
func (n *Node) validateBlock(ctx context.Context, from peer.ID, m *pubsub.Message) pubsub.ValidationResult {
	if from == n.host.ID() {
		return pubsub.ValidationAccept // our own block, processed before it was published
	}
	// The checks before the chain's are stateless: an honest relayer,
	// which validated the message before forwarding it, never fails them.
	b, err := chain.DecodeBlock(m.Data, n.cfg.Params.MaxBlockSize)
	if err != nil {
		n.misbehave(from, scoreMalformed, "gossiped a block that does not decode: "+err.Error())
		return n.verdict("blocks", pubsub.ValidationReject)
	}
	hash := b.BlockHash()
	if n.cfg.HaveBlock(hash) {
		return n.verdict("blocks", pubsub.ValidationIgnore)
	}
	if err := chain.CheckProofOfWork(hash, b.Header.Bits, n.cfg.Params.PowLimit); err != nil {
		n.misbehave(from, scoreInvalid, "gossiped a block with bad proof of work: "+err.Error())
		return n.verdict("blocks", pubsub.ValidationReject)
	}
	if chain.BlockMerkleRoot(b.Txs) != b.Header.MerkleRoot {
		// The body is not the header's: the header may still be good.
		n.misbehave(from, scoreInvalid, "gossiped a block whose body does not match its merkle root")
		return n.verdict("blocks", pubsub.ValidationReject)
	}
	best := n.cfg.BestState()
	if b.Header.Prev != best.Hash {
		if n.sync.inIBD() {
			// Sync fetches it, and whatever it builds on, in order.
			if !n.haveHeader(hash) {
				n.sync.headersFrom(from)
			}
			return n.verdict("blocks", pubsub.ValidationIgnore)
		}
		if !n.haveHeader(b.Header.Prev) {
			// Its ancestors are missing: ask the peer that sent it.
			n.sync.headersFrom(from)
			return n.verdict("blocks", pubsub.ValidationIgnore)
		}
	}
	res, err := n.cfg.ProcessBlock(ctx, b)
	if err == nil && !res.Orphan {
		// The relayer validated it before relaying: it holds it.
		n.peers.noteBlock(from, hash, res.Height)
	}
	switch {
	case err == nil && (res.Orphan || res.AwaitingParent):
		// Stored or held, not connected: sync fetches what is missing.
		n.sync.headersFrom(from)
		return n.verdict("blocks", pubsub.ValidationIgnore)
	case err == nil && res.MainChain:
		return n.verdict("blocks", pubsub.ValidationAccept)
	case err == nil:
		return n.verdict("blocks", pubsub.ValidationIgnore) // a side chain: stored, not relayed
	case provablyInvalid(err):
		n.misbehave(from, scoreInvalid, "gossiped an invalid block: "+err.Error())
		return n.verdict("blocks", pubsub.ValidationReject)
	}
	return n.verdict("blocks", pubsub.ValidationIgnore)
}

// provablyInvalid reports whether a chain error proves the block or
// header invalid, so that the peer that sent it is at fault. A block
// from the future may become valid, and a duplicate or a database
// failure is no one's fault.
func provablyInvalid(err error) bool {
	var re chain.RuleError
	if !errors.As(err, &re) {
		return false
	}
	switch re.Err {
	case chain.ErrTimeTooNew, chain.ErrDuplicateBlock:
		return false
	}
	return true
}

// validateTx is the transactions topic's validator: the mempool decides;
// only a consensus violation is Rejected.
func (n *Node) validateTx(ctx context.Context, from peer.ID, m *pubsub.Message) pubsub.ValidationResult {
	if from == n.host.ID() {
		return pubsub.ValidationAccept
	}
	tx, err := chain.DecodeTx(m.Data)
	if err != nil {
		n.misbehave(from, scoreMalformed, "gossiped a transaction that does not decode: "+err.Error())
		return n.verdict("txs", pubsub.ValidationReject)
	}
	if n.sync.inIBD() || (n.cfg.HaveTx != nil && n.cfg.HaveTx(tx)) {
		return n.verdict("txs", pubsub.ValidationIgnore)
	}
	accepted, err := n.cfg.AcceptTx(tx, from.String())
	switch {
	case err != nil && n.cfg.IsConsensusError != nil && n.cfg.IsConsensusError(err):
		return n.verdict("txs", pubsub.ValidationReject)
	case err != nil || len(accepted) == 0:
		return n.verdict("txs", pubsub.ValidationIgnore)
	}
	// Orphans this transaction unlocked entered the pool too; nobody has
	// relayed them yet.
	for _, o := range accepted[1:] {
		n.PublishTx(o)
	}
	return n.verdict("txs", pubsub.ValidationAccept)
}

// PublishBlock announces a block the node found or was handed (mined,
// submitted over RPC). It returns at once; the publication waits in the
// background for a peer to send to, up to publishTimeout.
func (n *Node) PublishBlock(b *chain.Block) {
	n.publish(n.blocksTopic, b.Serialize())
}

// PublishTx announces a transaction that entered the pool from this node
// (RPC, or an orphan unlocked by a gossiped parent).
func (n *Node) PublishTx(tx *chain.Tx) {
	n.publish(n.txsTopic, tx.Serialize())
}

func (n *Node) publish(t *pubsub.Topic, data []byte) {
	if t == nil || len(t.ListPeers()) == 0 {
		return // nobody to tell; peers that connect later sync instead
	}
	n.goRun(func() {
		ctx, cancel := context.WithTimeout(n.ctx, publishTimeout)
		defer cancel()
		if err := t.Publish(ctx, data, pubsub.WithReadiness(pubsub.MinTopicSize(1))); err != nil && n.ctx.Err() == nil {
			n.log.Debug("publication not sent", "topic", t.String(), "err", err)
		}
	})
}
