package main

import (
	"context"
	"fmt"
	"math/rand/v2"
	"os"
	"path/filepath"
	"strings"
	"time"

	"github.com/apache/arrow-go/v18/arrow"
	"github.com/apache/arrow-go/v18/arrow/array"
	"github.com/apache/arrow-go/v18/arrow/memory"

	"github.com/sluicedata/sluice/connectors"
	"github.com/sluicedata/sluice/connectors/parquetconnector"
	"github.com/sluicedata/sluice/quality"
	"github.com/sluicedata/sluice/rules"
)

// The etl case times the read → gate → write of an ETL service: a Parquet
// file of orders through the orders rule file (testdata/orders) to a
// Parquet output with a Parquet quarantine, against the same read → write
// with no gate through the same connectors. Alternated, median of -reps,
// outputs on a temporary directory; every output is read back and its
// rows and order_id checksum compared with the input.

// ordersRulesPath is the rule file of the case, relative to benchmarks/.
const ordersRulesPath = "../testdata/orders/orders.yaml"

var ordersSchema = arrow.NewSchema([]arrow.Field{
	{Name: "order_id", Type: arrow.PrimitiveTypes.Int64},
	{Name: "customer_id", Type: arrow.PrimitiveTypes.Int64},
	{Name: "email", Type: arrow.BinaryTypes.String},
	{Name: "amount", Type: arrow.PrimitiveTypes.Float64, Nullable: true},
	{Name: "currency", Type: arrow.BinaryTypes.String, Nullable: true},
	{Name: "status", Type: arrow.BinaryTypes.String, Nullable: true},
	{Name: "ordered_at", Type: &arrow.TimestampType{Unit: arrow.Microsecond, TimeZone: "UTC"}},
	{Name: "shipped_at", Type: &arrow.TimestampType{Unit: arrow.Microsecond, TimeZone: "UTC"}, Nullable: true},
	{Name: "contact", Type: arrow.BinaryTypes.String, Nullable: true},
}, nil)

// writeOrders writes n seeded orders to path: about 1% negative amounts,
// 0.5% malformed e-mails, 1% shipments before their order, 0.2% e-mail
// addresses in contact.
func writeOrders(path string, n int) (int64, error) {
	sink, err := parquetconnector.NewSink(path)
	if err != nil {
		return 0, err
	}
	w, err := sink.Create(context.Background(), ordersSchema)
	if err != nil {
		return 0, err
	}
	rng := rand.New(rand.NewPCG(7, 11))
	b := array.NewRecordBuilder(memory.DefaultAllocator, ordersSchema)
	defer b.Release()
	currencies := []string{"EUR", "USD", "GBP"}
	statuses := []string{"new", "paid", "shipped", "cancelled", "refunded"}
	base := time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC).UnixMicro()
	var sum int64
	for lo := 0; lo < n; lo += 64 << 10 {
		hi := min(lo+64<<10, n)
		for i := lo; i < hi; i++ {
			id := int64(i + 1)
			sum += id
			b.Field(0).(*array.Int64Builder).Append(id)
			b.Field(1).(*array.Int64Builder).Append(1 + rng.Int64N(50_000))
			if rng.IntN(200) == 0 {
				b.Field(2).(*array.StringBuilder).Append(fmt.Sprintf("customer%d-at-example", i))
			} else {
				b.Field(2).(*array.StringBuilder).Append(fmt.Sprintf("customer%d@example.com", rng.IntN(50_000)))
			}
			amount := float64(rng.IntN(50_000)) / 100
			if rng.IntN(100) == 0 {
				amount = -amount - 1
			}
			b.Field(3).(*array.Float64Builder).Append(amount)
			b.Field(4).(*array.StringBuilder).Append(currencies[rng.IntN(3)])
			b.Field(5).(*array.StringBuilder).Append(statuses[rng.IntN(5)])
			ordered := base + rng.Int64N(300*24*3600)*1_000_000
			b.Field(6).(*array.TimestampBuilder).Append(arrow.Timestamp(ordered))
			shipped := ordered + rng.Int64N(5*24*3600)*1_000_000
			if rng.IntN(100) == 0 {
				shipped = ordered - 3600_000_000
			}
			b.Field(7).(*array.TimestampBuilder).Append(arrow.Timestamp(shipped))
			if rng.IntN(500) == 0 {
				b.Field(8).(*array.StringBuilder).Append(fmt.Sprintf("c%d@example.org", i))
			} else {
				b.Field(8).(*array.StringBuilder).Append(fmt.Sprintf("+44 20 7946 %04d", rng.IntN(10_000)))
			}
		}
		rec := b.NewRecordBatch()
		err := w.Write(rec)
		rec.Release()
		if err != nil {
			_ = w.Abort(context.Background())
			return 0, err
		}
	}
	return sum, w.Commit(context.Background())
}

// readBack returns the rows and the order_id sum of a Parquet file.
func readBack(path string) (int64, int64, error) {
	src, err := parquetconnector.NewSource(path)
	if err != nil {
		return 0, 0, err
	}
	rr, err := src.Open(context.Background(), connectors.ReadOptions{Columns: []string{"order_id"}})
	if err != nil {
		return 0, 0, err
	}
	defer rr.Release()
	var rows, sum int64
	for rr.Next() {
		col := rr.RecordBatch().Column(0).(*array.Int64)
		for _, v := range col.Int64Values() {
			sum += v
		}
		rows += int64(col.Len())
	}
	return rows, sum, rr.Err()
}

// etlRules are the orders rules with mostly: 0.97 on the three error row
// rules the generator plants defects for (1%, 0.5%, 1% of rows): the gate
// passes, so the clean output is committed and can be checked, and the
// failing rows are quarantined all the same.
func etlRules() (*rules.RuleSet, error) {
	src, err := os.ReadFile(ordersRulesPath)
	if err != nil {
		return nil, fmt.Errorf("%w (run from benchmarks/)", err)
	}
	text := string(src)
	for _, expr := range []string{
		"    expr: amount >= 0.0\n",
		"    expr: email.matches('^[^@\\\\s]+@[^@\\\\s]+\\\\.[^@\\\\s.]+$')\n",
		"    expr: shipped_at >= ordered_at\n",
	} {
		if !strings.Contains(text, expr) {
			return nil, fmt.Errorf("%s: no line %q", ordersRulesPath, expr)
		}
		text = strings.Replace(text, expr, expr+"    mostly: 0.97\n", 1)
	}
	return rules.Parse(ordersRulesPath, []byte(text))
}

func etlCase(cfg config) error {
	dir, err := os.MkdirTemp("", "rulebench-etl-")
	if err != nil {
		return err
	}
	defer os.RemoveAll(dir)
	in := filepath.Join(dir, "orders.parquet")
	wantSum, err := writeOrders(in, cfg.Rows)
	if err != nil {
		return err
	}
	rs, err := etlRules()
	if err != nil {
		return err
	}
	ctx := context.Background()
	var gateT, copyT, gateCPU, copyCPU []float64
	for rep := range cfg.Reps + 1 {
		// copy: the same read and write, no gate.
		out := filepath.Join(dir, "copy.parquet")
		start, cpu0 := time.Now(), cpuSeconds()
		if err := copyParquet(ctx, in, out); err != nil {
			return err
		}
		ct, cc := time.Since(start).Seconds(), cpuSeconds()-cpu0
		if rows, sum, err := readBack(out); err != nil || rows != int64(cfg.Rows) || sum != wantSum {
			return fmt.Errorf("copy: %d rows, sum %d (want %d, %d): %v", rows, sum, cfg.Rows, wantSum, err)
		}
		// gate: the orders rules, clean rows out, failing rows held.
		clean, held := filepath.Join(dir, "clean.parquet"), filepath.Join(dir, "held.parquet")
		start, cpu0 = time.Now(), cpuSeconds()
		rep1, err := gateParquet(ctx, rs, in, clean, held, cfg.Cores)
		if err != nil {
			return err
		}
		gt, gc := time.Since(start).Seconds(), cpuSeconds()-cpu0
		cr, cs, err := readBack(clean)
		if err != nil {
			return err
		}
		hr, hs, err := readBack(held)
		if err != nil {
			return err
		}
		if cr != rep1.RowsClean || hr != rep1.RowsQuarantined || cr+hr != int64(cfg.Rows) || cs+hs != wantSum {
			return fmt.Errorf("gate: clean %d + held %d rows (report %d + %d), sums %d + %d, want %d rows, sum %d",
				cr, hr, rep1.RowsClean, rep1.RowsQuarantined, cs, hs, cfg.Rows, wantSum)
		}
		if rep > 0 {
			copyT, gateT = append(copyT, ct), append(gateT, gt)
			copyCPU, gateCPU = append(copyCPU, cc), append(gateCPU, gc)
		}
	}
	rows := int64(cfg.Rows)
	base := report(Measurement{Case: "etl", Engine: "copy", Cores: cfg.Cores, Rows: rows, Seconds: median(copyT)}, nil)
	m := report(Measurement{Case: "etl", Engine: "gate", Cores: cfg.Cores, Rows: rows, Seconds: median(gateT)}, &base)
	// The CPU time of the process during each run says what the gate
	// costs when the machine is shared and wall time is noisy.
	cc, gc := median(copyCPU), median(gateCPU)
	fmt.Printf("{\"case\":\"etl\",\"gate_overhead\":%.4f,\"copy_cpu_s\":%.3f,\"gate_cpu_s\":%.3f,\"gate_cpu_overhead\":%.4f,\"load_average\":%q}\n",
		m.Seconds/base.Seconds-1, cc, gc, gc/cc-1, loadAverage())
	return nil
}

// loadAverage returns the 1-, 5- and 15-minute load averages of the
// machine ("" where /proc/loadavg is not there).
func loadAverage() string {
	b, err := os.ReadFile("/proc/loadavg")
	if err != nil {
		return ""
	}
	f := strings.Fields(string(b))
	if len(f) < 3 {
		return ""
	}
	return strings.Join(f[:3], " ")
}

// copyParquet reads in and writes out with no gate.
func copyParquet(ctx context.Context, in, out string) error {
	src, err := parquetconnector.NewSource(in)
	if err != nil {
		return err
	}
	sink, err := parquetconnector.NewSink(out)
	if err != nil {
		return err
	}
	rr, err := src.Open(ctx, connectors.ReadOptions{})
	if err != nil {
		return err
	}
	defer rr.Release()
	w, err := sink.Create(ctx, rr.Schema())
	if err != nil {
		return err
	}
	for rr.Next() {
		if err := w.Write(rr.RecordBatch()); err != nil {
			_ = w.Abort(ctx)
			return err
		}
	}
	if err := rr.Err(); err != nil {
		_ = w.Abort(ctx)
		return err
	}
	return w.Commit(ctx)
}

// gateParquet runs in through the rules with Gate.Run: clean rows to
// clean, failing rows to held, evaluated on workers while the outputs are
// written.
func gateParquet(ctx context.Context, rs *rules.RuleSet, in, clean, held string, workers int) (*quality.Report, error) {
	src, err := parquetconnector.NewSource(in)
	if err != nil {
		return nil, err
	}
	schema, err := src.Schema(ctx)
	if err != nil {
		return nil, err
	}
	prog, err := rs.Compile(schema)
	if err != nil {
		return nil, err
	}
	cs, err := parquetconnector.NewSink(clean)
	if err != nil {
		return nil, err
	}
	hs, err := parquetconnector.NewSink(held)
	if err != nil {
		return nil, err
	}
	g, err := quality.NewGate(prog, quality.WithMode(quality.ModeFilter), quality.WithSink(cs),
		quality.WithQuarantine(hs), quality.WithWorkers(workers))
	if err != nil {
		return nil, err
	}
	rep, err := g.Run(ctx, src)
	if err != nil {
		return nil, err
	}
	if rep.Gate.Clean != "committed" {
		return nil, fmt.Errorf("gate: clean output %s: %v", rep.Gate.Clean, rep.Gate.Reasons)
	}
	return rep, nil
}
