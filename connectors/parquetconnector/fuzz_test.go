package parquetconnector

import (
	"bytes"
	"context"
	"encoding/binary"
	"errors"
	"os"
	"path/filepath"
	"testing"

	"github.com/apache/arrow-go/v18/arrow"
	"github.com/apache/arrow-go/v18/arrow/array"
	"github.com/apache/arrow-go/v18/arrow/memory"
	"github.com/parquet-go/parquet-go"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/sluicedata/sluice/connectors"
	"github.com/sluicedata/sluice/internal/arrowtest"
)

// Fuzzing executes the target thousands of times a second, so the targets
// here keep each execution cheap: one scratch file per fuzzing process,
// rewritten in place (os.WriteFile's truncation makes ext4 flush the file on
// close, a millisecond per execution), and seeds of a few kilobytes (the
// fuzzer minimizes every input that finds new coverage, in time quadratic in
// its length, and a worker that minimizes does not fuzz).

// scratchFile is a file that every execution of a fuzz target rewrites.
// The fuzzing processes run executions one at a time, each with its own
// scratch file.
type scratchFile struct {
	f    *os.File
	path string
}

func newScratchFile(tb testing.TB, name string) *scratchFile {
	tb.Helper()
	path := filepath.Join(tb.TempDir(), name)
	f, err := os.Create(path)
	require.NoError(tb, err)
	tb.Cleanup(func() { _ = f.Close() })
	return &scratchFile{f: f, path: path}
}

// write replaces the contents of the file with data and returns its path.
func (s *scratchFile) write(tb testing.TB, data []byte) string {
	tb.Helper()
	_, err := s.f.WriteAt(data, 0)
	require.NoError(tb, err)
	require.NoError(tb, s.f.Truncate(int64(len(data))))
	return s.path
}

// fuzzRow is the row of the seed files written by parquet-go: every kind of
// column the reader decodes, with dictionary, delta and plain encodings and
// a codec per column.
type fuzzRow struct {
	ID    int64    `parquet:"id"`
	Name  string   `parquet:"name,dict"`
	Score *float64 `parquet:"score,optional"`
	Flag  bool     `parquet:"flag"`
	Small int32    `parquet:"small,delta"`
	Day   int32    `parquet:"day,date"`
	At    int64    `parquet:"at,timestamp(microsecond)"`
	Price int64    `parquet:"price,decimal(2:18)"`
	Code  [3]byte  `parquet:"code"`
	Note  *string  `parquet:"note,optional,snappy"`
	Tags  []string `parquet:"tags,list"`
	Nums  []int32  `parquet:"nums,list,zstd"`
	Ratio float32  `parquet:"ratio,gzip"`
}

func fuzzRows(n int) []fuzzRow {
	rows := make([]fuzzRow, n)
	for i := range rows {
		r := &rows[i]
		r.ID = int64(i) * 1_000_003
		r.Name = []string{"ant", "bee", "cat"}[i%3]
		if i%3 != 1 {
			v := float64(i) / 4
			r.Score = &v
		}
		r.Flag = i%2 == 0
		r.Small = int32(i*7 - 10)
		r.Day = int32(19_700 + i)
		r.At = 1_700_000_000_000_000 + int64(i)
		r.Price = int64(i*125 - 300)
		r.Code = [3]byte{'a' + byte(i%26), 'b', 'c'}
		if i%4 != 0 {
			s := "note " + itoa(i)
			r.Note = &s
		}
		switch i % 4 {
		case 0:
			r.Tags = nil
		case 1:
			r.Tags = []string{}
		default:
			r.Tags = []string{"t" + itoa(i), "u"}
		}
		r.Nums = make([]int32, i%3)
		for j := range r.Nums {
			r.Nums[j] = int32(i + j)
		}
		r.Ratio = float32(i) / 3
	}
	return rows
}

// writeGoFile writes rows with parquet-go, one row group per element of
// groups (its row count).
func writeGoFile(tb testing.TB, groups []int, opts ...parquet.WriterOption) []byte {
	tb.Helper()
	var buf bytes.Buffer
	w := parquet.NewGenericWriter[fuzzRow](&buf, opts...)
	at := 0
	for _, n := range groups {
		rows := fuzzRows(at + n)[at:]
		_, err := w.Write(rows)
		require.NoError(tb, err)
		require.NoError(tb, w.Flush())
		at += n
	}
	require.NoError(tb, w.Close())
	return buf.Bytes()
}

// fuzzTemplates are the small valid files the targets start from. They are
// the same bytes in every fuzzing process, so that corpus entries that
// refer to one by index mean the same file.
func fuzzTemplates(tb testing.TB) [][]byte {
	tb.Helper()
	mem := memory.NewGoAllocator()
	rec := allTypesRecord(tb, mem, 1)
	defer rec.Release()
	path := filepath.Join(tb.TempDir(), "all.parquet")
	writeFile(tb, path, []arrow.RecordBatch{rec}, rec.Schema(), map[string]string{"k": "v"}, WithCompression("none"))
	all, err := os.ReadFile(path)
	require.NoError(tb, err)
	return [][]byte{
		// Plain data pages v1, uncompressed but for the columns that
		// name a codec, two row groups.
		writeGoFile(tb, []int{5, 3}, parquet.Compression(&parquet.Uncompressed), parquet.DataPageVersion(1)),
		// Data pages v2, snappy, small pages: several pages per chunk.
		writeGoFile(tb, []int{9}, parquet.Compression(&parquet.Snappy), parquet.PageBufferSize(64)),
		// The Sink's own output: every Arrow type it writes, with the
		// ARROW:schema entry.
		all,
	}
}

// footerOf returns the encoded FileMetaData of a Parquet file.
func footerOf(tb testing.TB, file []byte) []byte {
	tb.Helper()
	require.GreaterOrEqual(tb, len(file), 12)
	n := int(binary.LittleEndian.Uint32(file[len(file)-8:]))
	require.LessOrEqual(tb, n, len(file)-12)
	return file[len(file)-8-n : len(file)-8]
}

// frameFooter makes a file of a footer alone: no column data, magic and
// length around it.
func frameFooter(footer []byte) []byte {
	b := make([]byte, 0, len(footer)+12)
	b = append(b, "PAR1"...)
	b = append(b, footer...)
	b = binary.LittleEndian.AppendUint32(b, uint32(len(footer)))
	return append(b, "PAR1"...)
}

// repoParquet returns the small Parquet files of the repository's
// testdata: the hostile corpus and the fixtures.
func repoParquet(tb testing.TB) [][]byte {
	tb.Helper()
	var out [][]byte
	for _, pattern := range []string{"../../testdata/*/*.parquet", "testdata/*.parquet"} {
		paths, err := filepath.Glob(pattern)
		require.NoError(tb, err)
		for _, p := range paths {
			if fi, err := os.Stat(p); err == nil && fi.Size() <= 16<<10 {
				b, err := os.ReadFile(p)
				require.NoError(tb, err)
				out = append(out, b)
			}
		}
	}
	return out
}

// fuzzBatchSize is small so that batches end within pages and row groups.
const fuzzBatchSize = 4

// readFuzzed reads the file at path through every entry point of Source:
// Schema, ColumnStats and all rows of all columns. Every batch must
// be valid Arrow data of at most fuzzBatchSize rows, with the schema Open
// announced. It returns the rows read and the first error.
func readFuzzed(t testing.TB, path string, mem memory.Allocator) (int64, error) {
	ctx := context.Background()
	src, err := NewSource(path)
	require.NoError(t, err)
	sc, err := src.Schema(ctx)
	if err != nil {
		return 0, err
	}
	if _, err := src.ColumnStats(ctx); err != nil {
		return 0, err
	}
	rr, err := src.Open(ctx, connectors.ReadOptions{Allocator: mem, BatchSize: fuzzBatchSize})
	if err != nil {
		return 0, err
	}
	defer rr.Release()
	require.True(t, sc.Equal(rr.Schema()), "Schema %v, Open %v", sc, rr.Schema())
	var rows int64
	for rr.Next() {
		rec := rr.RecordBatch()
		require.LessOrEqual(t, rec.NumRows(), int64(fuzzBatchSize))
		require.Positive(t, rec.NumRows())
		require.NoError(t, array.ValidateRecordFull(rec), "batch at row %d", rows)
		rows += rec.NumRows()
	}
	return rows, rr.Err()
}

// requireReadError holds a failed read to the errors the package
// documents: a damaged file is ErrCorrupt (limits included), a valid file
// of something unsupported is ErrUnsupported, and either names the file.
func requireReadError(t *testing.T, path string, err error) {
	t.Helper()
	require.Truef(t, errors.Is(err, connectors.ErrCorrupt) || errors.Is(err, connectors.ErrUnsupported),
		"neither ErrCorrupt nor ErrUnsupported: %v", err)
	assert.Contains(t, err.Error(), path)
}

// FuzzFooter mutates whole files and footers (an input that does not end
// in the magic is a footer, framed as a file without column data). The
// footer pre-validation must decide without panicking, a footer it refuses
// must be refused by every entry point, and a footer it accepts is read
// through Schema, ColumnStats and every row.
func FuzzFooter(f *testing.F) {
	for _, file := range append(fuzzTemplates(f), repoParquet(f)...) {
		f.Add(file)
		if len(file) >= 12 && string(file[len(file)-4:]) == "PAR1" {
			if n := int(binary.LittleEndian.Uint32(file[len(file)-8:])); n <= len(file)-12 {
				f.Add(file[len(file)-8-n : len(file)-8])
			}
		}
	}
	f.Add([]byte("PAR1PAR1"))
	f.Add([]byte{})
	scratch := newScratchFile(f, "footer.parquet")
	f.Fuzz(func(t *testing.T, data []byte) {
		file := data
		if !bytes.HasSuffix(data, []byte("PAR1")) {
			file = frameFooter(data)
		}
		path := scratch.write(t, file)
		_, verr := checkFooter(path, bytes.NewReader(file), int64(len(file)), DefaultLimits)
		if verr != nil {
			requireReadError(t, path, verr)
		}
		_, err := readFuzzed(t, path, arrowtest.Allocator(t))
		if verr != nil {
			require.Error(t, err, "the pre-validation refused the footer: %v", verr)
		}
		if err != nil {
			requireReadError(t, path, err)
		}
	})
}

// FuzzPages mutates the column data of a small valid file (page headers,
// levels, values, dictionaries) and keeps its footer, so that every input
// reaches page decoding: the input is the bytes between the leading magic
// and the footer of template int(which) of fuzzTemplates, cut or padded
// with zeros to their length. Every row is read.
func FuzzPages(f *testing.F) {
	templates := fuzzTemplates(f)
	for i, file := range templates {
		f.Add(uint8(i), file[4:len(file)-8-len(footerOf(f, file))])
	}
	scratch := newScratchFile(f, "pages.parquet")
	f.Fuzz(func(t *testing.T, which uint8, data []byte) {
		tmpl := templates[int(which)%len(templates)]
		footer := footerOf(t, tmpl)
		file := append([]byte(nil), tmpl...)
		region := file[4 : len(file)-8-len(footer)]
		clear(region[copy(region, data):])
		path := scratch.write(t, file)
		_, err := readFuzzed(t, path, arrowtest.Allocator(t))
		if err != nil {
			requireReadError(t, path, err)
		}
	})
}

// TestFuzzTemplates holds the seeds of the fuzz targets to files the
// reader reads in full: a seed that fails would leave the page fuzzer
// mutating a file that is refused before its pages are decoded.
func TestFuzzTemplates(t *testing.T) {
	for i, file := range fuzzTemplates(t) {
		path := filepath.Join(t.TempDir(), "t.parquet")
		require.NoError(t, os.WriteFile(path, file, 0o600))
		rows, err := readFuzzed(t, path, arrowtest.Allocator(t))
		require.NoError(t, err, "template %d", i)
		assert.Positive(t, rows, "template %d", i)
		_, err = checkFooter(path, bytes.NewReader(file), int64(len(file)), DefaultLimits)
		require.NoError(t, err, "template %d", i)
		// A framed footer keeps the schema but has no column data.
		framed := frameFooter(footerOf(t, file))
		require.NoError(t, os.WriteFile(path, framed, 0o600))
		src, err := NewSource(path)
		require.NoError(t, err)
		_, err = src.Schema(context.Background())
		require.NoError(t, err, "template %d framed", i)
	}
}

// BenchmarkFuzzExec times one execution of the fuzz targets' body on the
// templates (un-instrumented; the fuzzers run about three times slower):
// the file rewritten in place, as the targets do, and written anew in a
// fresh directory per execution, which costs more than the read.
func BenchmarkFuzzExec(b *testing.B) {
	templates := fuzzTemplates(b)
	b.Run("scratch", func(b *testing.B) {
		scratch := newScratchFile(b, "bench.parquet")
		for b.Loop() {
			for _, file := range templates {
				path := scratch.write(b, file)
				_, _ = readFuzzed(b, path, memory.NewGoAllocator())
			}
		}
		b.ReportMetric(float64(b.N*len(templates))/b.Elapsed().Seconds(), "execs/s")
	})
	b.Run("tempdir", func(b *testing.B) {
		for b.Loop() {
			for _, file := range templates {
				dir, err := os.MkdirTemp("", "fuzz")
				require.NoError(b, err)
				path := filepath.Join(dir, "f.parquet")
				require.NoError(b, os.WriteFile(path, file, 0o600))
				_, _ = readFuzzed(b, path, memory.NewGoAllocator())
				require.NoError(b, os.RemoveAll(dir))
			}
		}
		b.ReportMetric(float64(b.N*len(templates))/b.Elapsed().Seconds(), "execs/s")
	})
}
