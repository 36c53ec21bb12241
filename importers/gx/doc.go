// Package gx translates Great Expectations expectation suites into Sluice
// rule files.
//
// Both suite forms are read: GX Core 1.x ({"name", "expectations": [{"type",
// "kwargs", "meta"}]}) and the older one ({"expectation_suite_name",
// "expectations": [{"expectation_type", "kwargs"}]}). Column map
// expectations become row rules (expr) with mostly; aggregate and table
// expectations become dataset checks over metric functions. A row_condition
// in the pandas or great_expectations__experimental__ syntax becomes part of
// the row rule: rows outside the condition evaluate to null and are not
// counted (nulls: skip), as GX filters them out.
//
// Literals are typed from Options.Schema when it is given (a value set of
// integers against a double column is written as doubles, date strings
// against a timestamp column as timestamp(...)); without it they are
// written as the suite spells them.
//
// Column-pair expectations (equal, A greater than B, pairs in a set) and
// multicolumn ones are row rules over the columns; ignore_row_if is spelled
// out in the expression: an ignored row evaluates to null and is not
// counted, any other row is evaluated, missing values included (a missing
// value fails a comparison and differs from every present value), as in GX.
//
// Table-level expectations (column count, the columns' order or set, a
// column's position, the row count of another table) become dataset checks
// over column_count(), columns() and row_count('path'), which read the
// data's columns as read, in order.
//
// What cannot be expressed is reported as a Note, and written as a comment
// in the rule file: distributional expectations such as KL divergence,
// z-scores with mostly below 1, among others — see Supported. Row order
// (increasing, decreasing) translates to order_violations, z-scores to
// zscore_max and zscore_min (for mostly = 1), Cramér's phi to cramers_phi,
// dateutil_parseable to parses_date and match_json_schema to
// matches_json_schema.
package gx
