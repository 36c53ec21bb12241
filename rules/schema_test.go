package rules_test

import (
	"context"
	"errors"
	"strings"
	"testing"

	"github.com/apache/arrow-go/v18/arrow"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/sluicedata/sluice/internal/arrowtest"
	"github.com/sluicedata/sluice/rules"
)

// ruleByName returns the compiled rule of that name.
func ruleByName(t *testing.T, p *rules.Program, name string) *rules.CompiledRule {
	t.Helper()
	for _, r := range p.Rules() {
		if r.Name == name {
			return r
		}
	}
	require.Failf(t, "no such rule", "%s", name)
	return nil
}

func names(rs []*rules.CompiledRule) []string {
	out := make([]string, len(rs))
	for i, r := range rs {
		out[i] = r.Name
	}
	return out
}

func TestMissingColumnIsAFinding(t *testing.T) {
	p := compile(t, `columns:
  amount: {type: double}
  discount: {type: double, required: true, min: 0}
rules:
  - name: discount_positive
    expr: discount >= 0.0
  - name: amount_positive
    expr: amount >= 0.0
  - name: discount_below_amount
    expr: row['discount'] <= amount
  - name: discount_present
    check: completeness(discount) > 0.5
  - name: few_big_discounts
    check: count_if(discount > 10.0) < 3
  - name: has_rows
    check: row_count() > 0
`, ordersSchema)

	assert.Equal(t, []rules.SchemaFinding{{
		Rule: "schema.discount", Column: "discount", Key: "discount", Kind: rules.SchemaMissing,
		Declared: "double", Line: 6, Severity: rules.SeverityError,
		Message: `column "discount" is missing from the data`,
	}}, p.SchemaFindings())

	const why = `column "discount" is missing from the data`
	for _, name := range []string{"discount.required", "discount.min", "discount_positive", "discount_below_amount", "discount_present", "few_big_discounts"} {
		r := ruleByName(t, p, name)
		assert.Equal(t, why, r.NotEvaluated, name)
		assert.Contains(t, r.Columns, "discount", name)
	}
	for _, name := range []string{"amount_positive", "has_rows"} {
		assert.Empty(t, ruleByName(t, p, name).NotEvaluated, name)
	}
	assert.Equal(t, []string{"amount", "discount"}, ruleByName(t, p, "discount_below_amount").Columns)

	// The rules that read the missing column never reach a Run.
	assert.Equal(t, []string{"amount_positive"}, names(p.RowRules()))
	assert.Equal(t, []string{"has_rows"}, names(p.Checks()))
	assert.Len(t, p.Rules(), 8)
	assert.Equal(t, []string{"amount"}, p.Columns(), "a source is never asked for the missing column")

	// The others run as before.
	mem := arrowtest.Allocator(t)
	batch := ordersBatch(t, mem)
	defer batch.Release()
	run := p.NewRun()
	res, err := run.Eval(context.Background(), batch)
	require.NoError(t, err)
	P, F, S := rules.Pass, rules.Fail, rules.Skip
	assert.Equal(t, [][]rules.Outcome{{P, F, S, P}}, res.Outcomes)
	checks, err := run.Finish(context.Background())
	require.NoError(t, err)
	require.Len(t, checks, 1)
	assert.Equal(t, "has_rows", checks[0].Rule.Name)
	assert.Equal(t, rules.Pass, checks[0].Outcome)
}

func TestMissingColumnSpellings(t *testing.T) {
	tests := []struct {
		name, columns, expr string
	}{
		{"alias", `cost: {name: "Cost Sum", type: int64}`, "cost > 0"},
		{"physical name of an alias", `cost: {name: "Cost Sum", type: int64}`, "row['Cost Sum'] > 0"},
		{"backquoted", `"Unit Price": {type: double}`, "row.`Unit Price` > 0.0"},
		{"has()", `note: {type: string}`, "has(row.note)"},
		{"no declared type", `note: {}`, "note.startsWith('x')"},
		{"inside a comprehension", `tags: {}`, "tags.all(t, t != '')"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			p := compile(t, "columns:\n  "+tt.columns+"\nrules:\n  - name: r\n    expr: "+tt.expr+"\n  - name: other\n    expr: id > 0\n", ordersSchema)
			require.Len(t, p.SchemaFindings(), 1)
			f := p.SchemaFindings()[0]
			assert.Equal(t, rules.SchemaMissing, f.Kind)
			assert.Equal(t, `column "`+f.Column+`" is missing from the data`, ruleByName(t, p, "r").NotEvaluated)
			assert.Equal(t, []string{"other"}, names(p.RowRules()))
		})
	}
}

func TestMissingColumnMessageSuggests(t *testing.T) {
	p := compile(t, "columns:\n  amont: {type: double}\n", ordersSchema)
	require.Len(t, p.SchemaFindings(), 1)
	assert.Equal(t, `column "amont" is missing from the data (did you mean amount?)`, p.SchemaFindings()[0].Message)
	assert.Equal(t, 5, p.SchemaFindings()[0].Line)
}

func TestRetypedColumnIsAFinding(t *testing.T) {
	schema := arrow.NewSchema([]arrow.Field{
		{Name: "id", Type: arrow.PrimitiveTypes.Int64},
		{Name: "amount", Type: arrow.BinaryTypes.String, Nullable: true},
		{Name: "at", Type: arrow.PrimitiveTypes.Int64, Nullable: true},
		{Name: "qty", Type: arrow.PrimitiveTypes.Int32, Nullable: true},
		{Name: "tags", Type: arrow.StructOf(arrow.Field{Name: "a", Type: arrow.PrimitiveTypes.Int64}), Nullable: true},
	}, nil)
	p := compile(t, `columns:
  amount: {type: int64, min: 0}
  at: {type: timestamp, severity: warn}
  qty: {type: int64}
  tags: {type: string}
rules:
  - name: amount_small
    expr: amount < 1000
  - name: recent
    expr: at > timestamp('2020-01-01T00:00:00Z')
  - name: both
    expr: amount > 0 && at > timestamp('2020-01-01T00:00:00Z')
  - name: qty_positive
    expr: qty > 0
  - name: tagged
    expr: tags != ''
  - name: amount_mean
    check: mean(amount) > 1.0
  - name: ids
    expr: id > 0
`, schema)
	want := []rules.SchemaFinding{
		{Rule: "schema.amount", Column: "amount", Key: "amount", Kind: rules.SchemaRetyped, Declared: "int64", Actual: "string", Line: 5,
			Severity: rules.SeverityError, Message: `column "amount" is declared as int64 but the data has string`},
		{Rule: "schema.at", Column: "at", Key: "at", Kind: rules.SchemaRetyped, Declared: "timestamp", Actual: "int64", Line: 6,
			Severity: rules.SeverityWarn, Message: `column "at" is declared as timestamp but the data has int64`},
		{Rule: "schema.qty", Column: "qty", Key: "qty", Kind: rules.SchemaRetyped, Declared: "int64", Actual: "int32", Line: 7,
			Severity: rules.SeverityError, Message: `column "qty" is declared as int64 but the data has int32`},
		{Rule: "schema.tags", Column: "tags", Key: "tags", Kind: rules.SchemaRetyped, Declared: "string", Actual: "struct<a: int64>", Line: 8,
			Severity: rules.SeverityError, Message: `column "tags" is declared as string but the data has struct<a: int64>`},
	}
	assert.Equal(t, want, p.SchemaFindings())
	assert.Equal(t, want[0].Message, ruleByName(t, p, "amount.min").NotEvaluated)
	assert.Equal(t, want[0].Message, ruleByName(t, p, "amount_small").NotEvaluated)
	assert.Equal(t, want[0].Message, ruleByName(t, p, "amount_mean").NotEvaluated)
	assert.Equal(t, want[1].Message, ruleByName(t, p, "recent").NotEvaluated)
	assert.Equal(t, want[0].Message+"; "+want[1].Message, ruleByName(t, p, "both").NotEvaluated)
	assert.Equal(t, want[2].Message, ruleByName(t, p, "qty_positive").NotEvaluated)
	assert.Equal(t, want[3].Message, ruleByName(t, p, "tagged").NotEvaluated)
	assert.Equal(t, []string{"ids"}, names(p.RowRules()))
	assert.Empty(t, p.Checks())
}

func TestAgreeingTypesAreNoFinding(t *testing.T) {
	schema := arrow.NewSchema([]arrow.Field{
		{Name: "s", Type: &arrow.DictionaryType{IndexType: arrow.PrimitiveTypes.Int8, ValueType: arrow.BinaryTypes.LargeString}},
		{Name: "at", Type: &arrow.TimestampType{Unit: arrow.Nanosecond, TimeZone: "Europe/Paris"}},
		{Name: "d", Type: arrow.FixedWidthTypes.Date64},
	}, nil)
	p := compile(t, "columns:\n  s: {type: string}\n  at: {type: timestamp}\n  d: {type: date}\nrules:\n  - name: r\n    expr: s != ''\n", schema)
	assert.Empty(t, p.SchemaFindings())
	assert.Empty(t, ruleByName(t, p, "r").NotEvaluated)
}

func TestRuleFileProblemsStayErrors(t *testing.T) {
	tests := []struct {
		name, yaml string
		line, col  int
		msg        string
	}{
		{"typo next to a missing column", "columns:\n  discount: {type: double}\nrules:\n  - name: r\n    expr: discont > 0.0\n",
			8, 11, `unknown column "discont" (did you mean discount?)`},
		{"typo beside a missing column", "columns:\n  discount: {type: double}\nrules:\n  - name: r\n    expr: discount > 0.0 && amout > 1.0\n",
			8, 29, `unknown column "amout" (did you mean amount?)`},
		{"typo in row access", "columns:\n  discount: {type: double}\nrules:\n  - name: r\n    check: max(row['discont']) > 1.0\n",
			8, 16, `unknown column "discont"`},
		{"type error against the declared type", "columns:\n  discount: {type: double}\nrules:\n  - name: r\n    expr: discount.startsWith('a')\n",
			8, 30, "no matching overload"},
		{"type error of a retyped column", "columns:\n  amount: {type: int64}\nrules:\n  - name: r\n    expr: amount.matches('a')\n",
			8, 25, "no matching overload"},
		{"metric of a non-column", "columns:\n  discount: {type: double}\nrules:\n  - name: r\n    check: mean(amount * 2.0) > 0.0\n",
			8, 16, "must be a column"},
		{"key typo", "key: [idd]\n", 4, 0, `key: column "idd" is neither declared in columns: nor in the data (did you mean id?)`},
		{"key twice through an alias", "columns:\n  cost: {name: \"Cost Total $\"}\nkey: [cost, 'Cost Total $']\n", 6, 0, `key: "cost" and "Cost Total $" name the same column`},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			errs := compileErr(t, tt.yaml, ordersSchema)
			require.Len(t, errs, 1, "%v", errs)
			assert.Contains(t, errs[0].Msg, tt.msg)
			assert.Equal(t, tt.line, errs[0].Line, "%v", errs[0])
			assert.Equal(t, tt.col, errs[0].Column, "%v", errs[0])
			assert.Contains(t, errs.Error(), "orders.yaml:")
		})
	}
}

func TestExtraColumns(t *testing.T) {
	schema := arrow.NewSchema([]arrow.Field{
		{Name: "id", Type: arrow.PrimitiveTypes.Int64},
		{Name: "amount", Type: arrow.PrimitiveTypes.Float64},
		{Name: "Note 1", Type: arrow.BinaryTypes.String},
	}, nil)
	extra := func(sev rules.Severity, policy string, line int) []rules.SchemaFinding {
		mk := func(col, typ string) rules.SchemaFinding {
			return rules.SchemaFinding{Rule: "schema." + col, Column: col, Kind: rules.SchemaExtra, Actual: typ, Line: line, Severity: sev,
				Message: `column "` + col + `" is in the data but not declared in columns: (schema.extra_columns: ` + policy + `)`}
		}
		return []rules.SchemaFinding{mk("amount", "double"), mk("Note 1", "string")}
	}
	tests := []struct {
		name, yaml string
		want       []rules.SchemaFinding
	}{
		{"default allows", "columns:\n  id: {type: int64}\n", nil},
		{"allow", "schema: {extra_columns: allow}\ncolumns:\n  id: {type: int64}\n", nil},
		{"warn", "schema: {extra_columns: warn}\ncolumns:\n  id: {type: int64}\n", extra(rules.SeverityWarn, "warn", 4)},
		{"fail", "schema:\n  extra_columns: fail\ncolumns:\n  id: {type: int64}\n", extra(rules.SeverityError, "fail", 5)},
		{"no columns declared", "schema: {extra_columns: fail}\n", nil},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			p := compile(t, tt.yaml+"rules:\n  - name: r\n    expr: amount > 0.0\n", schema)
			assert.Equal(t, tt.want, p.SchemaFindings())
			// Rules over an extra column still run.
			r := ruleByName(t, p, "r")
			assert.Empty(t, r.NotEvaluated)
			assert.Equal(t, []string{"r"}, names(p.RowRules()))
		})
	}
}

func TestExtraAndMissingTogether(t *testing.T) {
	p := compile(t, "schema: {extra_columns: warn}\ncolumns:\n  id: {type: int64}\n  amount: {type: double}\n  qty: {type: int64}\n  email: {type: string}\n  at: {type: timestamp}\n  cost: {name: \"Cost Total $\", type: int64}\n  gone: {type: string}\n", ordersSchema)
	var kinds []string
	for _, f := range p.SchemaFindings() {
		kinds = append(kinds, string(f.Kind)+" "+f.Column)
	}
	assert.Equal(t, []string{"missing gone"}, kinds, "an alias declares its physical column")
}

func TestKey(t *testing.T) {
	t.Run("resolved to physical names", func(t *testing.T) {
		p := compile(t, "columns:\n  cost: {name: \"Cost Total $\"}\nkey: [id, cost, email]\n", ordersSchema)
		assert.Equal(t, []string{"id", "cost", "email"}, p.RuleSet().Key)
		assert.Equal(t, []string{"id", "Cost Total $", "email"}, p.Key())
	})
	t.Run("one name", func(t *testing.T) {
		p := compile(t, "key: id\n", ordersSchema)
		assert.Equal(t, []string{"id"}, p.Key())
	})
	t.Run("declared key column missing is a finding", func(t *testing.T) {
		p := compile(t, "columns:\n  order_id: {type: int64, unique: true}\nkey: [order_id, id]\n", ordersSchema)
		assert.Nil(t, p.Key())
		require.Len(t, p.SchemaFindings(), 1)
		assert.Equal(t, rules.SchemaMissing, p.SchemaFindings()[0].Kind)
		assert.Equal(t, "order_id", p.SchemaFindings()[0].Column)
		assert.Equal(t, `column "order_id" is missing from the data`, ruleByName(t, p, "order_id.unique").NotEvaluated)
	})
	t.Run("none", func(t *testing.T) {
		p := compile(t, "", ordersSchema)
		assert.Nil(t, p.Key())
	})
}

func TestNewKeysParsed(t *testing.T) {
	rs, err := rules.Parse("orders.yaml", []byte(header+`strict: true
key: [order_id, line]
schema:
  extra_columns: warn
columns:
  order_id: {type: int64, required: true, severity: warn, on_invalid: "null"}
  line: {type: int32, on_invalid: error}
  amount: {type: double, min: 0}
  note: {type: string, on_invalid: fail, severity: info}
  free: {}
rules:
  - name: positive
    expr: amount > 0.0
    quarantine: false
  - name: held
    expr: amount < 100.0
    quarantine: true
  - name: plain
    expr: amount < 1000.0
`))
	require.NoError(t, err)
	assert.True(t, rs.Strict)
	assert.Equal(t, []string{"order_id", "line"}, rs.Key)
	assert.Equal(t, rules.ExtraWarn, rs.Schema.ExtraColumns)

	byKey := map[string]rules.Column{}
	for _, c := range rs.Columns {
		byKey[c.Key] = c
	}
	assert.Equal(t, rules.OnInvalidNull, byKey["order_id"].OnInvalid)
	assert.Equal(t, rules.OnInvalidError, byKey["line"].OnInvalid)
	assert.Equal(t, rules.OnInvalidFail, byKey["amount"].InvalidPolicy(), "fail is the default")
	assert.Equal(t, rules.SeverityWarn, byKey["order_id"].Severity)

	sev := map[string]rules.Severity{}
	quarantined := map[string]bool{}
	for _, r := range rs.Rules {
		sev[r.Name] = r.Severity
		quarantined[r.Name] = !r.NoQuarantine
	}
	assert.Equal(t, rules.SeverityWarn, sev["order_id.required"], "a column's severity applies to its shorthands")
	assert.Equal(t, rules.SeverityError, sev["amount.min"])
	assert.Equal(t, map[string]bool{"order_id.required": true, "amount.min": true, "positive": false, "held": true, "plain": true}, quarantined)

	assert.Equal(t, []rules.TypeRule{
		{Name: "amount.type", Key: "amount", Column: "amount", Type: "double", Severity: rules.SeverityError, Line: 11},
		{Name: "note.type", Key: "note", Column: "note", Type: "string", Severity: rules.SeverityInfo, Line: 12},
	}, rs.TypeRules(), "only typed columns whose invalid values fail a rule")

	c, ok := rs.ColumnByName("line")
	require.True(t, ok)
	assert.Equal(t, "int32", c.Type)
	_, ok = rs.ColumnByName("nope")
	assert.False(t, ok)
}

func TestDefaultsOfNewKeys(t *testing.T) {
	rs, err := rules.Parse("orders.yaml", []byte(header+"columns:\n  id: {type: int64}\nrules:\n  - name: r\n    expr: id > 0\n"))
	require.NoError(t, err)
	assert.False(t, rs.Strict)
	assert.Nil(t, rs.Key)
	assert.Equal(t, rules.SchemaPolicy{}, rs.Schema)
	assert.Equal(t, rules.OnInvalid(""), rs.Columns[0].OnInvalid)
	assert.Equal(t, rules.OnInvalidFail, rs.Columns[0].InvalidPolicy())
	assert.False(t, rs.Rules[0].NoQuarantine)
	assert.Equal(t, []rules.TypeRule{{Name: "id.type", Key: "id", Column: "id", Type: "int64", Severity: rules.SeverityError, Line: 5}}, rs.TypeRules())
}

func TestNewKeysValidated(t *testing.T) {
	tests := []struct {
		name string
		yaml string
		line int
		rule string
		msg  string
	}{
		{"strict not bool", "strict: yes please\n", 4, "", "strict: must be true or false"},
		{"key not list", "key: 5\n", 4, "", "key: must be a list of column names, not an integer"},
		{"key empty", "key: []\n", 4, "", "key: must name at least one column"},
		{"key entry not string", "key: [a, [b]]\n", 4, "", "key: must be a list of column names, found a list"},
		{"key entry empty", "key: [a, '']\n", 4, "", "key: empty column name"},
		{"key twice", "key:\n  - a\n  - a\n", 6, "", `key: column "a" is listed twice (first at line 5)`},
		{"schema not mapping", "schema: strict\n", 4, "", "schema must be a mapping"},
		{"schema unknown key", "schema: {extra_column: warn}\n", 4, "", `schema: unknown key "extra_column" (did you mean "extra_columns"?)`},
		{"extra_columns bad", "schema: {extra_columns: deny}\n", 4, "", `schema.extra_columns: must be allow, warn or fail, not "deny"`},
		{"extra_columns not string", "schema: {extra_columns: true}\n", 4, "", "extra_columns: must be a string"},
		{"on_invalid bad", "columns:\n  a: {on_invalid: skip}\n", 5, "", `columns.a.on_invalid: must be fail, null or error, not "skip"`},
		{"column severity bad", "columns:\n  a: {severity: fatal}\n", 5, "", `columns.a.severity: must be error, warn or info, not "fatal"`},
		{"quarantine not bool", "rules:\n  - name: a\n    expr: x > 1\n    quarantine: no way\n", 7, "a", "quarantine: must be true or false"},
		{"quarantine on a check", "rules:\n  - name: a\n    check: row_count() > 1\n    quarantine: false\n", 7, "a", "quarantine: applies to row rules"},
		{"quarantine typo", "rules:\n  - name: a\n    expr: x > 1\n    quarantin: false\n", 7, "a", `unknown key "quarantin" (did you mean "quarantine"?)`},
		{"reserved schema name", "rules:\n  - name: schema.a\n    expr: x > 1\n", 5, "schema.a", "the name is reserved"},
		{"reserved type name", "columns:\n  a: {type: int64}\nrules:\n  - name: a.type\n    expr: a > 1\n", 7, "a.type", "the name is reserved"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, err := rules.Parse("orders.yaml", []byte(header+tt.yaml))
			errs := problems(t, err)
			var found *rules.Problem
			for i := range errs {
				if strings.Contains(errs[i].Msg, tt.msg) {
					found = &errs[i]
				}
			}
			require.NotNil(t, found, "no problem with %q in:\n%v", tt.msg, err)
			assert.Equal(t, tt.line, found.Line, "line of %v", found)
			assert.Equal(t, tt.rule, found.Rule)
			assert.Contains(t, err.Error(), "orders.yaml:")
		})
	}
}

func TestHistoryRules(t *testing.T) {
	tests := []struct {
		name, check string
		history     bool
	}{
		{"previous", "row_count() >= previous(row_count())", true},
		{"change with space", "change (mean(amount)) < 0.5", true},
		{"anomaly", "!anomaly(row_count(), 'relative_rate')", true},
		{"drift", "drift(amount) < 0.25", true},
		{"ks", "ks(amount) < 0.1", true},
		{"schema functions", "schema_unchanged()", true},
		{"columns_removed", "columns_removed() == 0", true},
		{"plain metric", "mean(amount) > 0.0", false},
		{"in a string", "most_common(email) != 'previous(x)'", false},
		{"in a raw string", `count_if(email == r"drift(a)") == 0`, false},
		{"a method", "count_if(email.change() == '') == 0", false},
		{"a column named like one", "max(row.`previous`) > 1", false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			rs, err := rules.Parse("orders.yaml", []byte(header+"rules:\n  - name: c\n    check: \""+strings.ReplaceAll(tt.check, `"`, `\"`)+"\"\n  - name: r\n    expr: previous > 0\n"))
			require.NoError(t, err)
			if tt.history {
				assert.Equal(t, []string{"c"}, rs.HistoryRules())
			} else {
				assert.Empty(t, rs.HistoryRules())
			}
		})
	}
}

func TestProgramNeedsHistory(t *testing.T) {
	p := compile(t, "rules:\n  - name: steady\n    check: change(row_count()) < 0.5\n  - name: r\n    expr: id > 0\n", ordersSchema)
	assert.True(t, p.NeedsHistory())
	assert.Equal(t, []string{"steady"}, p.HistoryRules())

	// A history-aware check over a missing column is not evaluated, and
	// the rule file still asks for a store.
	p = compile(t, "columns:\n  gone: {type: double}\nrules:\n  - name: drifting\n    check: drift(gone) < 0.25\n", ordersSchema)
	assert.True(t, p.NeedsHistory())
	assert.NotEmpty(t, ruleByName(t, p, "drifting").NotEvaluated)

	p = compile(t, "rules:\n  - name: r\n    check: row_count() > 0\n", ordersSchema)
	assert.False(t, p.NeedsHistory())
	assert.Empty(t, p.HistoryRules())
}

func TestBuiltinRuleNames(t *testing.T) {
	assert.Equal(t, "schema.amount", rules.SchemaRuleName("amount"))
	assert.Equal(t, "amount.type", rules.TypeRuleName("amount"))
}

func TestProjection(t *testing.T) {
	p := compile(t, `columns:
  email: {type: string}
  gone: {type: double, required: true}
  cost: {name: "Cost Total $"}
key: [id]
rules:
  - name: r
    expr: amount > 0.0 || gone > 1.0
  - name: s
    expr: qty > 0
`, ordersSchema)
	assert.Equal(t, []string{"qty"}, p.Columns())
	assert.Equal(t, []string{"Cost Total $", "email", "id", "qty"}, p.Projection(), "never the missing column")
}

// FuzzCompileSchema compiles rule files against a schema that lacks,
// retypes and adds columns: every outcome is a program or rules.Errors,
// and every rule of a program is either run or not evaluated with a reason.
func FuzzCompileSchema(f *testing.F) {
	f.Add([]byte(header + "key: [id, gone]\nschema: {extra_columns: fail}\ncolumns:\n  gone: {type: double, required: true, min: 0}\n  amount: {type: int64}\nrules:\n  - name: a\n    expr: gone > 0.0 && amount > 1\n  - name: b\n    check: mean(gone) > 1.0\n  - name: c\n    expr: id > 0\n"))
	f.Add([]byte(header + "columns:\n  x: {name: 'X Y'}\nrules:\n  - name: a\n    expr: row['X Y'] != null && has(row.x)\n  - name: b\n    check: drift(x) < 0.25\n"))
	f.Add([]byte(header + "columns:\n  at: {type: timestamp}\n  \"Cost Total $\": {type: string}\nrules:\n  - name: a\n    check: count_if(at > now()) == 0 && max(row['Cost Total $']) > 1\n"))
	f.Fuzz(func(t *testing.T, data []byte) {
		rs, err := rules.Parse("f.yaml", data)
		if err != nil {
			return
		}
		p, err := rs.Compile(ordersSchema)
		if err != nil {
			var errs rules.Errors
			if !errors.As(err, &errs) || len(errs) == 0 {
				t.Fatalf("compile error is not a non-empty rules.Errors: %T %v", err, err)
			}
			return
		}
		run := map[*rules.CompiledRule]bool{}
		for _, r := range append(p.RowRules(), p.Checks()...) {
			run[r] = true
		}
		for _, r := range p.Rules() {
			if run[r] == (r.NotEvaluated != "") {
				t.Fatalf("rule %s: run %v, not evaluated %q", r.Name, run[r], r.NotEvaluated)
			}
		}
		for _, c := range p.Projection() {
			if len(ordersSchema.FieldIndices(c)) == 0 {
				t.Fatalf("projection names %q, which the data lacks", c)
			}
		}
		_ = p.SchemaFindings()
		_ = p.Key()
		_ = p.NeedsHistory()
	})
}
