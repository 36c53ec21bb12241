package pipeline_test

import (
	"os"
	"path/filepath"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/sluicedata/sluice/quality"
	"github.com/sluicedata/sluice/quality/pipeline"
)

// The schema functions see the data's columns as the reader gives them, in
// the file's order, and not the rule file's declarations: the JSON reader
// adds the declared key "gone", which no record has, as a column of nulls,
// and column_count() and columns() leave it out. row_count('path') opens
// another file through the built-in formats.
func TestCheckFileTableFunctions(t *testing.T) {
	dir := t.TempDir()
	write := func(name, content string) string {
		t.Helper()
		p := filepath.Join(dir, name)
		require.NoError(t, os.WriteFile(p, []byte(content), 0o644))
		return p
	}
	data := write("orders.json", `{"order_id": 1, "status": "new", "amount": 2.5}
{"status": "paid", "order_id": 2, "amount": 7}
{"order_id": 3, "status": "new", "amount": 1}
`)
	write("orders_copy.csv", "order_id,status\n1,new\n2,paid\n3,new\n")
	write("orders_short.csv", "order_id\n1\n")
	rulesPath := write("orders.yaml", `version: 1
dataset: orders
owner: data@example.com
columns:
  order_id: {type: int64}
  gone: {type: string}
rules:
  - name: layout
    check: columns() == ['order_id', 'status', 'amount']
  - name: count
    check: column_count() == 3
  - name: same_rows
    check: row_count() == row_count('orders_copy.csv')
  - name: short
    check: row_count() == row_count('orders_short.csv')
    severity: warn
`)
	rep, err := pipeline.CheckFile(t.Context(), rulesPath, data)
	require.NoError(t, err)
	got := map[string]quality.Status{}
	metrics := map[string]map[string]any{}
	for _, r := range rep.Rules {
		got[r.Name] = r.Status
		metrics[r.Name] = r.Metrics
	}
	assert.Equal(t, quality.StatusPass, got["layout"], "%v", metrics["layout"])
	assert.Equal(t, quality.StatusPass, got["count"], "%v", metrics["count"])
	assert.Equal(t, quality.StatusPass, got["same_rows"], "%v", metrics["same_rows"])
	assert.Equal(t, quality.StatusWarn, got["short"], "%v", metrics["short"])
	assert.Equal(t, int64(1), metrics["short"]["row_count('orders_short.csv')"])
}
