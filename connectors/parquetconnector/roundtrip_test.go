package parquetconnector

import (
	"context"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/apache/arrow-go/v18/arrow"
	"github.com/apache/arrow-go/v18/arrow/array"
	"github.com/apache/arrow-go/v18/arrow/memory"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/sluicedata/sluice/connectors"
	"github.com/sluicedata/sluice/internal/arrowtest"
)

// allTypes lists every supported Arrow type with JSON values including a
// null (except for the non-nullable column).
var allTypes = []struct {
	name string
	typ  arrow.DataType
	json string // values of three rows
}{
	{"bool", arrow.FixedWidthTypes.Boolean, `true, null, false`},
	{"int8", arrow.PrimitiveTypes.Int8, `-128, null, 127`},
	{"int16", arrow.PrimitiveTypes.Int16, `-32768, null, 32767`},
	{"int32", arrow.PrimitiveTypes.Int32, `-2147483648, null, 2147483647`},
	{"int64", arrow.PrimitiveTypes.Int64, `-9007199254740991, null, 9007199254740991`},
	{"uint8", arrow.PrimitiveTypes.Uint8, `0, null, 255`},
	{"uint16", arrow.PrimitiveTypes.Uint16, `0, null, 65535`},
	{"uint32", arrow.PrimitiveTypes.Uint32, `0, null, 4294967295`},
	{"uint64", arrow.PrimitiveTypes.Uint64, `0, null, 18446744073709551615`},
	{"float32", arrow.PrimitiveTypes.Float32, `1.5, null, -2.25`},
	{"float64", arrow.PrimitiveTypes.Float64, `1e300, null, -0.5`},
	{"string", arrow.BinaryTypes.String, `"héllo", null, ""`},
	{"large_string", arrow.BinaryTypes.LargeString, `"a", null, "bcd"`},
	{"binary", arrow.BinaryTypes.Binary, `"AAEC", null, ""`},
	{"fixed", &arrow.FixedSizeBinaryType{ByteWidth: 3}, `"AAEC", null, "/f79"`},
	{"date32", arrow.FixedWidthTypes.Date32, `"2024-02-29", null, "1969-12-31"`},
	{"time32ms", arrow.FixedWidthTypes.Time32ms, `"12:34:56.789", null, "00:00:00"`},
	{"time64us", arrow.FixedWidthTypes.Time64us, `"12:34:56.789012", null, "23:59:59.999999"`},
	{"ts_ms", &arrow.TimestampType{Unit: arrow.Millisecond}, `"2024-01-02T03:04:05.678", null, "1960-01-01T00:00:00"`},
	{"ts_us", &arrow.TimestampType{Unit: arrow.Microsecond}, `"2024-01-02T03:04:05.678901", null, "1970-01-01T00:00:00"`},
	{"ts_ns_utc", &arrow.TimestampType{Unit: arrow.Nanosecond, TimeZone: "UTC"}, `"2024-01-02T03:04:05.678901234Z", null, "1999-12-31T23:59:59Z"`},
	{"ts_us_paris", &arrow.TimestampType{Unit: arrow.Microsecond, TimeZone: "Europe/Paris"}, `"2024-01-02T03:04:05Z", null, "2024-07-01T00:00:00Z"`},
	{"dec9", &arrow.Decimal128Type{Precision: 9, Scale: 2}, `"1234567.89", null, "-0.01"`},
	{"dec18", &arrow.Decimal128Type{Precision: 18, Scale: 4}, `"12345678901234.5678", null, "-1.0000"`},
	{"dec30", &arrow.Decimal128Type{Precision: 30, Scale: 5}, `"1234567890123456789012345.12345", null, "-99999.99999"`},
	{"dict", &arrow.DictionaryType{IndexType: arrow.PrimitiveTypes.Int32, ValueType: arrow.BinaryTypes.String}, `"x", null, "y"`},
}

// allTypesRecord builds a batch of every supported type, 3*reps rows.
func allTypesRecord(t testing.TB, mem memory.Allocator, reps int) arrow.RecordBatch {
	t.Helper()
	fields := make([]arrow.Field, 0, len(allTypes)+1)
	for _, tt := range allTypes {
		fields = append(fields, arrow.Field{Name: tt.name, Type: tt.typ, Nullable: true})
	}
	fields = append(fields, arrow.Field{Name: "required", Type: arrow.PrimitiveTypes.Int64})
	schema := arrow.NewSchema(fields, nil)
	var rows []string
	for r := range 3 * reps {
		var cells []string
		for _, tt := range allTypes {
			vals := splitJSON(tt.json)
			cells = append(cells, `"`+tt.name+`": `+vals[r%3])
		}
		cells = append(cells, `"required": `+itoa(r))
		rows = append(rows, "{"+strings.Join(cells, ", ")+"}")
	}
	rec, _, err := array.RecordFromJSON(mem, schema, strings.NewReader("["+strings.Join(rows, ",\n")+"]"))
	require.NoError(t, err)
	return rec
}

func itoa(i int) string {
	b := []byte{}
	if i == 0 {
		return "0"
	}
	for ; i > 0; i /= 10 {
		b = append([]byte{byte('0' + i%10)}, b...)
	}
	return string(b)
}

func splitJSON(s string) []string {
	parts := strings.Split(s, ", ")
	for i := range parts {
		parts[i] = strings.TrimSpace(parts[i])
	}
	return parts
}

func writeFile(t testing.TB, path string, recs []arrow.RecordBatch, schema *arrow.Schema, meta map[string]string, opts ...SinkOption) {
	t.Helper()
	sink, err := NewSink(path, opts...)
	require.NoError(t, err)
	w, err := sink.Create(context.Background(), schema)
	require.NoError(t, err)
	for _, r := range recs {
		require.NoError(t, w.Write(r))
	}
	for k, v := range meta {
		w.(connectors.MetadataWriter).SetMetadata(k, v)
	}
	require.NoError(t, w.Commit(context.Background()))
}

func TestRoundTripAllTypes(t *testing.T) {
	tests := []struct {
		name  string
		codec string
		batch int
	}{
		{"snappy", "snappy", 0},
		{"zstd small batches", "zstd", 7},
		{"none", "none", 2},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			mem := arrowtest.Allocator(t)
			rec := allTypesRecord(t, mem, 10)
			defer rec.Release()
			path := filepath.Join(t.TempDir(), "all.parquet")
			writeFile(t, path, []arrow.RecordBatch{rec, rec}, rec.Schema(), map[string]string{"owner": "team-a"}, WithCompression(tt.codec))

			src, err := NewSource(path)
			require.NoError(t, err)
			sc, err := src.Schema(context.Background())
			require.NoError(t, err)
			for i, f := range rec.Schema().Fields() {
				assert.True(t, arrow.TypeEqual(f.Type, sc.Field(i).Type), "column %s: wrote %s, read %s", f.Name, f.Type, sc.Field(i).Type)
				assert.Equal(t, f.Nullable, sc.Field(i).Nullable, f.Name)
			}
			owner, ok := sc.Metadata().GetValue("owner")
			assert.True(t, ok)
			assert.Equal(t, "team-a", owner)

			got, err := src.Open(context.Background(), connectors.ReadOptions{BatchSize: tt.batch, Allocator: mem})
			require.NoError(t, err)
			defer got.Release()
			want, err := array.NewRecordReader(rec.Schema(), []arrow.RecordBatch{rec, rec})
			require.NoError(t, err)
			defer want.Release()
			assert.Equal(t, 60, assertSameRows(t, want, got))
		})
	}
}

func TestPQArrowReadsOurFiles(t *testing.T) {
	mem := arrowtest.Allocator(t)
	rec := allTypesRecord(t, mem, 5)
	defer rec.Release()
	path := filepath.Join(t.TempDir(), "interop.parquet")
	writeFile(t, path, []arrow.RecordBatch{rec}, rec.Schema(), nil)

	// pqarrow's DELTA_BINARY_PACKED decoder leaks 64 bytes per page into
	// its allocator (arrow-go v18.8.0), so it gets its own.
	got := openPQArrow(t, path, memory.NewGoAllocator(), nil, 4)
	defer got.Release()
	for i, f := range rec.Schema().Fields() {
		assert.True(t, arrow.TypeEqual(f.Type, got.Schema().Field(i).Type), "column %s: wrote %s, pqarrow read %s", f.Name, f.Type, got.Schema().Field(i).Type)
	}
	want, err := array.NewRecordReader(rec.Schema(), []arrow.RecordBatch{rec})
	require.NoError(t, err)
	defer want.Release()
	assert.Equal(t, 15, assertSameRows(t, want, got))
}

func TestEmptyInput(t *testing.T) {
	mem := arrowtest.Allocator(t)
	schema := arrow.NewSchema([]arrow.Field{
		{Name: "a", Type: arrow.PrimitiveTypes.Int64, Nullable: true},
		{Name: "b", Type: arrow.BinaryTypes.String, Nullable: true},
	}, nil)
	path := filepath.Join(t.TempDir(), "empty.parquet")
	writeFile(t, path, nil, schema, nil)
	src, err := NewSource(path)
	require.NoError(t, err)
	n, err := src.NumRows(context.Background())
	require.NoError(t, err)
	assert.Zero(t, n)
	sc, err := src.Schema(context.Background())
	require.NoError(t, err)
	assert.Equal(t, []string{"a", "b"}, []string{sc.Field(0).Name, sc.Field(1).Name})
	rr, err := src.Open(context.Background(), connectors.ReadOptions{Allocator: mem})
	require.NoError(t, err)
	defer rr.Release()
	assert.False(t, rr.Next())
	assert.NoError(t, rr.Err())
}

func TestStatistics(t *testing.T) {
	mem := arrowtest.Allocator(t)
	rec := allTypesRecord(t, mem, 2)
	defer rec.Release()
	path := filepath.Join(t.TempDir(), "stats.parquet")
	writeFile(t, path, []arrow.RecordBatch{rec}, rec.Schema(), nil)
	src, err := NewSource(path)
	require.NoError(t, err)
	stats, err := src.ColumnStats(context.Background())
	require.NoError(t, err)
	require.Len(t, stats, 1)
	byName := map[string]connectors.ColumnStats{}
	for _, s := range stats[0] {
		byName[s.Column] = s
	}
	tests := []struct {
		col      string
		min, max any
		nulls    int64
	}{
		{"int64", int64(-9007199254740991), int64(9007199254740991), 2},
		{"int8", int64(-128), int64(127), 2},
		{"uint64", uint64(0), uint64(18446744073709551615), 2},
		{"float64", -0.5, 1e300, 2},
		{"string", "", "héllo", 2},
		{"bool", false, true, 2},
		{"required", int64(0), int64(5), 0},
	}
	for _, tt := range tests {
		t.Run(tt.col, func(t *testing.T) {
			s, ok := byName[tt.col]
			require.True(t, ok)
			assert.Equal(t, int64(6), s.NumValues)
			assert.Equal(t, tt.nulls, s.NullCount)
			assert.Equal(t, tt.min, s.Min)
			assert.Equal(t, tt.max, s.Max)
		})
	}
	ts := byName["ts_ms"]
	require.NotNil(t, ts.Min)
	assert.Equal(t, "1960-01-01T00:00:00Z", ts.Min.(interface{ Format(string) string }).Format("2006-01-02T15:04:05Z07:00"))
}

func TestProjectionAndErrors(t *testing.T) {
	mem := arrowtest.Allocator(t)
	rec := allTypesRecord(t, mem, 1)
	defer rec.Release()
	path := filepath.Join(t.TempDir(), "p.parquet")
	writeFile(t, path, []arrow.RecordBatch{rec}, rec.Schema(), nil)
	src, err := NewSource(path)
	require.NoError(t, err)

	rr, err := src.Open(context.Background(), connectors.ReadOptions{Columns: []string{"dict", "int8"}, Allocator: mem})
	require.NoError(t, err)
	defer rr.Release()
	require.Equal(t, 2, rr.Schema().NumFields())
	assert.Equal(t, "dict", rr.Schema().Field(0).Name)
	require.True(t, rr.Next())
	assert.Equal(t, int64(3), rr.RecordBatch().NumRows())

	_, err = src.Open(context.Background(), connectors.ReadOptions{Columns: []string{"nope"}, Allocator: mem})
	require.ErrorIs(t, err, connectors.ErrNoColumn)
	assert.Contains(t, err.Error(), "nope")

	missing, err := NewSource(filepath.Join(t.TempDir(), "missing.parquet"))
	require.NoError(t, err)
	_, err = missing.Schema(context.Background())
	require.ErrorIs(t, err, os.ErrNotExist)
}
