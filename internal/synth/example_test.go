package synth_test

import (
	"fmt"

	"github.com/apache/arrow-go/v18/arrow/memory"

	"github.com/sluicedata/sluice/internal/synth"
	"github.com/sluicedata/sluice/rules"
)

func ExampleFromRuleSet() {
	rs, err := rules.Parse("orders.yaml", []byte(`version: 1
dataset: orders
owner: team@example.com
columns:
  id:     {type: int64, required: true, unique: true}
  status: {type: string, values: [new, paid]}
rules:
  - name: amount_positive
    expr: amount > 0.0 && amount * 2.0 < 1000.0
`))
	if err != nil {
		fmt.Println(err)
		return
	}
	plan, err := synth.FromRuleSet(rs, synth.Options{})
	if err != nil {
		fmt.Println(err)
		return
	}
	for _, c := range plan.Columns() {
		fmt.Printf("%s %s inferred=%v\n", c.Name, c.Type, c.Inferred)
	}
	batches, err := plan.Generate(memory.DefaultAllocator, 10_000, 4096)
	if err != nil {
		fmt.Println(err)
		return
	}
	n := int64(0)
	for _, b := range batches {
		n += b.NumRows()
		b.Release()
	}
	fmt.Println(len(batches), "batches,", n, "rows")
	// Output:
	// id int64 inferred=false
	// status utf8 inferred=false
	// amount float64 inferred=true
	// 3 batches, 10000 rows
}
