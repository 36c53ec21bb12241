package quality

import (
	"context"
	"fmt"
	"slices"
	"sync"
	"testing"
	"time"

	"github.com/apache/arrow-go/v18/arrow"
	"github.com/apache/arrow-go/v18/arrow/array"
	"github.com/apache/arrow-go/v18/arrow/memory"
	"github.com/stretchr/testify/require"

	"github.com/sluicedata/sluice/connectors"
	"github.com/sluicedata/sluice/lineage"
	"github.com/sluicedata/sluice/rules"
)

// ordersSchema is the schema of the test rows.
var ordersSchema = arrow.NewSchema([]arrow.Field{
	{Name: "order_id", Type: arrow.PrimitiveTypes.Int64},
	{Name: "email", Type: arrow.BinaryTypes.String, Nullable: true},
	{Name: "amount", Type: arrow.PrimitiveTypes.Float64, Nullable: true},
	{Name: "qty", Type: arrow.PrimitiveTypes.Int64, Nullable: true},
}, nil)

// order is one test row; nil pointers are nulls.
type order struct {
	id     int64
	email  *string
	amount *float64
	qty    *int64
}

func sp(s string) *string   { return &s }
func fp(f float64) *float64 { return &f }
func ip(i int64) *int64     { return &i }

// sixOrders: rows 1 and 4 have negative amounts, rows 2 and 4 a zero qty,
// row 2 a null email, row 3 a null amount and an email without '@'.
var sixOrders = []order{
	{1, sp("a@x.com"), fp(10), ip(1)},
	{2, sp("b@x.com"), fp(-5), ip(2)},
	{3, nil, fp(3), ip(0)},
	{4, sp("bad"), nil, ip(1)},
	{5, sp("c@x.com"), fp(-1), ip(0)},
	{6, sp("d@x.com"), fp(7), ip(3)},
}

// ordersRules has error rules amount_non_negative (rows 1, 4 fail, row 3
// skipped) and id_small (rows 4, 5 fail), warn rule qty_positive (rows 2, 4
// fail) and info rule email_has_at (row 3 fails, row 2 skipped).
const ordersRules = `version: 1
dataset: orders
owner: payments@example.com
columns:
  order_id: {type: int64}
  email:    {type: string, tags: [pii.email]}
  amount:   {type: double}
  qty:      {type: int64}
rules:
  - name: amount_non_negative
    expr: amount >= 0.0
  - name: id_small
    expr: order_id < 5
    severity: error
  - name: qty_positive
    expr: qty > 0
    severity: warn
  - name: email_has_at
    expr: email.contains('@')
    severity: info
`

// compile parses yaml and compiles it against schema.
func compile(t *testing.T, yaml string, schema *arrow.Schema) *rules.Program {
	t.Helper()
	rs, err := rules.Parse("orders.yaml", []byte(yaml))
	require.NoError(t, err)
	prog, err := rs.Compile(schema)
	require.NoError(t, err)
	return prog
}

// batchesOf builds batches of at most size rows (the caller releases them).
func batchesOf(t *testing.T, mem memory.Allocator, rows []order, size int) []arrow.RecordBatch {
	t.Helper()
	var out []arrow.RecordBatch
	for start := 0; start < len(rows); start += size {
		end := min(start+size, len(rows))
		b := array.NewRecordBuilder(mem, ordersSchema)
		for _, r := range rows[start:end] {
			b.Field(0).(*array.Int64Builder).Append(r.id)
			if r.email != nil {
				b.Field(1).(*array.StringBuilder).Append(*r.email)
			} else {
				b.Field(1).AppendNull()
			}
			if r.amount != nil {
				b.Field(2).(*array.Float64Builder).Append(*r.amount)
			} else {
				b.Field(2).AppendNull()
			}
			if r.qty != nil {
				b.Field(3).(*array.Int64Builder).Append(*r.qty)
			} else {
				b.Field(3).AppendNull()
			}
		}
		out = append(out, b.NewRecordBatch())
		b.Release()
	}
	return out
}

// readerOf returns a reader over rows in batches of size; released at
// cleanup.
func readerOf(t *testing.T, mem memory.Allocator, rows []order, size int) array.RecordReader {
	t.Helper()
	batches := batchesOf(t, mem, rows, size)
	rdr, err := array.NewRecordReader(ordersSchema, batches)
	require.NoError(t, err)
	for _, b := range batches {
		b.Release()
	}
	t.Cleanup(rdr.Release)
	return rdr
}

// fixedClock returns a clock that starts at a fixed time and advances
// 5ms per call.
func fixedClock() func() time.Time {
	var mu sync.Mutex
	now := time.Date(2025, 3, 1, 12, 0, 0, 0, time.UTC)
	return func() time.Time {
		mu.Lock()
		defer mu.Unlock()
		t := now
		now = now.Add(5 * time.Millisecond)
		return t
	}
}

// recSink records what a gate does with its writer.
type recSink struct {
	name      string
	failWrite error // returned by Write when set

	mu      sync.Mutex
	state   string // "", "open", "committed", "aborted"
	schema  *arrow.Schema
	batches []arrow.RecordBatch
}

func newRecSink(t *testing.T, name string) *recSink {
	s := &recSink{name: name}
	t.Cleanup(s.release)
	return s
}

func (s *recSink) release() {
	s.mu.Lock()
	defer s.mu.Unlock()
	for _, b := range s.batches {
		b.Release()
	}
	s.batches = nil
}

func (s *recSink) Dataset() lineage.Dataset { return lineage.Dataset{Namespace: "test", Name: s.name} }

func (s *recSink) Create(_ context.Context, schema *arrow.Schema) (connectors.Writer, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.state != "" {
		return nil, fmt.Errorf("recSink %s: second Create", s.name)
	}
	s.state, s.schema = "open", schema
	return recWriter{s}, nil
}

func (s *recSink) State() string {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.state
}

type recWriter struct{ s *recSink }

func (w recWriter) Write(batch arrow.RecordBatch) error {
	w.s.mu.Lock()
	defer w.s.mu.Unlock()
	switch {
	case w.s.state != "open":
		return connectors.ErrClosed
	case w.s.failWrite != nil:
		return w.s.failWrite
	case !batch.Schema().Equal(w.s.schema):
		return fmt.Errorf("recSink %s: %w", w.s.name, connectors.ErrSchemaMismatch)
	}
	batch.Retain()
	w.s.batches = append(w.s.batches, batch)
	return nil
}

func (w recWriter) end(state string) error {
	w.s.mu.Lock()
	defer w.s.mu.Unlock()
	if w.s.state != "open" {
		return connectors.ErrClosed
	}
	w.s.state = state
	if state == "aborted" {
		for _, b := range w.s.batches {
			b.Release()
		}
		w.s.batches = nil
	}
	return nil
}

func (w recWriter) Commit(context.Context) error { return w.end("committed") }
func (w recWriter) Abort(context.Context) error  { return w.end("aborted") }

// ids returns the order_id column of every batch written.
func (s *recSink) ids() []int64 {
	s.mu.Lock()
	defer s.mu.Unlock()
	return int64Column(s.batches, "order_id")
}

// failedRules returns the FailedRulesColumn of every batch written.
func (s *recSink) failedRules() [][]string {
	s.mu.Lock()
	defer s.mu.Unlock()
	var out [][]string
	for _, b := range s.batches {
		col := b.Column(b.Schema().FieldIndices(FailedRulesColumn)[0]).(*array.List)
		vals := col.ListValues().(*array.String)
		for i := 0; i < col.Len(); i++ {
			start, end := col.ValueOffsets(i)
			names := []string{}
			for j := start; j < end; j++ {
				names = append(names, vals.Value(int(j)))
			}
			out = append(out, names)
		}
	}
	return out
}

func int64Column(batches []arrow.RecordBatch, name string) []int64 {
	out := []int64{}
	for _, b := range batches {
		col := b.Column(b.Schema().FieldIndices(name)[0]).(*array.Int64)
		out = append(out, col.Int64Values()...)
	}
	return out
}

// sliceSource is a Source over batches, optionally failing after some.
type sliceSource struct {
	schema    *arrow.Schema
	batches   []arrow.RecordBatch
	failAfter int   // batches served before err, when err is set
	err       error // reader error
	openErr   error

	mu   sync.Mutex
	opts []connectors.ReadOptions
}

func newSliceSource(t *testing.T, mem memory.Allocator, rows []order, size int) *sliceSource {
	t.Helper()
	s := &sliceSource{schema: ordersSchema, batches: batchesOf(t, mem, rows, size)}
	t.Cleanup(func() {
		for _, b := range s.batches {
			b.Release()
		}
	})
	return s
}

func (s *sliceSource) Dataset() lineage.Dataset {
	return lineage.Dataset{Namespace: "test", Name: "orders"}
}

func (s *sliceSource) Schema(context.Context) (*arrow.Schema, error) { return s.schema, nil }

func (s *sliceSource) Open(_ context.Context, opts connectors.ReadOptions) (array.RecordReader, error) {
	s.mu.Lock()
	s.opts = append(s.opts, opts)
	s.mu.Unlock()
	if s.openErr != nil {
		return nil, s.openErr
	}
	r := &failingReader{schema: s.schema, batches: s.batches, limit: len(s.batches)}
	if s.err != nil {
		r.limit, r.err = s.failAfter, s.err
	}
	r.refs = 1
	return r, nil
}

// failingReader serves limit batches, then stops with err.
type failingReader struct {
	refs    int
	schema  *arrow.Schema
	batches []arrow.RecordBatch
	limit   int
	next    int
	cur     arrow.RecordBatch
	err     error
	done    bool
}

func (r *failingReader) Retain()               { r.refs++ }
func (r *failingReader) Release()              { r.refs-- }
func (r *failingReader) Schema() *arrow.Schema { return r.schema }
func (r *failingReader) RecordBatch() arrow.RecordBatch {
	return r.cur
}
func (r *failingReader) Record() arrow.RecordBatch { return r.cur }
func (r *failingReader) Next() bool {
	if r.next >= r.limit {
		r.cur, r.done = nil, true
		return false
	}
	r.cur = r.batches[r.next]
	r.next++
	return true
}
func (r *failingReader) Err() error {
	if r.done {
		return r.err
	}
	return nil
}

// names returns the rule names of a report.
func names(rep *Report) []string {
	out := make([]string, len(rep.Rules))
	for i, r := range rep.Rules {
		out[i] = r.Name
	}
	return slices.Clone(out)
}
