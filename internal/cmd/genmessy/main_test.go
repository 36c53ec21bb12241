package main

import (
	"bytes"
	"encoding/csv"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"

	"github.com/parquet-go/parquet-go"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

const committed = "../../../testdata/messy"

// TestCommitted: testdata/messy holds exactly what the generator writes,
// beside its README.md and the CLI test's golden/ directory (regenerate
// with go generate ./internal/cmd/genmessy).
func TestCommitted(t *testing.T) {
	fs, err := files()
	require.NoError(t, err)
	want := map[string]bool{"README.md": true, "golden": true}
	readme, err := os.ReadFile(filepath.Join(committed, "README.md"))
	require.NoError(t, err)
	// The names README.md quotes as code: `name`.
	documented := map[string]bool{}
	for i, part := range strings.Split(string(readme), "`") {
		if i%2 == 1 {
			documented[part] = true
		}
	}
	for _, f := range fs {
		want[f.name] = true
		t.Run(f.name, func(t *testing.T) {
			got, err := os.ReadFile(filepath.Join(committed, f.name))
			require.NoError(t, err, "go generate ./internal/cmd/genmessy")
			assert.True(t, bytes.Equal(f.data, got), "testdata/messy/%s differs from the generator's; go generate ./internal/cmd/genmessy", f.name)
			assert.True(t, documented[f.name], "testdata/messy/README.md does not document %s", f.name)
		})
	}
	entries, err := os.ReadDir(committed)
	require.NoError(t, err)
	for _, e := range entries {
		assert.True(t, want[e.Name()], "testdata/messy/%s is not written by the generator", e.Name())
	}
}

func TestDeterministic(t *testing.T) {
	a, err := files()
	require.NoError(t, err)
	b, err := files()
	require.NoError(t, err)
	assert.Equal(t, a, b)
}

func TestWrite(t *testing.T) {
	dir := filepath.Join(t.TempDir(), "messy")
	require.NoError(t, write(dir))
	fs, err := files()
	require.NoError(t, err)
	for _, f := range fs {
		got, err := os.ReadFile(filepath.Join(dir, f.name))
		require.NoError(t, err)
		assert.Equal(t, f.data, got, f.name)
	}
}

func fixture(t *testing.T, name string) []byte {
	t.Helper()
	fs, err := files()
	require.NoError(t, err)
	i := slices.IndexFunc(fs, func(f file) bool { return f.name == name })
	require.GreaterOrEqual(t, i, 0, name)
	return fs[i].data
}

func readCSV(t *testing.T, name string) [][]string {
	t.Helper()
	rows, err := csv.NewReader(bytes.NewReader(fixture(t, name))).ReadAll()
	require.NoError(t, err, name)
	return rows
}

// The planted defects are where README.md says they are.
func TestPlantedDefects(t *testing.T) {
	t.Run("invalid-values.csv", func(t *testing.T) {
		rows := readCSV(t, "invalid-values.csv")
		require.Len(t, rows, orderRows+1)
		assert.Equal(t, invalidHeader, rows[0])
		planted := 0
		for n, row := range rows[1:] {
			for i, v := range row {
				if p, ok := invalidPlants[n+1][invalidHeader[i]]; ok {
					assert.Equal(t, p, v)
					planted++
				}
			}
		}
		assert.Equal(t, 9, planted)
		assert.Equal(t, "12,50", rows[4][1], "a quoted field with a decimal comma")
		assert.Equal(t, plantedPhone, rows[12][5])
		assert.Equal(t, plantedEmail, rows[26][6])
	})
	t.Run("inferred-type.csv", func(t *testing.T) {
		rows := readCSV(t, "inferred-type.csv")
		require.Len(t, rows, inferredRows+1)
		for n, row := range rows[1:1001] {
			assert.NotContains(t, []string{"12x", "many"}, row[1], "row %d", n+1)
		}
		assert.Equal(t, "12x", rows[1001][1])
		assert.Equal(t, "many", rows[1003][1])
	})
	t.Run("missing-column.csv", func(t *testing.T) {
		assert.NotContains(t, readCSV(t, "missing-column.csv")[0], "ship_date")
	})
	t.Run("extra-columns.csv", func(t *testing.T) {
		assert.Equal(t, append(slices.Clone(orderHeader), "coupon_code", "internal_note"), readCSV(t, "extra-columns.csv")[0])
	})
	t.Run("duplicate-header.csv", func(t *testing.T) {
		h := readCSV(t, "duplicate-header.csv")[0]
		assert.Equal(t, "amount", h[1])
		assert.Equal(t, "amount", h[3])
	})
	t.Run("empty inputs", func(t *testing.T) {
		assert.Empty(t, fixture(t, "empty.csv"))
		assert.Len(t, readCSV(t, "header-only.csv"), 1)
	})
	t.Run("retyped.parquet", func(t *testing.T) {
		data := fixture(t, "retyped.parquet")
		f, err := parquet.OpenFile(bytes.NewReader(data), int64(len(data)))
		require.NoError(t, err)
		assert.EqualValues(t, orderRows, f.NumRows())
		id, ok := f.Schema().Lookup("order_id")
		require.True(t, ok)
		assert.Equal(t, parquet.ByteArray, id.Node.Type().Kind())
		assert.Equal(t, "STRING", id.Node.Type().LogicalType().String(), "order_id is a string column")
	})
	t.Run("mixed-types.ndjson", func(t *testing.T) {
		text := string(fixture(t, "mixed-types.ndjson"))
		assert.Contains(t, text, `"voucher":"SPRING-10"`)
		assert.Contains(t, text, `"voucher":10}`)
	})
	t.Run("mostly", func(t *testing.T) {
		rows := readCSV(t, "orders.csv")
		big, unpaid := 0, 0
		for _, r := range rows[1:] {
			if len(r[1]) >= 6 { // 100.00 and more
				big++
			}
			if r[3] == "false" {
				unpaid++
			}
		}
		assert.Equal(t, len(bigAmounts), big)
		assert.Equal(t, 7, unpaid)
	})
	t.Run("invalid-null-bare.yaml", func(t *testing.T) {
		bare := string(fixture(t, "invalid-null-bare.yaml"))
		assert.Contains(t, bare, "on_invalid: null}")
		assert.NotContains(t, bare, `"null"`)
		assert.Contains(t, string(fixture(t, "invalid-null.yaml")), `on_invalid: "null"}`)
	})
	t.Run("planted-pii.txt", func(t *testing.T) {
		assert.Equal(t, []string{plantedPhone, plantedEmail}, strings.Split(strings.TrimSuffix(string(fixture(t, "planted-pii.txt")), "\n"), "\n"))
	})
}
