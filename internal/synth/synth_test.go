package synth_test

import (
	"context"
	"regexp"
	"strings"
	"testing"

	"github.com/apache/arrow-go/v18/arrow"
	"github.com/apache/arrow-go/v18/arrow/array"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/sluicedata/sluice/internal/arrowtest"
	"github.com/sluicedata/sluice/internal/synth"
	"github.com/sluicedata/sluice/rules"
)

const testRules = `version: 1
dataset: synthetic
owner: team@example.com
columns:
  id:      {type: int64, required: true, unique: true}
  qty:     {type: int32, min: 1, max: 50}
  price:   {type: double, min: 0.5, max: 99.5}
  status:  {type: string, required: true, values: [new, paid, shipped]}
  code:    {type: string, pattern: '^[A-Z]{2}-[0-9]{3}$'}
  note:    {type: string, min_length: 3, max_length: 8}
  flag:    {type: bool}
  day:     {type: date}
  at:      {type: timestamp, required: true}
  took:    {type: duration}
  level:   {type: uint8, values: [1, 2, 3]}
  cost:    {type: "decimal(10,2)", min: 0}
  untyped: {required: true}
rules:
  - name: untyped_positive
    expr: untyped > 0
  - name: name_short
    expr: size(name) < 20
  - name: ratio_sane
    expr: ratio * 2.0 < 10.0
  - name: active_or_not
    expr: active || qty > 3
  - name: at_after_2020
    expr: at > timestamp('2020-01-01T00:00:00Z')
`

const rows = 20000

func plan(t *testing.T, src string, opts synth.Options) (*synth.Plan, *rules.RuleSet) {
	t.Helper()
	rs, err := rules.Parse("synth.yaml", []byte(src))
	require.NoError(t, err)
	p, err := synth.FromRuleSet(rs, opts)
	require.NoError(t, err)
	return p, rs
}

// generate returns the plan's rows concatenated per column, by name.
func generate(t *testing.T, p *synth.Plan, n, batch int) map[string]arrow.Array {
	t.Helper()
	mem := arrowtest.Allocator(t)
	batches, err := p.Generate(mem, n, batch)
	require.NoError(t, err)
	out := map[string]arrow.Array{}
	for i, f := range p.Schema().Fields() {
		parts := make([]arrow.Array, len(batches))
		for k, b := range batches {
			require.LessOrEqual(t, b.NumRows(), int64(batch))
			parts[k] = b.Column(i)
		}
		whole, err := array.Concatenate(parts, mem)
		require.NoError(t, err)
		t.Cleanup(whole.Release)
		out[f.Name] = whole
	}
	for _, b := range batches {
		b.Release()
	}
	return out
}

func TestSchemaTypes(t *testing.T) {
	p, rs := plan(t, testRules, synth.Options{})
	want := map[string]string{
		"id": "int64", "qty": "int32", "price": "float64", "status": "utf8", "code": "utf8", "note": "utf8",
		"flag": "bool", "day": "date32", "at": "timestamp[us, tz=UTC]", "took": "duration[us]", "level": "uint8",
		"cost": "decimal(10, 2)",
		// inferred from the rules
		"untyped": "int64", "name": "utf8", "ratio": "float64", "active": "bool",
	}
	schema := p.Schema()
	require.Equal(t, len(want), schema.NumFields(), schema.String())
	for name, typ := range want {
		idx := schema.FieldIndices(name)
		require.Len(t, idx, 1, name)
		assert.Equal(t, typ, schema.Field(idx[0]).Type.String(), name)
	}
	inferred := map[string]bool{}
	for _, c := range p.Columns() {
		inferred[c.Name] = c.Inferred
	}
	assert.Equal(t, map[string]bool{"untyped": true, "name": true, "ratio": true, "active": true},
		filterTrue(inferred))
	// The generated schema compiles the rule file.
	_, err := rs.Compile(schema)
	require.NoError(t, err)
}

func filterTrue(m map[string]bool) map[string]bool {
	out := map[string]bool{}
	for k, v := range m {
		if v {
			out[k] = true
		}
	}
	return out
}

// share counts the non-null values for which ok is false.
func share(arr arrow.Array, ok func(i int) bool) (bad, valid int) {
	for i := range arr.Len() {
		if arr.IsNull(i) {
			continue
		}
		valid++
		if !ok(i) {
			bad++
		}
	}
	return bad, valid
}

// assertViolations checks that a small share of values break the
// shorthand: some, so that rules count failures, but few.
func assertViolations(t *testing.T, name string, bad, valid int) {
	t.Helper()
	assert.Positive(t, bad, "%s: no value breaks the shorthand", name)
	assert.Less(t, float64(bad), 0.03*float64(valid), "%s: %d of %d values break the shorthand", name, bad, valid)
}

func TestNullsAndShorthands(t *testing.T) {
	p, _ := plan(t, testRules, synth.Options{})
	cols := generate(t, p, rows, 4096)

	t.Run("null rates", func(t *testing.T) {
		for _, name := range []string{"id", "status", "at", "untyped"} {
			assert.Zero(t, cols[name].NullN(), "required column %s has nulls", name)
		}
		for _, name := range []string{"qty", "price", "code", "note", "flag", "day", "took", "name"} {
			rate := float64(cols[name].NullN()) / rows
			assert.InDelta(t, synth.DefaultNullRate, rate, 0.01, name)
		}
	})
	t.Run("values", func(t *testing.T) {
		status := cols["status"].(*array.String)
		bad, valid := share(status, func(i int) bool {
			v := status.Value(i)
			return v == "new" || v == "paid" || v == "shipped"
		})
		assertViolations(t, "status", bad, valid)
		seen := map[string]bool{}
		for i := range status.Len() {
			seen[status.Value(i)] = true
		}
		assert.True(t, seen["new"] && seen["paid"] && seen["shipped"], "every listed value appears")
		level := cols["level"].(*array.Uint8)
		bad, valid = share(level, func(i int) bool { return level.Value(i) >= 1 && level.Value(i) <= 3 })
		assertViolations(t, "level", bad, valid)
	})
	t.Run("ranges", func(t *testing.T) {
		qty := cols["qty"].(*array.Int32)
		bad, valid := share(qty, func(i int) bool { return qty.Value(i) >= 1 && qty.Value(i) <= 50 })
		assertViolations(t, "qty", bad, valid)
		price := cols["price"].(*array.Float64)
		bad, valid = share(price, func(i int) bool { return price.Value(i) >= 0.5 && price.Value(i) <= 99.5 })
		assertViolations(t, "price", bad, valid)
		cost := cols["cost"].(*array.Decimal128)
		bad, valid = share(cost, func(i int) bool { return cost.Value(i).ToFloat64(2) >= 0 })
		assertViolations(t, "cost", bad, valid)
	})
	t.Run("pattern", func(t *testing.T) {
		re := regexp.MustCompile(`^[A-Z]{2}-[0-9]{3}$`)
		code := cols["code"].(*array.String)
		bad, valid := share(code, func(i int) bool { return re.MatchString(code.Value(i)) })
		assertViolations(t, "code", bad, valid)
	})
	t.Run("lengths", func(t *testing.T) {
		note := cols["note"].(*array.String)
		bad, valid := share(note, func(i int) bool { n := len(note.Value(i)); return n >= 3 && n <= 8 })
		assertViolations(t, "note", bad, valid)
	})
	t.Run("unique", func(t *testing.T) {
		id := cols["id"].(*array.Int64)
		seen := map[int64]bool{}
		dups := 0
		for i := range id.Len() {
			if seen[id.Value(i)] {
				dups++
			}
			seen[id.Value(i)] = true
		}
		assertViolations(t, "id", dups, id.Len())
	})
	t.Run("bool", func(t *testing.T) {
		flag := cols["flag"].(*array.Boolean)
		trues, _ := share(flag, func(i int) bool { return !flag.Value(i) })
		assert.InDelta(t, 0.5, float64(trues)/float64(flag.Len()-flag.NullN()), 0.05)
	})
	t.Run("times", func(t *testing.T) {
		at := cols["at"].(*array.Timestamp)
		lo := arrow.Timestamp(time2024())
		for i := range at.Len() {
			require.GreaterOrEqual(t, at.Value(i), lo)
		}
	})
}

func time2024() int64 { return 1704067200 * 1_000_000 } // 2024-01-01T00:00:00Z in µs

func TestDeterministic(t *testing.T) {
	p, _ := plan(t, testRules, synth.Options{})
	a := generate(t, p, 5000, 5000)
	b := generate(t, p, 5000, 333) // the batch size does not change the values
	for name, arr := range a {
		assert.True(t, array.Equal(arr, b[name]), name)
	}
	other, _ := plan(t, testRules, synth.Options{Seed: 99})
	c := generate(t, other, 5000, 5000)
	assert.False(t, array.Equal(a["price"], c["price"]), "another seed gives other values")
}

func TestNoRatesWhenNegative(t *testing.T) {
	p, _ := plan(t, testRules, synth.Options{NullRate: -1, ViolationRate: -1})
	cols := generate(t, p, 5000, 1024)
	for name, arr := range cols {
		assert.Zero(t, arr.NullN(), name)
	}
	qty := cols["qty"].(*array.Int32)
	bad, _ := share(qty, func(i int) bool { return qty.Value(i) >= 1 && qty.Value(i) <= 50 })
	assert.Zero(t, bad)
}

func TestInferenceRefused(t *testing.T) {
	tests := []struct {
		name, rules string
		columns     []string
	}{
		{
			name:    "no type fits",
			rules:   "  - name: odd\n    expr: size(x) > 0 && x > 1\n",
			columns: []string{"x"},
		},
		{
			name:    "declared without a type",
			rules:   "  - name: odd\n    expr: size(y) > 0 && y > 1\n",
			columns: []string{"y"},
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			src := "version: 1\ndataset: d\nowner: o\ncolumns:\n  y: {}\nrules:\n" + tt.rules
			rs, err := rules.Parse("refused.yaml", []byte(src))
			require.NoError(t, err)
			_, err = synth.FromRuleSet(rs, synth.Options{})
			require.ErrorIs(t, err, synth.ErrNoType)
			require.ErrorIs(t, err, rules.ErrInvalid)
			var te *synth.TypeError
			require.ErrorAs(t, err, &te)
			assert.Equal(t, tt.columns, te.Columns)
			assert.Contains(t, err.Error(), "refused.yaml")
		})
	}
}

func TestRuleFileErrorPassesThrough(t *testing.T) {
	rs, err := rules.Parse("bad.yaml", []byte("version: 1\ndataset: d\nowner: o\ncolumns:\n  a: {type: int64}\nrules:\n  - name: r\n    expr: a > 'x'\n"))
	require.NoError(t, err)
	_, err = synth.FromRuleSet(rs, synth.Options{})
	require.ErrorIs(t, err, rules.ErrInvalid)
	assert.NotErrorIs(t, err, synth.ErrNoType)
}

func TestGenerateArguments(t *testing.T) {
	p, _ := plan(t, testRules, synth.Options{})
	_, err := p.Generate(nil, 10, 0)
	require.Error(t, err)
	batches, err := p.Generate(arrowtest.Allocator(t), 0, 10)
	require.NoError(t, err)
	assert.Empty(t, batches)
}

func TestUniqueStringsWithinLength(t *testing.T) {
	p, _ := plan(t, "version: 1\ndataset: d\nowner: o\ncolumns:\n  s: {type: string, unique: true, max_length: 12}\n", synth.Options{ViolationRate: -1})
	cols := generate(t, p, 3000, 1000)
	s := cols["s"].(*array.String)
	seen := map[string]bool{}
	for i := range s.Len() {
		if s.IsNull(i) {
			continue
		}
		assert.False(t, seen[s.Value(i)], s.Value(i))
		seen[s.Value(i)] = true
		assert.LessOrEqual(t, len(s.Value(i)), 12)
	}
}

// TestRulesFindFailures evaluates the rule file on its synthetic data:
// every row rule a shorthand generates fails on some rows and passes on
// most, so that a measurement exercises both outcomes.
func TestRulesFindFailures(t *testing.T) {
	p, rs := plan(t, testRules, synth.Options{})
	prog, err := rs.Compile(p.Schema())
	require.NoError(t, err)
	mem := arrowtest.Allocator(t)
	batches, err := p.Generate(mem, rows, 4096)
	require.NoError(t, err)
	defer func() {
		for _, b := range batches {
			b.Release()
		}
	}()
	run := prog.NewRun(rules.WithoutOutcomes())
	counts := make([]rules.OutcomeCounts, len(prog.RowRules()))
	for _, b := range batches {
		res, err := run.Eval(context.Background(), b)
		require.NoError(t, err)
		for i, c := range res.Counts {
			for k := range c {
				counts[i][k] += c[k]
			}
		}
	}
	var checked []string
	for i, cr := range prog.RowRules() {
		if !cr.Generated || strings.HasSuffix(cr.Name, ".required") {
			continue // required columns have no nulls
		}
		checked = append(checked, cr.Name)
		failed, passed := counts[i][rules.Fail], counts[i][rules.Pass]
		assert.Positive(t, failed, cr.Name)
		assert.Greater(t, passed, 30*failed, cr.Name)
	}
	assert.ElementsMatch(t, []string{"qty.min", "qty.max", "price.min", "price.max", "status.values", "code.pattern",
		"note.min_length", "note.max_length", "level.values", "cost.min"}, checked)
	checks, err := run.Finish(context.Background())
	require.NoError(t, err)
	for _, c := range checks {
		if c.Rule.Name == "id.unique" {
			assert.Equal(t, rules.Fail, c.Outcome, "the unique column has a few duplicates")
		}
	}
}
