package benchmarks

import (
	"context"
	"fmt"
	"math/rand/v2"
	"testing"

	"github.com/apache/arrow-go/v18/arrow"
	"github.com/apache/arrow-go/v18/arrow/array"
	"github.com/apache/arrow-go/v18/arrow/memory"
	sdkmetric "go.opentelemetry.io/otel/sdk/metric"
	"go.opentelemetry.io/otel/sdk/metric/metricdata"

	"github.com/sluicedata/sluice/connectors/memconnector"
	"github.com/sluicedata/sluice/quality"
	"github.com/sluicedata/sluice/rules"
)

// BenchmarkGateMetrics measures a gate run over in-memory rows with the
// KPIs off and on (quality.WithMeterProvider: OpenTelemetry SDK, a manual
// reader collected after every run). Metrics are recorded once per run and
// timed once per batch, never per row: the 64-row case shows the fixed cost
// in absolute terms, the 10M-row case its share of a real run. `go run
// ./cmd/rulebench -case metrics -rows 10000000` alternates off and on and
// prints medians and the on/off ratio.
func BenchmarkGateMetrics(b *testing.B) {
	for _, rows := range []int{64, 10_000_000} {
		b.Run(fmt.Sprintf("rows=%d", rows), func(b *testing.B) { benchGateMetrics(b, rows) })
	}
}

func benchGateMetrics(b *testing.B, rows int) {
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
	rng := rand.New(rand.NewPCG(5, 6))
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
	reader := sdkmetric.NewManualReader()
	mp := sdkmetric.NewMeterProvider(sdkmetric.WithReader(reader))
	defer func() { _ = mp.Shutdown(ctx) }()

	for _, on := range []bool{false, true} {
		name := "off"
		if on {
			name = "on"
		}
		b.Run(name, func(b *testing.B) {
			b.ReportAllocs()
			for b.Loop() {
				var opts []quality.Option
				if on {
					opts = append(opts, quality.WithMeterProvider(mp))
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
				if on {
					var rm metricdata.ResourceMetrics
					if err := reader.Collect(ctx, &rm); err != nil {
						b.Fatal(err)
					}
					if len(rm.ScopeMetrics) == 0 {
						b.Fatal("metrics on recorded nothing")
					}
				}
			}
			b.ReportMetric(float64(rows)*float64(b.N)/b.Elapsed().Seconds(), "rows/s")
		})
	}
}
