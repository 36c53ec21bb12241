package parquetconnector

import (
	"context"
	"fmt"
	"math/rand/v2"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"sync/atomic"
	"testing"

	"github.com/apache/arrow-go/v18/arrow"
	"github.com/apache/arrow-go/v18/arrow/array"
	"github.com/apache/arrow-go/v18/arrow/memory"
	pq "github.com/apache/arrow-go/v18/parquet"
	"github.com/apache/arrow-go/v18/parquet/compress"
	"github.com/apache/arrow-go/v18/parquet/file"
	"github.com/apache/arrow-go/v18/parquet/metadata"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/sluicedata/sluice/connectors"
	"github.com/sluicedata/sluice/internal/arrowtest"
)

// mixedSchema has an increasing id, a random value, a string, a
// dictionary and a timestamp column, nulls in all but id.
var mixedSchema = arrow.NewSchema([]arrow.Field{
	{Name: "id", Type: arrow.PrimitiveTypes.Int64},
	{Name: "r", Type: arrow.PrimitiveTypes.Int64, Nullable: true},
	{Name: "s", Type: arrow.BinaryTypes.String, Nullable: true},
	{Name: "cat", Type: &arrow.DictionaryType{IndexType: arrow.PrimitiveTypes.Int32, ValueType: arrow.BinaryTypes.String}, Nullable: true},
	{Name: "ts", Type: &arrow.TimestampType{Unit: arrow.Microsecond, TimeZone: "UTC"}, Nullable: true},
}, nil)

// mixedBatch returns rows [lo, lo+n) of the mixed dataset; row i's values
// depend on i alone.
func mixedBatch(t testing.TB, mem memory.Allocator, lo, n int) arrow.RecordBatch {
	t.Helper()
	b := array.NewRecordBuilder(mem, mixedSchema)
	defer b.Release()
	ids := b.Field(0).(*array.Int64Builder)
	rs := b.Field(1).(*array.Int64Builder)
	ss := b.Field(2).(*array.StringBuilder)
	cats := array.NewInt32Builder(mem)
	defer cats.Release()
	ts := b.Field(4).(*array.TimestampBuilder)
	for i := lo; i < lo+n; i++ {
		rng := rand.New(rand.NewPCG(uint64(i), 1))
		ids.Append(int64(i))
		b.Field(3).AppendNull() // replaced below
		if i%17 == 3 {
			rs.AppendNull()
			ss.AppendNull()
			cats.AppendNull()
			ts.AppendNull()
			continue
		}
		rs.Append(rng.Int64())
		ss.Append(fmt.Sprintf("row-%d-%x", i, rng.Uint32()))
		cats.Append(int32(i % 23))
		ts.Append(arrow.Timestamp(1_700_000_000_000_000 + int64(i)*1_000_003))
	}
	rec := b.NewRecordBatch()
	defer rec.Release()
	// Every batch carries the same dictionary (another array each time).
	db := array.NewStringBuilder(mem)
	defer db.Release()
	for k := range 23 {
		db.Append(fmt.Sprintf("cat-%02d", k))
	}
	dict := db.NewArray()
	defer dict.Release()
	idx := cats.NewArray()
	defer idx.Release()
	cat := array.NewDictionaryArray(mixedSchema.Field(3).Type, idx, dict)
	defer cat.Release()
	cols := slices.Clone(rec.Columns())
	cols[3] = cat
	return array.NewRecordBatch(mixedSchema, cols, rec.NumRows())
}

// writeMixed writes rows of the mixed dataset in batches of the given
// sizes (cycled) and returns the number of rows written.
func writeMixed(t *testing.T, path string, rows int, batches []int, opts ...SinkOption) {
	t.Helper()
	mem := arrowtest.Allocator(t)
	sink, err := NewSink(path, opts...)
	require.NoError(t, err)
	w, err := sink.Create(context.Background(), mixedSchema)
	require.NoError(t, err)
	for lo, k := 0, 0; lo < rows; k++ {
		n := min(batches[k%len(batches)], rows-lo)
		rec := mixedBatch(t, mem, lo, n)
		err := w.Write(rec)
		rec.Release()
		require.NoError(t, err)
		lo += n
	}
	require.NoError(t, w.Commit(context.Background()))
}

// footer reads the file metadata of path with arrow-go's reader.
func footer(t *testing.T, path string) (*file.Reader, *metadata.FileMetaData) {
	t.Helper()
	rdr, err := file.OpenParquetFile(path, false)
	require.NoError(t, err)
	t.Cleanup(func() { _ = rdr.Close() })
	return rdr, rdr.MetaData()
}

func rowGroupRows(md *metadata.FileMetaData) []int64 {
	var rows []int64
	for i := range md.NumRowGroups() {
		rows = append(rows, md.RowGroup(i).NumRows())
	}
	return rows
}

func TestSinkRowGroupRows(t *testing.T) {
	tests := []struct {
		name    string
		rows    int
		bound   int64
		batches []int
		want    []int64
	}{
		{"small batches", 2500, 1000, []int{333}, []int64{1000, 1000, 500}},
		{"one huge batch", 2500, 1000, []int{2500}, []int64{1000, 1000, 500}},
		{"mixed batches", 3000, 1000, []int{1, 999, 1001, 7}, []int64{1000, 1000, 1000}},
		{"exact multiple", 2000, 500, []int{500}, []int64{500, 500, 500, 500}},
		{"under the bound", 10, 1000, []int{3}, []int64{10}},
		{"batches over a slice", 200_000, 150_000, []int{200_000}, []int64{150_000, 50_000}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			path := filepath.Join(t.TempDir(), "rg.parquet")
			writeMixed(t, path, tt.rows, tt.batches, WithRowGroupRows(tt.bound))
			_, md := footer(t, path)
			assert.Equal(t, tt.want, rowGroupRows(md))

			mem := arrowtest.Allocator(t)
			src, err := NewSource(path)
			require.NoError(t, err)
			rr, err := src.Open(context.Background(), connectors.ReadOptions{Allocator: mem})
			require.NoError(t, err)
			defer rr.Release()
			want := mixedBatch(t, mem, 0, tt.rows)
			defer want.Release()
			wr, err := array.NewRecordReader(mixedSchema, []arrow.RecordBatch{want})
			require.NoError(t, err)
			defer wr.Release()
			assert.Equal(t, tt.rows, assertSameRows(t, wr, rr))
		})
	}
}

func TestSinkRowGroupBytes(t *testing.T) {
	// Random int64s do not compress: 8 bytes a row.
	const bound = 2 << 20
	path := filepath.Join(t.TempDir(), "bytes.parquet")
	writeMixed(t, path, 1_000_000, []int{100_000}, WithRowGroupBytes(bound), WithCompression("none"))
	_, md := footer(t, path)
	rows := rowGroupRows(md)
	require.Greater(t, len(rows), 2, "row groups %v", rows)
	var total int64
	for i, n := range rows {
		total += n
		assert.Less(t, n, int64(DefaultRowGroupRows), "row group %d closed by size, not rows", i)
		size := md.RowGroup(i).TotalCompressedSize()
		// The size is checked every 64Ki rows and counts closed pages: a row
		// group may go over by one slice and one open page per column.
		assert.Less(t, size, int64(bound+5*(1<<20)+sliceRows*64), "row group %d", i)
		if i < len(rows)-1 {
			assert.GreaterOrEqual(t, size, int64(bound), "row group %d closed early", i)
		}
	}
	assert.Equal(t, int64(1_000_000), total)
}

func TestSinkFooter(t *testing.T) {
	path := filepath.Join(t.TempDir(), "footer.parquet")
	writeMixed(t, path, 5000, []int{700}, WithRowGroupRows(2000))
	rdr, md := footer(t, path)
	require.Equal(t, 3, md.NumRowGroups())
	idx := rdr.GetPageIndexReader()
	for g := range md.NumRowGroups() {
		rg := md.RowGroup(g)
		rgIdx, err := idx.RowGroup(g)
		require.NoError(t, err)
		for c := range rg.NumColumns() {
			name := mixedSchema.Field(c).Name
			cc, err := rg.ColumnChunk(c)
			require.NoError(t, err)
			set, err := cc.StatsSet()
			require.NoError(t, err)
			require.True(t, set, "row group %d column %s: statistics", g, name)
			st, err := cc.Statistics()
			require.NoError(t, err)
			assert.True(t, st.HasMinMax(), "row group %d column %s: min and max", g, name)
			assert.True(t, st.HasNullCount(), "row group %d column %s: null count", g, name)

			ci, err := rgIdx.GetColumnIndex(c)
			require.NoError(t, err)
			require.NotNil(t, ci, "row group %d column %s: column index", g, name)
			assert.NotEmpty(t, ci.GetMinValues(), "row group %d column %s: page minima", g, name)
			oi, err := rgIdx.GetOffsetIndex(c)
			require.NoError(t, err)
			require.NotNil(t, oi, "row group %d column %s: offset index", g, name)
			assert.NotEmpty(t, oi.GetPageLocations(), "row group %d column %s: page locations", g, name)

			dict := false
			for _, e := range cc.Encodings() {
				dict = dict || e == pq.Encodings.RLEDict || e == pq.Encodings.PlainDict
			}
			assert.Equal(t, name == "cat", dict, "row group %d column %s: dictionary encoded", g, name)
			assert.Equal(t, name == "cat", cc.HasDictionaryPage(), "row group %d column %s: dictionary page", g, name)
			assert.Equal(t, compress.Codecs.Snappy, cc.Compression())
		}
	}

	// Our reader sees the statistics of every row group, and the dictionary.
	src, err := NewSource(path)
	require.NoError(t, err)
	stats, err := src.ColumnStats(context.Background())
	require.NoError(t, err)
	require.Len(t, stats, 3)
	for g, want := range [][2]int64{{0, 1999}, {2000, 3999}, {4000, 4999}} {
		assert.Equal(t, "id", stats[g][0].Column)
		assert.Equal(t, want[0], stats[g][0].Min, "row group %d", g)
		assert.Equal(t, want[1], stats[g][0].Max, "row group %d", g)
		assert.Zero(t, stats[g][0].NullCount)
		assert.Positive(t, stats[g][1].NullCount, "row group %d column r", g)
	}
	sc, err := src.Schema(context.Background())
	require.NoError(t, err)
	assert.True(t, sc.Equal(mixedSchema), "schema %s", sc)
}

func TestSinkCompressionCodecs(t *testing.T) {
	tests := []struct {
		name      string
		want      compress.Compression
		ourReader bool
	}{
		{"snappy", compress.Codecs.Snappy, true},
		{"zstd", compress.Codecs.Zstd, true},
		{"none", compress.Codecs.Uncompressed, true},
		{"lz4", compress.Codecs.Lz4Raw, false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			path := filepath.Join(t.TempDir(), "c.parquet")
			writeMixed(t, path, 3000, []int{1000}, WithCompression(tt.name), WithRowGroupRows(1200))
			_, md := footer(t, path)
			for g := range md.NumRowGroups() {
				for c := range md.RowGroup(g).NumColumns() {
					cc, err := md.RowGroup(g).ColumnChunk(c)
					require.NoError(t, err)
					assert.Equal(t, tt.want, cc.Compression())
				}
			}
			mem := arrowtest.Allocator(t)
			want := mixedBatch(t, mem, 0, 3000)
			defer want.Release()
			wr, err := array.NewRecordReader(mixedSchema, []arrow.RecordBatch{want})
			require.NoError(t, err)
			defer wr.Release()
			if !tt.ourReader {
				// LZ4 columns are read through pqarrow.
				_, err := readBack(t, path, mem)
				require.NoError(t, err)
				got := openPQArrow(t, path, memory.NewGoAllocator(), nil, 500)
				defer got.Release()
				assert.Equal(t, 3000, assertSameRows(t, wr, got))
				return
			}
			src, err := NewSource(path)
			require.NoError(t, err)
			rr, err := src.Open(context.Background(), connectors.ReadOptions{Allocator: mem})
			require.NoError(t, err)
			defer rr.Release()
			assert.Equal(t, 3000, assertSameRows(t, wr, rr))
		})
	}
}

// readBack opens path with our reader and reads every batch.
func readBack(t *testing.T, path string, mem memory.Allocator) (int64, error) {
	t.Helper()
	src, err := NewSource(path)
	require.NoError(t, err)
	rr, err := src.Open(context.Background(), connectors.ReadOptions{Allocator: mem})
	if err != nil {
		return 0, err
	}
	defer rr.Release()
	var n int64
	for rr.Next() {
		n += rr.RecordBatch().NumRows()
	}
	return n, rr.Err()
}

func TestSinkAllTypesManyRowGroups(t *testing.T) {
	mem := arrowtest.Allocator(t)
	rec := allTypesRecord(t, mem, 40)
	defer rec.Release()
	lists := listRecord(t, mem, 500)
	defer lists.Release()
	tests := []struct {
		name string
		rec  arrow.RecordBatch
	}{
		{"flat", rec},
		{"lists", lists},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			mem := arrowtest.Allocator(t)
			path := filepath.Join(t.TempDir(), "all.parquet")
			// Two writes split rows at other places than the row groups do.
			a := tt.rec.NewSlice(0, 50)
			b := tt.rec.NewSlice(50, tt.rec.NumRows())
			defer a.Release()
			defer b.Release()
			writeFile(t, path, []arrow.RecordBatch{a, b}, tt.rec.Schema(), nil, WithRowGroupRows(37), WithAllocator(mem))
			_, md := footer(t, path)
			assert.Equal(t, int(tt.rec.NumRows()+36)/37, md.NumRowGroups())

			for _, batch := range []int{0, 5} {
				schema, got := readWithSource(t, path, mem, batch)
				assertSameTypes(t, tt.rec.Schema(), schema)
				assertRecordsEqual(t, mem, tt.rec, got)
				releaseBatches(got)
			}
			got := openPQArrow(t, path, memory.NewGoAllocator(), nil, 64)
			defer got.Release()
			want, err := array.NewRecordReader(tt.rec.Schema(), []arrow.RecordBatch{tt.rec})
			require.NoError(t, err)
			defer want.Release()
			assert.Equal(t, int(tt.rec.NumRows()), assertSameRows(t, want, got))
		})
	}
}

func TestSinkOptionErrors(t *testing.T) {
	path := filepath.Join(t.TempDir(), "x.parquet")
	for _, tt := range []struct {
		name string
		opt  SinkOption
		want string
	}{
		{"zero rows", WithRowGroupRows(0), "row group rows 0"},
		{"negative bytes", WithRowGroupBytes(-1), "row group bytes -1"},
		{"nil allocator", WithAllocator(nil), "nil allocator"},
		{"unknown codec", WithCompression("brotli"), `"brotli"`},
	} {
		t.Run(tt.name, func(t *testing.T) {
			_, err := NewSink(path, tt.opt)
			require.ErrorContains(t, err, tt.want)
		})
	}
}

// TestSinkReleasesBuffers checks that every byte the writer allocates is
// released, whether the write is committed, aborted or fails.
func TestSinkReleasesBuffers(t *testing.T) {
	ctx := context.Background()
	tests := []struct {
		name string
		run  func(t *testing.T, w connectors.Writer, mem memory.Allocator)
		file bool
	}{
		{"commit", func(t *testing.T, w connectors.Writer, mem memory.Allocator) {
			rec := mixedBatch(t, mem, 0, 5000)
			defer rec.Release()
			require.NoError(t, w.Write(rec))
			require.NoError(t, w.Commit(ctx))
		}, true},
		{"abort with an open row group", func(t *testing.T, w connectors.Writer, mem memory.Allocator) {
			rec := mixedBatch(t, mem, 0, 5000)
			defer rec.Release()
			require.NoError(t, w.Write(rec))
			require.NoError(t, w.Abort(ctx))
		}, false},
		{"failed write after data", func(t *testing.T, w connectors.Writer, mem memory.Allocator) {
			rec := mixedBatch(t, mem, 0, 5000)
			defer rec.Release()
			require.NoError(t, w.Write(rec))
			bad := nullID(t, mem)
			defer bad.Release()
			err := w.Write(bad)
			require.ErrorIs(t, err, connectors.ErrSchemaMismatch)
			assert.Contains(t, err.Error(), `column "id" row 1`)
			assert.ErrorIs(t, w.Write(rec), connectors.ErrSchemaMismatch, "the failure sticks")
			require.Error(t, w.Commit(ctx))
		}, false},
		{"cancelled commit", func(t *testing.T, w connectors.Writer, mem memory.Allocator) {
			rec := mixedBatch(t, mem, 0, 5000)
			defer rec.Release()
			require.NoError(t, w.Write(rec))
			cctx, cancel := context.WithCancel(ctx)
			cancel()
			require.ErrorIs(t, w.Commit(cctx), context.Canceled)
		}, false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			dir := t.TempDir()
			batches := arrowtest.Allocator(t)
			writes := arrowtest.Allocator(t)
			sink, err := NewSink(filepath.Join(dir, "out.parquet"), WithAllocator(writes), WithRowGroupRows(2000))
			require.NoError(t, err)
			w, err := sink.Create(ctx, mixedSchema)
			require.NoError(t, err)
			tt.run(t, w, batches)
			assert.Zero(t, writes.CurrentAlloc(), "writer buffers released")
			if tt.file {
				assert.Equal(t, []string{"out.parquet"}, dirEntries(t, dir))
			} else {
				assert.Empty(t, dirEntries(t, dir), "temporary file removed")
			}
		})
	}
}

// nullID returns two rows of the mixed dataset whose second non-nullable
// id is null.
func nullID(t *testing.T, mem memory.Allocator) arrow.RecordBatch {
	t.Helper()
	good := mixedBatch(t, mem, 0, 2)
	defer good.Release()
	b := array.NewInt64Builder(mem)
	defer b.Release()
	b.Append(0)
	b.AppendNull()
	ids := b.NewArray()
	defer ids.Release()
	cols := append([]arrow.Array{ids}, good.Columns()[1:]...)
	return array.NewRecordBatch(mixedSchema, cols, 2)
}

// peakAllocator counts the bytes an allocator holds and their high-water
// mark.
type peakAllocator struct {
	memory.Allocator
	cur, peak atomic.Int64
}

func (p *peakAllocator) add(n int64) {
	c := p.cur.Add(n)
	for {
		old := p.peak.Load()
		if c <= old || p.peak.CompareAndSwap(old, c) {
			return
		}
	}
}

func (p *peakAllocator) Allocate(size int) []byte {
	p.add(int64(size))
	return p.Allocator.Allocate(size)
}

func (p *peakAllocator) Reallocate(size int, b []byte) []byte {
	p.add(int64(size - len(b)))
	return p.Allocator.Reallocate(size, b)
}

func (p *peakAllocator) Free(b []byte) {
	p.add(-int64(len(b)))
	p.Allocator.Free(b)
}

// TestSinkMemoryBounded writes one row group's worth of rows, then ten,
// and checks that the writer's allocator holds no more at its peak for
// ten than for one: memory follows the row group, not the output.
func TestSinkMemoryBounded(t *testing.T) {
	const groupRows = 1 << 16
	var size int64
	peak := func(groups int) int64 {
		mem := &peakAllocator{Allocator: arrowtest.Allocator(t)}
		batches := arrowtest.Allocator(t)
		path := filepath.Join(t.TempDir(), "m.parquet")
		sink, err := NewSink(path, WithAllocator(mem), WithRowGroupRows(groupRows))
		require.NoError(t, err)
		w, err := sink.Create(context.Background(), mixedSchema)
		require.NoError(t, err)
		const batch = 10_000
		for lo := 0; lo < groups*groupRows; lo += batch {
			rec := mixedBatch(t, batches, lo, min(batch, groups*groupRows-lo))
			require.NoError(t, w.Write(rec))
			rec.Release()
		}
		require.NoError(t, w.Commit(context.Background()))
		assert.Zero(t, mem.cur.Load())
		_, md := footer(t, path)
		require.Equal(t, groups, md.NumRowGroups())
		fi, err := os.Stat(path)
		require.NoError(t, err)
		size = fi.Size()
		return mem.peak.Load()
	}
	one, ten := peak(1), peak(10)
	t.Logf("allocator peak: %d bytes for one row group, %d for ten", one, ten)
	require.Positive(t, one)
	assert.LessOrEqual(t, ten, one+one/4, "the peak grows with the output")
	assert.Less(t, ten, size/4, "the peak is a fraction of the %d-byte file", size)
}

// plainPages reports whether a column chunk holds PLAIN data pages (a
// dictionary column that fell back).
func plainPages(t *testing.T, md *metadata.FileMetaData, g, c int) bool {
	t.Helper()
	cc, err := md.RowGroup(g).ColumnChunk(c)
	require.NoError(t, err)
	for _, st := range cc.EncodingStats() {
		page := st.PageType.String()
		if (page == "DATA_PAGE" || page == "DATA_PAGE_V2") && st.Encoding == pq.Encodings.Plain {
			return true
		}
	}
	return false
}

// TestSinkVaryingDictionaries writes dictionary columns whose batches
// carry other dictionaries than their predecessors: the chunks stay
// dictionary encoded and every value comes back.
func TestSinkVaryingDictionaries(t *testing.T) {
	dictType := &arrow.DictionaryType{IndexType: arrow.PrimitiveTypes.Int16, ValueType: arrow.BinaryTypes.String}
	schema := arrow.NewSchema([]arrow.Field{
		{Name: "id", Type: arrow.PrimitiveTypes.Int64},
		{Name: "d", Type: dictType, Nullable: true},
	}, nil)
	tests := []struct {
		name        string
		rows, batch int
		groupRows   int64
		// value of row i, "" for null
		value func(i int) string
		// build returns a batch builder; shared says it lives across batches
		shared bool
		// at most this many row groups, and the last ones stay dictionary
		// encoded
		maxGroups int
	}{
		{"own builder per batch", 20_000, 333, 4000, func(i int) string {
			if i%11 == 0 {
				return ""
			}
			return fmt.Sprintf("v%02d", (i*7)%23)
		}, false, 5},
		{"reused builder, growing", 60_000, 1000, 8000, func(i int) string {
			return fmt.Sprintf("v%03d", (i/500)%50)
		}, true, 8 + maxEarlyCloses},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			mem := arrowtest.Allocator(t)
			writes := arrowtest.Allocator(t)
			path := filepath.Join(t.TempDir(), "d.parquet")
			sink, err := NewSink(path, WithRowGroupRows(tt.groupRows), WithAllocator(writes))
			require.NoError(t, err)
			w, err := sink.Create(context.Background(), schema)
			require.NoError(t, err)
			b := array.NewRecordBuilder(mem, schema)
			defer func() { b.Release() }()
			var all []arrow.RecordBatch
			defer func() { releaseBatches(all) }()
			for lo := 0; lo < tt.rows; lo += tt.batch {
				if !tt.shared {
					b.Release()
					b = array.NewRecordBuilder(mem, schema)
				}
				for i := lo; i < min(lo+tt.batch, tt.rows); i++ {
					b.Field(0).(*array.Int64Builder).Append(int64(i))
					d := b.Field(1).(*array.BinaryDictionaryBuilder)
					if v := tt.value(i); v == "" {
						d.AppendNull()
					} else {
						require.NoError(t, d.AppendString(v))
					}
				}
				rec := b.NewRecordBatch()
				require.NoError(t, w.Write(rec))
				all = append(all, rec)
			}
			require.NoError(t, w.Commit(context.Background()))
			assert.Zero(t, writes.CurrentAlloc())

			_, md := footer(t, path)
			var total int64
			for _, n := range rowGroupRows(md) {
				total += n
			}
			assert.Equal(t, int64(tt.rows), total)
			assert.LessOrEqual(t, md.NumRowGroups(), tt.maxGroups, "row groups %v", rowGroupRows(md))
			last := md.NumRowGroups() - 1
			cc, err := md.RowGroup(last).ColumnChunk(1)
			require.NoError(t, err)
			assert.True(t, cc.HasDictionaryPage(), "last row group dictionary encoded")
			assert.False(t, plainPages(t, md, last, 1), "last row group without PLAIN pages")
			if !tt.shared {
				for g := range md.NumRowGroups() {
					assert.False(t, plainPages(t, md, g, 1), "row group %d without PLAIN pages", g)
				}
			}

			want, err := array.NewRecordReader(schema, all)
			require.NoError(t, err)
			defer want.Release()
			src, err := NewSource(path)
			require.NoError(t, err)
			rr, err := src.Open(context.Background(), connectors.ReadOptions{Allocator: mem})
			require.NoError(t, err)
			defer rr.Release()
			assert.True(t, rr.Schema().Equal(schema) || rr.Schema().Field(1).Type.ID() == arrow.DICTIONARY)
			assert.Equal(t, tt.rows, assertSameRows(t, want, rr))

			want2, err := array.NewRecordReader(schema, all)
			require.NoError(t, err)
			defer want2.Release()
			got := openPQArrow(t, path, memory.NewGoAllocator(), nil, 777)
			defer got.Release()
			assert.Equal(t, tt.rows, assertSameRows(t, want2, got))
		})
	}
}

func TestRemapIndices(t *testing.T) {
	mem := arrowtest.Allocator(t)
	m := []int32{2, 0, 1}
	for _, dt := range []arrow.DataType{
		arrow.PrimitiveTypes.Int8, arrow.PrimitiveTypes.Uint8, arrow.PrimitiveTypes.Int16, arrow.PrimitiveTypes.Uint16,
		arrow.PrimitiveTypes.Int32, arrow.PrimitiveTypes.Uint32, arrow.PrimitiveTypes.Int64, arrow.PrimitiveTypes.Uint64,
	} {
		t.Run(dt.String(), func(t *testing.T) {
			in, _, err := array.FromJSON(mem, dt, strings.NewReader(`[9, 0, 1, null, 2, 1, null, 0]`))
			require.NoError(t, err)
			defer in.Release()
			// A slice with an offset: remapping keeps the nulls in place.
			sl := array.NewSlice(in, 1, 8)
			defer sl.Release()
			out, err := remapIndices(sl, m)
			require.NoError(t, err)
			defer out.Release()
			want, _, err := array.FromJSON(mem, dt, strings.NewReader(`[2, 0, null, 1, 0, null, 2]`))
			require.NoError(t, err)
			defer want.Release()
			assert.True(t, array.Equal(want, out), "got %s", out)

			_, err = remapIndices(in, m)
			require.ErrorContains(t, err, "index 9 out of range")
		})
	}
}
