package parquetconnector

import (
	"context"
	"os"
	"path/filepath"
	"testing"

	"github.com/apache/arrow-go/v18/arrow"
	"github.com/apache/arrow-go/v18/arrow/array"
	"github.com/apache/arrow-go/v18/arrow/memory"
	pq "github.com/apache/arrow-go/v18/parquet"
	"github.com/apache/arrow-go/v18/parquet/compress"
	"github.com/apache/arrow-go/v18/parquet/pqarrow"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/sluicedata/sluice/connectors"
	"github.com/sluicedata/sluice/internal/arrowtest"
)

// TestNestedFallback reads a file another writer (pqarrow) wrote with a
// struct, a map and a list of structs, LZ4_RAW compressed: the nested
// columns come back as Arrow struct, map and list<struct> with their values,
// and a projection of the flat column alone still uses this package's decoder.
func TestNestedFallback(t *testing.T) {
	addr := arrow.StructOf(arrow.Field{Name: "city", Type: arrow.BinaryTypes.String, Nullable: true},
		arrow.Field{Name: "zip", Type: arrow.PrimitiveTypes.Int32, Nullable: true})
	sc := arrow.NewSchema([]arrow.Field{
		{Name: "id", Type: arrow.PrimitiveTypes.Int64},
		{Name: "address", Type: addr, Nullable: true},
		{Name: "m", Type: arrow.MapOf(arrow.BinaryTypes.String, arrow.PrimitiveTypes.Int64), Nullable: true},
		{Name: "items", Type: arrow.ListOf(addr), Nullable: true},
	}, nil)
	gomem := memory.NewGoAllocator()
	b := array.NewRecordBuilder(gomem, sc)
	defer b.Release()
	const rows = 50
	for i := range rows {
		b.Field(0).(*array.Int64Builder).Append(int64(i))
		sb := b.Field(1).(*array.StructBuilder)
		if i%7 == 3 {
			sb.AppendNull()
		} else {
			sb.Append(true)
			sb.FieldBuilder(0).(*array.StringBuilder).Append("city" + string(rune('a'+i%26)))
			sb.FieldBuilder(1).(*array.Int32Builder).Append(int32(1000 + i))
		}
		mb := b.Field(2).(*array.MapBuilder)
		mb.Append(true)
		mb.KeyBuilder().(*array.StringBuilder).Append("k")
		mb.ItemBuilder().(*array.Int64Builder).Append(int64(i * 2))
		lb := b.Field(3).(*array.ListBuilder)
		lb.Append(true)
		eb := lb.ValueBuilder().(*array.StructBuilder)
		for j := range i % 3 {
			eb.Append(true)
			eb.FieldBuilder(0).(*array.StringBuilder).Append("x")
			eb.FieldBuilder(1).(*array.Int32Builder).Append(int32(j))
		}
	}
	want := b.NewRecordBatch()
	defer want.Release()

	path := filepath.Join(t.TempDir(), "nested.parquet")
	f, err := os.Create(path)
	require.NoError(t, err)
	tbl := array.NewTableFromRecords(sc, []arrow.RecordBatch{want})
	defer tbl.Release()
	props := pq.NewWriterProperties(pq.WithCompression(compress.Codecs.Lz4Raw))
	require.NoError(t, pqarrow.WriteTable(tbl, f, 20, props, pqarrow.DefaultWriterProps()))
	_ = f.Close() // WriteTable closed it

	src, err := NewSource(path)
	require.NoError(t, err)
	ctx := context.Background()
	got, err := src.Schema(ctx)
	require.NoError(t, err)
	require.Equal(t, 4, got.NumFields())
	assert.Equal(t, arrow.STRUCT, got.Field(1).Type.ID())
	assert.Equal(t, arrow.MAP, got.Field(2).Type.ID())
	assert.Equal(t, arrow.LIST, got.Field(3).Type.ID())

	for _, cols := range [][]string{nil, {"address", "id"}, {"id"}} {
		mem := arrowtest.Allocator(t)
		rr, err := src.Open(ctx, connectors.ReadOptions{Columns: cols, BatchSize: 16, Allocator: mem})
		require.NoError(t, err)
		n := 0
		for rr.Next() {
			rec := rr.RecordBatch()
			for c := range int(rec.NumCols()) {
				name := rec.ColumnName(c)
				idx := sc.FieldIndices(name)[0]
				exp := array.NewSlice(want.Column(idx), int64(n), int64(n)+rec.NumRows())
				assert.Truef(t, array.Equal(exp, rec.Column(c)), "column %s rows %d+: want %v, got %v", name, n, exp, rec.Column(c))
				exp.Release()
			}
			n += int(rec.NumRows())
		}
		require.NoError(t, rr.Err())
		rr.Release()
		assert.Equal(t, rows, n)
	}
}
