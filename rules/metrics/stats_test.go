package metrics_test

import (
	"testing"
	"time"

	"github.com/apache/arrow-go/v18/arrow"
	"github.com/stretchr/testify/require"

	"github.com/sluicedata/sluice/rules/metrics"
)

func statsState(t *testing.T, fn string, dt arrow.DataType) metrics.StatsUpdater {
	t.Helper()
	st, err := metrics.New(metrics.Spec{Func: fn, Columns: []string{"c"}}, []arrow.DataType{dt})
	require.NoError(t, err)
	su, ok := st.(metrics.StatsUpdater)
	require.True(t, ok, "%s over %s answers from statistics", fn, dt)
	return su
}

func result(t *testing.T, su metrics.StatsUpdater) any {
	t.Helper()
	v, err := su.(metrics.State).Result()
	require.NoError(t, err)
	return v
}

func TestUpdateStats(t *testing.T) {
	day := func(s string) time.Time { d, _ := time.Parse(time.DateOnly, s); return d }
	ts := arrow.FixedWidthTypes.Timestamp_us

	mx := statsState(t, "max", ts)
	require.True(t, mx.UpdateStats(10, 2, day("2026-01-01"), day("2026-02-01")))
	require.True(t, mx.UpdateStats(5, 5, nil, nil), "an all-null chunk has no bounds")
	require.True(t, mx.UpdateStats(3, 0, day("2025-01-01"), day("2026-03-01").Add(time.Microsecond)))
	require.Equal(t, day("2026-03-01").Add(time.Microsecond), result(t, mx))
	require.False(t, mx.UpdateStats(3, 0, day("2025-01-01"), day("2026-03-01").Add(time.Nanosecond)),
		"a bound finer than the column's unit is not one of its values")
	require.False(t, mx.UpdateStats(3, 0, nil, day("2026-03-01")), "values but no bound")
	require.Equal(t, day("2026-03-01").Add(time.Microsecond), result(t, mx), "a refused chunk changes nothing")

	mn := statsState(t, "min", arrow.FixedWidthTypes.Date32)
	require.True(t, mn.UpdateStats(4, 0, day("2026-01-05"), day("2026-01-09")))
	require.False(t, mn.UpdateStats(4, 0, day("2026-01-05").Add(time.Hour), day("2026-01-09")))
	require.Equal(t, day("2026-01-05"), result(t, mn))

	s := statsState(t, "min", arrow.BinaryTypes.String)
	require.False(t, s.UpdateStats(2, 0, int64(1), int64(2)), "a bound of another type")
	require.True(t, s.UpdateStats(2, 0, "b", "d"))
	require.True(t, s.UpdateStats(2, 1, "a", "a"))
	require.False(t, s.UpdateStats(2, 0, "z", "a"), "min above max")
	require.Equal(t, "a", result(t, s))

	b := statsState(t, "max", arrow.FixedWidthTypes.Boolean)
	require.True(t, b.UpdateStats(2, 0, false, false))
	require.Equal(t, false, result(t, b))

	n := statsState(t, "completeness", arrow.PrimitiveTypes.Float64)
	require.True(t, n.UpdateStats(10, 1, nil, nil))
	require.False(t, n.UpdateStats(1, 2, nil, nil), "more nulls than rows")
	require.InDelta(t, 0.9, result(t, n), 1e-12)

	f, err := metrics.New(metrics.Spec{Func: "max", Columns: []string{"c"}}, []arrow.DataType{arrow.PrimitiveTypes.Float64})
	require.NoError(t, err)
	require.False(t, f.(metrics.StatsUpdater).UpdateStats(1, 0, 1.0, 1.0), "floats are never answered from statistics")
}

// With the null count unknown, min and max still take exact bounds, and
// null_count refuses the chunk.
func TestUpdateStatsUnknownNulls(t *testing.T) {
	mx := statsState(t, "max", arrow.PrimitiveTypes.Int64)
	require.True(t, mx.UpdateStats(10, -1, int64(1), int64(7)))
	require.False(t, mx.UpdateStats(10, -1, nil, nil), "no bounds and no null count: the chunk may hold values")
	require.Equal(t, int64(7), result(t, mx))
	require.False(t, statsState(t, "null_count", arrow.PrimitiveTypes.Int64).UpdateStats(10, -1, nil, nil))
}
