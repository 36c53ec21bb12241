package jsonconnector_test

import (
	"context"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/apache/arrow-go/v18/arrow"
	"github.com/apache/arrow-go/v18/arrow/memory"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/sluicedata/sluice/connectors"
	"github.com/sluicedata/sluice/connectors/jsonconnector"
)

// TestProjectionSkipsUnreadKeys reads a file whose key junk holds values
// that would fail inference (objects only, in the two records inference
// reads) and the read (a string with invalid UTF-8, a duplicate key):
// projected away, they do not matter.
func TestProjectionSkipsUnreadKeys(t *testing.T) {
	path := writeTemp(t, `{"id":1,"junk":{"deep":[1,{"x":null}]}}`+"\n"+
		`{"junk":{},"id":2}`+"\n"+
		"{\"id\":3,\"junk\":\"b\xffd\",\"junk\":[]}\n")
	src := jsonconnector.NewSource(path, jsonconnector.WithInferRows(2))
	_, err := src.Schema(context.Background())
	require.ErrorIs(t, err, connectors.ErrUnsupported, "the whole file does not infer")

	schema, rows, err := readAll(t, src, connectors.ReadOptions{Columns: []string{"id"}})
	require.NoError(t, err)
	assertOneField(t, schema, "id", arrow.PrimitiveTypes.Int64)
	assert.Equal(t, [][]string{{"1"}, {"2"}, {"3"}}, rows)

	// Hinted, the projected column needs no inference.
	hinted := jsonconnector.NewSource(path, jsonconnector.WithInferRows(2), hintOf("id", arrow.PrimitiveTypes.Int16))
	schema, rows, err = readAll(t, hinted, connectors.ReadOptions{Columns: []string{"id"}, Invalid: policy(connectors.InvalidMark, "id")})
	require.NoError(t, err)
	require.Equal(t, 2, schema.NumFields())
	assert.Equal(t, connectors.InvalidColumn, schema.Field(1).Name)
	assertOneField(t, arrow.NewSchema(schema.Fields()[:1], nil), "id", arrow.PrimitiveTypes.Int16)
	assert.Equal(t, [][]string{{"1", "null"}, {"2", "null"}, {"3", "null"}}, rows)

	// Syntax is still checked in keys not read.
	bad := writeTemp(t, `{"id":1,"junk":{"deep":[1,}}`+"\n")
	_, _, err = readAll(t, jsonconnector.NewSource(bad), connectors.ReadOptions{Columns: []string{"id"}})
	var ie *connectors.InputError
	require.ErrorAs(t, err, &ie)
	assert.Contains(t, err.Error(), "malformed JSON")

	// A column the records lack is still no column.
	_, _, err = readAll(t, src, connectors.ReadOptions{Columns: []string{"nope"}})
	require.ErrorIs(t, err, connectors.ErrNoColumn)
}

func assertOneField(t *testing.T, schema *arrow.Schema, name string, dt arrow.DataType) {
	t.Helper()
	require.Equal(t, 1, schema.NumFields())
	assert.Equal(t, name, schema.Field(0).Name)
	assert.True(t, arrow.TypeEqual(dt, schema.Field(0).Type), "type %s", schema.Field(0).Type)
}

// BenchmarkOpenProjected reads 1 of 20 columns and all 20.
func BenchmarkOpenProjected(b *testing.B) {
	const cols, rows = 20, 20_000
	var sb strings.Builder
	for r := range rows {
		sb.WriteByte('{')
		for c := range cols {
			if c > 0 {
				sb.WriteByte(',')
			}
			switch c % 4 {
			case 0:
				fmt.Fprintf(&sb, `"c%02d":%d`, c, r*c)
			case 1:
				fmt.Fprintf(&sb, `"c%02d":%d.25`, c, r)
			case 2:
				fmt.Fprintf(&sb, `"c%02d":"value %d of column %d"`, c, r, c)
			default:
				fmt.Fprintf(&sb, `"c%02d":{"nested":[%d,null]}`, c, r)
			}
		}
		sb.WriteString("}\n")
	}
	path := filepath.Join(b.TempDir(), "wide.ndjson")
	require.NoError(b, os.WriteFile(path, []byte(sb.String()), 0o644))
	all := make([]string, 0, cols)
	hint := make([]arrow.Field, 0, cols/4)
	for c := range cols {
		all = append(all, fmt.Sprintf("c%02d", c))
		if c%4 == 3 {
			hint = append(hint, arrow.Field{Name: all[c], Type: arrow.StructOf(arrow.Field{Name: "nested", Type: arrow.ListOf(arrow.PrimitiveTypes.Int64), Nullable: true})})
		}
	}
	src := jsonconnector.NewSource(path, jsonconnector.WithSchema(arrow.NewSchema(hint, nil)))
	for _, bc := range []struct {
		name    string
		columns []string
	}{{"1 of 20", []string{"c02"}}, {"20 of 20", all}} {
		b.Run(bc.name, func(b *testing.B) {
			b.ReportAllocs()
			b.SetBytes(int64(sb.Len()))
			for b.Loop() {
				rdr, err := src.Open(context.Background(), connectors.ReadOptions{Columns: bc.columns, Allocator: memory.DefaultAllocator})
				if err != nil {
					b.Fatal(err)
				}
				n := 0
				for rdr.Next() {
					n += int(rdr.RecordBatch().NumRows())
				}
				if err := rdr.Err(); err != nil {
					b.Fatal(err)
				}
				rdr.Release()
				if n != rows {
					b.Fatalf("read %d rows, want %d", n, rows)
				}
			}
			b.ReportMetric(float64(rows)*float64(b.N)/b.Elapsed().Seconds(), "rows/s")
		})
	}
}
