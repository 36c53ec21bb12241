package quality_test

import (
	"context"
	"fmt"
	"os"
	"time"

	"github.com/apache/arrow-go/v18/arrow"
	"github.com/apache/arrow-go/v18/arrow/array"
	"github.com/apache/arrow-go/v18/arrow/memory"

	"github.com/sluicedata/sluice/connectors/memconnector"
	"github.com/sluicedata/sluice/quality"
	"github.com/sluicedata/sluice/rules"
)

// A gate around a write: rows failing an error rule go to the quarantine
// with the names of the rules they failed; the clean output is committed
// only because the gate passes (mostly tolerates one bad row in four).
func Example() {
	ctx := context.Background()
	rs, err := rules.Parse("orders.yaml", []byte(`
version: 1
dataset: orders
owner: payments-data@example.com
columns:
  email: {type: string, tags: [pii.email]}
rules:
  - name: amount_non_negative
    expr: amount >= 0.0
    mostly: 0.75
  - name: email_has_at
    expr: email.contains('@')
    severity: warn
`))
	if err != nil {
		fmt.Println(err)
		return
	}
	schema := arrow.NewSchema([]arrow.Field{
		{Name: "order_id", Type: arrow.PrimitiveTypes.Int64},
		{Name: "email", Type: arrow.BinaryTypes.String},
		{Name: "amount", Type: arrow.PrimitiveTypes.Float64},
	}, nil)
	prog, err := rs.Compile(schema)
	if err != nil {
		fmt.Println(err)
		return
	}

	// An in-memory input dataset.
	store := memconnector.NewStore()
	defer store.Clear()
	b := array.NewRecordBuilder(memory.DefaultAllocator, schema)
	defer b.Release()
	b.Field(0).(*array.Int64Builder).AppendValues([]int64{1, 2, 3, 4}, nil)
	b.Field(1).(*array.StringBuilder).AppendValues([]string{"a@x.com", "b@x.com", "nobody", "d@x.com"}, nil)
	b.Field(2).(*array.Float64Builder).AppendValues([]float64{10, -5, 3, 7}, nil)
	batch := b.NewRecordBatch()
	defer batch.Release()
	w, err := store.Sink("orders").Create(ctx, schema)
	if err != nil {
		fmt.Println(err)
		return
	}
	if err := w.Write(batch); err != nil {
		fmt.Println(err)
		return
	}
	if err := w.Commit(ctx); err != nil {
		fmt.Println(err)
		return
	}

	start := time.Date(2025, 3, 1, 12, 0, 0, 0, time.UTC)
	gate, err := quality.NewGate(prog,
		quality.WithSink(store.Sink("orders_clean")),
		quality.WithQuarantine(store.Sink("orders_quarantine")),
		quality.WithClock(func() time.Time { return start }),
	)
	if err != nil {
		fmt.Println(err)
		return
	}
	report, err := gate.Run(ctx, store.Source("orders"))
	if err != nil {
		fmt.Println(err)
		return
	}
	if err := report.WriteText(os.Stdout); err != nil {
		fmt.Println(err)
		return
	}
	fmt.Println("datasets:", store.Names())
	// Output:
	// Quality report: orders
	//   dataset    memory/orders
	//   owner      payments-data@example.com
	//   rule file  orders.yaml
	//   rows       4 in, 3 clean, 1 quarantined
	//   started    2025-03-01T12:00:00Z (0 ms)
	//
	//   PASS   amount_non_negative  row/error      3/4 passed (75.0%), 1 failed, mostly 0.75
	//   WARN   email_has_at         row/warn       3/4 passed (75.0%), 1 failed
	//                                 row 2: email=[redacted]
	//
	//   2 rules: 1 passed, 0 failed, 1 warned, 0 errored, 0 not evaluated
	// Gate: WARN — warn rule email_has_at: warn
	//   clean output committed
	//   quarantine committed (1 rows)
	// datasets: [orders orders_clean orders_quarantine]
}
