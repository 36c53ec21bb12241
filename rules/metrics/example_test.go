package metrics_test

import (
	"fmt"
	"strings"

	"github.com/apache/arrow-go/v18/arrow"
	"github.com/apache/arrow-go/v18/arrow/array"
	"github.com/apache/arrow-go/v18/arrow/memory"

	"github.com/sluicedata/sluice/rules/metrics"
)

// Two workers each measure their batches; their states merge into the
// metric of all the data.
func Example() {
	mem := memory.NewGoAllocator()
	spec := metrics.Spec{Func: "quantile", Columns: []string{"amount"}, Args: []any{0.5}}
	types := []arrow.DataType{arrow.PrimitiveTypes.Float64}

	var states []metrics.State
	for _, batch := range []string{`[12.5, null, 3.0]`, `[7.25, 100.0]`} {
		col, _, err := array.FromJSON(mem, arrow.PrimitiveTypes.Float64, strings.NewReader(batch))
		if err != nil {
			fmt.Println(err)
			return
		}
		s, err := metrics.New(spec, types)
		if err != nil {
			fmt.Println(err)
			return
		}
		err = s.Update([]arrow.Array{col})
		col.Release()
		if err != nil {
			fmt.Println(err)
			return
		}
		states = append(states, s)
	}
	if err := states[0].Merge(states[1]); err != nil {
		fmt.Println(err)
		return
	}
	median, err := states[0].Result()
	if err != nil {
		fmt.Println(err)
		return
	}
	fmt.Println("median amount:", median)
	// Output: median amount: 9.875
}
