package parquetconnector_test

import (
	"context"
	"fmt"
	"os"
	"path/filepath"

	"github.com/apache/arrow-go/v18/arrow"
	"github.com/apache/arrow-go/v18/arrow/array"
	"github.com/apache/arrow-go/v18/arrow/memory"

	"github.com/sluicedata/sluice/connectors"
	"github.com/sluicedata/sluice/connectors/parquetconnector"
)

// Example writes a small Parquet file atomically and reads one column back.
func Example() {
	ctx := context.Background()
	dir, err := os.MkdirTemp("", "example")
	if err != nil {
		fmt.Println(err)
		return
	}
	defer os.RemoveAll(dir)
	path := filepath.Join(dir, "orders.parquet")

	schema := arrow.NewSchema([]arrow.Field{
		{Name: "id", Type: arrow.PrimitiveTypes.Int64},
		{Name: "status", Type: arrow.BinaryTypes.String, Nullable: true},
	}, nil)
	b := array.NewRecordBuilder(memory.DefaultAllocator, schema)
	defer b.Release()
	b.Field(0).(*array.Int64Builder).AppendValues([]int64{1, 2, 3}, nil)
	b.Field(1).(*array.StringBuilder).AppendValues([]string{"new", "", "paid"}, []bool{true, false, true})
	rec := b.NewRecordBatch()
	defer rec.Release()

	sink, err := parquetconnector.NewSink(path, parquetconnector.WithCompression("zstd"))
	if err != nil {
		fmt.Println(err)
		return
	}
	w, err := sink.Create(ctx, schema)
	if err != nil {
		fmt.Println(err)
		return
	}
	if err := w.Write(rec); err != nil {
		_ = w.Abort(ctx)
		fmt.Println(err)
		return
	}
	w.(connectors.MetadataWriter).SetMetadata("owner", "payments-data@example.com")
	if err := w.Commit(ctx); err != nil {
		fmt.Println(err)
		return
	}

	src, err := parquetconnector.NewSource(path)
	if err != nil {
		fmt.Println(err)
		return
	}
	rr, err := src.Open(ctx, connectors.ReadOptions{Columns: []string{"status"}})
	if err != nil {
		fmt.Println(err)
		return
	}
	defer rr.Release()
	for rr.Next() {
		fmt.Println(rr.RecordBatch().Column(0))
	}
	if err := rr.Err(); err != nil {
		fmt.Println(err)
	}
	// Output:
	// ["new" (null) "paid"]
}
