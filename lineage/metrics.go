package lineage

import (
	"context"

	"go.opentelemetry.io/otel/attribute"
	"go.opentelemetry.io/otel/metric"
)

// MeterName is the instrumentation scope of the lineage metrics.
const MeterName = "github.com/sluicedata/sluice/lineage"

// WithMeterProvider records the run's lineage KPIs with mp (default: none):
// sluice.lineage.emit.failures ({event}, counter by job and event=START|
// COMPLETE|FAIL), one per OpenLineage event that could not be built or
// sent. Spans are not counted: their export is the TracerProvider's.
func WithMeterProvider(mp metric.MeterProvider) Option {
	return func(c *config) {
		if mp == nil {
			c.emitFailures = nil
			return
		}
		// The name and unit are constants, so the API cannot reject them;
		// on a provider error it still returns a usable no-op instrument.
		c.emitFailures, _ = mp.Meter(MeterName).Int64Counter("sluice.lineage.emit.failures",
			metric.WithUnit("{event}"),
			metric.WithDescription("OpenLineage events that could not be built or sent, by job and event type."))
	}
}

// countEmitFailure counts one failed event of r.
func (r *Run) countEmitFailure(ctx context.Context, eventType string) {
	if r.cfg.emitFailures == nil {
		return
	}
	r.cfg.emitFailures.Add(ctx, 1, metric.WithAttributeSet(attribute.NewSet(
		attribute.String("job", r.job.Namespace+"/"+r.job.Name),
		attribute.String("event", eventType))))
}
