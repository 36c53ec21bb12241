package engine_test

import (
	"context"
	"testing"

	"github.com/apache/arrow-go/v18/arrow"
	"github.com/apache/arrow-go/v18/arrow/array"
	"github.com/apache/arrow-go/v18/arrow/memory"
	"github.com/stretchr/testify/require"

	"github.com/sluicedata/sluice/rules"
)

// BenchmarkTemporal runs timestamp comparisons, getters and arithmetic
// over 64Ki microsecond timestamps on both engines.
func BenchmarkTemporal(b *testing.B) {
	const n = 64 * 1024
	tb := array.NewTimestampBuilder(memory.DefaultAllocator, &arrow.TimestampType{Unit: arrow.Microsecond, TimeZone: "UTC"})
	defer tb.Release()
	for i := range n {
		tb.Append(arrow.Timestamp(1700000000000000 + int64(i)*1234567891))
	}
	arr := tb.NewArray()
	defer arr.Release()
	schema := arrow.NewSchema([]arrow.Field{{Name: "at", Type: arr.DataType()}}, nil)
	batch := array.NewRecordBatch(schema, []arrow.Array{arr}, n)
	defer batch.Release()
	for _, expr := range []string{
		"at > timestamp('2024-01-01T00:00:00Z')",
		"at.getHours() < 12",
		"at.getDayOfWeek('+05:30') in [0, 6]",
		"at - timestamp('2024-01-01T00:00:00Z') < duration('24h')",
	} {
		for _, eng := range []string{rules.EngineAuto, rules.EngineInterpreter} {
			b.Run(expr+"/"+eng, func(b *testing.B) {
				rs := &rules.RuleSet{Version: 1, Dataset: "bench", Rules: []rules.Rule{{Name: "r", Expr: expr}}}
				p, err := rs.Compile(schema, rules.WithEngine(eng))
				require.NoError(b, err)
				run := p.NewRun()
				b.ReportAllocs()
				for b.Loop() {
					if _, err := run.Eval(context.Background(), batch); err != nil {
						b.Fatal(err)
					}
				}
				b.ReportMetric(float64(n)*float64(b.N)/b.Elapsed().Seconds(), "rows/s")
			})
		}
	}
}
