package quality

import (
	"context"

	"go.opentelemetry.io/otel/attribute"
	"go.opentelemetry.io/otel/metric"
)

// MeterName is the instrumentation scope of the gate's metrics.
const MeterName = "github.com/sluicedata/sluice/quality"

// WithMeterProvider sets the OpenTelemetry MeterProvider the gate records
// its KPIs with (default: none recorded). Measurements are taken once per
// run, never per row, and carry only bounded attributes: dataset (the rule
// file's logical name), rule, severity, outcome and verdict; never values.
//
// Instruments: sluice.rows.read, sluice.rows.checked, sluice.rows.clean,
// sluice.rows.quarantined ({row}, counters), sluice.rule.outcomes ({row},
// counter by rule, severity, outcome=passed|failed|skipped),
// sluice.gate.decisions ({decision}, counter by dataset, verdict) and
// sluice.gate.duration (s, histogram by dataset, verdict).
func WithMeterProvider(mp metric.MeterProvider) Option {
	return func(c *config) {
		if mp == nil {
			c.kpi = nil
			return
		}
		c.kpi = newKPIs(mp.Meter(MeterName))
	}
}

type kpis struct {
	rowsRead, rowsChecked, rowsClean, rowsQuarantined metric.Int64Counter
	ruleOutcomes, decisions                           metric.Int64Counter
	gateDuration                                      metric.Float64Histogram
}

// newKPIs creates the instruments. The names and units are constants, so
// the API cannot reject them; on a provider error the API still returns a
// usable no-op instrument, which is what is kept.
func newKPIs(m metric.Meter) *kpis {
	k := &kpis{}
	k.rowsRead, _ = m.Int64Counter("sluice.rows.read", metric.WithUnit("{row}"),
		metric.WithDescription("Rows read by the quality gate."))
	k.rowsChecked, _ = m.Int64Counter("sluice.rows.checked", metric.WithUnit("{row}"),
		metric.WithDescription("Rows evaluated against the row rules."))
	k.rowsClean, _ = m.Int64Counter("sluice.rows.clean", metric.WithUnit("{row}"),
		metric.WithDescription("Rows passing every error-severity row rule."))
	k.rowsQuarantined, _ = m.Int64Counter("sluice.rows.quarantined", metric.WithUnit("{row}"),
		metric.WithDescription("Rows failing at least one error-severity row rule."))
	k.ruleOutcomes, _ = m.Int64Counter("sluice.rule.outcomes", metric.WithUnit("{row}"),
		metric.WithDescription("Rule evaluations by rule, severity and outcome."))
	k.decisions, _ = m.Int64Counter("sluice.gate.decisions", metric.WithUnit("{decision}"),
		metric.WithDescription("Gate decisions by dataset and verdict."))
	k.gateDuration, _ = m.Float64Histogram("sluice.gate.duration", metric.WithUnit("s"),
		metric.WithDescription("Duration of a gate run, from start to decision."))
	return k
}

// record adds the run's totals; called once per decided run.
func (k *kpis) record(ctx context.Context, rep *Report) {
	if k == nil || rep == nil {
		return
	}
	ds := attribute.String("dataset", rep.Dataset)
	set := metric.WithAttributeSet(attribute.NewSet(ds))
	k.rowsRead.Add(ctx, rep.RowsIn, set)
	k.rowsChecked.Add(ctx, rep.RowsClean+rep.RowsQuarantined, set)
	k.rowsClean.Add(ctx, rep.RowsClean, set)
	k.rowsQuarantined.Add(ctx, rep.RowsQuarantined, set)
	for _, r := range rep.Rules {
		for _, o := range []struct {
			outcome string
			n       int64
		}{{"passed", r.Passed}, {"failed", r.Failed}, {"skipped", r.Skipped}} {
			if o.n == 0 {
				continue
			}
			k.ruleOutcomes.Add(ctx, o.n, metric.WithAttributeSet(attribute.NewSet(ds,
				attribute.String("rule", r.Name),
				attribute.String("severity", string(r.Severity)),
				attribute.String("outcome", o.outcome))))
		}
	}
	verdict := metric.WithAttributeSet(attribute.NewSet(ds, attribute.String("verdict", string(rep.Status))))
	k.decisions.Add(ctx, 1, verdict)
	k.gateDuration.Record(ctx, float64(rep.DurationMS)/1000, verdict)
}
