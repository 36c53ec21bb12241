package parquetconnector

import (
	"context"
	"encoding/binary"
	"os"
	"path/filepath"
	"runtime"
	"strings"
	"testing"

	"github.com/apache/arrow-go/v18/arrow"
	"github.com/apache/arrow-go/v18/arrow/array"
	"github.com/apache/arrow-go/v18/arrow/memory"
	"github.com/parquet-go/parquet-go/encoding/thrift"
	"github.com/parquet-go/parquet-go/format"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/sluicedata/sluice/connectors"
	"github.com/sluicedata/sluice/internal/arrowtest"
)

// pqFile is a Parquet file taken apart for byte surgery.
type pqFile struct {
	data   []byte // everything before the footer
	footer []byte
}

func splitFile(t testing.TB, b []byte) pqFile {
	t.Helper()
	n := int(binary.LittleEndian.Uint32(b[len(b)-8:]))
	start := len(b) - 8 - n
	return pqFile{data: b[:start:start], footer: b[start : len(b)-8 : len(b)-8]}
}

// bytes joins the file again, with the footer length of its footer.
func (f pqFile) bytes() []byte {
	out := append(append([]byte(nil), f.data...), f.footer...)
	out = binary.LittleEndian.AppendUint32(out, uint32(len(f.footer)))
	return append(out, "PAR1"...)
}

func (f pqFile) metadata(t testing.TB) *format.FileMetaData {
	t.Helper()
	md := new(format.FileMetaData)
	require.NoError(t, thrift.Unmarshal(new(thrift.CompactProtocol), f.footer, md))
	return md
}

func (f *pqFile) setMetadata(t testing.TB, md *format.FileMetaData) {
	t.Helper()
	b, err := thrift.Marshal(new(thrift.CompactProtocol), md)
	require.NoError(t, err)
	f.footer = b
}

// fieldAt returns the offset, in b, of the first value at the field path.
func fieldAt(t testing.TB, b []byte, path ...int16) int {
	t.Helper()
	off := -1
	w := thriftWalker{b: b, at: func(_ byte, p []int16, o int) {
		if off < 0 && equalPath(p, path) {
			off = o
		}
	}}
	require.NoError(t, w.walkStruct(0))
	require.GreaterOrEqual(t, off, 0, "field %v", path)
	return off
}

// varintLen is the length of the varint at b[off:].
func varintLen(b []byte, off int) int {
	n := 1
	for b[off+n-1] >= 0x80 {
		n++
	}
	return n
}

// splice replaces b[off:off+n] with repl.
func splice(b []byte, off, n int, repl []byte) []byte {
	out := append([]byte(nil), b[:off]...)
	out = append(out, repl...)
	return append(out, b[off+n:]...)
}

// setList makes the list at the field path of the footer declare n
// elements, keeping its elements.
func setList(t testing.TB, good []byte, n uint64, path ...int16) []byte {
	t.Helper()
	f := splitFile(t, good)
	off := fieldAt(t, f.footer, path...)
	h := f.footer[off]
	old := 1
	if h>>4 == 0x0f {
		old += varintLen(f.footer, off+1)
	}
	repl := binary.AppendUvarint([]byte{0xf0 | h&0x0f}, n)
	f.footer = splice(f.footer, off, old, repl)
	return f.bytes()
}

// setVarint sets the varint at the field path of the footer to the zigzag
// encoding of v (or v itself for a length).
func setVarint(t testing.TB, good []byte, v uint64, path ...int16) []byte {
	t.Helper()
	f := splitFile(t, good)
	off := fieldAt(t, f.footer, path...)
	f.footer = splice(f.footer, off, varintLen(f.footer, off), binary.AppendUvarint(nil, v))
	return f.bytes()
}

// pageHeaders returns the offsets and lengths of the page headers of the
// first column chunk.
func pageHeaders(t testing.TB, good []byte) (offs, lens []int) {
	t.Helper()
	f := splitFile(t, good)
	md := f.metadata(t).RowGroups[0].Columns[0].MetaData
	base := md.DataPageOffset
	if md.DictionaryPageOffset != 0 {
		base = md.DictionaryPageOffset
	}
	for pos := base; pos < base+md.TotalCompressedSize; {
		var h format.PageHeader
		r := new(thrift.CompactProtocol).NewReaderFromBytes(good[pos:])
		require.NoError(t, thrift.NewDecoder(r).Decode(&h))
		offs = append(offs, int(pos))
		lens = append(lens, r.BytesRead())
		pos += int64(r.BytesRead()) + int64(h.CompressedPageSize)
	}
	return offs, lens
}

// editPage re-encodes the i-th page header of the first column chunk after
// edit, moving the offsets of the footer by the change of its length.
func editPage(t testing.TB, good []byte, i int, edit func(*format.PageHeader)) []byte {
	t.Helper()
	offs, lens := pageHeaders(t, good)
	require.Less(t, i, len(offs))
	var h format.PageHeader
	require.NoError(t, thrift.Unmarshal(new(thrift.CompactProtocol), good[offs[i]:offs[i]+lens[i]], &h))
	edit(&h)
	repl, err := thrift.Marshal(new(thrift.CompactProtocol), &h)
	require.NoError(t, err)
	f := splitFile(t, good)
	md := f.metadata(t)
	delta := int64(len(repl) - lens[i])
	at := int64(offs[i])
	shift := func(o *int64) {
		if *o > at {
			*o += delta
		}
	}
	for g := range md.RowGroups {
		rg := &md.RowGroups[g]
		shift(&rg.FileOffset)
		for c := range rg.Columns {
			cc := &rg.Columns[c]
			base := cc.MetaData.DataPageOffset
			if cc.MetaData.DictionaryPageOffset != 0 {
				base = cc.MetaData.DictionaryPageOffset
			}
			if at >= base && at < base+cc.MetaData.TotalCompressedSize {
				cc.MetaData.TotalCompressedSize += delta
			}
			shift(&cc.FileOffset)
			shift(&cc.MetaData.DataPageOffset)
			shift(&cc.MetaData.DictionaryPageOffset)
		}
	}
	f.data = splice(f.data, offs[i], lens[i], repl)
	f.setMetadata(t, md)
	return f.bytes()
}

func editMetadata(t testing.TB, good []byte, edit func(*format.FileMetaData)) []byte {
	t.Helper()
	f := splitFile(t, good)
	md := f.metadata(t)
	edit(md)
	f.setMetadata(t, md)
	return f.bytes()
}

// dictPage is the index of the first dictionary page of the first chunk.
func dictPage(t testing.TB, good []byte) int {
	t.Helper()
	offs, lens := pageHeaders(t, good)
	for i := range offs {
		var h format.PageHeader
		require.NoError(t, thrift.Unmarshal(new(thrift.CompactProtocol), good[offs[i]:offs[i]+lens[i]], &h))
		if h.Type == format.DictionaryPage {
			return i
		}
	}
	t.Fatal("no dictionary page")
	return -1
}

const huge = 0x7fffffff

// setValues sets the value count of a data page header of either version.
func setValues(h *format.PageHeader, n int32) {
	if h.DataPageHeaderV2.Valid {
		h.DataPageHeaderV2.V.NumValues = n
		h.DataPageHeaderV2.V.NumRows = min(h.DataPageHeaderV2.V.NumRows, n)
	} else {
		h.DataPageHeader.V.NumValues = n
	}
}

func TestHostileFiles(t *testing.T) {
	dir := t.TempDir()
	good := sampleFile(t, dir)
	dictGood := dictSampleFile(t, dir)
	deep := splitFile(t, good)
	deep.footer = append([]byte(strings.Repeat("\x1c", 10000)), 0)
	tests := []struct {
		name   string
		data   []byte
		limits Limits
		want   string
	}{
		{"schema list of 0x0fffffff", setList(t, good, 0x0fffffff, fmdSchema), Limits{}, "list of 268435455 elements exceeds"},
		{"row group list of 2^31", setList(t, good, huge, fmdRowGroups), Limits{}, "exceeds"},
		{"column chunk list of 2^31", setList(t, good, huge, fmdRowGroups, rgColumns), Limits{}, "exceeds"},
		{"key-value list of 2^31", setList(t, good, huge, fmdKeyValues), Limits{}, "exceeds"},
		{"schema name of 2^31 bytes", setVarint(t, good, huge, fmdSchema, 4), Limits{}, "binary of 2147483647 bytes"},
		{"created_by of 2^62 bytes", setVarint(t, good, 1<<62, 6), Limits{}, "binary of"},
		{"nesting 10000 deep", deep.bytes(), Limits{}, "nesting deeper"},
		{"column limit", good, Limits{MaxColumns: 3}, "exceed the limit of 3"},
		{"footer memory limit", good, Limits{MaxFooterMemory: 1000}, "more than 1000 bytes of memory"},
		{"footer byte limit", good, Limits{MaxFooterBytes: 100}, "exceeds the limit of 100 bytes"},
		{"chunk past the footer", editMetadata(t, good, func(md *format.FileMetaData) {
			md.RowGroups[0].Columns[0].MetaData.TotalCompressedSize = huge
		}), Limits{}, "runs past the data"},
		{"chunk before the file", editMetadata(t, good, func(md *format.FileMetaData) {
			md.RowGroups[0].Columns[0].MetaData.DataPageOffset = 1
			md.RowGroups[0].Columns[0].MetaData.DictionaryPageOffset = 0
		}), Limits{}, "outside the data"},
		{"compressed page size 2^31", editPage(t, good, 0, func(h *format.PageHeader) { h.CompressedPageSize = huge }), Limits{}, "bytes left in its column chunk"},
		{"uncompressed page size 2^31", editPage(t, good, 0, func(h *format.PageHeader) { h.UncompressedPageSize = huge }), Limits{}, "exceeds the limit"},
		{"snappy expansion", editPage(t, good, 0, func(h *format.PageHeader) { h.UncompressedPageSize = 200 << 20 }), Limits{}, "cannot expand"},
		{"page values 2^31", editPage(t, good, 0, func(h *format.PageHeader) { setValues(h, huge) }), Limits{}, "exceeds the limit"},
		{"page values beyond the chunk", editPage(t, good, 0, func(h *format.PageHeader) { setValues(h, 1000) }), Limits{}, "values of its column chunk"},
		{"page statistic of 2^31 bytes", editPage(t, good, 0, func(h *format.PageHeader) {
			if h.DataPageHeaderV2.Valid {
				h.DataPageHeaderV2.V.Statistics.MaxValue = []byte("a")
			} else {
				h.DataPageHeader.V.Statistics.MaxValue = []byte("a")
			}
		}), Limits{}, ""},
		{"dictionary of 2^26 values", editPage(t, dictGood, dictPage(t, dictGood), func(h *format.PageHeader) { h.DictionaryPageHeader.V.NumValues = 1 << 26 }), Limits{}, "dictionary of"},
		{"dictionary of 2^31 bytes", editPage(t, dictGood, dictPage(t, dictGood), func(h *format.PageHeader) { h.UncompressedPageSize = huge }), Limits{}, "exceeds the limit"},
		{"encrypted footer", append(append([]byte(nil), good[:len(good)-4]...), "PARE"...), Limits{}, "encrypted"},
	}
	// A page statistic that declares 2^31 bytes: the page header walk
	// refuses it before parquet-go allocates.
	stat := tests[17].data
	offs, _ := pageHeaders(t, stat)
	off := strings.Index(string(stat[offs[0]:]), "\x01a")
	require.Positive(t, off)
	tests[17].data = splice(stat, offs[0]+off, 1, binary.AppendUvarint(nil, huge))
	tests[17].want = "binary of 2147483647 bytes exceeds"

	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			mem := arrowtest.Allocator(t)
			path := filepath.Join(t.TempDir(), "bad.parquet")
			require.NoError(t, os.WriteFile(path, tt.data, 0o600))
			var before, after runtime.MemStats
			runtime.ReadMemStats(&before)
			_, err := readAllWith(path, mem, WithLimits(tt.limits))
			runtime.ReadMemStats(&after)
			require.Error(t, err)
			if tt.name == "encrypted footer" {
				require.ErrorIs(t, err, connectors.ErrUnsupported)
			} else {
				require.ErrorIs(t, err, connectors.ErrCorrupt)
			}
			msg := err.Error()
			assert.Contains(t, msg, path)
			assert.NotContains(t, msg, "\n")
			assert.Contains(t, msg, tt.want)
			if tt.name != "encrypted footer" {
				assert.Contains(t, msg, "offset ")
			}
			assert.Less(t, after.TotalAlloc-before.TotalAlloc, uint64(64<<20), "bytes allocated")
		})
	}
}

// readAllWith reads every batch of path like readAll, with options.
func readAllWith(path string, mem memory.Allocator, opts ...SourceOption) (rows int64, err error) {
	src, err := NewSource(path, opts...)
	if err != nil {
		return 0, err
	}
	ctx := context.Background()
	if _, err := src.Schema(ctx); err != nil {
		return 0, err
	}
	rr, err := src.Open(ctx, connectors.ReadOptions{Allocator: mem, BatchSize: 5})
	if err != nil {
		return 0, err
	}
	defer rr.Release()
	for rr.Next() {
		rows += rr.RecordBatch().NumRows()
	}
	return rows, rr.Err()
}

// dictSampleFile is a file of one dictionary-encoded string column.
func dictSampleFile(t testing.TB, dir string) []byte {
	t.Helper()
	mem := arrowtest.Allocator(t)
	schema := arrow.NewSchema([]arrow.Field{{Name: "d", Type: &arrow.DictionaryType{IndexType: arrow.PrimitiveTypes.Int32, ValueType: arrow.BinaryTypes.String}, Nullable: true}}, nil)
	rec, _, err := array.RecordFromJSON(mem, schema, strings.NewReader(`[{"d": "x"}, {"d": null}, {"d": "y"}, {"d": "x"}]`))
	require.NoError(t, err)
	defer rec.Release()
	path := filepath.Join(dir, "dict.parquet")
	writeFile(t, path, []arrow.RecordBatch{rec}, schema, nil)
	b, err := os.ReadFile(path)
	require.NoError(t, err)
	return b
}

// TestHostileGoodFile holds the validation to the files it must accept.
func TestHostileGoodFile(t *testing.T) {
	dir := t.TempDir()
	for _, b := range [][]byte{sampleFile(t, dir), dictSampleFile(t, dir)} {
		path := filepath.Join(t.TempDir(), "good.parquet")
		require.NoError(t, os.WriteFile(path, b, 0o600))
		rows, err := readAll(path, arrowtest.Allocator(t))
		require.NoError(t, err)
		assert.Positive(t, rows)
	}
}
