package quality

import (
	"context"
	"testing"

	"github.com/apache/arrow-go/v18/arrow/memory"
	"github.com/stretchr/testify/require"
	"go.opentelemetry.io/otel/attribute"
	sdkmetric "go.opentelemetry.io/otel/sdk/metric"
	"go.opentelemetry.io/otel/sdk/metric/metricdata"
)

// TestMetricsCheck: one Check over sixOrders records the row totals, the
// per-rule outcomes and one fail decision, with units and only bounded
// attributes (no row values, no emails).
func TestMetricsCheck(t *testing.T) {
	mem := memory.NewCheckedAllocator(memory.NewGoAllocator())
	defer mem.AssertSize(t, 0)
	reader := sdkmetric.NewManualReader()
	mp := sdkmetric.NewMeterProvider(sdkmetric.WithReader(reader))
	g, err := NewGate(compile(t, ordersRules, ordersSchema), WithMeterProvider(mp),
		WithAllocator(mem), WithClock(fixedClock()))
	require.NoError(t, err)
	rdr := readerOf(t, mem, sixOrders, 4)
	rep, err := g.Check(context.Background(), rdr)
	require.NoError(t, err)
	rdr.Release()

	var rm metricdata.ResourceMetrics
	require.NoError(t, reader.Collect(context.Background(), &rm))
	require.Len(t, rm.ScopeMetrics, 1)
	require.Equal(t, MeterName, rm.ScopeMetrics[0].Scope.Name)
	got := map[string]metricdata.Metrics{}
	for _, m := range rm.ScopeMetrics[0].Metrics {
		got[m.Name] = m
	}

	sum := func(name string, want map[string]string) int64 {
		t.Helper()
		m, ok := got[name]
		require.True(t, ok, "metric %s missing", name)
		var n int64
		for _, dp := range m.Data.(metricdata.Sum[int64]).DataPoints {
			match := true
			for k, v := range want {
				if val, ok := dp.Attributes.Value(attribute.Key(k)); !ok || val.AsString() != v {
					match = false
				}
			}
			if match {
				n += dp.Value
			}
		}
		return n
	}
	ds := map[string]string{"dataset": "orders"}
	// amount < 0 on ids 2 and 5, id >= 5 on ids 5 and 6: 3 of 6 quarantined.
	require.Equal(t, int64(6), sum("sluice.rows.read", ds))
	require.Equal(t, int64(6), sum("sluice.rows.checked", ds))
	require.Equal(t, int64(3), sum("sluice.rows.clean", ds))
	require.Equal(t, int64(3), sum("sluice.rows.quarantined", ds))
	require.Equal(t, rep.RowsQuarantined, sum("sluice.rows.quarantined", ds))
	require.Equal(t, int64(2), sum("sluice.rule.outcomes",
		map[string]string{"rule": "amount_non_negative", "severity": "error", "outcome": "failed"}))
	require.Equal(t, int64(3), sum("sluice.rule.outcomes",
		map[string]string{"rule": "amount_non_negative", "outcome": "passed"}))
	require.Equal(t, int64(1), sum("sluice.rule.outcomes",
		map[string]string{"rule": "amount_non_negative", "outcome": "skipped"}))
	require.Equal(t, int64(1), sum("sluice.gate.decisions", map[string]string{"verdict": "fail"}))
	require.Equal(t, int64(0), sum("sluice.gate.decisions", map[string]string{"verdict": "pass"}))

	h := got["sluice.gate.duration"].Data.(metricdata.Histogram[float64])
	require.Len(t, h.DataPoints, 1)
	require.Equal(t, uint64(1), h.DataPoints[0].Count)
	require.InDelta(t, float64(rep.DurationMS)/1000, h.DataPoints[0].Sum, 1e-9)

	units := map[string]string{"sluice.rows.read": "{row}", "sluice.rows.quarantined": "{row}",
		"sluice.rule.outcomes": "{row}", "sluice.gate.decisions": "{decision}", "sluice.gate.duration": "s"}
	for name, unit := range units {
		require.Equal(t, unit, got[name].Unit, name)
	}
	allowed := map[attribute.Key]bool{"dataset": true, "rule": true, "severity": true, "outcome": true, "verdict": true}
	for _, m := range got {
		var sets []attribute.Set
		switch d := m.Data.(type) {
		case metricdata.Sum[int64]:
			for _, dp := range d.DataPoints {
				sets = append(sets, dp.Attributes)
			}
		case metricdata.Histogram[float64]:
			for _, dp := range d.DataPoints {
				sets = append(sets, dp.Attributes)
			}
		}
		for _, s := range sets {
			for _, kv := range s.ToSlice() {
				require.True(t, allowed[kv.Key], "%s: attribute %s", m.Name, kv.Key)
				require.NotContains(t, kv.Value.String(), "@", "%s: a value in an attribute", m.Name)
				require.NotContains(t, kv.Value.String(), "bad")
			}
		}
	}
}

// TestMetricsDefaultOff: without WithMeterProvider the gate records
// nothing and works as before.
func TestMetricsDefaultOff(t *testing.T) {
	g, err := NewGate(compile(t, ordersRules, ordersSchema))
	require.NoError(t, err)
	require.Nil(t, g.cfg.kpi)
	rep, err := g.Check(context.Background(), readerOf(t, memory.DefaultAllocator, sixOrders, 6))
	require.NoError(t, err)
	require.Equal(t, int64(3), rep.RowsQuarantined)
}
