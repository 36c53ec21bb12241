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
	b.release(xv, xe, yv, ye)
	return cv, ce
}

// nullCondNode is a root c ? x : null (or c ? null : x), the form imported
// row conditions take: rows where the null branch is chosen evaluate to
// null, which the caller counts per the rule's nulls policy.
type nullCondNode struct {
	c, x       boolNode
	nullOnTrue bool
}

// isNullValue reports whether e is null or dyn(null).
func (c *compiler) isNullValue(e celast.Expr) bool {
	if isNullLiteral(e) {
		return true
	}
	if e.Kind() != celast.CallKind {
		return false
	}
	call := e.AsCall()
	return call.FunctionName() == "dyn" && len(call.Args()) == 1 && isNullLiteral(call.Args()[0])
}

// rootExpr compiles the root of an expression: a bool expression, or a
// conditional with a null branch.
func (c *compiler) rootExpr(e celast.Expr) (boolNode, *nullCondNode, error) {
	if e.Kind() == celast.CallKind {
		if id, err := c.overload(e); err == nil && id == "conditional" && len(e.AsCall().Args()) == 3 {
			args := e.AsCall().Args()
			for i, branch := range args[1:] {
				other := args[2-i]
				if !c.isNullValue(branch) || c.isNullValue(other) {
					continue
				}
				cond, err := c.logicOperand(args[0])
				if err != nil {
					return nil, nil, err
				}
				// A null or non-bool x is an error here; the caller
				// evaluates error rows again on the interpreter, which
				// gives null.
				x, err := c.logicOperand(other)
				if err != nil {
					return nil, nil, err
				}
				return nil, &nullCondNode{c: cond, x: x, nullOnTrue: i == 0}, nil
			}
		}
	}
	root, err := c.boolExpr(e)
	return root, nil, err
}

// eval returns the value and errors of the rows whose chosen branch is x,
// and the rows whose chosen branch is null.
func (n *nullCondNode) eval(b *batch) (val, errs, null []uint64) {
	cv, ce := n.c.eval(b)
	// x is evaluated only where it is chosen.
	pick := b.bits()
	for i := range cv {
		if n.nullOnTrue {
			pick[i] = ^cv[i] &^ ce[i]
		} else {
			pick[i] = cv[i] &^ ce[i]
		}
	}
	var xv, xe []uint64
	if m, ok := n.x.(maskedNode); ok && m.masked() {
		skip := b.bits()
		for i := range pick {
			skip[i] = ^pick[i]
		}
		xv, xe = m.evalMasked(b, skip)
		b.release(skip)
	} else {
		xv, xe = n.x.eval(b)
	}
	null = b.bits()
	for i := range cv {
		e := ce[i] | pick[i]&xe[i]
		null[i] = ^pick[i] &^ ce[i]
		cv[i], ce[i] = pick[i]&xv[i]&^e, e
	}
	b.release(pick, xv, xe)
	if tail := b.n & 63; tail != 0 && len(null) > 0 {
		null[len(null)-1] &= 1<<tail - 1
	}
	return cv, ce, null
}
