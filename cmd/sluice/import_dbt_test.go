package main

import (
	"encoding/json"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

const jaffleShop = "testdata/dbt/jaffle_shop"

// TestImportDbtJaffleShop imports the fixture project's schema files with
// `sluice import dbt`, checks each model's data with the rule files it
// wrote, and compares the verdict of every dbt test with the one `dbt
// test` gives on the same rows (derived by hand below). A dbt test with
// warn_if and error_if becomes two rules, <name> (error) and <name>_warn:
// the test fails when the first fails, warns when only the second does.
func TestImportDbtJaffleShop(t *testing.T) {
	out := t.TempDir()
	data := filepath.Join(jaffleShop, "data")
	schemas := []string{
		filepath.Join(jaffleShop, "models", "schema.yml"),
		filepath.Join(jaffleShop, "models", "staging", "schema.yml"),
		filepath.Join(jaffleShop, "seeds", "seeds.yml"),
	}
	args := append([]string{"import", "dbt", "--data", data, "--out-dir", out}, schemas...)

	// dbt_utils.cardinality_equality is not translated: without
	// --allow-partial nothing is written.
	code, _, errOut := sluice(t, args...)
	require.Equal(t, exitUsage, code, errOut)
	assert.Contains(t, errOut, "1 check was skipped")
	assert.Contains(t, errOut, "stg_payments: not translated: "+filepath.Join(jaffleShop, "models", "staging", "schema.yml")+":52:13: dbt_utils.cardinality_equality on order_id: it compares how often each value occurs")
	entries, err := os.ReadDir(out)
	require.NoError(t, err)
	assert.Empty(t, entries)

	args = append([]string{"import", "dbt", "--allow-partial", "--data", data, "--out-dir", out}, schemas...)
	code, _, errOut = sluice(t, args...)
	require.Equal(t, exitPass, code, errOut)
	assert.Contains(t, errOut, "partly translated: "+filepath.Join(jaffleShop, "models", "staging", "schema.yml")+":61:13: dbt_utils.accepted_range on amount: the config store_failures is ignored")
	assert.Contains(t, errOut, "partly translated: "+filepath.Join(jaffleShop, "seeds", "seeds.yml")+":21:13: not_null on amount: the config limit has no effect on the verdict")

	// verdict per dataset and dbt test, as dbt test gives it.
	want := map[string]map[string]string{
		"customers": {
			"customer_id.unique_non_null": "pass",
			"customer_id.not_null":        "pass",
			// customer 6 has no first name; severity: warn.
			"first_name.not_null":     "warn",
			"first_name.not_constant": "pass",
			// 5 of 6 first orders are known: 0.83 >= 0.8.
			"first_order.not_null_proportion": "pass",
			// where number_of_orders > 0 leaves customers 1, 2, 3, 5, 6, whose
			// first order is known: 1.0 >= 0.9 (0.83 without the where).
			"first_order.not_null_proportion_2": "pass",
			"number_of_orders.accepted_range":   "pass",
			// customer 5's value is -5: 1 failure, warn_if >0 holds,
			// error_if >1 does not (customer 4's null value is not a failure).
			"customer_lifetime_value.accepted_range": "warn",
			"customer_lifetime_value.at_least_one":   "pass",
			// "customer_lifetime_value >= 0 or number_of_orders = 0": customer
			// 4 is NULL or TRUE = TRUE; customer 5 is FALSE or FALSE.
			"expression_is_true": "fail",
			// "number_of_orders > 0 and customer_lifetime_value >= 0": customer
			// 4 is FALSE and NULL = FALSE (a failure although a value is null),
			// customer 5 TRUE and FALSE: 2 failures, error_if >1 holds.
			"expression_is_true_2": "fail",
			// customer 4: first_order is null, TRUE.
			"expression_is_true_3": "pass",
			// all (first_name, last_name) pairs differ.
			"first_name_last_name.unique_combination": "pass",
			// the newest order is of 2018-01-15: older than a day (severity
			// warn), younger than 100000 days.
			"most_recent_order.recency":   "warn",
			"most_recent_order.recency_2": "pass",
			// 6 customers, 6 staged customers.
			"equal_rowcount": "pass",
		},
		"orders": {
			// order 11 appears twice: dbt counts 1 duplicated value (not 2
			// rows), so warn_if >0 holds and error_if >1 does not.
			"order_id.unique_non_null": "warn",
			"order_id.not_null":        "pass",
			// order 10 has no customer but is 'placed', outside the where.
			"customer_id.not_null": "pass",
			// order 3's customer 94 does not exist; order 10's null is not a
			// failure: 1 failure, error_if >1 does not hold, warn_if (!=0) does.
			"customer_id.relationships": "warn",
			"order_date.accepted_range": "pass",
			// order 9 is 'lost'; severity: warn.
			"status.accepted_values": "warn",
			"status.match_regex":     "pass",
			// row_condition order_date >= '2018-01-10' keeps order 9 (2018-01-12).
			"status.in_set":   "fail",
			"amount.not_null": "pass",
			// order 11's 150 is 'returned', outside the row_condition.
			"amount.between":              "pass",
			"credit_card_amount.not_null": "pass",
			// order 7: 29 != 0 + 0 + 0 + 30.
			"expression_is_true": "fail",
			"table.row_count":    "pass",
			// 12 orders, 11 staged orders: dbt's failure count is the
			// difference, 1: warn_if >0 holds, error_if >1 does not.
			"equal_rowcount": "warn",
		},
		"stg_customers": {"customer_id.unique_non_null": "pass", "customer_id.not_null": "pass"},
		"stg_orders": {
			// 11 orders, 12 payments.
			"fewer_rows_than":          "pass",
			"order_id.unique_non_null": "pass",
			"order_id.not_null":        "pass",
			// 'lost' is on 2018-01-12, outside where order_date < '2018-01-12'.
			"status.accepted_values": "pass",
		},
		"stg_payments": {
			"payment_id.unique_non_null": "pass",
			"payment_id.not_null":        "pass",
			// payment 12 is for order 99, which stg_orders does not have.
			"order_id.relationships":         "fail",
			"payment_method.accepted_values": "pass",
			// payment 12's amount is 0: min_value 0 with inclusive: false.
			"amount.accepted_range": "fail",
		},
		// the source table jaffle_shop.raw_customers; dbt source freshness:
		// the newest load is of 2018-01-06, older than warn_after (1 day),
		// younger than error_after (100000 days).
		"raw_customers": {"id.unique_non_null": "pass", "id.not_null": "pass", "_loaded_at.freshness": "warn"},
		// the seed raw_payments
		"raw_payments": {
			"id.unique_non_null": "pass",
			"id.not_null":        "pass",
			// payment 8 is 'bitcoin', not accepted and in the list of values
			// not accepted.
			"payment_method.accepted_values":     "fail",
			"payment_method.not_accepted_values": "fail",
			// payment 9 has no amount.
			"amount.not_null": "fail",
		},
	}

	files, err := filepath.Glob(filepath.Join(out, "*.rules.yaml"))
	require.NoError(t, err)
	assert.Len(t, files, len(want))
	for dataset, tests := range want {
		t.Run(dataset, func(t *testing.T) {
			rulesPath := filepath.Join(out, dataset+".rules.yaml")
			text, err := os.ReadFile(rulesPath)
			require.NoError(t, err)
			assert.Contains(t, string(text), "dataset: \""+dataset+"\"")
			code, stdout, errOut := sluice(t, "check", "--format", "json", "--rules", rulesPath, filepath.Join(data, dataset+".csv"))
			require.Contains(t, []int{exitPass, exitFail}, code, errOut)
			var rep jsonReport
			require.NoError(t, json.Unmarshal([]byte(stdout), &rep), stdout)
			got := map[string]string{}
			for _, r := range rep.Rules {
				name := strings.TrimSuffix(r.Name, "_warn")
				switch {
				case r.Status == "fail" && r.Severity == "error":
					got[name] = "fail"
				case r.Status == "warn" || (r.Status == "fail" && r.Severity == "warn"):
					if got[name] != "fail" {
						got[name] = "warn"
					}
				case r.Status == "pass":
					if _, ok := got[name]; !ok {
						got[name] = "pass"
					}
				default:
					t.Errorf("rule %s: status %s", r.Name, r.Status)
				}
			}
			assert.Equal(t, tests, got)
		})
	}

	// The owner comes from meta.owner and config.meta.owner; the
	// relationships reference resolves from the rule file's directory.
	text, err := os.ReadFile(filepath.Join(out, "orders.rules.yaml"))
	require.NoError(t, err)
	assert.Contains(t, string(text), `owner: "orders-team@jaffle.example"`)
	assert.Contains(t, string(text), `missing_references(customer_id, \"`)
	text, err = os.ReadFile(filepath.Join(out, "customers.rules.yaml"))
	require.NoError(t, err)
	assert.Contains(t, string(text), `owner: "analytics@jaffle.example"`)
	assert.Contains(t, string(text), "# PII per dbt (description): add tags: [pii.name]")
	assert.Contains(t, string(text), `check: "row_count() == row_count(\"`)
}

// With --model, one model's rule file goes to stdout; a relationships test
// without --data, or whose data file is missing, is a skipped check.
func TestImportDbtModel(t *testing.T) {
	schema := filepath.Join(jaffleShop, "models", "schema.yml")
	code, out, errOut := sluice(t, "import", "dbt", "--model", "orders", "--data", filepath.Join(jaffleShop, "data"), schema)
	require.Equal(t, exitPass, code, errOut)
	assert.Contains(t, out, `dataset: "orders"`)
	assert.Contains(t, out, filepath.ToSlash(filepath.Join(jaffleShop, "data", "customers.csv")))

	code, _, errOut = sluice(t, "import", "dbt", "--model", "orders", schema)
	assert.Equal(t, exitUsage, code)
	assert.Contains(t, errOut, "relationships on customer_id: the dataset of ref('customers') is not known: give the data directory (--data DIR)")

	code, _, errOut = sluice(t, "import", "dbt", "--model", "orders", "--data", t.TempDir(), schema)
	assert.Equal(t, exitUsage, code)
	assert.Contains(t, errOut, "no data file for customers in --data")

	code, _, errOut = sluice(t, "import", "dbt", "--model", "nope", schema)
	assert.Equal(t, exitUsage, code)
	assert.Contains(t, errOut, `no model, seed or source table "nope"`)

	code, _, errOut = sluice(t, "import", "dbt", "--allow-partial", schema)
	assert.Equal(t, exitUsage, code)
	assert.Contains(t, errOut, "tests for 2 models (customers, orders): pick one with --model or write them all with --out-dir")
}
