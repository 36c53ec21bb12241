package main

import (
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// --format html prints the page; --html writes it next to another format,
// and may not name the input.
func TestCheckHTML(t *testing.T) {
	rules := filepath.Join("..", "..", "testdata", "orders", "orders.yaml")
	input := filepath.Join("..", "..", "testdata", "orders", "orders.parquet")

	code, out, errOut := sluice(t, "check", "--rules", rules, "--no-history", "--format", "html", input)
	require.Equal(t, exitFail, code, errOut)
	assert.True(t, strings.HasPrefix(out, "<!DOCTYPE html>"), out[:min(len(out), 80)])
	assert.Contains(t, out, "amount_non_negative")

	page := filepath.Join(t.TempDir(), "report.html")
	code, out, errOut = sluice(t, "check", "--rules", rules, "--no-history", "--format", "json", "--html", page, input)
	require.Equal(t, exitFail, code, errOut)
	assert.True(t, strings.HasPrefix(out, "{"), "the JSON report on stdout")
	b, err := os.ReadFile(page)
	require.NoError(t, err)
	assert.Contains(t, string(b), "amount_non_negative")

	dir := t.TempDir()
	csv := filepath.Join(dir, "in.csv")
	require.NoError(t, os.WriteFile(csv, []byte("order_id\n1\n"), 0o600))
	code, _, errOut = sluice(t, "check", "--rules", rules, "--no-history", "--html", csv, csv)
	require.Equal(t, exitUsage, code, errOut)
	assert.Contains(t, errOut, "--html")
	b, err = os.ReadFile(csv)
	require.NoError(t, err)
	assert.Equal(t, "order_id\n1\n", string(b), "the input is untouched")
}

// With a history store, --html charts each metric of the dataset checks
// over the runs recorded so far, this one included.
func TestCheckHTMLHistoryChart(t *testing.T) {
	rules := filepath.Join("..", "..", "testdata", "orders", "orders.yaml")
	input := filepath.Join("..", "..", "testdata", "orders", "orders.parquet")
	dir := t.TempDir()
	db := filepath.Join(dir, "history.db")
	page := filepath.Join(dir, "report.html")
	for range 3 {
		code, _, errOut := sluice(t, "check", "--rules", rules, "--history", db, "--format", "json", "--html", page, input)
		require.Equal(t, exitFail, code, errOut)
	}
	b, err := os.ReadFile(page)
	require.NoError(t, err)
	assert.Contains(t, string(b), `<figure class="chart">`)
	assert.Contains(t, string(b), "over the last 3 runs")
}
