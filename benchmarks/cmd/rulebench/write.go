package main

import (
	"context"
	"encoding/binary"
	"encoding/json"
	"flag"
	"fmt"
	"io"
	"math"
	"math/rand/v2"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"sync/atomic"
	"syscall"
	"time"

	"github.com/apache/arrow-go/v18/arrow"
	"github.com/apache/arrow-go/v18/arrow/array"
	"github.com/apache/arrow-go/v18/arrow/memory"
	pq "github.com/apache/arrow-go/v18/parquet"
	"github.com/apache/arrow-go/v18/parquet/compress"
	"github.com/apache/arrow-go/v18/parquet/file"
	"github.com/apache/arrow-go/v18/parquet/pqarrow"

	"github.com/sluicedata/sluice/connectors"
	"github.com/sluicedata/sluice/connectors/parquetconnector"
)

var (
	writeCodecs   = flag.String("write-codecs", "snappy", "comma-separated codecs of the write case (snappy, zstd, lz4, none)")
	writeDir      = flag.String("write-dir", "/dev/shm", "directory of the write case's files (a tmpfs keeps the disk out of the measurement); the system's temporary directory when it does not exist")
	writeDatasets = flag.String("write-datasets", "flights,gen", "comma-separated datasets of the write case: flights (flights-3m.parquet read once) and gen (-rows generated rows)")
)

// writeMeasurement is one printed line of the write case.
type writeMeasurement struct {
	Case     string  `json:"case"`
	Variant  string  `json:"variant"` // dataset and codec
	Engine   string  `json:"engine"`
	Rows     int64   `json:"rows"`
	Reps     int     `json:"reps"`
	Seconds  float64 `json:"seconds"` // median of the repetitions
	RowsPerS float64 `json:"rows_per_s"`
	// CPUSeconds is the median CPU time of the process (user and system)
	// during a write: steadier than wall time on a loaded machine.
	CPUSeconds  float64 `json:"cpu_seconds"`
	RowsPerCPUS float64 `json:"rows_per_cpu_s"`
	CPURatio    float64 `json:"cpu_ratio,omitempty"`
	Ratio       float64 `json:"ratio,omitempty"`
	Baseline    string  `json:"baseline,omitempty"`
	// Bytes and RowGroups describe the file written.
	Bytes     int64 `json:"bytes"`
	RowGroups int   `json:"row_groups"`
	// AllocPeak is the high-water mark of the bytes the writer's allocator
	// held (its pages, encoders and scratch), over all repetitions.
	AllocPeak int64 `json:"alloc_peak_bytes"`
}

// writeEngine writes batches of schema to path with compression codec and
// allocator mem.
type writeEngine struct {
	name  string
	write func(path string, schema *arrow.Schema, batches []arrow.RecordBatch, codec string, mem memory.Allocator) error
}

var writeEngines = []writeEngine{
	{"sluice", writeSluice},
	{"pqarrow", func(p string, s *arrow.Schema, b []arrow.RecordBatch, c string, m memory.Allocator) error {
		return writePQArrow(p, s, b, c, m, false)
	}},
	{"pqarrow-sluiceprops", func(p string, s *arrow.Schema, b []arrow.RecordBatch, c string, m memory.Allocator) error {
		return writePQArrow(p, s, b, c, m, true)
	}},
}

// writeCase measures Sluice's Parquet sink against pqarrow's FileWriter on
// the same in-memory batches: flights-3m.parquet as our reader returns it
// (dictionary strings whose dictionaries change between batches) and a
// generated dataset of cfg.Rows rows. Every output is read back and must
// hold the input's rows and values.
func writeCase(cfg config) error {
	parent := *writeDir
	if fi, err := os.Stat(parent); err != nil || !fi.IsDir() {
		parent = ""
	}
	dir, err := os.MkdirTemp(parent, "rulebench-write-")
	if err != nil {
		return err
	}
	defer os.RemoveAll(dir)
	for _, ds := range strings.Split(*writeDatasets, ",") {
		var (
			schema  *arrow.Schema
			batches []arrow.RecordBatch
		)
		switch ds {
		case "flights":
			if _, err := os.Stat(flightsPath); err != nil {
				return fmt.Errorf("flights-3m.parquet not found at %s (run from benchmarks/): %w", flightsPath, err)
			}
			schema, batches, err = readBatches(flightsPath)
		case "gen":
			schema, batches = genWriteBatches(cfg.Rows)
		default:
			return fmt.Errorf("unknown dataset %q (want flights or gen)", ds)
		}
		if err != nil {
			return err
		}
		for _, codec := range strings.Split(*writeCodecs, ",") {
			if err := compareWrites(cfg, dir, ds+"-"+codec, schema, batches, codec); err != nil {
				releaseWriteBatches(batches)
				return err
			}
		}
		releaseWriteBatches(batches)
	}
	var ru syscall.Rusage
	if syscall.Getrusage(syscall.RUSAGE_SELF, &ru) == nil {
		b, _ := json.Marshal(map[string]any{"case": "write", "engine": "process", "rss_max_bytes": ru.Maxrss * 1024})
		fmt.Println(string(b))
	}
	return nil
}

func releaseWriteBatches(bs []arrow.RecordBatch) {
	for _, b := range bs {
		b.Release()
	}
}

// compareWrites writes batches cfg.Reps times with each engine, the order
// of the engines rotating between repetitions, checks every engine's
// first output, and reports the medians; the ratio is sluice's throughput
// over the faster pqarrow variant's.
func compareWrites(cfg config, dir, variant string, schema *arrow.Schema, batches []arrow.RecordBatch, codec string) error {
	var rows int64
	for _, b := range batches {
		rows += b.NumRows()
	}
	want, err := writeChecksum(array.NewRecordReader(schema, batches))
	if err != nil {
		return err
	}
	secs, cpu := map[string][]float64{}, map[string][]float64{}
	res := map[string]*writeMeasurement{}
	for rep := range cfg.Reps {
		for k := range writeEngines {
			e := writeEngines[(k+rep)%len(writeEngines)]
			path := filepath.Join(dir, e.name+".parquet")
			_ = os.Remove(path)
			mem := &writePeakAllocator{Allocator: memory.NewGoAllocator()}
			cpu0 := cpuSeconds()
			start := time.Now()
			if err := e.write(path, schema, batches, codec, mem); err != nil {
				return fmt.Errorf("%s: %s: %w", variant, e.name, err)
			}
			secs[e.name] = append(secs[e.name], time.Since(start).Seconds())
			cpu[e.name] = append(cpu[e.name], cpuSeconds()-cpu0)
			m := res[e.name]
			if m == nil {
				m = &writeMeasurement{Case: "write", Variant: variant, Engine: e.name, Rows: rows}
				res[e.name] = m
				if err := verifyWrite(path, want, m); err != nil {
					return fmt.Errorf("%s: %s wrote a wrong file: %w", variant, e.name, err)
				}
			}
			m.AllocPeak = max(m.AllocPeak, mem.peak.Load())
		}
	}
	for _, e := range writeEngines {
		m := res[e.name]
		m.Reps = len(secs[e.name])
		m.Seconds = writeMedian(secs[e.name])
		m.RowsPerS = float64(m.Rows) / m.Seconds
		m.CPUSeconds = writeMedian(cpu[e.name])
		m.RowsPerCPUS = float64(m.Rows) / m.CPUSeconds
	}
	base := res["pqarrow"]
	if alt := res["pqarrow-sluiceprops"]; alt.RowsPerS > base.RowsPerS {
		base = alt
	}
	cpuBase := max(res["pqarrow"].RowsPerCPUS, res["pqarrow-sluiceprops"].RowsPerCPUS)
	for _, e := range writeEngines {
		m := res[e.name]
		if e.name == "sluice" {
			m.Ratio, m.Baseline = m.RowsPerS/base.RowsPerS, base.Engine
			m.CPURatio = m.RowsPerCPUS / cpuBase
		}
		b, _ := json.Marshal(m)
		fmt.Println(string(b))
	}
	return nil
}

// cpuSeconds returns the CPU time the process has used.
func cpuSeconds() float64 {
	var ru syscall.Rusage
	if syscall.Getrusage(syscall.RUSAGE_SELF, &ru) != nil {
		return 0
	}
	return time.Duration(ru.Utime.Nano() + ru.Stime.Nano()).Seconds()
}

func writeMedian(xs []float64) float64 {
	s := slices.Clone(xs)
	slices.Sort(s)
	if len(s)%2 == 1 {
		return s[len(s)/2]
	}
	return (s[len(s)/2-1] + s[len(s)/2]) / 2
}

// verifyWrite reads path back with Sluice's reader and compares its rows
// and value checksum with want; it records the file's size and row groups
// in m.
func verifyWrite(path string, want writeSum, m *writeMeasurement) error {
	src, err := parquetconnector.NewSource(path)
	if err != nil {
		return err
	}
	rr, err := src.Open(context.Background(), connectors.ReadOptions{BatchSize: parquetBatch})
	if err != nil {
		return err
	}
	got, err := writeChecksum(rr, nil)
	if err != nil {
		return err
	}
	if got.rows != want.rows {
		return fmt.Errorf("%d rows, want %d", got.rows, want.rows)
	}
	if !slices.Equal(got.cols, want.cols) {
		return fmt.Errorf("value checksums %x, want %x", got.cols, want.cols)
	}
	fi, err := os.Stat(path)
	if err != nil {
		return err
	}
	m.Bytes = fi.Size()
	rdr, err := file.OpenParquetFile(path, false)
	if err != nil {
		return err
	}
	m.RowGroups = rdr.NumRowGroups()
	return rdr.Close()
}

func writeSluice(path string, schema *arrow.Schema, batches []arrow.RecordBatch, codec string, mem memory.Allocator) error {
	sink, err := parquetconnector.NewSink(path, parquetconnector.WithCompression(codec), parquetconnector.WithAllocator(mem))
	if err != nil {
		return err
	}
	ctx := context.Background()
	w, err := sink.Create(ctx, schema)
	if err != nil {
		return err
	}
	for _, b := range batches {
		if err := w.Write(b); err != nil {
			_ = w.Abort(ctx)
			return err
		}
	}
	return w.Commit(ctx)
}

var pqCodecs = map[string]compress.Compression{
	"snappy": compress.Codecs.Snappy, "zstd": compress.Codecs.Zstd,
	"lz4": compress.Codecs.Lz4Raw, "none": compress.Codecs.Uncompressed,
}

// writePQArrow writes with pqarrow's FileWriter into buffered row groups
// of at most 1Mi rows, storing the Arrow schema, and syncs the file as the
// Sluice sink does. With sluiceProps it uses the sink's properties
// (dictionary encoding for dictionary columns only, page index, decimals
// as integers); otherwise the library's defaults (dictionary encoding for
// every column, no page index).
func writePQArrow(path string, schema *arrow.Schema, batches []arrow.RecordBatch, codec string, mem memory.Allocator, sluiceProps bool) error {
	c, ok := pqCodecs[codec]
	if !ok {
		return fmt.Errorf("unknown codec %q", codec)
	}
	props := []pq.WriterProperty{pq.WithCompression(c), pq.WithMaxRowGroupLength(1 << 20), pq.WithAllocator(mem)}
	if sluiceProps {
		props = append(props, pq.WithDictionaryDefault(false), pq.WithPageIndexEnabled(true), pq.WithStoreDecimalAsInteger(true))
		for _, f := range schema.Fields() {
			if f.Type.ID() == arrow.DICTIONARY {
				props = append(props, pq.WithDictionaryPath(pq.ColumnPath{f.Name}, true))
			}
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
	for _, b := range batches {
		if err := fw.WriteBuffered(b); err != nil {
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
}

// readBatches reads path once with Sluice's reader, in batches of
// parquetBatch rows, retained.
func readBatches(path string) (*arrow.Schema, []arrow.RecordBatch, error) {
	src, err := parquetconnector.NewSource(path)
	if err != nil {
		return nil, nil, err
	}
	rr, err := src.Open(context.Background(), connectors.ReadOptions{BatchSize: parquetBatch})
	if err != nil {
		return nil, nil, err
	}
	defer rr.Release()
	var out []arrow.RecordBatch
	for rr.Next() {
		b := rr.RecordBatch()
		b.Retain()
		out = append(out, b)
	}
	if err := rr.Err(); err != nil {
		releaseWriteBatches(out)
		return nil, nil, err
	}
	return rr.Schema(), out, nil
}

// genWriteBatches generates n seeded rows in batches of parquetBatch: id
// int64, amount double (2% null), category dictionary string (40 values,
// one builder whose dictionary grows), customer string (100k values, 5%
// null) and ts timestamp[us, UTC] (1% null).
func genWriteBatches(n int) (*arrow.Schema, []arrow.RecordBatch) {
	schema := arrow.NewSchema([]arrow.Field{
		{Name: "id", Type: arrow.PrimitiveTypes.Int64},
		{Name: "amount", Type: arrow.PrimitiveTypes.Float64, Nullable: true},
		{Name: "category", Type: &arrow.DictionaryType{IndexType: arrow.PrimitiveTypes.Int32, ValueType: arrow.BinaryTypes.String}, Nullable: true},
		{Name: "customer", Type: arrow.BinaryTypes.String, Nullable: true},
		{Name: "ts", Type: &arrow.TimestampType{Unit: arrow.Microsecond, TimeZone: "UTC"}, Nullable: true},
	}, nil)
	rng := rand.New(rand.NewPCG(42, 9))
	cats := make([]string, 40)
	for i := range cats {
		cats[i] = fmt.Sprintf("category-%02d", i)
	}
	b := array.NewRecordBuilder(memory.DefaultAllocator, schema)
	defer b.Release()
	base := time.Date(2025, 1, 1, 0, 0, 0, 0, time.UTC).UnixMicro()
	var out []arrow.RecordBatch
	for lo := 0; lo < n; lo += parquetBatch {
		ids := b.Field(0).(*array.Int64Builder)
		amounts := b.Field(1).(*array.Float64Builder)
		cat := b.Field(2).(*array.BinaryDictionaryBuilder)
		cust := b.Field(3).(*array.StringBuilder)
		ts := b.Field(4).(*array.TimestampBuilder)
		for i := lo; i < min(lo+parquetBatch, n); i++ {
			ids.Append(int64(i)*7 + rng.Int64N(7))
			if rng.IntN(50) == 0 {
				amounts.AppendNull()
			} else {
				amounts.Append(float64(rng.IntN(1_000_000)) / 100)
			}
			_ = cat.AppendString(cats[rng.IntN(len(cats))])
			if rng.IntN(20) == 0 {
				cust.AppendNull()
			} else {
				cust.Append(fmt.Sprintf("customer-%05d", rng.IntN(100_000)))
			}
			if rng.IntN(100) == 0 {
				ts.AppendNull()
			} else {
				ts.Append(arrow.Timestamp(base + int64(i)*1_000_000 + rng.Int64N(1_000_000)))
			}
		}
		out = append(out, b.NewRecordBatch())
	}
	return schema, out
}

// writeSum is the row count and one order-sensitive value hash per column of a
// dataset; dictionary values hash as their values, so a column compares
// equal whatever its dictionaries.
type writeSum struct {
	rows int64
	cols []uint64
}

const (
	writeFNVOffset = 14695981039346656037
	writeFNVPrime  = 1099511628211
)

func writeFNVBytes(h uint64, b []byte) uint64 {
	for _, c := range b {
		h = (h ^ uint64(c)) * writeFNVPrime
	}
	return h
}

func writeFNVUint(h, v uint64) uint64 {
	var b [8]byte
	binary.LittleEndian.PutUint64(b[:], v)
	return writeFNVBytes(h, b[:])
}

// checksum drains rr (released at the end); err is the error of the
// caller's NewRecordReader, if any.
func writeChecksum(rr array.RecordReader, err error) (writeSum, error) {
	if err != nil {
		return writeSum{}, err
	}
	defer rr.Release()
	s := writeSum{cols: make([]uint64, rr.Schema().NumFields())}
	for i := range s.cols {
		s.cols[i] = writeFNVOffset
	}
	for rr.Next() {
		b := rr.RecordBatch()
		s.rows += b.NumRows()
		for c, col := range b.Columns() {
			s.cols[c] = writeHashColumn(s.cols[c], col)
		}
	}
	return s, rr.Err()
}

func writeHashColumn(h uint64, a arrow.Array) uint64 {
	for i := range a.Len() {
		if a.IsNull(i) {
			h = (h ^ 0x1ff) * writeFNVPrime
			continue
		}
		h = writeHashValue(h, a, i)
	}
	return h
}

func writeHashValue(h uint64, a arrow.Array, i int) uint64 {
	switch a := a.(type) {
	case *array.Int64:
		return writeFNVUint(h, uint64(a.Value(i)))
	case *array.Int32:
		return writeFNVUint(h, uint64(a.Value(i)))
	case *array.Float64:
		return writeFNVUint(h, math.Float64bits(a.Value(i)))
	case *array.Timestamp:
		return writeFNVUint(h, uint64(a.Value(i)))
	case *array.Date32:
		return writeFNVUint(h, uint64(a.Value(i)))
	case *array.String:
		return writeFNVBytes(h, []byte(a.Value(i)))
	case *array.LargeString:
		return writeFNVBytes(h, []byte(a.Value(i)))
	case *array.Binary:
		return writeFNVBytes(h, a.Value(i))
	case *array.Dictionary:
		return writeHashValue(h, a.Dictionary(), a.GetValueIndex(i))
	}
	return writeFNVBytes(h, []byte(a.ValueStr(i)))
}

// writePeakAllocator counts the bytes an allocator holds and their high-water
// mark.
type writePeakAllocator struct {
	memory.Allocator
	cur, peak atomic.Int64
}

func (p *writePeakAllocator) add(n int64) {
	c := p.cur.Add(n)
	for {
		old := p.peak.Load()
		if c <= old || p.peak.CompareAndSwap(old, c) {
			return
		}
	}
}

func (p *writePeakAllocator) Allocate(size int) []byte {
	p.add(int64(size))
	return p.Allocator.Allocate(size)
}

func (p *writePeakAllocator) Reallocate(size int, b []byte) []byte {
	p.add(int64(size - len(b)))
	return p.Allocator.Reallocate(size, b)
}

func (p *writePeakAllocator) Free(b []byte) {
	p.add(-int64(len(b)))
	p.Allocator.Free(b)
}
