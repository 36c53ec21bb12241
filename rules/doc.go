// Package rules loads rule files, type-checks their CEL expressions against
// an Arrow schema and evaluates them over record batches.
//
// A RuleSet (from Load or Parse) and a Program (from RuleSet.Compile) are
// immutable and safe for concurrent use. Per-run state — row outcomes and the
// mergeable metric states of dataset checks — lives in a Run, which is not;
// give each goroutine its own Run and Merge them, or let Run.EvalReader
// spread a reader's batches over several goroutines with results that do
// not depend on their number.
//
// Row rules run on the vectorized engine of package rules/engine where it
// applies, in one pass per batch for the whole program, and on cel-go's
// interpreter otherwise (CompiledRule.Engine says which; WithEngine
// chooses). Both give the same outcomes and errors on every row.
//
// # Semantics kept here
//
// Columns are CEL variables typed from Arrow (ints → int, uints → uint,
// floats and decimals → double, string, bytes, bool, timestamps and dates →
// timestamp in UTC, durations, lists; dictionary columns take their value
// type). Nullable columns compare with null. Columns whose names are not CEL
// identifiers are read as row['Cost Total $'] or row.`Cost Total $`; keys of
// columns: entries with name: are aliases. The strings extension and
// matches() are available; constant regexes are checked at compile time.
//
// A row rule that reads a null input, and does not test for null itself (a
// null literal or has(row.x), which reads as x != null), is not evaluated
// on that row: the row counts per the rule's nulls policy (skip, fail,
// pass). A rule that evaluates to null or a non-boolean counts per its
// nulls policy too. Evaluation errors are Errored outcomes counted by
// message, never an aborted run.
//
// Dataset checks are CEL over metric functions whose arguments are columns
// and constants. count_if(e) counts rows where e is true (rows with a null
// input of e are not counted); fraction_if(e) divides that by the number of
// rows (undefined on no rows). A check reading an undefined metric is Skip.
// column_count() and columns() are the data's columns (the compiled
// schema's, in order, less those a reader added only because they are
// declared); row_count('path') counts the rows of another dataset opened
// through WithReferences.
//
// History-aware checks — previous(m), change(m), anomaly(m, strategy, …),
// drift(c), ks(c) and the schema functions columns_added(),
// columns_removed(), columns_retyped(), schema_unchanged() — read earlier
// runs through a History given with WithHistory; without one they are Skip
// with the reason in CheckResult.Err, never a silent pass.
//
// Every expression is capped at DefaultCostLimit (WithCostLimit) by the
// static estimate. At run time a batch runs unmetered when the estimate with
// the batch's actual value sizes is within the limit, and metered otherwise.
package rules
