package quality

import (
	"context"
	"fmt"

	"github.com/sluicedata/sluice/quality/history"
	"github.com/sluicedata/sluice/rules/metrics"
)

// rowCountName is the canonical name of row_count(), whose state every
// partitioned run records so that the combined row count is known even when
// no check reads it.
const rowCountName = "row_count()"

// WithPartition makes the run an incremental check of one partition of the
// dataset (a day, a file, a batch id): the run is recorded in the history
// store (WithHistory, required) under key, replacing the earlier run of
// that partition, and the dataset checks are evaluated over the merge of
// this partition's metric states with the stored states of every other
// partition of the dataset, so row_count, duplicate_count,
// distinct_count, mean, min, max, quantiles and the other state-based
// metrics are whole-dataset values without rereading the other
// partitions. Row rules, their counts and samples, count_if, fraction_if
// and missing_references stay this partition's own. Runs recorded without
// a partition are not combined. Report.Partitions lists what was combined.
func WithPartition(key string) Option { return func(c *config) { c.partition = key } }

// PartitionReport says which partitions a partitioned run combined.
type PartitionReport struct {
	// Current is the partition this run read.
	Current string `json:"current"`
	// Combined lists the other partitions whose stored states were merged,
	// in order.
	Combined []string `json:"combined"`
	// RowsTotal is the number of rows of all of them, current included;
	// nil when a stored partition recorded no row count.
	RowsTotal *int64 `json:"rows_total,omitempty"`
}

// combine merges the stored states of the other partitions into the run,
// before Finish. rep gets Partitions.
func (s *session) combine(ctx context.Context, rep *Report) error {
	key := s.g.cfg.partition
	store := s.g.cfg.history
	if key == "" || store == nil {
		return nil
	}
	parts, err := store.States(ctx, rep.Dataset)
	if err != nil {
		return fmt.Errorf("stored partitions: %w", err)
	}
	pr := &PartitionReport{Current: key, Combined: []string{}}
	total := s.rowsIn
	known := true
	others := parts[:0:0]
	for _, p := range parts {
		if p.Partition == "" || p.Partition == key {
			continue
		}
		others = append(others, p)
		pr.Combined = append(pr.Combined, p.Partition)
		n, ok, err := storedRows(p)
		if err != nil {
			return err
		}
		total += n
		known = known && ok
	}
	if known {
		pr.RowsTotal = &total
	}
	rep.Partitions = pr
	if len(others) == 0 {
		return nil
	}
	merged, err := history.MergeStates(others)
	if err != nil {
		return err
	}
	return s.run.MergeStates(merged)
}

// storedRows returns the row count a partition recorded.
func storedRows(p history.PartitionStates) (int64, bool, error) {
	data, ok := p.States[rowCountName]
	if !ok {
		return 0, false, nil
	}
	st, err := metrics.Decode(data)
	if err != nil {
		return 0, false, fmt.Errorf("row count of partition %q: %w", p.Partition, err)
	}
	v, err := st.Result()
	if err != nil {
		return 0, false, fmt.Errorf("row count of partition %q: %w", p.Partition, err)
	}
	n, ok := v.(int64)
	return n, ok, nil
}

// rowCountState encodes a row_count state of n rows.
func rowCountState(n int64) ([]byte, error) {
	st, err := metrics.New(metrics.Spec{Func: "row_count"}, nil)
	if err != nil {
		return nil, err
	}
	rc, ok := st.(metrics.RowCounter)
	if !ok {
		return nil, fmt.Errorf("row_count state cannot count rows")
	}
	rc.UpdateRows(n)
	return metrics.Encode(st)
}

// rowsTotal is the text report's note of the combined row count.
func rowsTotal(p *PartitionReport) string {
	if p.RowsTotal == nil {
		return ""
	}
	return fmt.Sprintf(" (%d rows in all)", *p.RowsTotal)
}
