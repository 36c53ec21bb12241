package engine

import (
	"fmt"

	"github.com/apache/arrow-go/v18/arrow"
	celast "github.com/google/cel-go/common/ast"
	"github.com/google/cel-go/parser"
)

// Set compiles the expressions of one rule set over the same columns so
// that a batch is evaluated in one pass: each column is bound once, and a
// subexpression that occurs in several expressions (or twice in one) is
// evaluated once per batch and shared.
//
// Compile every expression before evaluating: a Set must not be compiled
// into while batches bound to it are evaluated. Bound batches are
// independent of each other and may be evaluated concurrently.
type Set struct {
	resolve  Resolver
	fallback FallbackCompiler
	nodes    map[string]*sharedNode // by the canonical source of the subexpression
	ids      int                    // shared nodes so far
	// strRefs counts the references to each plain string column: one
	// read by several predicates is dictionary-encoded per batch.
	strRefs map[int]int
}

// FallbackCompiler prepares a subexpression the engine cannot vectorize for
// the interpreter: it receives the subexpression's CEL source (over the
// same variables) and returns the index the FallbackFunc of a bound batch
// will be called with, or an error when the interpreter cannot take it
// either.
type FallbackCompiler func(source string) (int, error)

// FallbackFunc evaluates fallback k (an index returned by the
// FallbackCompiler) on a row of the bound batch. isErr reports an
// evaluation error or a non-bool value.
type FallbackFunc func(k, row int) (val, isErr bool)

// SetOption configures a Set.
type SetOption func(*Set)

// WithFallback lets the Set leave an operand of &&, || or ! that it cannot
// vectorize to the interpreter, row by row, instead of refusing the whole
// expression. The interpreter then runs only on rows where the other
// operand does not already decide the result.
func WithFallback(fc FallbackCompiler) SetOption { return func(s *Set) { s.fallback = fc } }

// NewSet returns an empty set whose column names resolve through resolve.
func NewSet(resolve Resolver, opts ...SetOption) *Set {
	s := &Set{resolve: resolve, nodes: map[string]*sharedNode{}, strRefs: map[int]int{}}
	for _, o := range opts {
		o(s)
	}
	return s
}

// Compile compiles a checked CEL expression whose result is a bool into
// the set. It returns an error wrapping ErrNotVectorizable when the
// expression is outside the subset (see the package documentation) and no
// fallback can take the parts outside it.
func (s *Set) Compile(a *celast.AST) (*Program, error) {
	if a == nil || !a.IsChecked() {
		return nil, fmt.Errorf("%w: expression is not type-checked", ErrNotVectorizable)
	}
	c := &compiler{a: a, resolve: s.resolve, seen: map[int]bool{}, set: s}
	root, nullable, err := c.rootExpr(a.Expr())
	if err != nil {
		return nil, err
	}
	if c.fallbacks > 0 && c.kernels == 0 {
		return nil, refuse("no part of the expression is vectorizable")
	}
	valueSlots := make([]int, 0, len(c.slots))
	for _, slot := range c.slots {
		if c.valueSlot[slot] {
			valueSlots = append(valueSlots, slot)
		}
	}
	return &Program{set: s, root: root, nullable: nullable, slots: c.slots, valueSlots: valueSlots, fallbacks: c.fallbacks}, nil
}

// key is the canonical source of e, the identity of shared subexpressions;
// "" when e cannot be printed.
func (c *compiler) key(e celast.Expr) string {
	src, err := parser.Unparse(e, c.a.SourceInfo())
	if err != nil {
		return ""
	}
	return src
}

// boolExpr compiles a bool-valued subexpression, sharing it with earlier
// occurrences of the same subexpression in the set.
func (c *compiler) boolExpr(e celast.Expr) (boolNode, error) {
	return c.shared(e, false)
}

// logicOperand compiles an operand of &&, || or !, which may fall back to
// the interpreter when the set allows it.
func (c *compiler) logicOperand(e celast.Expr) (boolNode, error) {
	return c.shared(e, c.set != nil && c.set.fallback != nil)
}

func (c *compiler) shared(e celast.Expr, fallback bool) (boolNode, error) {
	if c.set == nil {
		return c.boolNodeOf(e)
	}
	k := c.key(e)
	if sn, ok := c.set.nodes[k]; ok && k != "" {
		// The columns of a shared node are this program's inputs too.
		for _, slot := range sn.slots {
			c.use(slot, sn.valueSlot[slot])
		}
		sn.uses++
		c.kernels += sn.kernels
		c.fallbacks += sn.fallbacks
		return sn, nil
	}
	sub := &compiler{a: c.a, resolve: c.resolve, seen: map[int]bool{}, set: c.set}
	node, err := sub.boolNodeOf(e)
	if err != nil && fallback && isRefusal(err) {
		node, err = sub.fallbackNode(e)
	}
	if err != nil {
		return nil, err
	}
	switch node.(type) {
	case *logicNode, *notNode, *fallbackNode, *sharedNode:
	default:
		sub.kernels++
	}
	sn := &sharedNode{id: c.set.ids, x: node, uses: 1, slots: sub.slots, valueSlot: sub.valueSlot,
		kernels: sub.kernels, fallbacks: sub.fallbacks}
	c.set.ids++
	if k != "" {
		c.set.nodes[k] = sn
	}
	for _, slot := range sn.slots {
		c.use(slot, sn.valueSlot[slot])
	}
	c.kernels += sn.kernels
	c.fallbacks += sn.fallbacks
	return sn, nil
}

// use records that the expression reads slot; values says whether a kernel
// reads its values (not only its nulls).
func (c *compiler) use(slot int, values bool) {
	if !c.seen[slot] {
		c.seen[slot] = true
		c.slots = append(c.slots, slot)
	}
	if values {
		if c.valueSlot == nil {
			c.valueSlot = map[int]bool{}
		}
		c.valueSlot[slot] = true
	}
}

// sharedNode is a subexpression of the set. When more than one expression
// uses it, its result is computed once per batch and copied to each user.
type sharedNode struct {
	id        int
	x         boolNode
	uses      int
	slots     []int
	valueSlot map[int]bool
	kernels   int // vectorized leaves in the subtree
	fallbacks int // interpreter subtrees in it
}

func (n *sharedNode) eval(b *batch) ([]uint64, []uint64) {
	if n.uses < 2 || b.memo == nil {
		return n.x.eval(b)
	}
	m := &b.memo[n.id]
	if m.v == nil {
		// The memo keeps its own copy: users release what they get.
		v, e := n.x.eval(b)
		m.v, m.e = v, e
	}
	v, e := b.bits(), b.bits()
	copy(v, m.v)
	copy(e, m.e)
	return v, e
}

// masked: a mask reaches a fallback used only here (a shared result must
// hold on every row).
func (n *sharedNode) masked() bool {
	mn, ok := n.x.(maskedNode)
	return ok && n.uses < 2 && mn.masked()
}

func (n *sharedNode) evalMasked(b *batch, skip []uint64) ([]uint64, []uint64) {
	if n.masked() {
		return n.x.(maskedNode).evalMasked(b, skip)
	}
	return n.eval(b)
}

type memoEntry struct{ v, e []uint64 }

// Batch is a batch bound to a Set: columns are bound once, on first use,
// and shared subexpressions are evaluated once.
type Batch struct {
	set  *Set
	b    *batch
	arrs []arrow.Array
}

// Bind binds n rows of cols (indexed by slot; the arrays are borrowed until
// the Batch is dropped) to the set. fb evaluates the set's fallbacks; it
// may be nil when no program evaluated on the batch has any.
func (s *Set) Bind(cols []arrow.Array, n int, fb FallbackFunc) *Batch {
	return &Batch{set: s, arrs: cols, b: &batch{
		n: n, words: (n + 63) / 64, arrs: cols, cols: make([]*column, len(cols)),
		nulls: make([][]uint64, len(cols)), nullDone: make([]bool, len(cols)),
		memo: make([]memoEntry, s.ids), fb: fb,
	}}
}

// Eval evaluates p, which must have been compiled into the batch's set.
func (bb *Batch) Eval(p *Program) (*Result, error) {
	if p.set != bb.set {
		return nil, fmt.Errorf("engine: program of another set")
	}
	b := bb.b
	if p.fallbacks > 0 && b.fb == nil {
		return nil, fmt.Errorf("engine: the program has interpreter fallbacks and the batch has no fallback evaluator")
	}
	if len(b.memo) < bb.set.ids {
		b.memo = append(b.memo, make([]memoEntry, bb.set.ids-len(b.memo))...)
	}
	for _, s := range p.slots {
		if s >= len(bb.arrs) || bb.arrs[s] == nil {
			return nil, fmt.Errorf("engine: input column %d is missing", s)
		}
		if bb.arrs[s].Len() != b.n {
			return nil, fmt.Errorf("engine: input column %d has %d rows, want %d", s, bb.arrs[s].Len(), b.n)
		}
	}
	for _, s := range p.valueSlots {
		if b.cols[s] != nil {
			continue
		}
		c, err := bindColumn(bb.arrs[s])
		if err != nil {
			return nil, err
		}
		if c.str != nil && c.str.plain != nil && bb.set.strRefs[s] >= 2 {
			if enc, ok := encodeStrings(c.str.plain, b.n); ok {
				c.str = enc
			}
		}
		b.cols[s] = c
		b.nulls[s], b.nullDone[s] = c.nulls, true
	}
	var res *Result
	if p.nullable != nil {
		v, e, null := p.nullable.eval(b)
		res = &Result{N: b.n, Value: v, Err: e, NullValue: null}
	} else {
		v, e := p.root.eval(b)
		res = &Result{N: b.n, Value: v, Err: e}
	}
	for _, s := range p.slots {
		nulls := b.nullsOf(s, bb.arrs[s])
		if nulls == nil {
			continue
		}
		if res.Null == nil {
			res.Null = b.bits()
		}
		for i, w := range nulls {
			res.Null[i] |= w
		}
	}
	return res, nil
}

// Release gives the bitmaps of res, a result of this batch that is no
// longer used, back to the batch for the next program.
func (bb *Batch) Release(res *Result) {
	bb.b.release(res.Value, res.Err, res.Null, res.NullValue)
	*res = Result{}
}

// nullsOf returns the null words of slot, computing them once.
func (b *batch) nullsOf(slot int, arr arrow.Array) []uint64 {
	if !b.nullDone[slot] {
		b.nullDone[slot] = true
		if c := b.cols[slot]; c != nil {
			b.nulls[slot] = c.nulls
		} else {
			b.nulls[slot] = arrayNulls(arr)
		}
	}
	return b.nulls[slot]
}
