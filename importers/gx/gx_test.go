package gx_test

import (
	"os"
	"path/filepath"
	"testing"

	"github.com/apache/arrow-go/v18/arrow"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/sluicedata/sluice/importers"
	"github.com/sluicedata/sluice/importers/gx"
	"github.com/sluicedata/sluice/rules"
)

func TestImportSuites(t *testing.T) {
	tests := []struct {
		file         string
		dataset      string
		rules        map[string]string
		mostly       map[string]float64
		untranslated int
	}{
		{
			file:    "orders_suite.json",
			dataset: "orders",
			rules: map[string]string{
				"table.row_count":      "row_count() >= 1 && row_count() <= 1000000",
				"order_id.not_null":    "order_id != null",
				"order_id.unique":      "duplicate_count(order_id) == 0",
				"status.in_set":        `status in ["new", "paid", "shipped", "cancelled", "refunded"]`,
				"amount.between":       "amount >= 0",
				"shipped_at.not_null":  `status != null && (status == "shipped") ? (shipped_at != null) : dyn(null)`,
				"amount.mean":          "mean(amount) >= 1.0 && mean(amount) <= 5000.0",
				"email.json_parseable": "is_json(email)",
				"order_id.increasing":  "order_violations(order_id, 'increasing') == 0",
			},
			mostly:       map[string]float64{"amount.between": 0.99, "email.match_regex": 0.95},
			untranslated: 1, // KL divergence
		},
		{
			file:    "legacy_suite.json",
			dataset: "airports.warning",
			rules: map[string]string{
				"iata_code.not_null":     "iata_code != null",
				"iata_code.length_equal": "size(iata_code) == 3",
			},
			mostly:       map[string]float64{"iata_code.not_null": 0.9},
			untranslated: 1, // a lookbehind is not RE2
		},
	}
	for _, tc := range tests {
		t.Run(tc.file, func(t *testing.T) {
			data, err := os.ReadFile(filepath.Join("testdata", tc.file))
			require.NoError(t, err)
			f, err := gx.Import(data, gx.Options{})
			require.NoError(t, err)
			text := f.YAML()
			rs, err := rules.Parse(tc.file, text)
			require.NoError(t, err, "output must load:\n%s", text)
			assert.Equal(t, tc.dataset, rs.Dataset)
			assert.Equal(t, importers.OwnerPlaceholder, rs.Owner)
			got := map[string]rules.Rule{}
			for _, r := range rs.Rules {
				got[r.Name] = r
			}
			for name, want := range tc.rules {
				assert.Equal(t, want, got[name].Expr+got[name].Check, "rule %s", name)
			}
			for name, want := range tc.mostly {
				assert.InDelta(t, want, got[name].Mostly, 1e-12, "mostly of %s", name)
			}
			assert.Len(t, f.Notes, tc.untranslated, "notes: %v", f.Notes)
			assert.Contains(t, string(text), "# Checks that were not translated")
		})
	}
}

func TestImportTypesLiterals(t *testing.T) {
	schema := arrow.NewSchema([]arrow.Field{
		{Name: "x", Type: arrow.PrimitiveTypes.Float64, Nullable: true},
		{Name: "ts", Type: &arrow.TimestampType{Unit: arrow.Microsecond}, Nullable: true},
	}, nil)
	suite := `{"name": "s", "expectations": [
		{"type": "expect_column_values_to_be_in_set", "kwargs": {"column": "x", "value_set": [1, 2]}},
		{"type": "expect_column_max_to_be_between", "kwargs": {"column": "ts", "max_value": "2024-01-01 00:00:00"}}]}`
	f, err := gx.Import([]byte(suite), gx.Options{Schema: schema, Owner: "o@example.com"})
	require.NoError(t, err)
	require.Len(t, f.Rules, 2)
	assert.Equal(t, "x in [1.0, 2.0]", f.Rules[0].Expr)
	assert.Equal(t, `max(ts) <= timestamp("2024-01-01T00:00:00Z")`, f.Rules[1].Check)
	rs, err := rules.Parse("s.yaml", f.YAML())
	require.NoError(t, err)
	_, err = rs.Compile(schema)
	assert.NoError(t, err)
}

func TestParseSuiteErrors(t *testing.T) {
	tests := []struct{ name, src string }{
		{"not json", "{"},
		{"no expectations", `{"name": "x"}`},
		{"no type", `{"name": "x", "expectations": [{"kwargs": {}}]}`},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			_, err := gx.ParseSuite([]byte(tc.src))
			assert.Error(t, err)
		})
	}
}

func TestLikeToRegex(t *testing.T) {
	assert.Equal(t, `^a(?s:.*)b(?s:.)\.$`, gx.LikeToRegex("a%b_."))
	assert.Equal(t, `^[ab]c$`, gx.LikeToRegex("[ab]c"))
}
