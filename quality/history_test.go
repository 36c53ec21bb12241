package quality_test

import (
	"context"
	"math/rand/v2"
	"os"
	"path/filepath"
	"testing"
	"time"

	"github.com/apache/arrow-go/v18/arrow"
	"github.com/apache/arrow-go/v18/arrow/array"
	"github.com/apache/arrow-go/v18/arrow/memory"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/sluicedata/sluice/internal/arrowtest"
	"github.com/sluicedata/sluice/quality"
	"github.com/sluicedata/sluice/quality/history"
	"github.com/sluicedata/sluice/rules"
)

const historyRules = `version: 1
dataset: orders
owner: payments-data@example.com
rules:
  - name: volume_rate
    check: "!anomaly(row_count(), 'relative_rate', 0.5, 2.0)"
  - name: volume_normal
    check: "!anomaly(row_count(), 'batch_normal', 3.0)"
  - name: mean_amount_normal
    check: "!anomaly(mean(amount), 'online_normal', 4.0)"
  - name: amount_psi
    check: drift(amount) < 0.25
  - name: amount_ks
    check: ks(amount) < 0.2
  - name: schema_same
    check: schema_unchanged()
  - name: no_new_columns
    check: columns_added() == 0
  - name: nothing_removed_or_retyped
    check: columns_removed() == 0 && columns_retyped() == 0
  - name: region_complete
    check: "!anomaly(completeness(region), 'batch_normal')"
  - name: regions_same
    check: change(distinct_count(region)) == 0.0
  - name: rows_vs_previous
    check: row_count() >= previous(row_count()) * 0.5
`

// ordersRun generates one day of orders: rows orders with amounts around
// amountMean, regions from four, and a coupon column when withCoupon.
func ordersRun(mem memory.Allocator, seed uint64, rows int, amountMean float64, withCoupon bool) arrow.RecordBatch {
	rng := rand.New(rand.NewPCG(seed, seed^0x9e3779b97f4a7c15))
	fields := []arrow.Field{
		{Name: "id", Type: arrow.PrimitiveTypes.Int64},
		{Name: "amount", Type: arrow.PrimitiveTypes.Float64},
		{Name: "region", Type: arrow.BinaryTypes.String},
	}
	if withCoupon {
		fields = append(fields, arrow.Field{Name: "coupon", Type: arrow.BinaryTypes.String, Nullable: true})
	}
	b := array.NewRecordBuilder(mem, arrow.NewSchema(fields, nil))
	defer b.Release()
	regions := []string{"north", "south", "east", "west"}
	for i := range rows {
		b.Field(0).(*array.Int64Builder).Append(int64(i))
		b.Field(1).(*array.Float64Builder).Append(amountMean + 10*rng.NormFloat64())
		b.Field(2).(*array.StringBuilder).Append(regions[rng.IntN(len(regions))])
		if withCoupon {
			b.Field(3).(*array.StringBuilder).AppendNull()
		}
	}
	return b.NewRecordBatch()
}

// checkWithHistory runs the gate over batch with store, at clock time at.
func checkWithHistory(t *testing.T, store history.Store, rs *rules.RuleSet, batch arrow.RecordBatch, at time.Time) *quality.Report {
	t.Helper()
	prog, err := rs.Compile(batch.Schema())
	require.NoError(t, err)
	gate, err := quality.NewGate(prog, quality.WithHistory(store), quality.WithClock(func() time.Time { return at }),
		quality.WithDatasetVersion("test:"+at.Format(time.DateOnly)))
	require.NoError(t, err)
	rdr, err := array.NewRecordReader(batch.Schema(), []arrow.RecordBatch{batch})
	require.NoError(t, err)
	defer rdr.Release()
	rep, err := gate.Check(context.Background(), rdr)
	require.NoError(t, err)
	return rep
}

func statuses(rep *quality.Report) map[string]quality.Status {
	out := map[string]quality.Status{}
	for _, rr := range rep.Rules {
		out[rr.Name] = rr.Status
	}
	return out
}

// Ten stable days, then a day with a third of the volume, amounts shifted
// by five standard deviations and a new column: the volume, distribution
// and schema checks fire, the others do not.
func TestHistoryScenario(t *testing.T) {
	mem := arrowtest.Allocator(t)
	ctx := context.Background()
	store, err := history.Open(ctx, filepath.Join(t.TempDir(), "history.db"))
	require.NoError(t, err)
	defer store.Close()
	path := filepath.Join(t.TempDir(), "orders.yaml")
	require.NoError(t, os.WriteFile(path, []byte(historyRules), 0o600))
	rs, err := rules.Load(path)
	require.NoError(t, err)
	day0 := time.Date(2025, 3, 1, 2, 0, 0, 0, time.UTC)

	for day := range 10 {
		batch := ordersRun(mem, uint64(day+1), 1000+7*day, 100, false)
		t.Cleanup(batch.Release)
		rep := checkWithHistory(t, store, rs, batch, day0.AddDate(0, 0, day))
		require.Equal(t, quality.StatusPass, rep.Status, "day %d: %v", day, rep.Gate.Reasons)
		st := statuses(rep)
		if day == 0 {
			for name, s := range st {
				assert.Equal(t, quality.StatusNotEvaluated, s, "day 0: %s has no history yet", name)
			}
			for _, rr := range rep.Rules {
				assert.Contains(t, rr.Message, "not evaluated: ", rr.Name)
			}
			continue
		}
		// Checks needing five earlier values wait for them.
		for name, s := range st {
			if day < rules.MinNormalHistory && (name == "volume_normal" || name == "mean_amount_normal" || name == "region_complete") {
				assert.Equal(t, quality.StatusNotEvaluated, s, "day %d: %s", day, name)
				continue
			}
			assert.Equal(t, quality.StatusPass, s, "day %d: %s", day, name)
		}
	}

	batch := ordersRun(mem, 11, 340, 150, true)
	defer batch.Release()
	rep := checkWithHistory(t, store, rs, batch, day0.AddDate(0, 0, 10))
	assert.Equal(t, quality.StatusFail, rep.Status)
	assert.Equal(t, map[string]quality.Status{
		"volume_rate":                quality.StatusFail,
		"volume_normal":              quality.StatusFail,
		"mean_amount_normal":         quality.StatusFail,
		"amount_psi":                 quality.StatusFail,
		"amount_ks":                  quality.StatusFail,
		"schema_same":                quality.StatusFail,
		"no_new_columns":             quality.StatusFail,
		"nothing_removed_or_retyped": quality.StatusPass,
		"region_complete":            quality.StatusPass,
		"regions_same":               quality.StatusPass,
		"rows_vs_previous":           quality.StatusFail,
	}, statuses(rep))

	// Every run is in the store, with an audit record chained to the last.
	runs, err := store.Runs(ctx, "orders", 0)
	require.NoError(t, err)
	assert.Len(t, runs, 11)
	log, err := store.AuditLog(ctx, history.AuditFilter{Dataset: "orders"})
	require.NoError(t, err)
	require.Len(t, log, 11)
	last := log[10]
	assert.Equal(t, "fail", last.Decision)
	assert.Equal(t, "payments-data@example.com", last.Owner)
	assert.Equal(t, "test:2025-03-11", last.DatasetVersion)
	assert.Equal(t, runs[10].RunID, last.RunID)
	assert.JSONEq(t, `{"rows_in":340,"rows_clean":340,"rows_quarantined":0,
		"failed_rules":["volume_rate","volume_normal","mean_amount_normal","amount_psi","amount_ks","schema_same","no_new_columns","rows_vs_previous"]}`,
		string(last.Summary))
	assert.Equal(t, path, last.RuleFile)
	assert.Len(t, last.RuleFileHash, 64)
	ver, err := store.VerifyAudit(ctx)
	require.NoError(t, err)
	assert.True(t, ver.OK)
	assert.EqualValues(t, 11, ver.Records)

	// The failed run is no baseline: the next normal day compares with day 10.
	normal := ordersRun(mem, 12, 1070, 100, false)
	defer normal.Release()
	rep = checkWithHistory(t, store, rs, normal, day0.AddDate(0, 0, 11))
	st := statuses(rep)
	assert.Equal(t, quality.StatusPass, st["amount_psi"])
	assert.Equal(t, quality.StatusPass, st["schema_same"])
}

func TestHistoryChecksWithoutStore(t *testing.T) {
	mem := arrowtest.Allocator(t)
	rs, err := rules.Parse("orders.yaml", []byte(historyRules))
	require.NoError(t, err)
	batch := ordersRun(mem, 1, 100, 100, false)
	defer batch.Release()
	prog, err := rs.Compile(batch.Schema())
	require.NoError(t, err)
	gate, err := quality.NewGate(prog)
	require.NoError(t, err)
	rdr, err := array.NewRecordReader(batch.Schema(), []arrow.RecordBatch{batch})
	require.NoError(t, err)
	defer rdr.Release()
	rep, err := gate.Check(context.Background(), rdr)
	require.NoError(t, err)
	assert.Equal(t, quality.StatusPass, rep.Status)
	for _, rr := range rep.Rules {
		assert.Equal(t, quality.StatusNotEvaluated, rr.Status, rr.Name)
		assert.Contains(t, rr.Message, "no history store", rr.Name)
	}
}
