package quality_test

import (
	"context"
	"math/rand/v2"
	"path/filepath"
	"testing"

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

const partitionRules = `version: 1
dataset: orders
owner: payments-data@example.com
rules:
  - name: rows
    check: row_count() > 0
  - name: id_unique
    check: duplicate_count(id) == 0
  - name: mean_amount
    check: mean(amount) > 0.0
  - name: regions
    check: distinct_count(region) == 4
  - name: id_range
    check: min(id) >= 0 && max(id) < 1000000
  - name: amount_p90
    check: quantile(amount, 0.9) > 0.0
  - name: amount_positive
    expr: amount > 0.0
    severity: warn
`

// partitionBatch builds orders with the given ids.
func partitionBatch(mem memory.Allocator, seed uint64, ids []int64) arrow.RecordBatch {
	rng := rand.New(rand.NewPCG(seed, seed+1))
	schema := arrow.NewSchema([]arrow.Field{
		{Name: "id", Type: arrow.PrimitiveTypes.Int64},
		{Name: "amount", Type: arrow.PrimitiveTypes.Float64},
		{Name: "region", Type: arrow.BinaryTypes.String},
	}, nil)
	b := array.NewRecordBuilder(mem, schema)
	defer b.Release()
	regions := []string{"north", "south", "east", "west"}
	for _, id := range ids {
		b.Field(0).(*array.Int64Builder).Append(id)
		b.Field(1).(*array.Float64Builder).Append(100 + 30*rng.NormFloat64())
		b.Field(2).(*array.StringBuilder).Append(regions[rng.IntN(len(regions))])
	}
	return b.NewRecordBatch()
}

func concatBatches(t *testing.T, mem memory.Allocator, batches []arrow.RecordBatch) arrow.RecordBatch {
	t.Helper()
	tbl := array.NewTableFromRecords(batches[0].Schema(), batches)
	defer tbl.Release()
	cols := make([]arrow.Array, tbl.NumCols())
	for i := range cols {
		c, err := array.Concatenate(tbl.Column(i).Data().Chunks(), mem)
		require.NoError(t, err)
		defer c.Release()
		cols[i] = c
	}
	return array.NewRecordBatch(tbl.Schema(), cols, tbl.NumRows())
}

func checkBatch(t *testing.T, rs *rules.RuleSet, batch arrow.RecordBatch, opts ...quality.Option) *quality.Report {
	t.Helper()
	prog, err := rs.Compile(batch.Schema())
	require.NoError(t, err)
	gate, err := quality.NewGate(prog, opts...)
	require.NoError(t, err)
	rdr, err := array.NewRecordReader(batch.Schema(), []arrow.RecordBatch{batch})
	require.NoError(t, err)
	defer rdr.Release()
	rep, err := gate.Check(context.Background(), rdr)
	require.NoError(t, err)
	return rep
}

// ruleMetrics returns the metrics of every dataset check by label.
func ruleMetrics(rep *quality.Report) map[string]any {
	out := map[string]any{}
	for _, rr := range rep.Rules {
		if rr.Kind == rules.KindDataset {
			for k, v := range rr.Metrics {
				out[k] = v
			}
		}
	}
	return out
}

func TestPartitionedChecksEqualWholeTable(t *testing.T) {
	mem := arrowtest.Allocator(t)
	ctx := context.Background()
	rs, err := rules.Parse("orders.yaml", []byte(partitionRules))
	require.NoError(t, err)
	store, err := history.Open(ctx, filepath.Join(t.TempDir(), "history.db"))
	require.NoError(t, err)
	defer store.Close()

	// Four days of orders; id 1500 of day 3 repeats an id of day 1.
	var parts []arrow.RecordBatch
	for d := range 4 {
		ids := make([]int64, 1000+100*d)
		for i := range ids {
			ids[i] = int64(d*10000 + i)
		}
		if d == 2 {
			ids[500] = 17
		}
		parts = append(parts, partitionBatch(mem, uint64(d), ids))
	}
	defer func() {
		for _, p := range parts {
			p.Release()
		}
	}()
	keys := []string{"2026-11-01", "2026-11-02", "2026-11-03", "2026-11-04"}

	var last *quality.Report
	for i, p := range parts {
		last = checkBatch(t, rs, p, quality.WithHistory(store), quality.WithPartition(keys[i]))
		require.NotNil(t, last.Partitions)
		assert.Equal(t, keys[i], last.Partitions.Current)
		assert.Equal(t, keys[:i], last.Partitions.Combined)
		assert.Equal(t, p.NumRows(), last.RowsIn, "row rules count this partition only")
	}
	whole := concatBatches(t, mem, parts)
	defer whole.Release()
	full := checkBatch(t, rs, whole)

	got, want := ruleMetrics(last), ruleMetrics(full)
	for _, name := range []string{"row_count()", "duplicate_count(id)", "distinct_count(region)", "min(id)", "max(id)"} {
		assert.Equal(t, want[name], got[name], name)
	}
	assert.Equal(t, int64(4600), got["row_count()"])
	assert.Equal(t, int64(2), got["duplicate_count(id)"], "the id repeated across partitions is found")
	assert.InDelta(t, want["mean(amount)"], got["mean(amount)"], 1e-9)
	assert.InDelta(t, want["quantile(amount, 0.9)"], got["quantile(amount, 0.9)"], 5)
	require.NotNil(t, last.Partitions.RowsTotal)
	assert.Equal(t, int64(4600), *last.Partitions.RowsTotal)
	assert.Equal(t, quality.StatusFail, statuses(last)["id_unique"])

	// Checking day 2 again replaces its stored run: nothing counts twice.
	again := checkBatch(t, rs, parts[1], quality.WithHistory(store), quality.WithPartition(keys[1]))
	assert.Equal(t, []string{keys[0], keys[2], keys[3]}, again.Partitions.Combined)
	assert.Equal(t, int64(4600), ruleMetrics(again)["row_count()"])
	assert.Equal(t, int64(2), ruleMetrics(again)["duplicate_count(id)"])
	require.NotNil(t, again.Partitions.RowsTotal)
	assert.Equal(t, int64(4600), *again.Partitions.RowsTotal)

	stored, err := store.States(ctx, "orders")
	require.NoError(t, err)
	assert.Len(t, stored, 4)
}

func TestPartitionNeedsHistory(t *testing.T) {
	rs, err := rules.Parse("orders.yaml", []byte(partitionRules))
	require.NoError(t, err)
	schema := arrow.NewSchema([]arrow.Field{
		{Name: "id", Type: arrow.PrimitiveTypes.Int64},
		{Name: "amount", Type: arrow.PrimitiveTypes.Float64},
		{Name: "region", Type: arrow.BinaryTypes.String},
	}, nil)
	prog, err := rs.Compile(schema)
	require.NoError(t, err)
	_, err = quality.NewGate(prog, quality.WithPartition("2026-11-01"))
	require.ErrorIs(t, err, quality.ErrConfig)
	assert.Contains(t, err.Error(), "history")
}
