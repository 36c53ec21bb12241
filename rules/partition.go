package rules

import (
	"fmt"

	"github.com/sluicedata/sluice/rules/metrics"
)

// MergeStates folds stored metric states — keyed by the canonical names
// Recorded uses, e.g. the merged states of the other partitions of the
// dataset (history.MergeStates) — into the run's states, so that Finish
// evaluates the dataset checks over the whole dataset. Call it after the
// last Eval and before Finish, at most once.
//
// Only metrics kept as mergeable states combine (row_count, mean,
// duplicate_count, distinct_count, min, max, quantiles, …); count_if,
// fraction_if, missing_references, order_violations (partitions have no
// row order between them) and the row rules stay the run's own.
// States whose name the program does not read are ignored. Recorded called
// afterwards still records the run's own states (so a partition is never
// counted twice), while its Values are the combined ones the checks read.
// The states passed in are read, never modified.
func (r *Run) MergeStates(stored map[string]metrics.State) error {
	if r.err != nil {
		return r.err
	}
	if r.own != nil {
		return fmt.Errorf("rules: MergeStates called twice on one run")
	}
	own := map[string][]byte{}
	for k, d := range r.p.metrics {
		if d.kind != metricState || d.name == "" {
			continue
		}
		b, err := metrics.Encode(r.states[k])
		if err != nil {
			return fmt.Errorf("rules: encode %s: %w", d.name, err)
		}
		own[d.name] = b
	}
	for k, d := range r.p.metrics {
		if d.kind != metricState || d.name == "" {
			continue
		}
		if metrics.OrderSensitive(d.spec.Func) {
			continue // partitions have no row order between them
		}
		s, ok := stored[d.name]
		if !ok || s == nil {
			continue
		}
		if err := r.states[k].Merge(s); err != nil {
			return fmt.Errorf("rules: merge stored state of %s: %w", d.name, err)
		}
	}
	r.own = own
	r.vals = nil
	return nil
}
