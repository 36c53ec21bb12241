package main

import (
	"os"
	"path/filepath"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/sluicedata/sluice/rules"
)

func TestImportGX(t *testing.T) {
	data := filepath.Join("..", "..", "testdata", "orders", "orders.parquet")
	code, out, errOut := sluice(t, "import", "gx", "--owner", "payments@example.com", "--input", data, filepath.Join("..", "..", "importers", "gx", "testdata", "orders_suite.json"))
	require.Equal(t, exitPass, code, errOut)
	assert.Contains(t, out, `owner: "payments@example.com"`)
	assert.Contains(t, out, "order_id != null")
	assert.Contains(t, errOut, "not translated: expect_column_values_to_be_increasing")

	// The output is a rule file the checker accepts.
	path := filepath.Join(t.TempDir(), "orders.yaml")
	require.NoError(t, os.WriteFile(path, []byte(out), 0o644))
	code, _, errOut = sluice(t, "rules", "validate", "--input", data, path)
	assert.Equal(t, exitPass, code, errOut)
}

func TestImportSoda(t *testing.T) {
	checks := filepath.Join("..", "..", "importers", "soda", "testdata", "customers.yml")
	tests := []struct {
		name     string
		args     []string
		wantCode int
		wantOut  string
	}{
		{"one table", []string{"--table", "payments", checks}, exitPass, "quantile(amount, 0.95) < 1000.0"},
		{"several tables need a choice", []string{checks}, exitUsage, ""},
		{"unknown table", []string{"--table", "nope", checks}, exitUsage, ""},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			code, out, errOut := sluice(t, append([]string{"import", "soda"}, tc.args...)...)
			assert.Equal(t, tc.wantCode, code, errOut)
			assert.Contains(t, out, tc.wantOut)
		})
	}
	dir := t.TempDir()
	code, _, errOut := sluice(t, "import", "soda", "--out-dir", dir, checks)
	require.Equal(t, exitPass, code, errOut)
	for _, table := range []string{"customers", "payments"} {
		_, err := rules.Load(filepath.Join(dir, table+".yaml"))
		assert.NoError(t, err, table)
	}
}

func TestImportUsage(t *testing.T) {
	tests := []struct {
		name string
		args []string
		want int
	}{
		{"no tool", []string{"import"}, exitUsage},
		{"unknown tool", []string{"import", "dbt", "x"}, exitUsage},
		{"no file", []string{"import", "gx"}, exitUsage},
		{"missing file", []string{"import", "gx", "nope.json"}, exitRuntime},
		{"suggest without input", []string{"suggest"}, exitUsage},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			code, _, _ := sluice(t, tc.args...)
			assert.Equal(t, tc.want, code)
		})
	}
}

func TestSuggestPassesOnItsInput(t *testing.T) {
	input := filepath.Join("..", "..", "testdata", "orders", "orders.parquet")
	code, out, errOut := sluice(t, "suggest", "--owner", "data@example.com", input)
	require.Equal(t, exitPass, code, errOut)
	assert.Contains(t, out, "0 nulls in")
	path := filepath.Join(t.TempDir(), "suggested.yaml")
	require.NoError(t, os.WriteFile(path, []byte(out), 0o644))
	code, report, errOut := sluice(t, "check", "--rules", path, input)
	assert.Equal(t, exitPass, code, "%s\n%s\n%s", report, errOut, out)
}
