package explorer

import (
	"cmp"
	"fmt"
	"slices"
	"strings"

	"github.com/flint-chain/flint/chain"
)

// Block-tree drawing, in SVG user units.
const (
	treeBoxW   = 78.0
	treeBoxH   = 34.0
	treeColW   = 100.0
	treeLaneH  = 78.0
	treeMargin = 16.0
	treeTop    = 28.0
	// minCollapse is the shortest straight run drawn as one "N blocks" box.
	minCollapse = 5
)

// blockTree is the recent block tree of a testnet, laid out for SVG.
type blockTree struct {
	W, H  float64
	Boxes []treeBox
	Edges []treeEdge
	// Lanes is the number of branches drawn.
	Lanes int
}

// treeBox is a block, or a collapsed run of blocks, on the drawing.
type treeBox struct {
	X, Y float64
	// Label and Sub are the two lines of text: short hash and height, or
	// "N blocks" and the height range.
	Label, Sub string
	Class      string
	// Holders names the nodes that have the block (all of them: "all").
	Holders string
	// Tips names the nodes whose tip it is, drawn above the box.
	Tips  string
	Title string
	Hash  chain.Hash
	Run   bool
}

// treeEdge joins a parent's box to its child's.
type treeEdge struct{ X1, Y1, X2, Y2 float64 }

// Methods for the template.
func (treeBox) W() float64          { return treeBoxW }
func (treeBox) H() float64          { return treeBoxH }
func (b treeBox) TextX() float64    { return b.X + treeBoxW/2 }
func (b treeBox) Line1Y() float64   { return b.Y + 14 }
func (b treeBox) Line2Y() float64   { return b.Y + 27 }
func (b treeBox) HolderY() float64  { return b.Y + treeBoxH + 12 }
func (b treeBox) TipY() float64     { return b.Y - 6 }
func (b treeBox) HasTips() bool     { return b.Tips != "" }
func (b treeBox) HasHolders() bool  { return b.Holders != "" }
func (b treeBox) LinkHash() string  { return b.Hash.String() }
func (t blockTree) Empty() bool     { return len(t.Boxes) == 0 }
func (t blockTree) ViewBox() string { return fmt.Sprintf("0 0 %.0f %.0f", t.W, t.H) }

// treeBlock is a block of the tree with what the nodes know of it.
type treeBlock struct {
	hash    chain.Hash
	height  uint32
	prev    chain.Hash
	holders []int // nodes that have it: it is below one of their tips
	active  []int // nodes whose main chain holds it
	tipOf   []int // nodes whose main-chain tip it is
	lane    int
}

// build computes the snapshot's node states and block tree from the nodes'
// tips and the cached headers, from floor up.
func (s *testnetSnapshot) build(headers map[chain.Hash]header, floor uint32) {
	blocks := map[chain.Hash]*treeBlock{}
	// Walk every tip of every node down to floor, marking the blocks.
	for i, n := range s.Nodes {
		for _, t := range n.Tips {
			if t.Status == "invalid" || t.Status == "headers-only" {
				continue
			}
			active := t.Status == "active"
			for cur := t.Hash; ; {
				hd, ok := headers[cur]
				if !ok || hd.height < floor {
					break
				}
				b := blocks[cur]
				if b == nil {
					b = &treeBlock{hash: cur, height: hd.height, prev: hd.prev, lane: -1}
					blocks[cur] = b
				}
				if !slices.Contains(b.holders, i) {
					b.holders = append(b.holders, i)
				}
				if active && !slices.Contains(b.active, i) {
					b.active = append(b.active, i)
					if cur == t.Hash {
						b.tipOf = append(b.tipOf, i)
					}
				}
				if hd.height == 0 {
					break
				}
				cur = hd.prev
			}
		}
	}
	s.judgeNodes(blocks, headers)
	s.Tree = layoutTree(blocks, s.Nodes)
}

// judgeNodes picks the best tip (the highest main-chain tip, ties to the
// one most nodes are on) and says of each node whether it is on it,
// lagging on the same branch, or forked off.
func (s *testnetSnapshot) judgeNodes(blocks map[chain.Hash]*treeBlock, headers map[chain.Hash]header) {
	count := map[chain.Hash]int{}
	for _, n := range s.Nodes {
		if n.Err == "" && !n.Active.IsZero() {
			count[n.Active]++
		}
	}
	first := true
	for _, n := range s.Nodes {
		if n.Err != "" || n.Active.IsZero() {
			continue
		}
		if first || n.Height > s.Height || (n.Height == s.Height && count[n.Active] > count[s.Best]) {
			s.Best, s.Height, first = n.Active, n.Height, false
		}
	}
	// The best chain's blocks, to tell a lagging node from a forked one.
	onBest := map[chain.Hash]bool{}
	for cur := s.Best; ; {
		onBest[cur] = true
		hd, ok := headers[cur]
		if !ok || hd.height == 0 {
			break
		}
		cur = hd.prev
	}
	for i := range s.Nodes {
		n := &s.Nodes[i]
		switch {
		case n.Err != "":
			n.State = "unreachable"
		case n.Active == s.Best:
			n.State = "same tip"
		case onBest[n.Active]:
			n.State, n.Lag = "lagging", int64(s.Height)-int64(n.Height)
		default:
			n.State, n.Lag, s.Forked = "forked", int64(s.Height)-int64(n.Height), true
		}
	}
}

// layoutTree places the blocks: one lane per branch (the best-supported
// first), one column per height, straight runs collapsed.
func layoutTree(blocks map[chain.Hash]*treeBlock, nodes []testnetNode) blockTree {
	if len(blocks) == 0 {
		return blockTree{}
	}
	// Branch ends: blocks no other block of the tree builds on.
	hasChild := map[chain.Hash]bool{}
	for _, b := range blocks {
		hasChild[b.prev] = true
	}
	var ends []*treeBlock
	for _, b := range blocks {
		if !hasChild[b.hash] {
			ends = append(ends, b)
		}
	}
	slices.SortFunc(ends, func(a, b *treeBlock) int {
		if c := cmp.Compare(len(b.active), len(a.active)); c != 0 {
			return c
		}
		if c := cmp.Compare(b.height, a.height); c != 0 {
			return c
		}
		return slices.Compare(a.hash[:], b.hash[:])
	})
	lanes := 0
	for _, end := range ends {
		assigned := false
		for b := end; b != nil && b.lane < 0; b = blocks[b.prev] {
			b.lane, assigned = lanes, true
		}
		if assigned {
			lanes++
		}
	}
	// Columns: one per height, except that a straight run (one block per
	// height, no tip, the same holders throughout) of minCollapse or more
	// keeps its ends and folds its middle into one box.
	byHeight := map[uint32][]*treeBlock{}
	lo, hi := ^uint32(0), uint32(0)
	for _, b := range blocks {
		byHeight[b.height] = append(byHeight[b.height], b)
		lo, hi = min(lo, b.height), max(hi, b.height)
	}
	sameMarks := func(a, b *treeBlock) bool {
		return slices.Equal(a.holders, b.holders) && slices.Equal(a.active, b.active)
	}
	// foldable: every block at h continues its lane from h-1 with the same
	// marks, no branch starts or ends there, and it is no node's tip.
	foldable := func(h uint32) bool {
		bs := byHeight[h]
		if len(bs) == 0 || len(bs) != len(byHeight[h-1]) {
			return false
		}
		for _, b := range bs {
			p := blocks[b.prev]
			if len(b.tipOf) > 0 || p == nil || p.lane != b.lane || !sameMarks(p, b) {
				return false
			}
		}
		return true
	}
	col := map[uint32]int{}   // height -> column
	runOf := map[uint32]int{} // folded height -> index in runs
	type run struct{ from, to uint32 }
	var runs []run
	c := 0
	for h := lo; h <= hi; {
		end := h
		for end+1 <= hi && foldable(end+1) {
			end++
		}
		if end-h+1 >= minCollapse {
			col[h] = c
			runs = append(runs, run{h + 1, end - 1})
			for x := h + 1; x < end; x++ {
				col[x] = c + 1
				runOf[x] = len(runs) - 1
			}
			col[end] = c + 2
			c += 3
		} else {
			for x := h; x <= end; x++ {
				col[x] = c
				c++
			}
		}
		h = end + 1
	}
	t := blockTree{Lanes: lanes, W: 2*treeMargin + float64(c-1)*treeColW + treeBoxW, H: treeTop + float64(lanes)*treeLaneH + 8}
	pos := func(b *treeBlock) (float64, float64) {
		return treeMargin + float64(col[b.height])*treeColW, treeTop + float64(b.lane)*treeLaneH
	}
	names := func(idx []int) string {
		if len(idx) == len(nodes) && len(nodes) > 1 {
			return "all"
		}
		parts := make([]string, len(idx))
		for i, n := range idx {
			parts[i] = nodes[n].Name
		}
		slices.Sort(parts)
		return strings.Join(parts, " ")
	}
	drawnRun := map[[2]int]bool{} // run index and lane
	for _, b := range sortedBlocks(blocks) {
		x, y := pos(b)
		if r, folded := runOf[b.height]; folded {
			class := "run"
			if len(b.active) == 0 {
				class += " orphaned"
			}
			if key := [2]int{r, b.lane}; !drawnRun[key] {
				drawnRun[key] = true
				n := runs[r].to - runs[r].from + 1
				t.Boxes = append(t.Boxes, treeBox{X: x, Y: y, Label: fmt.Sprintf("%d blocks", n),
					Sub: fmt.Sprintf("%d–%d", runs[r].from, runs[r].to), Class: class, Holders: names(b.holders), Run: true,
					Title: fmt.Sprintf("heights %d to %d, a straight run", runs[r].from, runs[r].to)})
			}
		} else {
			class := "blk"
			switch {
			case len(b.active) == 0:
				class += " orphaned"
			case len(b.holders) < len(nodes):
				class += " partial"
			}
			t.Boxes = append(t.Boxes, treeBox{X: x, Y: y, Label: b.hash.String()[:8], Sub: fmt.Sprintf("#%d", b.height),
				Class: class, Holders: names(b.holders), Tips: names(b.tipOf), Hash: b.hash,
				Title: fmt.Sprintf("block %v at height %d; on the main chain of: %s", b.hash, b.height, names(b.active))})
		}
		if p := blocks[b.prev]; p != nil {
			_, foldedB := runOf[b.height]
			_, foldedP := runOf[p.height]
			if foldedB && foldedP {
				continue // inside one run box
			}
			px, py := pos(p)
			t.Edges = append(t.Edges, treeEdge{X1: px + treeBoxW, Y1: py + treeBoxH/2, X2: x, Y2: y + treeBoxH/2})
		}
	}
	return t
}

// sortedBlocks returns the blocks by height, then hash, so the drawing is
// the same for the same tree.
func sortedBlocks(blocks map[chain.Hash]*treeBlock) []*treeBlock {
	out := make([]*treeBlock, 0, len(blocks))
	for _, b := range blocks {
		out = append(out, b)
	}
	slices.SortFunc(out, func(a, b *treeBlock) int {
		if c := cmp.Compare(a.height, b.height); c != 0 {
			return c
		}
		return slices.Compare(a.hash[:], b.hash[:])
	})
	return out
}
