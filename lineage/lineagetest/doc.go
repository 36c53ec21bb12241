// Package lineagetest helps users test code instrumented with package
// lineage: a Recorder is a TracerProvider (from the OpenTelemetry SDK) that
// keeps every ended span in memory with finders by name and attribute, and
// an Emitter keeps OpenLineage events in memory.
//
//	rec := lineagetest.NewRecorder(t)
//	events := &lineagetest.Emitter{}
//	ctx, run := lineage.Start(ctx, job, lineage.WithTracerProvider(rec.TracerProvider()), lineage.WithEmitter(events))
//	…
//	span := rec.Span(t, "read file:///data/orders.parquet")
//	rows, _ := lineagetest.Attr(span, lineage.AttrRows)
package lineagetest
