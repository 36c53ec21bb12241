package benchmarks

import (
	"context"
	"fmt"
	"testing"

	sdkmetric "go.opentelemetry.io/otel/sdk/metric"
	"go.opentelemetry.io/otel/sdk/metric/metricdata"

	"github.com/sluicedata/sluice/quality"
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
	src, prog := ordersGateFixture(b, rows, 5, 6)
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
