package benchmarks

import (
	"context"
	"math/rand/v2"
	"testing"

	"github.com/apache/arrow-go/v18/arrow"
	"github.com/apache/arrow-go/v18/arrow/array"
	"github.com/apache/arrow-go/v18/arrow/memory"

	"github.com/sluicedata/sluice/rules"
)

// BenchmarkInterpreterRowRule measures rules.Run.Eval, the interpreter path,
// on amount >= 0.0 && status in [...] over 64Ki-row batches.
func BenchmarkInterpreterRowRule(b *testing.B) {
	schema := arrow.NewSchema([]arrow.Field{
		{Name: "amount", Type: arrow.PrimitiveTypes.Float64, Nullable: true},
		{Name: "status", Type: arrow.BinaryTypes.String},
	}, nil)
	rng := rand.New(rand.NewPCG(1, 2))
	statuses := []string{"new", "paid", "shipped", "cancelled", "refunded", "unknown"}
	rb := array.NewRecordBuilder(memory.DefaultAllocator, schema)
	defer rb.Release()
	const rows = 64 * 1024
	for range rows {
		if rng.IntN(100) == 0 {
			rb.Field(0).(*array.Float64Builder).AppendNull()
		} else {
			rb.Field(0).(*array.Float64Builder).Append(rng.Float64()*1000 - 20)
		}
		rb.Field(1).(*array.StringBuilder).Append(statuses[rng.IntN(len(statuses))])
	}
	batch := rb.NewRecordBatch()
	defer batch.Release()

	rs, err := rules.Parse("bench.yaml", []byte(`version: 1
dataset: bench
owner: bench@example.com
rules:
  - name: r
    expr: amount >= 0.0 && status in ['new', 'paid', 'shipped']
`))
	if err != nil {
		b.Fatal(err)
	}
	prog, err := rs.Compile(schema, rules.WithEngine(rules.EngineInterpreter))
	if err != nil {
		b.Fatal(err)
	}
	run := prog.NewRun()
	ctx := context.Background()
	b.ReportAllocs()
	for b.Loop() {
		if _, err := run.Eval(ctx, batch); err != nil {
			b.Fatal(err)
		}
	}
	b.ReportMetric(float64(rows)*float64(b.N)/b.Elapsed().Seconds(), "rows/s")
}
