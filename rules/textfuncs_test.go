package rules_test

import (
	"context"
	"testing"

	"github.com/apache/arrow-go/v18/arrow"
	"github.com/apache/arrow-go/v18/arrow/array"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/sluicedata/sluice/internal/arrowtest"
	"github.com/sluicedata/sluice/rules"
)

// is_json gives the same outcomes on both engines, on a plain and on a
// dictionary-encoded column, and a null is skipped.
func TestIsJSON(t *testing.T) {
	P, F, S := rules.Pass, rules.Fail, rules.Skip
	values := []string{`{"a":1}`, ` [1, 2] `, `"x"`, `3.5`, `null`, `{"a":}`, `abc`, ``, `NaN`, `{"a":1} {"b":2}`, ""}
	valid := []bool{true, true, true, true, true, true, true, true, true, true, false}
	want := []rules.Outcome{P, P, P, P, P, F, F, F, F, F, S}

	mem := arrowtest.Allocator(t)
	sb := array.NewStringBuilder(mem)
	defer sb.Release()
	sb.AppendValues(values, valid)
	plain := sb.NewArray()
	defer plain.Release()
	db := array.NewDictionaryBuilder(mem, &arrow.DictionaryType{IndexType: arrow.PrimitiveTypes.Int32, ValueType: arrow.BinaryTypes.String}).(*array.BinaryDictionaryBuilder)
	defer db.Release()
	for i, v := range values {
		if valid[i] {
			require.NoError(t, db.AppendString(v))
		} else {
			db.AppendNull()
		}
	}
	dict := db.NewArray()
	defer dict.Release()

	for _, col := range []arrow.Array{plain, dict} {
		schema := arrow.NewSchema([]arrow.Field{{Name: "v", Type: col.DataType(), Nullable: true}}, nil)
		batch := array.NewRecordBatch(schema, []arrow.Array{col}, int64(col.Len()))
		for _, engine := range []string{rules.EngineAuto, rules.EngineInterpreter} {
			p := compile(t, "rules:\n  - name: r\n    expr: is_json(v)\n", schema, rules.WithEngine(engine))
			ran := map[string]string{rules.EngineAuto: rules.EngineVectorized, rules.EngineInterpreter: rules.EngineInterpreter}[engine]
			assert.Equal(t, ran, p.Rules()[0].Engine, "%s on %s", engine, col.DataType())
			res, err := p.NewRun().Eval(context.Background(), batch)
			require.NoError(t, err)
			assert.Equal(t, want, res.Outcomes[0], "%s on %s", engine, col.DataType())
		}
		batch.Release()
	}
	errs := compileErr(t, "rules:\n  - name: r\n    expr: is_json(1)\n", arrow.NewSchema([]arrow.Field{{Name: "v", Type: arrow.BinaryTypes.String}}, nil))
	require.Len(t, errs, 1)
	assert.Contains(t, errs[0].Msg, "is_json")
}

// parses_time gives the same outcomes on both engines; a bad layout does
// not compile on the vectorized engine and is an evaluation error on the
// interpreter.
func TestParsesTime(t *testing.T) {
	P, F, S := rules.Pass, rules.Fail, rules.Skip
	values := []string{"2019-04-01", "2019-4-1", "2019-02-29", "2019-04-01T00", "04/01/2019", ""}
	valid := []bool{true, true, true, true, true, false}
	want := []rules.Outcome{P, P, F, F, F, S}
	mem := arrowtest.Allocator(t)
	sb := array.NewStringBuilder(mem)
	defer sb.Release()
	sb.AppendValues(values, valid)
	col := sb.NewArray()
	defer col.Release()
	schema := arrow.NewSchema([]arrow.Field{{Name: "v", Type: col.DataType(), Nullable: true}}, nil)
	batch := array.NewRecordBatch(schema, []arrow.Array{col}, int64(col.Len()))
	defer batch.Release()
	for _, engine := range []string{rules.EngineAuto, rules.EngineInterpreter} {
		p := compile(t, "rules:\n  - name: r\n    expr: parses_time(v, '%Y-%m-%d')\n", schema, rules.WithEngine(engine))
		ran := map[string]string{rules.EngineAuto: rules.EngineVectorized, rules.EngineInterpreter: rules.EngineInterpreter}[engine]
		assert.Equal(t, ran, p.Rules()[0].Engine, engine)
		res, err := p.NewRun().Eval(context.Background(), batch)
		require.NoError(t, err)
		assert.Equal(t, want, res.Outcomes[0], engine)
	}
	p := compile(t, "rules:\n  - name: r\n    expr: parses_time(v, '%D')\n", schema)
	assert.Equal(t, rules.EngineInterpreter, p.Rules()[0].Engine)
	res, err := p.NewRun().Eval(context.Background(), batch)
	require.NoError(t, err)
	assert.Equal(t, rules.Errored, res.Outcomes[0][0])
}
