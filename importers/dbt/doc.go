// Package dbt translates the tests of dbt schema files (schema.yml,
// version 2) into Sluice rule files: one rule file per model, source table,
// seed or snapshot.
//
// The generic tests not_null, unique, accepted_values and relationships,
// the dbt_utils tests that have a metric equivalent (expression_is_true,
// accepted_range, not_null_proportion, unique_combination_of_columns,
// recency, at_least_one, not_constant, equal_rowcount, fewer_rows_than) and
// the dbt_expectations tests (through importers/gx, for the expectation of
// the same name) become row rules and dataset checks. The freshness of a
// source table (warn_after, error_after over loaded_at_field) becomes
// checks over now() - max(loaded_at_field).
//
// The test configs keep dbt's verdict: severity; warn_if and error_if (one
// rule per level that can fire, over the failure count dbt computes); and
// where, the expression of expression_is_true and the row_condition of
// dbt_expectations, which are SQL, translated from a subset (comparisons,
// AND/OR/NOT, IS NULL, IN, BETWEEN, + - *) with SQL's three-valued logic
// kept exactly. limit and store_failures are noted as having no effect on
// the verdict. Whatever cannot be translated is reported per test with the
// file:line:column of the test in the schema file.
package dbt
