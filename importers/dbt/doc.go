// Package dbt translates the tests of dbt schema files (schema.yml,
// version 2) into Sluice rule files: one rule file per model, source table
// or seed.
//
// The generic tests not_null, unique, accepted_values and relationships,
// the dbt_utils tests that have a metric equivalent and the
// dbt_expectations tests (through the translations of importers/gx) become
// row rules and dataset checks. The test configs severity, where, warn_if
// and error_if are carried over; limit and store_failures are ignored with
// a note. Whatever cannot be translated is reported per test with the
// file:line:column of the test in the schema file.
package dbt
