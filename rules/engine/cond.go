package engine

import (
	celast "github.com/google/cel-go/common/ast"
)

// condNode is c ? x : y with bool branches. Only the chosen branch's
// error counts; an error (or a null) in the condition is an error.
type condNode struct{ c, x, y boolNode }

// conditional compiles a bool-valued c ? x : y. The condition may fall
// back to the interpreter like an operand of &&; the branches must be
// vectorized calls or literals (a bool column or a fallback could yield
// null, which the conditional passes through rather than treating as an
// error).
func (c *compiler) conditional(args []celast.Expr) (boolNode, error) {
	if len(args) != 3 {
		return nil, refuse("conditional with %d arguments", len(args))
	}
	cond, err := c.logicOperand(args[0])
	if err != nil {
		return nil, err
	}
	branches := [2]boolNode{}
	for i, e := range args[1:] {
		if e.Kind() == celast.IdentKind {
			return nil, refuse("conditional with a column as a branch")
		}
		n, err := c.boolExpr(e)
		if err != nil {
			return nil, err
		}
		branches[i] = n
	}
	return &condNode{c: cond, x: branches[0], y: branches[1]}, nil
}

func (n *condNode) eval(b *batch) ([]uint64, []uint64) {
	cv, ce := n.c.eval(b)
	xv, xe := n.x.eval(b)
	yv, ye := n.y.eval(b)
	for i := range cv {
		t := cv[i] &^ ce[i]  // condition true
		f := ^cv[i] &^ ce[i] // condition false
		e := ce[i] | t&xe[i] | f&ye[i]
		cv[i], ce[i] = (t&xv[i]|f&yv[i])&^e, e
	}
	return cv, ce
}
