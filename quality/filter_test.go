package quality

import (
	"context"
	"testing"

	"github.com/apache/arrow-go/v18/arrow"
	"github.com/apache/arrow-go/v18/arrow/array"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/sluicedata/sluice/connectors"
	"github.com/sluicedata/sluice/internal/arrowtest"
)

// drain reads every batch of r, returning the order ids.
func drain(t *testing.T, r array.RecordReader) []int64 {
	t.Helper()
	var kept []arrow.RecordBatch
	for r.Next() {
		b := r.RecordBatch()
		b.Retain()
		kept = append(kept, b)
	}
	ids := int64Column(kept, "order_id")
	for _, b := range kept {
		b.Release()
	}
	return ids
}

func TestFilter(t *testing.T) {
	mem := arrowtest.Allocator(t)
	prog := compile(t, ordersRules, ordersSchema)
	tests := []struct {
		name  string
		mode  Mode
		batch int
		want  []int64
	}{
		{name: "filter one batch", mode: ModeFilter, batch: 6, want: []int64{1, 3, 4}},
		{name: "filter batches of 2", mode: ModeFilter, batch: 2, want: []int64{1, 3, 4}},
		{name: "filter batches of 1", mode: ModeFilter, batch: 1, want: []int64{1, 3, 4}},
		{name: "check mode passes everything", mode: ModeCheck, batch: 4, want: []int64{1, 2, 3, 4, 5, 6}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			quar := newRecSink(t, "quarantine")
			gate, err := NewGate(prog, WithMode(tt.mode), WithQuarantine(quar), WithAllocator(mem), WithClock(fixedClock()))
			require.NoError(t, err)
			in := readerOf(t, mem, sixOrders, tt.batch)
			out, report := gate.Filter(context.Background(), in)
			defer out.Release()
			assert.True(t, out.Schema().Equal(ordersSchema))

			_, err = report()
			require.ErrorIs(t, err, ErrIncomplete, "no report before the end")

			assert.Equal(t, tt.want, drain(t, out))
			require.NoError(t, out.Err())
			rep, err := report()
			require.NoError(t, err)
			assert.Equal(t, StatusFail, rep.Status)
			assert.Equal(t, int64(6), rep.RowsIn)
			assert.Equal(t, int64(3), rep.RowsClean)
			assert.Equal(t, int64(3), rep.RowsQuarantined)
			assert.Equal(t, "committed", quar.State())
			assert.Equal(t, []int64{2, 5, 6}, quar.ids())
			assert.Equal(t, int64(5), rep.DurationMS, "one clock tick between start and end")
			assert.False(t, out.Next(), "stays at the end")
		})
	}
}

func TestFilterReleasedEarlyAbortsQuarantine(t *testing.T) {
	mem := arrowtest.Allocator(t)
	prog := compile(t, ordersRules, ordersSchema)
	quar := newRecSink(t, "quarantine")
	gate, err := NewGate(prog, WithQuarantine(quar), WithAllocator(mem))
	require.NoError(t, err)
	out, report := gate.Filter(context.Background(), readerOf(t, mem, sixOrders, 2))
	require.True(t, out.Next())
	out.Release()
	assert.Equal(t, "aborted", quar.State())
	_, err = report()
	var re *RunError
	require.ErrorAs(t, err, &re)
}

func TestFilterReaderError(t *testing.T) {
	mem := arrowtest.Allocator(t)
	prog := compile(t, ordersRules, ordersSchema)
	quar := newRecSink(t, "quarantine")
	gate, err := NewGate(prog, WithQuarantine(quar), WithAllocator(mem))
	require.NoError(t, err)
	src := newSliceSource(t, mem, sixOrders, 2)
	src.err, src.failAfter = connectors.ErrCorrupt, 2
	in, err := src.Open(context.Background(), connectors.ReadOptions{})
	require.NoError(t, err)
	out, report := gate.Filter(context.Background(), in)

	assert.Equal(t, []int64{1, 3, 4}, drain(t, out))
	require.ErrorIs(t, out.Err(), connectors.ErrCorrupt)
	rep, err := report()
	assert.Nil(t, rep)
	require.ErrorIs(t, err, connectors.ErrCorrupt)
	assert.Equal(t, "aborted", quar.State())

	fr := in.(*failingReader)
	assert.Equal(t, 2, fr.refs, "Filter holds its own reference until released")
	out.Release()
	assert.Equal(t, 1, fr.refs)
}

// TestFilterStreamIsMasked: the stream Filter returns leaves the gate like
// any other output, with masked columns masked.
func TestFilterStreamIsMasked(t *testing.T) {
	mem := arrowtest.Allocator(t)
	prog := compile(t, ordersRules, ordersSchema)
	gate, err := NewGate(prog, WithAllocator(mem), WithMask("email", Mask{Kind: MaskRedact}))
	require.NoError(t, err)
	out, report := gate.Filter(context.Background(), readerOf(t, mem, sixOrders, 2))
	defer out.Release()
	var emails []string
	for out.Next() {
		col := out.RecordBatch().Column(out.Schema().FieldIndices("email")[0]).(*array.String)
		for i := range col.Len() {
			if col.IsValid(i) {
				emails = append(emails, col.Value(i))
			}
		}
	}
	require.NoError(t, out.Err())
	_, err = report()
	require.NoError(t, err)
	require.NotEmpty(t, emails)
	for _, e := range emails {
		assert.Equal(t, Redacted, e)
	}

	bad, err := NewGate(prog, WithAllocator(mem), WithMask("nope", Mask{Kind: MaskRedact}))
	require.NoError(t, err)
	out2, report2 := bad.Filter(context.Background(), readerOf(t, mem, sixOrders, 2))
	defer out2.Release()
	assert.False(t, out2.Next())
	require.ErrorIs(t, out2.Err(), ErrConfig)
	_, err = report2()
	require.ErrorIs(t, err, ErrConfig)
}
