package benchmarks

import (
	"context"
	"encoding/json"
	"fmt"
	"io"
	"math/rand/v2"
	"testing"

	"github.com/apache/arrow-go/v18/arrow"
	"github.com/apache/arrow-go/v18/arrow/array"
	"github.com/apache/arrow-go/v18/arrow/memory"
	sdktrace "go.opentelemetry.io/otel/sdk/trace"
	"go.opentelemetry.io/otel/sdk/trace/tracetest"

	"github.com/sluicedata/sluice/connectors/memconnector"
	"github.com/sluicedata/sluice/lineage"
	"github.com/sluicedata/sluice/quality"
	"github.com/sluicedata/sluice/rules"
)

// BenchmarkGateLineage measures a gate run over in-memory rows with lineage
// off and on (OpenTelemetry SDK with an in-memory exporter, events
// serialized and discarded). Lineage costs a fixed amount per run (spans,
// events), not per row: the 64-row case shows that cost in absolute terms,
// the 1Mi-row case its share of a real run. `go run ./cmd/rulebench -case
// lineage` does the same at 10M rows.
func BenchmarkGateLineage(b *testing.B) {
	for _, rows := range []int{64, 1 << 20} {
		b.Run(fmt.Sprintf("rows=%d", rows), func(b *testing.B) { benchGateLineage(b, rows) })
	}
}

func benchGateLineage(b *testing.B, rows int) {
	ctx := context.Background()
	schema := arrow.NewSchema([]arrow.Field{
		{Name: "order_id", Type: arrow.PrimitiveTypes.Int64},
		{Name: "amount", Type: arrow.PrimitiveTypes.Float64, Nullable: true},
		{Name: "status", Type: arrow.BinaryTypes.String},
	}, nil)
	store := memconnector.NewStore()
	defer store.Clear()
	w, err := store.Sink("orders").Create(ctx, schema)
	if err != nil {
		b.Fatal(err)
	}
	rng := rand.New(rand.NewPCG(3, 4))
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
	src := store.Source("orders")
	spans := tracetest.NewInMemoryExporter()
	tp := sdktrace.NewTracerProvider(sdktrace.WithSyncer(spans))
	defer func() { _ = tp.Shutdown(ctx) }()
	discard := lineage.EmitterFunc(func(_ context.Context, ev lineage.RunEvent) error {
		return json.NewEncoder(io.Discard).Encode(ev)
	})

	for _, on := range []bool{false, true} {
		name := "off"
		if on {
			name = "on"
		}
		b.Run(name, func(b *testing.B) {
			b.ReportAllocs()
			for b.Loop() {
				ctx := ctx
				var run *lineage.Run
				opts := []quality.Option{}
				if on {
					spans.Reset()
					ctx, run = lineage.Start(ctx, lineage.Job{Namespace: "bench", Name: "orders.check"},
						lineage.WithTracerProvider(tp), lineage.WithEmitter(discard))
					opts = append(opts, quality.WithLineage(run))
				}
				gate, err := quality.NewGate(prog, opts...)
				if err != nil {
					b.Fatal(err)
				}
				rep, err := gate.Run(ctx, src)
				if err != nil {
					b.Fatal(err)
				}
				if rep.RowsIn != int64(rows) {
					b.Fatalf("read %d rows, want %d", rep.RowsIn, rows)
				}
				if run != nil {
					if err := run.End(ctx, nil); err != nil {
						b.Fatal(err)
					}
					if rep.Lineage == nil || len(spans.GetSpans()) == 0 {
						b.Fatalf("lineage recorded nothing: %v, %d spans", rep.Lineage, len(spans.GetSpans()))
					}
				}
			}
			b.ReportMetric(float64(rows)*float64(b.N)/b.Elapsed().Seconds(), "rows/s")
		})
	}
}
