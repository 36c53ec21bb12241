package benchmarks

import (
	"context"
	"math/rand/v2"
	"testing"

	"github.com/apache/arrow-go/v18/arrow"
	"github.com/apache/arrow-go/v18/arrow/array"
	"github.com/apache/arrow-go/v18/arrow/memory"

	"github.com/sluicedata/sluice/connectors/memconnector"
	"github.com/sluicedata/sluice/rules"
)

// ordersGateFixture stores rows generated orders (order_id, amount with 1%
// nulls, status) in memory and compiles the five-rule orders set the gate
// benchmarks run on them; seed1 and seed2 seed the generator.
func ordersGateFixture(b *testing.B, rows int, seed1, seed2 uint64) (*memconnector.Source, *rules.Program) {
	b.Helper()
	ctx := context.Background()
	schema := arrow.NewSchema([]arrow.Field{
		{Name: "order_id", Type: arrow.PrimitiveTypes.Int64},
		{Name: "amount", Type: arrow.PrimitiveTypes.Float64, Nullable: true},
		{Name: "status", Type: arrow.BinaryTypes.String},
	}, nil)
	store := memconnector.NewStore()
	b.Cleanup(store.Clear)
	w, err := store.Sink("orders").Create(ctx, schema)
	if err != nil {
		b.Fatal(err)
	}
	rng := rand.New(rand.NewPCG(seed1, seed2))
	statuses := []string{"new", "paid", "shipped", "cancelled", "refunded", "unknown"}
	for done := 0; done < rows; done += 64 * 1024 {
		rb := array.NewRecordBuilder(memory.DefaultAllocator, schema)
		for i := range min(64*1024, rows-done) {
			rb.Field(0).(*array.Int64Builder).Append(int64(done + i + 1))
			if rng.IntN(100) == 0 {
				rb.Field(1).(*array.Float64Builder).AppendNull()
			} else {
				rb.Field(1).(*array.Float64Builder).Append(rng.Float64()*1000 - 20)
			}
			rb.Field(2).(*array.StringBuilder).Append(statuses[rng.IntN(len(statuses))])
		}
		batch := rb.NewRecordBatch()
		rb.Release()
		err := w.Write(batch)
		batch.Release()
		if err != nil {
			b.Fatal(err)
		}
	}
	if err := w.Commit(ctx); err != nil {
		b.Fatal(err)
	}
	rs, err := rules.Parse("bench.yaml", []byte(`version: 1
dataset: orders
owner: bench@example.com
rules:
  - name: amount_non_negative
    expr: amount >= 0.0
    mostly: 0.95
  - name: status_known
    expr: status in ['new', 'paid', 'shipped', 'cancelled', 'refunded', 'unknown']
  - name: positive_ids
    expr: order_id > 0
  - name: has_rows
    check: row_count() > 0
  - name: amount_mostly_present
    check: completeness(amount) >= 0.95
`))
	if err != nil {
		b.Fatal(err)
	}
	prog, err := rs.Compile(schema)
	if err != nil {
		b.Fatal(err)
	}
	return store.Source("orders"), prog
}
