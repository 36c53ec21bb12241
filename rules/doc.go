// Package rules loads rule files, type-checks their CEL expressions against
// an Arrow schema and evaluates them over record batches.
//
// A RuleSet (from Load or Parse) and a Program (from RuleSet.Compile) are
// immutable and safe for concurrent use. Per-run state — row outcomes and the
// mergeable metric states of dataset checks — lives in a Run, which is not;
// give each goroutine its own Run and Merge them.
package rules
