package engine_test

import (
	"context"
	"math/rand/v2"
	"testing"

	"github.com/apache/arrow-go/v18/arrow"
	"github.com/apache/arrow-go/v18/arrow/array"
	"github.com/apache/arrow-go/v18/arrow/memory"
	"github.com/stretchr/testify/require"

	"github.com/sluicedata/sluice/rules"
)

// benchBatch builds 64Ki rows of amount (float64, 1% null) and status,
// plain or dictionary-encoded.
func benchBatch(b *testing.B, mem memory.Allocator, dict bool) arrow.RecordBatch {
	b.Helper()
	const n = 64 * 1024
	statuses := []string{"new", "paid", "shipped", "cancelled", "refunded", "unknown"}
	rng := rand.New(rand.NewPCG(1, 2))
	am := array.NewFloat64Builder(mem)
	defer am.Release()
	st := array.NewStringBuilder(mem)
	defer st.Release()
	ix := array.NewInt32Builder(mem)
	defer ix.Release()
	for range n {
		if rng.IntN(100) == 0 {
			am.AppendNull()
		} else {
			am.Append(rng.Float64()*1000 - 20)
		}
		k := rng.IntN(len(statuses))
		st.Append(statuses[k])
		ix.Append(int32(k))
	}
	amounts := am.NewArray()
	defer amounts.Release()
	var status arrow.Array
	if dict {
		st.AppendValues(statuses, nil) // discarded rows: reuse the builder for the dictionary
		all := st.NewArray()
		defer all.Release()
		values := array.NewSlice(all, n, int64(n+len(statuses)))
		defer values.Release()
		idx := ix.NewArray()
		defer idx.Release()
		status = array.NewDictionaryArray(&arrow.DictionaryType{IndexType: arrow.PrimitiveTypes.Int32, ValueType: arrow.BinaryTypes.String}, idx, values)
	} else {
		status = st.NewArray()
	}
	defer status.Release()
	schema := arrow.NewSchema([]arrow.Field{
		{Name: "amount", Type: arrow.PrimitiveTypes.Float64, Nullable: true},
		{Name: "status", Type: status.DataType()},
	}, nil)
	return array.NewRecordBatch(schema, []arrow.Array{amounts, status}, n)
}

func BenchmarkEval(b *testing.B) {
	rs := &rules.RuleSet{Version: 1, Dataset: "bench", Rules: []rules.Rule{
		{Name: "r", Expr: "amount >= 0.0 && status in ['new', 'paid', 'shipped']", Nulls: rules.NullsSkip},
	}}
	for _, dict := range []bool{false, true} {
		for _, eng := range []string{rules.EngineAuto, rules.EngineInterpreter} {
			name := "plain/" + eng
			if dict {
				name = "dict/" + eng
			}
			b.Run(name, func(b *testing.B) {
				batch := benchBatch(b, memory.DefaultAllocator, dict)
				defer batch.Release()
				p, err := rs.Compile(batch.Schema(), rules.WithEngine(eng))
				require.NoError(b, err)
				run := p.NewRun()
				for b.Loop() {
					if _, err := run.Eval(context.Background(), batch); err != nil {
						b.Fatal(err)
					}
				}
				b.ReportMetric(float64(batch.NumRows())*float64(b.N)/b.Elapsed().Seconds(), "rows/s")
			})
		}
	}
}
