package engine

import (
	"errors"

	"github.com/apache/arrow-go/v18/arrow"
	"github.com/apache/arrow-go/v18/arrow/array"
	celast "github.com/google/cel-go/common/ast"
)

func isRefusal(err error) bool { return errors.Is(err, ErrNotVectorizable) }

// fallbackNode is a bool subexpression evaluated by the interpreter, row by
// row, through the batch's FallbackFunc.
type fallbackNode struct{ k int }

// maskedNode is a node that can skip rows whose result does not matter.
type maskedNode interface {
	// evalMasked is eval, except that rows set in skip may be left false
	// without error whatever their value.
	evalMasked(b *batch, skip []uint64) (val, err []uint64)
	// masked reports whether the node gains from a mask.
	masked() bool
}

func (c *compiler) fallbackNode(e celast.Expr) (boolNode, error) {
	src := c.key(e)
	if src == "" {
		return nil, refuse("subexpression cannot be printed for the interpreter")
	}
	k, err := c.set.fallback(src)
	if err != nil {
		return nil, refuse("interpreter fallback for %s: %v", src, err)
	}
	celast.PostOrderVisit(e, celast.NewExprVisitor(func(x celast.Expr) {
		if x.Kind() != celast.IdentKind {
			return
		}
		// Names that are not columns (comprehension variables) are the
		// interpreter's business; a column it reads is an input whose
		// nulls count.
		if slot, _, err := c.identSlot(x); err == nil {
			c.use(slot, false)
		}
	}))
	c.fallbacks++
	return &fallbackNode{k: k}, nil
}

func (n *fallbackNode) masked() bool { return true }

func (n *fallbackNode) eval(b *batch) ([]uint64, []uint64) { return n.evalMasked(b, nil) }

func (n *fallbackNode) evalMasked(b *batch, skip []uint64) ([]uint64, []uint64) {
	v, e := b.bits(), b.bits()
	for w := range b.words {
		todo := ^uint64(0)
		if skip != nil {
			todo = ^skip[w]
		}
		for j := 0; j < 64 && todo != 0; j++ {
			row := w*64 + j
			if row >= b.n {
				break
			}
			if todo&(1<<j) == 0 {
				continue
			}
			val, isErr := b.fb(n.k, row)
			if isErr {
				e[w] |= 1 << j
			} else if val {
				v[w] |= 1 << j
			}
		}
	}
	return v, e
}

// arrayNulls returns the null words of arr (nil when no row is null),
// counting a dictionary index that points at a null entry as null.
func arrayNulls(arr arrow.Array) []uint64 {
	var out []uint64
	if arr.NullN() > 0 {
		out = nullWords(arr)
	}
	d, ok := arr.(*array.Dictionary)
	if !ok || d.Dictionary().NullN() == 0 {
		return out
	}
	if out == nil {
		out = make([]uint64, (arr.Len()+63)/64)
	}
	dict := d.Dictionary()
	for i := range arr.Len() {
		if !d.IsNull(i) && dict.IsNull(d.GetValueIndex(i)) {
			setBit(out, i)
		}
	}
	return out
}
