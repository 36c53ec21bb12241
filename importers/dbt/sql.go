package dbt

import (
	"errors"
	"fmt"
	"math"
	"strconv"
	"strings"
	"time"
	"unicode"

	"github.com/sluicedata/sluice/importers"
)

// The SQL that dbt tests carry — the where config, the expression of
// dbt_utils.expression_is_true, the row_condition of dbt_expectations — is
// translated when it keeps to a subset whose meaning CEL can hold exactly:
// column references, number, string and boolean literals, comparisons
// (= <> != < <= > >=), + - * /, AND, OR, NOT, IS [NOT] NULL, [NOT] IN (…),
// [NOT] BETWEEN … AND … and parentheses. Function calls, casts, subqueries
// and qualified names are refused with the reason.
//
// SQL has three truth values: a comparison that reads a NULL is UNKNOWN,
// and a WHERE keeps only the rows where the condition is TRUE. A
// translated condition keeps that logic by testing each column it reads
// for null (sqlExpr.isTrue and notFalse below), so a row rule built from it
// sees nulls as CEL null and never skips a row that SQL would count.

// colKind is what a literal needs to know about the column it meets.
type colKind int

const (
	kUnknown colKind = iota
	kInt
	kDouble
	kString
	kBool
	kTime
	kOther
)

// sqlNode is a parsed SQL expression.
type sqlNode struct {
	op   string // "and" "or" "not" "cmp" "isnull" "notnull" "in" "notin" "bool" "true" "false" "null" | for values: "col" "num" "str" "arith"
	cmp  string // CEL comparison operator for "cmp", arithmetic operator for "arith"
	text string // column name, number text or string value
	kids []*sqlNode
}

type sqlParser struct {
	src  string
	toks []sqlToken
	i    int
	kind func(col string) colKind
	col  func(name string) string
}

type sqlToken struct {
	kind byte // 'i' identifier, 'q' quoted identifier, 'n' number, 's' string, 'o' operator
	text string
	pos  int
}

var errSQL = errors.New("SQL")

func sqlErrorf(format string, a ...any) error {
	return fmt.Errorf("%w: "+format, append([]any{errSQL}, a...)...)
}

func sqlTokenize(s string) ([]sqlToken, error) {
	var toks []sqlToken
	rs := []rune(s)
	for i := 0; i < len(rs); {
		r := rs[i]
		switch {
		case unicode.IsSpace(r):
			i++
		case r == '_' || unicode.IsLetter(r):
			j := i
			for j < len(rs) && (rs[j] == '_' || rs[j] == '$' || unicode.IsLetter(rs[j]) || unicode.IsDigit(rs[j])) {
				j++
			}
			toks = append(toks, sqlToken{'i', string(rs[i:j]), i})
			i = j
		case unicode.IsDigit(r) || (r == '.' && i+1 < len(rs) && unicode.IsDigit(rs[i+1])):
			j := i
			for j < len(rs) && (unicode.IsDigit(rs[j]) || rs[j] == '.' || rs[j] == 'e' || rs[j] == 'E' ||
				((rs[j] == '-' || rs[j] == '+') && (rs[j-1] == 'e' || rs[j-1] == 'E'))) {
				j++
			}
			toks = append(toks, sqlToken{'n', string(rs[i:j]), i})
			i = j
		case r == '\'' || r == '"' || r == '`':
			// 'string' with '' for a quote; "identifier" and `identifier`.
			j := i + 1
			var b strings.Builder
			for {
				if j >= len(rs) {
					return nil, sqlErrorf("unterminated %c at offset %d", r, i)
				}
				if rs[j] == r {
					if j+1 < len(rs) && rs[j+1] == r {
						b.WriteRune(r)
						j += 2
						continue
					}
					break
				}
				b.WriteRune(rs[j])
				j++
			}
			k := byte('s')
			if r != '\'' {
				k = 'q'
			}
			toks = append(toks, sqlToken{k, b.String(), i})
			i = j + 1
		default:
			two := ""
			if i+1 < len(rs) {
				two = string(rs[i : i+2])
			}
			switch two {
			case "<>", "!=", "<=", ">=", "==":
				toks = append(toks, sqlToken{'o', two, i})
				i += 2
				continue
			case "::":
				return nil, sqlErrorf("casts (::) are not translated")
			case "||":
				return nil, sqlErrorf("string concatenation (||) is not translated")
			}
			switch r {
			case '<', '>', '=', '(', ')', ',', '+', '-', '*', '/':
				toks = append(toks, sqlToken{'o', string(r), i})
				i++
			default:
				return nil, sqlErrorf("unexpected %q at offset %d", r, i)
			}
		}
	}
	return toks, nil
}

// parseSQL parses a SQL boolean expression. kind types the columns (for
// literals); col maps a SQL identifier to the column name (SQL folds the
// case of unquoted identifiers).
func parseSQL(src string, kind func(string) colKind, col func(string) string) (*sqlNode, error) {
	toks, err := sqlTokenize(src)
	if err != nil {
		return nil, err
	}
	if len(toks) == 0 {
		return nil, sqlErrorf("empty expression")
	}
	p := &sqlParser{src: src, toks: toks, kind: kind, col: col}
	n, err := p.or()
	if err != nil {
		return nil, err
	}
	if p.i < len(p.toks) {
		return nil, sqlErrorf("unexpected %q at offset %d", p.toks[p.i].text, p.toks[p.i].pos)
	}
	if !isBoolean(n) {
		if n.op == "col" {
			return &sqlNode{op: "bool", kids: []*sqlNode{n}}, nil
		}
		return nil, sqlErrorf("not a condition")
	}
	return n, nil
}

func (p *sqlParser) peek() (sqlToken, bool) {
	if p.i < len(p.toks) {
		return p.toks[p.i], true
	}
	return sqlToken{}, false
}

func (p *sqlParser) keyword(words ...string) bool {
	for k, w := range words {
		if p.i+k >= len(p.toks) {
			return false
		}
		t := p.toks[p.i+k]
		if t.kind != 'i' || !strings.EqualFold(t.text, w) {
			return false
		}
	}
	p.i += len(words)
	return true
}

func (p *sqlParser) punct(s string) bool {
	if t, ok := p.peek(); ok && t.kind == 'o' && t.text == s {
		p.i++
		return true
	}
	return false
}

func (p *sqlParser) or() (*sqlNode, error) {
	l, err := p.and()
	if err != nil {
		return nil, err
	}
	for p.keyword("or") {
		r, err := p.and()
		if err != nil {
			return nil, err
		}
		l, err = logical("or", l, r)
		if err != nil {
			return nil, err
		}
	}
	return l, nil
}

func (p *sqlParser) and() (*sqlNode, error) {
	l, err := p.not()
	if err != nil {
		return nil, err
	}
	for p.keyword("and") {
		r, err := p.not()
		if err != nil {
			return nil, err
		}
		l, err = logical("and", l, r)
		if err != nil {
			return nil, err
		}
	}
	return l, nil
}

func logical(op string, l, r *sqlNode) (*sqlNode, error) {
	l, r = asCondition(l), asCondition(r)
	if !isBoolean(l) || !isBoolean(r) {
		return nil, sqlErrorf("%s needs conditions on both sides", strings.ToUpper(op))
	}
	return &sqlNode{op: op, kids: []*sqlNode{l, r}}, nil
}

// asCondition reads a bare column as a boolean condition.
func asCondition(n *sqlNode) *sqlNode {
	if n.op == "col" {
		return &sqlNode{op: "bool", kids: []*sqlNode{n}}
	}
	return n
}

func isBoolean(n *sqlNode) bool {
	switch n.op {
	case "and", "or", "not", "cmp", "isnull", "notnull", "in", "notin", "bool", "true", "false":
		return true
	}
	return false
}

func (p *sqlParser) not() (*sqlNode, error) {
	if p.keyword("not") {
		n, err := p.not()
		if err != nil {
			return nil, err
		}
		n = asCondition(n)
		if !isBoolean(n) {
			return nil, sqlErrorf("NOT needs a condition")
		}
		return &sqlNode{op: "not", kids: []*sqlNode{n}}, nil
	}
	return p.predicate()
}

var sqlComparisons = map[string]string{"=": "==", "==": "==", "<>": "!=", "!=": "!=", "<": "<", "<=": "<=", ">": ">", ">=": ">="}

func (p *sqlParser) predicate() (*sqlNode, error) {
	l, err := p.sum()
	if err != nil {
		return nil, err
	}
	if t, ok := p.peek(); ok && t.kind == 'o' {
		if op, ok := sqlComparisons[t.text]; ok {
			p.i++
			r, err := p.sum()
			if err != nil {
				return nil, err
			}
			return p.comparison(op, l, r)
		}
	}
	switch {
	case p.keyword("is", "not", "null"):
		return p.nullTest("notnull", l)
	case p.keyword("is", "null"):
		return p.nullTest("isnull", l)
	case p.keyword("is", "not", "true"), p.keyword("is", "false"), p.keyword("is", "true"), p.keyword("is", "not", "false"):
		return nil, sqlErrorf("IS TRUE / IS FALSE are not translated")
	case p.keyword("not", "in"):
		return p.in("notin", l)
	case p.keyword("in"):
		return p.in("in", l)
	case p.keyword("not", "between"):
		n, err := p.between(l)
		if err != nil {
			return nil, err
		}
		return &sqlNode{op: "not", kids: []*sqlNode{n}}, nil
	case p.keyword("between"):
		return p.between(l)
	}
	if t, ok := p.peek(); ok && t.kind == 'i' {
		switch strings.ToLower(t.text) {
		case "like", "ilike", "similar", "rlike", "regexp":
			return nil, sqlErrorf("%s is not translated", strings.ToUpper(t.text))
		case "not":
			if p.i+1 < len(p.toks) {
				return nil, sqlErrorf("NOT %s is not translated", strings.ToUpper(p.toks[p.i+1].text))
			}
		}
	}
	return l, nil
}

func (p *sqlParser) nullTest(op string, l *sqlNode) (*sqlNode, error) {
	if l.op != "col" {
		return nil, sqlErrorf("IS NULL is translated on a column only")
	}
	return &sqlNode{op: op, kids: []*sqlNode{l}}, nil
}

func (p *sqlParser) between(l *sqlNode) (*sqlNode, error) {
	lo, err := p.sum()
	if err != nil {
		return nil, err
	}
	if !p.keyword("and") {
		return nil, sqlErrorf("BETWEEN without AND")
	}
	hi, err := p.sum()
	if err != nil {
		return nil, err
	}
	a, err := p.comparison(">=", l, lo)
	if err != nil {
		return nil, err
	}
	b, err := p.comparison("<=", l, hi)
	if err != nil {
		return nil, err
	}
	return &sqlNode{op: "and", kids: []*sqlNode{a, b}}, nil
}

func (p *sqlParser) in(op string, l *sqlNode) (*sqlNode, error) {
	if l.op != "col" {
		return nil, sqlErrorf("IN is translated on a column only")
	}
	if !p.punct("(") {
		return nil, sqlErrorf("IN wants a parenthesized list of literals")
	}
	n := &sqlNode{op: op, kids: []*sqlNode{l}}
	for {
		v, err := p.primary()
		if err != nil {
			return nil, err
		}
		switch v.op {
		case "num", "str", "true", "false":
		case "null":
			return nil, sqlErrorf("NULL in an IN list is never equal to anything: write IS NULL")
		default:
			return nil, sqlErrorf("IN lists are translated with literals only")
		}
		n.kids = append(n.kids, v)
		if p.punct(")") {
			return n, nil
		}
		if !p.punct(",") {
			return nil, sqlErrorf("IN list: want , or )")
		}
	}
}

func (p *sqlParser) comparison(op string, l, r *sqlNode) (*sqlNode, error) {
	literal := func(n *sqlNode) bool { return n.op == "true" || n.op == "false" }
	if (isBoolean(l) && !literal(l)) || (isBoolean(r) && !literal(r)) {
		return nil, sqlErrorf("comparisons of conditions are not translated")
	}
	return &sqlNode{op: "cmp", cmp: op, kids: []*sqlNode{l, r}}, nil
}

func (p *sqlParser) sum() (*sqlNode, error) {
	l, err := p.product()
	if err != nil {
		return nil, err
	}
	for {
		switch {
		case p.punct("+"):
			r, err := p.product()
			if err != nil {
				return nil, err
			}
			l = &sqlNode{op: "arith", cmp: "+", kids: []*sqlNode{l, r}}
		case p.punct("-"):
			r, err := p.product()
			if err != nil {
				return nil, err
			}
			l = &sqlNode{op: "arith", cmp: "-", kids: []*sqlNode{l, r}}
		default:
			return l, nil
		}
	}
}

func (p *sqlParser) product() (*sqlNode, error) {
	l, err := p.unary()
	if err != nil {
		return nil, err
	}
	for {
		switch {
		case p.punct("*"):
			r, err := p.unary()
			if err != nil {
				return nil, err
			}
			l = &sqlNode{op: "arith", cmp: "*", kids: []*sqlNode{l, r}}
		case p.punct("/"):
			return nil, sqlErrorf("division is not translated (SQL and CEL differ on integer division and on zero)")
		default:
			return l, nil
		}
	}
}

func (p *sqlParser) unary() (*sqlNode, error) {
	if p.punct("-") {
		n, err := p.unary()
		if err != nil {
			return nil, err
		}
		if n.op == "num" {
			n.text = "-" + n.text
			return n, nil
		}
		return &sqlNode{op: "arith", cmp: "-", kids: []*sqlNode{{op: "num", text: "0"}, n}}, nil
	}
	return p.primary()
}

func (p *sqlParser) primary() (*sqlNode, error) {
	t, ok := p.peek()
	if !ok {
		return nil, sqlErrorf("the expression ends early")
	}
	p.i++
	switch t.kind {
	case 'n':
		if _, err := strconv.ParseFloat(t.text, 64); err != nil {
			return nil, sqlErrorf("bad number %q", t.text)
		}
		return &sqlNode{op: "num", text: t.text}, nil
	case 's':
		return &sqlNode{op: "str", text: t.text}, nil
	case 'q':
		return p.column(t.text, true)
	case 'i':
		switch strings.ToLower(t.text) {
		case "true":
			return &sqlNode{op: "true"}, nil
		case "false":
			return &sqlNode{op: "false"}, nil
		case "null":
			return &sqlNode{op: "null"}, nil
		case "and", "or", "not", "is", "in", "between", "select", "case", "when", "exists":
			return nil, sqlErrorf("unexpected %s at offset %d", strings.ToUpper(t.text), t.pos)
		case "date", "timestamp", "interval":
			if n, ok := p.peek(); ok && n.kind == 's' {
				return nil, sqlErrorf("%s literals are not translated: compare with a plain string", strings.ToUpper(t.text))
			}
		}
		if n, ok := p.peek(); ok && n.kind == 'o' && n.text == "(" {
			return nil, sqlErrorf("function calls (%s) are not translated", t.text)
		}
		return p.column(t.text, false)
	}
	if t.text == "(" {
		n, err := p.or()
		if err != nil {
			return nil, err
		}
		if !p.punct(")") {
			return nil, sqlErrorf("missing )")
		}
		return n, nil
	}
	return nil, sqlErrorf("unexpected %q at offset %d", t.text, t.pos)
}

func (p *sqlParser) column(name string, quoted bool) (*sqlNode, error) {
	if t, ok := p.peek(); ok && t.kind == 'o' && t.text == "." {
		return nil, sqlErrorf("qualified names are not translated")
	}
	if !quoted && p.col != nil {
		name = p.col(name)
	}
	return &sqlNode{op: "col", text: name}, nil
}

// ---- rendering ----

// sqlRender writes the CEL of a parsed expression.
type sqlRender struct {
	kind func(string) colKind
}

// columns returns the columns n reads, in order, once each.
func (n *sqlNode) columns(out []string) []string {
	if n.op == "col" {
		for _, c := range out {
			if c == n.text {
				return out
			}
		}
		return append(out, n.text)
	}
	for _, k := range n.kids {
		out = k.columns(out)
	}
	return out
}

func notNullGuard(cols []string) []string {
	g := make([]string, len(cols))
	for i, c := range cols {
		g[i] = importers.Ident(c) + " != null"
	}
	return g
}

func isNullAny(cols []string) []string {
	g := make([]string, len(cols))
	for i, c := range cols {
		g[i] = importers.Ident(c) + " == null"
	}
	return g
}

// isTrue returns CEL that is true exactly when SQL evaluates n to TRUE.
func (r *sqlRender) isTrue(n *sqlNode) (string, error) {
	switch n.op {
	case "true":
		return "true", nil
	case "false":
		return "false", nil
	case "and", "or":
		a, err := r.isTrue(n.kids[0])
		if err != nil {
			return "", err
		}
		b, err := r.isTrue(n.kids[1])
		if err != nil {
			return "", err
		}
		return join(n.op, a, b), nil
	case "not":
		s, err := r.notFalse(n.kids[0])
		if err != nil {
			return "", err
		}
		return "!(" + s + ")", nil
	case "isnull":
		return importers.Ident(n.kids[0].text) + " == null", nil
	case "notnull":
		return importers.Ident(n.kids[0].text) + " != null", nil
	}
	body, cols, err := r.atom(n)
	if err != nil {
		return "", err
	}
	if body == "" { // a comparison with NULL is never TRUE
		return "false", nil
	}
	return strings.Join(append(notNullGuard(cols), body), " && "), nil
}

// notFalse returns CEL that is true exactly when SQL evaluates n to TRUE
// or UNKNOWN (the rows a `where not (n)` leaves out).
func (r *sqlRender) notFalse(n *sqlNode) (string, error) {
	switch n.op {
	case "true":
		return "true", nil
	case "false":
		return "false", nil
	case "and", "or":
		a, err := r.notFalse(n.kids[0])
		if err != nil {
			return "", err
		}
		b, err := r.notFalse(n.kids[1])
		if err != nil {
			return "", err
		}
		return join(n.op, a, b), nil
	case "not":
		s, err := r.isTrue(n.kids[0])
		if err != nil {
			return "", err
		}
		return "!(" + s + ")", nil
	case "isnull", "notnull":
		return r.isTrue(n)
	}
	body, cols, err := r.atom(n)
	if err != nil {
		return "", err
	}
	if body == "" {
		return "true", nil
	}
	return strings.Join(append(isNullAny(cols), body), " || "), nil
}

func join(op, a, b string) string {
	if op == "and" {
		return andOperand(a) + " && " + andOperand(b)
	}
	return a + " || " + b
}

// andOperand parenthesizes s when it has a top-level || (&& binds
// tighter).
func andOperand(s string) string {
	if topLevel(s, "||") || topLevel(s, "?") {
		return "(" + s + ")"
	}
	return s
}

// topLevel reports whether op occurs in s outside parentheses, brackets
// and string literals.
func topLevel(s, op string) bool {
	depth := 0
	inStr := byte(0)
	for i := 0; i < len(s); i++ {
		c := s[i]
		switch {
		case inStr != 0 && c == '\\':
			i++
		case inStr != 0:
			if c == inStr {
				inStr = 0
			}
		case c == '"' || c == '\'':
			inStr = c
		case c == '(' || c == '[':
			depth++
		case c == ')' || c == ']':
			depth--
		case depth == 0 && strings.HasPrefix(s[i:], op):
			return true
		}
	}
	return false
}

// atom renders a comparison, IN or boolean column without the null logic:
// the CEL (true or false when no input is null) and the columns read. An
// empty body means a NULL literal takes part (never TRUE, never FALSE).
func (r *sqlRender) atom(n *sqlNode) (string, []string, error) {
	cols := n.columns(nil)
	switch n.op {
	case "bool":
		c := n.kids[0].text
		if k := r.kindOf(c); k != kBool && k != kUnknown {
			return "", nil, sqlErrorf("column %s is not boolean", c)
		}
		return importers.Ident(c), cols, nil
	case "in", "notin":
		c := n.kids[0].text
		k := r.kindOf(c)
		lits := make([]string, 0, len(n.kids)-1)
		for _, v := range n.kids[1:] {
			l, err := r.literal(v, k)
			if err != nil {
				return "", nil, err
			}
			lits = append(lits, l)
		}
		s := importers.Ident(c) + " in [" + strings.Join(lits, ", ") + "]"
		if n.op == "notin" {
			s = "!(" + s + ")"
		}
		return s, cols, nil
	case "cmp":
		if n.kids[0].op == "null" || n.kids[1].op == "null" {
			return "", cols, nil
		}
		a, b := n.kids[0], n.kids[1]
		ka, kb := r.valueKind(a), r.valueKind(b)
		la, err := r.value(a, kb)
		if err != nil {
			return "", nil, err
		}
		lb, err := r.value(b, ka)
		if err != nil {
			return "", nil, err
		}
		return la + " " + n.cmp + " " + lb, cols, nil
	}
	return "", nil, sqlErrorf("not a condition")
}

func (r *sqlRender) kindOf(col string) colKind {
	if r.kind == nil {
		return kUnknown
	}
	return r.kind(col)
}

// valueKind is the kind of a value expression (kUnknown for literals).
func (r *sqlRender) valueKind(n *sqlNode) colKind {
	switch n.op {
	case "col":
		return r.kindOf(n.text)
	case "arith":
		a, b := r.valueKind(n.kids[0]), r.valueKind(n.kids[1])
		if a == kDouble || b == kDouble {
			return kDouble
		}
		if a == kInt && b == kInt {
			return kInt
		}
		if a == kInt || b == kInt {
			return kInt
		}
	}
	return kUnknown
}

// value renders a value expression; other is the kind of what it is
// compared with (it types literals).
func (r *sqlRender) value(n *sqlNode, other colKind) (string, error) {
	switch n.op {
	case "col":
		return importers.Ident(n.text), nil
	case "num", "str", "true", "false":
		return r.literal(n, other)
	case "arith":
		k := r.valueKind(n)
		for _, c := range n.columns(nil) {
			switch r.kindOf(c) {
			case kInt, kDouble, kUnknown:
			default:
				return "", sqlErrorf("arithmetic on column %s, which is not a number", c)
			}
		}
		return r.arith(n, k)
	case "null":
		return "", sqlErrorf("NULL is compared with IS NULL")
	}
	return "", sqlErrorf("conditions cannot be values")
}

// arith renders arithmetic in kind k (double when any side is double: CEL
// does not mix int and double in arithmetic).
func (r *sqlRender) arith(n *sqlNode, k colKind) (string, error) {
	switch n.op {
	case "arith":
		a, err := r.arith(n.kids[0], k)
		if err != nil {
			return "", err
		}
		b, err := r.arith(n.kids[1], k)
		if err != nil {
			return "", err
		}
		return "(" + a + " " + n.cmp + " " + b + ")", nil
	case "col":
		if k == kDouble && r.kindOf(n.text) == kInt {
			return "double(" + importers.Ident(n.text) + ")", nil
		}
		return importers.Ident(n.text), nil
	case "num":
		if k == kDouble {
			return numberText(n.text, kDouble)
		}
		if k == kInt {
			return numberText(n.text, kInt)
		}
		return n.text, nil
	}
	return "", sqlErrorf("arithmetic on a non-number")
}

// literal renders a literal compared with (or listed for) a value of kind k.
func (r *sqlRender) literal(n *sqlNode, k colKind) (string, error) {
	switch n.op {
	case "true", "false":
		if k != kBool && k != kUnknown {
			return "", sqlErrorf("%s compared with a column that is not boolean", strings.ToUpper(n.op))
		}
		return n.op, nil
	case "num":
		switch k {
		case kInt, kDouble, kUnknown:
			return numberText(n.text, k)
		}
		return "", sqlErrorf("the number %s compared with a column that is not a number", n.text)
	case "str":
		switch k {
		case kString, kUnknown:
			return importers.CELString(n.text), nil
		case kTime:
			t, ok := parseSQLTime(n.text)
			if !ok {
				return "", sqlErrorf("%q compared with a timestamp column is not a date or time", n.text)
			}
			return "timestamp(" + importers.CELString(t.Format(time.RFC3339Nano)) + ")", nil
		}
		return "", sqlErrorf("the string %q compared with a column that is not a string (SQL would cast it)", n.text)
	}
	return "", sqlErrorf("not a literal")
}

// numberText writes a SQL number as a CEL literal of kind k: an int column
// takes whole numbers as int and others as double (CEL orders and compares
// int with double), a double column takes doubles.
func numberText(text string, k colKind) (string, error) {
	f, err := strconv.ParseFloat(text, 64)
	if err != nil || math.IsInf(f, 0) || math.IsNaN(f) {
		return "", sqlErrorf("bad number %q", text)
	}
	whole := f == math.Trunc(f) && math.Abs(f) < 1<<53 && !strings.ContainsAny(text, ".eE")
	if whole && k != kDouble {
		return strconv.FormatInt(int64(f), 10), nil
	}
	s := strconv.FormatFloat(f, 'g', -1, 64)
	if !strings.ContainsAny(s, ".eEn") {
		s += ".0"
	}
	return s, nil
}

var sqlTimeLayouts = []string{
	time.RFC3339Nano,
	"2006-01-02T15:04:05.999999999",
	"2006-01-02 15:04:05.999999999Z07:00",
	"2006-01-02 15:04:05.999999999",
	"2006-01-02 15:04:05",
	"2006-01-02 15:04",
	"2006-01-02",
}

func parseSQLTime(s string) (time.Time, bool) {
	for _, l := range sqlTimeLayouts {
		if t, err := time.Parse(l, strings.TrimSpace(s)); err == nil {
			return t.UTC(), true
		}
	}
	return time.Time{}, false
}

// sqlCondition is a translated SQL condition.
type sqlCondition struct {
	// True is CEL that holds exactly on the rows where SQL finds the
	// condition TRUE; NotFalse where it finds it TRUE or UNKNOWN.
	True, NotFalse string
}

// translateSQL parses and renders a SQL condition.
func (t *translator) translateSQL(src, dataset string) (sqlCondition, error) {
	kind, col := t.columnsOf(dataset)
	n, err := parseSQL(src, kind, col)
	if err != nil {
		return sqlCondition{}, err
	}
	r := &sqlRender{kind: kind}
	tr, err := r.isTrue(n)
	if err != nil {
		return sqlCondition{}, err
	}
	nf, err := r.notFalse(n)
	if err != nil {
		return sqlCondition{}, err
	}
	return sqlCondition{True: tr, NotFalse: nf}, nil
}
