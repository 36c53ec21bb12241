package engine

import (
	"strings"

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
		return nil, true, refuse("%s of two non-literal strings", id)
	}
	s, err := c.stringOperand(l)
	if err != nil {
		return nil, true, err
	}
	return s.predNode(func(v string) bool { return op.holds(strings.Compare(v, lit)) }, false, true), true, nil
}
