// Package quality puts a quality gate around a dataset read or write.
//
// A Gate evaluates a compiled rule program (package rules) over a stream of
// Arrow record batches and produces a Report: one result per rule with its
// counts, pass fraction, metric values and a few failing-row samples, plus
// the gate decision. It has three entry points:
//
//   - Check measures a reader and writes nothing.
//   - Run reads a connectors.Source and writes the rows to a clean sink and
//     a quarantine sink: the clean sink commits only when the gate passes,
//     the quarantine sink whenever the run completes.
//   - Filter wraps a reader and yields the clean rows as a stream; the report
//     is ready once the stream is drained.
//
// # Semantics
//
// A row fails the gate when any row rule of severity error fails on it
// (evaluates to false, to null with nulls: fail, or errors). Failures of
// warn and info row rules are counted and sampled but do not move rows: a
// row is "clean" when it passes every error-severity row rule. In every
// report rows_in == rows_clean + rows_quarantined, whatever the entry point
// and the mode; without a quarantine sink rows_quarantined counts the rows
// that would have gone there. The per-row split ignores mostly: a rule with
// mostly 0.99 may pass while its failing rows are still held back.
//
// A rule's status is pass when passed/evaluated >= mostly, not_evaluated
// when nothing was evaluated (an empty dataset, every input null with
// nulls: skip, a metric undefined on the data), error when a dataset check
// could not be computed, and otherwise fail — or warn for a warn-severity
// rule. Info rules are reported and never move the gate. The gate fails
// when an error-severity rule has status fail or error, warns when only
// warn-severity rules do, and passes otherwise; WithStrict turns a warning
// into a failure. A not_evaluated rule never moves the gate: it is shown
// as such so that an empty input is never mistaken for a pass; use a
// dataset check such as row_count() >= 1 to require data.
//
// # Modes
//
// In ModeFilter (the default) the clean sink, and the reader returned by
// Filter, receive only clean rows and the quarantine sink the others. In
// ModeCheck the gate decides for the dataset as a whole: the clean sink and
// Filter's reader receive every row unchanged, and a quarantine sink
// receives copies of the failing rows.
//
// # Errors
//
// A failed gate is a result, not an error: Run, Check and Filter return the
// Report with Status fail and a nil error, and Report.Err turns it into an
// error wrapping ErrGateFailed for callers that want one. An error returned
// by Check, Run or the report function of Filter means the gate could not
// run (see RunError); no sink is left half-written.
//
// A Gate is immutable and safe for concurrent use; each call keeps its own
// state.
package quality
