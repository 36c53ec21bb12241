package quality

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"path/filepath"
	"testing"

	"github.com/apache/arrow-go/v18/arrow/memory"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
	"go.opentelemetry.io/otel/codes"

	"github.com/sluicedata/sluice/connectors/memconnector"
	"github.com/sluicedata/sluice/connectors/parquetconnector"
	"github.com/sluicedata/sluice/internal/arrowtest"
	"github.com/sluicedata/sluice/lineage"
	"github.com/sluicedata/sluice/lineage/lineagetest"
)

// storeOrders commits sixOrders as the memconnector dataset "orders".
func storeOrders(t *testing.T, mem memory.Allocator, store *memconnector.Store) {
	t.Helper()
	ctx := context.Background()
	w, err := store.Sink("orders").Create(ctx, ordersSchema)
	require.NoError(t, err)
	for _, b := range batchesOf(t, mem, sixOrders, 4) {
		require.NoError(t, w.Write(b))
		b.Release()
	}
	require.NoError(t, w.Commit(ctx))
}

func startRun(t *testing.T, rec *lineagetest.Recorder, em *lineagetest.Emitter, name string) (context.Context, *lineage.Run) {
	t.Helper()
	return lineage.Start(context.Background(), lineage.Job{Namespace: "test", Name: name},
		lineage.WithTracerProvider(rec.TracerProvider()), lineage.WithEmitter(em),
		lineage.WithOwner("payments@example.com"))
}

// TestRunLineage runs a failing gate between memconnector datasets and
// reads back the spans, the assertions, the producer metadata stored in the
// quarantine and the events.
func TestRunLineage(t *testing.T) {
	mem := arrowtest.Allocator(t)
	store := memconnector.NewStore()
	t.Cleanup(store.Clear)
	storeOrders(t, mem, store)

	rec := lineagetest.NewRecorder(t)
	em := &lineagetest.Emitter{}
	ctx, run := startRun(t, rec, em, "check.orders")
	gate, err := NewGate(compile(t, ordersRules+`  - name: email_complete
    check: completeness(email) >= 0.5
`, ordersSchema),
		WithSink(store.Sink("clean")), WithQuarantine(store.Sink("quarantine")),
		WithAllocator(mem), WithBatchSize(2), WithLineage(run))
	require.NoError(t, err)
	rep, err := gate.Run(ctx, store.Source("orders"))
	require.NoError(t, err)
	require.Equal(t, StatusFail, rep.Status)
	require.NoError(t, run.End(ctx, rep.Err()))

	require.NotNil(t, rep.Lineage)
	assert.Equal(t, run.ID().String(), rep.Lineage.RunID)
	assert.Equal(t, run.SpanContext().TraceID().String(), rep.Lineage.TraceID)
	var buf bytes.Buffer
	require.NoError(t, rep.WriteJSON(&buf))
	assert.Contains(t, buf.String(), `"lineage": {`)
	assert.Contains(t, buf.String(), `"run_id": "`+run.ID().String()+`"`)

	root := rec.Span(t, "run check.orders")
	assert.Len(t, rec.Children(root), 4, "read, check and two writes hang under the run")

	read := rec.Span(t, "read memory/orders")
	rows, ok := lineagetest.Attr(read, lineage.AttrRows)
	require.True(t, ok)
	assert.Equal(t, int64(6), rows.AsInt64())
	dir, _ := lineagetest.Attr(read, lineage.AttrIODirection)
	assert.Equal(t, "input", dir.AsString())
	_, ok = lineagetest.Attr(read, lineage.AttrSchemaFingerprint)
	assert.True(t, ok)

	check := rec.Span(t, "check orders")
	cases := lineagetest.Events(check, lineage.EventTestCase)
	require.Len(t, cases, 5)
	passed, _ := lineagetest.Attr(check, lineage.AttrChecksPassed)
	failed, _ := lineagetest.Attr(check, lineage.AttrChecksFailed)
	assert.Equal(t, int64(1), passed.AsInt64(), "only email_complete passes")
	assert.Equal(t, int64(4), failed.AsInt64())
	status, _ := lineagetest.Attr(check, lineage.AttrTestSuiteRunStatus)
	assert.Equal(t, "failure", status.AsString())
	name, _ := lineagetest.EventAttr(cases[0], lineage.AttrTestCaseName)
	assert.Equal(t, "amount_non_negative", name.AsString())
	exp, _ := lineagetest.EventAttr(cases[0], lineage.AttrExpected)
	assert.Equal(t, "pass_fraction >= 1", exp.AsString())
	act, _ := lineagetest.EventAttr(cases[0], lineage.AttrActual)
	assert.Equal(t, "0.6000", act.AsString())
	col, _ := lineagetest.EventAttr(cases[0], lineage.AttrAssertionColumn)
	assert.Equal(t, "amount", col.AsString())
	checkRows, _ := lineagetest.Attr(check, lineage.AttrCheckRows)
	assert.Equal(t, int64(6), checkRows.AsInt64())

	clean := rec.Span(t, "write memory/clean")
	assert.Equal(t, codes.Error, clean.Status().Code, "the clean output was aborted")
	quar := rec.Span(t, "write memory/quarantine")
	assert.Equal(t, codes.Unset, quar.Status().Code)
	qrows, _ := lineagetest.Attr(quar, lineage.AttrRows)
	assert.Equal(t, int64(3), qrows.AsInt64())

	// The committed quarantine carries the producer metadata of its write
	// span.
	qsch, err := store.Source("quarantine").Schema(context.Background())
	require.NoError(t, err)
	md := qsch.Metadata()
	idx := md.FindKey(lineage.MetaRunID)
	require.GreaterOrEqual(t, idx, 0, "run id stored: %v", md)
	assert.Equal(t, run.ID().String(), md.Values()[idx])
	tp := md.Values()[md.FindKey(lineage.MetaTraceparent)]
	assert.Contains(t, tp, quar.SpanContext().SpanID().String())

	// Events: FAIL with the assertions, metrics and column lineage.
	fail := em.ByType("FAIL")
	require.Len(t, fail, 1)
	raw, err := json.Marshal(fail[0])
	require.NoError(t, err)
	ev := string(raw)
	for _, want := range []string{`"dataQualityAssertions"`, `"dataQualityMetrics"`, `"columnLineage"`,
		`"FILTER"`, `"amount_non_negative"`, `"_sluice_failed_rules"`, `"IDENTITY"`, `"nullCount":1`} {
		assert.Contains(t, ev, want)
	}
}

// TestRunLineageAcrossParquet writes Parquet through a gate with lineage and
// reads it back in a second run: the second read links to the first write.
func TestRunLineageAcrossParquet(t *testing.T) {
	mem := arrowtest.Allocator(t)
	store := memconnector.NewStore()
	t.Cleanup(store.Clear)
	storeOrders(t, mem, store)
	path := filepath.Join(t.TempDir(), "clean.parquet")
	sink, err := parquetconnector.NewSink(path)
	require.NoError(t, err)

	const passing = `version: 1
dataset: orders
owner: payments@example.com
rules:
  - name: id_positive
    expr: order_id > 0
`
	rec := lineagetest.NewRecorder(t)
	em := &lineagetest.Emitter{}
	ctx1, run1 := startRun(t, rec, em, "load")
	gate, err := NewGate(compile(t, passing, ordersSchema), WithSink(sink), WithAllocator(mem), WithLineage(run1))
	require.NoError(t, err)
	rep, err := gate.Run(ctx1, store.Source("orders"))
	require.NoError(t, err)
	require.Equal(t, StatusPass, rep.Status)
	require.NoError(t, run1.End(ctx1, nil))
	write := rec.Span(t, "write file://"+path)
	wrows, _ := lineagetest.Attr(write, lineage.AttrRows)
	assert.Equal(t, int64(6), wrows.AsInt64())
	fpath, _ := lineagetest.Attr(write, lineage.AttrFilePath)
	assert.Equal(t, path, fpath.AsString())
	size, ok := lineagetest.Attr(write, lineage.AttrFileSize)
	require.True(t, ok)
	assert.Positive(t, size.AsInt64())

	src, err := parquetconnector.NewSource(path)
	require.NoError(t, err)
	ctx2, run2 := startRun(t, rec, em, "report")
	gate2, err := NewGate(compile(t, passing, ordersSchema), WithAllocator(mem), WithLineage(run2))
	require.NoError(t, err)
	_, err = gate2.Run(ctx2, src)
	require.NoError(t, err)
	require.NoError(t, run2.End(ctx2, nil))

	read := rec.Span(t, "read file://"+path)
	assert.NotEqual(t, write.SpanContext().TraceID(), read.SpanContext().TraceID(), "two runs, two traces")
	require.Len(t, read.Links(), 1)
	link := read.Links()[0]
	assert.Equal(t, write.SpanContext().SpanID(), link.SpanContext.SpanID())
	assert.Equal(t, write.SpanContext().TraceID(), link.SpanContext.TraceID())
	producer, _ := lineagetest.LinkAttr(link, lineage.AttrProducerRunID)
	assert.Equal(t, run1.ID().String(), producer.AsString())
}

// TestFilterLineage checks the check and quarantine spans of Filter and the
// dataset lineage a caller declares with FilterLineage.
func TestFilterLineage(t *testing.T) {
	mem := arrowtest.Allocator(t)
	rec := lineagetest.NewRecorder(t)
	em := &lineagetest.Emitter{}
	ctx, run := startRun(t, rec, em, "etl")
	in := lineage.Dataset{Namespace: "test", Name: "orders"}
	out := lineage.Dataset{Namespace: "test", Name: "out"}
	q := newRecSink(t, "quarantine")
	gate, err := NewGate(compile(t, ordersRules, ordersSchema), WithAllocator(mem),
		WithQuarantine(q), WithDataset(in), WithLineage(run))
	require.NoError(t, err)
	clean, report := gate.Filter(ctx, readerOf(t, mem, sixOrders, 4))
	n := int64(0)
	for clean.Next() {
		n += clean.RecordBatch().NumRows()
	}
	clean.Release()
	rep, err := report()
	require.NoError(t, err)
	assert.Equal(t, rep.RowsClean, n)
	gate.FilterLineage(run, in, out)
	require.NoError(t, run.End(ctx, nil))

	assert.Equal(t, run.ID().String(), rep.Lineage.RunID)
	check := rec.Span(t, "check orders")
	ds, _ := lineagetest.Attr(check, lineage.AttrDatasetName)
	assert.Equal(t, "orders", ds.AsString())
	qspan := rec.Span(t, "write test/quarantine")
	qrows, _ := lineagetest.Attr(qspan, lineage.AttrRows)
	assert.Equal(t, rep.RowsQuarantined, qrows.AsInt64())
	assert.Empty(t, rec.SpansByName("read test/orders"), "the caller owns the read")

	complete := em.ByType("COMPLETE")
	require.Len(t, complete, 1)
	var outDS *lineage.EventDataset
	for i := range complete[0].Outputs {
		if complete[0].Outputs[i].Name == "out" {
			outDS = &complete[0].Outputs[i]
		}
	}
	require.NotNil(t, outDS)
	var cl struct {
		Dataset []struct {
			Field           string `json:"field"`
			Transformations []lineage.Transformation
		} `json:"dataset"`
	}
	require.NoError(t, json.Unmarshal(outDS.Facets["columnLineage"], &cl))
	got := map[string]string{}
	for _, f := range cl.Dataset {
		got[f.Field] = f.Transformations[0].Description
	}
	assert.Equal(t, map[string]string{"amount": "amount_non_negative", "order_id": "id_small"}, got,
		"only error-severity row rules filter")
}

// TestRunLineageRuntimeError: a failing sink ends the spans with an error.
func TestRunLineageRuntimeError(t *testing.T) {
	mem := arrowtest.Allocator(t)
	store := memconnector.NewStore()
	t.Cleanup(store.Clear)
	storeOrders(t, mem, store)
	rec := lineagetest.NewRecorder(t)
	ctx, run := startRun(t, rec, &lineagetest.Emitter{}, "broken")
	bad := newRecSink(t, "clean")
	bad.failWrite = errors.New("disk full")
	gate, err := NewGate(compile(t, ordersRules, ordersSchema), WithSink(bad), WithAllocator(mem), WithLineage(run))
	require.NoError(t, err)
	_, err = gate.Run(ctx, store.Source("orders"))
	require.Error(t, err)
	require.NoError(t, run.End(ctx, err))
	for _, name := range []string{"read memory/orders", "check orders", "write test/clean"} {
		assert.Equal(t, codes.Error, rec.Span(t, name).Status().Code, name)
	}
}

func TestAssertionsAndMetrics(t *testing.T) {
	pf := 0.99631
	rep := &Report{RowsIn: 800, Rules: []RuleResult{
		{Name: "amount_ok", Kind: "row", Severity: "error", Status: StatusFail, Mostly: 0.999,
			PassFraction: &pf, Columns: []string{"amount"}, Expr: "amount >= 0.0"},
		{Name: "email_complete", Kind: "dataset", Severity: "warn", Status: StatusPass, Mostly: 1,
			Columns: []string{"email"}, Expr: "completeness(email) >= 0.95",
			Metrics: map[string]any{"completeness(email)": 0.975}},
		{Name: "ids", Kind: "dataset", Severity: "error", Status: StatusPass, Mostly: 1,
			Columns: []string{"order_id"}, Expr: "distinct_count(order_id) == row_count()",
			Metrics: map[string]any{"distinct_count(order_id)": int64(800), "row_count()": int64(800)}},
		{Name: "empty", Kind: "row", Severity: "info", Status: StatusNotEvaluated, Mostly: 1,
			Columns: []string{"a", "b"}, Expr: "a < b"},
	}}
	got := Assertions(rep)
	require.Len(t, got, 4)
	tests := []struct {
		name string
		want lineage.Assertion
	}{
		{"row rule", lineage.Assertion{Name: "amount_ok", Type: "row", Column: "amount", Severity: "error",
			Expected: "pass_fraction >= 0.999", Actual: "0.9963", Content: "amount >= 0.0", ContentType: "cel"}},
		{"dataset check", lineage.Assertion{Name: "email_complete", Type: "dataset", Column: "email", Success: true,
			Severity: "warn", Expected: "completeness(email) >= 0.95", Actual: "completeness(email)=0.975",
			Content: "completeness(email) >= 0.95", ContentType: "cel"}},
		{"metric values sorted", lineage.Assertion{Name: "ids", Type: "dataset", Column: "order_id", Success: true,
			Severity: "error", Expected: "distinct_count(order_id) == row_count()",
			Actual: "distinct_count(order_id)=800, row_count()=800", Content: "distinct_count(order_id) == row_count()", ContentType: "cel"}},
		{"not evaluated", lineage.Assertion{Name: "empty", Type: "row", Severity: "info",
			Expected: "pass_fraction >= 1", Actual: "not_evaluated", Content: "a < b", ContentType: "cel"}},
	}
	for i, tt := range tests {
		t.Run(tt.name, func(t *testing.T) { assert.Equal(t, tt.want, got[i]) })
	}

	m := Metrics(rep)
	require.NotNil(t, m.RowCount)
	assert.Equal(t, int64(800), *m.RowCount)
	require.Contains(t, m.Columns, "email")
	assert.Equal(t, int64(20), *m.Columns["email"].NullCount)
	assert.Equal(t, int64(800), *m.Columns["order_id"].DistinctCount)
	assert.Nil(t, Assertions(nil))
	assert.Nil(t, Metrics(nil))
}

// TestNoLineage: without WithLineage the report has no lineage key.
func TestNoLineage(t *testing.T) {
	mem := arrowtest.Allocator(t)
	gate, err := NewGate(compile(t, ordersRules, ordersSchema), WithAllocator(mem))
	require.NoError(t, err)
	rep, err := gate.Check(context.Background(), readerOf(t, mem, sixOrders, 4))
	require.NoError(t, err)
	assert.Nil(t, rep.Lineage)
	var buf bytes.Buffer
	require.NoError(t, rep.WriteJSON(&buf))
	assert.NotContains(t, buf.String(), `"lineage"`)
}
