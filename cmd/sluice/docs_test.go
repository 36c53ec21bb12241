package main

import (
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// sluice docs builds the site of what sluice check recorded, and rebuilds
// only what changed.
func TestDocs(t *testing.T) {
	dir := t.TempDir()
	db, lin, site := filepath.Join(dir, "history.db"), filepath.Join(dir, "lineage.ndjson"), filepath.Join(dir, "site")
	input := filepath.Join("..", "..", "testdata", "orders", "orders.parquet")
	for range 2 {
		code, _, errOut := sluice(t, "check", "--rules", ordersRules, "--history", db, "--lineage-file", lin, "--format", "json", input)
		require.Equal(t, exitFail, code, errOut)
	}
	code, out, errOut := sluice(t, "docs", "--history", db, "--lineage", lin, "--out", site)
	require.Equal(t, exitPass, code, errOut)
	assert.Equal(t, "5 pages in "+site+": 5 written, 0 unchanged, 0 removed\nopen "+filepath.Join(site, "index.html")+"\n", out)
	index, err := os.ReadFile(filepath.Join(site, "index.html"))
	require.NoError(t, err)
	assert.Contains(t, string(index), `<a href="datasets/orders.html">orders</a>`)
	assert.Contains(t, string(index), "payments-data@example.com")
	page, err := os.ReadFile(filepath.Join(site, "lineage.html"))
	require.NoError(t, err)
	assert.Contains(t, string(page), "sluice/check.orders")
	entries, err := os.ReadDir(filepath.Join(site, "runs", "orders"))
	require.NoError(t, err)
	require.Len(t, entries, 2)
	run, err := os.ReadFile(filepath.Join(site, "runs", "orders", entries[1].Name()))
	require.NoError(t, err)
	assert.Contains(t, string(run), `data-rule="amount_non_negative" data-status="fail"`)
	assert.Contains(t, string(run), `<figure class="chart">`)

	code, out, errOut = sluice(t, "docs", "--history", db, "--lineage", lin, "--out", site)
	require.Equal(t, exitPass, code, errOut)
	assert.Contains(t, out, "5 pages in "+site+": 0 written, 5 unchanged, 0 removed")
}

func TestDocsErrors(t *testing.T) {
	dir := t.TempDir()
	db := filepath.Join(dir, "history.db")
	input := filepath.Join("..", "..", "testdata", "orders", "orders.parquet")
	code, _, errOut := sluice(t, "check", "--rules", ordersRules, "--history", db, "--no-lineage", "--format", "json", input)
	require.Equal(t, exitFail, code, errOut)

	code, _, errOut = sluice(t, "docs", "--history", db)
	assert.Equal(t, exitUsage, code)
	assert.Contains(t, errOut, "--out DIR is required")

	code, _, errOut = sluice(t, "docs", "--history", db, "--out", filepath.Join(dir, "s"), "--lineage", filepath.Join(dir, "missing.ndjson"))
	assert.Equal(t, exitRuntime, code)
	assert.Contains(t, errOut, "missing.ndjson")

	bad := filepath.Join(dir, "bad.ndjson")
	require.NoError(t, os.WriteFile(bad, []byte(`{"eventType":"START","run":{"runId":"r"}}`+"\n"+`{"eventType":`+"\n"), 0o600))
	code, _, errOut = sluice(t, "docs", "--history", db, "--out", filepath.Join(dir, "s"), "--lineage", bad)
	assert.Equal(t, exitRuntime, code)
	assert.Contains(t, errOut, "bad.ndjson:2:")

	code, _, errOut = sluice(t, "docs", "--history", filepath.Join(dir, "nope.db"), "--out", filepath.Join(dir, "s"), "--no-lineage")
	assert.Equal(t, exitRuntime, code)
	assert.Contains(t, errOut, "no history store")

	// Without a lineage file at the default place the site is built
	// without the graph, with a warning.
	t.Chdir(dir)
	code, out, errOut := sluice(t, "docs", "--history", db, "--out", "s")
	require.Equal(t, exitPass, code, errOut)
	assert.Contains(t, errOut, "no lineage file")
	assert.True(t, strings.HasPrefix(out, "4 pages in s: 4 written"), out)
}
