package csvconnector_test

import (
	"context"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/apache/arrow-go/v18/arrow"
	"github.com/apache/arrow-go/v18/arrow/array"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/sluicedata/sluice/connectors"
	"github.com/sluicedata/sluice/connectors/connectortest"
	"github.com/sluicedata/sluice/connectors/csvconnector"
	"github.com/sluicedata/sluice/internal/arrowtest"
)

func TestConformance(t *testing.T) {
	connectortest.Run(t, connectortest.Harness{
		Name: "csv",
		Ext:  ".csv",
		NewSource: func(_ *testing.T, path string) connectors.Source {
			return csvconnector.NewSource(path)
		},
		NewSink: func(_ *testing.T, path string) connectors.Sink {
			return csvconnector.NewSink(path)
		},
		NewHintedSource: func(_ *testing.T, path string, schema *arrow.Schema) connectors.Source {
			return csvconnector.NewSource(path, csvconnector.WithSchema(schema))
		},
		DictionaryAsValues: true,
		ListText:           csvconnector.ListText,
		Types: []arrow.DataType{
			arrow.FixedWidthTypes.Boolean, arrow.PrimitiveTypes.Int8, arrow.PrimitiveTypes.Int32,
			arrow.PrimitiveTypes.Int64, arrow.PrimitiveTypes.Uint16, arrow.PrimitiveTypes.Uint64,
			arrow.PrimitiveTypes.Float32, arrow.PrimitiveTypes.Float64,
			arrow.BinaryTypes.String, arrow.BinaryTypes.LargeString,
			arrow.FixedWidthTypes.Date32, csvconnector.TimestampType,
			&arrow.TimestampType{Unit: arrow.Nanosecond, TimeZone: "America/New_York"},
		},
	})
}

func TestConformanceSemicolon(t *testing.T) {
	opt := csvconnector.WithDelimiter(';')
	connectortest.Run(t, connectortest.Harness{
		Name: "csv ;",
		Ext:  ".csv",
		NewSource: func(_ *testing.T, path string) connectors.Source {
			return csvconnector.NewSource(path, opt)
		},
		NewSink: func(_ *testing.T, path string) connectors.Sink {
			return csvconnector.NewSink(path, opt)
		},
		NewHintedSource: func(_ *testing.T, path string, schema *arrow.Schema) connectors.Source {
			return csvconnector.NewSource(path, opt, csvconnector.WithSchema(schema))
		},
		DictionaryAsValues: true,
		ListText:           csvconnector.ListText,
		Types:              []arrow.DataType{arrow.PrimitiveTypes.Float64, arrow.BinaryTypes.String},
		HugeRows:           -1,
	})
}

func writeTemp(t *testing.T, content string) string {
	t.Helper()
	path := filepath.Join(t.TempDir(), "in.csv")
	require.NoError(t, os.WriteFile(path, []byte(content), 0o644))
	return path
}

// readAll reads every batch of src into one batch per column's values
// rendered as strings ("null" for null).
func readAll(t *testing.T, src connectors.Source, opts connectors.ReadOptions) (*arrow.Schema, [][]string, error) {
	t.Helper()
	mem := arrowtest.Allocator(t)
	opts.Allocator = mem
	rdr, err := src.Open(context.Background(), opts)
	if err != nil {
		return nil, nil, err
	}
	defer rdr.Release()
	var rows [][]string
	for rdr.Next() {
		b := rdr.RecordBatch()
		for r := range int(b.NumRows()) {
			row := make([]string, b.NumCols())
			for c := range row {
				row[c] = b.Column(c).ValueStr(r)
				if b.Column(c).IsNull(r) {
					row[c] = "null"
				}
			}
			rows = append(rows, row)
		}
	}
	return rdr.Schema(), rows, rdr.Err()
}

func TestInference(t *testing.T) {
	path := writeTemp(t, "\ufeffid,price,ok,at,day,name,empty,local\n"+
		"1,2.5,true,2024-01-02T03:04:05Z,2024-01-02,ann,,2024-01-02 03:04:05\n"+
		"2,3,FALSE,2024-01-02T03:04:05.5+02:00,2024-02-29,,,2024-01-02T03:04:05.25\n"+
		"-3,,,,,bob,,\n")
	schema, rows, err := readAll(t, csvconnector.NewSource(path), connectors.ReadOptions{})
	require.NoError(t, err)
	want := []arrow.DataType{
		arrow.PrimitiveTypes.Int64, arrow.PrimitiveTypes.Float64, arrow.FixedWidthTypes.Boolean,
		csvconnector.TimestampType, arrow.FixedWidthTypes.Date32, arrow.BinaryTypes.String,
		arrow.BinaryTypes.String, csvconnector.TimestampType,
	}
	require.Equal(t, len(want), schema.NumFields())
	assert.Equal(t, "id", schema.Field(0).Name, "BOM stripped")
	for i, dt := range want {
		assert.True(t, arrow.TypeEqual(dt, schema.Field(i).Type), "%s: got %s want %s", schema.Field(i).Name, schema.Field(i).Type, dt)
	}
	assert.Equal(t, [][]string{
		{"1", "2.5", "true", "2024-01-02T03:04:05Z", "2024-01-02", "ann", "null", "2024-01-02T03:04:05Z"},
		{"2", "3", "false", "2024-01-02T01:04:05.5Z", "2024-02-29", "null", "null", "2024-01-02T03:04:05.25Z"},
		{"-3", "null", "null", "null", "null", "bob", "null", "null"},
	}, rows)
}

func TestSchemaHintAndNullTokens(t *testing.T) {
	path := writeTemp(t, "zip,qty,note\n00501,NA,hello\n10001,7,NULL\n")
	hint := arrow.NewSchema([]arrow.Field{
		{Name: "zip", Type: arrow.BinaryTypes.String},
		{Name: "absent", Type: arrow.PrimitiveTypes.Int64},
	}, nil)
	src := csvconnector.NewSource(path, csvconnector.WithSchema(hint), csvconnector.WithNullTokens("NA", "NULL"))
	schema, rows, err := readAll(t, src, connectors.ReadOptions{})
	require.NoError(t, err)
	connectortest.AssertSameSchema(t, arrow.NewSchema([]arrow.Field{
		{Name: "zip", Type: arrow.BinaryTypes.String},
		{Name: "qty", Type: arrow.PrimitiveTypes.Int64},
		{Name: "note", Type: arrow.BinaryTypes.String},
	}, nil), schema)
	assert.Equal(t, [][]string{{"00501", "null", "hello"}, {"10001", "7", "null"}}, rows)
}

func TestProjectionParsesOnlyNeeded(t *testing.T) {
	// Column b has a bad value past inference; a projection without b
	// reads cleanly.
	path := writeTemp(t, "a,b,c\n1,2,x\n2,oops,y\n")
	_, rows, err := readAll(t, csvconnector.NewSource(path, csvconnector.WithInferRows(1)), connectors.ReadOptions{Columns: []string{"c", "a"}})
	require.NoError(t, err)
	assert.Equal(t, [][]string{{"x", "1"}, {"y", "2"}}, rows)
}

func TestInputErrors(t *testing.T) {
	tests := []struct {
		name     string
		content  string
		opts     []csvconnector.Option
		line     int
		column   int
		field    string
		contains []string
		absent   []string // must not appear in the message
		is       error
	}{
		{
			name:     "value after inference",
			content:  "id,name\n1,a\n2,b\nthree,c\n",
			opts:     []csvconnector.Option{csvconnector.WithInferRows(2)},
			line:     4,
			column:   1,
			field:    "id",
			contains: []string{`"three"`, "int64", "declare the column's type in the rule file"},
		},
		{
			name:     "declared type",
			content:  "id,amount\n1,2.5\n2,lots\n",
			opts:     []csvconnector.Option{csvconnector.WithSchema(arrow.NewSchema([]arrow.Field{{Name: "amount", Type: arrow.PrimitiveTypes.Float64}}, nil))},
			line:     3,
			column:   2,
			field:    "amount",
			contains: []string{`"lots"`, "declared double"},
		},
		{
			name:     "ragged line",
			content:  "a,b\n1,2\n3\n",
			line:     3,
			contains: []string{"wrong number of fields", "1 fields, the header has 2"},
		},
		{
			name:     "invalid UTF-8",
			content:  "a,b\n1,ok\n2,bad\xff\n",
			line:     3,
			column:   2,
			field:    "b",
			contains: []string{"invalid UTF-8"},
		},
		{
			name:     "bare quote",
			content:  "a,b\n1,x\"y\n",
			line:     2,
			contains: []string{"bare \""},
		},
		{
			name:     "long value truncated",
			content:  "n\n1\n" + "x" + strings.Repeat("1234567890", 7) + "\n",
			opts:     []csvconnector.Option{csvconnector.WithInferRows(1)},
			line:     3,
			column:   1,
			field:    "n",
			contains: []string{"…"},
		},
		{
			name:     "control characters escaped",
			content:  "n\n1\nx\x1b[2J\n",
			opts:     []csvconnector.Option{csvconnector.WithInferRows(1)},
			line:     3,
			column:   1,
			field:    "n",
			contains: []string{`"x\x1b[2J"`},
			absent:   []string{"\x1b"},
		},
		{
			name:    "redacted value",
			content: "id,phone\n1,2\n2,x@y.io\n",
			opts: []csvconnector.Option{
				csvconnector.WithInferRows(1),
				csvconnector.WithRedact(func(column, value string) string {
					if column == "phone" {
						return "[redacted]"
					}
					return value
				}),
			},
			line:     3,
			column:   2,
			field:    "phone",
			contains: []string{`value "[redacted]" is not a valid int64`},
			absent:   []string{"x@y.io"},
		},
		{
			name:     "record too long",
			content:  "a,b\n1,2\n3," + strings.Repeat("x", 100) + "\n",
			opts:     []csvconnector.Option{csvconnector.WithLimits(connectors.Limits{MaxRecordBytes: 64})},
			line:     3,
			contains: []string{"record is longer than 64 bytes"},
			is:       connectors.ErrLimit,
		},
		{
			name:     "quoted record too long",
			content:  "a,b\n1,2\n3,\"" + strings.Repeat("x\n", 50) + "\"\n",
			opts:     []csvconnector.Option{csvconnector.WithLimits(connectors.Limits{MaxRecordBytes: 64})},
			line:     3,
			contains: []string{"record is longer than 64 bytes"},
			is:       connectors.ErrLimit,
		},
		{
			name:     "field too long",
			content:  "a,b\n1,2\n3," + strings.Repeat("x", 40) + "\n",
			opts:     []csvconnector.Option{csvconnector.WithLimits(connectors.Limits{MaxFieldBytes: 32})},
			line:     3,
			contains: []string{"field 2 is longer than 32 bytes"},
			is:       connectors.ErrLimit,
		},
		{
			name:     "header never ends",
			content:  strings.Repeat("\x00", 4096),
			opts:     []csvconnector.Option{csvconnector.WithLimits(connectors.Limits{MaxRecordBytes: 1024})},
			line:     1,
			contains: []string{"record is longer than 1024 bytes"},
			is:       connectors.ErrLimit,
		},
		{
			name:     "too many columns",
			content:  "a" + strings.Repeat(",a", 10) + "\n",
			opts:     []csvconnector.Option{csvconnector.WithLimits(connectors.Limits{MaxColumns: 4})},
			line:     1,
			column:   8,
			contains: []string{"record has more than 4 fields"},
			is:       connectors.ErrLimit,
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			path := writeTemp(t, tt.content)
			_, _, err := readAll(t, csvconnector.NewSource(path, tt.opts...), connectors.ReadOptions{BatchSize: 1})
			require.Error(t, err)
			var ie *connectors.InputError
			require.ErrorAs(t, err, &ie, "error %v is an *InputError", err)
			assert.Equal(t, path, ie.Path)
			assert.Equal(t, tt.line, ie.Line, "line")
			assert.Equal(t, tt.column, ie.Column, "column")
			assert.Equal(t, tt.field, ie.Field, "field")
			for _, s := range tt.contains {
				assert.Contains(t, err.Error(), s)
			}
			for _, s := range tt.absent {
				assert.NotContains(t, err.Error(), s)
			}
			assert.NotContains(t, err.Error(), "\n", "one line")
			if tt.is != nil {
				require.ErrorIs(t, err, tt.is)
			}
		})
	}
}

func TestWriterQuotingAndFormat(t *testing.T) {
	mem := arrowtest.Allocator(t)
	schema := arrow.NewSchema([]arrow.Field{
		{Name: "s", Type: arrow.BinaryTypes.String, Nullable: true},
		{Name: "f", Type: arrow.PrimitiveTypes.Float64, Nullable: true},
		{Name: "t", Type: csvconnector.TimestampType, Nullable: true},
	}, nil)
	b := array.NewRecordBuilder(mem, schema)
	defer b.Release()
	b.Field(0).(*array.StringBuilder).AppendValues([]string{`a,"b"`, ""}, []bool{true, false})
	b.Field(1).(*array.Float64Builder).AppendValues([]float64{5, 0.1}, nil)
	b.Field(2).(*array.TimestampBuilder).AppendValues([]arrow.Timestamp{1_700_000_000_123_456, 0}, []bool{true, false})
	rec := b.NewRecordBatch()
	defer rec.Release()

	path := filepath.Join(t.TempDir(), "out.csv")
	ctx := context.Background()
	w, err := csvconnector.NewSink(path).Create(ctx, schema)
	require.NoError(t, err)
	require.NoError(t, w.Write(rec))
	require.NoError(t, w.Commit(ctx))
	got, err := os.ReadFile(path)
	require.NoError(t, err)
	assert.Equal(t, "s,f,t\n\"a,\"\"b\"\"\",5.0,2023-11-14T22:13:20.123456Z\n,0.1,\n", string(got))
}

func TestUnsupportedType(t *testing.T) {
	schema := arrow.NewSchema([]arrow.Field{{Name: "l", Type: arrow.ListOf(arrow.ListOf(arrow.PrimitiveTypes.Int64))}}, nil)
	dir := t.TempDir()
	_, err := csvconnector.NewSink(filepath.Join(dir, "x.csv")).Create(context.Background(), schema)
	require.ErrorIs(t, err, connectors.ErrUnsupported)
	entries, err := os.ReadDir(dir)
	require.NoError(t, err)
	assert.Empty(t, entries)
}

func TestAirports(t *testing.T) {
	const path = "../../../shared/datasets/airports.csv"
	if _, err := os.Stat(path); err != nil {
		t.Skipf("shared dataset absent: %v", err)
	}
	src := csvconnector.NewSource(path)
	schema, err := src.Schema(context.Background())
	require.NoError(t, err)
	assert.Equal(t, "iata", schema.Field(0).Name)
	lat := schema.FieldIndices("latitude")
	require.Len(t, lat, 1)
	assert.Equal(t, arrow.PrimitiveTypes.Float64, schema.Field(lat[0]).Type)
	_, rows, err := readAll(t, src, connectors.ReadOptions{Columns: []string{"iata"}, BatchSize: 1000})
	require.NoError(t, err)
	assert.Len(t, rows, 3376)
}
