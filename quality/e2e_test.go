package quality

import (
	"bytes"
	"context"
	"testing"

	"github.com/apache/arrow-go/v18/arrow"
	"github.com/apache/arrow-go/v18/arrow/array"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/sluicedata/sluice/connectors"
	"github.com/sluicedata/sluice/connectors/memconnector"
	"github.com/sluicedata/sluice/internal/arrowtest"
)

// TestRunMemconnector runs the gate between real in-memory datasets and
// reads the outputs back.
func TestRunMemconnector(t *testing.T) {
	mem := arrowtest.Allocator(t)
	ctx := context.Background()
	store := memconnector.NewStore()
	t.Cleanup(store.Clear)

	w, err := store.Sink("orders").Create(ctx, ordersSchema)
	require.NoError(t, err)
	for _, b := range batchesOf(t, mem, sixOrders, 4) {
		require.NoError(t, w.Write(b))
		b.Release()
	}
	require.NoError(t, w.Commit(ctx))

	prog := compile(t, ordersRules, ordersSchema)
	gate, err := NewGate(prog,
		WithSink(store.Sink("clean")),
		WithQuarantine(store.Sink("quarantine")),
		WithAllocator(mem),
		WithBatchSize(2),
	)
	require.NoError(t, err)
	rep, err := gate.Run(ctx, store.Source("orders"))
	require.NoError(t, err)
	assert.Equal(t, StatusFail, rep.Status)
	assert.Equal(t, []string{"orders", "quarantine"}, store.Names(), "clean output not committed on fail")

	rdr, err := store.Source("quarantine").Open(ctx, connectors.ReadOptions{})
	require.NoError(t, err)
	defer rdr.Release()
	var batches []arrow.RecordBatch
	for rdr.Next() {
		b := rdr.RecordBatch()
		b.Retain()
		batches = append(batches, b)
	}
	require.NoError(t, rdr.Err())
	defer func() {
		for _, b := range batches {
			b.Release()
		}
	}()
	assert.Equal(t, []int64{2, 5, 6}, int64Column(batches, "order_id"))
	var failed []string
	for _, b := range batches {
		col := b.Column(b.Schema().FieldIndices(FailedRulesColumn)[0]).(*array.List)
		for i := 0; i < col.Len(); i++ {
			failed = append(failed, col.ValueStr(i))
		}
	}
	assert.Equal(t, []string{`["amount_non_negative"]`, `["amount_non_negative","id_small"]`, `["id_small"]`}, failed)
}

// TestCheckJSONGolden pins the JSON of a real run with an injected clock.
func TestCheckJSONGolden(t *testing.T) {
	mem := arrowtest.Allocator(t)
	prog := compile(t, ordersRules+`  - name: email_present
    check: completeness(email) >= 0.9
    severity: warn
  - name: qty_max
    check: max(qty) <= 3
`, ordersSchema)
	gate, err := NewGate(prog, WithClock(fixedClock()), WithSampleLimit(2))
	require.NoError(t, err)
	rep, err := gate.Check(context.Background(), readerOf(t, mem, sixOrders, 4))
	require.NoError(t, err)
	var buf bytes.Buffer
	require.NoError(t, rep.WriteJSON(&buf))
	golden(t, "check.json.golden", buf.Bytes())
	var txt bytes.Buffer
	require.NoError(t, rep.WriteText(&txt))
	golden(t, "check.txt.golden", txt.Bytes())
}
