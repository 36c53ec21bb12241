package dbt_test

import (
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/sluicedata/sluice/importers/dbt"
	"github.com/sluicedata/sluice/rules"
)

const schema = `version: 2
models:
  - name: orders
    description: One row per order.
    meta: {owner: "sales@example.com"}
    columns:
      - name: order_id
        data_type: integer
        data_tests: [unique, not_null]
      - name: status
        data_tests:
          - accepted_values:
              arguments: {values: [placed, shipped]}
              config: {severity: warn}
      - name: customer_id
        data_tests:
          - relationships: {to: "ref('customers')", field: customer_id}
          - dbt_utils.equality: {compare_model: "ref('x')"}
`

func TestImport(t *testing.T) {
	files, err := dbt.Import("schema.yml", []byte(schema), dbt.Options{Ref: func(n string) (string, error) { return n + ".csv", nil }})
	require.NoError(t, err)
	require.Len(t, files, 1)
	f := files[0]
	assert.Equal(t, "orders", f.Dataset)
	assert.Equal(t, "sales@example.com", f.Owner)
	got := map[string]string{}
	for _, r := range f.Rules {
		got[r.Name] = r.Expr + r.Check + "|" + r.Severity
	}
	assert.Equal(t, map[string]string{
		"order_id.unique_non_null":  "distinct_count(order_id) == row_count() - null_count(order_id)|",
		"order_id.not_null":         "order_id != null|",
		"status.accepted_values":    `status in ["placed", "shipped"]|warn`,
		"customer_id.relationships": `missing_references(customer_id, "customers.csv", "customer_id") == 0|`,
	}, got)
	require.Len(t, f.Notes, 1)
	assert.Contains(t, f.Notes[0].Source, "schema.yml:18:13:")
	_, err = rules.Parse("orders.yaml", f.YAML())
	assert.NoError(t, err)
}

func TestImportNotSchema(t *testing.T) {
	_, err := dbt.Import("x.yml", []byte("foo: 1\n"), dbt.Options{})
	assert.ErrorIs(t, err, dbt.ErrNotSchema)
}

// translate imports one model whose column c carries the given test and
// returns its rules as name → expr/check|severity, and its notes.
func translate(t *testing.T, test string) (map[string]string, []string) {
	t.Helper()
	schema := "version: 2\nmodels:\n  - name: m\n    columns:\n      - name: c\n        data_tests:\n          - " + test + "\n"
	files, err := dbt.Import("schema.yml", []byte(schema), dbt.Options{Ref: func(n string) (string, error) { return n + ".csv", nil }})
	require.NoError(t, err)
	require.Len(t, files, 1)
	got := map[string]string{}
	for _, r := range files[0].Rules {
		got[r.Name] = r.Expr + r.Check + "|" + r.Severity
	}
	var notes []string
	for _, n := range files[0].Notes {
		notes = append(notes, n.String())
	}
	if len(got) > 0 {
		_, err = rules.Parse("m.yaml", files[0].YAML())
		require.NoError(t, err)
	}
	return got, notes
}

func TestImportTests(t *testing.T) {
	tests := []struct {
		name  string
		test  string
		rules map[string]string
		note  string // a substring of the one note, "" for none
	}{
		{"where on a row test", `not_null: {config: {where: "status = 'x'"}}`,
			map[string]string{"c.not_null": `status != null && status == "x" ? (c != null) : dyn(null)|`}, ""},
		{"where on a row test that skips nulls", `accepted_values: {values: [a], config: {where: "k > 1"}}`,
			map[string]string{"c.accepted_values": `k != null && k > 1 && c != null ? (c in ["a"]) : dyn(null)|`}, ""},
		{"error_if and warn_if on not_null", `not_null: {config: {error_if: ">10", warn_if: ">=2"}}`,
			map[string]string{"c.not_null": "null_count(c) <= 10|", "c.not_null_warn": "null_count(c) < 2|warn"}, ""},
		{"warn_if with severity warn", `not_null: {config: {severity: warn, warn_if: ">3", error_if: ">0"}}`,
			map[string]string{"c.not_null": "null_count(c) <= 3|warn"}, ""},
		{"thresholds that mean any failure", `not_null: {config: {error_if: ">0", warn_if: ">=1"}}`,
			map[string]string{"c.not_null": "c != null|"}, ""},
		{"unique counts duplicated values", `unique: {config: {error_if: ">2"}}`,
			map[string]string{"c.unique_non_null": "distinct_count(c) - (row_count() - null_count(c) - duplicate_count(c)) <= 2|",
				"c.unique_non_null_warn": "distinct_count(c) == row_count() - null_count(c)|warn"}, ""},
		{"threshold on accepted_values", `accepted_values: {values: [a], config: {error_if: ">2", warn_if: ">2"}}`,
			nil, "dbt counts the distinct values outside the list"},
		{"threshold on a one-row test", `dbt_utils.at_least_one: {config: {error_if: ">5"}}`,
			map[string]string{"c.at_least_one_warn": "row_count() - null_count(c) > 0|warn"}, "error_if >5 never holds (the test returns 0 or 1 rows): no error rule"},
		{"bad threshold", `not_null: {config: {error_if: "> 10%"}}`, nil, `the threshold "> 10%" is not a comparison`},
		{"where a metric cannot filter", `unique: {config: {where: "k > 1"}}`, nil, "the where config on unique is not translated"},
		{"where that is not translatable", `not_null: {config: {where: "lower(k) = 'x'"}}`, nil, "function calls (lower)"},
		{"quote false", `accepted_values: {values: [1, 2.5], quote: false}`, map[string]string{"c.accepted_values": "c in [1, 2.5]|"}, ""},
		{"limit", `not_null: {config: {limit: 5}}`, map[string]string{"c.not_null": "c != null|"}, "partly translated: schema.yml:7:13: not_null on c: the config limit has no effect"},
		{"disabled", `not_null: {config: {enabled: false}}`, nil, "partly translated: schema.yml:7:13: not_null on c: disabled in dbt"},
		{"jinja", `accepted_values: {values: "{{ var('v') }}"}`, nil, "Jinja"},
		{"fail_calc", `not_null: {config: {fail_calc: "sum(n)"}}`, nil, `fail_calc "sum(n)" is not translated`},
		{"expression_is_true on a column", `dbt_utils.expression_is_true: {expression: ">= 0 and c < k"}`,
			map[string]string{"c.expression_is_true": "(c == null || c >= 0) && (c == null || k == null || c < k)|"}, ""},
		{"accepted_range exclusive", `dbt_utils.accepted_range: {min_value: 0, max_value: 1.5, inclusive: false}`,
			map[string]string{"c.accepted_range": "(c == null || c > 0) && (c == null || c < 1.5)|"}, ""},
		{"not_null_proportion", `dbt_utils.not_null_proportion: {at_least: 0.5, at_most: 0.9}`,
			map[string]string{"c.not_null_proportion": "completeness(c) >= 0.5 && completeness(c) <= 0.9|"}, ""},
		{"not_null_proportion with where", `dbt_utils.not_null_proportion: {at_least: 0.5, config: {where: "k = 1"}}`,
			map[string]string{"c.not_null_proportion": "double(count_if(k != null && k == 1 && c != null)) >= 0.5 * double(count_if(k != null && k == 1))|"},
			"with no row inside where dbt divides by zero"},
		{"at_least_one with where", `dbt_utils.at_least_one: {config: {where: "k = 1"}}`,
			map[string]string{"c.at_least_one": "count_if(k != null && k == 1 && c != null) > 0|"}, ""},
		{"not_accepted_values", `dbt_utils.not_accepted_values: {values: [x, y]}`,
			map[string]string{"c.not_accepted_values": `!(c in ["x", "y"])|`}, ""},
		{"not_constant", `dbt_utils.not_constant`, map[string]string{"c.not_constant": "distinct_count(c) != 1|"}, ""},
		{"recency in hours", `dbt_utils.recency: {datepart: hour, field: c, interval: 26}`,
			map[string]string{"c.recency": `max(c) >= now() - duration("26h")|`}, ""},
		{"recency in months", `dbt_utils.recency: {datepart: month, field: c, interval: 1}`, nil, `datepart "month" has no fixed length`},
		{"unique_combination_of_columns", `dbt_utils.unique_combination_of_columns: {combination_of_columns: [c, k]}`,
			map[string]string{"c_k.unique_combination": "duplicate_count(c, k) == 0|"}, "partly translated"},
		{"equal_rowcount with thresholds", `dbt_utils.equal_rowcount: {compare_model: "ref('o')", config: {error_if: ">5", warn_if: ">5"}}`,
			map[string]string{"equal_rowcount": `(row_count() >= row_count("o.csv") ? row_count() - row_count("o.csv") : row_count("o.csv") - row_count()) <= 5|`}, ""},
		{"dbt_expectations row count of another model", `dbt_expectations.expect_table_row_count_to_equal_other_table: {compare_model: "ref('o')"}`,
			map[string]string{"row_count_equal_other_table": `row_count() == row_count("o.csv")|`}, ""},
		{"group_by_columns", `dbt_utils.at_least_one: {group_by_columns: [k]}`, nil, "group_by_columns is not translated"},
		{"dbt_expectations between", `dbt_expectations.expect_column_values_to_be_between: {min_value: 1, max_value: 9, strictly: true}`,
			map[string]string{"c.between": "c > 1 && c < 9|"}, ""},
		{"dbt_expectations with row_condition", `dbt_expectations.expect_column_values_to_not_be_null: {row_condition: "k is not null"}`,
			map[string]string{"c.not_null": "k != null ? (c != null) : dyn(null)|"}, ""},
		{"dbt_expectations row order", `dbt_expectations.expect_column_values_to_be_increasing: {sort_column: d}`, nil, "sorted by sort_column"},
		{"dbt_expectations the GX importer refuses", `dbt_expectations.expect_column_kl_divergence_to_be_less_than: {threshold: 0.1}`, nil, "as the GX expectation"},
		{"dbt_expectations unknown to GX", `dbt_expectations.expect_column_values_to_be_within_n_moving_stdevs: {date_column_name: d}`, nil, "unknown expectation type"},
		{"custom test", `my_project.is_even`, nil, "the test my_project.is_even is not translated"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			got, notes := translate(t, tc.test)
			if tc.rules == nil {
				assert.Empty(t, got)
			} else {
				assert.Equal(t, tc.rules, got)
			}
			if tc.note == "" {
				assert.Empty(t, notes)
			} else if assert.Len(t, notes, 1) {
				assert.Contains(t, notes[0], tc.note)
			}
		})
	}
}

func TestImportSourceFreshness(t *testing.T) {
	schema := `version: 2
sources:
  - name: shop
    loaded_at_field: _loaded_at
    freshness:
      warn_after: {count: 12, period: hour}
      error_after: {count: 2, period: day}
    tables:
      - name: orders
      - name: customers
        freshness: null
      - name: payments
        config:
          loaded_at_field: paid_at
          freshness:
            error_after: {count: 30, period: minute}
            warn_after: null
      - name: refunds
        freshness:
          error_after: {count: 1, period: month}
`
	files, err := dbt.Import("src.yml", []byte(schema), dbt.Options{})
	require.NoError(t, err)
	require.Len(t, files, 4)
	rulesOf := func(i int) map[string]string {
		got := map[string]string{}
		for _, r := range files[i].Rules {
			got[r.Name] = r.Check + "|" + r.Severity
		}
		return got
	}
	assert.Equal(t, map[string]string{
		"_loaded_at.freshness":      `now() - max(_loaded_at) <= duration("48h")|`,
		"_loaded_at.freshness_warn": `now() - max(_loaded_at) <= duration("12h")|warn`,
	}, rulesOf(0))
	assert.Empty(t, rulesOf(1))
	assert.Equal(t, map[string]string{"paid_at.freshness": `now() - max(paid_at) <= duration("30m")|`}, rulesOf(2))
	require.Len(t, files[3].Notes, 1)
	assert.Contains(t, files[3].Notes[0].String(), "not translated: src.yml:19:9: freshness: freshness period month is not minute, hour or day")
}

// FuzzImport: no schema file makes the importer panic, and every file it
// returns renders to a rule file.
func FuzzImport(f *testing.F) {
	f.Add([]byte(schema))
	f.Add([]byte("version: 2\nsources:\n  - name: s\n    freshness: {error_after: {count: 1, period: hour}}\n    loaded_at_field: t\n    tables: [{name: x}]\n"))
	f.Add([]byte("models:\n  - name: m\n    columns:\n      - name: c\n        tests: [{not_null: {config: {where: \"a > 1\", error_if: \">2\"}}}]\n"))
	f.Fuzz(func(t *testing.T, data []byte) {
		files, err := dbt.Import("f.yml", data, dbt.Options{Ref: func(n string) (string, error) { return n + ".csv", nil }})
		if err != nil {
			return
		}
		for _, f := range files {
			_ = f.YAML()
		}
	})
}
