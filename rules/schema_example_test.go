package rules_test

import (
	"fmt"

	"github.com/apache/arrow-go/v18/arrow"

	"github.com/sluicedata/sluice/rules"
)

// A declared column that the data lacks is a finding, not an invalid rule
// file: the rules over it are not evaluated, the others run.
func ExampleProgram_SchemaFindings() {
	rs, err := rules.Parse("orders.yaml", []byte(`
version: 1
dataset: orders
owner: payments-data@example.com
schema: {extra_columns: warn}
columns:
  order_id: {type: int64, required: true}
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
		{Name: "note", Type: arrow.BinaryTypes.String},
	}, nil)
	prog, err := rs.Compile(schema)
	if err != nil {
		fmt.Println(err)
		return
	}
	for _, f := range prog.SchemaFindings() {
		fmt.Printf("%s (%s, %s): %s\n", f.Rule, f.Kind, f.Severity, f.Message)
	}
	for _, r := range prog.Rules() {
		if r.NotEvaluated != "" {
			fmt.Printf("%s: not evaluated: %s\n", r.Name, r.NotEvaluated)
		} else {
			fmt.Printf("%s: evaluated\n", r.Name)
		}
	}
	// Output:
	// schema.amount (missing, error): column "amount" is missing from the data
	// schema.note (extra, warn): column "note" is in the data but not declared in columns: (schema.extra_columns: warn)
	// order_id.required: evaluated
	// amount_non_negative: not evaluated: column "amount" is missing from the data
	// enough_rows: evaluated
}
