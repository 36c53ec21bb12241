package rules_test

import (
	"context"
	"strconv"
	"testing"

	"github.com/apache/arrow-go/v18/arrow"
	"github.com/apache/arrow-go/v18/arrow/array"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/sluicedata/sluice/internal/arrowtest"
	"github.com/sluicedata/sluice/rules"
)

// stringBatches returns one batch with values as a plain string column
// v and one with them dictionary-encoded; nil entries are nulls.
func stringBatches(t *testing.T, values []*string) []arrow.RecordBatch {
	t.Helper()
	mem := arrowtest.Allocator(t)
	sb := array.NewStringBuilder(mem)
	defer sb.Release()
	db := array.NewDictionaryBuilder(mem, &arrow.DictionaryType{IndexType: arrow.PrimitiveTypes.Int32, ValueType: arrow.BinaryTypes.String}).(*array.BinaryDictionaryBuilder)
	defer db.Release()
	for _, v := range values {
		if v == nil {
			sb.AppendNull()
			db.AppendNull()
			continue
		}
		sb.Append(*v)
		require.NoError(t, db.AppendString(*v))
	}
	var out []arrow.RecordBatch
	for _, col := range []arrow.Array{sb.NewArray(), db.NewArray()} {
		schema := arrow.NewSchema([]arrow.Field{{Name: "v", Type: col.DataType(), Nullable: true}}, nil)
		b := array.NewRecordBatch(schema, []arrow.Array{col}, int64(col.Len()))
		col.Release()
		t.Cleanup(b.Release)
		out = append(out, b)
	}
	return out
}

func ptr(s string) *string { return &s }

// runBoth compiles expr on both engines, checks which engine ran it, and
// returns the outcomes of each.
func runBoth(t *testing.T, expr string, batch arrow.RecordBatch, vectorized bool) map[string][]rules.Outcome {
	t.Helper()
	out := map[string][]rules.Outcome{}
	for _, engine := range []string{rules.EngineAuto, rules.EngineInterpreter} {
		p := compile(t, "rules:\n  - name: r\n    expr: "+strconv.Quote(expr)+"\n", batch.Schema(), rules.WithEngine(engine))
		want := rules.EngineInterpreter
		if engine == rules.EngineAuto && vectorized {
			want = rules.EngineVectorized
		}
		assert.Equal(t, want, p.Rules()[0].Engine, "%s: %s", engine, expr)
		res, err := p.NewRun().Eval(context.Background(), batch)
		require.NoError(t, err)
		out[engine] = res.Outcomes[0]
	}
	return out
}

// parses_date gives the same outcomes on both engines, plain and
// dictionary-encoded; a null is skipped.
func TestParsesDate(t *testing.T) {
	P, F, S := rules.Pass, rules.Fail, rules.Skip
	values := []*string{ptr("2019-04-01"), ptr("01/01/2010"), ptr("Jan 5, 2020 10:30 pm"), ptr("abc"), ptr("2019-02-29"), ptr(""), nil}
	want := []rules.Outcome{P, P, P, F, F, F, S}
	for _, b := range stringBatches(t, values) {
		for engine, got := range runBoth(t, "parses_date(v)", b, true) {
			assert.Equal(t, want, got, "%s on %s", engine, b.Schema().Field(0).Type)
		}
	}
	errs := compileErr(t, "rules:\n  - name: r\n    expr: parses_date(1)\n", arrow.NewSchema([]arrow.Field{{Name: "v", Type: arrow.BinaryTypes.String}}, nil))
	require.Len(t, errs, 1)
}

// matches_json_schema gives the same outcomes on both engines; a schema
// that cannot be used does not vectorize and is an evaluation error on the
// interpreter.
func TestMatchesJSONSchema(t *testing.T) {
	P, F, S := rules.Pass, rules.Fail, rules.Skip
	values := []*string{ptr(`{"a":1}`), ptr(`{"a":"x"}`), ptr(`{"b":1}`), ptr(`[1]`), ptr(`{"a":`), nil}
	want := []rules.Outcome{P, F, F, P, F, S}
	schema := `'{"properties": {"a": {"type": "integer"}}, "required": ["a"]}'`
	for _, b := range stringBatches(t, values) {
		for engine, got := range runBoth(t, "matches_json_schema(v, "+schema+")", b, true) {
			assert.Equal(t, want, got, "%s on %s", engine, b.Schema().Field(0).Type)
		}
	}
	b := stringBatches(t, values)[0]
	for _, got := range runBoth(t, `matches_json_schema(v, '{"type": 3}')`, b, false) {
		assert.Equal(t, rules.Errored, got[0])
	}
}
