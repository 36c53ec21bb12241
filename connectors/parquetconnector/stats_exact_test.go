package parquetconnector

import (
	"context"
	"os"
	"path/filepath"
	"testing"

	"github.com/apache/arrow-go/v18/arrow"
	"github.com/apache/arrow-go/v18/arrow/array"
	"github.com/apache/arrow-go/v18/arrow/memory"
	"github.com/apache/arrow-go/v18/parquet/pqarrow"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// TestColumnStatsExact checks the exactness flags on a file written by
// arrow-go, which writes min_value/max_value and null_count.
func TestColumnStatsExact(t *testing.T) {
	mem := memory.NewGoAllocator()
	sc := arrow.NewSchema([]arrow.Field{
		{Name: "n", Type: arrow.PrimitiveTypes.Int64, Nullable: true},
		{Name: "s", Type: arrow.BinaryTypes.String, Nullable: true},
	}, nil)
	b := array.NewRecordBuilder(mem, sc)
	defer b.Release()
	b.Field(0).(*array.Int64Builder).AppendValues([]int64{3, -7, 0}, []bool{true, true, false})
	b.Field(1).(*array.StringBuilder).AppendValues([]string{"b", "a", ""}, []bool{true, true, false})
	rec := b.NewRecordBatch()
	defer rec.Release()
	path := filepath.Join(t.TempDir(), "stats.parquet")
	f, err := os.Create(path)
	require.NoError(t, err)
	w, err := pqarrow.NewFileWriter(sc, f, nil, pqarrow.DefaultWriterProps())
	require.NoError(t, err)
	require.NoError(t, w.Write(rec))
	require.NoError(t, w.Close())

	src, err := NewSource(path)
	require.NoError(t, err)
	stats, err := src.ColumnStats(context.Background())
	require.NoError(t, err)
	require.Len(t, stats, 1)
	require.Len(t, stats[0], 2)
	n, s := stats[0][0], stats[0][1]
	assert.Equal(t, int64(1), n.NullCount)
	assert.True(t, n.NullCountExact)
	assert.Equal(t, int64(-7), n.Min)
	assert.Equal(t, int64(3), n.Max)
	assert.True(t, n.MinMaxExact)
	assert.Equal(t, "a", s.Min)
	assert.False(t, s.MinMaxExact, "byte-array statistics may be truncated")
}
