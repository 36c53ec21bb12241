package benchmarks

import (
	"context"
	"io"
	"os"
	"path/filepath"
	"sync/atomic"
	"testing"

	"github.com/apache/arrow-go/v18/arrow"
	"github.com/apache/arrow-go/v18/arrow/memory"
	pq "github.com/apache/arrow-go/v18/parquet"
	"github.com/apache/arrow-go/v18/parquet/compress"
	"github.com/apache/arrow-go/v18/parquet/pqarrow"

	"github.com/sluicedata/sluice/connectors"
	"github.com/sluicedata/sluice/connectors/parquetconnector"
)

// writeBatches returns the batches of path as Sluice's reader returns them
// (64Ki rows, dictionary strings), retained until the benchmark ends.
func writeBatches(b *testing.B, path string) (*arrow.Schema, []arrow.RecordBatch, int64) {
	b.Helper()
	src, err := parquetconnector.NewSource(path)
	if err != nil {
		b.Fatal(err)
	}
	rr, err := src.Open(context.Background(), connectors.ReadOptions{BatchSize: batchRows})
	if err != nil {
		b.Skip(err)
	}
	defer rr.Release()
	var out []arrow.RecordBatch
	var rows int64
	for rr.Next() {
		rec := rr.RecordBatch()
		rec.Retain()
		out = append(out, rec)
		rows += rec.NumRows()
	}
	if err := rr.Err(); err != nil {
		b.Fatal(err)
	}
	b.Cleanup(func() {
		for _, r := range out {
			r.Release()
		}
	})
	return rr.Schema(), out, rows
}

// peakBytes counts the bytes an allocator holds at its high-water mark.
type peakBytes struct {
	memory.Allocator
	cur, peak atomic.Int64
}

func (p *peakBytes) add(n int64) {
	c := p.cur.Add(n)
	for {
		old := p.peak.Load()
		if c <= old || p.peak.CompareAndSwap(old, c) {
			return
		}
	}
}

func (p *peakBytes) Allocate(n int) []byte { p.add(int64(n)); return p.Allocator.Allocate(n) }
func (p *peakBytes) Reallocate(n int, b []byte) []byte {
	p.add(int64(n - len(b)))
	return p.Allocator.Reallocate(n, b)
}
func (p *peakBytes) Free(b []byte) { p.add(-int64(len(b))); p.Allocator.Free(b) }

// BenchmarkParquetWrite writes flights-3m.parquet's batches with Sluice's
// sink and with pqarrow's FileWriter (buffered row groups of 1Mi rows,
// snappy, dictionary encoding for the dictionary columns only, like the
// sink), reporting rows/s and the writer allocator's high-water mark.
func BenchmarkParquetWrite(b *testing.B) {
	schema, batches, rows := writeBatches(b, flightsPath)
	dir := b.TempDir()
	engines := []struct {
		name  string
		write func(path string, mem memory.Allocator) error
	}{
		{"sluice", func(path string, mem memory.Allocator) error {
			sink, err := parquetconnector.NewSink(path, parquetconnector.WithAllocator(mem))
			if err != nil {
				return err
			}
			w, err := sink.Create(context.Background(), schema)
			if err != nil {
				return err
			}
			for _, r := range batches {
				if err := w.Write(r); err != nil {
					return err
				}
			}
			return w.Commit(context.Background())
		}},
		{"pqarrow", func(path string, mem memory.Allocator) error {
			props := []pq.WriterProperty{pq.WithCompression(compress.Codecs.Snappy), pq.WithMaxRowGroupLength(1 << 20),
				pq.WithAllocator(mem), pq.WithDictionaryDefault(false)}
			for _, f := range schema.Fields() {
				if f.Type.ID() == arrow.DICTIONARY {
					props = append(props, pq.WithDictionaryPath(pq.ColumnPath{f.Name}, true))
				}
			}
			f, err := os.Create(path)
			if err != nil {
				return err
			}
			defer f.Close()
			fw, err := pqarrow.NewFileWriter(schema, struct{ io.Writer }{f}, pq.NewWriterProperties(props...),
				pqarrow.NewArrowWriterProperties(pqarrow.WithStoreSchema()))
			if err != nil {
				return err
			}
			for _, r := range batches {
				if err := fw.WriteBuffered(r); err != nil {
					return err
				}
			}
			if err := fw.Close(); err != nil {
				return err
			}
			if err := f.Sync(); err != nil {
				return err
			}
			return f.Close()
		}},
	}
	for _, e := range engines {
		b.Run(e.name, func(b *testing.B) {
			b.ReportAllocs()
			path := filepath.Join(dir, e.name+".parquet")
			var peak int64
			for b.Loop() {
				mem := &peakBytes{Allocator: memory.NewGoAllocator()}
				if err := e.write(path, mem); err != nil {
					b.Fatal(err)
				}
				peak = max(peak, mem.peak.Load())
			}
			b.ReportMetric(float64(rows)*float64(b.N)/b.Elapsed().Seconds(), "rows/s")
			b.ReportMetric(float64(peak), "peak-B")
			if n := readSluice(b, path, nil); n != rows {
				b.Fatalf("read back %d rows, want %d", n, rows)
			}
		})
	}
}
