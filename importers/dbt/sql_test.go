package dbt

import (
	"fmt"
	"strconv"
	"strings"
	"testing"

	"github.com/google/cel-go/cel"
	"github.com/google/cel-go/common/types"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// sqlEval is SQL's three-valued logic over a parsed expression, the
// oracle of the translation: 1 TRUE, 0 FALSE, -1 UNKNOWN.
func sqlEval(t *testing.T, n *sqlNode, row map[string]any) int {
	t.Helper()
	switch n.op {
	case "true":
		return 1
	case "false":
		return 0
	case "and":
		a, b := sqlEval(t, n.kids[0], row), sqlEval(t, n.kids[1], row)
		switch {
		case a == 0 || b == 0:
			return 0
		case a == 1 && b == 1:
			return 1
		}
		return -1
	case "or":
		a, b := sqlEval(t, n.kids[0], row), sqlEval(t, n.kids[1], row)
		switch {
		case a == 1 || b == 1:
			return 1
		case a == 0 && b == 0:
			return 0
		}
		return -1
	case "not":
		switch sqlEval(t, n.kids[0], row) {
		case 1:
			return 0
		case 0:
			return 1
		}
		return -1
	case "isnull", "notnull":
		null := row[n.kids[0].text] == nil
		if null == (n.op == "isnull") {
			return 1
		}
		return 0
	case "bool":
		v := row[n.kids[0].text]
		if v == nil {
			return -1
		}
		if v.(bool) {
			return 1
		}
		return 0
	case "in", "notin":
		v := sqlValueOf(t, n.kids[0], row)
		if v == nil {
			return -1
		}
		found := false
		for _, k := range n.kids[1:] {
			if fmt.Sprint(sqlValueOf(t, k, row)) == fmt.Sprint(v) {
				found = true
			}
		}
		if found == (n.op == "in") {
			return 1
		}
		return 0
	case "cmp":
		a, b := sqlValueOf(t, n.kids[0], row), sqlValueOf(t, n.kids[1], row)
		if a == nil || b == nil {
			return -1
		}
		var c int
		switch x := a.(type) {
		case float64:
			y := b.(float64)
			c = map[bool]int{true: -1, false: 0}[x < y] + map[bool]int{true: 1, false: 0}[x > y]
		case string:
			y := b.(string)
			c = map[bool]int{true: -1, false: 0}[x < y] + map[bool]int{true: 1, false: 0}[x > y]
		case bool:
			if x != b.(bool) {
				c = 1
			}
		}
		ok := map[string]bool{"==": c == 0, "!=": c != 0, "<": c < 0, "<=": c <= 0, ">": c > 0, ">=": c >= 0}[n.cmp]
		if ok {
			return 1
		}
		return 0
	}
	t.Fatalf("sqlEval: %s", n.op)
	return 0
}

func sqlValueOf(t *testing.T, n *sqlNode, row map[string]any) any {
	t.Helper()
	switch n.op {
	case "col":
		v := row[n.text]
		if i, ok := v.(int64); ok {
			return float64(i)
		}
		return v
	case "num":
		f, err := strconv.ParseFloat(n.text, 64)
		require.NoError(t, err)
		return f
	case "str":
		return n.text
	case "true", "false":
		return n.op == "true"
	case "null":
		return nil
	case "arith":
		a, b := sqlValueOf(t, n.kids[0], row), sqlValueOf(t, n.kids[1], row)
		if a == nil || b == nil {
			return nil
		}
		x, y := a.(float64), b.(float64)
		switch n.cmp {
		case "+":
			return x + y
		case "-":
			return x - y
		case "*":
			return x * y
		}
	}
	t.Fatalf("sqlValueOf: %s", n.op)
	return nil
}

// TestSQLThreeValued holds the CEL of each condition to SQL's logic on
// every combination of values and nulls: isTrue is exactly SQL's TRUE,
// notFalse exactly TRUE or UNKNOWN, and neither ever errors.
func TestSQLThreeValued(t *testing.T) {
	conds := []string{
		"a > 5", "a > 5 and b = 1", "a > 5 or b = 1", "not (a > 5 and b = 1)", "a is null or a < b",
		"a in (0, 5)", "a not in (0, 5)", "s = 'x' and not b > 1", "a between 1 and 6", "a not between 1 and 6",
		"a + b > 6", "a * 2 - b >= 9", "not (a is not null)", "s <> 'x' or s is null", "a = null", "not a = null",
		"flag", "not flag or a > 0", "flag = true and s in ('x', 'y')", "(a > 0 or b > 0) and not (s = 'y' or a = 10)",
		"-a < -4", `"a" >= 5 AND S = 'y'`,
	}
	kinds := map[string]colKind{"a": kInt, "b": kInt, "s": kString, "flag": kBool}
	env, err := cel.NewEnv(cel.Variable("a", cel.DynType), cel.Variable("b", cel.DynType),
		cel.Variable("s", cel.DynType), cel.Variable("flag", cel.DynType), cel.CrossTypeNumericComparisons(true))
	require.NoError(t, err)
	var rows []map[string]any
	for _, a := range []any{nil, int64(0), int64(5), int64(10)} {
		for _, b := range []any{nil, int64(1), int64(5)} {
			for _, s := range []any{nil, "x", "y"} {
				for _, f := range []any{nil, true, false} {
					rows = append(rows, map[string]any{"a": a, "b": b, "s": s, "flag": f})
				}
			}
		}
	}
	// SQL folds unquoted identifiers: S is s.
	fold := strings.ToLower
	for _, src := range conds {
		t.Run(src, func(t *testing.T) {
			n, err := parseSQL(src, func(c string) colKind { return kinds[c] }, fold)
			require.NoError(t, err)
			r := &sqlRender{kind: func(c string) colKind { return kinds[c] }}
			isTrue, err := r.isTrue(n)
			require.NoError(t, err)
			notFalse, err := r.notFalse(n)
			require.NoError(t, err)
			progs := map[string]cel.Program{}
			for _, e := range []string{isTrue, notFalse} {
				ast, iss := env.Compile(e)
				require.NoError(t, iss.Err(), e)
				p, err := env.Program(ast)
				require.NoError(t, err)
				progs[e] = p
			}
			for _, row := range rows {
				act := map[string]any{}
				for k, v := range row {
					if v == nil {
						act[k] = types.NullValue
					} else {
						act[k] = v
					}
				}
				want := sqlEval(t, n, row)
				for e, p := range progs {
					out, _, err := p.Eval(act)
					require.NoError(t, err, "%s on %v", e, row)
					got, ok := out.Value().(bool)
					require.True(t, ok, "%s on %v: %v", e, row, out)
					if e == isTrue {
						assert.Equal(t, want == 1, got, "isTrue %s on %v (SQL %d)", e, row, want)
					} else {
						assert.Equal(t, want != 0, got, "notFalse %s on %v (SQL %d)", e, row, want)
					}
				}
			}
		})
	}
}

func TestSQLRefused(t *testing.T) {
	for src, want := range map[string]string{
		"lower(s) = 'x'":        "function calls (lower) are not translated",
		"a::int > 1":            "casts (::) are not translated",
		"s like 'x%'":           "LIKE is not translated",
		"t.a > 1":               "unexpected",
		"a / 2 > 1":             "division is not translated",
		"a in (1, null)":        "NULL in an IN list",
		"a > ":                  "the expression ends early",
		"a > 1 )":               `unexpected ")"`,
		"'abc":                  "unterminated",
		"a + 1":                 "not a condition",
		"s || 'x' = 'y'":        "string concatenation",
		"date '2020-01-01' < a": "DATE literals are not translated",
		"a = 1 and case when 1": "unexpected CASE",
	} {
		t.Run(src, func(t *testing.T) {
			_, err := parseSQL(src, nil, nil)
			require.Error(t, err)
			assert.Contains(t, err.Error(), want)
		})
	}
}

// FuzzSQL: any text parses to a condition whose renderings are produced
// without a panic, or is refused with an error.
func FuzzSQL(f *testing.F) {
	for _, s := range []string{"a > 5 and b = 1", "not (a in (1, 2)) or s is null", "a between 1 and 2", `"x y" <> 'it''s'`,
		"a + b * 2 >= -c", "flag", "((a))", "a = null", "1 = 1", "a not between 1 and 2 and not b"} {
		f.Add(s)
	}
	kinds := map[string]colKind{"a": kInt, "b": kDouble, "s": kString, "flag": kBool, "t": kTime}
	f.Fuzz(func(t *testing.T, src string) {
		kind := func(c string) colKind { return kinds[c] }
		n, err := parseSQL(src, kind, nil)
		if err != nil {
			return
		}
		r := &sqlRender{kind: kind}
		_, _ = r.isTrue(n)
		_, _ = r.notFalse(n)
	})
}
