package engine

import (
	"strings"
	"unicode"
	"unicode/utf8"

	"github.com/apache/arrow-go/v18/arrow"
	celast "github.com/google/cel-go/common/ast"
	"github.com/google/cel-go/common/types"

	"github.com/sluicedata/sluice/rules/textfmt"
)

// strOperand is a string column read through a chain of transforms
// (lowerAscii, upperAscii), applied in order. Predicates over it run once
// per dictionary entry on dictionary columns.
type strOperand struct {
	slot  int
	xform []func(string) string
	// fromInt: the column is an int column read through string(x), whose
	// values are formatted in base 10 row by row.
	fromInt bool
}

// stringXforms maps the overload ids of ext.Strings' string-to-string
// functions the engine runs to their implementations.
var stringXforms = map[string]func(string) string{
	"string_lower_ascii": lowerASCII,
	"string_upper_ascii": upperASCII,
}

// stringOperand compiles a string column, possibly through lowerAscii()
// and upperAscii().
func (c *compiler) stringOperand(e celast.Expr) (*strOperand, error) {
	if e.Kind() != celast.CallKind {
		slot, err := c.stringColumn(e)
		if err != nil {
			return nil, err
		}
		return &strOperand{slot: slot}, nil
	}
	id, err := c.overload(e)
	if err != nil {
		return nil, err
	}
	if id == "int64_to_string" && len(e.AsCall().Args()) == 1 {
		// string(x) of an int column: cel-go formats it with %d.
		slot, dt, err := c.column(e.AsCall().Args()[0])
		if err != nil {
			return nil, err
		}
		switch dt.ID() {
		case arrow.INT8, arrow.INT16, arrow.INT32, arrow.INT64:
			return &strOperand{slot: slot, fromInt: true}, nil
		}
		return nil, refuse("string() of a column of type %s", dt)
	}
	f, ok := stringXforms[id]
	call := e.AsCall()
	if !ok || !call.IsMemberFunction() || len(call.Args()) != 0 {
		return nil, refuse("overload %s as a string", id)
	}
	s, err := c.stringOperand(call.Target())
	if err != nil {
		return nil, err
	}
	s.xform = append(s.xform, f)
	return s, nil
}

// isStringExpr reports whether the checker typed e a string.
func (c *compiler) isStringExpr(e celast.Expr) bool {
	return c.a.GetType(e.ID()).Kind() == types.StringKind
}

// apply returns the transformed value of v.
func (s *strOperand) apply(v string) string {
	for _, f := range s.xform {
		v = f(v)
	}
	return v
}

// predNode tests p on the operand's values. A transform of a null is an
// error (no overload takes null), so nulls are errors whenever the chain is
// not empty; otherwise nullErr decides.
func (s *strOperand) predNode(p func(string) bool, not, nullErr bool) *strPredNode {
	pred := p
	if len(s.xform) > 0 {
		pred = func(v string) bool { return p(s.apply(v)) }
		nullErr = true
	}
	if s.fromInt {
		nullErr = true // string(null) has no overload
	}
	return &strPredNode{slot: s.slot, pred: pred, not: not, nullErr: nullErr, intSrc: s.fromInt}
}

// stringCall compiles startsWith, endsWith, contains and matches with a
// literal argument, and the detectors; ok is false for other overloads.
func (c *compiler) stringCall(id string, args []celast.Expr) (n boolNode, ok bool, err error) {
	var mk func(lit string) (func(string) bool, error)
	switch id {
	case "starts_with_string":
		mk = func(lit string) (func(string) bool, error) {
			return func(v string) bool { return strings.HasPrefix(v, lit) }, nil
		}
	case "ends_with_string":
		mk = func(lit string) (func(string) bool, error) {
			return func(v string) bool { return strings.HasSuffix(v, lit) }, nil
		}
	case "contains_string":
		mk = func(lit string) (func(string) bool, error) {
			return func(v string) bool { return strings.Contains(v, lit) }, nil
		}
	case "matches", "matches_string":
		// cel-go runs regexp.MatchString: RE2 syntax, compiled here once.
		mk = func(lit string) (func(string) bool, error) {
			d, re, err := newDFA(lit)
			if err != nil {
				return nil, refuse("invalid regular expression %q: %v", lit, err)
			}
			if d != nil {
				return d.matchString, nil
			}
			return re.MatchString, nil
		}
	case "parses_time_string_string":
		mk = func(lit string) (func(string) bool, error) {
			l, err := textfmt.Compile(lit)
			if err != nil {
				return nil, refuse("parses_time: %v", err)
			}
			return l.Match, nil
		}
	case "matches_json_schema_string_string":
		mk = func(lit string) (func(string) bool, error) {
			js, err := textfmt.CompileJSONSchema(lit)
			if err != nil {
				return nil, refuse("matches_json_schema: %v", err)
			}
			return js.Match, nil
		}
	default:
		f, found := detectors[id]
		if !found || len(args) != 1 {
			return nil, false, nil
		}
		s, err := c.stringOperand(args[0])
		if err != nil {
			return nil, true, err
		}
		return s.predNode(f, false, true), true, nil
	}
	if len(args) != 2 {
		return nil, true, refuse("%s with %d arguments", id, len(args))
	}
	s, err := c.stringOperand(args[0])
	if err != nil {
		return nil, true, err
	}
	lit, isLit := stringLiteral(args[1])
	if !isLit {
		return nil, true, refuse("%s with a non-literal argument", id)
	}
	pred, err := mk(lit)
	if err != nil {
		return nil, true, err
	}
	return s.predNode(pred, false, true), true, nil
}

// stringEquals compiles == and != between a string operand and a literal;
// ok is false when neither side is a string literal.
func (c *compiler) stringEquals(ne bool, l, r celast.Expr) (n boolNode, ok bool, err error) {
	if _, isLit := stringLiteral(l); isLit {
		l, r = r, l
	}
	lit, isLit := stringLiteral(r)
	if !isLit {
		return nil, false, nil
	}
	s, err := c.stringOperand(l)
	if err != nil {
		return nil, true, err
	}
	node := s.predNode(func(v string) bool { return v == lit }, ne, false)
	if len(s.xform) == 0 && !s.fromInt {
		node.set = newStrSet([]string{lit})
	}
	return node, true, nil
}

// stringIn compiles x in [string literals].
func (c *compiler) stringIn(x celast.Expr, elems []celast.Expr) (boolNode, error) {
	set := make(map[string]struct{}, len(elems))
	for _, el := range elems {
		s, ok := stringLiteral(el)
		if !ok {
			return nil, refuse("in over a list with a non-string element")
		}
		set[s] = struct{}{}
	}
	s, err := c.stringOperand(x)
	if err != nil {
		return nil, err
	}
	if len(set) == 0 {
		return &constNode{}, nil // the interpreter folds x in [] to false
	}
	node := s.predNode(stringSetPred(set), false, false)
	if len(s.xform) == 0 && !s.fromInt {
		members := make([]string, 0, len(set))
		for m := range set {
			members = append(members, m)
		}
		node.set = newStrSet(members)
	}
	return node, nil
}

// sizeColumn compiles the operand of size(): a string column, possibly
// through lowerAscii() and upperAscii(), which keep the number of code
// points (every rune maps to one rune, an invalid byte to one U+FFFD), so
// the size is read off the column itself.
func (c *compiler) sizeColumn(e celast.Expr) (int, error) {
	s, err := c.stringOperand(e)
	if err != nil {
		return 0, err
	}
	if s.fromInt {
		return 0, refuse("size of string() of an int column")
	}
	return s.slot, nil
}

// lowerASCII is ext.Strings' lowerAscii: ASCII letters are lowered; the
// string is decoded as runes, so invalid UTF-8 bytes become U+FFFD.
func lowerASCII(s string) string {
	if isASCII(s) {
		return strings.ToLower(s)
	}
	runes := []rune(s)
	for i, r := range runes {
		if r <= unicode.MaxASCII {
			runes[i] = unicode.ToLower(r)
		}
	}
	return string(runes)
}

// upperASCII is ext.Strings' upperAscii, see lowerASCII.
func upperASCII(s string) string {
	if isASCII(s) {
		return strings.ToUpper(s)
	}
	runes := []rune(s)
	for i, r := range runes {
		if r <= unicode.MaxASCII {
			runes[i] = unicode.ToUpper(r)
		}
	}
	return string(runes)
}

func isASCII(s string) bool {
	for i := 0; i < len(s); i++ {
		if s[i] >= utf8.RuneSelf {
			return false
		}
	}
	return true
}
