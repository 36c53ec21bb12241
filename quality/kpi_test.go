package quality

import (
	"context"
	"os"
	"path/filepath"
	"testing"

	"github.com/apache/arrow-go/v18/arrow/memory"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
	"go.opentelemetry.io/otel/attribute"
	sdkmetric "go.opentelemetry.io/otel/sdk/metric"
	"go.opentelemetry.io/otel/sdk/metric/metricdata"

	"github.com/sluicedata/sluice/connectors/memconnector"
	"github.com/sluicedata/sluice/connectors/parquetconnector"
	"github.com/sluicedata/sluice/internal/arrowtest"
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

	// Check times its scan (with the read inside it) and finish; no open,
	// write or commit without a source or sinks.
	stages := map[string]uint64{}
	for _, dp := range got["sluice.gate.stage.duration"].Data.(metricdata.Histogram[float64]).DataPoints {
		st, _ := dp.Attributes.Value("stage")
		stages[st.AsString()] = dp.Count
	}
	require.Equal(t, map[string]uint64{"scan": 1, "read": 1, "finish": 1}, stages)
	_, bytesRead := got["sluice.io.read.bytes"]
	require.False(t, bytesRead, "a reader is not a file")

	units := map[string]string{"sluice.rows.read": "{row}", "sluice.rows.quarantined": "{row}",
		"sluice.rule.outcomes": "{row}", "sluice.gate.decisions": "{decision}", "sluice.gate.duration": "s"}
	for name, unit := range units {
		require.Equal(t, unit, got[name].Unit, name)
	}
	allowed := map[attribute.Key]bool{"dataset": true, "rule": true, "severity": true, "outcome": true, "verdict": true,
		"stage": true, "output": true}
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

// collectKPIs returns the gate metrics collected from reader by name.
func collectKPIs(t *testing.T, reader *sdkmetric.ManualReader) map[string]metricdata.Metrics {
	t.Helper()
	var rm metricdata.ResourceMetrics
	require.NoError(t, reader.Collect(context.Background(), &rm))
	got := map[string]metricdata.Metrics{}
	for _, sm := range rm.ScopeMetrics {
		for _, m := range sm.Metrics {
			got[m.Name] = m
		}
	}
	return got
}

// TestMetricsRunStagesAndBytes: a Run writing Parquet files records one
// duration per stage and the committed files' sizes by output; a second Run
// reading one of those files records its size as bytes read. A source that
// is not a file records no bytes read.
func TestMetricsRunStagesAndBytes(t *testing.T) {
	mem := arrowtest.Allocator(t)
	store := memconnector.NewStore()
	t.Cleanup(store.Clear)
	storeOrders(t, mem, store)
	dir := t.TempDir()
	cleanPath, quarPath := filepath.Join(dir, "clean.parquet"), filepath.Join(dir, "quarantine.parquet")
	sink, err := parquetconnector.NewSink(cleanPath)
	require.NoError(t, err)
	quar, err := parquetconnector.NewSink(quarPath)
	require.NoError(t, err)

	reader := sdkmetric.NewManualReader()
	mp := sdkmetric.NewMeterProvider(sdkmetric.WithReader(reader))
	g, err := NewGate(compile(t, ordersRules, ordersSchema), WithMeterProvider(mp), WithAllocator(mem),
		WithMode(ModeFilter), WithSink(sink), WithQuarantine(quar))
	require.NoError(t, err)
	rep, err := g.Run(context.Background(), store.Source("orders"))
	require.NoError(t, err)
	require.Equal(t, StatusFail, rep.Status)

	got := collectKPIs(t, reader)
	stages := map[string]metricdata.HistogramDataPoint[float64]{}
	for _, dp := range got["sluice.gate.stage.duration"].Data.(metricdata.Histogram[float64]).DataPoints {
		st, _ := dp.Attributes.Value("stage")
		ds, _ := dp.Attributes.Value("dataset")
		assert.Equal(t, "orders", ds.AsString())
		assert.Equal(t, 2, dp.Attributes.Len())
		stages[st.AsString()] = dp
	}
	for _, name := range []string{"open", "scan", "read", "write", "finish", "commit"} {
		dp, ok := stages[name]
		if assert.True(t, ok, "stage %s", name) {
			assert.Equal(t, uint64(1), dp.Count, name)
			assert.GreaterOrEqual(t, dp.Sum, 0.0, name)
		}
	}
	assert.Len(t, stages, 6)
	assert.Equal(t, "s", got["sluice.gate.stage.duration"].Unit)

	// The gate failed: the quarantine is committed, the clean file aborted.
	fi, err := os.Stat(quarPath)
	require.NoError(t, err)
	written := got["sluice.io.written.bytes"]
	assert.Equal(t, "By", written.Unit)
	wdps := written.Data.(metricdata.Sum[int64]).DataPoints
	require.Len(t, wdps, 1)
	out, _ := wdps[0].Attributes.Value("output")
	assert.Equal(t, "quarantine", out.AsString())
	assert.Equal(t, fi.Size(), wdps[0].Value)
	_, readBytes := got["sluice.io.read.bytes"]
	assert.False(t, readBytes, "a memory source has no file size")

	// Read the quarantine file back: its size is the bytes read.
	src, err := parquetconnector.NewSource(quarPath)
	require.NoError(t, err)
	const anyRows = `version: 1
dataset: quarantined
owner: payments@example.com
rules:
  - name: id_positive
    expr: order_id > 0
`
	schema, err := src.Schema(context.Background())
	require.NoError(t, err)
	reader2 := sdkmetric.NewManualReader()
	g2, err := NewGate(compile(t, anyRows, schema), WithAllocator(mem),
		WithMeterProvider(sdkmetric.NewMeterProvider(sdkmetric.WithReader(reader2))))
	require.NoError(t, err)
	_, err = g2.Run(context.Background(), src)
	require.NoError(t, err)
	got2 := collectKPIs(t, reader2)
	rdps := got2["sluice.io.read.bytes"].Data.(metricdata.Sum[int64]).DataPoints
	require.Len(t, rdps, 1)
	assert.Equal(t, fi.Size(), rdps[0].Value)
	ds, _ := rdps[0].Attributes.Value("dataset")
	assert.Equal(t, "quarantined", ds.AsString())
	_, wrote := got2["sluice.io.written.bytes"]
	assert.False(t, wrote)
}

// TestMetricsFilterStages: Filter times its scan, read, finish and commit
// stages (no sink of its own: no write time without a quarantine).
func TestMetricsFilterStages(t *testing.T) {
	mem := arrowtest.Allocator(t)
	reader := sdkmetric.NewManualReader()
	g, err := NewGate(compile(t, ordersRules, ordersSchema), WithAllocator(mem), WithMode(ModeFilter),
		WithMeterProvider(sdkmetric.NewMeterProvider(sdkmetric.WithReader(reader))))
	require.NoError(t, err)
	in := readerOf(t, mem, sixOrders, 2)
	clean, report := g.Filter(context.Background(), in)
	in.Release()
	var rows int64
	for clean.Next() {
		rows += clean.RecordBatch().NumRows()
	}
	clean.Release()
	rep, err := report()
	require.NoError(t, err)
	assert.Equal(t, rep.RowsClean, rows)
	got := collectKPIs(t, reader)
	seen := map[string]uint64{}
	for _, dp := range got["sluice.gate.stage.duration"].Data.(metricdata.Histogram[float64]).DataPoints {
		st, _ := dp.Attributes.Value("stage")
		seen[st.AsString()] = dp.Count
	}
	assert.Equal(t, map[string]uint64{"scan": 1, "read": 1, "finish": 1, "commit": 1}, seen)
}
