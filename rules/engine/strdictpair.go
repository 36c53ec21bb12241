package engine

import (
	"slices"
	"sync/atomic"
)

// dictPair compares two dictionary-encoded string operands through their
// entries: each entry of either dictionary gets its rank among the sorted
// distinct transformed values of both, once per pair of dictionaries, and
// rows compare ranks — integers — instead of strings. Ranks order as
// strings.Compare orders the values, so every comparison operator holds
// on ranks exactly when it holds on the strings.
type dictPair struct {
	last atomic.Pointer[pairRanks] // the ranks of the last pair seen
}

// pairRanks are the ranks of the entries of the dictionaries l and r.
type pairRanks struct {
	l, r   any // the dictionaries' keys (strColumn.dictKey)
	lr, rr []int32
}

// maxPairEntries bounds the entries of both dictionaries together, as a
// multiple of the batch's rows, for which ranking pays: beyond it the
// dictionaries are nearly as long as the data.
const maxPairEntries = 2

// ranks returns the ranks of the entries of the operands' dictionaries, nil
// when the operands are not both dictionaries read through 32-bit indices
// or when ranking would not pay.
func (p *dictPair) ranks(n *strPairNode, lc, rc *column, rows int) *pairRanks {
	ls, rs := lc.str, rc.str
	if n.l.fromInt || n.r.fromInt || ls == nil || rs == nil || ls.dict == nil || rs.dict == nil ||
		ls.idx32 == nil || rs.idx32 == nil {
		return nil
	}
	ln, rn := len(ls.dictNulls), len(rs.dictNulls)
	if ln+rn > maxPairEntries*rows+64 || !inRange(ls.idx32[:rows], ln) || !inRange(rs.idx32[:rows], rn) {
		return nil
	}
	cacheable := ls.dictKey != nil && rs.dictKey != nil
	if pr := p.last.Load(); cacheable && pr != nil && pr.l == ls.dictKey && pr.r == rs.dictKey {
		return pr
	}
	lv := make([]string, ln)
	for k := range ln {
		lv[k] = n.l.apply(ls.dict.Value(k))
	}
	rv := make([]string, rn)
	for k := range rn {
		rv[k] = n.r.apply(rs.dict.Value(k))
	}
	all := slices.Concat(lv, rv)
	slices.Sort(all)
	all = slices.Compact(all)
	rank := func(vals []string) []int32 {
		out := make([]int32, len(vals))
		for k, v := range vals {
			i, _ := slices.BinarySearch(all, v)
			out[k] = int32(i)
		}
		return out
	}
	pr := &pairRanks{l: ls.dictKey, r: rs.dictKey, lr: rank(lv), rr: rank(rv)}
	if cacheable {
		p.last.Store(pr)
	}
	return pr
}

// evalRanks is strPairNode.eval on ranks: the nulls as null says, the
// comparison of two values that of their ranks.
func (n *strPairNode) evalRanks(b *batch, lc, rc *column, pr *pairRanks) ([]uint64, []uint64) {
	v, e := b.bits(), b.bits()
	li, ri := lc.str.idx32, rc.str.idx32
	noNulls := lc.nulls == nil && rc.nulls == nil
	for i := range b.n {
		if !noNulls && n.null(lc, rc, i, v, e) {
			continue
		}
		a, c := pr.lr[li[i]], pr.rr[ri[i]]
		cmp := 0
		switch {
		case a < c:
			cmp = -1
		case a > c:
			cmp = 1
		}
		if n.op.holds(cmp) {
			setBit(v, i)
		}
	}
	return v, e
}

// inRange reports whether every index is in [0, n): a file's indices are
// not trusted (the per-row path meets a bad one as an error).
func inRange(idx []int32, n int) bool {
	var bad int32
	m := int32(n)
	for _, v := range idx {
		if v < 0 || v >= m {
			bad++
		}
	}
	return bad == 0
}
