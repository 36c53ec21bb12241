package parquetconnector

import (
	"context"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/apache/arrow-go/v18/arrow"
	"github.com/apache/arrow-go/v18/arrow/array"
	"github.com/apache/arrow-go/v18/arrow/memory"
	pq "github.com/apache/arrow-go/v18/parquet"
	"github.com/apache/arrow-go/v18/parquet/pqarrow"
	"github.com/parquet-go/parquet-go"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/sluicedata/sluice/connectors"
	"github.com/sluicedata/sluice/internal/arrowtest"
)

// listElems lists the element types of the list columns under test, with
// the JSON of element j of row r.
var listElems = []struct {
	name string
	typ  arrow.DataType
	val  func(r, j int) string
}{
	{"strings", arrow.BinaryTypes.String, func(r, j int) string { return fmt.Sprintf(`"rule_%d_%d"`, r%13, j) }},
	{"large_strings", arrow.BinaryTypes.LargeString, func(r, j int) string { return fmt.Sprintf(`"x%d"`, r+j) }},
	{"bools", arrow.FixedWidthTypes.Boolean, func(r, j int) string { return fmt.Sprint((r+j)%3 == 0) }},
	{"int8s", arrow.PrimitiveTypes.Int8, func(r, j int) string { return fmt.Sprint((r*31+j)%256 - 128) }},
	{"int16s", arrow.PrimitiveTypes.Int16, func(r, j int) string { return fmt.Sprint((r*31+j)%60000 - 30000) }},
	{"int32s", arrow.PrimitiveTypes.Int32, func(r, j int) string { return fmt.Sprint(r*1000003 - j) }},
	{"int64s", arrow.PrimitiveTypes.Int64, func(r, j int) string { return fmt.Sprint(int64(r)*1e12 - int64(j)) }},
	{"uint8s", arrow.PrimitiveTypes.Uint8, func(r, j int) string { return fmt.Sprint((r + j) % 256) }},
	{"uint32s", arrow.PrimitiveTypes.Uint32, func(r, j int) string { return fmt.Sprint(uint32(r*7919 + j)) }},
	{"uint64s", arrow.PrimitiveTypes.Uint64, func(r, j int) string { return fmt.Sprint(uint64(r)<<40 + uint64(j)) }},
	{"float32s", arrow.PrimitiveTypes.Float32, func(r, j int) string { return fmt.Sprint(float32(r) + float32(j)/4) }},
	{"float64s", arrow.PrimitiveTypes.Float64, func(r, j int) string { return fmt.Sprint(float64(r)/3 - float64(j)) }},
	{"dates", arrow.FixedWidthTypes.Date32, func(r, j int) string { return fmt.Sprintf(`"2024-01-%02d"`, 1+(r+j)%28) }},
}

// listShape returns the JSON of the list of row r: null lists, empty lists,
// null elements and lists of one to five values, varied per column.
func listShape(r, col int, val func(r, j int) string) string {
	switch (r + col) % 9 {
	case 0:
		return "null"
	case 1:
		return "[]"
	case 2:
		return "[" + val(r, 0) + ", null, " + val(r, 2) + "]"
	case 3:
		return "[null]"
	}
	n := 1 + (r*7+col)%5
	vals := make([]string, n)
	for j := range vals {
		vals[j] = val(r, j)
	}
	return "[" + strings.Join(vals, ", ") + "]"
}

// listRecord builds rows rows with one nullable list column per element
// type, a non-nullable list of non-nullable int64 and a flat int64 column.
func listRecord(t testing.TB, mem memory.Allocator, rows int) arrow.RecordBatch {
	t.Helper()
	var fields []arrow.Field
	for _, e := range listElems {
		fields = append(fields, arrow.Field{Name: e.name, Type: arrow.ListOf(e.typ), Nullable: true})
	}
	fields = append(fields,
		arrow.Field{Name: "required", Type: arrow.ListOfNonNullable(arrow.PrimitiveTypes.Int64)},
		arrow.Field{Name: "id", Type: arrow.PrimitiveTypes.Int64, Nullable: true},
	)
	var sb strings.Builder
	sb.WriteString("[")
	for r := range rows {
		if r > 0 {
			sb.WriteString(",\n")
		}
		sb.WriteString("{")
		for c, e := range listElems {
			fmt.Fprintf(&sb, "%q: %s, ", e.name, listShape(r, c, e.val))
		}
		req := make([]string, r%4)
		for j := range req {
			req[j] = fmt.Sprint(r*10 + j)
		}
		fmt.Fprintf(&sb, `"required": [%s], "id": %d}`, strings.Join(req, ","), r)
	}
	sb.WriteString("]")
	rec, _, err := array.RecordFromJSON(mem, arrow.NewSchema(fields, nil), strings.NewReader(sb.String()))
	require.NoError(t, err)
	return rec
}

// assertRecordsEqual checks that the batches got, concatenated, hold the
// values of want column by column (types compared without field names).
func assertRecordsEqual(t *testing.T, mem memory.Allocator, want arrow.RecordBatch, got []arrow.RecordBatch) {
	t.Helper()
	var n int64
	for _, b := range got {
		n += b.NumRows()
	}
	require.Equal(t, want.NumRows(), n, "rows")
	for c := range int(want.NumCols()) {
		parts := make([]arrow.Array, len(got))
		for i, b := range got {
			parts[i] = b.Column(c)
		}
		all, err := array.Concatenate(parts, mem)
		require.NoError(t, err)
		if !assert.Truef(t, array.Equal(want.Column(c), all), "column %q", want.ColumnName(c)) {
			for r := range want.NumRows() {
				w, g := want.Column(c).ValueStr(int(r)), all.ValueStr(int(r))
				if w != g {
					t.Logf("column %q row %d: want %s, got %s", want.ColumnName(c), r, w, g)
					break
				}
			}
		}
		all.Release()
	}
}

// assertSameTypes checks the field names and types (element names aside).
func assertSameTypes(t *testing.T, want, got *arrow.Schema) {
	t.Helper()
	require.Equal(t, want.NumFields(), got.NumFields())
	for i, f := range want.Fields() {
		g := got.Field(i)
		assert.Equal(t, f.Name, g.Name)
		assert.Truef(t, arrow.TypeEqual(f.Type, g.Type), "field %q: %s, want %s", f.Name, g.Type, f.Type)
		assert.Equal(t, f.Nullable, g.Nullable, "field %q nullable", f.Name)
	}
}

// dropColumn returns rec without column i.
func dropColumn(rec arrow.RecordBatch, i int) arrow.RecordBatch {
	var fields []arrow.Field
	var cols []arrow.Array
	for c := range int(rec.NumCols()) {
		if c != i {
			fields = append(fields, rec.Schema().Field(c))
			cols = append(cols, rec.Column(c))
		}
	}
	return array.NewRecordBatch(arrow.NewSchema(fields, nil), cols, rec.NumRows())
}

// drain reads every batch of rr, retained; the caller releases them.
func drain(t *testing.T, rr array.RecordReader) []arrow.RecordBatch {
	t.Helper()
	var out []arrow.RecordBatch
	for rr.Next() {
		b := rr.RecordBatch()
		b.Retain()
		out = append(out, b)
	}
	if err := rr.Err(); err != nil {
		releaseBatches(out)
		require.NoError(t, err)
	}
	return out
}

func releaseBatches(bs []arrow.RecordBatch) {
	for _, b := range bs {
		b.Release()
	}
}

func readWithSource(t *testing.T, path string, mem memory.Allocator, batch int) (*arrow.Schema, []arrow.RecordBatch) {
	t.Helper()
	src, err := NewSource(path)
	require.NoError(t, err)
	rr, err := src.Open(context.Background(), connectors.ReadOptions{Allocator: mem, BatchSize: batch})
	require.NoError(t, err)
	defer rr.Release()
	return rr.Schema(), drain(t, rr)
}

func writeWithSink(t *testing.T, path string, rec arrow.RecordBatch) {
	t.Helper()
	sink, err := NewSink(path)
	require.NoError(t, err)
	w, err := sink.Create(context.Background(), rec.Schema())
	require.NoError(t, err)
	// Two writes: the second starts mid-file.
	a, b := rec.NewSlice(0, rec.NumRows()/3), rec.NewSlice(rec.NumRows()/3, rec.NumRows())
	defer a.Release()
	defer b.Release()
	require.NoError(t, w.Write(a))
	require.NoError(t, w.Write(b))
	require.NoError(t, w.Commit(context.Background()))
}

func TestListRoundTrip(t *testing.T) {
	mem := arrowtest.Allocator(t)
	want := listRecord(t, mem, 2000)
	defer want.Release()
	path := filepath.Join(t.TempDir(), "lists.parquet")
	writeWithSink(t, path, want)

	for _, batch := range []int{1, 7, 500, 4096} {
		t.Run(fmt.Sprintf("batch%d", batch), func(t *testing.T) {
			mem := arrowtest.Allocator(t)
			schema, got := readWithSource(t, path, mem, batch)
			defer releaseBatches(got)
			assert.True(t, schema.Equal(want.Schema()), "schema %s, want %s", schema, want.Schema())
			assertRecordsEqual(t, mem, want, got)
		})
	}
	t.Run("projection", func(t *testing.T) {
		mem := arrowtest.Allocator(t)
		src, err := NewSource(path)
		require.NoError(t, err)
		rr, err := src.Open(context.Background(), connectors.ReadOptions{Allocator: mem, BatchSize: 300, Columns: []string{"id", "strings"}})
		require.NoError(t, err)
		defer rr.Release()
		got := drain(t, rr)
		defer releaseBatches(got)
		proj := array.NewRecordBatch(
			arrow.NewSchema([]arrow.Field{want.Schema().Field(len(listElems) + 1), want.Schema().Field(0)}, nil),
			[]arrow.Array{want.Column(len(listElems) + 1), want.Column(0)}, want.NumRows())
		defer proj.Release()
		assertRecordsEqual(t, mem, proj, got)
	})
	t.Run("pqarrow reads it", func(t *testing.T) {
		mem := arrowtest.Allocator(t)
		// pqarrow's delta decoder leaks a few bytes of its allocator.
		rr := openPQArrow(t, path, memory.NewGoAllocator(), nil, 333)
		defer rr.Release()
		got := drain(t, rr)
		defer releaseBatches(got)
		assertSameTypes(t, want.Schema(), rr.Schema())
		assertRecordsEqual(t, mem, want, got)
	})
}

func TestListFromPQArrow(t *testing.T) {
	tests := []struct {
		name  string
		props []pq.WriterProperty
		arrow []pqarrow.WriterOption
	}{
		// Small write batches and pages in data page v1 split rows across
		// pages; dictionary encoding is pqarrow's default.
		{name: "v1 split rows", props: []pq.WriterProperty{pq.WithBatchSize(7), pq.WithDataPageSize(64)}},
		{name: "v2", props: []pq.WriterProperty{pq.WithDataPageVersion(pq.DataPageV2), pq.WithBatchSize(16), pq.WithDataPageSize(128)}},
		{name: "plain with schema", props: []pq.WriterProperty{pq.WithDictionaryDefault(false)}, arrow: []pqarrow.WriterOption{pqarrow.WithStoreSchema()}},
		{name: "snappy", props: []pq.WriterProperty{pq.WithCompression(2)}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			mem := arrowtest.Allocator(t)
			want := listRecord(t, mem, 1500)
			defer want.Release()
			path := filepath.Join(t.TempDir(), "pq.parquet")
			f, err := os.Create(path)
			require.NoError(t, err)
			tbl := array.NewTableFromRecords(want.Schema(), []arrow.RecordBatch{want})
			defer tbl.Release()
			props := pq.NewWriterProperties(append(tt.props, pq.WithAllocator(mem))...)
			// WriteTable closes f.
			require.NoError(t, pqarrow.WriteTable(tbl, f, 600, props, pqarrow.NewArrowWriterProperties(tt.arrow...)))

			hinted := len(tt.arrow) > 0
			for _, batch := range []int{3, 256, 1000} {
				schema, got := readWithSource(t, path, mem, batch)
				w := want
				if !hinted {
					// Without the ARROW:schema entry a large_utf8 element is
					// read as utf8; compare the other columns.
					assert.Equal(t, "list<element: utf8, nullable>", schema.Field(1).Type.String())
					w = dropColumn(want, 1)
					for i, b := range got {
						got[i] = dropColumn(b, 1)
						b.Release()
					}
					schema = w.Schema()
				}
				assertSameTypes(t, w.Schema(), schema)
				assertRecordsEqual(t, mem, w, got)
				releaseBatches(got)
				if w != want {
					w.Release()
				}
			}
		})
	}
}

// TestLegacyRepeatedPrimitive reads a bare repeated column (no LIST group),
// which the format's backward-compatibility rules read as a required list
// of required elements.
func TestLegacyRepeatedPrimitive(t *testing.T) {
	path := filepath.Join(t.TempDir(), "rep.parquet")
	f, err := os.Create(path)
	require.NoError(t, err)
	schema := parquet.NewSchema("s", orderedGroup{
		namedField{Node: parquet.Repeated(parquet.Int(32)), name: "xs"},
	})
	w := parquet.NewWriter(f, schema)
	rows := []parquet.Row{
		{parquet.Int32Value(1).Level(0, 1, 0), parquet.Int32Value(2).Level(1, 1, 0)},
		{parquet.NullValue().Level(0, 0, 0)},
		{parquet.Int32Value(3).Level(0, 1, 0)},
	}
	_, err = w.WriteRows(rows)
	require.NoError(t, err)
	require.NoError(t, w.Close())
	require.NoError(t, f.Close())

	mem := arrowtest.Allocator(t)
	sch, got := readWithSource(t, path, mem, 2)
	defer releaseBatches(got)
	want, _, err := array.RecordFromJSON(mem, sch, strings.NewReader(`[{"xs": [1, 2]}, {"xs": []}, {"xs": [3]}]`))
	require.NoError(t, err)
	defer want.Release()
	assert.Equal(t, "list<xs: int32>", sch.Field(0).Type.String())
	assert.False(t, sch.Field(0).Nullable)
	assertRecordsEqual(t, mem, want, got)
}

func TestListUnsupported(t *testing.T) {
	dir := t.TempDir()
	sink, err := NewSink(filepath.Join(dir, "x.parquet"))
	require.NoError(t, err)
	for _, dt := range []arrow.DataType{
		arrow.ListOf(arrow.ListOf(arrow.PrimitiveTypes.Int64)),
		arrow.ListOf(arrow.StructOf(arrow.Field{Name: "a", Type: arrow.PrimitiveTypes.Int64})),
		arrow.ListOf(&arrow.DictionaryType{IndexType: arrow.PrimitiveTypes.Int32, ValueType: arrow.BinaryTypes.String}),
		arrow.StructOf(arrow.Field{Name: "a", Type: arrow.PrimitiveTypes.Int64}),
	} {
		t.Run(dt.String(), func(t *testing.T) {
			_, err := sink.Create(context.Background(), arrow.NewSchema([]arrow.Field{{Name: "col", Type: dt, Nullable: true}}, nil))
			require.ErrorIs(t, err, connectors.ErrUnsupported)
			assert.Contains(t, err.Error(), `"col"`)
		})
	}
	assert.Empty(t, dirEntries(t, dir))
}

func TestListNullInRequired(t *testing.T) {
	mem := arrowtest.Allocator(t)
	schema := arrow.NewSchema([]arrow.Field{{Name: "l", Type: arrow.ListOfNonNullable(arrow.PrimitiveTypes.Int64)}}, nil)
	// The JSON reader does not enforce non-nullable elements.
	rec, _, err := array.RecordFromJSON(mem, schema, strings.NewReader(`[{"l": [1, null]}]`))
	require.NoError(t, err)
	defer rec.Release()
	sink, err := NewSink(filepath.Join(t.TempDir(), "x.parquet"))
	require.NoError(t, err)
	w, err := sink.Create(context.Background(), schema)
	require.NoError(t, err)
	err = w.Write(rec)
	require.ErrorIs(t, err, connectors.ErrSchemaMismatch)
	assert.Contains(t, err.Error(), "null element")
	require.NoError(t, w.Abort(context.Background()))
}
