package engine

import (
	"math"
	"strconv"

	celast "github.com/google/cel-go/common/ast"
	"github.com/google/cel-go/common/types"
)

// castOps lists the conversions the engine runs; the others (uint, string
// of a number, bytes, bool) stay on the interpreter.
const (
	castDoubleToInt = "double_to_int64"
	castIntToDouble = "int64_to_double"
	castStringToInt = "string_to_int64"
	castStringToDbl = "string_to_double"
)

// cast compiles int(double), double(int), int(string) and double(string);
// ok is false for other overloads.
func (c *compiler) cast(id string, e celast.Expr) (n *numOperand, ok bool, err error) {
	call := e.AsCall()
	args := call.Args()
	if call.IsMemberFunction() || len(args) != 1 {
		return nil, false, nil
	}
	switch id {
	case "double_to_double", "int64_to_int64":
		// Identity conversions (double(w) of a double column).
		x, err := c.numeric(args[0])
		if err != nil {
			return nil, true, err
		}
		if (x.kind == kindDouble) != (id == "double_to_double") {
			return nil, true, refuse("%s of a mismatched operand", id)
		}
		return &numOperand{kind: x.kind, leaf: idCastLeaf{x: x}}, true, nil
	case castDoubleToInt, castIntToDouble:
		x, err := c.numeric(args[0])
		if err != nil {
			return nil, true, err
		}
		want, kind := kindDouble, kindInt
		if id == castIntToDouble {
			want, kind = kindInt, kindDouble
		}
		if x.kind != want {
			return nil, true, refuse("%s of a mismatched operand", id)
		}
		return &numOperand{kind: kind, leaf: &numCastLeaf{x: x}}, true, nil
	case castStringToInt, castStringToDbl:
		s, err := c.stringOperand(args[0])
		if err != nil {
			return nil, true, err
		}
		if s.fromInt {
			return nil, true, refuse("%s of string() of an int column", id)
		}
		kind := kindInt
		if id == castStringToDbl {
			kind = kindDouble
		}
		return &numOperand{kind: kind, leaf: &strCastLeaf{s: s, kind: kind}}, true, nil
	}
	return nil, false, nil
}

// numericCall compiles the int and double calls of time.go and casts.go;
// ok is false for other overloads.
func (c *compiler) numericCall(id string, e celast.Expr) (n *numOperand, ok bool, err error) {
	if n, ok, err = c.cast(id, e); ok {
		return n, ok, err
	}
	return c.timeGetter(id, e)
}

// doubleToInt is cel-go's doubleToInt64Checked: truncation toward zero;
// NaN, infinities and values outside (MinInt64, MaxInt64) as doubles are
// errors.
func doubleToInt(v float64) (int64, bool) {
	if math.IsInf(v, 0) || math.IsNaN(v) || v <= float64(math.MinInt64) || v >= float64(math.MaxInt64) {
		return 0, false
	}
	return int64(v), true
}

// numCastLeaf converts an int operand to double or a double operand to int.
type numCastLeaf struct{ x *numOperand }

func (l *numCastLeaf) bind(b *batch) numView {
	x := l.x.bind(b)
	errs := b.bits()
	var out numView
	if x.kind == kindInt {
		out = numView{kind: kindDouble, f64: make([]float64, b.n), errs: errs}
	} else {
		out = numView{kind: kindInt, i64: make([]int64, b.n), errs: errs}
	}
	for i := range b.n {
		if x.bad(i) {
			setBit(errs, i)
			continue
		}
		if x.kind == kindInt {
			out.f64[i] = float64(x.int(i))
			continue
		}
		v, ok := doubleToInt(x.double(i))
		if !ok {
			setBit(errs, i)
			continue
		}
		out.i64[i] = v
	}
	return out
}

// idCastLeaf is int(x) of an int or double(x) of a double: the value
// itself, but a null is an error (no conversion takes null).
type idCastLeaf struct{ x *numOperand }

func (l idCastLeaf) bind(b *batch) numView {
	v := l.x.bind(b)
	v.nullErr = true
	return v
}

// strCastLeaf is int(s) or double(s): strconv.ParseInt (base 10) and
// ParseFloat as cel-go calls them, once per dictionary entry; a string
// that does not parse is an error.
type strCastLeaf struct {
	s    *strOperand
	kind numKind
}

func (l *strCastLeaf) parse(v string) (int64, float64, bool) {
	v = l.s.apply(v)
	if l.kind == kindInt {
		n, err := strconv.ParseInt(v, 10, 64)
		return n, 0, err == nil
	}
	f, err := strconv.ParseFloat(v, 64)
	return 0, f, err == nil
}

func (l *strCastLeaf) bind(b *batch) numView {
	c := b.cols[l.s.slot]
	errs := b.bits()
	if c.nulls != nil {
		copy(errs, c.nulls)
	}
	out := numView{kind: l.kind, errs: errs}
	if l.kind == kindInt {
		out.i64 = make([]int64, b.n)
	} else {
		out.f64 = make([]float64, b.n)
	}
	put := func(i int, n int64, f float64, ok bool) {
		switch {
		case !ok:
			setBit(errs, i)
		case l.kind == kindInt:
			out.i64[i] = n
		default:
			out.f64[i] = f
		}
	}
	s := c.str
	if s.dict != nil {
		type parsed struct {
			n  int64
			f  float64
			ok bool
		}
		per := make([]parsed, len(s.dictNulls))
		for k := range per {
			if !s.dictNulls[k] {
				n, f, ok := l.parse(s.dict.Value(k))
				per[k] = parsed{n, f, ok}
			}
		}
		for i := range b.n {
			if !getBit(errs, i) {
				p := per[s.index(i)]
				put(i, p.n, p.f, p.ok)
			}
		}
		return out
	}
	for i := range b.n {
		if !getBit(errs, i) {
			n, f, ok := l.parse(s.plain.Value(i))
			put(i, n, f, ok)
		}
	}
	return out
}

// numIn compiles x in [int and double literals]. The interpreter (with
// cel-go's OptOptimize) tests a constant list as a set of values: an int
// literal also stands for its double value, and an integral double literal
// that converts to int without loss also for that int; an int x matches
// the ints, a double x the doubles (NaN matches nothing).
func (c *compiler) numIn(x celast.Expr, elems []celast.Expr) (boolNode, error) {
	ints := map[int64]struct{}{}
	doubles := map[float64]struct{}{}
	for _, el := range elems {
		if el.Kind() != celast.LiteralKind {
			return nil, refuse("in over a list with a non-literal element")
		}
		switch v := el.AsLiteral().(type) {
		case types.Int:
			ints[int64(v)] = struct{}{}
			doubles[float64(v)] = struct{}{}
		case types.Double:
			d := float64(v)
			if !math.IsNaN(d) {
				doubles[d] = struct{}{}
			}
			if iv, ok := doubleToInt(d); ok && float64(iv) == d {
				ints[iv] = struct{}{}
			}
		default:
			return nil, refuse("in over a list with a non-numeric element")
		}
	}
	n, err := c.numeric(x)
	if err != nil {
		return nil, err
	}
	if len(elems) == 0 {
		return &constNode{}, nil // the interpreter folds x in [] to false
	}
	if n.kind == kindInt && !n.isConst && n.l == nil && n.leaf == nil && allInts(elems) {
		return &intInNode{x: n, set: ints}, nil
	}
	return &numInNode{x: n, ints: ints, doubles: doubles}, nil
}

// numInNode tests an int or double operand against a set of values. A
// null value is in no set; an error (size of a null, a failed cast or
// checked arithmetic) is an error.
type numInNode struct {
	x       *numOperand
	ints    map[int64]struct{}
	doubles map[float64]struct{}
}

func (n *numInNode) eval(b *batch) ([]uint64, []uint64) {
	x := n.x.bind(b)
	v, e := b.bits(), b.bits()
	for i := range b.n {
		if x.errs != nil && getBit(x.errs, i) {
			setBit(e, i)
			continue
		}
		if x.null(i) {
			if x.nullErr {
				setBit(e, i)
			}
			continue
		}
		var hit bool
		if x.kind == kindInt {
			_, hit = n.ints[x.int(i)]
		} else {
			_, hit = n.doubles[x.double(i)]
		}
		if hit {
			setBit(v, i)
		}
	}
	return v, e
}

func allInts(elems []celast.Expr) bool {
	for _, el := range elems {
		if _, ok := el.AsLiteral().(types.Int); !ok {
			return false
		}
	}
	return true
}
