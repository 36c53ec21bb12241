// Package synth generates synthetic Arrow batches from the columns a rule
// file declares, for measuring a rule set without data of its own.
//
// FromRuleSet reads the columns: section of a rules.RuleSet: the declared
// type of each column, and its shorthands — required (no nulls), unique
// (distinct values), values (the value set), min and max (the range),
// pattern (strings that match it), min_length and max_length (string
// lengths). A column that a rule reads but the file does not declare, or
// declares without a type, is typed by compiling the rule set with
// candidate types until it type-checks; when no type does, FromRuleSet
// refuses with an error wrapping ErrNoType that names the columns.
//
// Plan.Generate returns batches that follow the plan with a small share of
// values breaking each shorthand (a value outside the set, below min, a
// string that does not match the pattern, a duplicate of a unique column),
// so that every rule has failures to count. Output is deterministic: the
// same plan and seed give the same values whatever the batch size.
//
// A Plan is immutable and safe for concurrent use.
package synth
