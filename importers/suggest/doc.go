// Package suggest profiles a dataset in one pass and proposes a rule file
// that describes it, after Deequ's constraint suggestion rules:
//
//   - type retention: every column's type is declared (type:);
//   - complete if complete: a column without nulls is required;
//   - retain completeness: a column with some nulls keeps at least a lower
//     confidence bound of its observed completeness;
//   - non-negative numbers: a numeric column whose minimum is >= 0 gets min: 0;
//   - categorical range: a string, integer or boolean column with few distinct
//     values (MaxCategories) lists them in values:;
//   - unique if unique: a column whose non-null values are all distinct is
//     unique (checked exactly with distinct_count, not estimated).
//
// Each suggestion carries the evidence as a comment ("0 nulls in 10000
// rows"). The suggestions describe the data they were computed from, so the
// rule file passes on it; they are a starting point to review, not a
// contract by themselves.
package suggest
