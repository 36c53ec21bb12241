package quality

import (
	"context"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/sluicedata/sluice/internal/arrowtest"
	"github.com/sluicedata/sluice/rules"
)

// A declared column the data lacks, or one it retypes, fails schema.<column>;
// the rules over it are not evaluated with the reason and the others run.
func TestSchemaFindingsAreResults(t *testing.T) {
	const yaml = `version: 1
dataset: orders
owner: payments@example.com
columns:
  order_id: {type: int64}
  amount:   {type: double}
  qty:      {type: string}
  shipped:  {type: timestamp, required: true}
rules:
  - name: id_small
    expr: order_id < 5
  - name: qty_set
    check: null_count(qty) == 0
`
	mem := arrowtest.Allocator(t)
	prog := compile(t, yaml, ordersSchema)
	gate, err := NewGate(prog)
	require.NoError(t, err)
	rep, err := gate.Check(context.Background(), readerOf(t, mem, sixOrders, 4))
	require.NoError(t, err)

	assert.Equal(t, StatusFail, rep.Status)
	shipped := rep.Rule("schema.shipped")
	require.NotNil(t, shipped)
	assert.Equal(t, StatusFail, shipped.Status)
	assert.Contains(t, shipped.Message, `"shipped" is missing`)
	qty := rep.Rule("schema.qty")
	require.NotNil(t, qty)
	assert.Equal(t, StatusFail, qty.Status)

	req := rep.Rule("shipped.required")
	require.NotNil(t, req)
	assert.Equal(t, StatusNotEvaluated, req.Status)
	assert.Contains(t, req.Message, "missing from the data")
	chk := rep.Rule("qty_set")
	require.NotNil(t, chk)
	assert.Equal(t, StatusNotEvaluated, chk.Status)

	id := rep.Rule("id_small")
	require.NotNil(t, id)
	assert.Equal(t, StatusFail, id.Status)
	assert.Equal(t, int64(6), id.Evaluated)
	assert.Contains(t, rep.Gate.Reasons, "error rule "+rules.SchemaRuleName("shipped")+": fail")
}
