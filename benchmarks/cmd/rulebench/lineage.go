package main

import (
	"context"
	"encoding/json"
	"fmt"
	"io"
	"math/rand/v2"

	"github.com/apache/arrow-go/v18/arrow"
	"github.com/apache/arrow-go/v18/arrow/array"
	"github.com/apache/arrow-go/v18/arrow/memory"
	sdktrace "go.opentelemetry.io/otel/sdk/trace"
	"go.opentelemetry.io/otel/sdk/trace/tracetest"

	"github.com/sluicedata/sluice/connectors/memconnector"
	"github.com/sluicedata/sluice/lineage"
	"github.com/sluicedata/sluice/quality"
	"github.com/sluicedata/sluice/rules"
)

// lineageRules are the rules of the lineage case: three row rules and two
// dataset checks, all passing on lineageBatches' data.
const lineageRules = `version: 1
dataset: orders
owner: bench@example.com
rules:
  - name: amount_non_negative
    expr: amount >= 0.0
    mostly: 0.95
  - name: status_known
    expr: status in ['new', 'paid', 'shipped', 'cancelled', 'refunded', 'unknown']
  - name: positive_ids
    expr: order_id > 0
  - name: has_rows
    check: row_count() > 0
  - name: amount_mostly_present
    check: completeness(amount) >= 0.95
`

var lineageSchema = arrow.NewSchema([]arrow.Field{
	{Name: "order_id", Type: arrow.PrimitiveTypes.Int64},
	{Name: "amount", Type: arrow.PrimitiveTypes.Float64, Nullable: true},
	{Name: "status", Type: arrow.BinaryTypes.String},
}, nil)

// lineageStore returns a memconnector store holding rows rows as dataset
// "orders", in 64Ki-row batches: increasing ids, amounts with 1% nulls and
// 2% negatives, statuses from six values. Clear it when done.
func lineageStore(ctx context.Context, rows int) (*memconnector.Store, error) {
	rng := rand.New(rand.NewPCG(3, 4))
	statuses := []string{"new", "paid", "shipped", "cancelled", "refunded", "unknown"}
	store := memconnector.NewStore()
	w, err := store.Sink("orders").Create(ctx, lineageSchema)
	if err != nil {
		return nil, err
	}
	for done := 0; done < rows; {
		n := min(64*1024, rows-done)
		b := array.NewRecordBuilder(memory.DefaultAllocator, lineageSchema)
		id := b.Field(0).(*array.Int64Builder)
		am := b.Field(1).(*array.Float64Builder)
		st := b.Field(2).(*array.StringBuilder)
		for i := range n {
			id.Append(int64(done + i + 1))
			switch r := rng.IntN(100); {
			case r == 0:
				am.AppendNull()
			case r < 3:
				am.Append(-rng.Float64() * 100)
			default:
				am.Append(rng.Float64() * 1000)
			}
			st.Append(statuses[rng.IntN(len(statuses))])
		}
		batch := b.NewRecordBatch()
		b.Release()
		err := w.Write(batch)
		batch.Release()
		if err != nil {
			_ = w.Abort(ctx)
			return nil, err
		}
		done += n
	}
	if err := w.Commit(ctx); err != nil {
		return nil, err
	}
	return store, nil
}

// lineageBench is one gate run over the "orders" dataset of a store, with
// or without lineage.
type lineageBench struct {
	prog  *rules.Program
	src   *memconnector.Source
	tp    *sdktrace.TracerProvider
	spans *tracetest.InMemoryExporter
	// events counts the OpenLineage events emitted (and serialized).
	events int
}

func newLineageBench(store *memconnector.Store) (*lineageBench, error) {
	rs, err := rules.Parse("lineage-bench.yaml", []byte(lineageRules))
	if err != nil {
		return nil, err
	}
	prog, err := rs.Compile(lineageSchema)
	if err != nil {
		return nil, err
	}
	spans := tracetest.NewInMemoryExporter()
	return &lineageBench{
		prog:  prog,
		src:   store.Source("orders"),
		tp:    sdktrace.NewTracerProvider(sdktrace.WithSyncer(spans)),
		spans: spans,
	}, nil
}

// run does one gate run. With on, it runs inside a lineage.Run recording
// spans with the OpenTelemetry SDK (in-memory exporter) and serializing
// its OpenLineage events to io.Discard, as the CLI does with a real
// exporter and transport.
func (lb *lineageBench) run(ctx context.Context, on bool) (*quality.Report, error) {
	opts := []quality.Option{quality.WithSampleLimit(quality.DefaultSampleLimit)}
	var run *lineage.Run
	if on {
		lb.spans.Reset()
		emit := lineage.EmitterFunc(func(_ context.Context, ev lineage.RunEvent) error {
			lb.events++
			return json.NewEncoder(io.Discard).Encode(ev)
		})
		ctx, run = lineage.Start(ctx, lineage.Job{Namespace: "bench", Name: "orders.check"},
			lineage.WithTracerProvider(lb.tp), lineage.WithEmitter(emit), lineage.WithOwner("bench@example.com"))
		opts = append(opts, quality.WithLineage(run))
	}
	gate, err := quality.NewGate(lb.prog, opts...)
	if err != nil {
		return nil, err
	}
	rep, err := gate.Run(ctx, lb.src)
	if run != nil {
		if endErr := run.End(ctx, err); endErr != nil && err == nil {
			err = endErr
		}
	}
	return rep, err
}

// lineageCase measures the cost of lineage on a gate run: the same check of
// cfg.Rows in-memory rows with lineage off and on, interleaved in
// alternating order, best of cfg.Reps each. The target is an on/off time ratio of at most 1.02.
func lineageCase(cfg config) error {
	ctx := context.Background()
	store, err := lineageStore(ctx, cfg.Rows)
	if err != nil {
		return err
	}
	defer store.Clear()
	lb, err := newLineageBench(store)
	if err != nil {
		return err
	}
	defer func() { _ = lb.tp.Shutdown(ctx) }()

	var repOff, repOn *quality.Report
	off, on := timing{secs: -1}, timing{secs: -1}
	for i := range cfg.Reps {
		// Alternate which goes first, so that neither always runs in the
		// other's wake (garbage collection, caches).
		for _, lineageOn := range []bool{i%2 == 1, i%2 == 0} {
			var rep *quality.Report
			t := best(1, func() error {
				var err error
				rep, err = lb.run(ctx, lineageOn)
				return err
			})
			if t.err != nil {
				return t.err
			}
			if lineageOn {
				repOn, on.secs = rep, pick(on.secs, t.secs)
			} else {
				repOff, off.secs = rep, pick(off.secs, t.secs)
			}
		}
	}
	if repOff.RowsIn != int64(cfg.Rows) || repOn.RowsIn != repOff.RowsIn || repOn.Status != repOff.Status {
		return fmt.Errorf("lineage changed the result: off %d rows %s, on %d rows %s",
			repOff.RowsIn, repOff.Status, repOn.RowsIn, repOn.Status)
	}
	if repOn.Lineage == nil || len(lb.spans.GetSpans()) == 0 || lb.events == 0 {
		return fmt.Errorf("lineage on recorded nothing: report lineage %v, %d spans, %d events",
			repOn.Lineage, len(lb.spans.GetSpans()), lb.events)
	}
	rows := int64(cfg.Rows)
	base := report(Measurement{Case: "lineage", Engine: "lineage-off", Rows: rows, Seconds: off.secs}, nil)
	m := report(Measurement{Case: "lineage", Engine: "lineage-on", Rows: rows, Seconds: on.secs}, &base)
	fmt.Printf("{\"case\":\"lineage\",\"spans_per_run\":%d,\"overhead\":%.4f}\n", len(lb.spans.GetSpans()), 1/m.Ratio-1)
	return nil
}

// pick keeps the smaller of a best time so far (negative: none) and s.
func pick(best, s float64) float64 {
	if best < 0 || s < best {
		return s
	}
	return best
}
