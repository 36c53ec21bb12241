package rules

import (
	"fmt"
	"slices"

	"github.com/sluicedata/sluice/rules/metrics"
)

// ChunkStats are exact statistics of one column over one chunk of rows (a
// Parquet row group): its rows, its nulls, and its smallest and largest
// non-null values (nil when unknown, or when every row is null) in the Go
// forms of connectors.ColumnStats. Nulls is negative when unknown.
type ChunkStats struct {
	Rows, Nulls int64
	Min, Max    any
}

// statFuncs are the metrics exact chunk statistics answer.
var statFuncs = []string{"null_count", "completeness", "min", "max"}

// StatsColumns returns the columns, sorted, that the program reads only
// through metrics exact chunk statistics can answer — null_count,
// completeness, min, max — and through nothing else: no row rule, no
// count_if or fraction_if, no other metric, no reference check, not the
// key. A source that has exact statistics for such a column over every
// chunk need not read it (see CanUseStats and Run.UseStats).
func (p *Program) StatsColumns() []string {
	other := map[string]bool{}
	for _, k := range p.Key() {
		other[k] = true
	}
	mark := func(slots []int) {
		for _, k := range slots {
			other[p.ce.slots[k].name] = true
		}
	}
	for _, rp := range p.rowProg {
		mark(rp.slots)
	}
	for _, rp := range p.hidden {
		mark(rp.slots)
	}
	served := map[string]bool{}
	for _, d := range p.metrics {
		if d.kind == metricState && len(d.slots) == 1 && slices.Contains(statFuncs, d.spec.Func) {
			served[p.ce.slots[d.slots[0]].name] = true
			continue
		}
		mark(d.slots)
	}
	var out []string
	for name := range served {
		if !other[name] {
			out = append(out, name)
		}
	}
	slices.Sort(out)
	return out
}

// statMetrics returns the indexes of the metrics over column that
// statistics would answer, or nil when column is not one of StatsColumns.
func (p *Program) statMetrics(column string) []int {
	if !slices.Contains(p.StatsColumns(), column) {
		return nil
	}
	var out []int
	for k, d := range p.metrics {
		if d.kind == metricState && len(d.slots) == 1 && p.ce.slots[d.slots[0]].name == column {
			out = append(out, k)
		}
	}
	return out
}

// CanUseStats reports whether chunks — the statistics of column, one entry
// per chunk of the whole input — answer every metric the program computes
// over it exactly: column is one of StatsColumns, and each chunk's bounds
// convert to the column's type (see metrics.StatsUpdater).
func (p *Program) CanUseStats(column string, chunks []ChunkStats) bool {
	ks := p.statMetrics(column)
	if len(ks) == 0 {
		return false
	}
	for _, k := range ks {
		d := p.metrics[k]
		st, err := metrics.New(d.spec, d.types)
		if err != nil {
			return false
		}
		su, ok := st.(metrics.StatsUpdater)
		if !ok {
			return false
		}
		for _, c := range chunks {
			if !su.UpdateStats(c.Rows, c.Nulls, c.Min, c.Max) {
				return false
			}
		}
	}
	return true
}

// UseStats answers the metrics over column from chunks (see CanUseStats)
// and leaves column out of every batch the run evaluates afterwards: the
// caller reads the input without it. Call it before the first Eval.
func (r *Run) UseStats(column string, chunks []ChunkStats) error {
	if r.rows > 0 {
		return fmt.Errorf("rules: statistics of column %q given after rows were evaluated", column)
	}
	if !r.p.CanUseStats(column, chunks) {
		return fmt.Errorf("rules: statistics of column %q cannot answer its metrics exactly", column)
	}
	ks := r.p.statMetrics(column)
	fed := slices.Clone(r.cfg.fromStats)
	if fed == nil {
		fed = make([]bool, len(r.p.metrics))
	}
	for _, k := range ks {
		su := r.states[k].(metrics.StatsUpdater)
		for _, c := range chunks {
			su.UpdateStats(c.Rows, c.Nulls, c.Min, c.Max)
		}
		fed[k] = true
	}
	// Runs forked for parallel evaluation copy cfg and so skip the same
	// metrics; the slice is never changed in place once shared.
	r.cfg.fromStats = fed
	return nil
}

// statsFed reports whether metric k was answered by UseStats.
func (c *runConfig) statsFed(k int) bool { return k < len(c.fromStats) && c.fromStats[k] }
