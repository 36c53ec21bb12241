package main

import (
	"encoding/csv"
	"encoding/json"
	"os"
	"path/filepath"
	"strconv"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

const partitionRuleFile = `version: 1
dataset: orders
owner: payments@example.com
rules:
  - name: rows
    check: row_count() > 0
  - name: ids
    check: duplicate_count(order_id) >= 0
  - name: amount
    check: mean(amount) > 0.0 && min(amount) < max(amount)
  - name: customers
    check: distinct_count(customer_id) > 0
`

type partitionReport struct {
	RowsIn int64 `json:"rows_in"`
	Rules  []struct {
		Name    string         `json:"name"`
		Metrics map[string]any `json:"metrics"`
	} `json:"rules"`
	Partitions *struct {
		Current   string   `json:"current"`
		Combined  []string `json:"combined"`
		RowsTotal *int64   `json:"rows_total"`
	} `json:"partitions"`
}

func (r *partitionReport) metric(name string) any {
	for _, rr := range r.Rules {
		if v, ok := rr.Metrics[name]; ok {
			return v
		}
	}
	return nil
}

func checkJSON(t *testing.T, args ...string) partitionReport {
	t.Helper()
	code, out, errOut := sluice(t, append([]string{"check", "--format", "json"}, args...)...)
	require.Equal(t, exitPass, code, errOut)
	var rep partitionReport
	require.NoError(t, json.Unmarshal([]byte(out), &rep), out)
	return rep
}

// splitOrders writes testdata/orders/orders.csv as four CSV files by the
// day of month of ordered_at: 1–8, 9–16, 17–24, 25–31.
func splitOrders(t *testing.T, dir string) []string {
	t.Helper()
	f, err := os.Open(filepath.Join("..", "..", "testdata", "orders", "orders.csv"))
	require.NoError(t, err)
	defer f.Close()
	recs, err := csv.NewReader(f).ReadAll()
	require.NoError(t, err)
	header := recs[0]
	col := -1
	for i, h := range header {
		if h == "ordered_at" {
			col = i
		}
	}
	require.GreaterOrEqual(t, col, 0)
	parts := make([][][]string, 4)
	for _, r := range recs[1:] {
		day, err := strconv.Atoi(r[col][8:10])
		require.NoError(t, err)
		p := min((day-1)/8, 3)
		parts[p] = append(parts[p], r)
	}
	var paths []string
	for i, rows := range parts {
		require.NotEmpty(t, rows)
		path := filepath.Join(dir, "orders-part"+strconv.Itoa(i+1)+".csv")
		out, err := os.Create(path)
		require.NoError(t, err)
		w := csv.NewWriter(out)
		require.NoError(t, w.WriteAll(append([][]string{header}, rows...)))
		require.NoError(t, out.Close())
		paths = append(paths, path)
	}
	return paths
}

func TestCheckPartitions(t *testing.T) {
	dir := t.TempDir()
	rules := writeFile(t, dir, "orders.yaml", partitionRuleFile)
	db := filepath.Join(dir, "history.db")
	parts := splitOrders(t, dir)
	keys := []string{"2026-10-01..08", "2026-10-09..16", "2026-10-17..24", "2026-10-25..31"}

	whole := checkJSON(t, "--rules", rules, filepath.Join("..", "..", "testdata", "orders", "orders.csv"))
	require.Equal(t, 10000.0, whole.metric("row_count()"))
	require.Equal(t, 30.0, whole.metric("duplicate_count(order_id)"))

	// Each partition alone misses the ids repeated in another partition.
	var ownDups float64
	for _, p := range parts {
		rep := checkJSON(t, "--rules", rules, p)
		ownDups += rep.metric("duplicate_count(order_id)").(float64)
	}
	assert.Less(t, ownDups, 30.0, "some duplicate ids span two partitions")

	var last partitionReport
	for i, p := range parts {
		last = checkJSON(t, "--rules", rules, "--history", db, "--partition", keys[i], p)
		require.NotNil(t, last.Partitions)
		assert.Equal(t, keys[i], last.Partitions.Current)
		assert.Equal(t, keys[:i], last.Partitions.Combined)
	}
	for _, name := range []string{"row_count()", "duplicate_count(order_id)", "distinct_count(customer_id)", "min(amount)", "max(amount)"} {
		assert.Equal(t, whole.metric(name), last.metric(name), name)
	}
	assert.InDelta(t, whole.metric("mean(amount)"), last.metric("mean(amount)"), 1e-9)
	require.NotNil(t, last.Partitions.RowsTotal)
	assert.Equal(t, int64(10000), *last.Partitions.RowsTotal)
	assert.Less(t, last.RowsIn, int64(10000), "row counts stay the partition's own")

	// Checking a partition again replaces it: nothing is counted twice.
	again := checkJSON(t, "--rules", rules, "--history", db, "--partition", keys[1], parts[1])
	assert.Equal(t, []string{keys[0], keys[2], keys[3]}, again.Partitions.Combined)
	assert.Equal(t, 10000.0, again.metric("row_count()"))
	assert.Equal(t, 30.0, again.metric("duplicate_count(order_id)"))
}

func TestCheckPartitionUsage(t *testing.T) {
	dir := t.TempDir()
	rules := writeFile(t, dir, "orders.yaml", partitionRuleFile)
	in := writeFile(t, dir, "a.csv", "order_id,amount,customer_id\n1,2.5,3\n")
	code, _, errOut := sluice(t, "check", "--rules", rules, "--no-history", "--partition", "p1", in)
	assert.Equal(t, exitUsage, code)
	assert.Contains(t, errOut, "--partition needs a history store, not --no-history")
	code, _, errOut = sluice(t, "check", "--rules", rules, "--history", filepath.Join(dir, "h.db"), "--partition", "p1", in, in)
	assert.Equal(t, exitUsage, code)
	assert.Contains(t, errOut, "--partition takes one INPUT")
}
