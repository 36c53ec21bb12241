package jsonconnector_test

import (
	"context"
	"os"
	"path/filepath"
	"testing"

	"github.com/apache/arrow-go/v18/arrow"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/sluicedata/sluice/connectors"
	"github.com/sluicedata/sluice/connectors/connectortest"
	"github.com/sluicedata/sluice/connectors/jsonconnector"
	"github.com/sluicedata/sluice/internal/arrowtest"
)

func TestConformance(t *testing.T) {
	connectortest.Run(t, connectortest.Harness{
		Name: "ndjson",
		Ext:  ".ndjson",
		NewSource: func(_ *testing.T, path string) connectors.Source {
			return jsonconnector.NewSource(path)
		},
		NewSink: func(_ *testing.T, path string) connectors.Sink {
			return jsonconnector.NewSink(path)
		},
		NewHintedSource: func(_ *testing.T, path string, schema *arrow.Schema) connectors.Source {
			return jsonconnector.NewSource(path, jsonconnector.WithSchema(schema))
		},
		DictionaryAsValues: true,
		Types: []arrow.DataType{
			arrow.FixedWidthTypes.Boolean, arrow.PrimitiveTypes.Int8, arrow.PrimitiveTypes.Int32,
			arrow.PrimitiveTypes.Int64, arrow.PrimitiveTypes.Uint16, arrow.PrimitiveTypes.Uint64,
			arrow.PrimitiveTypes.Float32, arrow.PrimitiveTypes.Float64,
			arrow.BinaryTypes.String, arrow.BinaryTypes.LargeString,
			arrow.FixedWidthTypes.Date32, jsonconnector.TimestampType,
			&arrow.TimestampType{Unit: arrow.Nanosecond, TimeZone: "Asia/Tokyo"},
		},
		// encoding/json's token decoder is the slowest path here: a
		// quarter of the default still reads back in five batches.
		HugeRows: connectortest.DefaultHugeRows / 4,
	})
}

// TestConformanceInferred reads back without a hint: the types JSON
// itself keeps.
func TestConformanceInferred(t *testing.T) {
	connectortest.Run(t, connectortest.Harness{
		Name: "ndjson inferred",
		Ext:  ".ndjson",
		NewSource: func(_ *testing.T, path string) connectors.Source {
			return jsonconnector.NewSource(path)
		},
		NewSink: func(_ *testing.T, path string) connectors.Sink {
			return jsonconnector.NewSink(path)
		},
		Types: []arrow.DataType{
			arrow.FixedWidthTypes.Boolean, arrow.PrimitiveTypes.Int64,
			arrow.PrimitiveTypes.Float64, arrow.BinaryTypes.String,
		},
		EmptyLosesSchema:   true,
		HugeRows:           -1,
		DictionaryAsValues: true,
		ListsWriteOnly:     true,
	})
}

func writeTemp(t *testing.T, content string) string {
	t.Helper()
	path := filepath.Join(t.TempDir(), "in.json")
	require.NoError(t, os.WriteFile(path, []byte(content), 0o644))
	return path
}

func readAll(t *testing.T, src connectors.Source, opts connectors.ReadOptions) (*arrow.Schema, [][]string, error) {
	t.Helper()
	opts.Allocator = arrowtest.Allocator(t)
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

func TestFormats(t *testing.T) {
	tests := []struct {
		name    string
		content string
	}{
		{name: "ndjson", content: "{\"a\":1,\"b\":\"x\"}\n{\"b\":\"y\",\"a\":2.5,\"extra\":[1]}\n"},
		{name: "array", content: "  [\n {\"a\":1,\"b\":\"x\"},\n {\"b\":\"y\",\"a\":2.5,\"extra\":[1]}\n]\n"},
		{name: "concatenated", content: "{\"a\":1,\"b\":\"x\"} {\"b\":\"y\",\"a\":2.5,\"extra\":[1]}"},
	}
	hint := arrow.NewSchema([]arrow.Field{{Name: "extra", Type: arrow.ListOf(arrow.PrimitiveTypes.Int64)}}, nil)
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			path := writeTemp(t, tt.content)
			schema, rows, err := readAll(t, jsonconnector.NewSource(path, jsonconnector.WithSchema(hint)), connectors.ReadOptions{})
			require.NoError(t, err)
			connectortest.AssertSameSchema(t, arrow.NewSchema([]arrow.Field{
				{Name: "a", Type: arrow.PrimitiveTypes.Float64},
				{Name: "b", Type: arrow.BinaryTypes.String},
				{Name: "extra", Type: arrow.ListOf(arrow.PrimitiveTypes.Int64)},
			}, nil), schema)
			assert.Equal(t, [][]string{{"1", "x", "null"}, {"2.5", "y", "[1]"}}, rows)

			// Unknown keys are ignored when projecting.
			_, rows, err = readAll(t, jsonconnector.NewSource(path, jsonconnector.WithSchema(hint)), connectors.ReadOptions{Columns: []string{"b"}})
			require.NoError(t, err)
			assert.Equal(t, [][]string{{"x"}, {"y"}}, rows)
		})
	}
}

func TestInferenceKeepsRFC3339AsString(t *testing.T) {
	path := writeTemp(t, `{"t":"2024-01-02T03:04:05Z","ok":true,"n":null}`+"\n")
	src := jsonconnector.NewSource(path)
	schema, err := src.Schema(context.Background())
	require.NoError(t, err)
	connectortest.AssertSameSchema(t, arrow.NewSchema([]arrow.Field{
		{Name: "t", Type: arrow.BinaryTypes.String},
		{Name: "ok", Type: arrow.FixedWidthTypes.Boolean},
		{Name: "n", Type: arrow.BinaryTypes.String},
	}, nil), schema)

	hinted := jsonconnector.NewSource(path, jsonconnector.WithSchema(arrow.NewSchema([]arrow.Field{{Name: "t", Type: jsonconnector.TimestampType}}, nil)))
	_, rows, err := readAll(t, hinted, connectors.ReadOptions{Columns: []string{"t"}})
	require.NoError(t, err)
	assert.Equal(t, [][]string{{"2024-01-02T03:04:05Z"}}, rows)
}

func TestNestedWithoutHint(t *testing.T) {
	path := writeTemp(t, `{"a":{"b":1}}`)
	_, err := jsonconnector.NewSource(path).Schema(context.Background())
	require.ErrorIs(t, err, connectors.ErrUnsupported)
	assert.Contains(t, err.Error(), `"a"`)
}

func TestInputErrors(t *testing.T) {
	tests := []struct {
		name     string
		content  string
		opts     []jsonconnector.Option
		line     int
		column   int
		field    string
		contains []string
	}{
		{
			name:     "type mismatch after inference",
			content:  "{\"id\":1}\n{\"id\":2}\n{\"x\":0, \"id\":\"three\"}\n",
			opts:     []jsonconnector.Option{jsonconnector.WithInferRows(2)},
			line:     3,
			column:   14,
			field:    "id",
			contains: []string{`"three"`, "int64", "declare the column's type in the rule file"},
		},
		{
			name:     "declared type",
			content:  "[\n{\"d\":\"2024-01-02\"},\n{\"d\":\"soon\"}\n]",
			opts:     []jsonconnector.Option{jsonconnector.WithSchema(arrow.NewSchema([]arrow.Field{{Name: "d", Type: arrow.FixedWidthTypes.Date32}}, nil))},
			line:     3,
			column:   6,
			field:    "d",
			contains: []string{`"soon"`, "declared date"},
		},
		{
			name:     "malformed",
			content:  "{\"a\":1}\n{\"a\":2,}\n",
			line:     2,
			contains: []string{"malformed JSON"},
		},
		{
			name:     "truncated",
			content:  "{\"a\":1}\n{\"a\":",
			line:     2,
			contains: []string{"malformed JSON"},
		},
		{
			name:     "not an object",
			content:  "{\"a\":1}\n42\n",
			line:     2,
			column:   1,
			contains: []string{"expected an object"},
		},
		{
			name:     "top level scalar",
			content:  "\"x\"",
			line:     1,
			contains: []string{"expected a JSON object"},
		},
		{
			name:     "duplicate key",
			content:  "{\"a\":1,\"a\":2}\n",
			line:     1,
			column:   12,
			field:    "a",
			contains: []string{"duplicate key"},
		},
		{
			name:     "data after array",
			content:  "[{\"a\":1}] {\"a\":2}",
			line:     1,
			contains: []string{"data after the top-level array"},
		},
		{
			name:     "invalid UTF-8",
			content:  "{\"s\":\"ok\"}\n{\"s\":\"b\xffd\"}\n",
			line:     2,
			column:   6,
			field:    "s",
			contains: []string{"invalid UTF-8"},
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			path := writeTemp(t, tt.content)
			_, _, err := readAll(t, jsonconnector.NewSource(path, tt.opts...), connectors.ReadOptions{BatchSize: 1})
			require.Error(t, err)
			var ie *connectors.InputError
			require.ErrorAs(t, err, &ie, "error %v is an *InputError", err)
			assert.Equal(t, path, ie.Path)
			assert.Equal(t, tt.line, ie.Line, "line")
			if tt.column != 0 {
				assert.Equal(t, tt.column, ie.Column, "column")
			}
			assert.Equal(t, tt.field, ie.Field, "field")
			for _, s := range tt.contains {
				assert.Contains(t, err.Error(), s)
			}
		})
	}
}

func TestEmptyFile(t *testing.T) {
	path := writeTemp(t, "  \n")
	schema, rows, err := readAll(t, jsonconnector.NewSource(path), connectors.ReadOptions{})
	require.NoError(t, err)
	assert.Zero(t, schema.NumFields())
	assert.Empty(t, rows)
}

// A hinted key that no record has is a column of the schema, marked as
// there only because it is declared; hinted keys that records have are not
// marked.
func TestHintedKeyNeverSeenIsMarked(t *testing.T) {
	path := writeTemp(t, `{"b":1,"a":"x"}`+"\n"+`{"a":"y","b":2}`+"\n")
	hint := arrow.NewSchema([]arrow.Field{
		{Name: "a", Type: arrow.BinaryTypes.String},
		{Name: "gone", Type: arrow.PrimitiveTypes.Int64},
	}, nil)
	schema, err := jsonconnector.NewSource(path, jsonconnector.WithSchema(hint)).Schema(context.Background())
	require.NoError(t, err)
	var names []string
	var marked []bool
	for _, f := range schema.Fields() {
		names = append(names, f.Name)
		_, ok := f.Metadata.GetValue(connectors.DeclaredOnlyKey)
		marked = append(marked, ok)
	}
	assert.Equal(t, []string{"b", "a", "gone"}, names)
	assert.Equal(t, []bool{false, false, true}, marked)
}
