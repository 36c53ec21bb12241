package lineage_test

import (
	"context"
	"errors"
	"fmt"
	"sort"

	"github.com/apache/arrow-go/v18/arrow"
	sdktrace "go.opentelemetry.io/otel/sdk/trace"
	"go.opentelemetry.io/otel/sdk/trace/tracetest"

	"github.com/sluicedata/sluice/lineage"
)

// A gated copy from a Parquet file to a database table, traced with the
// OpenTelemetry SDK and reported as OpenLineage events.
func Example() {
	ctx := context.Background()
	spans := tracetest.NewSpanRecorder()
	tp := sdktrace.NewTracerProvider(sdktrace.WithSpanProcessor(spans))
	defer func() { _ = tp.Shutdown(ctx) }()

	events := lineage.EmitterFunc(func(_ context.Context, ev lineage.RunEvent) error {
		fmt.Printf("event %s: %d inputs, %d outputs\n", ev.EventType, len(ev.Inputs), len(ev.Outputs))
		return nil
	})
	// lineage.NewFileEmitter("lineage.ndjson") or lineage.NewHTTPEmitter("http://marquez:5000")
	// in a real program.

	ctx, run := lineage.Start(ctx, lineage.Job{Namespace: "shop", Name: "orders.load"},
		lineage.WithTracerProvider(tp), lineage.WithEmitter(events), lineage.WithOwner("payments-data@example.com"))

	src := lineage.Dataset{Namespace: lineage.FileNamespace, Name: "/data/orders.parquet"}
	dst := lineage.Dataset{Namespace: "postgres://db:5432", Name: "shop.public.orders"}
	schema := arrow.NewSchema([]arrow.Field{
		{Name: "order_id", Type: arrow.PrimitiveTypes.Int64},
		{Name: "amount", Type: arrow.PrimitiveTypes.Float64},
	}, nil)

	// The source connector: a span per read, with the producer link when the
	// file carries producer metadata.
	_, rd := run.Read(ctx, src, lineage.IOInfo{Path: src.Name})
	rd.End(1000, 52_000, schema, nil)

	// The gate: assertions and metrics from the quality report.
	_, chk := run.Check(ctx, "orders", src)
	chk.End([]lineage.Assertion{
		{Name: "amount_non_negative", Type: "row", Column: "amount", Success: true, Severity: "error", Content: "amount >= 0.0", ContentType: "cel"},
	}, &lineage.Metrics{RowCount: lineage.Ptr[int64](1000)}, nil)

	// Column lineage: copied columns and the filter that decided which rows passed.
	for _, c := range []string{"order_id", "amount"} {
		run.Derive(lineage.Field{Dataset: dst, Name: c}, []lineage.Field{{Dataset: src, Name: c}}, lineage.Identity())
	}
	run.DeriveDataset(dst, []lineage.Field{{Dataset: src, Name: "amount"}}, lineage.Filter("amount_non_negative"))

	// The sink: store the producer metadata with the data, then end the write.
	wctx, wr := run.Write(ctx, dst, lineage.IOInfo{})
	md, _ := lineage.ProducerMetadataFromContext(wctx)
	keys := make([]string, 0, len(md))
	for k := range md {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	fmt.Println("metadata keys:", keys)
	wr.End(1000, -1, schema, nil)

	var gateErr error // the gate's verdict: nil → COMPLETE, an error → FAIL
	if err := run.End(ctx, gateErr); err != nil {
		fmt.Println("lineage bookkeeping:", err)
	}
	for _, s := range spans.Ended() {
		fmt.Println("span", s.Name())
	}
	// Output:
	// event START: 0 inputs, 0 outputs
	// metadata keys: [sluice.lineage.job_name sluice.lineage.job_namespace sluice.lineage.run_id sluice.lineage.traceparent]
	// event COMPLETE: 1 inputs, 1 outputs
	// span read file:///data/orders.parquet
	// span check orders
	// span write postgres://db:5432/shop.public.orders
	// span run orders.load
}

// A reader in another process links its read span to the write that
// produced the dataset, from the metadata stored with the data.
func ExampleLinkFromMetadata() {
	ds := lineage.Dataset{Namespace: lineage.FileNamespace, Name: "/data/orders.parquet"}
	stored := map[string]string{ // e.g. Parquet key-value metadata
		lineage.MetaRunID:        "01890a5d-ac96-774b-bcce-b302099a8057",
		lineage.MetaJobNamespace: "shop",
		lineage.MetaJobName:      "orders.export",
		lineage.MetaTraceparent:  "00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01",
	}
	link, ok := lineage.LinkFromMetadata(stored, ds)
	if !ok {
		fmt.Println(errors.New("no producer recorded"))
		return
	}
	fmt.Println(link.SpanContext.TraceID(), link.SpanContext.SpanID())
	for _, kv := range link.Attributes {
		fmt.Println(kv.Key, "=", kv.Value.String())
	}
	// Output:
	// 4bf92f3577b34da6a3ce929d0e0e4736 00f067aa0ba902b7
	// openlineage.dataset.namespace = file
	// openlineage.dataset.name = /data/orders.parquet
	// sluice.producer.run.id = 01890a5d-ac96-774b-bcce-b302099a8057
	// sluice.producer.job.namespace = shop
	// sluice.producer.job.name = orders.export
}
