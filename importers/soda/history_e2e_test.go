package soda_test

import (
	"context"
	"os"
	"path/filepath"
	"testing"
	"time"

	"github.com/apache/arrow-go/v18/arrow"
	"github.com/apache/arrow-go/v18/arrow/array"
	"github.com/apache/arrow-go/v18/arrow/memory"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/sluicedata/sluice/importers/soda"
	"github.com/sluicedata/sluice/internal/arrowtest"
	"github.com/sluicedata/sluice/quality"
	"github.com/sluicedata/sluice/quality/history"
	"github.com/sluicedata/sluice/quality/history/sqlitestore"
	"github.com/sluicedata/sluice/rules"
)

// ordersScan builds one scan of orders: rows rows whose newest ordered_at
// is age before at, with a coupon column when withCoupon.
func ordersScan(mem memory.Allocator, rows int, at time.Time, age time.Duration, withCoupon bool) arrow.RecordBatch {
	tsType := &arrow.TimestampType{Unit: arrow.Microsecond, TimeZone: "UTC"}
	fields := []arrow.Field{
		{Name: "order_id", Type: arrow.PrimitiveTypes.Int64},
		{Name: "amount", Type: arrow.PrimitiveTypes.Float64},
		{Name: "ordered_at", Type: tsType},
	}
	if withCoupon {
		fields = append(fields, arrow.Field{Name: "coupon", Type: arrow.BinaryTypes.String, Nullable: true})
	}
	b := array.NewRecordBuilder(mem, arrow.NewSchema(fields, nil))
	defer b.Release()
	newest := at.Add(-age)
	for i := range rows {
		b.Field(0).(*array.Int64Builder).Append(int64(i))
		b.Field(1).(*array.Float64Builder).Append(10 + float64(i%7))
		b.Field(2).(*array.TimestampBuilder).Append(arrow.Timestamp(newest.Add(-time.Duration(i) * time.Minute).UnixMicro()))
		if withCoupon {
			b.Field(3).(*array.StringBuilder).AppendNull()
		}
	}
	return b.NewRecordBatch()
}

// scan runs the real gate, with the history option, over batch at clock
// time at and returns each rule's status.
func scan(t *testing.T, store history.Store, rs *rules.RuleSet, batch arrow.RecordBatch, at time.Time) (quality.Status, map[string]quality.Status) {
	t.Helper()
	prog, err := rs.Compile(batch.Schema())
	require.NoError(t, err)
	gate, err := quality.NewGate(prog, quality.WithHistory(store),
		quality.WithClock(func() time.Time { return at }),
		quality.WithDatasetVersion("scan:"+at.Format(time.DateOnly)))
	require.NoError(t, err)
	rdr, err := array.NewRecordReader(batch.Schema(), []arrow.RecordBatch{batch})
	require.NoError(t, err)
	defer rdr.Release()
	rep, err := gate.Check(context.Background(), rdr)
	require.NoError(t, err)
	got := map[string]quality.Status{}
	for _, rr := range rep.Rules {
		got[rr.Name] = rr.Status
	}
	return rep.Status, got
}

// The translated history checks of testdata/history_e2e.yml, run through
// the gate on a SQLite history of daily scans, give Soda's verdicts.
func TestHistoryChecksEndToEnd(t *testing.T) {
	mem := arrowtest.Allocator(t)
	ctx := context.Background()
	store, err := sqlitestore.Open(ctx, filepath.Join(t.TempDir(), "history.db"))
	require.NoError(t, err)
	defer store.Close()

	data, err := os.ReadFile(filepath.Join("testdata", "history_e2e.yml"))
	require.NoError(t, err)
	files, err := soda.Import(data, soda.Options{Owner: "data@example.com"})
	require.NoError(t, err)
	require.Len(t, files, 1)
	rs, err := rules.Parse("history_e2e.yml", files[0].YAML())
	require.NoError(t, err)
	require.Len(t, rs.Rules, 8, "every check translates:\n%s", files[0].YAML())

	historyRules := []string{"change.row_count", "change_percent.row_count", "anomaly.row_count",
		"anomaly.row_count_2", "schema_changes.fail", "schema_changes.warn"}
	anomalyRules := map[string]bool{"anomaly.row_count": true, "anomaly.row_count_2": true}
	day0 := time.Date(2026, 11, 1, 6, 0, 0, 0, time.UTC)

	// Six stable daily scans, the newest order an hour old each time.
	for day, rows := range []int{100, 102, 98, 101, 99, 100} {
		at := day0.AddDate(0, 0, day)
		batch := ordersScan(mem, rows, at, time.Hour, false)
		status, got := scan(t, store, rs, batch, at)
		batch.Release()
		require.Len(t, got, 8, "day %d", day)
		assert.Equal(t, quality.StatusPass, status, "day %d", day)
		// Freshness needs no history: 1h is within 12h and 1d.
		assert.Equal(t, quality.StatusPass, got["ordered_at.freshness.warn"], "day %d", day)
		assert.Equal(t, quality.StatusPass, got["ordered_at.freshness.fail"], "day %d", day)
		for _, name := range historyRules {
			switch {
			case day == 0:
				// Soda too skips change, anomaly and schema-change checks
				// on the first scan: there is nothing to compare with.
				assert.Equal(t, quality.StatusNotEvaluated, got[name], "day 0: %s", name)
			case anomalyRules[name] && day < rules.MinNormalHistory:
				// Soda's anomaly detection likewise waits for a minimum
				// number of measurements before it judges.
				assert.Equal(t, quality.StatusNotEvaluated, got[name], "day %d: %s", day, name)
			default:
				// Changes +2, -4, +3, -2, +1 (> -50; +2%, -3.9%, +3.1%,
				// -2.0%, +1.0%, all within -10%..25%); on day 5, 100
				// against 100,102,98,101,99 (mean 100, σ 1.58) is no
				// anomaly; the columns never change.
				assert.Equal(t, quality.StatusPass, got[name], "day %d: %s", day, name)
			}
		}
	}

	// Day 6: 40 rows, a new coupon column, the newest order 18h old.
	at := day0.AddDate(0, 0, 6)
	batch := ordersScan(mem, 40, at, 18*time.Hour, true)
	defer batch.Release()
	status, got := scan(t, store, rs, batch, at)
	assert.Equal(t, map[string]quality.Status{
		// change = 40 - 100 = -60, not > -50: fail.
		"change.row_count": quality.StatusFail,
		// change percent = (40 - 100) / 100 = -60%, outside -10..25: fail.
		"change_percent.row_count": quality.StatusFail,
		// the six earlier counts have mean 100 and sample σ √2 ≈ 1.41;
		// 40 lies 42σ below, far outside the 3σ band 95.8..104.2: an
		// anomaly, which Soda's model also flags (fail, both spellings).
		"anomaly.row_count":   quality.StatusFail,
		"anomaly.row_count_2": quality.StatusFail,
		// a column was added: `when schema changes: any` warns; the fail
		// list (column delete, column type change) does not match.
		"schema_changes.warn": quality.StatusWarn,
		"schema_changes.fail": quality.StatusPass,
		// 18h since the newest order: over 12h warns, under 1d passes.
		"ordered_at.freshness.warn": quality.StatusWarn,
		"ordered_at.freshness.fail": quality.StatusPass,
	}, got)
	// Soda's scan outcome: failed (the change and anomaly checks fail).
	assert.Equal(t, quality.StatusFail, status)
}
