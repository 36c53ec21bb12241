package engine

import (
	"strconv"
	"strings"
	"unsafe"

	celast "github.com/google/cel-go/common/ast"
)

// stringOrderOps are the overloads of <, <=, > and >= on strings.
var stringOrderOps = map[string]cmpOp{
	"less_string":           opLT,
	"less_equals_string":    opLE,
	"greater_string":        opGT,
	"greater_equals_string": opGE,
}

// stringOrdering compiles the ordering of a string operand and a string
// literal: cel-go compares strings byte by byte (strings.Compare), and an
// ordering of a null is an error. ok is false for other overloads.
func (c *compiler) stringOrdering(id string, args []celast.Expr) (n boolNode, ok bool, err error) {
	op, found := stringOrderOps[id]
	if !found {
		return nil, false, nil
	}
	if len(args) != 2 {
		return nil, true, refuse("%s with %d arguments", id, len(args))
	}
	l, r := args[0], args[1]
	if _, isLit := stringLiteral(l); isLit {
		l, r, op = r, l, op.flip()
	}
	lit, isLit := stringLiteral(r)
	if !isLit {
		n, err := c.stringPair(op, l, r)
		return n, true, err
	}
	s, err := c.stringOperand(l)
	if err != nil {
		return nil, true, err
	}
	return s.predNode(func(v string) bool { return op.holds(strings.Compare(v, lit)) }, false, true), true, nil
}

// stringPair compiles a comparison of two string operands (no literal).
// == and != treat null as a value (null equals only null); an ordering of
// a null is an error, and so is a transform or string() of a null.
func (c *compiler) stringPair(op cmpOp, l, r celast.Expr) (boolNode, error) {
	lo, err := c.stringOperand(l)
	if err != nil {
		return nil, err
	}
	ro, err := c.stringOperand(r)
	if err != nil {
		return nil, err
	}
	return &strPairNode{op: op, l: lo, r: ro}, nil
}

// strPairNode compares two string operands row by row.
type strPairNode struct {
	op   cmpOp
	l, r *strOperand
	pair dictPair // for two dictionary columns
}

// nullErr reports whether a null of the operand is an error.
func (s *strOperand) nullErr() bool { return len(s.xform) > 0 || s.fromInt }

// value returns the operand's value on row i (not null); string(x) is
// formatted into *buf, so the value holds until the next call with buf.
func (s *strOperand) value(c *column, i int, buf *[]byte) string {
	var v string
	switch {
	case s.fromInt:
		*buf = strconv.AppendInt((*buf)[:0], c.i64[i], 10)
		v = unsafe.String(unsafe.SliceData(*buf), len(*buf))
	case c.str.dict != nil:
		v = c.str.dict.Value(c.str.index(i))
	default:
		v = c.str.plain.Value(i)
	}
	return s.apply(v)
}

// null sets the bits of row i when an operand is null there and reports
// whether it did: == and != treat null as a value (null equals only null),
// an ordering of a null is an error, and so is a transform or string() of
// a null.
func (n *strPairNode) null(lc, rc *column, i int, v, e []uint64) bool {
	ln, rn := lc.null(i), rc.null(i)
	if !ln && !rn {
		return false
	}
	switch {
	case (ln && n.l.nullErr()) || (rn && n.r.nullErr()) || (n.op != opEQ && n.op != opNE):
		setBit(e, i)
	case (ln && rn) == (n.op == opEQ):
		setBit(v, i)
	}
	return true
}

func (n *strPairNode) eval(b *batch) ([]uint64, []uint64) {
	lc, rc := b.cols[n.l.slot], b.cols[n.r.slot]
	if pr := n.pair.ranks(n, lc, rc, b.n); pr != nil {
		return n.evalRanks(b, lc, rc, pr)
	}
	v, e := b.bits(), b.bits()
	var lbuf, rbuf []byte
	for i := range b.n {
		if n.null(lc, rc, i, v, e) {
			continue
		}
		if n.op.holds(strings.Compare(n.l.value(lc, i, &lbuf), n.r.value(rc, i, &rbuf))) {
			setBit(v, i)
		}
	}
	return v, e
}
