package jsonconnector_test

import (
	"context"
	"testing"

	"github.com/apache/arrow-go/v18/arrow"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/sluicedata/sluice/connectors"
	"github.com/sluicedata/sluice/connectors/jsonconnector"
	"github.com/sluicedata/sluice/internal/arrowtest"
)

// policy returns a ReadOptions.Invalid giving p to the named columns and
// InvalidError to the others.
func policy(p connectors.InvalidPolicy, columns ...string) func(string) connectors.InvalidPolicy {
	return func(c string) connectors.InvalidPolicy {
		for _, n := range columns {
			if n == c {
				return p
			}
		}
		return connectors.InvalidError
	}
}

func hintOf(name string, dt arrow.DataType) jsonconnector.Option {
	return jsonconnector.WithSchema(arrow.NewSchema([]arrow.Field{{Name: name, Type: dt}}, nil))
}

func TestInvalidPolicies(t *testing.T) {
	tests := []struct {
		name string
		good string // JSON of v in the first record
		bad  string // JSON of v in the second record
		hint arrow.DataType
		typ  arrow.DataType
		read string // v of the first record as read
		mark string // InvalidColumn of the second record
	}{
		{name: "int declared", good: `5`, bad: `"12x"`, hint: arrow.PrimitiveTypes.Int32, read: "5", mark: `{"v":"12x"}`},
		{name: "int declared, an object", good: `5`, bad: `{"a": [1, 2]}`, hint: arrow.PrimitiveTypes.Int64, read: "5", mark: `{"v":"{\"a\": [1, 2]}"}`},
		{name: "int inferred", good: `5`, bad: `5.5`, typ: arrow.PrimitiveTypes.Int64, read: "5", mark: `{"v":"5.5"}`},
		{name: "int inferred, a string", good: `5`, bad: `"five"`, typ: arrow.PrimitiveTypes.Int64, read: "5", mark: `{"v":"five"}`},
		{name: "float declared", good: `2.5`, bad: `"lots"`, hint: arrow.PrimitiveTypes.Float64, read: "2.5", mark: `{"v":"lots"}`},
		{name: "float inferred, a boolean", good: `2.5`, bad: `true`, typ: arrow.PrimitiveTypes.Float64, read: "2.5", mark: `{"v":"true"}`},
		{name: "bool declared", good: `true`, bad: `"yes"`, hint: arrow.FixedWidthTypes.Boolean, read: "true", mark: `{"v":"yes"}`},
		{name: "bool inferred, an array", good: `false`, bad: `[true]`, typ: arrow.FixedWidthTypes.Boolean, read: "false", mark: `{"v":"[true]"}`},
		{name: "date declared", good: `"2024-01-02"`, bad: `"2024-02-30"`, hint: arrow.FixedWidthTypes.Date32, read: "2024-01-02", mark: `{"v":"2024-02-30"}`},
		{name: "date declared, a number", good: `"2024-01-02"`, bad: `20240102`, hint: arrow.FixedWidthTypes.Date32, read: "2024-01-02", mark: `{"v":"20240102"}`},
		{name: "timestamp declared", good: `"2024-01-02T03:04:05Z"`, bad: `"yesterday"`, hint: jsonconnector.TimestampType, read: "2024-01-02T03:04:05Z", mark: `{"v":"yesterday"}`},
		{name: "string declared, a number", good: `"ok"`, bad: `12`, hint: arrow.BinaryTypes.String, read: "ok", mark: `{"v":"12"}`},
		{name: "string declared, UTF-8", good: `"ok"`, bad: "\"b\xffd\"", hint: arrow.BinaryTypes.String, read: "ok", mark: "{\"v\":\"b\ufffdd\"}"},
		{name: "string inferred, UTF-8 and escapes", good: `"ok"`, bad: "\"\\u00e9\\n\xff<\"", typ: arrow.BinaryTypes.String, read: "ok", mark: "{\"v\":\"é\\n\ufffd\\u003c\"}"},
		{name: "list declared", good: `[1]`, bad: `[2, "x"]`, hint: arrow.ListOf(arrow.PrimitiveTypes.Int64), read: "[1]", mark: `{"v":"[2, \"x\"]"}`},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			path := writeTemp(t, `{"id":1,"v":`+tt.good+"}\n"+`{"id":2,"v":`+tt.bad+"}\n"+`{"v":null,"id":3}`+"\n")
			// Inference sees the first record only: the second breaks the
			// inferred type.
			opts := []jsonconnector.Option{jsonconnector.WithInferRows(1)}
			typ := tt.typ
			if tt.hint != nil {
				opts, typ = append(opts, hintOf("v", tt.hint)), tt.hint
			}
			src := jsonconnector.NewSource(path, opts...)

			full, err := src.Schema(context.Background())
			require.NoError(t, err)
			require.Equal(t, 2, full.NumFields(), "Source.Schema has no InvalidColumn")
			require.True(t, arrow.TypeEqual(typ, full.Field(1).Type), "type of v: %s", full.Field(1).Type)

			_, _, err = readAll(t, src, connectors.ReadOptions{Invalid: policy(connectors.InvalidError, "v")})
			var ie *connectors.InputError
			require.ErrorAs(t, err, &ie, "InvalidError fails the read")
			assert.Equal(t, 2, ie.Line)
			assert.Equal(t, 13, ie.Column)
			assert.Equal(t, "v", ie.Field)

			schema, rows, err := readAll(t, src, connectors.ReadOptions{Invalid: policy(connectors.InvalidNull, "v")})
			require.NoError(t, err)
			assert.Equal(t, 2, schema.NumFields(), "InvalidNull adds no column")
			assert.Equal(t, [][]string{{"1", tt.read}, {"2", "null"}, {"3", "null"}}, rows)

			schema, rows, err = readAll(t, src, connectors.ReadOptions{Invalid: policy(connectors.InvalidMark, "v")})
			require.NoError(t, err)
			require.Equal(t, 3, schema.NumFields())
			assert.Equal(t, arrow.Field{Name: connectors.InvalidColumn, Type: arrow.BinaryTypes.String, Nullable: true,
				Metadata: arrow.NewMetadata([]string{connectors.MarksKey}, []string{"1"})}, schema.Field(2))
			assert.Equal(t, [][]string{{"1", tt.read, "null"}, {"2", "null", tt.mark}, {"3", "null", "null"}}, rows)
		})
	}
}

func TestInvalidMarksSeveralColumns(t *testing.T) {
	// Keys out of column order: marks follow the columns.
	path := writeTemp(t, `{"a":1,"b":"x","c":true}`+"\n"+
		`{"c":"maybe","b":"y","a":"q"}`+"\n"+
		`{"b":"z"}`+"\n"+
		`{"c":0,"a":{}}`+"\n")
	src := jsonconnector.NewSource(path, jsonconnector.WithInferRows(1))
	tests := []struct {
		name string
		opts connectors.ReadOptions
		rows [][]string
	}{
		{
			name: "two marked in one row",
			opts: connectors.ReadOptions{Invalid: policy(connectors.InvalidMark, "a", "b", "c")},
			rows: [][]string{
				{"1", "x", "true", "null"},
				{"null", "y", "null", `{"a":"q","c":"maybe"}`},
				{"null", "z", "null", "null"},
				{"null", "null", "null", `{"a":"{}","c":"0"}`},
			},
		},
		{
			name: "mark and null",
			opts: connectors.ReadOptions{Invalid: func(c string) connectors.InvalidPolicy {
				if c == "c" {
					return connectors.InvalidMark
				}
				return connectors.InvalidNull
			}},
			rows: [][]string{
				{"1", "x", "true", "null"},
				{"null", "y", "null", `{"c":"maybe"}`},
				{"null", "z", "null", "null"},
				{"null", "null", "null", `{"c":"0"}`},
			},
		},
		{
			name: "projected, in the projection's order",
			opts: connectors.ReadOptions{Columns: []string{"c", "a"}, Invalid: policy(connectors.InvalidMark, "a", "c")},
			rows: [][]string{
				{"true", "1", "null"},
				{"null", "null", `{"c":"maybe","a":"q"}`},
				{"null", "null", "null"},
				{"null", "null", `{"c":"0","a":"{}"}`},
			},
		},
		{
			name: "marking asked for a column not projected",
			opts: connectors.ReadOptions{Columns: []string{"b"}, Invalid: policy(connectors.InvalidMark, "a", "c")},
			rows: [][]string{{"x"}, {"y"}, {"z"}, {"null"}},
		},
		{
			name: "batches of one row",
			opts: connectors.ReadOptions{BatchSize: 1, Invalid: policy(connectors.InvalidMark, "a", "c")},
			rows: [][]string{
				{"1", "x", "true", "null"},
				{"null", "y", "null", `{"a":"q","c":"maybe"}`},
				{"null", "z", "null", "null"},
				{"null", "null", "null", `{"a":"{}","c":"0"}`},
			},
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, rows, err := readAll(t, src, tt.opts)
			require.NoError(t, err)
			assert.Equal(t, tt.rows, rows)
		})
	}
}

// TestInvalidMarksInLaterBatches reads marks that fall in the second and
// third batches, and holds every batch to the reader's schema.
func TestInvalidMarksInLaterBatches(t *testing.T) {
	path := writeTemp(t, "[{\"n\":1},{\"n\":2},{\"n\":3},{\"n\":\"x4\"},{\"n\":5},{},{\"n\":[7]}]")
	src := jsonconnector.NewSource(path, jsonconnector.WithInferRows(3))
	mem := arrowtest.Allocator(t)
	rdr, err := src.Open(context.Background(), connectors.ReadOptions{BatchSize: 3, Allocator: mem, Invalid: policy(connectors.InvalidMark, "n")})
	require.NoError(t, err)
	defer rdr.Release()
	var marks [][]string
	for rdr.Next() {
		b := rdr.RecordBatch()
		require.True(t, b.Schema().Equal(rdr.Schema()), "batch schema %s", b.Schema())
		var batch []string
		col := b.Column(1)
		for i := range col.Len() {
			if col.IsNull(i) {
				batch = append(batch, "")
				continue
			}
			batch = append(batch, col.ValueStr(i))
		}
		marks = append(marks, batch)
	}
	require.NoError(t, rdr.Err())
	assert.Equal(t, [][]string{{"", "", ""}, {`{"n":"x4"}`, "", ""}, {`{"n":"[7]"}`}}, marks)
}

func TestInvalidColumnReserved(t *testing.T) {
	path := writeTemp(t, `{"a":1,"_sluice_invalid":"x"}`+"\n")
	src := jsonconnector.NewSource(path)
	_, err := src.Open(context.Background(), connectors.ReadOptions{Invalid: policy(connectors.InvalidMark, "a")})
	require.ErrorIs(t, err, connectors.ErrUnsupported)
	assert.Contains(t, err.Error(), path)
	assert.Contains(t, err.Error(), connectors.InvalidColumn)

	// Declared by the hint only, it is reserved too.
	hinted := jsonconnector.NewSource(writeTemp(t, `{"a":1}`), hintOf(connectors.InvalidColumn, arrow.BinaryTypes.String))
	_, err = hinted.Open(context.Background(), connectors.ReadOptions{Invalid: policy(connectors.InvalidMark, "a")})
	require.ErrorIs(t, err, connectors.ErrUnsupported)

	// Without marking the column is read like any other.
	_, rows, err := readAll(t, src, connectors.ReadOptions{Invalid: policy(connectors.InvalidNull, "a")})
	require.NoError(t, err)
	assert.Equal(t, [][]string{{"1", "x"}}, rows)
}
