package engine

import (
	"encoding/binary"
	"fmt"
	"math"
	"strconv"
	"unicode/utf8"
	"unsafe"

	"github.com/apache/arrow-go/v18/arrow"
	"github.com/apache/arrow-go/v18/arrow/array"
)

// Result holds the outcome of a program on a batch: bit i of Value is the
// value on row i and bit i of Err marks an evaluation error there (Value is
// then meaningless).
type Result struct {
	N     int
	Value []uint64
	Err   []uint64
	// Null marks rows where any input column the program reads is null;
	// nil when there is none.
	Null []uint64
	// NullValue marks rows where the expression evaluates to null (a
	// conditional's null branch); nil when it cannot.
	NullValue []uint64
}

// True reports whether row i evaluated to true without error.
func (r *Result) True(i int) bool { return r.Value[i>>6]&(1<<(i&63)) != 0 }

// Errored reports whether row i is an evaluation error.
func (r *Result) Errored(i int) bool { return r.Err[i>>6]&(1<<(i&63)) != 0 }

// HasErrors reports whether any row is an evaluation error.
func (r *Result) HasErrors() bool {
	for _, w := range r.Err {
		if w != 0 {
			return true
		}
	}
	return false
}

// Eval runs the program on n rows; cols[slot] is the array of each input
// slot the program reads (others may be nil). Arrays are borrowed. A
// program with interpreter fallbacks needs a batch bound with a
// FallbackFunc (Set.Bind).
func (p *Program) Eval(cols []arrow.Array, n int) (*Result, error) {
	return p.set.Bind(cols, n, nil).Eval(p)
}

type batch struct {
	n, words int
	arrs     []arrow.Array // the input arrays, by slot
	cols     []*column     // bound on first use, by slot
	nulls    [][]uint64
	nullDone []bool
	memo     []memoEntry // results of shared nodes, by id
	fb       FallbackFunc
	free     [][]uint64 // released bitmaps (bits)
}

// bits returns a zeroed bitmap of the batch's rows, reusing one a node
// released.
func (b *batch) bits() []uint64 {
	if k := len(b.free); k > 0 {
		w := b.free[k-1]
		b.free = b.free[:k-1]
		clear(w)
		return w
	}
	return make([]uint64, b.words)
}

// release returns bitmaps no node refers to any more for reuse: a node
// releases the results of its operands once it has combined them.
func (b *batch) release(ws ...[]uint64) {
	for _, w := range ws {
		if len(w) == b.words && w != nil {
			b.free = append(b.free, w)
		}
	}
}

func setBit(w []uint64, i int) { w[i>>6] |= 1 << (i & 63) }

func getBit(w []uint64, i int) bool { return w[i>>6]&(1<<(i&63)) != 0 }

// column is one bound input array.
type column struct {
	nulls []uint64 // bit set = null; nil when no row is null
	i64   []int64
	f64   []float64
	bools []uint64 // bit set = true
	str   *strColumn
}

// widen converts narrower ints (floats) to int64 (float64), as the
// interpreter does when it reads them as CEL int (double).
func widen[W int64 | float64, N int8 | int16 | int32 | float32](xs []N) []W {
	out := make([]W, len(xs))
	for i, x := range xs {
		out[i] = W(x)
	}
	return out
}

// strColumn reads a string column, plain or dictionary-encoded.
type strColumn struct {
	plain interface{ Value(int) string }
	// dictionary: per-entry values and nulls, and the row → entry index.
	dict      interface{ Value(int) string }
	dictNulls []bool
	index     func(i int) int
	idx32     []int32
	// dictKey identifies the dictionary across batches (its array data),
	// nil when unknown.
	dictKey any
}

func bindColumn(arr arrow.Array) (*column, error) {
	c := &column{}
	if arr.NullN() > 0 {
		c.nulls = nullWords(arr)
	}
	switch a := arr.(type) {
	case *array.Int64:
		c.i64 = a.Int64Values()
	case *array.Int8:
		c.i64 = widen[int64](a.Int8Values())
	case *array.Int16:
		c.i64 = widen[int64](a.Int16Values())
	case *array.Int32:
		c.i64 = widen[int64](a.Int32Values())
	case *array.Float64:
		c.f64 = a.Float64Values()
	case *array.Float32:
		c.f64 = widen[float64](a.Float32Values())
	case *array.Boolean:
		c.bools = make([]uint64, (a.Len()+63)/64)
		for i := range a.Len() {
			if a.Value(i) {
				setBit(c.bools, i)
			}
		}
	case *array.String:
		c.str = &strColumn{plain: a}
	case *array.LargeString:
		c.str = &strColumn{plain: a}
	case *array.Dictionary:
		d := a.Dictionary()
		sv, ok := d.(interface{ Value(int) string })
		if !ok {
			return nil, fmt.Errorf("engine: dictionary of %s is not supported", d.DataType())
		}
		sc := &strColumn{dict: sv, dictNulls: make([]bool, d.Len()), index: a.GetValueIndex, dictKey: d.Data()}
		if ix, ok := a.Indices().(*array.Int32); ok {
			sc.idx32 = ix.Int32Values()
		}
		for k := range d.Len() {
			sc.dictNulls[k] = d.IsNull(k)
		}
		if d.NullN() > 0 {
			if c.nulls == nil {
				c.nulls = make([]uint64, (arr.Len()+63)/64)
			}
			for i := range arr.Len() {
				if !a.IsNull(i) && sc.dictNulls[a.GetValueIndex(i)] {
					setBit(c.nulls, i)
				}
			}
		}
		c.str = sc
	default:
		if !bindTemporal(c, arr) {
			return nil, fmt.Errorf("engine: column type %s is not supported", arr.DataType())
		}
	}
	return c, nil
}

// nullWords returns the inverted validity bitmap of arr as words, bit 0 of
// word 0 being row 0 (the array's offset applied).
func nullWords(arr arrow.Array) []uint64 {
	n := arr.Len()
	out := make([]uint64, (n+63)/64)
	buf := arr.NullBitmapBytes()
	if len(buf) == 0 {
		for i := range n {
			if arr.IsNull(i) {
				setBit(out, i)
			}
		}
		return out
	}
	off := arr.Data().Offset()
	if off&7 == 0 {
		// Byte-aligned: whole words of the bitmap.
		first := off >> 3
		for w := range out {
			start := first + w*8
			var word uint64
			if start+8 <= len(buf) {
				word = binary.LittleEndian.Uint64(buf[start:])
			} else {
				for k := 0; start+k < len(buf) && k < 8; k++ {
					word |= uint64(buf[start+k]) << (8 * k)
				}
			}
			out[w] = ^word
		}
		if tail := n & 63; tail != 0 {
			out[len(out)-1] &= 1<<tail - 1
		}
		return out
	}
	for w := range out {
		start := off + w*64
		count := min(64, n-w*64)
		var word uint64
		first := start >> 3
		shift := uint(start & 7)
		for k := 0; k < 9 && first+k < len(buf); k++ {
			word |= uint64(buf[first+k]) << (8 * uint(k)) >> shift
			if k == 8 {
				word |= uint64(buf[first+k]) << (64 - shift)
			}
		}
		word = ^word
		if count < 64 {
			word &= (1 << uint(count)) - 1
		}
		out[w] = word
	}
	return out
}

func (c *column) null(i int) bool { return c.nulls != nil && getBit(c.nulls, i) }

// boolNode is a boolean-valued node: value and error bitmaps.
type boolNode interface {
	eval(b *batch) (val, err []uint64)
}

type constNode struct{ v bool }

func (n *constNode) eval(b *batch) ([]uint64, []uint64) {
	v := b.bits()
	if n.v {
		for i := range v {
			v[i] = ^uint64(0)
		}
	}
	return v, b.bits()
}

type logicNode struct {
	or   bool
	l, r boolNode
}

func (n *logicNode) eval(b *batch) ([]uint64, []uint64) {
	var lv, le, rv, re []uint64
	// An operand that can skip rows (an interpreter fallback) runs after
	// the other, only where the other does not decide the result.
	if rm, ok := n.r.(maskedNode); ok && rm.masked() {
		lv, le = n.l.eval(b)
		d := n.decided(b, lv, le)
		rv, re = rm.evalMasked(b, d)
		b.release(d)
	} else if lm, ok := n.l.(maskedNode); ok && lm.masked() {
		rv, re = n.r.eval(b)
		d := n.decided(b, rv, re)
		lv, le = lm.evalMasked(b, d)
		b.release(d)
	} else {
		lv, le = n.l.eval(b)
		rv, re = n.r.eval(b)
	}
	for i := range lv {
		lt, lf := lv[i]&^le[i], ^lv[i]&^le[i]
		rt, rf := rv[i]&^re[i], ^rv[i]&^re[i]
		var t, f uint64
		if n.or {
			t, f = lt|rt, lf&rf
		} else {
			t, f = lt&rt, lf|rf
		}
		lv[i], le[i] = t, ^(t | f)
	}
	b.release(rv, re)
	return lv, le
}

// decided returns the rows where an operand with value v and errors e
// decides the result alone: false for &&, true for ||.
func (n *logicNode) decided(b *batch, v, e []uint64) []uint64 {
	d := b.bits()
	for i := range v {
		if n.or {
			d[i] = v[i] &^ e[i]
		} else {
			d[i] = ^v[i] &^ e[i]
		}
	}
	return d
}

type notNode struct{ x boolNode }

func (n *notNode) eval(b *batch) ([]uint64, []uint64) {
	v, e := n.x.eval(b)
	for i := range v {
		v[i] = ^v[i] &^ e[i]
	}
	return v, e
}

type isNullNode struct {
	slot int
	not  bool
}

func (n *isNullNode) eval(b *batch) ([]uint64, []uint64) {
	v := b.bits()
	if nulls := b.nullsOf(n.slot, b.arrs[n.slot]); nulls != nil {
		copy(v, nulls)
	}
	if n.not {
		for i := range v {
			v[i] = ^v[i]
		}
	}
	return v, b.bits()
}

// strPredNode applies a predicate to a string column. A null input is an
// error (nullErr) or false; not negates non-error results.
type strPredNode struct {
	slot int
	pred func(string) bool
	// set, when set, is the literal set pred tests, matched on the bytes
	// of a plain string column.
	set     *strSet
	nullErr bool
	not     bool
	// intSrc: the column is an int column read through string(x).
	intSrc bool
}

func (n *strPredNode) eval(b *batch) ([]uint64, []uint64) {
	c := b.cols[n.slot]
	v, e := b.bits(), b.bits()
	s := c.str
	if n.intSrc {
		// string(x): each value formatted into one buffer; the predicates
		// do not keep the strings they are given.
		var buf []byte
		for i, x := range c.i64[:b.n] {
			buf = strconv.AppendInt(buf[:0], x, 10)
			if n.pred(unsafe.String(unsafe.SliceData(buf), len(buf))) != n.not {
				v[i>>6] |= 1 << (i & 63)
			}
		}
	} else if s.dict != nil {
		per := make([]bool, len(s.dictNulls))
		for k := range per {
			if !s.dictNulls[k] {
				per[k] = n.pred(s.dict.Value(k)) != n.not
			}
		}
		if s.idx32 != nil {
			gather(s.idx32[:b.n], per, v)
		} else {
			for i := range b.n {
				if per[s.index(i)] {
					setBit(v, i)
				}
			}
		}
	} else if n.set != nil && n.set.evalPlain(s.plain, b.n, n.not, v) {
		// matched on the column's bytes
	} else if sa, ok := s.plain.(*array.String); ok {
		for i := range b.n {
			if n.pred(sa.Value(i)) != n.not {
				v[i>>6] |= 1 << (i & 63)
			}
		}
	} else {
		for i := range b.n {
			if n.pred(s.plain.Value(i)) != n.not {
				setBit(v, i)
			}
		}
	}
	if c.nulls != nil {
		for i := range v {
			if n.nullErr {
				e[i] = c.nulls[i]
				v[i] &^= c.nulls[i]
			} else if n.not {
				v[i] |= c.nulls[i] // null != lit
			} else {
				v[i] &^= c.nulls[i]
			}
		}
	}
	return v, e
}

type numKind uint8

const (
	kindInt numKind = iota
	kindDouble
)

// numOperand is an int or double operand: a literal, a column or the size
// of a string column.
type numOperand struct {
	kind    numKind
	isConst bool
	ic      int64
	fc      float64
	slot    int
	size    bool
	// arith: l op r, when l is set.
	op   arithOp
	l, r *numOperand
	// leaf, when set, computes the operand (time.go, casts.go).
	leaf numLeaf
}

// numView is an operand bound to a batch.
type numView struct {
	kind    numKind
	isConst bool
	ic      int64
	fc      float64
	i64     []int64
	f64     []float64
	nulls   []uint64
	// nullErr: a null row is an evaluation error (size of a null string),
	// not a null value.
	nullErr bool
	// errs marks rows whose value is an evaluation error; nil when none.
	errs []uint64
}

func (o *numOperand) bind(b *batch) numView {
	if o.isConst {
		return numView{kind: o.kind, isConst: true, ic: o.ic, fc: o.fc}
	}
	if o.l != nil {
		return o.bindArith(b)
	}
	if o.leaf != nil {
		return o.leaf.bind(b)
	}
	c := b.cols[o.slot]
	if !o.size {
		return numView{kind: o.kind, i64: c.i64, f64: c.f64, nulls: c.nulls}
	}
	sizes := make([]int64, b.n)
	s := c.str
	if s.dict != nil {
		per := make([]int64, len(s.dictNulls))
		for k := range per {
			if !s.dictNulls[k] {
				per[k] = int64(utf8.RuneCountInString(s.dict.Value(k)))
			}
		}
		for i := range b.n {
			if !c.null(i) {
				sizes[i] = per[s.index(i)]
			}
		}
	} else {
		for i := range b.n {
			if !c.null(i) {
				sizes[i] = int64(utf8.RuneCountInString(s.plain.Value(i)))
			}
		}
	}
	return numView{kind: kindInt, i64: sizes, nulls: c.nulls, nullErr: true}
}

func (v *numView) null(i int) bool { return v.nulls != nil && getBit(v.nulls, i) }

func (v *numView) int(i int) int64 {
	if v.isConst {
		return v.ic
	}
	return v.i64[i]
}

func (v *numView) double(i int) float64 {
	if v.isConst {
		return v.fc
	}
	return v.f64[i]
}

type cmpOp uint8

const (
	opLT cmpOp = iota
	opLE
	opGT
	opGE
	opEQ
	opNE
)

// holds reports whether the comparison result c (-1, 0, 1) satisfies op.
func (op cmpOp) holds(c int) bool {
	switch op {
	case opLT:
		return c < 0
	case opLE:
		return c <= 0
	case opGT:
		return c > 0
	case opGE:
		return c >= 0
	case opEQ:
		return c == 0
	}
	return c != 0
}

func cmpInt(a, b int64) int {
	switch {
	case a < b:
		return -1
	case a > b:
		return 1
	}
	return 0
}

func cmpDouble(a, b float64) int {
	switch {
	case a < b:
		return -1
	case a > b:
		return 1
	}
	return 0
}

// cmpDoubleInt is cel-go's heterogeneous comparison of a double and an int.
func cmpDoubleInt(d float64, i int64) int {
	if d < math.MinInt64 {
		return -1
	}
	if d > math.MaxInt64 {
		return 1
	}
	return cmpDouble(d, float64(i))
}

type cmpNode struct {
	op   cmpOp
	l, r *numOperand
}

func (n *cmpNode) eval(b *batch) ([]uint64, []uint64) {
	l, r := n.l.bind(b), n.r.bind(b)
	v, e := b.bits(), b.bits()
	eq := n.op == opEQ || n.op == opNE
	// Fast paths: a column against a literal of the same kind, no nulls.
	if !l.isConst && r.isConst && l.kind == r.kind {
		if l.kind == kindInt {
			cmpIntConst(n.op, l.i64[:b.n], r.ic, v)
		} else {
			cmpDoubleConst(n.op, l.f64[:b.n], r.fc, v)
		}
		op := n.op
		if l.nullErr {
			op = opLT // any ordering: nulls are errors
		}
		applyNulls(op, l.nulls, v, e)
		if l.errs != nil {
			for i := range v {
				v[i] &^= l.errs[i]
				e[i] |= l.errs[i]
			}
		}
		return v, e
	}
	for i := range b.n {
		if (l.errs != nil && getBit(l.errs, i)) || (r.errs != nil && getBit(r.errs, i)) {
			setBit(e, i)
			continue
		}
		ln, rn := l.null(i), r.null(i)
		if ln || rn {
			if (ln && l.nullErr) || (rn && r.nullErr) {
				setBit(e, i)
			} else if eq {
				if (ln && rn) == (n.op == opEQ) {
					setBit(v, i)
				}
			} else {
				setBit(e, i)
			}
			continue
		}
		c, nan := 0, false
		switch {
		case l.kind == kindInt && r.kind == kindInt:
			c = cmpInt(l.int(i), r.int(i))
		case l.kind == kindDouble && r.kind == kindDouble:
			a, d := l.double(i), r.double(i)
			nan = math.IsNaN(a) || math.IsNaN(d)
			c = cmpDouble(a, d)
		case l.kind == kindDouble:
			a := l.double(i)
			nan = math.IsNaN(a)
			c = cmpDoubleInt(a, r.int(i))
		default:
			d := r.double(i)
			nan = math.IsNaN(d)
			c = -cmpDoubleInt(d, l.int(i))
		}
		switch {
		case nan:
			// CEL orders nothing with NaN: only != holds.
			if n.op == opNE {
				setBit(v, i)
			}
		case n.op.holds(c):
			setBit(v, i)
		}
	}
	return v, e
}

// applyNulls sets the outcome of rows where the column operand is null:
// == is false, != is true, ordering is an error.
func applyNulls(op cmpOp, nulls, v, e []uint64) {
	if nulls == nil {
		return
	}
	for i := range v {
		switch op {
		case opEQ:
			v[i] &^= nulls[i]
		case opNE:
			v[i] |= nulls[i]
		default:
			v[i] &^= nulls[i]
			e[i] |= nulls[i]
		}
	}
}

func cmpIntConst(op cmpOp, xs []int64, k int64, v []uint64) { cmpConst(op, xs, k, v) }

// cmpDoubleConst compares with Go's float operators, which agree with CEL
// on NaN too: every comparison but != is false.
func cmpDoubleConst(op cmpOp, xs []float64, k float64, v []uint64) { cmpConst(op, xs, k, v) }

// cmpConst sets bit i of v to xs[i] op k. != is the complement of ==, which
// holds for NaN too (NaN != k is true).
func cmpConst[T int64 | float64](op cmpOp, xs []T, k T, v []uint64) {
	switch op {
	case opLT:
		ltConst(xs, k, v)
	case opLE:
		leConst(xs, k, v)
	case opGT:
		gtConst(xs, k, v)
	case opGE:
		geConst(xs, k, v)
	case opEQ, opNE:
		eqConst(xs, k, v)
		if op == opNE {
			for i := range v {
				v[i] = ^v[i]
			}
			if tail := len(xs) & 63; tail != 0 {
				v[len(v)-1] &= 1<<tail - 1
			}
		}
	}
}

// The comparison kernels build each word from eight bytes of eight
// independent comparisons, which keeps the CPU's pipelines full. There is
// one function per operator on purpose: one taking the operator as a value
// would pay a call or a branch per comparison, several times the cost of
// the comparison itself.

func ltConst[T int64 | float64](xs []T, k T, v []uint64) {
	w := 0
	for ; (w+1)*64 <= len(xs); w++ {
		c := xs[w*64 : w*64+64 : w*64+64]
		var word uint64
		for j := 0; j < 64; j += 8 {
			d := c[j : j+8 : j+8]
			word |= (b2u(d[0] < k) | b2u(d[1] < k)<<1 | b2u(d[2] < k)<<2 | b2u(d[3] < k)<<3 |
				b2u(d[4] < k)<<4 | b2u(d[5] < k)<<5 | b2u(d[6] < k)<<6 | b2u(d[7] < k)<<7) << j
		}
		v[w] = word
	}
	if w*64 < len(xs) {
		var word uint64
		for j, x := range xs[w*64:] {
			word |= b2u(x < k) << j
		}
		v[w] = word
	}
}

func leConst[T int64 | float64](xs []T, k T, v []uint64) {
	w := 0
	for ; (w+1)*64 <= len(xs); w++ {
		c := xs[w*64 : w*64+64 : w*64+64]
		var word uint64
		for j := 0; j < 64; j += 8 {
			d := c[j : j+8 : j+8]
			word |= (b2u(d[0] <= k) | b2u(d[1] <= k)<<1 | b2u(d[2] <= k)<<2 | b2u(d[3] <= k)<<3 |
				b2u(d[4] <= k)<<4 | b2u(d[5] <= k)<<5 | b2u(d[6] <= k)<<6 | b2u(d[7] <= k)<<7) << j
		}
		v[w] = word
	}
	if w*64 < len(xs) {
		var word uint64
		for j, x := range xs[w*64:] {
			word |= b2u(x <= k) << j
		}
		v[w] = word
	}
}

func gtConst[T int64 | float64](xs []T, k T, v []uint64) {
	w := 0
	for ; (w+1)*64 <= len(xs); w++ {
		c := xs[w*64 : w*64+64 : w*64+64]
		var word uint64
		for j := 0; j < 64; j += 8 {
			d := c[j : j+8 : j+8]
			word |= (b2u(d[0] > k) | b2u(d[1] > k)<<1 | b2u(d[2] > k)<<2 | b2u(d[3] > k)<<3 |
				b2u(d[4] > k)<<4 | b2u(d[5] > k)<<5 | b2u(d[6] > k)<<6 | b2u(d[7] > k)<<7) << j
		}
		v[w] = word
	}
	if w*64 < len(xs) {
		var word uint64
		for j, x := range xs[w*64:] {
			word |= b2u(x > k) << j
		}
		v[w] = word
	}
}

func geConst[T int64 | float64](xs []T, k T, v []uint64) {
	w := 0
	for ; (w+1)*64 <= len(xs); w++ {
		c := xs[w*64 : w*64+64 : w*64+64]
		var word uint64
		for j := 0; j < 64; j += 8 {
			d := c[j : j+8 : j+8]
			word |= (b2u(d[0] >= k) | b2u(d[1] >= k)<<1 | b2u(d[2] >= k)<<2 | b2u(d[3] >= k)<<3 |
				b2u(d[4] >= k)<<4 | b2u(d[5] >= k)<<5 | b2u(d[6] >= k)<<6 | b2u(d[7] >= k)<<7) << j
		}
		v[w] = word
	}
	if w*64 < len(xs) {
		var word uint64
		for j, x := range xs[w*64:] {
			word |= b2u(x >= k) << j
		}
		v[w] = word
	}
}

func eqConst[T int64 | float64](xs []T, k T, v []uint64) {
	w := 0
	for ; (w+1)*64 <= len(xs); w++ {
		c := xs[w*64 : w*64+64 : w*64+64]
		var word uint64
		for j := 0; j < 64; j += 8 {
			d := c[j : j+8 : j+8]
			word |= (b2u(d[0] == k) | b2u(d[1] == k)<<1 | b2u(d[2] == k)<<2 | b2u(d[3] == k)<<3 |
				b2u(d[4] == k)<<4 | b2u(d[5] == k)<<5 | b2u(d[6] == k)<<6 | b2u(d[7] == k)<<7) << j
		}
		v[w] = word
	}
	if w*64 < len(xs) {
		var word uint64
		for j, x := range xs[w*64:] {
			word |= b2u(x == k) << j
		}
		v[w] = word
	}
}

// gather sets bit i of v to per[idx[i]], a word at a time.
func gather(idx []int32, per []bool, v []uint64) {
	w := 0
	for ; (w+1)*64 <= len(idx); w++ {
		c := idx[w*64 : w*64+64 : w*64+64]
		var word uint64
		for j := 0; j < 64; j += 8 {
			d := c[j : j+8 : j+8]
			word |= (b2u(per[d[0]]) | b2u(per[d[1]])<<1 | b2u(per[d[2]])<<2 | b2u(per[d[3]])<<3 |
				b2u(per[d[4]])<<4 | b2u(per[d[5]])<<5 | b2u(per[d[6]])<<6 | b2u(per[d[7]])<<7) << j
		}
		v[w] = word
	}
	if w*64 < len(idx) {
		var word uint64
		for j, k := range idx[w*64:] {
			word |= b2u(per[k]) << j
		}
		v[w] = word
	}
}

func b2u(b bool) uint64 {
	if b {
		return 1
	}
	return 0
}

// intInNode tests an int operand against a set of ints. A null column is
// not in the set; size() of a null string is an error (unless the set is
// empty: the interpreter folds `x in []` to false).
type intInNode struct {
	x   *numOperand
	set map[int64]struct{}
}

func (n *intInNode) eval(b *batch) ([]uint64, []uint64) {
	x := n.x.bind(b)
	v, e := b.bits(), b.bits()
	for i := range b.n {
		if x.null(i) {
			if n.x.size && len(n.set) > 0 {
				setBit(e, i)
			}
			continue
		}
		if _, ok := n.set[x.i64[i]]; ok {
			setBit(v, i)
		}
	}
	return v, e
}
