package main

import (
	"context"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"time"

	"github.com/apache/arrow-go/v18/arrow"
	"github.com/apache/arrow-go/v18/arrow/array"
	"github.com/apache/arrow-go/v18/arrow/memory"

	"github.com/sluicedata/sluice/quality"
	"github.com/sluicedata/sluice/quality/history"
	"github.com/sluicedata/sluice/rules"
)

// historyRules are the rules of the history case: two row rules and five
// dataset checks, among them an exact uniqueness check whose state is the
// set of all ids.
const historyRules = `version: 1
dataset: orders
owner: bench@example.com
rules:
  - name: amount_non_negative
    expr: amount >= 0.0
    mostly: 0.95
  - name: status_known
    expr: status in ['new', 'paid', 'shipped', 'cancelled', 'refunded', 'unknown']
  - name: has_rows
    check: row_count() > 0
` + uniqueRule + `  - name: amount_mean
    check: mean(amount) > 0.0
  - name: amount_p99
    check: quantile(amount, 0.99) < 1000.0
  - name: statuses
    check: distinct_count(status) <= 6
`

// uniqueRule is the exact uniqueness check of historyRules.
const uniqueRule = `  - name: ids_unique
    check: duplicate_count(order_id) == 0
`

// historyPartitions is the number of stored partitions the merge part of
// the case combines, and historyPartitionRows the rows of each.
const (
	historyPartitions    = 1000
	historyPartitionRows = 1000
)

// historyCase measures what the history store costs:
//
//   - the same gate check of cfg.Rows in-memory rows with history off and
//     on (a SQLite store in a temporary directory: the run's metric values,
//     encoded states — the exact id set among them — and an audit record),
//     alternating, best of cfg.Reps each;
//   - storing the states of 1,000 partitions (1,000 rows each, the states
//     of historyRules) and loading and merging them (history.States and
//     history.MergeStates);
//   - an incremental check of one more partition combined with the 1,000
//     stored ones (quality.WithPartition).
func historyCase(cfg config) error {
	ctx := context.Background()
	rs, err := rules.Parse("history-bench.yaml", []byte(historyRules))
	if err != nil {
		return err
	}
	prog, err := rs.Compile(lineageSchema)
	if err != nil {
		return err
	}
	dir, err := os.MkdirTemp("", "rulebench-history-")
	if err != nil {
		return err
	}
	defer os.RemoveAll(dir)
	if err := historyOnOff(ctx, cfg, prog, dir, ""); err != nil {
		return err
	}
	// The same without the exact uniqueness check: what the sketches and
	// the audit record cost on their own.
	rs, err = rules.Parse("history-bench.yaml", []byte(strings.Replace(historyRules, uniqueRule, "", 1)))
	if err != nil {
		return err
	}
	noIDs, err := rs.Compile(lineageSchema)
	if err != nil {
		return err
	}
	if err := historyOnOff(ctx, cfg, noIDs, dir, "-no-idset"); err != nil {
		return err
	}
	return historyPartitionsCase(ctx, cfg, prog, dir)
}

// historyOnOff measures prog's check with history off and on; suffix tells
// the engine names of a variant apart.
func historyOnOff(ctx context.Context, cfg config, prog *rules.Program, dir, suffix string) error {
	mem, err := lineageStore(ctx, cfg.Rows)
	if err != nil {
		return err
	}
	defer mem.Clear()
	store, err := history.Open(ctx, filepath.Join(dir, "onoff"+suffix+".db"))
	if err != nil {
		return err
	}
	defer store.Close()
	runOnce := func(on bool) (*quality.Report, error) {
		opts := []quality.Option{}
		if on {
			opts = append(opts, quality.WithHistory(store))
		}
		gate, err := quality.NewGate(prog, opts...)
		if err != nil {
			return nil, err
		}
		return gate.Run(ctx, mem.Source("orders"))
	}
	var repOff, repOn *quality.Report
	off, on := -1.0, -1.0
	for i := range cfg.Reps {
		for _, historyOn := range []bool{i%2 == 1, i%2 == 0} {
			var rep *quality.Report
			t := best(1, func() error {
				var err error
				rep, err = runOnce(historyOn)
				return err
			})
			if t.err != nil {
				return t.err
			}
			if historyOn {
				repOn, on = rep, pick(on, t.secs)
			} else {
				repOff, off = rep, pick(off, t.secs)
			}
		}
	}
	if repOff.RowsIn != int64(cfg.Rows) || repOn.RowsIn != repOff.RowsIn || repOn.Status != repOff.Status {
		return fmt.Errorf("history changed the result: off %d rows %s, on %d rows %s",
			repOff.RowsIn, repOff.Status, repOn.RowsIn, repOn.Status)
	}
	runs, err := store.Runs(ctx, "orders", 0)
	if err != nil {
		return err
	}
	if len(runs) != cfg.Reps {
		return fmt.Errorf("history on recorded %d runs, want %d", len(runs), cfg.Reps)
	}
	rows := int64(cfg.Rows)
	base := report(Measurement{Case: "history", Engine: "history-off" + suffix, Rows: rows, Seconds: off}, nil)
	m := report(Measurement{Case: "history", Engine: "history-on" + suffix, Rows: rows, Seconds: on}, &base)
	var size int64
	dbSuffix := suffix
	for _, fileSuffix := range []string{"", "-wal"} {
		if fi, err := os.Stat(filepath.Join(dir, "onoff"+dbSuffix+".db"+fileSuffix)); err == nil {
			size += fi.Size()
		}
	}
	fmt.Printf("{\"case\":\"history\",\"variant\":%q,\"overhead\":%.4f,\"db_bytes_per_run\":%d}\n", "full"+suffix, 1/m.Ratio-1, size/int64(cfg.Reps))
	return nil
}

// partitionBatch is historyPartitionRows rows of partition p (ids of their
// own, amounts and statuses as lineageStore's).
func partitionBatch(p int) arrow.RecordBatch {
	b := array.NewRecordBuilder(memory.DefaultAllocator, lineageSchema)
	defer b.Release()
	statuses := []string{"new", "paid", "shipped", "cancelled", "refunded", "unknown"}
	for i := range historyPartitionRows {
		b.Field(0).(*array.Int64Builder).Append(int64(p*historyPartitionRows + i + 1))
		b.Field(1).(*array.Float64Builder).Append(float64((p*7919 + i*104729) % 1000))
		b.Field(2).(*array.StringBuilder).Append(statuses[(p+i)%len(statuses)])
	}
	return b.NewRecordBatch()
}

func historyPartitionsCase(ctx context.Context, cfg config, prog *rules.Program, dir string) error {
	// The states each partition's check records.
	records := make([]history.RunRecord, historyPartitions)
	for p := range records {
		batch := partitionBatch(p)
		run := prog.NewRun()
		_, err := run.Eval(ctx, batch)
		batch.Release()
		if err != nil {
			return err
		}
		if _, err := run.Finish(ctx); err != nil {
			return err
		}
		rec, err := run.Recorded(ctx)
		if err != nil {
			return err
		}
		records[p] = history.RunRecord{RunID: fmt.Sprintf("run-%d", p), Dataset: "orders", Partition: fmt.Sprintf("p%04d", p),
			StartedAt: time.Unix(int64(p), 0), Status: "pass", Metrics: rec.Values, States: rec.States}
	}
	saveSecs, mergeSecs, checkSecs := -1.0, -1.0, -1.0
	var rowsTotal int64
	for rep := range cfg.Reps {
		store, err := history.Open(ctx, filepath.Join(dir, fmt.Sprintf("partitions-%d.db", rep)))
		if err != nil {
			return err
		}
		t := best(1, func() error {
			for _, r := range records {
				if err := store.SaveRun(ctx, r); err != nil {
					return err
				}
			}
			return nil
		})
		if t.err != nil {
			store.Close()
			return t.err
		}
		saveSecs = pick(saveSecs, t.secs)
		t = best(1, func() error {
			parts, err := store.States(ctx, "orders")
			if err != nil {
				return err
			}
			if len(parts) != historyPartitions {
				return fmt.Errorf("%d partitions stored, want %d", len(parts), historyPartitions)
			}
			_, err = history.MergeStates(parts)
			return err
		})
		if t.err != nil {
			store.Close()
			return t.err
		}
		mergeSecs = pick(mergeSecs, t.secs)
		var r *quality.Report
		t = best(1, func() error {
			batch := partitionBatch(historyPartitions)
			defer batch.Release()
			rdr, err := array.NewRecordReader(lineageSchema, []arrow.RecordBatch{batch})
			if err != nil {
				return err
			}
			defer rdr.Release()
			gate, err := quality.NewGate(prog, quality.WithHistory(store), quality.WithPartition("new"))
			if err != nil {
				return err
			}
			r, err = gate.Check(ctx, rdr)
			return err
		})
		store.Close()
		if t.err != nil {
			return t.err
		}
		checkSecs = pick(checkSecs, t.secs)
		if r.Partitions == nil || len(r.Partitions.Combined) != historyPartitions || r.Partitions.RowsTotal == nil {
			return fmt.Errorf("the partitioned check combined %v", r.Partitions)
		}
		rowsTotal = *r.Partitions.RowsTotal
	}
	want := int64((historyPartitions + 1) * historyPartitionRows)
	if rowsTotal != want {
		return fmt.Errorf("the partitioned check saw %d rows in all, want %d", rowsTotal, want)
	}
	fmt.Printf("{\"case\":\"history\",\"engine\":\"store-partitions\",\"partitions\":%d,\"seconds\":%.4f}\n", historyPartitions, saveSecs)
	fmt.Printf("{\"case\":\"history\",\"engine\":\"merge-partitions\",\"partitions\":%d,\"seconds\":%.4f}\n", historyPartitions, mergeSecs)
	fmt.Printf("{\"case\":\"history\",\"engine\":\"partition-check\",\"partitions\":%d,\"rows_total\":%d,\"seconds\":%.4f}\n", historyPartitions+1, rowsTotal, checkSecs)
	return nil
}
