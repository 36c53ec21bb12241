package engine

import (
	"math/rand/v2"
	"strings"
	"testing"

	"github.com/apache/arrow-go/v18/arrow"
	"github.com/apache/arrow-go/v18/arrow/array"
	"github.com/apache/arrow-go/v18/arrow/memory"
	"github.com/stretchr/testify/require"

	"github.com/sluicedata/sluice/internal/arrowtest"
)

// Two dictionary columns with different, overlapping dictionaries (with
// duplicate and null entries, null rows, a transform) compare on ranks as
// they do on strings, for every operator, also on the cached second batch.
func TestDictPairMatchesStrings(t *testing.T) {
	mem := arrowtest.Allocator(t)
	rng := rand.New(rand.NewPCG(11, 12))
	pool := []string{"JFK", "jfk", "LAX", "SFO", "", "ORD", "Ord", "ATL", "b", "ab", "日本"}
	dictArr := func(entries int) arrow.Array {
		vb := array.NewStringBuilder(mem)
		defer vb.Release()
		for range entries {
			if rng.IntN(9) == 0 {
				vb.AppendNull()
				continue
			}
			vb.Append(pool[rng.IntN(len(pool))]) // duplicates happen
		}
		vals := vb.NewArray()
		defer vals.Release()
		ib := array.NewInt32Builder(mem)
		defer ib.Release()
		for range 500 {
			if rng.IntN(7) == 0 {
				ib.AppendNull()
				continue
			}
			ib.Append(int32(rng.IntN(entries)))
		}
		idx := ib.NewArray()
		defer idx.Release()
		return array.NewDictionaryArray(&arrow.DictionaryType{IndexType: arrow.PrimitiveTypes.Int32, ValueType: arrow.BinaryTypes.String}, idx, vals)
	}
	l, r := dictArr(8), dictArr(13)
	defer l.Release()
	defer r.Release()
	value := func(a arrow.Array, i int) (string, bool) {
		d := a.(*array.Dictionary)
		if d.IsNull(i) || d.Dictionary().IsNull(d.GetValueIndex(i)) {
			return "", true
		}
		return d.Dictionary().(*array.String).Value(d.GetValueIndex(i)), false
	}
	for _, lower := range []bool{false, true} {
		for _, op := range []cmpOp{opEQ, opNE, opLT, opLE, opGT, opGE} {
			lo, ro := &strOperand{slot: 0}, &strOperand{slot: 1}
			if lower {
				lo.xform = []func(string) string{lowerASCII}
			}
			n := &strPairNode{op: op, l: lo, r: ro}
			for pass := range 2 { // the second pass uses the cached ranks
				b := newTestBatch(t, mem, l, r)
				lc, rc := b.cols[0], b.cols[1]
				pr := n.pair.ranks(n, lc, rc, b.n)
				require.NotNil(t, pr, "two int32 dictionaries are ranked")
				if pass == 1 {
					require.Same(t, pr, n.pair.last.Load())
				}
				v, e := n.evalRanks(b, lc, rc, pr)
				for i := range b.n {
					ls, ln := value(l, i)
					rs, rn := value(r, i)
					var wantV, wantE bool
					eq := op == opEQ || op == opNE
					switch {
					case ln || rn:
						switch {
						case (ln && lower) || !eq:
							wantE = true
						case (ln && rn) == (op == opEQ):
							wantV = true
						}
					default:
						if lower {
							ls = strings.ToLower(ls)
						}
						wantV = op.holds(strings.Compare(ls, rs))
					}
					require.Equal(t, wantE, getBit(e, i), "op %v lower %v row %d error", op, lower, i)
					if !wantE {
						require.Equal(t, wantV, getBit(v, i), "op %v lower %v row %d: %q vs %q", op, lower, i, ls, rs)
					}
				}
			}
		}
	}
}

// newTestBatch binds arrs as the slots of a batch.
func newTestBatch(t *testing.T, _ memory.Allocator, arrs ...arrow.Array) *batch {
	t.Helper()
	b := &batch{n: arrs[0].Len(), words: (arrs[0].Len() + 63) / 64, arrs: arrs}
	for _, a := range arrs {
		c, err := bindColumn(a)
		require.NoError(t, err)
		b.cols = append(b.cols, c)
	}
	return b
}
