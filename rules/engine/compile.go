package engine

import (
	"errors"
	"fmt"

	"github.com/apache/arrow-go/v18/arrow"
	celast "github.com/google/cel-go/common/ast"
	"github.com/google/cel-go/common/types"
)

// ErrNotVectorizable reports an expression outside the engine's subset.
var ErrNotVectorizable = errors.New("engine: not vectorizable")

// Resolver maps a CEL variable name to the index of its input column and the
// column's Arrow type; ok is false for names that are not columns.
type Resolver func(name string) (slot int, dt arrow.DataType, ok bool)

// Program is a compiled expression. Immutable and safe for concurrent use.
type Program struct {
	set        *Set
	root       boolNode
	nullable   *nullCondNode // instead of root: a conditional with a null branch
	slots      []int         // every input column, in first-use order
	valueSlots []int         // the columns whose values a kernel reads
	fallbacks  int           // subexpressions left to the interpreter
}

// Slots returns the input columns the program reads.
func (p *Program) Slots() []int { return append([]int(nil), p.slots...) }

// Fallbacks returns how many subexpressions of the program run on the
// interpreter (see WithFallback).
func (p *Program) Fallbacks() int { return p.fallbacks }

// Compile compiles a checked CEL expression whose result is a bool on its
// own, in a Set of one. It returns an error wrapping ErrNotVectorizable when
// the expression is outside the subset (see the package documentation).
func Compile(a *celast.AST, resolve Resolver) (*Program, error) {
	return NewSet(resolve).Compile(a)
}

type compiler struct {
	a       *celast.AST
	resolve Resolver
	seen    map[int]bool
	slots   []int
	set     *Set
	// valueSlot marks the slots whose values (not only nulls) are read.
	valueSlot map[int]bool
	// kernels counts vectorized leaves, fallbacks interpreter subtrees.
	kernels, fallbacks int
}

func refuse(format string, args ...any) error {
	return fmt.Errorf("%w: "+format, append([]any{ErrNotVectorizable}, args...)...)
}

// overload returns the single overload id the checker resolved for a call.
func (c *compiler) overload(e celast.Expr) (string, error) {
	ref, ok := c.a.ReferenceMap()[e.ID()]
	if !ok || len(ref.OverloadIDs) != 1 {
		return "", refuse("call %s has no single overload", e.AsCall().FunctionName())
	}
	return ref.OverloadIDs[0], nil
}

// compare operators by overload id prefix.
var compareOps = map[string]cmpOp{
	"less":           opLT,
	"less_equals":    opLE,
	"greater":        opGT,
	"greater_equals": opGE,
	"equals":         opEQ,
	"not_equals":     opNE,
}

func compareOp(id string) (cmpOp, bool) {
	switch id {
	case "equals":
		return opEQ, true
	case "not_equals":
		return opNE, true
	}
	for _, prefix := range []string{"less_equals", "greater_equals", "less", "greater"} {
		if id == prefix+"_int64" || id == prefix+"_double" || id == prefix+"_int64_double" || id == prefix+"_double_int64" {
			return compareOps[prefix], true
		}
	}
	return 0, false
}

// boolNodeOf compiles a bool-valued subexpression (boolExpr shares it).
func (c *compiler) boolNodeOf(e celast.Expr) (boolNode, error) {
	if e.Kind() == celast.LiteralKind {
		if b, ok := e.AsLiteral().(types.Bool); ok {
			return &constNode{v: bool(b)}, nil
		}
	}
	if e.Kind() == celast.IdentKind {
		slot, dt, err := c.column(e)
		if err != nil {
			return nil, err
		}
		if dt.ID() != arrow.BOOL {
			return nil, refuse("column of type %s used as a bool", dt)
		}
		return &boolColNode{slot: slot}, nil
	}
	if e.Kind() != celast.CallKind {
		return nil, refuse("%v expression", e.Kind())
	}
	id, err := c.overload(e)
	if err != nil {
		return nil, err
	}
	call := e.AsCall()
	args := call.Args()
	if call.IsMemberFunction() {
		args = append([]celast.Expr{call.Target()}, args...)
	}
	switch id {
	case "logical_and", "logical_or":
		if len(args) != 2 {
			return nil, refuse("%s with %d arguments", id, len(args))
		}
		l, err := c.logicOperand(args[0])
		if err != nil {
			return nil, err
		}
		r, err := c.logicOperand(args[1])
		if err != nil {
			return nil, err
		}
		return &logicNode{or: id == "logical_or", l: l, r: r}, nil
	case "conditional":
		return c.conditional(args)
	case "logical_not":
		x, err := c.logicOperand(args[0])
		if err != nil {
			return nil, err
		}
		return &notNode{x: x}, nil
	case "in_list":
		return c.inList(args[0], args[1])
	}
	if n, ok, err := c.stringCall(id, args); ok {
		return n, err
	}
	if n, ok, err := c.timeOrdering(id, args); ok {
		return n, err
	}
	if n, ok, err := c.stringOrdering(id, args); ok {
		return n, err
	}
	op, ok := compareOp(id)
	if !ok {
		return nil, refuse("overload %s", id)
	}
	return c.compare(op, args[0], args[1])
}

func stringLiteral(e celast.Expr) (string, bool) {
	if e.Kind() != celast.LiteralKind {
		return "", false
	}
	s, ok := e.AsLiteral().(types.String)
	return string(s), ok
}

func isNullLiteral(e celast.Expr) bool {
	return e.Kind() == celast.LiteralKind && e.AsLiteral() == types.NullValue
}

// column resolves an identifier to a slot and its Arrow type.
func (c *compiler) column(e celast.Expr) (int, arrow.DataType, error) {
	slot, dt, err := c.identSlot(e)
	if err != nil {
		return 0, nil, err
	}
	c.use(slot, true)
	if c.set != nil && (dt.ID() == arrow.STRING || dt.ID() == arrow.LARGE_STRING) {
		c.set.strRefs[slot]++
	}
	return slot, dt, nil
}

// identSlot resolves an identifier to its column without recording a use.
func (c *compiler) identSlot(e celast.Expr) (int, arrow.DataType, error) {
	if e.Kind() != celast.IdentKind {
		return 0, nil, refuse("%v expression", e.Kind())
	}
	name := e.AsIdent()
	if ref, ok := c.a.ReferenceMap()[e.ID()]; ok {
		if ref.Value != nil {
			return 0, nil, refuse("constant identifier %s", name)
		}
		if ref.Name != "" {
			name = ref.Name
		}
	}
	slot, dt, ok := c.resolve(name)
	if !ok {
		return 0, nil, refuse("identifier %s", name)
	}
	return slot, dt, nil
}

// nullColumn resolves a column whose nulls alone are read (x == null): its
// values are not bound, whatever their type.
func (c *compiler) nullColumn(e celast.Expr) (int, error) {
	slot, _, err := c.identSlot(e)
	if err != nil {
		return 0, err
	}
	c.use(slot, false)
	return slot, nil
}

func isStringType(dt arrow.DataType) bool {
	switch dt.ID() {
	case arrow.STRING, arrow.LARGE_STRING:
		return true
	case arrow.DICTIONARY:
		v := dt.(*arrow.DictionaryType).ValueType.ID()
		return v == arrow.STRING || v == arrow.LARGE_STRING
	}
	return false
}

func (c *compiler) stringColumn(e celast.Expr) (int, error) {
	slot, dt, err := c.column(e)
	if err != nil {
		return 0, err
	}
	if !isStringType(dt) {
		return 0, refuse("column of type %s used as a string", dt)
	}
	return slot, nil
}

// numeric compiles an int or double operand: a column, a literal or size(s).
func (c *compiler) numeric(e celast.Expr) (*numOperand, error) {
	switch e.Kind() {
	case celast.LiteralKind:
		switch v := e.AsLiteral().(type) {
		case types.Int:
			return &numOperand{kind: kindInt, isConst: true, ic: int64(v)}, nil
		case types.Double:
			return &numOperand{kind: kindDouble, isConst: true, fc: float64(v)}, nil
		}
		return nil, refuse("literal of type %s", e.AsLiteral().Type())
	case celast.IdentKind:
		slot, dt, err := c.column(e)
		if err != nil {
			return nil, err
		}
		switch dt.ID() {
		case arrow.INT8, arrow.INT16, arrow.INT32, arrow.INT64:
			return &numOperand{kind: kindInt, slot: slot}, nil
		case arrow.FLOAT32, arrow.FLOAT64:
			return &numOperand{kind: kindDouble, slot: slot}, nil
		}
		return nil, refuse("column of type %s", dt)
	case celast.CallKind:
		id, err := c.overload(e)
		if err != nil {
			return nil, err
		}
		if a, ok := arithOps[id]; ok {
			args := e.AsCall().Args()
			if len(args) != 2 {
				return nil, refuse("%s with %d arguments", id, len(args))
			}
			l, err := c.numeric(args[0])
			if err != nil {
				return nil, err
			}
			r, err := c.numeric(args[1])
			if err != nil {
				return nil, err
			}
			if l.kind != a.kind || r.kind != a.kind {
				return nil, refuse("%s over mixed operands", id)
			}
			return &numOperand{kind: a.kind, op: a.op, l: l, r: r}, nil
		}
		if n, ok, err := c.numericCall(id, e); ok {
			return n, err
		}
		if id != "size_string" && id != "string_size" {
			return nil, refuse("overload %s as a number", id)
		}
		call := e.AsCall()
		arg := call.Target()
		if !call.IsMemberFunction() {
			if len(call.Args()) != 1 {
				return nil, refuse("size with %d arguments", len(call.Args()))
			}
			arg = call.Args()[0]
		}
		s, err := c.sizeColumn(arg)
		if err != nil {
			return nil, err
		}
		return &numOperand{kind: kindInt, slot: s, size: true}, nil
	}
	return nil, refuse("%v expression as a number", e.Kind())
}

func (c *compiler) compare(op cmpOp, l, r celast.Expr) (boolNode, error) {
	if op == opEQ || op == opNE {
		// x == null, null == x.
		if isNullLiteral(r) {
			l, r = r, l
		}
		if isNullLiteral(l) {
			if isNullLiteral(r) {
				return &constNode{v: op == opEQ}, nil
			}
			slot, err := c.nullColumn(r)
			if err != nil {
				return nil, err
			}
			return &isNullNode{slot: slot, not: op == opNE}, nil
		}
		if c.isBoolLeaf(l) || c.isBoolLeaf(r) {
			lo, err := c.boolOperand(l)
			if err != nil {
				return nil, err
			}
			ro, err := c.boolOperand(r)
			if err != nil {
				return nil, err
			}
			return &boolEqNode{ne: op == opNE, l: lo, r: ro}, nil
		}
		if n, ok, err := c.stringEquals(op == opNE, l, r); ok {
			return n, err
		}
		if c.isStringExpr(l) && c.isStringExpr(r) {
			return c.stringPair(op, l, r)
		}
		if c.isTemporalExpr(l) || c.isTemporalExpr(r) {
			return c.timeCompare(op, l, r)
		}
	}
	ln, err := c.numeric(l)
	if err != nil {
		return nil, err
	}
	rn, err := c.numeric(r)
	if err != nil {
		return nil, err
	}
	return &cmpNode{op: op, l: ln, r: rn}, nil
}

func (c *compiler) inList(x, list celast.Expr) (boolNode, error) {
	if list.Kind() != celast.ListKind {
		return nil, refuse("in over a %v expression", list.Kind())
	}
	lst := list.AsList()
	if len(lst.OptionalIndices()) > 0 {
		return nil, refuse("in over a list with optional elements")
	}
	elems := lst.Elements()
	if c.isStringExpr(x) {
		return c.stringIn(x, elems)
	}
	return c.numIn(x, elems)
}

// stringSetPred tests membership; a linear scan beats hashing for a few
// short members.
func stringSetPred(set map[string]struct{}) func(string) bool {
	if len(set) <= 8 {
		members := make([]string, 0, len(set))
		for s := range set {
			members = append(members, s)
		}
		return func(v string) bool {
			for _, m := range members {
				if v == m {
					return true
				}
			}
			return false
		}
	}
	return func(v string) bool { _, ok := set[v]; return ok }
}

// isBoolLeaf reports whether e is a bool literal, a bool column or a call
// the checker typed bool.
func (c *compiler) isBoolLeaf(e celast.Expr) bool {
	switch e.Kind() {
	case celast.CallKind:
		return c.a.GetType(e.ID()).Kind() == types.BoolKind
	case celast.LiteralKind:
		_, ok := e.AsLiteral().(types.Bool)
		return ok
	case celast.IdentKind:
		_, dt, err := c.column(e)
		return err == nil && dt.ID() == arrow.BOOL
	}
	return false
}

// boolOperand compiles an operand of bool equality.
func (c *compiler) boolOperand(e celast.Expr) (*boolOperand, error) {
	if e.Kind() == celast.IdentKind {
		slot, dt, err := c.column(e)
		if err != nil {
			return nil, err
		}
		if dt.ID() != arrow.BOOL {
			return nil, refuse("column of type %s compared with a bool", dt)
		}
		return &boolOperand{col: slot}, nil
	}
	n, err := c.boolExpr(e)
	if err != nil {
		return nil, err
	}
	return &boolOperand{col: -1, node: n}, nil
}
