package quality_test

import (
	"context"
	"fmt"

	"github.com/apache/arrow-go/v18/arrow"
	"github.com/apache/arrow-go/v18/arrow/array"
	"github.com/apache/arrow-go/v18/arrow/memory"
	sdkmetric "go.opentelemetry.io/otel/sdk/metric"
	"go.opentelemetry.io/otel/sdk/metric/metricdata"

	"github.com/sluicedata/sluice/quality"
	"github.com/sluicedata/sluice/rules"
)

// A gate recording its KPIs with an OpenTelemetry MeterProvider: one
// measurement per run, never per row.
func ExampleWithMeterProvider() {
	ctx := context.Background()
	reader := sdkmetric.NewManualReader()
	mp := sdkmetric.NewMeterProvider(sdkmetric.WithReader(reader))
	defer func() { _ = mp.Shutdown(ctx) }()

	rs, err := rules.Parse("orders.yaml", []byte("version: 1\ndataset: orders\nowner: data@example.com\n"+
		"rules:\n  - name: amount_non_negative\n    expr: amount >= 0.0\n"))
	if err != nil {
		fmt.Println(err)
		return
	}
	schema := arrow.NewSchema([]arrow.Field{{Name: "amount", Type: arrow.PrimitiveTypes.Float64}}, nil)
	prog, err := rs.Compile(schema)
	if err != nil {
		fmt.Println(err)
		return
	}
	g, err := quality.NewGate(prog, quality.WithMeterProvider(mp))
	if err != nil {
		fmt.Println(err)
		return
	}
	b := array.NewRecordBuilder(memory.DefaultAllocator, schema)
	defer b.Release()
	b.Field(0).(*array.Float64Builder).AppendValues([]float64{10, -5, 3}, nil)
	batch := b.NewRecordBatch()
	defer batch.Release()
	rdr, err := array.NewRecordReader(schema, []arrow.RecordBatch{batch})
	if err != nil {
		fmt.Println(err)
		return
	}
	defer rdr.Release()
	if _, err := g.Check(ctx, rdr); err != nil {
		fmt.Println(err)
		return
	}

	var rm metricdata.ResourceMetrics
	if err := reader.Collect(ctx, &rm); err != nil {
		fmt.Println(err)
		return
	}
	for _, m := range rm.ScopeMetrics[0].Metrics {
		if s, ok := m.Data.(metricdata.Sum[int64]); ok && m.Name == "sluice.rows.quarantined" {
			fmt.Println(m.Name, m.Unit, s.DataPoints[0].Value)
		}
	}
	// Output:
	// sluice.rows.quarantined {row} 1
}
