package benchmarks

import (
	"context"
	"os"
	"path/filepath"
	"testing"

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
	if err := GenerateParquet(path, 1_000_000, batchRows); err != nil {
		b.Fatal(err)
	}
	b.Run("all", func(b *testing.B) { benchRead(b, path, nil) })
	b.Run("proj2", func(b *testing.B) { benchRead(b, path, []string{"amount", "category"}) })
}

func TestGenerateAndRead(t *testing.T) {
	path := filepath.Join(t.TempDir(), "gen.parquet")
	if err := GenerateParquet(path, 100_000, batchRows); err != nil {
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
