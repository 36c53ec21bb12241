package rules_test

import (
	"context"
	"strings"
	"testing"

	"github.com/apache/arrow-go/v18/arrow"
	"github.com/apache/arrow-go/v18/arrow/array"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/sluicedata/sluice/internal/arrowtest"
	"github.com/sluicedata/sluice/rules"
)

// TestEnginesAgreeOnMixedAndSharedRules runs rules whose parts the
// vectorized engine leaves to the interpreter, and rules sharing
// subexpressions, on both engines.
func TestEnginesAgreeOnMixedAndSharedRules(t *testing.T) {
	mem := arrowtest.Allocator(t)
	const ruleSet = `rules:
  - name: mixed
    expr: amount >= 0.0 && email.split('@').size() == 2
  - name: mixed_or
    expr: qty == 0 || email.split('.')[qty % 3] == 'io'
  - name: mixed_shared
    expr: amount >= 0.0 && !(email.split('@').size() == 2)
    nulls: fail
  - name: shared
    expr: amount >= 0.0 && qty > 2
  - name: shared_too
    expr: amount >= 0.0 || 100 / qty > 20
  - name: interpreted
    expr: email.split('@').size() == 2
  - name: conditional
    expr: "qty > 2 ? amount >= 100.0 / double(qty - 3) : email != null"
  - name: conditional_mixed
    expr: "email.split('.').size() == 2 ? 10 / qty > 2 : amount < 0.0"
    nulls: pass
  - name: row_condition
    expr: "email != null && email.endsWith('.io') ? (amount >= 10.0) : dyn(null)"
    nulls: fail
  - name: row_condition_first
    expr: "qty < 3 ? dyn(null) : 100 / (qty - 5) > 20"
  - name: int_text
    expr: string(qty) in ['1', '2'] || string(id).startsWith('9') || string(qty) > '7'
  - name: row_condition_mixed
    expr: "email.split('.').size() == 2 ? (qty > 3) : dyn(null)"
    nulls: pass
`
	auto := compile(t, ruleSet, ordersSchema)
	interp := compile(t, ruleSet, ordersSchema, rules.WithEngine(rules.EngineInterpreter))
	engines := map[string]string{}
	for _, r := range auto.RowRules() {
		engines[r.Name] = r.Engine
	}
	assert.Equal(t, map[string]string{
		"mixed": rules.EngineMixed, "mixed_or": rules.EngineMixed, "mixed_shared": rules.EngineMixed,
		"shared": rules.EngineVectorized, "shared_too": rules.EngineVectorized, "interpreted": rules.EngineInterpreter,
		"conditional": rules.EngineVectorized, "conditional_mixed": rules.EngineMixed,
		"row_condition": rules.EngineVectorized, "row_condition_first": rules.EngineVectorized,
		"row_condition_mixed": rules.EngineMixed, "int_text": rules.EngineVectorized,
	}, engines)

	rec := randomOrders(t, mem, 5000, 9)
	defer rec.Release()
	want, err := interp.NewRun().Eval(context.Background(), rec)
	require.NoError(t, err)
	got, err := auto.NewRun().Eval(context.Background(), rec)
	require.NoError(t, err)
	for i, r := range auto.RowRules() {
		assert.Equal(t, want.Outcomes[i], got.Outcomes[i], r.Name)
		assert.Equal(t, want.ErrorKinds[i], got.ErrorKinds[i], r.Name)
	}
	require.NotEmpty(t, want.ErrorKinds[1], "an index past the parts is an error")
}

// TestCostLimitAfterSafeBatches: sizes found safe on one batch do not let a
// later batch with longer values skip the run-time cost meter.
func TestCostLimitAfterSafeBatches(t *testing.T) {
	mem := arrowtest.Allocator(t)
	schema := arrow.NewSchema([]arrow.Field{{Name: "s", Type: arrow.BinaryTypes.String}}, nil)
	p := compile(t, "rules:\n  - name: r\n    expr: s.contains('zzz')\n", schema, rules.WithCostLimit(2000))
	require.Equal(t, rules.EngineVectorized, p.RowRules()[0].Engine)
	batch := func(vals ...string) arrow.RecordBatch {
		b := array.NewRecordBuilder(mem, schema)
		defer b.Release()
		b.Field(0).(*array.StringBuilder).AppendValues(vals, nil)
		return b.NewRecordBatch()
	}
	small, large := batch("azzz", "b"), batch("azzz", strings.Repeat("a", 100_000))
	defer small.Release()
	defer large.Release()
	run := p.NewRun()
	for _, tc := range []struct {
		batch arrow.RecordBatch
		want  []rules.Outcome
	}{
		{small, []rules.Outcome{rules.Pass, rules.Fail}},
		{large, []rules.Outcome{rules.Pass, rules.Errored}},
		{small, []rules.Outcome{rules.Pass, rules.Fail}},
	} {
		res, err := run.Eval(context.Background(), tc.batch)
		require.NoError(t, err)
		assert.Equal(t, tc.want, res.Outcomes[0])
	}
}

// TestHasColumn: has(row.x) reads as x != null, on both engines.
func TestHasColumn(t *testing.T) {
	mem := arrowtest.Allocator(t)
	batch := ordersBatch(t, mem)
	defer batch.Release()
	P, F := rules.Pass, rules.Fail
	const ruleSet = `rules:
  - name: present
    expr: has(row.email) && amount >= 0.0
  - name: absent
    expr: "!has( row['email'] )"
`
	for _, engine := range []string{rules.EngineAuto, rules.EngineInterpreter} {
		p := compile(t, ruleSet, ordersSchema, rules.WithEngine(engine))
		res, err := p.NewRun().Eval(context.Background(), batch)
		require.NoError(t, err)
		assert.Equal(t, []rules.Outcome{P, F, F, P}, res.Outcomes[0], engine)
		assert.Equal(t, []rules.Outcome{F, F, P, F}, res.Outcomes[1], engine)
		if engine == rules.EngineAuto {
			assert.Equal(t, rules.EngineVectorized, p.RowRules()[0].Engine)
		}
	}
}
