// Package soda translates SodaCL check files into Sluice rule files.
//
// Each `checks for TABLE:` section becomes one rule file (Import returns one
// File per table). Metric checks (row_count, missing_count/percent,
// invalid_count/percent with valid values/format/regex/length/min/max,
// duplicate_count/percent, min, max, avg, sum, stddev, percentile,
// min/max/avg_length) become dataset checks; freshness becomes
// now() - max(col) < duration; schema checks become columns: entries;
// reference checks become missing_references; failed rows with a fail
// condition become row rules (the SQL condition translated to CEL for the
// common operators). warn:/fail: thresholds become rules of severity warn
// and error. What cannot be translated is a Note, also written as a comment.
package soda
