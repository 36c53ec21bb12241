package rules_test

import (
	"context"
	"errors"
	"strings"
	"testing"
	"time"

	"github.com/apache/arrow-go/v18/arrow"
	"github.com/apache/arrow-go/v18/arrow/array"
	"github.com/apache/arrow-go/v18/arrow/memory"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/sluicedata/sluice/internal/arrowtest"
	"github.com/sluicedata/sluice/rules"
)

// ordersSchema is the schema most tests evaluate on.
var ordersSchema = arrow.NewSchema([]arrow.Field{
	{Name: "id", Type: arrow.PrimitiveTypes.Int64},
	{Name: "amount", Type: arrow.PrimitiveTypes.Float64, Nullable: true},
	{Name: "qty", Type: arrow.PrimitiveTypes.Int64, Nullable: true},
	{Name: "email", Type: arrow.BinaryTypes.String, Nullable: true},
	{Name: "Cost Total $", Type: arrow.PrimitiveTypes.Int64, Nullable: true},
	{Name: "at", Type: &arrow.TimestampType{Unit: arrow.Microsecond}, Nullable: true},
}, nil)

// ordersBatch has 4 rows; row 2 has nulls in amount, qty, email and at.
func ordersBatch(t *testing.T, mem memory.Allocator) arrow.RecordBatch {
	t.Helper()
	b := array.NewRecordBuilder(mem, ordersSchema)
	defer b.Release()
	valid := []bool{true, true, false, true}
	b.Field(0).(*array.Int64Builder).AppendValues([]int64{1, 2, 3, 4}, nil)
	b.Field(1).(*array.Float64Builder).AppendValues([]float64{10, -5, 0, 2.5}, valid)
	b.Field(2).(*array.Int64Builder).AppendValues([]int64{2, 0, 0, 1}, valid)
	b.Field(3).(*array.StringBuilder).AppendValues([]string{"a@x.io", "bad", "", "c@y.org"}, valid)
	b.Field(4).(*array.Int64Builder).AppendValues([]int64{100, 200, 300, 400}, nil)
	ts := func(s string) arrow.Timestamp {
		tm, err := time.Parse(time.RFC3339, s)
		require.NoError(t, err)
		return arrow.Timestamp(tm.UnixMicro())
	}
	b.Field(5).(*array.TimestampBuilder).AppendValues([]arrow.Timestamp{
		ts("2024-01-01T00:00:00Z"), ts("2024-06-01T12:00:00Z"), 0, ts("2023-12-31T23:59:59Z")}, valid)
	return b.NewRecordBatch()
}

func compile(t *testing.T, yaml string, schema *arrow.Schema, opts ...rules.CompileOption) *rules.Program {
	t.Helper()
	rs, err := rules.Parse("orders.yaml", []byte(header+yaml))
	require.NoError(t, err)
	p, err := rs.Compile(schema, opts...)
	require.NoError(t, err)
	return p
}

func compileErr(t *testing.T, yaml string, schema *arrow.Schema, opts ...rules.CompileOption) rules.Errors {
	t.Helper()
	rs, err := rules.Parse("orders.yaml", []byte(header+yaml))
	require.NoError(t, err)
	_, err = rs.Compile(schema, opts...)
	return problems(t, err)
}

func TestRowRuleOutcomes(t *testing.T) {
	P, F, S, E := rules.Pass, rules.Fail, rules.Skip, rules.Errored
	tests := []struct {
		name  string
		rule  string
		want  []rules.Outcome
		kinds map[string]int64
	}{
		{"nulls skip by default", "expr: amount >= 0.0", []rules.Outcome{P, F, S, P}, nil},
		{"nulls fail", "expr: amount >= 0.0\n    nulls: fail", []rules.Outcome{P, F, F, P}, nil},
		{"nulls pass", "expr: amount >= 0.0\n    nulls: pass", []rules.Outcome{P, F, P, P}, nil},
		{"null test sees null", "expr: amount == null || amount > 0.0", []rules.Outcome{P, F, P, P}, nil},
		{"not null", "expr: email != null", []rules.Outcome{P, P, F, P}, nil},
		{"has-free null literal on other column", "expr: email != null && amount > 0.0", []rules.Outcome{P, F, F, P}, nil},
		{"division by zero is an error", "expr: 10 / qty > 1", []rules.Outcome{P, E, S, P},
			map[string]int64{"division by zero": 1}},
		{"non-identifier column", "expr: row['Cost Total $'] > 150", []rules.Outcome{F, P, P, P}, nil},
		{"backquoted column", "expr: row.`Cost Total $` >= 200 && id > 0", []rules.Outcome{F, P, P, P}, nil},
		{"row dot identifier", "expr: row.id < 3", []rules.Outcome{P, P, F, F}, nil},
		{"regex", "expr: email.matches('^[^@]+@[^@]+$')", []rules.Outcome{P, F, S, P}, nil},
		{"string extension", "expr: email.lowerAscii().endsWith('.io')", []rules.Outcome{P, F, S, F}, nil},
		{"timestamp without zone is UTC", "expr: at >= timestamp('2024-01-01T00:00:00Z')", []rules.Outcome{P, P, S, F}, nil},
		{"timestamp accessor in UTC", "expr: at.getHours() == 12", []rules.Outcome{F, P, S, F}, nil},
		{"cross-type numbers", "expr: amount > qty", []rules.Outcome{P, F, S, P}, nil},
	}
	// Rules the vectorized engine runs under the default engine.
	vectorized := map[string]bool{
		"nulls skip by default": true, "nulls fail": true, "nulls pass": true,
		"null test sees null": true, "not null": true, "has-free null literal on other column": true,
		"non-identifier column": true, "backquoted column": true, "row dot identifier": true,
		"cross-type numbers": true, "division by zero is an error": true,
		"regex": true, "string extension": true, "timestamp without zone is UTC": true,
		"timestamp accessor in UTC": true,
	}
	for _, tt := range tests {
		for _, eng := range []string{rules.EngineAuto, rules.EngineInterpreter} {
			t.Run(tt.name+"/"+eng, func(t *testing.T) {
				mem := arrowtest.Allocator(t)
				p := compile(t, "rules:\n  - name: r\n    "+tt.rule+"\n", ordersSchema, rules.WithEngine(eng))
				batch := ordersBatch(t, mem)
				defer batch.Release()
				res, err := p.NewRun().Eval(context.Background(), batch)
				require.NoError(t, err)
				require.Len(t, res.Outcomes, 1)
				assert.Equal(t, 4, res.Rows)
				assert.Equal(t, tt.want, res.Outcomes[0])
				if tt.kinds == nil {
					assert.Nil(t, res.ErrorKinds[0])
				} else {
					assert.Equal(t, tt.kinds, res.ErrorKinds[0])
				}
				want := rules.EngineInterpreter
				if eng == rules.EngineAuto && vectorized[tt.name] {
					want = rules.EngineVectorized
				}
				assert.Equal(t, want, p.RowRules()[0].Engine)
			})
		}
	}
}

func TestAliasAndColumns(t *testing.T) {
	mem := arrowtest.Allocator(t)
	p := compile(t, `columns:
  cost_total: {name: "Cost Total $", type: int64, min: 150}
  amount: {type: double}
rules:
  - name: alias
    expr: cost_total < 350 && amount != null
  - name: alias_by_row
    expr: row['cost_total'] > 0
  - name: cost_sum
    check: sum(cost_total) == 1000.0 && max(row['Cost Total $']) == 400
`, ordersSchema)
	assert.Equal(t, []string{"Cost Total $", "amount"}, p.Columns())
	names := []string{}
	for _, r := range p.Rules() {
		names = append(names, r.Name)
	}
	assert.Equal(t, []string{"cost_total.min", "alias", "alias_by_row", "cost_sum"}, names)
	assert.Equal(t, []string{"Cost Total $", "amount"}, p.RowRules()[1].Columns)
	batch := ordersBatch(t, mem)
	defer batch.Release()
	run := p.NewRun()
	res, err := run.Eval(context.Background(), batch)
	require.NoError(t, err)
	P, F := rules.Pass, rules.Fail
	assert.Equal(t, []rules.Outcome{F, P, P, P}, res.Outcomes[0])
	assert.Equal(t, []rules.Outcome{P, P, F, F}, res.Outcomes[1])
	assert.Equal(t, []rules.Outcome{P, P, P, P}, res.Outcomes[2])
	checks, err := run.Finish(context.Background())
	require.NoError(t, err)
	require.Len(t, checks, 1)
	assert.Equal(t, rules.Pass, checks[0].Outcome, checks[0].Err)
	assert.Equal(t, map[string]any{"sum(cost_total)": 1000.0, "max(row['Cost Total $'])": int64(400)}, checks[0].Metrics)
}

func TestCompileErrors(t *testing.T) {
	tests := []struct {
		name   string
		yaml   string
		opts   []rules.CompileOption
		line   int
		column int
		msg    string
	}{
		{"unknown column", "rules:\n  - name: r\n    expr: amout > 0.0\n", nil, 6, 11, `unknown column "amout" (did you mean amount?)`},
		{"unknown row column", "rules:\n  - name: r\n    expr: id > 0 && row['Cost Total'] > 1\n", nil, 6, 21, `unknown column "Cost Total" (did you mean row["Cost Total $"]?)`},
		{"bad regex", "rules:\n  - name: r\n    expr: email.matches('[a-')\n", nil, 6, 25, "invalid matches argument"},
		{"not boolean", "rules:\n  - name: r\n    expr: amount + 1.0\n", nil, 6, 11, "must be a boolean expression"},
		{"type error caret", "rules:\n  - name: r\n    expr: |\n      id > 0 &&\n        email > 3\n", nil, 8, 15, "no matching overload"},
		{"cost limit", "rules:\n  - name: r\n    expr: email.matches('a+') && email.matches('b+')\n",
			[]rules.CompileOption{rules.WithCostLimit(10)}, 6, 11, "exceeds the limit 10"},
		{"metric in row rule", "rules:\n  - name: r\n    expr: amount > mean(amount)\n", nil, 6, 20, "mean() is a metric function"},
		{"unknown function", "rules:\n  - name: r\n    expr: frob(amount)\n", nil, 6, 11, "unknown function frob()"},
		{"metric of expression", "rules:\n  - name: r\n    check: mean(amount * 2.0) > 0.0\n", nil, 6, 16, "must be a column"},
		{"column outside metric", "rules:\n  - name: r\n    check: amount > 0.0\n", nil, 6, 12, "read outside a metric function"},
		{"numeric metric of string", "rules:\n  - name: r\n    check: mean(email) > 0.0\n", nil, 6, 16, "needs a numeric column"},
		{"bad quantile", "rules:\n  - name: r\n    check: quantile(amount, 1.5) > 0.0\n", nil, 6, 20, "quantile"},
		{"generated rule on wrong type", "columns:\n  email: {min: 3}\n", nil, 5, 16, "no matching overload"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			errs := compileErr(t, tt.yaml, ordersSchema, tt.opts...)
			require.Len(t, errs, 1, "%v", errs)
			assert.Contains(t, errs[0].Msg, tt.msg)
			assert.Equal(t, tt.line, errs[0].Line, "%v", errs[0])
			assert.Equal(t, tt.column, errs[0].Column, "%v", errs[0])
		})
	}
}

func TestCompileGathersAllProblems(t *testing.T) {
	errs := compileErr(t, `rules:
  - name: a
    expr: amout > 0
  - name: b
    expr: email.matches('(')
  - name: c
    check: mean(email) > 1.0
`, ordersSchema)
	require.Len(t, errs, 3, "%v", errs)
	assert.Equal(t, []string{"a", "b", "c"}, []string{errs[0].Rule, errs[1].Rule, errs[2].Rule})
	assert.Contains(t, errs.Error(), "orders.yaml:6:11: rule a: unknown column \"amout\"")
	assert.Contains(t, errs[1].Msg, "^")
}

func TestRuntimeCostLimit(t *testing.T) {
	mem := arrowtest.Allocator(t)
	// The static estimate assumes strings of EstimatedStringSize; a much
	// longer value goes over the limit at run time, on that row only.
	schema := arrow.NewSchema([]arrow.Field{{Name: "s", Type: arrow.BinaryTypes.String}}, nil)
	p := compile(t, "rules:\n  - name: r\n    expr: s.contains('zzz')\n", schema, rules.WithCostLimit(2000))
	b := array.NewRecordBuilder(mem, schema)
	defer b.Release()
	b.Field(0).(*array.StringBuilder).AppendValues([]string{"azzz", strings.Repeat("a", 100_000)}, nil)
	batch := b.NewRecordBatch()
	defer batch.Release()
	res, err := p.NewRun().Eval(context.Background(), batch)
	require.NoError(t, err)
	assert.Equal(t, []rules.Outcome{rules.Pass, rules.Errored}, res.Outcomes[0])
	require.Len(t, res.ErrorKinds[0], 1)
	for kind, n := range res.ErrorKinds[0] {
		assert.Contains(t, kind, "cost limit")
		assert.Equal(t, int64(1), n)
	}
}

func TestDictionaryAndSlicedColumns(t *testing.T) {
	mem := arrowtest.Allocator(t)
	dictType := &arrow.DictionaryType{IndexType: arrow.PrimitiveTypes.Int8, ValueType: arrow.BinaryTypes.String}
	schema := arrow.NewSchema([]arrow.Field{
		{Name: "status", Type: dictType, Nullable: true},
		{Name: "n", Type: arrow.PrimitiveTypes.Int32, Nullable: true},
	}, nil)
	b := array.NewRecordBuilder(mem, schema)
	defer b.Release()
	db := b.Field(0).(*array.BinaryDictionaryBuilder)
	for _, s := range []string{"new", "paid", "", "bogus", "paid", "new"} {
		if s == "" {
			db.AppendNull()
			continue
		}
		require.NoError(t, db.AppendString(s))
	}
	b.Field(1).(*array.Int32Builder).AppendValues([]int32{1, 2, 3, 4, 5, 6}, []bool{true, true, true, false, true, true})
	full := b.NewRecordBatch()
	defer full.Release()
	sliced := full.NewSlice(2, 6) // rows: null, bogus, paid, new
	defer sliced.Release()

	p := compile(t, `columns:
  status: {values: [new, paid, shipped]}
rules:
  - name: big
    expr: n > 4
  - name: counted
    check: count_if(status == 'paid') == 1 && fraction_if(n > 4) == 0.5 && completeness(status) == 0.75
`, schema)
	run := p.NewRun()
	res, err := run.Eval(context.Background(), sliced)
	require.NoError(t, err)
	P, F, S := rules.Pass, rules.Fail, rules.Skip
	assert.Equal(t, []rules.Outcome{S, F, P, P}, res.Outcomes[0])
	assert.Equal(t, []rules.Outcome{F, S, P, P}, res.Outcomes[1])
	checks, err := run.Finish(context.Background())
	require.NoError(t, err)
	assert.Equal(t, rules.Pass, checks[0].Outcome, "%v %s", checks[0].Metrics, checks[0].Err)
	assert.Equal(t, map[string]any{
		"count_if(status == 'paid')": int64(1),
		"fraction_if(n > 4)":         0.5,
		"completeness(status)":       0.75,
	}, checks[0].Metrics)
}

func TestChecks(t *testing.T) {
	mem := arrowtest.Allocator(t)
	p := compile(t, `rules:
  - name: enough_rows
    check: row_count() >= 8
  - name: mostly_present
    check: completeness(email) >= 0.8
  - name: fresh
    check: now() - max(at) < duration('26h')
  - name: mean_qty
    check: mean(qty) > 0.5 && quantile(amount, 0.5) >= -5.0
  - name: dup
    check: duplicate_count(id, email) == 0
`, ordersSchema)
	b1 := ordersBatch(t, mem)
	defer b1.Release()
	b2 := ordersBatch(t, mem)
	defer b2.Release()
	clock := func() time.Time { return time.Date(2024, 6, 2, 0, 0, 0, 0, time.UTC) }
	r1 := p.NewRun(rules.WithClock(clock))
	r2 := p.NewRun(rules.WithClock(clock))
	_, err := r1.Eval(context.Background(), b1)
	require.NoError(t, err)
	_, err = r2.Eval(context.Background(), b2)
	require.NoError(t, err)
	require.NoError(t, r1.Merge(r2))
	checks, err := r1.Finish(context.Background())
	require.NoError(t, err)
	require.Len(t, checks, 5)
	got := map[string]rules.Outcome{}
	for _, c := range checks {
		got[c.Rule.Name] = c.Outcome
		assert.Empty(t, c.Err, c.Rule.Name)
	}
	assert.Equal(t, map[string]rules.Outcome{
		"enough_rows": rules.Pass, "mostly_present": rules.Fail, "fresh": rules.Pass,
		"mean_qty": rules.Pass, "dup": rules.Fail,
	}, got)
	assert.Equal(t, map[string]any{"row_count()": int64(8)}, checks[0].Metrics)
	assert.Equal(t, time.Date(2024, 6, 1, 12, 0, 0, 0, time.UTC), checks[2].Metrics["max(at)"])
	assert.Equal(t, clock(), checks[2].Metrics["now()"])
	assert.Equal(t, rules.KindDataset, checks[0].Rule.Kind())
}

func TestCheckSkippedOnUndefinedMetric(t *testing.T) {
	mem := arrowtest.Allocator(t)
	p := compile(t, "rules:\n  - name: m\n    check: mean(amount) > 0.0\n", ordersSchema)
	b := array.NewRecordBuilder(mem, ordersSchema)
	defer b.Release()
	empty := b.NewRecordBatch()
	defer empty.Release()
	run := p.NewRun()
	_, err := run.Eval(context.Background(), empty)
	require.NoError(t, err)
	checks, err := run.Finish(context.Background())
	require.NoError(t, err)
	assert.Equal(t, rules.Skip, checks[0].Outcome)
	assert.Equal(t, map[string]any{"mean(amount)": nil}, checks[0].Metrics)
}

func TestMissingReferences(t *testing.T) {
	mem := arrowtest.Allocator(t)
	rs, err := rules.Parse("/data/contracts/orders.yaml", []byte(header+`rules:
  - name: customers_exist
    check: missing_references(qty, 'customers.parquet', 'id') == 0
  - name: at_most_one
    check: missing_references(qty, 'customers.parquet', 'id') <= 1
`))
	require.NoError(t, err)
	p, err := rs.Compile(ordersSchema)
	require.NoError(t, err)
	require.Equal(t, []rules.Reference{{Dataset: "/data/contracts/customers.parquet", Column: "id"}}, p.References())

	batch := ordersBatch(t, mem) // qty: 2, 0, null, 1
	defer batch.Release()

	refSchema := arrow.NewSchema([]arrow.Field{{Name: "id", Type: arrow.PrimitiveTypes.Int32}}, nil)
	opener := func(_ context.Context, ref rules.Reference) (array.RecordReader, error) {
		assert.Equal(t, "/data/contracts/customers.parquet", ref.Dataset)
		b := array.NewRecordBuilder(mem, refSchema)
		defer b.Release()
		b.Field(0).(*array.Int32Builder).AppendValues([]int32{1, 2, 7}, nil)
		rec := b.NewRecordBatch()
		defer rec.Release()
		return array.NewRecordReader(refSchema, []arrow.RecordBatch{rec})
	}
	run := p.NewRun(rules.WithReferences(opener))
	_, err = run.Eval(context.Background(), batch)
	require.NoError(t, err)
	checks, err := run.Finish(context.Background())
	require.NoError(t, err)
	assert.Equal(t, rules.Fail, checks[0].Outcome, checks[0].Err)
	assert.Equal(t, rules.Pass, checks[1].Outcome, checks[1].Err)
	assert.Equal(t, map[string]any{"missing_references(qty, 'customers.parquet', 'id')": int64(1)}, checks[0].Metrics)

	// Without an opener the check cannot be computed.
	run = p.NewRun()
	_, err = run.Eval(context.Background(), batch)
	require.NoError(t, err)
	checks, err = run.Finish(context.Background())
	require.NoError(t, err)
	assert.Equal(t, rules.Errored, checks[0].Outcome)
	assert.Contains(t, checks[0].Err, "WithReferences")

	// A reference that cannot be opened fails the run: the check could not
	// be computed at all.
	run = p.NewRun(rules.WithReferences(func(context.Context, rules.Reference) (array.RecordReader, error) {
		return nil, errors.New("no such file")
	}))
	_, err = run.Finish(context.Background())
	require.ErrorIs(t, err, rules.ErrReference)
	assert.Contains(t, err.Error(), "no such file")
}

func TestEvalProjectedBatchAndMissingColumn(t *testing.T) {
	mem := arrowtest.Allocator(t)
	p := compile(t, "rules:\n  - name: r\n    expr: qty > 0\n", ordersSchema)
	assert.Equal(t, []string{"qty"}, p.Columns())
	full := ordersBatch(t, mem)
	defer full.Release()
	// A projected batch with the columns in another order works.
	proj := array.NewRecordBatch(arrow.NewSchema([]arrow.Field{ordersSchema.Field(3), ordersSchema.Field(2)}, nil),
		[]arrow.Array{full.Column(3), full.Column(2)}, full.NumRows())
	defer proj.Release()
	res, err := p.NewRun().Eval(context.Background(), proj)
	require.NoError(t, err)
	assert.Equal(t, []rules.Outcome{rules.Pass, rules.Fail, rules.Skip, rules.Pass}, res.Outcomes[0])

	other := array.NewRecordBatch(arrow.NewSchema([]arrow.Field{ordersSchema.Field(3)}, nil),
		[]arrow.Array{full.Column(3)}, full.NumRows())
	defer other.Release()
	_, err = p.NewRun().Eval(context.Background(), other)
	require.Error(t, err)
	assert.Contains(t, err.Error(), `no column "qty"`)

	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	_, err = p.NewRun().Eval(ctx, full)
	require.ErrorIs(t, err, context.Canceled)
}
