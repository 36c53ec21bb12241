package csvconnector_test

import (
	"context"
	"testing"

	"github.com/apache/arrow-go/v18/arrow"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/sluicedata/sluice/connectors"
	"github.com/sluicedata/sluice/connectors/csvconnector"
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

func hintOf(name string, dt arrow.DataType) csvconnector.Option {
	return csvconnector.WithSchema(arrow.NewSchema([]arrow.Field{{Name: name, Type: dt}}, nil))
}

func TestInvalidPolicies(t *testing.T) {
	tests := []struct {
		name    string
		content string // column v holds a good value on line 2, a bad one on line 3
		opts    []csvconnector.Option
		typ     arrow.DataType
		good    string // v of line 2 as read
		mark    string // InvalidColumn of line 3
	}{
		{name: "int declared", content: "id,v\n1,5\n2,12x\n", opts: []csvconnector.Option{hintOf("v", arrow.PrimitiveTypes.Int32)}, typ: arrow.PrimitiveTypes.Int32, good: "5", mark: `{"v":"12x"}`},
		{name: "int inferred", content: "id,v\n1,5\n2,5.5\n", typ: arrow.PrimitiveTypes.Int64, good: "5", mark: `{"v":"5.5"}`},
		{name: "float declared", content: "id,v\n1,2.5\n2,lots\n", opts: []csvconnector.Option{hintOf("v", arrow.PrimitiveTypes.Float64)}, typ: arrow.PrimitiveTypes.Float64, good: "2.5", mark: `{"v":"lots"}`},
		{name: "float inferred", content: "id,v\n1,2.5\n2,\"1,5\"\n", typ: arrow.PrimitiveTypes.Float64, good: "2.5", mark: `{"v":"1,5"}`},
		{name: "bool declared", content: "id,v\n1,true\n2,yes\n", opts: []csvconnector.Option{hintOf("v", arrow.FixedWidthTypes.Boolean)}, typ: arrow.FixedWidthTypes.Boolean, good: "true", mark: `{"v":"yes"}`},
		{name: "bool inferred", content: "id,v\n1,FALSE\n2,0\n", typ: arrow.FixedWidthTypes.Boolean, good: "false", mark: `{"v":"0"}`},
		{name: "date declared", content: "id,v\n1,2024-01-02\n2,02/01/2024\n", opts: []csvconnector.Option{hintOf("v", arrow.FixedWidthTypes.Date32)}, typ: arrow.FixedWidthTypes.Date32, good: "2024-01-02", mark: `{"v":"02/01/2024"}`},
		{name: "date inferred", content: "id,v\n1,2024-01-02\n2,2024-02-30\n", typ: arrow.FixedWidthTypes.Date32, good: "2024-01-02", mark: `{"v":"2024-02-30"}`},
		{name: "timestamp declared", content: "id,v\n1,2024-01-02T03:04:05Z\n2,yesterday\n", opts: []csvconnector.Option{hintOf("v", csvconnector.TimestampType)}, typ: csvconnector.TimestampType, good: "2024-01-02T03:04:05Z", mark: `{"v":"yesterday"}`},
		{name: "timestamp inferred", content: "id,v\n1,2024-01-02 03:04:05\n2,\"2024-01-02 25:00:00\"\n", typ: csvconnector.TimestampType, good: "2024-01-02T03:04:05Z", mark: `{"v":"2024-01-02 25:00:00"}`},
		{name: "string UTF-8 declared", content: "id,v\n1,ok\n2,b\xffd\n", opts: []csvconnector.Option{hintOf("v", arrow.BinaryTypes.String)}, typ: arrow.BinaryTypes.String, good: "ok", mark: "{\"v\":\"b\ufffdd\"}"},
		{name: "string UTF-8 inferred", content: "id,v\n1,ok\n2,b\xffd\n", typ: arrow.BinaryTypes.String, good: "ok", mark: "{\"v\":\"b\ufffdd\"}"},
		{name: "escaped in the mark", content: "id,v\n1,1\n2,\"say \"\"hi\"\"\n\\\\ <b>\"\n", typ: arrow.PrimitiveTypes.Int64, good: "1", mark: `{"v":"say \"hi\"\n\\\\ \u003cb\u003e"}`},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			path := writeTemp(t, tt.content)
			// Inference sees line 2 only: line 3 breaks the inferred type.
			src := csvconnector.NewSource(path, append([]csvconnector.Option{csvconnector.WithInferRows(1)}, tt.opts...)...)

			full, err := src.Schema(context.Background())
			require.NoError(t, err)
			require.Equal(t, 2, full.NumFields(), "Source.Schema has no InvalidColumn")
			require.True(t, arrow.TypeEqual(tt.typ, full.Field(1).Type), "type of v: %s", full.Field(1).Type)

			_, _, err = readAll(t, src, connectors.ReadOptions{Invalid: policy(connectors.InvalidError, "v")})
			var ie *connectors.InputError
			require.ErrorAs(t, err, &ie, "InvalidError fails the read")
			assert.Equal(t, 3, ie.Line)
			assert.Equal(t, 2, ie.Column)
			assert.Equal(t, "v", ie.Field)

			schema, rows, err := readAll(t, src, connectors.ReadOptions{Invalid: policy(connectors.InvalidNull, "v")})
			require.NoError(t, err)
			assert.Equal(t, 2, schema.NumFields(), "InvalidNull adds no column")
			assert.Equal(t, [][]string{{"1", tt.good}, {"2", "null"}}, rows)

			schema, rows, err = readAll(t, src, connectors.ReadOptions{Invalid: policy(connectors.InvalidMark, "v")})
			require.NoError(t, err)
			require.Equal(t, 3, schema.NumFields())
			assert.Equal(t, arrow.Field{Name: connectors.InvalidColumn, Type: arrow.BinaryTypes.String, Nullable: true,
				Metadata: arrow.NewMetadata([]string{connectors.MarksKey}, []string{"1"})}, schema.Field(2))
			assert.Equal(t, [][]string{{"1", tt.good, "null"}, {"2", "null", tt.mark}}, rows)
		})
	}
}

func TestInvalidMarksSeveralColumns(t *testing.T) {
	path := writeTemp(t, "a,b,c,d\n1,x,true,NA\nq,2,maybe,\n3,y,false,NA\nz,w,no,NA\n")
	hint := csvconnector.WithSchema(arrow.NewSchema([]arrow.Field{
		{Name: "a", Type: arrow.PrimitiveTypes.Int64},
		{Name: "c", Type: arrow.FixedWidthTypes.Boolean},
		{Name: "d", Type: arrow.PrimitiveTypes.Int64},
	}, nil))
	src := csvconnector.NewSource(path, hint, csvconnector.WithNullTokens("NA"))
	tests := []struct {
		name    string
		opts    connectors.ReadOptions
		columns []string
		rows    [][]string
	}{
		{
			name: "two marked in one row",
			opts: connectors.ReadOptions{Invalid: policy(connectors.InvalidMark, "a", "b", "c", "d")},
			rows: [][]string{
				{"1", "x", "true", "null", "null"},
				{"null", "2", "null", "null", `{"a":"q","c":"maybe"}`},
				{"3", "y", "false", "null", "null"},
				{"null", "w", "null", "null", `{"a":"z","c":"no"}`},
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
				{"1", "x", "true", "null", "null"},
				{"null", "2", "null", "null", `{"c":"maybe"}`},
				{"3", "y", "false", "null", "null"},
				{"null", "w", "null", "null", `{"c":"no"}`},
			},
		},
		{
			name: "projected, in the projection's order",
			opts: connectors.ReadOptions{Columns: []string{"c", "a"}, Invalid: policy(connectors.InvalidMark, "a", "c")},
			rows: [][]string{
				{"true", "1", "null"},
				{"null", "null", `{"c":"maybe","a":"q"}`},
				{"false", "3", "null"},
				{"null", "null", `{"c":"no","a":"z"}`},
			},
		},
		{
			name: "marking asked for a column not projected",
			opts: connectors.ReadOptions{Columns: []string{"b", "d"}, Invalid: policy(connectors.InvalidMark, "a", "c")},
			rows: [][]string{{"x", "null"}, {"2", "null"}, {"y", "null"}, {"w", "null"}},
		},
		{
			name: "batches of one row",
			opts: connectors.ReadOptions{BatchSize: 1, Invalid: policy(connectors.InvalidMark, "a")},
			rows: [][]string{
				{"1", "x", "true", "null", "null"},
				{"null", "2", "maybe", "null", `{"a":"q"}`},
				{"3", "y", "false", "null", "null"},
				{"null", "w", "no", "null", `{"a":"z"}`},
			},
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if tt.name == "batches of one row" {
				// c holds "maybe": read it as a string.
				src = csvconnector.NewSource(path, csvconnector.WithSchema(arrow.NewSchema([]arrow.Field{
					{Name: "a", Type: arrow.PrimitiveTypes.Int64},
					{Name: "c", Type: arrow.BinaryTypes.String},
					{Name: "d", Type: arrow.PrimitiveTypes.Int64},
				}, nil)), csvconnector.WithNullTokens("NA"))
			}
			_, rows, err := readAll(t, src, tt.opts)
			require.NoError(t, err)
			assert.Equal(t, tt.rows, rows)
		})
	}
}

// TestInvalidMarksInLaterBatches reads marks that fall in the second and
// third batches, and holds every batch to the reader's schema.
func TestInvalidMarksInLaterBatches(t *testing.T) {
	path := writeTemp(t, "n\n1\n2\n3\nx4\n5\n6\nx7\n")
	src := csvconnector.NewSource(path, csvconnector.WithInferRows(3))
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
	assert.Equal(t, [][]string{{"", "", ""}, {`{"n":"x4"}`, "", ""}, {`{"n":"x7"}`}}, marks)
}

func TestInvalidColumnReserved(t *testing.T) {
	path := writeTemp(t, "a,_sluice_invalid\n1,x\n")
	src := csvconnector.NewSource(path)
	_, err := src.Open(context.Background(), connectors.ReadOptions{Invalid: policy(connectors.InvalidMark, "a")})
	require.ErrorIs(t, err, connectors.ErrUnsupported)
	assert.Contains(t, err.Error(), path)
	assert.Contains(t, err.Error(), connectors.InvalidColumn)

	// Without marking the column is read like any other.
	_, rows, err := readAll(t, src, connectors.ReadOptions{Invalid: policy(connectors.InvalidNull, "a")})
	require.NoError(t, err)
	assert.Equal(t, [][]string{{"1", "x"}}, rows)
}
