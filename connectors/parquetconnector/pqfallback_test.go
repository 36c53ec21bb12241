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
// also in projections of the flat column alone.
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

// TestFallbackSchemaMatchesOpen: a file read with pqarrow (here LZ4_RAW,
// with a dictionary-encoded string column, which this package's decoder
// would map to a dictionary type) gives the same types from Schema as in
// the batches of Open, for the whole file and for any projection, so that
// rules compiled against Schema run on the batches.
func TestFallbackSchemaMatchesOpen(t *testing.T) {
	mem := memory.NewGoAllocator()
	sc := arrow.NewSchema([]arrow.Field{
		{Name: "id", Type: arrow.PrimitiveTypes.Int64},
		{Name: "status", Type: arrow.BinaryTypes.String, Nullable: true},
		{Name: "at", Type: &arrow.TimestampType{Unit: arrow.Microsecond, TimeZone: "UTC"}, Nullable: true},
	}, nil)
	b := array.NewRecordBuilder(mem, sc)
	defer b.Release()
	for i := range 100 {
		b.Field(0).(*array.Int64Builder).Append(int64(i))
		b.Field(1).(*array.StringBuilder).Append([]string{"new", "paid", "shipped"}[i%3])
		b.Field(2).(*array.TimestampBuilder).Append(arrow.Timestamp(int64(i) * 1e6))
	}
	rec := b.NewRecordBatch()
	defer rec.Release()
	tbl := array.NewTableFromRecords(sc, []arrow.RecordBatch{rec})
	defer tbl.Release()
	path := filepath.Join(t.TempDir(), "lz4.parquet")
	f, err := os.Create(path)
	require.NoError(t, err)
	props := pq.NewWriterProperties(pq.WithCompression(compress.Codecs.Lz4Raw), pq.WithDictionaryDefault(true))
	require.NoError(t, pqarrow.WriteTable(tbl, f, 40, props, pqarrow.DefaultWriterProps()))
	_ = f.Close()

	src, err := NewSource(path)
	require.NoError(t, err)
	ctx := context.Background()
	schema, err := src.Schema(ctx)
	require.NoError(t, err)
	for _, cols := range [][]string{nil, {"status"}, {"at", "id"}} {
		rr, err := src.Open(ctx, connectors.ReadOptions{Columns: cols, BatchSize: 32, Allocator: arrowtest.Allocator(t)})
		require.NoError(t, err)
		n := 0
		for rr.Next() {
			got := rr.RecordBatch()
			for c := range int(got.NumCols()) {
				want := schema.Field(schema.FieldIndices(got.ColumnName(c))[0]).Type
				assert.Truef(t, arrow.TypeEqual(want, got.Column(c).DataType()), "%v column %s: Schema says %s, batch has %s", cols, got.ColumnName(c), want, got.Column(c).DataType())
			}
			n += int(got.NumRows())
		}
		require.NoError(t, rr.Err())
		rr.Release()
		assert.Equal(t, 100, n)
	}
}
