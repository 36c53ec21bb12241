package rules_test

import (
	"errors"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/apache/arrow-go/v18/arrow"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/sluicedata/sluice/rules"
)

const header = "version: 1\ndataset: orders\nowner: data@example.com\n"

func problems(t *testing.T, err error) rules.Errors {
	t.Helper()
	require.Error(t, err)
	require.ErrorIs(t, err, rules.ErrInvalid)
	var errs rules.Errors
	require.ErrorAs(t, err, &errs, "want rules.Errors, got %T", err)
	return errs
}

func TestParseErrors(t *testing.T) {
	tests := []struct {
		name string
		yaml string
		line int
		rule string
		msg  string
	}{
		{"unknown top key", header + "rulez: []\n", 4, "", `unknown key "rulez" (did you mean "rules"?)`},
		{"missing owner", "version: 1\ndataset: x\n", 1, "", `missing required key "owner"`},
		{"bad version", "version: 2\ndataset: x\nowner: y\n", 1, "", "unsupported version 2"},
		{"version type", "version: one\ndataset: x\nowner: y\n", 1, "", "version: must be an integer"},
		{"rule key typo", header + "rules:\n  - name: a\n    exrp: x > 1\n", 6, "a", `unknown key "exrp" (did you mean "expr"?)`},
		{"rule without name", header + "rules:\n  - expr: x > 1\n", 5, "rules[0]", `missing required key "name"`},
		{"expr and check", header + "rules:\n  - name: a\n    expr: x > 1\n    check: row_count() > 1\n", 7, "a", "not both"},
		{"neither expr nor check", header + "rules:\n  - name: a\n", 5, "a", "missing expr"},
		{"bad severity", header + "rules:\n  - name: a\n    expr: x\n    severity: fatal\n", 7, "a", "severity: must be error, warn or info"},
		{"bad nulls", header + "rules:\n  - name: a\n    expr: x\n    nulls: ignore\n", 7, "a", "nulls: must be skip, fail or pass"},
		{"mostly zero", header + "rules:\n  - name: a\n    expr: x\n    mostly: 0\n", 7, "a", "mostly: must be in (0, 1]"},
		{"mostly above one", header + "rules:\n  - name: a\n    expr: x\n    mostly: 1.5\n", 7, "a", "mostly: must be in (0, 1]"},
		{"mostly string", header + "rules:\n  - name: a\n    expr: x\n    mostly: high\n", 7, "a", "mostly: must be a number"},
		{"duplicate rule", header + "rules:\n  - name: a\n    expr: x\n  - name: a\n    expr: y\n", 7, "a", "duplicate rule name (first at line 5)"},
		{"duplicate with generated", header + "columns:\n  id: {required: true}\nrules:\n  - name: id.required\n    expr: y\n", 7, "id.required", "duplicate rule name"},
		{"unknown column key", header + "columns:\n  id: {type: int64, uniq: true}\n", 5, "", `columns.id: unknown key "uniq" (did you mean "unique"?)`},
		{"unknown type", header + "columns:\n  id: {type: integer64}\n", 5, "", `unknown type "integer64"`},
		{"bad decimal", header + "columns:\n  id: {type: 'decimal(2,5)'}\n", 5, "", "bad decimal type"},
		{"values not list", header + "columns:\n  s: {values: new}\n", 5, "", "columns.s.values: must be a non-empty list"},
		{"values nested", header + "columns:\n  s: {values: [a, [b]]}\n", 5, "", "values must be strings, numbers or booleans"},
		{"required not bool", header + "columns:\n  s: {required: yes please}\n", 5, "", "required: must be true or false"},
		{"bad pattern", header + "columns:\n  s: {pattern: '[a-'}\n", 5, "", "invalid regular expression"},
		{"negative min_length", header + "columns:\n  s: {min_length: -1}\n", 5, "", "min_length: must be between 0"},
		{"min above max", header + "columns:\n  s: {min: 5, max: 1}\n", 5, "", "min 5 is greater than max 1"},
		{"unknown pii kind", header + "columns:\n  s: {tags: [pii.emial]}\n", 5, "", `unknown PII kind "pii.emial" (did you mean "pii.email"?)`},
		{"tags not strings", header + "columns:\n  s: {tags: 5}\n", 5, "", "tags: must be a list of strings"},
		{"privacy bad mode", header + "privacy:\n  untagged_pii: ignore\n", 5, "", "untagged_pii: must be error or warn"},
		{"privacy bad detector", header + "privacy:\n  detect: [email, dna]\n", 5, "", `unknown detector "dna"`},
		{"rules not list", header + "rules: {a: 1}\n", 4, "", "rules: must be a list"},
		{"bad yaml", header + "rules: [\n", 0, "", "invalid YAML"},
		{"duplicate key", header + "dataset: again\n", 4, "", `duplicate key "dataset"`},
		{"empty file", "", 1, "", "empty rule file"},
		{"check with nulls", header + "rules:\n  - name: a\n    check: row_count() > 0\n    nulls: fail\n", 7, "a", "nulls: applies to row rules"},
		{"same physical column", header + "columns:\n  a: {name: x}\n  x: {}\n", 6, "", `name the same column "x"`},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, err := rules.Parse("orders.yaml", []byte(tt.yaml))
			errs := problems(t, err)
			var found *rules.Problem
			for i := range errs {
				if strings.Contains(errs[i].Msg, tt.msg) {
					found = &errs[i]
				}
			}
			require.NotNil(t, found, "no problem with %q in:\n%v", tt.msg, err)
			assert.Equal(t, "orders.yaml", found.File)
			if tt.line > 0 {
				assert.Equal(t, tt.line, found.Line, "line of %v", found)
			}
			assert.Equal(t, tt.rule, found.Rule)
			assert.Contains(t, err.Error(), "orders.yaml:")
		})
	}
}

func TestParseReportsEveryProblem(t *testing.T) {
	src := `version: 1
dataset: orders
owner: data@example.com
columns:
  email: {type: strin, tags: [pii.mail]}
rules:
  - name: a
    expr: amount > 0
    severity: critical
  - name: b
    expr: amount > 1
    mostly: 2
  - name: c
    chekc: row_count() > 0
`
	_, err := rules.Parse("orders.yaml", []byte(src))
	errs := problems(t, err)
	require.Len(t, errs, 5, "%v", err)
	lines := []int{5, 5, 9, 12, 14}
	for i, p := range errs {
		assert.Equal(t, lines[i], p.Line, "%v", p)
	}
	assert.Equal(t, "a", errs[2].Rule)
	assert.Equal(t, "b", errs[3].Rule)
	assert.Equal(t, "c", errs[4].Rule)
}

func TestParseShorthands(t *testing.T) {
	src := header + `columns:
  order_id: {type: int64, required: true, unique: true}
  status:   {type: string, values: [new, paid]}
  amount:   {type: double, min: 0, max: 1000.5}
  code:     {pattern: '^[A-Z]{3}$', min_length: 3, max_length: 3}
  cost:     {name: "Cost Total $", type: int64, min: 1}
  "Unit Price": {type: uint32, values: [1, 2]}
rules:
  - name: own
    expr: amount > 1.0
`
	rs, err := rules.Parse("orders.yaml", []byte(src))
	require.NoError(t, err)
	want := map[string]string{
		"order_id.required": "order_id != null",
		"status.values":     `status in ["new", "paid"]`,
		"amount.min":        "amount >= 0.0",
		"amount.max":        "amount <= 1000.5",
		"code.pattern":      `code.matches("^[A-Z]{3}$")`,
		"code.min_length":   "size(code) >= 3",
		"code.max_length":   "size(code) <= 3",
		"cost.min":          "cost >= 1",
		"Unit Price.values": `row["Unit Price"] in [1u, 2u]`,
		"own":               "amount > 1.0",
	}
	got := map[string]*rules.Rule{}
	var order []string
	for i := range rs.Rules {
		r := &rs.Rules[i]
		got[r.Name] = r
		order = append(order, r.Name)
	}
	for name, expr := range want {
		require.Contains(t, got, name)
		assert.Equal(t, expr, got[name].Expr, name)
	}
	assert.Equal(t, "duplicate_count(order_id) == 0", got["order_id.unique"].Check)
	assert.Equal(t, rules.KindDataset, got["order_id.unique"].Kind())
	assert.Equal(t, rules.NullsFail, got["order_id.required"].Nulls)
	assert.Equal(t, rules.NullsSkip, got["amount.min"].Nulls)
	assert.True(t, got["amount.min"].Generated)
	assert.False(t, got["own"].Generated)
	assert.Equal(t, 5, got["order_id.required"].Line)
	assert.Equal(t, []string{"order_id.required", "order_id.unique", "status.values"}, order[:3])
	assert.Equal(t, "own", order[len(order)-1])

	require.Len(t, rs.Columns, 6)
	assert.Equal(t, "Cost Total $", rs.Columns[4].Name)
	assert.Equal(t, "cost", rs.Columns[4].Key)
}

func TestParseDefaultsAndPrivacy(t *testing.T) {
	src := header + `description: nightly
columns:
  email: {type: string, tags: [pii.email, gdpr.personal]}
rules:
  - name: a
    description: positive
    expr: amount > 0
  - name: b
    expr: amount > 0
    severity: warn
    mostly: 0.9
    nulls: fail
privacy:
  detect: [email, phone]
  untagged_pii: warn
`
	rs, err := rules.Parse("o.yaml", []byte(src))
	require.NoError(t, err)
	assert.Equal(t, 1, rs.Version)
	assert.Equal(t, "orders", rs.Dataset)
	assert.Equal(t, "data@example.com", rs.Owner)
	assert.Equal(t, "nightly", rs.Description)
	assert.Equal(t, "o.yaml", rs.Path)
	a, b := rs.Rules[0], rs.Rules[1]
	assert.Equal(t, rules.SeverityError, a.Severity)
	assert.InDelta(t, 1.0, a.Mostly, 0)
	assert.Equal(t, rules.NullsSkip, a.Nulls)
	assert.Equal(t, "positive", a.Description)
	assert.Equal(t, rules.SeverityWarn, b.Severity)
	assert.InDelta(t, 0.9, b.Mostly, 0)
	assert.Equal(t, rules.NullsFail, b.Nulls)
	require.NotNil(t, rs.Privacy)
	assert.Equal(t, []string{"email", "phone"}, rs.Privacy.Detect)
	assert.Equal(t, "warn", rs.Privacy.UntaggedPII)
	assert.True(t, rs.IsPII("email"))
	assert.False(t, rs.IsPII("amount"))
	assert.Equal(t, []string{"pii.email", "gdpr.personal"}, rs.ColumnTags("email"))
	assert.Nil(t, rs.ColumnTags("nope"))
}

func TestSchemaHint(t *testing.T) {
	src := header + `columns:
  id: {type: int64, required: true}
  cost: {name: "Cost Total $", type: "decimal(10,2)"}
  at: {type: timestamp}
  d: {type: date}
  f: {type: double}
  untyped: {}
`
	rs, err := rules.Parse("o.yaml", []byte(src))
	require.NoError(t, err)
	s := rs.SchemaHint()
	require.Equal(t, 5, s.NumFields())
	assert.Equal(t, arrow.Field{Name: "id", Type: arrow.PrimitiveTypes.Int64}, s.Field(0))
	assert.Equal(t, "Cost Total $", s.Field(1).Name)
	assert.Equal(t, &arrow.Decimal128Type{Precision: 10, Scale: 2}, s.Field(1).Type)
	assert.True(t, s.Field(1).Nullable)
	assert.Equal(t, &arrow.TimestampType{Unit: arrow.Microsecond, TimeZone: "UTC"}, s.Field(2).Type)
	assert.Equal(t, arrow.FixedWidthTypes.Date32, s.Field(3).Type)
	assert.Equal(t, arrow.PrimitiveTypes.Float64, s.Field(4).Type)
}

func TestLoad(t *testing.T) {
	dir := t.TempDir()
	path := filepath.Join(dir, "orders.yaml")
	require.NoError(t, os.WriteFile(path, []byte(header), 0o600))
	rs, err := rules.Load(path)
	require.NoError(t, err)
	assert.Equal(t, path, rs.Path)

	_, err = rules.Load(filepath.Join(dir, "missing.yaml"))
	require.Error(t, err)
	assert.NotErrorIs(t, err, rules.ErrInvalid)
}

func FuzzParse(f *testing.F) {
	f.Add([]byte(header + "columns:\n  id: {type: int64, required: true, values: [1, 2]}\nrules:\n  - name: a\n    expr: id > 0\n"))
	f.Add([]byte(header + "rules:\n  - name: a\n    check: |\n      row_count() > 0\nprivacy: {detect: [email]}\n"))
	f.Add([]byte("version: &v 1\ndataset: *v\nowner: !!str x\n"))
	f.Add([]byte("- a\n- b\n"))
	f.Add([]byte("{version: 1, rules: [1, 2]}"))
	f.Add([]byte(header + "strict: true\nkey: [id]\nschema: {extra_columns: warn}\ncolumns:\n  id: {type: int64, on_invalid: null, severity: warn}\nrules:\n  - name: a\n    expr: id > 0\n    quarantine: false\n"))
	f.Fuzz(func(t *testing.T, data []byte) {
		rs, err := rules.Parse("f.yaml", data)
		if err != nil {
			var errs rules.Errors
			if !errors.As(err, &errs) || len(errs) == 0 || !errors.Is(err, rules.ErrInvalid) {
				t.Fatalf("error is not a non-empty rules.Errors: %T %v", err, err)
			}
			return
		}
		if rs == nil {
			t.Fatal("nil rule set without error")
		}
		_ = rs.SchemaHint()
		_ = rs.TypeRules()
		_ = rs.HistoryRules()
	})
}

// TestValuesOfIntColumns: YAML gives positive integers as unsigned; a set
// on a signed (or undeclared) column must still be a list of ints.
func TestValuesOfIntColumns(t *testing.T) {
	src := header + `columns:
  qty:   {type: int64, values: [1, 2, 4]}
  neg:   {type: int32, values: [-1, 1]}
  bare:  {values: [3, 5]}
  units: {type: uint8, values: [1, 2]}
`
	rs, err := rules.Parse("orders.yaml", []byte(src))
	require.NoError(t, err)
	want := map[string]string{
		"qty.values":   "qty in [1, 2, 4]",
		"neg.values":   "neg in [-1, 1]",
		"bare.values":  "bare in [3, 5]",
		"units.values": "units in [1u, 2u]",
	}
	for _, r := range rs.Rules {
		if w, ok := want[r.Name]; ok {
			assert.Equal(t, w, r.Expr, r.Name)
			delete(want, r.Name)
		}
	}
	assert.Empty(t, want, "rules not generated")
}
