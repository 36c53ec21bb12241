package engine

import "math"

// boolColNode reads a bool column. A null row is an error (as an operand
// of &&, || and !, null is no bool); boolEqNode reads its nulls instead.
type boolColNode struct{ slot int }

func (n *boolColNode) eval(b *batch) ([]uint64, []uint64) {
	c := b.cols[n.slot]
	v, e := b.bits(), b.bits()
	copy(v, c.bools)
	if c.nulls != nil {
		for i := range v {
			v[i] &^= c.nulls[i]
			e[i] = c.nulls[i]
		}
	}
	return v, e
}

// boolOperand is an operand of bool equality: a bool column, whose nulls
// are null values, or any boolean node.
type boolOperand struct {
	col  int // slot of a bool column, or -1
	node boolNode
}

func (o *boolOperand) eval(b *batch) (val, err, nulls []uint64) {
	if o.col < 0 {
		v, e := o.node.eval(b)
		return v, e, nil
	}
	c := b.cols[o.col]
	v := b.bits()
	copy(v, c.bools)
	return v, b.bits(), c.nulls
}

// boolEqNode is == or != between bool operands: an error on either side is
// an error, null equals only null.
type boolEqNode struct {
	ne   bool
	l, r *boolOperand
}

func (n *boolEqNode) eval(b *batch) ([]uint64, []uint64) {
	lv, le, ln := n.l.eval(b)
	rv, re, rn := n.r.eval(b)
	for i := range lv {
		var lnull, rnull uint64
		if ln != nil {
			lnull = ln[i]
		}
		if rn != nil {
			rnull = rn[i]
		}
		both, either := lnull&rnull, lnull|rnull
		eq := both | (^(lv[i] ^ rv[i]) &^ either)
		if n.ne {
			eq = ^eq
		}
		e := le[i] | re[i]
		lv[i], le[i] = eq&^e, e
	}
	return lv, le
}

type arithOp uint8

const (
	opAdd arithOp = iota
	opSub
	opMul
	opDiv
	opMod
)

// arithOps maps cel-go overload ids to operators and operand kinds.
var arithOps = map[string]struct {
	op   arithOp
	kind numKind
}{
	"add_int64":       {opAdd, kindInt},
	"subtract_int64":  {opSub, kindInt},
	"multiply_int64":  {opMul, kindInt},
	"divide_int64":    {opDiv, kindInt},
	"modulo_int64":    {opMod, kindInt},
	"add_double":      {opAdd, kindDouble},
	"subtract_double": {opSub, kindDouble},
	"multiply_double": {opMul, kindDouble},
	"divide_double":   {opDiv, kindDouble},
}

// intArith is cel-go's checked int64 arithmetic: ok is false where the
// interpreter reports an error (overflow, division or modulus by zero).
func intArith(op arithOp, x, y int64) (int64, bool) {
	switch op {
	case opAdd:
		if (y > 0 && x > math.MaxInt64-y) || (y < 0 && x < math.MinInt64-y) {
			return 0, false
		}
		return x + y, true
	case opSub:
		if (y < 0 && x > math.MaxInt64+y) || (y > 0 && x < math.MinInt64+y) {
			return 0, false
		}
		return x - y, true
	case opMul:
		if (x == -1 && y == math.MinInt64) || (y == -1 && x == math.MinInt64) ||
			(x > 0 && y > 0 && x > math.MaxInt64/y) ||
			(x > 0 && y < 0 && y < math.MinInt64/x) ||
			(x < 0 && y > 0 && x < math.MinInt64/y) ||
			(x < 0 && y < 0 && y < math.MaxInt64/x) {
			return 0, false
		}
		return x * y, true
	case opDiv:
		if y == 0 || (x == math.MinInt64 && y == -1) {
			return 0, false
		}
		return x / y, true
	}
	if y == 0 || (x == math.MinInt64 && y == -1) {
		return 0, false
	}
	return x % y, true
}

func doubleArith(op arithOp, x, y float64) float64 {
	switch op {
	case opAdd:
		return float64(x + y)
	case opSub:
		return float64(x - y)
	case opMul:
		return float64(x * y)
	}
	return float64(x / y)
}

// bindArith evaluates an arithmetic operand on the batch. A null or
// erroring input row is an error (null has no arithmetic), as is a checked
// int operation that fails.
func (o *numOperand) bindArith(b *batch) numView {
	l, r := o.l.bind(b), o.r.bind(b)
	errs := b.bits()
	out := numView{kind: o.kind, errs: errs}
	if o.kind == kindInt {
		out.i64 = make([]int64, b.n)
	} else {
		out.f64 = make([]float64, b.n)
	}
	for i := range b.n {
		if l.bad(i) || r.bad(i) {
			setBit(errs, i)
			continue
		}
		if o.kind == kindDouble {
			out.f64[i] = doubleArith(o.op, l.double(i), r.double(i))
			continue
		}
		x, ok := intArith(o.op, l.int(i), r.int(i))
		if !ok {
			setBit(errs, i)
			continue
		}
		out.i64[i] = x
	}
	return out
}

// bad reports whether row i of an arithmetic input is null or an error.
func (v *numView) bad(i int) bool {
	return v.null(i) || (v.errs != nil && getBit(v.errs, i))
}
