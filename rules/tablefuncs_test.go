package rules_test

import (
	"context"
	"testing"

	"github.com/apache/arrow-go/v18/arrow"
	"github.com/apache/arrow-go/v18/arrow/array"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/sluicedata/sluice/internal/arrowtest"
	"github.com/sluicedata/sluice/internal/arrowtypes"
	"github.com/sluicedata/sluice/rules"
)

func TestTableFunctions(t *testing.T) {
	mem := arrowtest.Allocator(t)
	p := compile(t, `columns:
  id: {type: int64}
  not_in_data: {type: string}
rules:
  - name: count
    check: column_count() == 6
  - name: order
    check: columns() == ['id', 'amount', 'qty', 'email', 'Cost Total $', 'at']
  - name: set
    check: columns().all(c, c in ['at', 'id', 'amount', 'qty', 'email', 'Cost Total $'])
  - name: index
    check: size(columns()) > 3 && columns()[3] == 'email'
  - name: wrong_order
    check: columns()[0] == 'amount'
  - name: shadowing
    check: "columns().all(id, id != '') && ['qty'].exists(qty, qty in columns())"
`, ordersSchema)
	batch := ordersBatch(t, mem)
	defer batch.Release()
	run := p.NewRun()
	_, err := run.Eval(context.Background(), batch)
	require.NoError(t, err)
	checks, err := run.Finish(context.Background())
	require.NoError(t, err)
	got := map[string]rules.Outcome{}
	for _, c := range checks {
		got[c.Rule.Name] = c.Outcome
		assert.Empty(t, c.Err, c.Rule.Name)
	}
	// The declared column that the data lacks is not a column of the data.
	assert.Equal(t, map[string]rules.Outcome{
		"count": rules.Pass, "order": rules.Pass, "set": rules.Pass, "index": rules.Pass, "wrong_order": rules.Fail,
		"shadowing": rules.Pass,
	}, got)
	assert.Equal(t, map[string]any{"column_count()": int64(6)}, checks[0].Metrics)
	assert.Equal(t, []string{"id", "amount", "qty", "email", "Cost Total $", "at"}, checks[1].Metrics["columns()"])
	assert.Empty(t, p.References(), "schema functions read no other dataset")
}

// A column a reader adds only because it is declared (the JSON reader's
// hinted keys that no record has) is not counted.
func TestTableFunctionsSkipDeclaredOnly(t *testing.T) {
	mem := arrowtest.Allocator(t)
	md := arrow.NewMetadata([]string{arrowtypes.DeclaredOnlyKey}, []string{"true"})
	schema := arrow.NewSchema([]arrow.Field{
		{Name: "b", Type: arrow.PrimitiveTypes.Int64, Nullable: true},
		{Name: "a", Type: arrow.PrimitiveTypes.Int64, Nullable: true},
		{Name: "declared", Type: arrow.BinaryTypes.String, Nullable: true, Metadata: md},
	}, nil)
	p := compile(t, `columns:
  declared: {type: string}
rules:
  - name: layout
    check: column_count() == 2 && columns() == ['b', 'a']
`, schema)
	b := array.NewRecordBuilder(mem, schema)
	defer b.Release()
	b.Field(0).(*array.Int64Builder).Append(1)
	b.Field(1).(*array.Int64Builder).Append(2)
	b.Field(2).AppendNull()
	batch := b.NewRecordBatch()
	defer batch.Release()
	run := p.NewRun()
	_, err := run.Eval(context.Background(), batch)
	require.NoError(t, err)
	checks, err := run.Finish(context.Background())
	require.NoError(t, err)
	assert.Equal(t, rules.Pass, checks[0].Outcome, checks[0].Err)
}

func TestRowCountOfOtherDataset(t *testing.T) {
	mem := arrowtest.Allocator(t)
	rs, err := rules.Parse("/data/contracts/orders.yaml", []byte(header+`rules:
  - name: same_rows
    check: row_count() == row_count('orders_copy.csv')
  - name: fewer
    check: row_count() < row_count('orders_copy.csv')
`))
	require.NoError(t, err)
	p, err := rs.Compile(ordersSchema)
	require.NoError(t, err)
	require.Equal(t, []rules.Reference{{Dataset: "/data/contracts/orders_copy.csv"}}, p.References())

	batch := ordersBatch(t, mem) // 4 rows
	defer batch.Release()
	opens := 0
	opener := func(_ context.Context, ref rules.Reference) (array.RecordReader, error) {
		opens++
		assert.Equal(t, rules.Reference{Dataset: "/data/contracts/orders_copy.csv"}, ref)
		b1, b2 := ordersBatch(t, mem), ordersBatch(t, mem)
		defer b1.Release()
		defer b2.Release()
		s1 := b1.NewSlice(0, 3) // 3 + 4 rows in two batches
		defer s1.Release()
		return array.NewRecordReader(ordersSchema, []arrow.RecordBatch{s1, b2})
	}
	run := p.NewRun(rules.WithReferences(opener))
	_, err = run.Eval(context.Background(), batch)
	require.NoError(t, err)
	checks, err := run.Finish(context.Background())
	require.NoError(t, err)
	assert.Equal(t, rules.Fail, checks[0].Outcome, checks[0].Err)
	assert.Equal(t, rules.Pass, checks[1].Outcome, checks[1].Err)
	assert.Equal(t, map[string]any{"row_count()": int64(4), "row_count('orders_copy.csv')": int64(7)}, checks[0].Metrics)
	assert.Equal(t, 1, opens, "the other dataset is read once for both checks")

	// Without an opener the check cannot be computed.
	run = p.NewRun()
	_, err = run.Eval(context.Background(), batch)
	require.NoError(t, err)
	checks, err = run.Finish(context.Background())
	require.NoError(t, err)
	assert.Equal(t, rules.Errored, checks[0].Outcome)
	assert.Contains(t, checks[0].Err, "WithReferences")
}

func TestTableFunctionErrors(t *testing.T) {
	probs := compileErr(t, `rules:
  - name: not_constant
    check: row_count(email) > 0
`, ordersSchema)
	require.Len(t, probs, 1)
	assert.Contains(t, probs[0].Msg, "row_count('dataset path') takes a string constant")

	// A comprehension's variable hides a column of its name only inside it.
	probs = compileErr(t, `rules:
  - name: outside
    check: "columns().all(id, id != '') && id > 0"
`, ordersSchema)
	require.Len(t, probs, 1)
	assert.Contains(t, probs[0].Msg, "column id is read outside a metric function")
}
