package main

import (
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// TestSuggestReferences suggests rules with a reference dataset into a
// file and checks that the gate passes with them.
func TestSuggestReferences(t *testing.T) {
	dir := t.TempDir()
	var data, ref strings.Builder
	data.WriteString("order_id,customer\n")
	for i := 0; i < 200; i++ {
		fmt.Fprintf(&data, "%d,C%03d\n", i, i%40)
	}
	ref.WriteString("id,region\n")
	for i := 0; i < 50; i++ {
		fmt.Fprintf(&ref, "C%03d,R%d\n", i, i%3)
	}
	input := filepath.Join(dir, "orders.csv")
	customers := filepath.Join(dir, "customers.csv")
	require.NoError(t, os.WriteFile(input, []byte(data.String()), 0o644))
	require.NoError(t, os.WriteFile(customers, []byte(ref.String()), 0o644))
	out := filepath.Join(dir, "orders.rules.yaml")

	code, stdout, errOut := sluice(t, "suggest", "--owner", "data@example.com", "--reference", customers, "--out", out, input)
	require.Equal(t, exitPass, code, errOut)
	assert.Empty(t, stdout, "--out writes the file, not stdout")
	text, err := os.ReadFile(out)
	require.NoError(t, err)
	assert.Contains(t, string(text), `dataset: "orders"`)
	assert.Contains(t, string(text), `missing_references(customer, \"`+filepath.ToSlash(customers)+`\", \"id\") == 0`)
	assert.Contains(t, string(text), `"order_id": {type: int64, required: true, unique: true`)
	assert.Contains(t, string(text), `pattern: "^[A-Z][0-9]{3}$"`)

	code, report, errOut := sluice(t, "check", "--rules", out, input)
	assert.Equal(t, exitPass, code, "%s\n%s\n%s", report, errOut, text)
	assert.Contains(t, report, "customer.references")

	code, _, errOut = sluice(t, "suggest", "--reference", filepath.Join(dir, "nope.csv"), input)
	assert.Equal(t, exitRuntime, code, errOut)
}

func TestReferencePath(t *testing.T) {
	wd, err := os.Getwd()
	require.NoError(t, err)
	tests := []struct{ ref, out, want string }{
		{"data/customers.csv", "", "data/customers.csv"},
		{"data/customers.csv", "rules/orders.yaml", "../data/customers.csv"},
		{"customers.csv", "orders.yaml", "customers.csv"},
		{filepath.Join(wd, "x.csv"), "rules/orders.yaml", filepath.Join(wd, "x.csv")},
		{"postgres://db/shop?table=customers", "rules/orders.yaml", "postgres://db/shop?table=customers"},
	}
	for _, tc := range tests {
		t.Run(tc.ref+" "+tc.out, func(t *testing.T) {
			assert.Equal(t, tc.want, referencePath(tc.ref, tc.out))
		})
	}
}
