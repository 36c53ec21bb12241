package lineage

import (
	"context"

	"go.opentelemetry.io/otel/propagation"
	"go.opentelemetry.io/otel/trace"
)

// Keys of the producer metadata a writer stores in a dataset's key-value
// metadata (Parquet footer, Arrow schema metadata, a side table for SQL).
const (
	MetaRunID        = "sluice.lineage.run_id"
	MetaJobNamespace = "sluice.lineage.job_namespace"
	MetaJobName      = "sluice.lineage.job_name"
	MetaTraceparent  = "sluice.lineage.traceparent" // W3C traceparent of the producing span
	MetaTracestate   = "sluice.lineage.tracestate"  // W3C tracestate, when not empty
)

// ProducerMetadata returns the producer metadata of the run's root span. A
// writer inside a Write span should prefer IO.ProducerMetadata or
// ProducerMetadataFromContext, which point at the write span itself.
func ProducerMetadata(r *Run) map[string]string {
	if r == nil {
		return nil
	}
	return producerMetadata(r, r.root.SpanContext())
}

// ProducerMetadataFromContext returns the producer metadata of the span in
// ctx and the Run carried by ctx (as returned by Run.Write), for connectors
// that receive only a context. ok is false when ctx carries no Run.
func ProducerMetadataFromContext(ctx context.Context) (md map[string]string, ok bool) {
	r := FromContext(ctx)
	if r == nil {
		return nil, false
	}
	sc := trace.SpanContextFromContext(ctx)
	if !sc.IsValid() {
		sc = r.root.SpanContext()
	}
	return producerMetadata(r, sc), true
}

func producerMetadata(r *Run, sc trace.SpanContext) map[string]string {
	md := map[string]string{
		MetaRunID:        r.id.String(),
		MetaJobNamespace: r.job.Namespace,
		MetaJobName:      r.job.Name,
	}
	if sc.IsValid() {
		carrier := propagation.MapCarrier{}
		propagation.TraceContext{}.Inject(trace.ContextWithSpanContext(context.Background(), sc), carrier)
		if tp := carrier.Get("traceparent"); tp != "" {
			md[MetaTraceparent] = tp
		}
		if ts := carrier.Get("tracestate"); ts != "" {
			md[MetaTracestate] = ts
		}
	}
	return md
}

// LinkFromMetadata turns producer metadata found in a dataset's key-value
// metadata into a span link to the producing span, with the dataset identity
// and the producer's run and job as link attributes. ok is false when md
// holds no valid W3C traceparent. Other keys of md are ignored.
func LinkFromMetadata(md map[string]string, ds Dataset) (link trace.Link, ok bool) {
	tp := md[MetaTraceparent]
	if tp == "" {
		return trace.Link{}, false
	}
	carrier := propagation.MapCarrier{"traceparent": tp}
	if ts := md[MetaTracestate]; ts != "" {
		carrier["tracestate"] = ts
	}
	sc := trace.SpanContextFromContext(propagation.TraceContext{}.Extract(context.Background(), carrier))
	if !sc.IsValid() {
		return trace.Link{}, false
	}
	link = trace.Link{SpanContext: sc}
	link.Attributes = append(link.Attributes,
		AttrDatasetNamespace.String(ds.Namespace),
		AttrDatasetName.String(ds.Name),
	)
	if v := md[MetaRunID]; v != "" {
		link.Attributes = append(link.Attributes, AttrProducerRunID.String(v))
	}
	if v := md[MetaJobNamespace]; v != "" {
		link.Attributes = append(link.Attributes, AttrProducerJobNamespace.String(v))
	}
	if v := md[MetaJobName]; v != "" {
		link.Attributes = append(link.Attributes, AttrProducerJobName.String(v))
	}
	return link, true
}
