package lineage_test

import (
	"context"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
	"go.opentelemetry.io/otel/attribute"
	sdkmetric "go.opentelemetry.io/otel/sdk/metric"
	"go.opentelemetry.io/otel/sdk/metric/metricdata"

	"github.com/sluicedata/sluice/lineage"
	"github.com/sluicedata/sluice/lineage/lineagetest"
)

// TestMetricsEmitFailures: an emitter that fails counts one failure per
// event (START and COMPLETE) by job and event type; one that works counts
// none.
func TestMetricsEmitFailures(t *testing.T) {
	collect := func(t *testing.T, em lineage.Emitter) []metricdata.DataPoint[int64] {
		t.Helper()
		reader := sdkmetric.NewManualReader()
		mp := sdkmetric.NewMeterProvider(sdkmetric.WithReader(reader))
		ctx, run := lineage.Start(context.Background(), testJob, lineage.WithEmitter(em), lineage.WithMeterProvider(mp))
		_ = run.End(ctx, nil)
		var rm metricdata.ResourceMetrics
		require.NoError(t, reader.Collect(context.Background(), &rm))
		for _, sm := range rm.ScopeMetrics {
			require.Equal(t, lineage.MeterName, sm.Scope.Name)
			for _, m := range sm.Metrics {
				require.Equal(t, "sluice.lineage.emit.failures", m.Name)
				require.Equal(t, "{event}", m.Unit)
				return m.Data.(metricdata.Sum[int64]).DataPoints
			}
		}
		return nil
	}
	assert.Empty(t, collect(t, &lineagetest.Emitter{}))

	dps := collect(t, &lineagetest.Emitter{Err: errEmit})
	require.Len(t, dps, 2)
	byEvent := map[string]int64{}
	for _, dp := range dps {
		job, _ := dp.Attributes.Value("job")
		assert.Equal(t, testJob.Namespace+"/"+testJob.Name, job.AsString())
		ev, _ := dp.Attributes.Value(attribute.Key("event"))
		byEvent[ev.AsString()] += dp.Value
		assert.Equal(t, 2, dp.Attributes.Len())
	}
	assert.Equal(t, map[string]int64{"START": 1, "COMPLETE": 1}, byEvent)
}
