package metrics_test

import (
	"fmt"
	"math/rand/v2"
	"testing"

	"github.com/apache/arrow-go/v18/arrow"
	"github.com/apache/arrow-go/v18/arrow/array"
	"github.com/apache/arrow-go/v18/arrow/memory"
	"github.com/stretchr/testify/require"

	"github.com/sluicedata/sluice/rules/metrics"
)

const benchRows = 1_000_000

// benchColumns returns 1M-row columns: float64 (normal, 1% null), int64
// (100k distinct values) and string (100k distinct values).
func benchColumns(b *testing.B, mem memory.Allocator) map[string]arrow.Array {
	b.Helper()
	rng := rand.New(rand.NewPCG(1, 2))
	fb := array.NewFloat64Builder(mem)
	ib := array.NewInt64Builder(mem)
	sb := array.NewStringBuilder(mem)
	defer fb.Release()
	defer ib.Release()
	defer sb.Release()
	for range benchRows {
		if rng.IntN(100) == 0 {
			fb.AppendNull()
		} else {
			fb.Append(rng.NormFloat64())
		}
		k := rng.IntN(100_000)
		ib.Append(int64(k))
		sb.Append(fmt.Sprintf("customer-%06d", k))
	}
	return map[string]arrow.Array{"float64": fb.NewArray(), "int64": ib.NewArray(), "string": sb.NewArray()}
}

func BenchmarkMetrics(b *testing.B) {
	mem := memory.NewGoAllocator()
	cols := benchColumns(b, mem)
	defer func() {
		for _, c := range cols {
			c.Release()
		}
	}()
	cases := []struct {
		spec metrics.Spec
		col  string
	}{
		{spec("mean"), "float64"},
		{spec("mean"), "int64"},
		{spec("distinct_count"), "int64"},
		{spec("distinct_count"), "string"},
		{spec("approx_distinct"), "int64"},
		{spec("approx_distinct"), "string"},
		{spec("quantile", 0.9), "float64"},
	}
	for _, c := range cases {
		arr := cols[c.col]
		b.Run(c.spec.Func+"/"+c.col, func(b *testing.B) {
			b.ReportAllocs()
			b.SetBytes(int64(arr.Data().SizeInBytes()))
			for b.Loop() {
				s, err := metrics.New(c.spec, []arrow.DataType{arr.DataType()})
				require.NoError(b, err)
				require.NoError(b, s.Update([]arrow.Array{arr}))
				_, err = s.Result()
				require.NoError(b, err)
			}
			b.ReportMetric(float64(benchRows)*float64(b.N)/b.Elapsed().Seconds(), "rows/s")
		})
	}
}
