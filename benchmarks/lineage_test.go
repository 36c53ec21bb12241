package benchmarks

import (
	"context"
	"encoding/json"
	"fmt"
	"io"
	"testing"

	sdktrace "go.opentelemetry.io/otel/sdk/trace"
	"go.opentelemetry.io/otel/sdk/trace/tracetest"

	"github.com/sluicedata/sluice/lineage"
	"github.com/sluicedata/sluice/quality"
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
	src, prog := ordersGateFixture(b, rows, 3, 4)
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
