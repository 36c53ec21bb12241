// Package benchmarks measures Sluice against its peers; see RESULTS.md.
// This file holds the data generators shared by the Go benchmarks and the
// rulebench command.
package benchmarks

import (
	"context"
	"fmt"
	"math/rand/v2"
	"time"

	"github.com/apache/arrow-go/v18/arrow"
	"github.com/apache/arrow-go/v18/arrow/array"
	"github.com/apache/arrow-go/v18/arrow/memory"

	"github.com/sluicedata/sluice/connectors/parquetconnector"
)

// GenerateParquet writes n seeded rows (id int64, amount double, category
// dictionary string of 40 values, ts timestamp[us, UTC]; about 2% nulls in
// amount) to path with the Sluice sink, in batches of batch rows.
func GenerateParquet(path string, n, batch int) error {
	mem := memory.DefaultAllocator
	schema := arrow.NewSchema([]arrow.Field{
		{Name: "id", Type: arrow.PrimitiveTypes.Int64},
		{Name: "amount", Type: arrow.PrimitiveTypes.Float64, Nullable: true},
		{Name: "category", Type: &arrow.DictionaryType{IndexType: arrow.PrimitiveTypes.Int32, ValueType: arrow.BinaryTypes.String}, Nullable: true},
		{Name: "ts", Type: &arrow.TimestampType{Unit: arrow.Microsecond, TimeZone: "UTC"}, Nullable: true},
	}, nil)
	sink, err := parquetconnector.NewSink(path)
	if err != nil {
		return err
	}
	w, err := sink.Create(context.Background(), schema)
	if err != nil {
		return err
	}
	rng := rand.New(rand.NewPCG(42, 7))
	categories := make([]string, 40)
	for i := range categories {
		categories[i] = fmt.Sprintf("category-%02d", i)
	}
	b := array.NewRecordBuilder(mem, schema)
	defer b.Release()
	base := time.Date(2025, 1, 1, 0, 0, 0, 0, time.UTC).UnixMicro()
	for lo := 0; lo < n; lo += batch {
		hi := min(lo+batch, n)
		ids := b.Field(0).(*array.Int64Builder)
		amounts := b.Field(1).(*array.Float64Builder)
		cats := b.Field(2).(*array.BinaryDictionaryBuilder)
		ts := b.Field(3).(*array.TimestampBuilder)
		for i := lo; i < hi; i++ {
			ids.Append(int64(i)*7 + rng.Int64N(7))
			if rng.IntN(50) == 0 {
				amounts.AppendNull()
			} else {
				amounts.Append(float64(rng.IntN(1_000_000)) / 100)
			}
			if err := cats.AppendString(categories[rng.IntN(len(categories))]); err != nil {
				return err
			}
			ts.Append(arrow.Timestamp(base + int64(i)*1_000_000 + rng.Int64N(1_000_000)))
		}
		rec := b.NewRecordBatch()
		err := w.Write(rec)
		rec.Release()
		if err != nil {
			_ = w.Abort(context.Background())
			return err
		}
	}
	return w.Commit(context.Background())
}
