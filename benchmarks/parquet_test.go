package benchmarks

import (
	"context"
	"fmt"
	"math/rand/v2"
	"os"
	"path/filepath"
	"testing"
	"time"

	"github.com/apache/arrow-go/v18/arrow"
	"github.com/apache/arrow-go/v18/arrow/array"
	"github.com/apache/arrow-go/v18/arrow/memory"
	"github.com/apache/arrow-go/v18/parquet/file"
	"github.com/apache/arrow-go/v18/parquet/pqarrow"

	"github.com/sluicedata/sluice/connectors"
	"github.com/sluicedata/sluice/connectors/parquetconnector"
)

const (
	flightsPath = "../../shared/datasets/flights-3m.parquet"
	batchRows   = 64 * 1024
)

func readSluice(b *testing.B, path string, cols []string) int64 {
	src, err := parquetconnector.NewSource(path)
	if err != nil {
		b.Fatal(err)
	}
	rr, err := src.Open(context.Background(), connectors.ReadOptions{Columns: cols, BatchSize: batchRows})
	if err != nil {
		b.Fatal(err)
	}
	defer rr.Release()
	var rows int64
	for rr.Next() {
		rows += rr.RecordBatch().NumRows()
	}
	if err := rr.Err(); err != nil {
		b.Fatal(err)
	}
	return rows
}

func readPQArrow(b *testing.B, path string, cols []string) int64 {
	rdr, err := file.OpenParquetFile(path, false)
	if err != nil {
		b.Fatal(err)
	}
	defer rdr.Close()
	fr, err := pqarrow.NewFileReader(rdr, pqarrow.ArrowReadProperties{Parallel: false, BatchSize: batchRows}, memory.DefaultAllocator)
	if err != nil {
		b.Fatal(err)
	}
	var idx []int
	for _, c := range cols {
		idx = append(idx, rdr.MetaData().Schema.ColumnIndexByName(c))
	}
	rr, err := fr.GetRecordReader(context.Background(), idx, nil)
	if err != nil {
		b.Fatal(err)
	}
	defer rr.Release()
	var rows int64
	for rr.Next() {
		rows += rr.RecordBatch().NumRows()
	}
	if err := rr.Err(); err != nil {
		b.Fatal(err)
	}
	return rows
}

func benchRead(b *testing.B, path string, cols []string) {
	st, err := os.Stat(path)
	if err != nil {
		b.Skipf("%s not available: %v", path, err)
	}
	engines := []struct {
		name string
		read func(*testing.B, string, []string) int64
	}{
		{"sluice", readSluice},
		{"pqarrow", readPQArrow},
	}
	for _, e := range engines {
		b.Run(e.name, func(b *testing.B) {
			b.ReportAllocs()
			b.SetBytes(st.Size())
			var rows int64
			for b.Loop() {
				rows += e.read(b, path, cols)
			}
			b.ReportMetric(float64(rows)/b.Elapsed().Seconds(), "rows/s")
		})
	}
}

// BenchmarkParquetFlights reads the Polars-written flights-3m.parquet.
func BenchmarkParquetFlights(b *testing.B) {
	b.Run("all", func(b *testing.B) { benchRead(b, flightsPath, nil) })
	b.Run("proj2", func(b *testing.B) { benchRead(b, flightsPath, []string{"delay", "origin"}) })
}

// BenchmarkParquetGenerated reads a 1M-row file written by the Sluice sink.
func BenchmarkParquetGenerated(b *testing.B) {
	path := filepath.Join(b.TempDir(), "gen.parquet")
	if err := generate(path, 1_000_000); err != nil {
		b.Fatal(err)
	}
	b.Run("all", func(b *testing.B) { benchRead(b, path, nil) })
	b.Run("proj2", func(b *testing.B) { benchRead(b, path, []string{"amount", "category"}) })
}

func TestGenerateAndRead(t *testing.T) {
	path := filepath.Join(t.TempDir(), "gen.parquet")
	if err := generate(path, 100_000); err != nil {
		t.Fatal(err)
	}
	src, err := parquetconnector.NewSource(path)
	if err != nil {
		t.Fatal(err)
	}
	n, err := src.NumRows(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	if n != 100_000 {
		t.Fatalf("rows = %d, want 100000", n)
	}
}

// generate writes n seeded rows (id int64, amount double, category
// dictionary string of 40 values, ts timestamp[us, UTC]; about 2% nulls in
// amount) to path with the Sluice sink.
func generate(path string, n int) error {
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
	for lo := 0; lo < n; lo += batchRows {
		hi := min(lo+batchRows, n)
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
