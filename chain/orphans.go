package chain

import "time"

const (
	// DefaultMaxOrphans bounds the orphan block pool.
	DefaultMaxOrphans = 100
	// orphanTTL is how long an orphan waits for its parent.
	orphanTTL = time.Hour
)

// orphanPool holds blocks whose parent is unknown, bounded in number; the
// oldest is evicted when it is full. Guarded by BlockChain.processLock.
type orphanPool struct {
	max    int
	byHash map[Hash]*orphan
	byPrev map[Hash][]Hash
	order  []Hash // arrival order, for eviction
}

type orphan struct {
	block   *Block
	expires time.Time
}

func newOrphanPool(max int) *orphanPool {
	if max <= 0 {
		max = DefaultMaxOrphans
	}
	return &orphanPool{max: max, byHash: make(map[Hash]*orphan), byPrev: make(map[Hash][]Hash)}
}

func (p *orphanPool) has(h Hash) bool { _, ok := p.byHash[h]; return ok }

func (p *orphanPool) len() int { return len(p.byHash) }

func (p *orphanPool) add(b *Block, h Hash, now time.Time) {
	for len(p.byHash) >= p.max && len(p.order) > 0 {
		p.remove(p.order[0])
	}
	p.byHash[h] = &orphan{block: b, expires: now.Add(orphanTTL)}
	p.byPrev[b.Header.Prev] = append(p.byPrev[b.Header.Prev], h)
	p.order = append(p.order, h)
}

func (p *orphanPool) remove(h Hash) {
	o := p.byHash[h]
	if o == nil {
		return
	}
	delete(p.byHash, h)
	prev := o.block.Header.Prev
	siblings := p.byPrev[prev]
	for i, s := range siblings {
		if s == h {
			siblings = append(siblings[:i], siblings[i+1:]...)
			break
		}
	}
	if len(siblings) == 0 {
		delete(p.byPrev, prev)
	} else {
		p.byPrev[prev] = siblings
	}
	for i, s := range p.order {
		if s == h {
			p.order = append(p.order[:i], p.order[i+1:]...)
			break
		}
	}
}

// takeChildren removes and returns the orphans whose parent is h.
func (p *orphanPool) takeChildren(h Hash) []*Block {
	hashes := append([]Hash(nil), p.byPrev[h]...)
	blocks := make([]*Block, 0, len(hashes))
	for _, c := range hashes {
		blocks = append(blocks, p.byHash[c].block)
		p.remove(c)
	}
	return blocks
}

// expire drops orphans that waited longer than orphanTTL.
func (p *orphanPool) expire(now time.Time) {
	for _, h := range append([]Hash(nil), p.order...) {
		if now.After(p.byHash[h].expires) {
			p.remove(h)
		}
	}
}
