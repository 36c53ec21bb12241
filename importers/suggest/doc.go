// Package suggest profiles a dataset in one pass and proposes a rule file
// that describes it, each proposal with its evidence in a comment:
//
//   - type retention: every column's type is declared (type:);
//   - complete if complete: a column without nulls is required; one with
//     some nulls keeps a 95% confidence lower bound of its completeness;
//   - bounds: numeric columns get min and max, the observed extremes
//     widened by RangeMargin of the range and rounded outward (a
//     non-negative column never gets a negative min);
//   - shapes: string values are generalized by character class (upper,
//     lower, digit, other letter, any other character as itself), so
//     airport codes give ^[A-Z]{3}$; a shape shared by every value becomes
//     pattern:, one shared by at least 95% a row rule with mostly:;
//     otherwise lengths (min_length, max_length with MaxLengthMargin);
//   - unique if unique: a column whose non-null values are all distinct,
//     decided exactly (up to Options.UniqueCap distinct values);
//   - categorical range: at most MaxCategories distinct values, with
//     MinRowsPerCategory rows per value, are listed in values:;
//   - references: a column whose values all occur in a column of one of
//     Options.References gets a missing_references check;
//   - freshness: a timestamp or date column gets max(c) >= now() - window,
//     the window twice the larger of the observed cadence and the lag,
//     unless the data is historical (then a comment shows the check);
//   - privacy: a string column the privacy detectors of rules/pii
//     recognise is tagged pii.<kind>, and none of its values, shapes or
//     sets are written.
//
// Memory is bounded per column whatever the number of rows: fixed-size
// metric states from rules/metrics (min, max, HyperLogLog, KLL), an exact
// value set capped at Options.ValueCap, a uniqueness hash set capped at
// Options.UniqueCap and dropped at the first duplicate, and a table of at
// most 32 shapes.
//
// The suggestions describe the data they were computed from, so the rule
// file passes on it; they are a starting point to review, not a contract by
// themselves.
package suggest
