package rules_test

import (
	"context"
	"fmt"

	"github.com/apache/arrow-go/v18/arrow"
	"github.com/apache/arrow-go/v18/arrow/array"
	"github.com/apache/arrow-go/v18/arrow/memory"

	"github.com/sluicedata/sluice/rules"
)

func Example() {
	rs, err := rules.Parse("orders.yaml", []byte(`
version: 1
dataset: orders
owner: payments-data@example.com
columns:
  order_id: {type: int64, required: true, unique: true}
  amount:   {type: double}
rules:
  - name: amount_non_negative
    expr: amount >= 0.0
  - name: enough_rows
    check: row_count() >= 3
`))
	if err != nil {
		fmt.Println(err)
		return
	}
	schema := arrow.NewSchema([]arrow.Field{
		{Name: "order_id", Type: arrow.PrimitiveTypes.Int64},
		{Name: "amount", Type: arrow.PrimitiveTypes.Float64, Nullable: true},
	}, nil)
	prog, err := rs.Compile(schema)
	if err != nil {
		fmt.Println(err)
		return
	}
	b := array.NewRecordBuilder(memory.DefaultAllocator, schema)
	defer b.Release()
	b.Field(0).(*array.Int64Builder).AppendValues([]int64{1, 2, 2}, nil)
	b.Field(1).(*array.Float64Builder).AppendValues([]float64{9.5, -1, 0}, []bool{true, true, false})
	batch := b.NewRecordBatch()
	defer batch.Release()

	run := prog.NewRun()
	res, err := run.Eval(context.Background(), batch)
	if err != nil {
		fmt.Println(err)
		return
	}
	names := []string{"pass", "fail", "skip", "error"}
	for i, r := range prog.RowRules() {
		fmt.Print(r.Name, ":")
		for _, o := range res.Outcomes[i] {
			fmt.Print(" ", names[o])
		}
		fmt.Println()
	}
	checks, err := run.Finish(context.Background())
	if err != nil {
		fmt.Println(err)
		return
	}
	for _, c := range checks {
		fmt.Println(c.Rule.Name+":", names[c.Outcome], c.Metrics)
	}
	// Output:
	// order_id.required: pass pass pass
	// amount_non_negative: pass fail skip
	// order_id.unique: fail map[duplicate_count(order_id):2]
	// enough_rows: pass map[row_count():3]
}
