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
	code, out, errOut := sluice(t, "import", "gx", "--allow-partial", "--owner", "payments@example.com", "--input", data, filepath.Join("..", "..", "importers", "gx", "testdata", "orders_suite.json"))
	require.Equal(t, exitPass, code, errOut)
	assert.Contains(t, out, `owner: "payments@example.com"`)
	assert.Contains(t, out, "order_id != null")
	assert.Contains(t, errOut, "not translated: expect_column_kl_divergence_to_be_less_than")

	// The output is a rule file the checker accepts.
	path := filepath.Join(t.TempDir(), "orders.yaml")
	require.NoError(t, os.WriteFile(path, []byte(out), 0o644))
	code, _, errOut = sluice(t, "rules", "validate", "--input", data, path)
	assert.Equal(t, exitPass, code, errOut)
}

// An import that skips a check, or translates nothing, is refused (exit
// 2, each skipped check named, no rule file) unless --allow-partial.
func TestImportPartial(t *testing.T) {
	dir := t.TempDir()
	write := func(name, text string) string {
		path := filepath.Join(dir, name)
		require.NoError(t, os.WriteFile(path, []byte(text), 0o644))
		return path
	}
	untranslated := "expect_column_kl_divergence_to_be_less_than(column=\"id\")"
	gxNothing := write("nothing.json", `{"expectation_suite_name": "orders", "expectations": [
		{"expectation_type": "expect_column_kl_divergence_to_be_less_than", "kwargs": {"column": "id"}}]}`)
	gxSome := write("some.json", `{"expectation_suite_name": "orders", "expectations": [
		{"expectation_type": "expect_column_values_to_not_be_null", "kwargs": {"column": "id"}},
		{"expectation_type": "expect_column_kl_divergence_to_be_less_than", "kwargs": {"column": "id"}}]}`)
	gxAll := write("all.json", `{"expectation_suite_name": "orders", "expectations": [
		{"expectation_type": "expect_column_values_to_not_be_null", "kwargs": {"column": "id"}}]}`)
	gxEmpty := write("empty.json", `{"expectation_suite_name": "orders", "expectations": []}`)
	sodaSome := write("checks.yml", "checks for orders:\n  - row_count > 0\n  - failed rows:\n      fail query: SELECT * FROM orders WHERE x < 0\n")
	sodaQuery := "failed rows with a fail query"

	tests := []struct {
		name       string
		args       []string
		wantCode   int
		wantStderr []string // each must appear
		wantOut    []string // each must appear in the rule file ("" = none written)
	}{
		{"gx some skipped", []string{"gx", gxSome}, exitUsage, []string{"1 check was skipped", untranslated, "--allow-partial"}, nil},
		{"gx nothing translated", []string{"gx", gxNothing}, exitUsage, []string{"nothing was translated for orders", untranslated}, nil},
		{"gx empty suite", []string{"gx", gxEmpty}, exitUsage, []string{"nothing was translated for orders"}, nil},
		{"gx complete", []string{"gx", gxAll}, exitPass, nil, []string{"id != null"}},
		{"gx some skipped, allowed", []string{"gx", "--allow-partial", gxSome}, exitPass,
			[]string{"not translated: " + untranslated}, []string{"id != null", "# - not translated: " + untranslated}},
		{"gx nothing translated, allowed", []string{"gx", "--allow-partial", gxNothing}, exitPass,
			[]string{"orders: nothing was translated", "not translated: " + untranslated}, []string{"# - not translated: " + untranslated}},
		{"soda some skipped", []string{"soda", sodaSome}, exitUsage, []string{"1 check was skipped", sodaQuery}, nil},
		{"soda some skipped, allowed", []string{"soda", "--allow-partial", sodaSome}, exitPass,
			[]string{sodaQuery}, []string{"row_count() > 0", "# - not translated: line 3: failed rows"}},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			code, out, errOut := sluice(t, append([]string{"import"}, tc.args...)...)
			assert.Equal(t, tc.wantCode, code, errOut)
			for _, w := range tc.wantStderr {
				assert.Contains(t, errOut, w)
			}
			if tc.wantOut == nil {
				assert.Empty(t, out, "a refused import writes no rule file")
				return
			}
			for _, w := range tc.wantOut {
				assert.Contains(t, out, w)
			}
			_, err := rules.Parse("imported.yaml", []byte(out))
			assert.NoError(t, err)
		})
	}

	// --out-dir writes nothing when the import is refused.
	outDir := t.TempDir()
	code, _, errOut := sluice(t, "import", "soda", "--out-dir", outDir, sodaSome)
	assert.Equal(t, exitUsage, code, errOut)
	entries, err := os.ReadDir(outDir)
	require.NoError(t, err)
	assert.Empty(t, entries)
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
		{"unknown tool", []string{"import", "dbx", "x"}, exitUsage},
		{"dbt without a schema file", []string{"import", "dbt"}, exitUsage},
		{"dbt missing file", []string{"import", "dbt", "nope.yml"}, exitRuntime},
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
