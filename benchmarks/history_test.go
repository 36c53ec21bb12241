package benchmarks

import (
	"context"
	"fmt"
	"math/rand/v2"
	"path/filepath"
	"testing"
	"time"

	"github.com/apache/arrow-go/v18/arrow"
	"github.com/apache/arrow-go/v18/arrow/array"
	"github.com/apache/arrow-go/v18/arrow/memory"

	"github.com/sluicedata/sluice/quality"
	"github.com/sluicedata/sluice/quality/history"
	"github.com/sluicedata/sluice/rules"
)

const historyBenchRules = `version: 1
dataset: orders
owner: bench@example.com
rules:
  - name: amount_non_negative
    expr: amount >= 0.0
    mostly: 0.95
  - name: has_rows
    check: row_count() > 0
  - name: ids_unique
    check: duplicate_count(order_id) == 0
  - name: amount_mean
    check: mean(amount) > 0.0
  - name: amount_p99
    check: quantile(amount, 0.99) < 1000.0
  - name: statuses
    check: distinct_count(status) <= 6
`

var historySchema = arrow.NewSchema([]arrow.Field{
	{Name: "order_id", Type: arrow.PrimitiveTypes.Int64},
	{Name: "amount", Type: arrow.PrimitiveTypes.Float64},
	{Name: "status", Type: arrow.BinaryTypes.String},
}, nil)

// historyBatches returns rows orders with ids from first on, in 64Ki-row
// batches.
func historyBatches(first, rows int) []arrow.RecordBatch {
	rng := rand.New(rand.NewPCG(uint64(first), 5))
	statuses := []string{"new", "paid", "shipped", "cancelled", "refunded", "unknown"}
	var out []arrow.RecordBatch
	for done := 0; done < rows; done += 64 * 1024 {
		b := array.NewRecordBuilder(memory.DefaultAllocator, historySchema)
		for i := range min(64*1024, rows-done) {
			b.Field(0).(*array.Int64Builder).Append(int64(first + done + i))
			b.Field(1).(*array.Float64Builder).Append(rng.Float64() * 999)
			b.Field(2).(*array.StringBuilder).Append(statuses[rng.IntN(len(statuses))])
		}
		out = append(out, b.NewRecordBatch())
		b.Release()
	}
	return out
}

func historyProgram(b *testing.B) *rules.Program {
	rs, err := rules.Parse("history-bench.yaml", []byte(historyBenchRules))
	if err != nil {
		b.Fatal(err)
	}
	prog, err := rs.Compile(historySchema)
	if err != nil {
		b.Fatal(err)
	}
	return prog
}

func checkBatches(ctx context.Context, prog *rules.Program, batches []arrow.RecordBatch, opts ...quality.Option) (*quality.Report, error) {
	gate, err := quality.NewGate(prog, opts...)
	if err != nil {
		return nil, err
	}
	rdr, err := array.NewRecordReader(historySchema, batches)
	if err != nil {
		return nil, err
	}
	defer rdr.Release()
	return gate.Check(ctx, rdr)
}

// BenchmarkGateHistory measures a gate check of 1Mi in-memory rows with
// history off and on (SQLite in a temporary directory; the run's values,
// states — the exact id set among them — and audit record). `go run
// ./cmd/rulebench -case history` does the same at 10M rows.
func BenchmarkGateHistory(b *testing.B) {
	ctx := context.Background()
	prog := historyProgram(b)
	batches := historyBatches(0, 1<<20)
	defer func() {
		for _, r := range batches {
			r.Release()
		}
	}()
	store, err := history.Open(ctx, filepath.Join(b.TempDir(), "h.db"))
	if err != nil {
		b.Fatal(err)
	}
	defer store.Close()
	for _, on := range []bool{false, true} {
		b.Run(fmt.Sprintf("history=%v", on), func(b *testing.B) {
			var opts []quality.Option
			if on {
				opts = append(opts, quality.WithHistory(store))
			}
			for b.Loop() {
				if _, err := checkBatches(ctx, prog, batches, opts...); err != nil {
					b.Fatal(err)
				}
			}
			b.ReportMetric(float64(1<<20)*float64(b.N)/b.Elapsed().Seconds(), "rows/s")
		})
	}
}

// BenchmarkPartitionCheck measures an incremental check of a 1,000-row
// partition combined with the stored states of 1,000 others: loading,
// decoding and merging them, the check, and recording the run.
func BenchmarkPartitionCheck(b *testing.B) {
	ctx := context.Background()
	prog := historyProgram(b)
	store, err := history.Open(ctx, filepath.Join(b.TempDir(), "h.db"))
	if err != nil {
		b.Fatal(err)
	}
	defer store.Close()
	for p := range 1000 {
		batches := historyBatches(p*1000, 1000)
		run := prog.NewRun()
		_, err := run.Eval(ctx, batches[0])
		batches[0].Release()
		if err != nil {
			b.Fatal(err)
		}
		if _, err := run.Finish(ctx); err != nil {
			b.Fatal(err)
		}
		rec, err := run.Recorded(ctx)
		if err != nil {
			b.Fatal(err)
		}
		if err := store.SaveRun(ctx, history.RunRecord{RunID: fmt.Sprint(p), Dataset: "orders", Partition: fmt.Sprintf("p%04d", p),
			StartedAt: time.Unix(int64(p), 0), Status: "pass", Metrics: rec.Values, States: rec.States}); err != nil {
			b.Fatal(err)
		}
	}
	batches := historyBatches(1000*1000, 1000)
	defer batches[0].Release()
	for b.Loop() {
		rep, err := checkBatches(ctx, prog, batches, quality.WithHistory(store), quality.WithPartition("new"))
		if err != nil {
			b.Fatal(err)
		}
		if len(rep.Partitions.Combined) != 1000 {
			b.Fatalf("combined %d partitions, want 1000", len(rep.Partitions.Combined))
		}
	}
}
