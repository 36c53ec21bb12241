package lineage_test

import (
	"context"
	"testing"

	sdktrace "go.opentelemetry.io/otel/sdk/trace"
	"go.opentelemetry.io/otel/sdk/trace/tracetest"

	"github.com/sluicedata/sluice/lineage"
)

// BenchmarkSpans measures the cost lineage adds per Read, Check and Write:
// span start/end with attributes, plus the event bookkeeping.
func BenchmarkSpans(b *testing.B) {
	schema := ordersSchema()
	assertions := manyAssertions(10)
	metrics := &lineage.Metrics{RowCount: lineage.Ptr[int64](1000)}
	providers := []struct {
		name string
		opts func() []lineage.Option
	}{
		{"noop", func() []lineage.Option { return nil }},
		{"sdk", func() []lineage.Option {
			tp := sdktrace.NewTracerProvider(sdktrace.WithSpanProcessor(sdktrace.NewSimpleSpanProcessor(tracetest.NewNoopExporter())))
			b.Cleanup(func() { _ = tp.Shutdown(context.Background()) })
			return []lineage.Option{lineage.WithTracerProvider(tp)}
		}},
	}
	for _, p := range providers {
		b.Run(p.name+"/read", func(b *testing.B) {
			ctx, run := lineage.Start(context.Background(), testJob, p.opts()...)
			b.ReportAllocs()
			for b.Loop() {
				_, rd := run.Read(ctx, ordersIn, lineage.IOInfo{Path: ordersIn.Name})
				rd.End(1000, 1<<20, schema, nil)
			}
			_ = run.End(ctx, nil)
		})
		b.Run(p.name+"/check10", func(b *testing.B) {
			ctx, run := lineage.Start(context.Background(), testJob, p.opts()...)
			b.ReportAllocs()
			for b.Loop() {
				_, c := run.Check(ctx, "orders", ordersIn)
				c.End(assertions, metrics, nil)
			}
			_ = run.End(ctx, nil)
		})
		b.Run(p.name+"/write", func(b *testing.B) {
			ctx, run := lineage.Start(context.Background(), testJob, p.opts()...)
			b.ReportAllocs()
			for b.Loop() {
				_, wr := run.Write(ctx, ordersOut, lineage.IOInfo{})
				_ = wr.ProducerMetadata()
				wr.End(1000, 1<<20, schema, nil)
			}
			_ = run.End(ctx, nil)
		})
	}
	b.Run("events/start+complete", func(b *testing.B) {
		discard := lineage.EmitterFunc(func(context.Context, lineage.RunEvent) error { return nil })
		b.ReportAllocs()
		for b.Loop() {
			ctx, run := lineage.Start(context.Background(), testJob, lineage.WithEmitter(discard))
			_, rd := run.Read(ctx, ordersIn, lineage.IOInfo{})
			rd.End(1000, 1<<20, schema, nil)
			_, c := run.Check(ctx, "orders", ordersIn)
			c.End(assertions, metrics, nil)
			_, wr := run.Write(ctx, ordersOut, lineage.IOInfo{})
			wr.End(1000, 1<<20, schema, nil)
			_ = run.End(ctx, nil)
		}
	})
}
