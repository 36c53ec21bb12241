package history_test

import (
	"context"
	"encoding/json"
	"fmt"
	"os"
	"path/filepath"
	"time"

	"github.com/apache/arrow-go/v18/arrow"
	"github.com/apache/arrow-go/v18/arrow/array"
	"github.com/apache/arrow-go/v18/arrow/memory"

	"github.com/sluicedata/sluice/lineage"
	"github.com/sluicedata/sluice/quality/history"
	"github.com/sluicedata/sluice/rules/metrics"
)

// A gate run saves its metrics and states, and appends its decision to the
// audit chain; later runs read the series, merge partition states and
// verify the chain.
func Example() {
	ctx := context.Background()
	dir, _ := os.MkdirTemp("", "history")
	defer os.RemoveAll(dir)
	store, err := history.Open(ctx, filepath.Join(dir, "history.db"))
	if err != nil {
		fmt.Println(err)
		return
	}
	defer store.Close()

	start := time.Date(2025, 3, 1, 2, 0, 0, 0, time.UTC)
	for day, amounts := range [][]float64{{10, 20, 30}, {15, 25}, {40}} {
		// The mean of one day's partition, as the gate computes it.
		b := array.NewFloat64Builder(memory.DefaultAllocator)
		b.AppendValues(amounts, nil)
		col := b.NewArray()
		b.Release()
		mean, _ := metrics.New(metrics.Spec{Func: "mean", Columns: []string{"amount"}}, []arrow.DataType{col.DataType()})
		_ = mean.Update([]arrow.Array{col})
		col.Release()
		value, _ := mean.Result()
		state, _ := metrics.Encode(mean)

		runID := fmt.Sprintf("run-%d", day)
		err := store.SaveRun(ctx, history.RunRecord{
			RunID: runID, Dataset: "orders", Partition: fmt.Sprintf("day=%d", day+1),
			DatasetID: lineage.Dataset{Namespace: "file", Name: "/data/orders.parquet"},
			StartedAt: start.AddDate(0, 0, day), Status: "pass",
			Metrics: map[string]any{"mean(amount)": value},
			States:  map[string][]byte{"mean(amount)": state},
		})
		if err != nil {
			fmt.Println(err)
			return
		}
		summary, _ := json.Marshal(history.Summary{RowsIn: int64(len(amounts)), FailedRules: []string{}})
		if _, err := store.AppendAudit(ctx, history.AuditRecord{
			Time: start.AddDate(0, 0, day), RunID: runID, Dataset: "orders",
			DatasetVersion: "sha256:…", RuleFile: "orders.yaml", RuleFileHash: "…",
			Owner: "payments-data@example.com", Decision: "pass", Summary: summary,
		}); err != nil {
			fmt.Println(err)
			return
		}
	}

	series, _ := store.Metrics(ctx, "orders", "mean(amount)", 0)
	for _, p := range series {
		fmt.Println(p.Partition, p.Value)
	}
	parts, _ := store.States(ctx, "orders")
	whole, _ := history.MergeStates(parts)
	mean, _ := whole["mean(amount)"].Result()
	fmt.Println("mean of all partitions:", mean)
	res, _ := store.VerifyAudit(ctx)
	fmt.Println("audit records:", res.Records, "ok:", res.OK)
	// Output:
	// day=1 20
	// day=2 20
	// day=3 40
	// mean of all partitions: 23.333333333333332
	// audit records: 3 ok: true
}
